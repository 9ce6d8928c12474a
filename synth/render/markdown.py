"""The report as Markdown: overview with numbered citations, facts, conflicts, sources (pure).

Citation [n] is source Sn. Article text is quoted, and characters Markdown would read as
markup are escaped, so an article cannot add links or formatting to the report. Facts are
rendered from their fields (subject, variants, status, revision), never by parsing their
statements.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from synth.models import Claim, Report, Source
from synth.render.facts import heading, revision_summary, shown_variants
from synth.render.title import story_title
from synth.text import printable

_STATUS_LABEL = {
    "corroborated": "corroborated",
    "single_source": "single source",
    "conflicting": "**conflicting**",
    "disputed": "**disputed**",
}
# Enough to stop links, images, raw HTML, emphasis and table breaks; no more, so text stays legible.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")


def escape(text: str) -> str:
    """Article text as literal Markdown: no links, images, HTML or emphasis."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", printable(" ".join(text.split())))


def _cite(source_ids: Iterable[str]) -> str:
    numbers = sorted({int(s[1:]) for s in source_ids if s[1:].isdigit()})
    return "".join(f"[{n}]" for n in numbers)


def render_markdown(report: Report) -> str:
    claims = {c.id: c for c in report.claims}
    sources = {s.id: s for s in report.sources}
    lines: list[str] = []
    title = story_title(report.sources)
    lines.append(f"# Fact sheet{': ' + escape(title) if title else ''}")
    lines.append("")
    usage = report.usage
    mode = f"model {usage.model}" if usage.model else "offline extractor"
    lines.append(
        f"_{counted(len(report.sources), 'source')} · "
        f"{counted(len(report.claims), 'grounded claim')} · "
        f"{counted(len(report.facts), 'fact')} · {mode}_"
    )
    lines.append("")
    lines.append("## Overview")
    lines.append("")
    if not report.overview:
        lines.append("_No claims could be extracted and grounded._")
    for sentence in report.overview:
        cited = [claims[i].source_id for i in sentence.claim_ids if i in claims]
        lines.append(f"- {escape(sentence.text)} {_cite(cited)}")
    lines.append("")
    lines.append("## Facts")
    lines.append("")
    if report.facts:
        lines.append("| Fact | Status | Statement | Sources |")
        lines.append("| --- | --- | --- | --- |")
        for fact in report.facts:
            status = _STATUS_LABEL[fact.status] + (", revised over time" if fact.revision else "")
            lines.append(f"| {fact.id} | {status} | {escape(fact.statement)} | {_cite(fact.source_ids)} |")
    else:
        lines.append("_None._")
    lines.append("")
    conflicts = [f for f in report.facts if f.status in ("conflicting", "disputed")]
    if conflicts:
        lines.append("## Conflicts and disputes")
        lines.append("")
        for fact in conflicts:
            lines.append(f"### {fact.id} · {escape(heading(fact))}")
            lines.append("")
            summary = revision_summary(fact)
            if summary is not None:
                lines.append(
                    f"_A count revised as reports came in: it {escape(summary)}, earliest report first._"
                )
                lines.append("")
            if fact.explanation:
                lines.append(f"_Why they differ:_ {escape(fact.explanation)}")
                lines.append("")
            if fact.variants:
                for variant in shown_variants(fact):
                    when = [*variant.time_refs]
                    if fact.revision and variant.as_of:
                        when.append(f"as of {variant.as_of}")
                    said = f" ({escape(', '.join(when))})" if when else ""
                    lines.append(
                        f"- **{escape(variant.label)}**{said} — "
                        f"{escape('; '.join(variant.attributed_to))} "
                        f"{_cite(variant.source_ids)}"
                    )
                    for claim_id in variant.claim_ids:
                        lines.append(f"  - {_quote(claims[claim_id], sources)}")
            else:
                for claim_id in fact.claim_ids:
                    lines.append(f"- {_quote(claims[claim_id], sources)}")
            lines.append("")
    lines.append("## Sources")
    lines.append("")
    for source in report.sources:
        details = [escape(x) for x in (source.outlet, source.published) if x]
        copy = f" — republishes [{source.duplicate_of[1:]}]" if source.duplicate_of else ""
        lines.append(
            f"{source.id[1:]}. **{escape(source.title or source.path)}**"
            f"{' — ' + ', '.join(details) if details else ''} "
            f"(`{printable(source.path)}`){copy}"
        )
    lines.append("")
    if report.unused_sources:
        lines.append("Not cited in the summary:")
        lines.append("")
        for unused in report.unused_sources:
            lines.append(f"- [{unused.source_id[1:]}] {escape(unused.reason)}")
        lines.append("")
    if report.problems:
        lines.append("## Problems")
        lines.append("")
        for problem in report.problems:
            lines.append(f"- {escape(problem.line())}")
        lines.append("")
    lines.append("## Run")
    lines.append("")
    lines.append(f"- extractor: {usage.extractor}" + (f" ({usage.model})" if usage.model else ""))
    lines.append(
        f"- requests: {usage.requests}, prompt tokens: {usage.prompt_tokens}, "
        f"completion tokens: {usage.completion_tokens}, cache hits: {usage.cache_hits}"
    )
    lines.append(
        f"- claims extracted: {usage.claims_extracted}, dropped by grounding: {usage.claims_dropped}"
    )
    lines.append(
        f"- facts and overview written by: {usage.reconciler}"
        + (f" ({usage.reconcile_requests} reconcile requests)" if usage.reconcile_requests else "")
    )
    if usage.estimated_cost_usd is not None:
        lines.append(f"- estimated cost: ${usage.estimated_cost_usd:.4f}")
    return "\n".join(lines) + "\n"


def counted(number: int, noun: str) -> str:
    """'1 source', '5 sources'."""
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _quote(claim: Claim, sources: dict[str, Source]) -> str:
    source = sources[claim.source_id]
    who = claim.attributed_to or "unattributed"
    return (
        f"“{escape(claim.quote)}” — {escape(who)}, {escape(source.outlet or source.id)} "
        f"[{claim.source_id[1:]}] ({claim.id}, {claim.stance})"
    )
