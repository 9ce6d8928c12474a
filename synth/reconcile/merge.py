"""Checked model answers and the rules' facts combined into the report's facts and overview
(pure).

Each batch's facts and sentences that pass every check are kept; the claims of whatever
failed are covered by the rules' facts and overview, computed once by the pipeline. Facts
are sorted by status and numbered once, sentences keep batch order, and batches come in the
order of the rules' groups.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from synth.cluster import ClaimGroup
from synth.models import Claim, Fact, OverviewSentence, Problem, Source, UnusedSource, id_order
from synth.reconcile.batches import ReconcileBatch
from synth.reconcile.checks import (
    CheckContext,
    conflicting_kinds,
    coverage_errors,
    fact_errors,
    sentence_errors,
    split_cited,
)
from synth.reconcile.rules import build_variants, reconcile_groups, sort_and_number
from synth.reconcile.schema import ReconciledFact, ReconcileResponse
from synth.write import write_overview


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
        context = CheckContext.for_claims(answer.batch.claims, sources)
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
