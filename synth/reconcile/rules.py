"""Claim groups → facts with a status, every variant kept with who gave it (pure).

corroborated: two or more independent sources agree; single_source: one source;
conflicting: sources give different values for the same quantity; disputed: a party denies
it. A republished wire story counts once. Conflicts are never averaged away.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence

from synth.cluster import ClaimGroup
from synth.describe import describe_quantity, value_label
from synth.models import Claim, Fact, FactStatus, Quantity, Source, Variant
from synth.sameness import consistent
from synth.units import base_value

# Values closer than this share are the same figure written differently (6.8 vs 6.80).
SAME_VALUE_TOLERANCE = 0.005
_STATUS_ORDER: dict[FactStatus, int] = {
    "conflicting": 0, "disputed": 1, "corroborated": 2, "single_source": 3}


def reconcile_groups(groups: Sequence[ClaimGroup], claims: Sequence[Claim],
                     sources: Sequence[Source]) -> list[Fact]:
    """One fact per group, conflicts first, then disputes, agreements and single reports."""
    by_id = {claim.id: claim for claim in claims}
    origin = {s.id: s.duplicate_of or s.id for s in sources}
    outlet = {s.id: s.outlet or s.id for s in sources}
    facts = []
    for group in groups:
        members = [by_id[i] for i in group.claim_ids]
        if group.kind == "quantity":
            facts.append(_quantity_fact(group, members, origin, outlet))
        else:
            facts.append(_statement_fact(members, origin))
    return sort_and_number(facts)


def sort_and_number(facts: Sequence[Fact]) -> list[Fact]:
    """Conflicts first, then disputes, agreements and single reports, numbered F1…"""
    ordered = sorted(facts, key=lambda f: (_STATUS_ORDER[f.status], -len(f.source_ids)))
    return [f.model_copy(update={"id": f"F{i}"}) for i, f in enumerate(ordered, 1)]


def independent_count(source_ids: Sequence[str], origin: dict[str, str]) -> int:
    return len({origin[s] for s in source_ids})


def _unique(items: Sequence[str]) -> list[str]:
    """Distinct items in first-seen order; 'The Pentagon' and 'the Pentagon' are one."""
    seen: dict[str, str] = {}
    for item in items:
        key = re.sub(r"^the\s+|\.", "", item.casefold())
        seen.setdefault(key, item)
    return list(seen.values())


def _quantity_fact(group: ClaimGroup, members: list[Claim], origin: dict[str, str],
                   outlet: dict[str, str]) -> Fact:
    by_id = {c.id: c for c in members}
    chosen = {id(by_id[claim_id].quantities[index]) for claim_id, index in group.figures}
    built = build_variants(members, outlet, lambda q: id(q) in chosen)
    source_ids = _unique([c.source_id for c in members])
    status: FactStatus
    if any(c.stance == "denied" for c in members):
        status = "disputed"
    elif disagreeing_origins(members, origin, lambda q: id(q) in chosen):
        status = "conflicting"
    elif independent_count(source_ids, origin) > 1:
        status = "corroborated"
    else:
        status = "single_source"
    what = describe_quantity(group.unit, group.scope)
    if len(built) == 1:
        statement = f"{what[:1].upper()}{what[1:]} is {built[0].label}"
    else:
        listed = "; ".join(f"{v.label} ({', '.join(v.attributed_to)})" for v in built)
        verb = "give different figures for" if status == "conflicting" else "give"
        statement = f"Sources {verb} {what}: {listed}"
    return Fact(id="F0", statement=statement, status=status,
                claim_ids=[c.id for c in members], source_ids=source_ids,
                unit=group.unit, scope=group.scope, variants=built)


def disagreeing_origins(members: Sequence[Claim], origin: Mapping[str, str],
                        counts: Callable[[Quantity], bool]) -> bool:
    """Whether two independent origins give values for the quantity that cannot both be
    right (synth.sameness). One source's own update ('40% contained this morning, 55% by
    evening') and rounding ('30 percent' and '29.7%') are not disagreements."""
    by_value: dict[tuple[float, float | None, str], tuple[Quantity, set[str]]] = {}
    for claim in members:
        for quantity in claim.quantities:
            if counts(quantity):
                key = (base_value(quantity.value, quantity.unit),
                       quantity.value_max and base_value(quantity.value_max, quantity.unit),
                       quantity.qualifier)
                by_value.setdefault(key, (quantity, set()))[1].add(origin[claim.source_id])
    values = list(by_value.values())
    for i, (first, first_origins) in enumerate(values):
        for second, second_origins in values[i + 1:]:
            if not (first_origins - second_origins and second_origins - first_origins):
                continue  # a source that gives both is updating itself, not disagreeing
            if not consistent(first, second):
                return True
    return False


def build_variants(members: Sequence[Claim], outlet: Mapping[str, str],
                   counts: Callable[[Quantity], bool]) -> list[Variant]:
    """The distinct figures among the quantities that `counts` selects, lowest first, each
    with the claims, sources and speakers that gave it. A figure is its value and how it
    was qualified ('about 3,000' and 'at least 3,000' are two), so labels say what the
    sources said; units are named when the figures are in several."""
    variants: list[tuple[Quantity, list[Claim], list[Quantity]]] = []
    for claim in members:
        for quantity in claim.quantities:
            if not counts(quantity):
                continue
            for known, known_claims, known_quantities in variants:
                if same_value(known, quantity) and known.qualifier == quantity.qualifier and \
                        known.unit == quantity.unit:
                    # Claims come one after another, so this one can only be here as the last
                    # (`claim not in known_claims` compared whole models: quadratic, 2 min at 100k).
                    if known_claims[-1] is not claim:
                        known_claims.append(claim)
                    known_quantities.append(quantity)
                    break
            else:
                variants.append((quantity, [claim], [quantity]))
    variants.sort(key=lambda v: (base_value(v[0].value, v[0].unit),
                                 base_value(v[0].value_max or v[0].value, v[0].unit)))
    several_units = len({q.unit for q, _, _ in variants}) > 1
    return [_variant(quantity, variant_claims, matching, outlet, several_units)
            for quantity, variant_claims, matching in variants]


def _variant(quantity: Quantity, claims: list[Claim], matching: list[Quantity],
             outlet: Mapping[str, str], with_unit: bool) -> Variant:
    label = value_label(quantity.value, quantity.value_max, quantity.qualifier)
    attributed = _unique([c.attributed_to or f"{outlet[c.source_id]}, unattributed"
                          for c in claims])
    return Variant(
        value=quantity.value, value_max=quantity.value_max, qualifier=quantity.qualifier,
        label=f"{label} {quantity.unit}" if with_unit else label,
        time_refs=_unique([q.time_ref for q in matching if q.time_ref]),
        attributed_to=attributed,
        source_ids=_unique([c.source_id for c in claims]),
        claim_ids=[c.id for c in claims],
    )


def same_value(a: Quantity, b: Quantity) -> bool:
    def close(x: float | None, y: float | None) -> bool:
        if x is None or y is None:
            return x is None and y is None
        return abs(x - y) <= SAME_VALUE_TOLERANCE * max(abs(x), abs(y), 1e-9)

    return close(a.value, b.value) and close(a.value_max, b.value_max)


def _statement_fact(members: list[Claim], origin: dict[str, str]) -> Fact:
    source_ids = _unique([c.source_id for c in members])
    status: FactStatus
    if any(c.stance == "denied" for c in members):
        status = "disputed"
    elif independent_count(source_ids, origin) > 1:
        status = "corroborated"
    else:
        status = "single_source"
    if status == "disputed":
        # The first denial as reported, so the statement says what was denied and by whom.
        statement = next(c.statement for c in members if c.stance == "denied")
    else:
        # The shortest wording is usually the plainest one.
        statement = min((c.statement for c in members), key=len)
    return Fact(id="F0", statement=statement, status=status,
                claim_ids=[c.id for c in members], source_ids=source_ids)
