"""Checked model answers and the rules' facts combined into the report's facts and overview
(pure).

Each batch's facts and sentences that pass every check are kept; facts from different
batches about the same quantity become one fact, checked again. The claims of whatever
failed are covered by the rules' facts and overview as the pipeline computed them, once:
a rules fact is rebuilt only when it must be cut down to the failed claims. Facts are sorted
by status and numbered once, sentences keep batch order, and batches come in the order of
the rules' groups.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from synth.cluster import ClaimGroup
from synth.disjoint_sets import DisjointSets
from synth.models import (
    Claim,
    Fact,
    FactStatus,
    OverviewSentence,
    Problem,
    Source,
    UnusedSource,
    WrittenBy,
)
from synth.reconcile.batches import ReconcileBatch
from synth.reconcile.checks import (
    CheckContext,
    conflicting_kinds,
    coverage_errors,
    fact_errors,
    sentence_errors,
    split_cited,
)
from synth.reconcile.rules import (
    SourceIndex,
    facts_for_claims,
    group_fact,
    is_revision,
    kind_variants,
    sort_and_number,
    subject_of,
)
from synth.reconcile.schema import OverviewLine, ReconciledFact, ReconcileResponse
from synth.salvage import after_reasks
from synth.wire import plain


@dataclass(frozen=True)
class RulesReconcile:
    """The rules' reconcile of every claim, as the pipeline computed it."""

    groups: Sequence[ClaimGroup]
    facts: Sequence[Fact]
    overview: Sequence[OverviewSentence]


@dataclass
class BatchAnswer:
    """What came back for one batch: a checked answer, the last unchecked one, or nothing."""

    batch: ReconcileBatch
    response: ReconcileResponse | None
    error: str | None = None  # why the re-asks ran out or the request failed
    # True when a request failed after this answer came back (its re-ask got a 5xx): the
    # answer failed a check, and its parts that pass are all there is.
    interrupted: bool = False
    # Re-asks that ran before the answer was given up on; None when not known (a failed
    # request, or an answer cached before the count was kept: `error` then says it all).
    reasks: int | None = None
    cut_off: str | None = None  # the token caps the answer was cut off at, in words


@dataclass
class Reconciled:
    facts: list[Fact]
    overview: list[OverviewSentence]
    unused_sources: list[UnusedSource]
    problems: list[Problem]
    reconciler: str


@dataclass(frozen=True)
class _Part:
    """A fact that passed the checks, the batch it came from and the rules' groups its
    claims were sent under."""

    batch: int
    fact: Fact
    groups: frozenset[str]


@dataclass
class _Kept:
    """What passed the checks so far, and the claims the rules must cover instead."""

    facts: list[_Part] = field(default_factory=list)
    sentences: list[OverviewSentence] = field(default_factory=list)
    unused: dict[str, str] = field(default_factory=dict)
    fact_claims: set[str] = field(default_factory=set)  # facts for these come from the rules
    sentence_claims: set[str] = field(default_factory=set)  # and sentences citing these
    problems: list[Problem] = field(default_factory=list)


def assemble(
    answers: Sequence[BatchAnswer], claims: Sequence[Claim], sources: Sequence[Source], rules: RulesReconcile
) -> Reconciled:
    """Model facts and sentences that pass every check, and the rules' facts and sentences
    for the claims of whatever failed."""
    by_id = {c.id: c for c in claims}
    index = SourceIndex.of(sources)
    kept = _Kept()
    kinds = {
        f"G{number}": (g.unit, g.scope) for number, g in enumerate(rules.groups, 1) if g.unit is not None
    }
    for number, answer in enumerate(answers, 1):
        where = f" (batch {number} of {len(answers)})" if len(answers) > 1 else ""
        _keep_what_passes(answer, number, where, kept, sources, index, by_id, kinds)
    model_facts = merge_same_quantity(kept.facts, by_id, index)
    covered = {i for f in model_facts for i in f.claim_ids}
    uncovered = kept.fact_claims - covered
    rules_facts = facts_for_claims(rules.facts, uncovered, claims, sources)
    touched = uncovered | kept.sentence_claims
    rules_sentences = [s for s in rules.overview if touched.intersection(s.claim_ids)]
    facts = sort_and_number([*model_facts, *rules_facts])
    overview = [*kept.sentences, *rules_sentences]
    cited_source_ids = _cited_sources(facts, overview, by_id)
    unused_sources = [
        UnusedSource(source_id=s, reason=r) for s, r in kept.unused.items() if s not in cited_source_ids
    ]
    reconciler = (
        "model"
        if not rules_facts and not rules_sentences
        else "rules"
        if not model_facts and not kept.sentences
        else "model and rules"
    )
    return Reconciled(facts, overview, unused_sources, kept.problems, reconciler)


def _keep_what_passes(
    answer: BatchAnswer,
    number: int,
    where: str,
    kept: _Kept,
    sources: Sequence[Source],
    index: SourceIndex,
    by_id: Mapping[str, Claim],
    kinds: Mapping[str, tuple[str, str | None]],
) -> None:
    """Adds to `kept` the parts of one batch's answer that pass the checks, the claims the
    rules must cover instead, and the problems to report."""
    batch_ids = [c.id for c in answer.batch.claims]
    group_of = answer.batch.group_of
    if answer.response is None:
        kept.fact_claims.update(batch_ids)
        kept.sentence_claims.update(batch_ids)
        if answer.cut_off:
            what = f"was cut off at the token cap of {answer.cut_off}, with nothing whole before the cut"
        elif answer.reasks is not None:
            what = f"failed {after_reasks(answer.reasks)}: {answer.error}"
        else:
            what = f"failed: {answer.error}"
        kept.problems.append(
            Problem(
                stage="reconcile",
                reason=(
                    f"the model's reconcile{where} {what}; the deterministic reconcile covers its "
                    f"{len(batch_ids)} claims"
                ),
            )
        )
        return
    context = CheckContext.for_claims(answer.batch.claims, sources)
    response = without_repeats(answer.response)
    rejected: list[str] = []
    facts = _passing(
        response.facts,
        fact_errors,
        context,
        rejected,
        kept.fact_claims,
        lambda fact: f"fact {fact.statement[:60]!r}",
    )
    for fact, cited in facts:
        sent_under = Counter(group_of[c.id] for c in cited)
        # The model saw each claim with its group: the figure the fact is about is the one
        # of the group most of its claims came in, when they give it.
        preferred = kinds.get(sent_under.most_common(1)[0][0])
        # The checks read words; characters a terminal obeys pass them, so they go here.
        kept.facts.append(
            _Part(
                number,
                model_fact(
                    plain(fact.statement),
                    fact.status,
                    plain(fact.explanation or ""),
                    cited,
                    index,
                    kind=preferred,
                ),
                frozenset(sent_under),
            )
        )
    sentences = _passing(
        response.overview,
        sentence_errors,
        context,
        rejected,
        kept.sentence_claims,
        lambda line: f"sentence {line.text[:60]!r}",
    )
    kept.sentences += [
        OverviewSentence(text=plain(line.text).strip(), claim_ids=[c.id for c in cited], written_by="model")
        for line, cited in sentences
    ]
    if not sentences:
        kept.sentence_claims.update(batch_ids)
    declared = {
        n.source_id.strip(): plain(n.reason).strip()
        for n in response.unused_sources
        if n.source_id.strip() in context.sources_with_claims
    }
    kept.unused.update(declared)
    uncovered = coverage_errors(response, context)
    if uncovered:
        cited_or_declared = _cited_sources([p.fact for p in kept.facts], kept.sentences, by_id) | set(
            declared
        )
        kept.fact_claims.update(c.id for c in answer.batch.claims if c.source_id not in cited_or_declared)
    total = len(response.facts) + len(response.overview)
    # What failed: the parts rejected (if any), then the sources left out (if any).
    first = f", first rejected: {rejected[0]}" if rejected else ""
    left_out = f"; {uncovered[-1]}" if uncovered else ""
    passed = f"{len(facts) + len(sentences)} of {total} parts pass synth's checks and are kept"
    if answer.interrupted:
        kept.problems.append(
            Problem(
                stage="reconcile",
                reason=(
                    f"the model's reconcile{where} failed: {answer.error}; of its last answer, "
                    f"{passed}{first}{left_out}; the deterministic reconcile covers the rest"
                ),
            )
        )
    elif answer.cut_off:
        before = (
            f"of the whole parts before the cut, {passed}{first}{left_out}"
            if total
            else "nothing whole came before the cut"
        )
        kept.problems.append(
            Problem(
                stage="reconcile",
                reason=(
                    f"the model's reconcile{where} was cut off at the token cap of {answer.cut_off}; "
                    f"{before}; the deterministic reconcile covers the rest"
                ),
            )
        )
    elif rejected or uncovered:
        failed = (
            (
                f"{len(rejected)} of {total} part{'s' if total != 1 else ''} rejected, first: "
                f"{rejected[0]}{left_out}"
            )
            if rejected
            else uncovered[-1]
        )
        kept.problems.append(
            Problem(
                stage="reconcile",
                reason=(
                    f"the model's reconcile{where} still failed synth's checks "
                    f"{after_reasks(answer.reasks)}: {failed}; the deterministic reconcile covers "
                    "those claims"
                ),
            )
        )


def without_repeats(response: ReconcileResponse) -> ReconcileResponse:
    """The answer with each fact and sentence once, where it first came: a model looping
    until its token cap writes the same fact over and over, and the report needs it once."""
    facts: dict[Hashable, ReconciledFact] = {}
    for fact in response.facts:
        facts.setdefault((fact.statement.strip(), fact.status, tuple(fact.claim_ids)), fact)
    lines: dict[Hashable, OverviewLine] = {}
    for line in response.overview:
        lines.setdefault((line.text.strip(), tuple(line.claim_ids)), line)
    return response.model_copy(update={"facts": list(facts.values()), "overview": list(lines.values())})


Checked = TypeVar("Checked", ReconciledFact, OverviewLine)


def _passing(
    parts: Sequence[Checked],
    errors_of: Callable[[Checked, CheckContext], list[str]],
    context: CheckContext,
    rejected: list[str],
    fallback_claims: set[str],
    name: Callable[[Checked], str],
) -> list[tuple[Checked, list[Claim]]]:
    """The parts that pass their checks, with the claims they cite; each one that fails is
    added to `rejected`, and the claims it cites to `fallback_claims`."""
    passing = []
    for part in parts:
        errors = errors_of(part, context)
        cited = split_cited(part.claim_ids, context)[0]
        if errors:
            rejected.append(f"{name(part)}: {errors[0]}")
            fallback_claims.update(c.id for c in cited)
        else:
            passing.append((part, cited))
    return passing


def model_fact(
    statement: str,
    status: FactStatus,
    explanation: str | None,
    cited: Sequence[Claim],
    index: SourceIndex,
    *,
    written_by: WrittenBy = "model",
    kind: tuple[str, str | None] | None = None,
) -> Fact:
    """A checked model fact as a report Fact; sources, origins and variants come from the
    cited claims, never from the model. Its variants show `kind` (unit, scope) when the
    claims give that figure (and it is in conflict, for a conflict), else the figure in
    conflict, else the most cited one."""
    kinds = [(q.unit, q.scope) for c in cited for q in c.quantities]
    unit = scope = None
    if kinds:
        candidates = conflicting_kinds(cited) if status == "conflicting" else []
        candidates = candidates or sorted(set(kinds), key=lambda k: (-kinds.count(k), kinds.index(k)))
        unit, scope = kind if kind in candidates else candidates[0]
    variants = kind_variants(cited, index, unit, scope) if unit is not None else []
    return Fact(
        id="F0",
        statement=statement.strip(),
        status=status,
        claim_ids=[c.id for c in cited],
        source_ids=list(dict.fromkeys(c.source_id for c in cited)),
        origins=index.origins.of_claims(cited),
        subject=subject_of(unit, scope),
        unit=unit,
        scope=scope,
        variants=variants,
        revision=is_revision(status, unit, variants, cited, index),
        explanation=(explanation or "").strip() or None,
        written_by=written_by,
    )


def merge_same_quantity(parts: Sequence[_Part], by_id: Mapping[str, Claim], index: SourceIndex) -> list[Fact]:
    """The facts of all batches, those from different batches about the same quantity (the
    same unit and scope, or claims sent under one rules group) merged into one fact. A
    merge whose result would fail the checks is not made."""
    holders: dict[Hashable, list[int]] = {}
    for position, part in enumerate(parts):
        keys: set[Hashable] = set(part.groups)
        if part.fact.unit is not None:
            keys.add((part.fact.unit, part.fact.scope))
        for key in keys:
            holders.setdefault(key, []).append(position)
    same_quantity = DisjointSets(len(parts))
    for positions in holders.values():
        if len({parts[p].batch for p in positions}) > 1:  # the same quantity in two batches
            for position in positions[1:]:
                same_quantity.union(position, positions[0])
    together = [[parts[p].fact for p in positions] for positions in same_quantity.sets()]
    facts: list[Fact] = []
    for same in together:
        merged = _merged(same, by_id, index) if len(same) > 1 else None
        facts.extend([merged] if merged is not None else same)
    return facts


def _merged(facts: Sequence[Fact], by_id: Mapping[str, Claim], index: SourceIndex) -> Fact | None:
    """One fact holding every claim of `facts`, in the words of the largest of them whose
    status it keeps (else the rules' words), or None if it would fail the checks."""
    members = [by_id[i] for i in dict.fromkeys(i for f in facts for i in f.claim_ids)]
    unit, scope = facts[0].unit, facts[0].scope
    status: FactStatus
    if any(f.status == "disputed" for f in facts):
        status = "disputed"
    elif any(f.status == "conflicting" for f in facts) or (
        unit is not None and len(kind_variants(members, index, unit, scope)) > 1
    ):
        status = "conflicting"
    else:
        status = "corroborated" if index.origins.count(members) > 1 else "single_source"
    same_status = [f for f in facts if f.status == status]
    written_by: WrittenBy = "model"
    if same_status:
        statement = max(same_status, key=lambda f: len(f.claim_ids)).statement
        explanation = " ".join(dict.fromkeys(f.explanation for f in same_status if f.explanation)) or None
    else:
        statement = group_fact(members, index, unit, scope).statement
        explanation, written_by = None, "rules"
    checked = ReconciledFact(
        statement=statement, status=status, claim_ids=[c.id for c in members], explanation=explanation
    )
    if fact_errors(checked, CheckContext(claims=by_id, origins=index.origins, outlets=dict(index.outlet))):
        return None
    return model_fact(
        statement,
        status,
        explanation,
        members,
        index,
        written_by=written_by,
        kind=(unit, scope) if unit is not None else None,
    )


def _cited_sources(
    facts: Sequence[Fact], sentences: Sequence[OverviewSentence], by_id: Mapping[str, Claim]
) -> set[str]:
    ids = [i for f in facts for i in f.claim_ids] + [i for s in sentences for i in s.claim_ids]
    return {by_id[i].source_id for i in ids if i in by_id}
