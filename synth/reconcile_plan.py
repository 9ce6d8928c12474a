"""Model reconcile, the pure parts: what is sent, in how many requests, and how the answers
and the deterministic fallback become the report's facts and overview.

Claims go to the model one JSON object per line, each with the deterministic group it fell
in, so the model starts from synth's clustering and may merge or split it. When the claims
would exceed the token budget they are sent group by group, packed into batches under the
budget (a group larger than the budget is split), and the batches' facts and sentences are
combined here, without another request: facts are sorted by status, sentences keep batch
order, and batches come in the order of the deterministic groups.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from synth.cluster import ClaimGroup
from synth.models import Claim, Fact, OverviewSentence, Problem, Source, UnusedSource, id_order
from synth.reconcile import build_variants, reconcile_groups, sort_and_number
from synth.reconcile_schema import (
    CheckContext,
    ReconciledFact,
    ReconcileResponse,
    conflicting_kinds,
    coverage_errors,
    fact_errors,
    sentence_errors,
    split_cited,
)
from synth.write import write_overview

# A rough, tokenizer-free estimate; JSON of English text runs near 4 characters a token.
CHARS_PER_TOKEN = 4


@dataclass
class ReconcileBatch:
    """The claims of one reconcile request, with the group each came from."""

    claims: list[Claim] = field(default_factory=list)
    group_of: dict[str, str] = field(default_factory=dict)  # claim id → "G3"
    tokens: int = 0


def claim_line(claim: Claim, source: Source, group_id: str) -> str:
    """One claim as the model sees it: a JSON object on one line."""
    item: dict[str, Any] = {"id": claim.id, "group": group_id, "source": source.id,
                            "outlet": source.outlet, "published": source.published}
    if source.duplicate_of:
        item["republishes"] = source.duplicate_of
    item.update({"by": claim.attributed_to, "stance": claim.stance, "statement": claim.statement})
    if claim.quote.strip() != claim.statement.strip():
        item["quote"] = claim.quote
    numbers = []
    for q in claim.quantities:
        number = {"value": q.value, "value_max": q.value_max, "unit": q.unit, "scope": q.scope,
                  "qualifier": q.qualifier, "when": q.time_ref}
        numbers.append({k: v for k, v in number.items() if v is not None})
    if numbers:
        item["numbers"] = numbers
    line = json.dumps({k: v for k, v in item.items() if v is not None}, ensure_ascii=False)
    # "<\/" is the same JSON string, and no claim can write the closing marker.
    return line.replace("</", "<\\/")


def estimate_tokens(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def plan_batches(groups: Sequence[ClaimGroup], claims: Sequence[Claim],
                 sources: Sequence[Source], budget_tokens: int) -> list[ReconcileBatch]:
    """Batches of whole groups, in group order, each with at most `budget_tokens` of claims.

    One batch when everything fits. A claim in two groups (two kinds of figure) goes with the
    first; a group too large for one request is split across batches of its own."""
    by_id = {c.id: c for c in claims}
    source_of = {s.id: s for s in sources}
    placed: set[str] = set()
    batches: list[ReconcileBatch] = []
    current = ReconcileBatch()

    def flush() -> None:
        nonlocal current
        if current.claims:
            batches.append(current)
        current = ReconcileBatch()

    for number, group in enumerate(groups, 1):
        group_id = f"G{number}"
        members = [by_id[i] for i in group.claim_ids if i not in placed]
        placed.update(c.id for c in members)
        costs = [estimate_tokens(claim_line(c, source_of[c.source_id], group_id)) for c in members]
        if not members:
            continue
        if current.tokens + sum(costs) > budget_tokens:
            flush()
        for claim, cost in zip(members, costs, strict=True):
            if current.claims and current.tokens + cost > budget_tokens:
                flush()  # only a group larger than the budget gets here
            current.claims.append(claim)
            current.group_of[claim.id] = group_id
            current.tokens += cost
    flush()
    return batches


def batch_payload(batch: ReconcileBatch, sources: Sequence[Source]) -> str:
    source_of = {s.id: s for s in sources}
    return "\n".join(claim_line(c, source_of[c.source_id], batch.group_of[c.id])
                     for c in batch.claims)


def check_context(batch: ReconcileBatch, sources: Sequence[Source]) -> CheckContext:
    return CheckContext(claims={c.id: c for c in batch.claims},
                        origin={s.id: s.duplicate_of or s.id for s in sources})


@dataclass
class BatchAnswer:
    """What came back for one batch: a checked answer, the last unchecked one, or nothing."""

    batch: ReconcileBatch
    response: ReconcileResponse | None
    error: str | None = None  # why the re-asks ran out or the request failed


@dataclass
class Reconciled:
    facts: list[Fact]
    overview: list[OverviewSentence]
    unused_sources: list[UnusedSource]
    problems: list[Problem]
    reconciler: str


def assemble(answers: Sequence[BatchAnswer], groups: Sequence[ClaimGroup],
             claims: Sequence[Claim], sources: Sequence[Source],
             rules_overview: Sequence[OverviewSentence]) -> Reconciled:
    """Model facts and sentences that pass every check, and the deterministic reconcile for
    the claims of whatever failed; `rules_overview` is the deterministic overview of all
    claims, from which sentences replace rejected model sentences."""
    by_id = {c.id: c for c in claims}
    outlet = {s.id: s.outlet or s.id for s in sources}
    model_facts: list[Fact] = []
    model_sentences: list[OverviewSentence] = []
    unused: dict[str, str] = {}
    fallback_claims: set[str] = set()  # facts for these are rebuilt by rules
    fallback_sentence_claims: set[str] = set()  # sentences citing these come from rules
    problems: list[Problem] = []
    for number, answer in enumerate(answers, 1):
        batch_ids = [c.id for c in answer.batch.claims]
        where = f" (batch {number} of {len(answers)})" if len(answers) > 1 else ""
        if answer.response is None:
            fallback_claims.update(batch_ids)
            fallback_sentence_claims.update(batch_ids)
            problems.append(Problem(stage="reconcile", reason=(
                f"the model's reconcile{where} failed: {answer.error}; the deterministic "
                f"reconcile covers its {len(batch_ids)} claims")))
            continue
        context = check_context(answer.batch, sources)
        rejected: list[str] = []
        for fact in answer.response.facts:
            errors = fact_errors(fact, context)
            cited = split_cited(fact.claim_ids, context)[0]
            if errors:
                rejected.append(f"fact {fact.statement[:60]!r}: {errors[0]}")
                fallback_claims.update(c.id for c in cited)
                continue
            model_facts.append(model_fact(fact, cited, outlet))
        kept_sentences = 0
        for line in answer.response.overview:
            errors = sentence_errors(line, context)
            cited = split_cited(line.claim_ids, context)[0]
            if errors:
                rejected.append(f"sentence {line.text[:60]!r}: {errors[0]}")
                fallback_sentence_claims.update(c.id for c in cited)
                continue
            model_sentences.append(OverviewSentence(
                text=line.text.strip(), claim_ids=[c.id for c in cited], written_by="model"))
            kept_sentences += 1
        if not kept_sentences:
            fallback_sentence_claims.update(batch_ids)
        declared = {n.source_id.strip(): n.reason.strip() for n in answer.response.unused_sources
                    if n.source_id.strip() in context.sources_with_claims}
        unused.update(declared)
        uncovered = coverage_errors(answer.response, context)
        if uncovered:
            rejected.append(uncovered[-1])
            cited_or_declared = _cited_sources(model_facts, model_sentences, by_id) | set(declared)
            fallback_claims.update(i for i in batch_ids
                                   if by_id[i].source_id not in cited_or_declared)
        if rejected:
            total = len(answer.response.facts) + len(answer.response.overview)
            problems.append(Problem(stage="reconcile", reason=(
                f"the model's reconcile{where} still failed synth's checks after its re-asks: "
                f"{len(rejected)} of {total} parts rejected, first: {rejected[0]}; the "
                "deterministic reconcile covers those claims")))
    covered = {i for f in model_facts for i in f.claim_ids}
    to_rebuild = fallback_claims - covered
    rules_facts = reconcile_groups(_restricted(groups, to_rebuild),
                                   [by_id[i] for i in sorted(to_rebuild, key=id_order)],
                                   sources) if to_rebuild else []
    rules_sentences = write_overview(rules_facts, claims, sources) if rules_facts else []
    said = {s.text for s in rules_sentences}
    for sentence in rules_overview:
        if fallback_sentence_claims & set(sentence.claim_ids) and sentence.text not in said:
            rules_sentences.append(sentence)
            said.add(sentence.text)
    facts = sort_and_number([*model_facts, *rules_facts])
    overview = [*model_sentences, *rules_sentences]
    cited_source_ids = _cited_sources(facts, overview, by_id)
    unused_sources = [UnusedSource(source_id=s, reason=r) for s, r in unused.items()
                      if s not in cited_source_ids]
    reconciler = ("model" if not rules_facts and not rules_sentences
                  else "rules" if not model_facts and not model_sentences else "model and rules")
    return Reconciled(facts, overview, unused_sources, problems, reconciler)


def model_fact(fact: ReconciledFact, cited: list[Claim], outlet: Mapping[str, str]) -> Fact:
    """A checked model fact as a report Fact; sources and variants come from the cited
    claims, never from the model."""
    source_ids = list(dict.fromkeys(c.source_id for c in cited))
    kinds = [(q.unit, q.scope) for c in cited for q in c.quantities]
    unit = scope = None
    variants = []
    if kinds:
        disagreeing = conflicting_kinds(cited) if fact.status == "conflicting" else []
        # The variants shown are those of the figure in conflict, else the most cited one.
        unit, scope = disagreeing[0] if disagreeing else max(
            set(kinds), key=lambda k: (kinds.count(k), -kinds.index(k)))
        variants = build_variants(cited, outlet, lambda q: (q.unit, q.scope) == (unit, scope))
    return Fact(id="F0", statement=fact.statement.strip(), status=fact.status,
                claim_ids=[c.id for c in cited], source_ids=source_ids, unit=unit, scope=scope,
                variants=variants, explanation=(fact.explanation or "").strip() or None,
                written_by="model")


def _cited_sources(facts: Sequence[Fact], sentences: Sequence[OverviewSentence],
                   by_id: Mapping[str, Claim]) -> set[str]:
    ids = [i for f in facts for i in f.claim_ids] + [i for s in sentences for i in s.claim_ids]
    return {by_id[i].source_id for i in ids if i in by_id}


def _restricted(groups: Sequence[ClaimGroup], keep: set[str]) -> list[ClaimGroup]:
    restricted = []
    for group in groups:
        ids = [i for i in group.claim_ids if i in keep]
        if ids:
            restricted.append(ClaimGroup(group.kind, ids, group.unit, group.scope))
    return restricted
