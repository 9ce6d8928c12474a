"""The report as one self-contained HTML page: overview with citations, facts, a source-by-fact
matrix, highlighted sources and run figures (pure; reads only its own template files).

Article text is untrusted. Everything goes through Jinja's autoescaping: a source's text is cut
into plain and quoted segments here and each segment is escaped by the template, never marked
safe. The only raw insertions are the package's own stylesheet and script, and the page's
Content-Security-Policy allows that one script by its hash, so injected markup could not run
even if it slipped through.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache
from itertools import pairwise
from typing import Literal

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from synth.models import Claim, Fact, Report, Source, Variant, id_order
from synth.reconcile.origins import Origins
from synth.reconcile.rules import speaker_names
from synth.render.facts import fact_headline, heading_case, shown_variants
from synth.render.title import story_title

STATUS_ORDER = ("corroborated", "single_source", "conflicting", "disputed")
STATUS_LABEL = {
    "corroborated": "Corroborated",
    "single_source": "Single source",
    "conflicting": "Conflicting",
    "disputed": "Disputed",
}
STATUS_HINT = {
    "corroborated": "independent sources agree",
    "single_source": "rests on one independent source",
    "conflicting": "sources give different values",
    "disputed": "a party denies it",
}
# When a quote feeds several facts, its highlight takes the most contentious status.
_STATUS_WEIGHT = {"single_source": 1, "corroborated": 2, "conflicting": 3, "disputed": 4}
VARIANT_COLOURS = 8
_LABEL_CHARS = 110

# A matrix header without an outlet shows this many words of the title.
SHORT_TITLE_WORDS = 4
CellState = Literal["supports", "contradicts", "mixed", "silent"]


@dataclass(frozen=True)
class Segment:
    """A run of source text: plain, or inside the quotes of `claim_ids`."""

    text: str
    claim_ids: tuple[str, ...] = ()
    starts: tuple[str, ...] = ()  # claims whose quote begins here: anchors go before the text
    status: str = ""


@dataclass(frozen=True)
class CiteGroup:
    source_id: str
    claim_ids: tuple[str, ...]


@dataclass(frozen=True)
class SentenceView:
    text: str
    groups: tuple[CiteGroup, ...]
    status: str | None
    fact_ids: tuple[str, ...]


@dataclass(frozen=True)
class Speaker:
    """Who says something about a fact, with the stance taken and where it is reported."""

    who: str
    stance: str
    claim_ids: tuple[str, ...]
    source_ids: tuple[str, ...]


@dataclass(frozen=True)
class VariantView:
    variant: Variant
    colour: int
    independent: int
    majority: bool
    as_of: str | None  # shown for a revision's values: when each was given


@dataclass(frozen=True)
class FactView:
    fact: Fact
    headline: str
    detail: str | None  # a model's statement, when the headline is not the statement
    label: str
    variants: tuple[VariantView, ...]  # for a revision, a timeline: earliest first
    speakers: tuple[Speaker, ...]
    independent: int


@dataclass(frozen=True)
class CellMark:
    kind: Literal["supports", "contradicts"]
    label: str
    claim_ids: tuple[str, ...]
    title: str
    colour: int | None = None


@dataclass(frozen=True)
class Cell:
    source_id: str
    state: CellState
    marks: tuple[CellMark, ...]
    duplicate: bool


@dataclass(frozen=True)
class MatrixRow:
    fact: Fact
    label: str
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class SourceView:
    source: Source
    label: str
    published: str | None
    segments: tuple[Segment, ...]
    claims: tuple[Claim, ...]
    copies: tuple[str, ...]
    short: str = ""  # the matrix header: the outlet, or the title's first words


@dataclass
class _Index:
    """Lookups the views share."""

    report: Report
    claims: dict[str, Claim] = field(default_factory=dict)
    sources: dict[str, Source] = field(default_factory=dict)
    facts_of_claim: dict[str, list[Fact]] = field(default_factory=dict)
    origins: Origins = field(init=False)

    def __post_init__(self) -> None:
        self.claims = {c.id: c for c in self.report.claims}
        self.sources = {s.id: s for s in self.report.sources}
        self.origins = Origins(self.report.sources)
        for fact in self.report.facts:
            for claim_id in fact.claim_ids:
                self.facts_of_claim.setdefault(claim_id, []).append(fact)

    def independent(self, claim_ids: Iterable[str]) -> int:
        """Independent origins among these claims (see synth.reconcile.origins)."""
        return self.origins.count(self.claims[c] for c in claim_ids if c in self.claims)

    def source_label(self, source_id: str) -> str:
        source = self.sources.get(source_id)
        return (source.outlet or source.title or source_id) if source else source_id

    def short_label(self, source_id: str) -> str:
        """The outlet, or the first words of the title: a column header, not a sentence."""
        source = self.sources.get(source_id)
        if source is None or source.outlet:
            return self.source_label(source_id)
        words = (source.title or "").split()
        return " ".join(words[:SHORT_TITLE_WORDS]) + ("…" if len(words) > SHORT_TITLE_WORDS else "")


def render_html(report: Report) -> str:
    """The report as a single HTML page with inline style and script, and no external assets."""
    index = _Index(report)
    env = _environment()
    script = env.loader.get_source(env, "report.js")[0]  # type: ignore[union-attr]
    style = env.loader.get_source(env, "report.css")[0]  # type: ignore[union-attr]
    script_hash = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    sources = [_source_view(index, s) for s in report.sources]
    facts = [_fact_view(index, f) for f in report.facts]
    matrix = [_matrix_row(index, view) for view in facts]
    speaks_to = Counter(cell.source_id for row in matrix for cell in row.cells if cell.state != "silent")
    counts: Counter[str] = Counter(f.status for f in report.facts)
    return env.get_template("report.html.j2").render(
        report=report,
        title=story_title(report.sources) or "",
        dates=_date_range(report.sources),
        independent_sources=index.origins.count_sources(s.id for s in report.sources),
        overview=[_sentence_view(index, s.text, s.claim_ids) for s in report.overview],
        facts=facts,
        matrix=matrix,
        speaks_to=speaks_to,
        sources=sources,
        sources_by_id=index.sources,
        dup_of={s.id: s.duplicate_of for s in report.sources if s.duplicate_of},
        unused_sources={u.source_id: u.reason for u in report.unused_sources},
        facts_of_claim={k: [f.id for f in v] for k, v in index.facts_of_claim.items()},
        source_label=index.source_label,
        anchor=lambda claim_id: _anchor(index, claim_id),
        counts=[(status, counts.get(status, 0)) for status in STATUS_ORDER],
        status_label=STATUS_LABEL,
        status_hint=STATUS_HINT,
        extractor=_extractor_label(report),
        style=Markup(style),  # the package's own stylesheet, not article text
        script=Markup(script),  # the package's own script, allowed by hash in the CSP
        script_hash=script_hash,
    )


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("synth", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["num"] = lambda n: f"{n:,}"
    return env


def source_segments(
    text: str, spans: Sequence[tuple[str, int, int]], status: dict[str, str] | None = None
) -> list[Segment]:
    """Cut `text` at every quote boundary; each piece knows which quotes cover it.

    Overlapping quotes are fine, and spans outside the text are ignored rather than trusted.
    """
    valid = [(cid, s, e) for cid, s, e in spans if 0 <= s < e <= len(text)]
    cuts = sorted({0, len(text), *(s for _, s, _ in valid), *(e for _, _, e in valid)})
    status = status or {}
    segments = []
    for a, b in pairwise(cuts):
        covering = tuple(cid for cid, s, e in valid if s <= a and b <= e)
        starts = tuple(cid for cid, s, _ in valid if s == a)
        strongest = max(
            (status.get(c, "") for c in covering), key=lambda st: _STATUS_WEIGHT.get(st, 0), default=""
        )
        segments.append(Segment(text[a:b], covering, starts, strongest))
    return segments


def majority_variants(variants: Sequence[Variant], independent: dict[int, int]) -> set[int]:
    """Indexes of the variants given by the most independent sources. When every variant is
    given equally often there is no majority: the sources simply split."""
    if not variants or len(set(independent.values())) < 2:
        return set()
    best = max(independent.values())
    return {i for i, n in independent.items() if n == best}


def _anchor(index: _Index, claim_id: str) -> str:
    claim = index.claims.get(claim_id)
    if claim is None:
        return "sources"
    source = index.sources.get(claim.source_id)
    if source is None or not 0 <= claim.start < claim.end <= len(source.text):
        return f"src-{claim.source_id}"
    return f"q-{claim_id}"


def _claim_status(index: _Index, claim_id: str) -> str:
    facts = index.facts_of_claim.get(claim_id, [])
    return max((f.status for f in facts), key=lambda st: _STATUS_WEIGHT[st], default="")


def _source_view(index: _Index, source: Source) -> SourceView:
    claims = sorted(
        (c for c in index.report.claims if c.source_id == source.id), key=lambda c: (c.start, c.end)
    )
    status = {c.id: _claim_status(index, c.id) for c in claims}
    segments = source_segments(source.text, [(c.id, c.start, c.end) for c in claims], status)
    if source.format == "md":  # shown as text: "# Heading" as a heading's words, links as text
        segments = [replace(seg, text=markdown_as_text(seg.text)) for seg in segments]
    copies = tuple(s.id for s in index.report.sources if s.duplicate_of == source.id)
    return SourceView(
        source,
        index.source_label(source.id),
        _format_date(source.published),
        tuple(segments),
        tuple(claims),
        copies,
        index.short_label(source.id),
    )


_MD_LINK = re.compile(r"!?\[([^\]\n]*)\]\([^)\s]*(?:\s+\"[^\"]*\")?\)")
_MD_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+", re.MULTILINE)
_MD_EMPHASIS = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")


def markdown_as_text(text: str) -> str:
    """A Markdown source shown as its words: links as their text, no heading or bold marks."""
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_HEADING.sub("", text)
    return _MD_EMPHASIS.sub(r"\2", text)


def _sentence_view(index: _Index, text: str, claim_ids: Sequence[str]) -> SentenceView:
    known = [index.claims[c] for c in dict.fromkeys(claim_ids) if c in index.claims]
    by_source: dict[str, list[str]] = {}
    for claim in sorted(known, key=lambda c: (id_order(c.source_id), id_order(c.id))):
        by_source.setdefault(claim.source_id, []).append(claim.id)
    groups = tuple(CiteGroup(s, tuple(ids)) for s, ids in by_source.items())
    cited = {c.id for c in known}
    facts = [f for f in index.report.facts if cited & set(f.claim_ids)]
    covering = [f for f in facts if cited <= set(f.claim_ids)]
    if covering:  # the tightest fact that holds every cited claim is what the sentence is about
        facts = [min(covering, key=lambda f: len(f.claim_ids))]
    statuses = {f.status for f in facts}
    status = statuses.pop() if len(statuses) == 1 else None
    return SentenceView(text, groups, status, tuple(f.id for f in facts))


def _fact_view(index: _Index, fact: Fact) -> FactView:
    headline = fact_headline(fact)
    variants: list[VariantView] = []
    if fact.status == "conflicting":
        shown = shown_variants(fact)
        per_variant = {i: index.independent(v.claim_ids) for i, v in enumerate(shown)}
        # A revision's values are one count at different times: none is a minority view.
        majority = set() if fact.revision else majority_variants(shown, per_variant)
        variants = [
            VariantView(
                v,
                i % VARIANT_COLOURS,
                per_variant[i],
                i in majority,
                _format_date(v.as_of) if fact.revision else None,
            )
            for i, v in enumerate(shown)
        ]
    detail = fact.statement if fact.written_by == "model" and headline != fact.statement else None
    independent = len(fact.origins) or index.independent(fact.claim_ids)
    return FactView(
        fact,
        headline,
        detail,
        _shorten(heading_case(headline), _LABEL_CHARS),
        tuple(variants),
        _speakers(index, fact),
        independent,
    )


def _speakers(index: _Index, fact: Fact) -> tuple[Speaker, ...]:
    claims = [index.claims[c] for c in fact.claim_ids if c in index.claims]
    listed_under = speaker_names(c.attributed_to for c in claims if c.attributed_to)
    grouped: dict[tuple[str, str], list[Claim]] = {}
    for claim in claims:
        who = listed_under[claim.attributed_to] if claim.attributed_to else "no named source"
        grouped.setdefault((who, claim.stance), []).append(claim)
    order = {"denied": 0, "asserted": 1, "reported": 2, "hedged": 3}
    speakers = [
        Speaker(who, stance, tuple(c.id for c in claims), tuple(dict.fromkeys(c.source_id for c in claims)))
        for (who, stance), claims in grouped.items()
    ]
    return tuple(sorted(speakers, key=lambda s: order.get(s.stance, 9)))


def _matrix_row(index: _Index, view: FactView) -> MatrixRow:
    fact = view.fact
    cells = []
    for source in index.report.sources:
        claims = [
            index.claims[c]
            for c in fact.claim_ids
            if c in index.claims and index.claims[c].source_id == source.id
        ]
        marks = _cell_marks(index, view, source, claims)
        kinds = {m.kind for m in marks}
        state: CellState
        if not kinds:
            state = "silent"
        elif view.variants:  # conflicting: a source agrees when it gives a majority value
            state = "supports" if any(m.kind == "supports" for m in marks) else "contradicts"
        elif kinds == {"supports"}:
            state = "supports"
        elif kinds == {"contradicts"}:
            state = "contradicts"
        else:
            state = "mixed"
        cells.append(Cell(source.id, state, tuple(marks), source.duplicate_of is not None))
    return MatrixRow(fact, view.label, tuple(cells))


def _cell_marks(index: _Index, view: FactView, source: Source, claims: list[Claim]) -> list[CellMark]:
    outlet = index.source_label(source.id)
    marks: list[CellMark] = []
    placed: set[str] = set()
    for variant in view.variants:
        ids = tuple(c.id for c in claims if c.id in variant.variant.claim_ids)
        if not ids:
            continue
        placed.update(ids)
        who = _join(dict.fromkeys(index.claims[c].attributed_to or "unattributed" for c in ids))
        timeline = view.fact.revision
        relation = (
            "a value on the count's timeline"
            if timeline
            else "one of the values most sources give"
            if variant.majority
            else "differs from the value most sources give"
        )
        marks.append(
            CellMark(
                "supports" if variant.majority or timeline else "contradicts",
                variant.variant.label,
                ids,
                f"{outlet} ({source.id}): {variant.variant.label}, per {who}; {relation}",
                variant.colour,
            )
        )
    rest = [c for c in claims if c.id not in placed]
    affirm = [c for c in rest if c.stance != "denied"]
    denied = [c for c in rest if c.stance == "denied"]
    # A fact that is itself a denial ("X denies Y") is supported by the sources reporting the
    # denial; only in a fact that affirms something does a denial contradict it.
    is_denial = (
        bool(denied)
        and not view.variants
        and all(index.claims[c].stance == "denied" for c in view.fact.claim_ids if c in index.claims)
    )
    if affirm and not view.variants:
        who = _join(dict.fromkeys(c.attributed_to or "unattributed" for c in affirm))
        marks.append(
            CellMark(
                "supports", "✓", tuple(c.id for c in affirm), f"{outlet} ({source.id}) reports it, per {who}"
            )
        )
    if denied:
        who = _join(dict.fromkeys(c.attributed_to or "unattributed" for c in denied))
        marks.append(
            CellMark(
                "supports" if is_denial else "contradicts",
                "✓ denial" if is_denial else "✗ denial",
                tuple(c.id for c in denied),
                f"{outlet} ({source.id}) reports a denial by {who}",
            )
        )
    return marks


def _date_range(sources: Sequence[Source]) -> str | None:
    dates = sorted(d for d in (_parse_date(s.published) for s in sources) if d is not None)
    if not dates:
        return None
    first, last = dates[0], dates[-1]
    if first == last:
        return _day(first)
    return f"{_day(first)} – {_day(last)}"


def _parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=None)
    except ValueError:
        return None


def _day(moment: datetime) -> str:
    return f"{moment.day} {moment:%b %Y}"


def _format_date(value: str | None) -> str | None:
    moment = _parse_date(value)
    if moment is None:
        return value
    has_time = value is not None and "T" in value
    return f"{_day(moment)}, {moment:%H:%M}" if has_time else _day(moment)


def _extractor_label(report: Report) -> str:
    usage = report.usage
    if usage.model:
        return f"model {usage.model}"
    return "offline rule-based extractor" if usage.extractor == "offline" else usage.extractor


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:–—-")
    return cut + "…"


def _join(names: Iterable[str]) -> str:
    return "; ".join(names)


__all__ = ["render_html", "source_segments", "majority_variants", "Segment"]
