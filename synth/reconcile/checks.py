"""The checks a fact or overview sentence written by a model must pass (pure).

They are plain functions over a `CheckContext` (the claims sent in the request), so the same
code runs as Pydantic validators while instructor re-asks (the error goes back to the model)
and again, item by item, on the last answer when the re-asks have run out: what passes is
kept, what fails is rebuilt by the rules.

A fact or sentence passes when every claim id it cites was in the request, every number it
writes is in a claim it cites, its words are those of the claims it cites (synth.support), and
its status is borne out by the claims it cites
(conflicting: different values; corroborated: two independent sources; single_source: one;
disputed: a denial). The answer as a whole passes when every source that has a claim in the
request is cited or listed as unused with a reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from synth.models import Claim, FactStatus, Source, id_order
from synth.reconcile.origins import Origins
from synth.reconcile.rules import same_value
from synth.support import sentence_errors_in_words, unsupported_numbers

if TYPE_CHECKING:
    from synth.reconcile.schema import OverviewLine, ReconciledFact, ReconcileResponse


@dataclass(frozen=True)
class CheckContext:
    """The claims one reconcile request carried, and whose origin each speaks for."""

    claims: Mapping[str, Claim]
    origins: Origins
    # Outlet names, which the request shows beside each claim and a sentence may name.
    outlets: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def for_claims(cls, claims: Sequence[Claim], sources: Sequence[Source]) -> CheckContext:
        return cls(
            claims={c.id: c for c in claims},
            origins=Origins(sources),
            outlets={s.id: s.outlet for s in sources if s.outlet},
        )

    @property
    def sources_with_claims(self) -> set[str]:
        return {c.source_id for c in self.claims.values()}


def _ids(ids: Iterable[str]) -> str:
    return ", ".join(ids)


def split_cited(claim_ids: Iterable[str], context: CheckContext) -> tuple[list[Claim], list[str]]:
    """The cited claims that exist, and the cited ids that do not."""
    known: list[Claim] = []
    unknown: list[str] = []
    for claim_id in dict.fromkeys(claim_ids):
        claim = context.claims.get(claim_id.strip())
        if claim is None:
            unknown.append(claim_id)
        else:
            known.append(claim)
    return known, unknown


def _citation_errors(claim_ids: list[str], context: CheckContext) -> tuple[list[Claim], list[str]]:
    cited, unknown = split_cited(claim_ids, context)
    errors = []
    if not claim_ids:
        errors.append("it cites no claim; cite the ids of the claims it rests on")
    if unknown:
        errors.append(
            f"it cites {_ids(repr(i) for i in unknown)}, not the id of any claim "
            "between <claims> and </claims>; cite only those ids"
        )
    return cited, errors


def _number_errors(field: str, text: str, cited: list[Claim]) -> list[str]:
    missing = unsupported_numbers(text, cited)
    if not missing:
        return []
    return [
        f"its {field} writes {_ids(repr(m) for m in missing)}, which no claim it cites "
        "gives; write only numbers found in the cited claims, or cite the claim that gives it"
    ]


def _evidence(cited: list[Claim], context: CheckContext) -> list[str]:
    """What the cited claims say: their quotes, statements, speakers, outlets and figures
    (unit, scope, time: what the request showed the model)."""
    texts = [
        text
        for c in cited
        for text in (c.quote, c.statement, c.attributed_to or "", context.outlets.get(c.source_id, ""))
    ]
    texts += [" ".join(filter(None, (q.unit, q.scope, q.time_ref))) for c in cited for q in c.quantities]
    return texts


def _word_errors(field: str, text: str, cited: list[Claim], context: CheckContext) -> list[str]:
    if not cited:
        return []
    return [f"its {field}: {error}" for error in sentence_errors_in_words(text, _evidence(cited, context))]


def fact_errors(fact: ReconciledFact, context: CheckContext) -> list[str]:
    cited, errors = _citation_errors(fact.claim_ids, context)
    errors += _number_errors("statement", fact.statement, cited)
    errors += _word_errors("statement", fact.statement, cited, context)
    if fact.explanation:
        errors += _number_errors("explanation", fact.explanation, cited)
        errors += _word_errors("explanation", fact.explanation, cited, context)
    if cited:
        errors += _status_errors(fact.status, cited, context)
    return errors


def _status_errors(status: FactStatus, cited: list[Claim], context: CheckContext) -> list[str]:
    independent = context.origins.count(cited)
    if status == "conflicting" and not conflicting_kinds(cited):
        return [
            "it is marked conflicting, but no two of the claims it cites give different "
            "values for the same kind of figure (same unit and scope)"
        ]
    if status == "corroborated" and independent < 2:
        return [
            "it is marked corroborated, but its claims come from one source (a republished "
            "copy counts as its original, and a claim that relays another outlet's report "
            "as that outlet's)"
        ]
    if status == "single_source" and independent > 1:
        return [f"it is marked single_source, but it cites claims from {independent} independent sources"]
    if status == "disputed" and not any(c.stance == "denied" for c in cited):
        return ["it is marked disputed, but none of the claims it cites is a denial"]
    return []


def conflicting_kinds(claims: Iterable[Claim]) -> list[tuple[str, str | None]]:
    """The (unit, scope) pairs on which two different claims give different values (the
    same unit and scope: 3 generals and 500 officers are no conflict)."""
    first: dict[tuple[str, str | None], tuple[str, Any]] = {}
    kinds: list[tuple[str, str | None]] = []
    for claim in claims:
        for quantity in claim.quantities:
            kind = (quantity.unit, quantity.scope)
            seen = first.setdefault(kind, (claim.id, quantity))
            if seen[0] != claim.id and not same_value(seen[1], quantity) and kind not in kinds:
                kinds.append(kind)
    return kinds


def sentence_errors(line: OverviewLine, context: CheckContext) -> list[str]:
    cited, errors = _citation_errors(line.claim_ids, context)
    return errors + _number_errors("text", line.text, cited) + _word_errors("text", line.text, cited, context)


def cited_sources(response: ReconcileResponse, context: CheckContext) -> set[str]:
    ids = [i for f in response.facts for i in f.claim_ids]
    ids += [i for s in response.overview for i in s.claim_ids]
    return {claim.source_id for claim in split_cited(ids, context)[0]}


def coverage_errors(response: ReconcileResponse, context: CheckContext) -> list[str]:
    with_claims = context.sources_with_claims
    declared = {n.source_id.strip() for n in response.unused_sources}
    errors = []
    stray = sorted(declared - with_claims)
    if stray:
        errors.append(f"unused_sources names {_ids(stray)}, which has no claim in this request")
    missing = sorted(with_claims - cited_sources(response, context) - declared, key=id_order)
    if missing:
        errors.append(
            f"sources {_ids(missing)} have claims but no fact or sentence cites them; "
            "cite them, or list each in unused_sources with the reason"
        )
    return errors
