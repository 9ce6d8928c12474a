"""The rules' reconcile: claim groups → facts with a status, every variant kept with who gave
it (pure).

corroborated: two or more independent origins agree; single_source: one origin;
conflicting: sources give different values for the same quantity; disputed: a party denies
it. Independence is counted by origins.py (a republished copy counts as its original, a
relayed report as its origin's). Conflicts are never averaged away: a running total that
rises with publication time stays conflicting and is marked as a revision.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from synth.cluster import ClaimGroup
from synth.describe import describe_quantity, value_label
from synth.models import Claim, Fact, FactStatus, Quantity, Source, Variant
from synth.reconcile.origins import Origins
from synth.sameness import consistent, same_scope
from synth.units import base_value, unit_key

# Values closer than this share are the same figure written differently (6.8 vs 6.80).
SAME_VALUE_TOLERANCE = 0.005
_STATUS_ORDER: dict[FactStatus, int] = {
    "conflicting": 0,
    "disputed": 1,
    "corroborated": 2,
    "single_source": 3,
}
# Counts that only grow as a story unfolds, so a later, higher figure is a revision.
RUNNING_TOTALS = frozenset(
    {"deaths", "injured", "displaced", "missing", "arrested", "rescued", "troops", "people"}
)
# Words with which a source says its count moved.
_REVISED = re.compile(
    r"\b(?:rose|risen|rising|climbed|climbing|jumped|increased|revised|updated|"
    r"raised|passed|surpassed|topped)\b(?:\s+\w+){0,3}\s+(?:to|past|from|above)\b",
    re.IGNORECASE,
)
# What a variant names when a claim has no speaker: its outlet, saying so.
NO_NAMED_SOURCE = "{outlet} (no named source)"


@dataclass(frozen=True)
class SourceIndex:
    """What facts need to know of the sources: origins, outlets and publication times."""

    origins: Origins
    outlet: Mapping[str, str]  # source id → outlet, or the id when there is none
    published: Mapping[str, str]  # source id → ISO date or date-time, when known

    @classmethod
    def of(cls, sources: Sequence[Source]) -> SourceIndex:
        return cls(
            Origins(sources),
            {s.id: s.outlet or s.id for s in sources},
            {s.id: s.published for s in sources if s.published},
        )


def reconcile_groups(
    groups: Sequence[ClaimGroup], claims: Sequence[Claim], sources: Sequence[Source]
) -> list[Fact]:
    """One fact per group, conflicts first, then disputes, agreements and single reports."""
    by_id = {claim.id: claim for claim in claims}
    index = SourceIndex.of(sources)
    return sort_and_number(
        [
            group_fact(
                [by_id[i] for i in group.claim_ids], index, group.unit, group.scope, _figures_of(group, by_id)
            )
            for group in groups
        ]
    )


def _figures_of(group: ClaimGroup, by_id: Mapping[str, Claim]) -> Callable[[Quantity], bool]:
    """Selects exactly the figures cluster put in the group (a claim may hold others)."""
    chosen = {id(by_id[claim_id].quantities[i]) for claim_id, i in group.figures}
    return lambda quantity: id(quantity) in chosen


def same_kind(unit: str | None, scope: str | None) -> Callable[[Quantity], bool]:
    """Selects the figures that count what `unit` with `scope` counts (synth.sameness)."""
    key = unit_key(unit)
    return lambda q: unit_key(q.unit) == key and same_scope(q.scope, scope)


def facts_for_claims(
    facts: Sequence[Fact], claim_ids: Iterable[str], claims: Sequence[Claim], sources: Sequence[Source]
) -> list[Fact]:
    """What the rules' `facts` say about `claim_ids`: each fact holding any of them, cut
    down to those claims (rebuilt only when it holds others too)."""
    wanted = set(claim_ids)
    by_id = {claim.id: claim for claim in claims}
    index = SourceIndex.of(sources)
    kept = []
    for fact in facts:
        members = [by_id[i] for i in fact.claim_ids if i in wanted]
        if len(members) == len(fact.claim_ids):
            kept.append(fact)
        elif members:
            kept.append(group_fact(members, index, fact.unit, fact.scope))
    return kept


def sort_and_number(facts: Sequence[Fact]) -> list[Fact]:
    """Conflicts first, then disputes, agreements and single reports, numbered F1…"""
    ordered = sorted(facts, key=lambda f: (_STATUS_ORDER[f.status], -len(f.source_ids)))
    return [f.model_copy(update={"id": f"F{i}"}) for i, f in enumerate(ordered, 1)]


def group_fact(
    members: Sequence[Claim],
    index: SourceIndex,
    unit: str | None,
    scope: str | None,
    counts: Callable[[Quantity], bool] | None = None,
) -> Fact:
    """The fact for one group: a quantity (`unit` with `scope`, or the figures `counts`
    selects) or, without a unit, a statement."""
    counts = counts or same_kind(unit, scope)
    variants = build_variants(members, index, counts) if unit is not None else []
    origins = index.origins.of_claims(members)
    status: FactStatus
    denials = sum(c.stance == "denied" for c in members)
    # A figure is disputed when its claims are mostly denials; one denial elsewhere in a
    # sentence that states a figure does not dispute the figure.
    if denials and (unit is None or denials * 2 > len(members)):
        status = "disputed"
    elif unit is not None and disagreeing_origins(members, index.origins, counts):
        status = "conflicting"
    elif len(origins) > 1:
        status = "corroborated"
    else:
        status = "single_source"
    subject = subject_of(unit, scope)
    if subject is None:
        statement = _plain_statement(members, status)
    elif len(variants) == 1:
        statement = f"{subject[:1].upper()}{subject[1:]} is {variants[0].label}"
    else:
        listed = "; ".join(f"{v.label} ({', '.join(v.attributed_to)})" for v in variants)
        verb = "give different figures for" if status == "conflicting" else "give"
        statement = f"Sources {verb} {subject}: {listed}"
    return Fact(
        id="F0",
        statement=statement,
        status=status,
        claim_ids=[c.id for c in members],
        source_ids=unique([c.source_id for c in members]),
        origins=origins,
        subject=subject,
        unit=unit,
        scope=scope,
        variants=variants,
        revision=is_revision(status, unit, variants, members, index),
    )


def subject_of(unit: str | None, scope: str | None) -> str | None:
    """What a figure counts, with its scope; None for a statement without figures."""
    return describe_quantity(unit, scope) if unit is not None else None


def _plain_statement(members: Sequence[Claim], status: FactStatus) -> str:
    if status == "disputed":
        # The first denial as reported, so the statement says what was denied and by whom.
        return next(c.statement for c in members if c.stance == "denied")
    # The shortest wording is usually the plainest one.
    return min((c.statement for c in members), key=len)


def kind_variants(
    members: Sequence[Claim], index: SourceIndex, unit: str | None, scope: str | None
) -> list[Variant]:
    """The variants of the figure counting `unit` with `scope`."""
    return build_variants(members, index, same_kind(unit, scope))


def disagreeing_origins(
    members: Sequence[Claim], origins: Origins, counts: Callable[[Quantity], bool]
) -> bool:
    """Whether two independent origins give values for the quantity that cannot both be
    right (synth.sameness). One source's own update ('40% contained this morning, 55% by
    evening') and rounding ('30 percent' and '29.7%') are not disagreements."""
    by_value: dict[tuple[float, float | None, str], tuple[Quantity, set[str], set[str]]] = {}
    for claim in members:
        for quantity in claim.quantities:
            if counts(quantity):
                key = (
                    base_value(quantity.value, quantity.unit),
                    quantity.value_max and base_value(quantity.value_max, quantity.unit),
                    quantity.qualifier,
                )
                origin = origins.of_claim(claim)
                _, by_origin, by_voice = by_value.setdefault(key, (quantity, set(), set()))
                by_origin.add(origin)
                # A voice is who gives the value: a named speaker, else the origin itself.
                by_voice.add(_unique_key(claim.attributed_to) if claim.attributed_to else origin)
    values = list(by_value.values())
    for i, (first, first_origins, first_voices) in enumerate(values):
        for second, second_origins, second_voices in values[i + 1 :]:
            apart = (first_origins - second_origins and second_origins - first_origins) or (
                first_voices - second_voices and second_voices - first_voices
            )
            # One voice in one source giving both values is updating itself, not disagreeing.
            if apart and not consistent(first, second):
                return True
    return False


def build_variants(
    members: Sequence[Claim], index: SourceIndex, counts: Callable[[Quantity], bool]
) -> list[Variant]:
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
                if (
                    same_value(known, quantity)
                    and known.qualifier == quantity.qualifier
                    and known.unit == quantity.unit
                ):
                    # Claims come one after another, so this one can only be here as the last
                    # (`claim not in known_claims` compared whole models: quadratic, 2 min at 100k).
                    if known_claims[-1] is not claim:
                        known_claims.append(claim)
                    known_quantities.append(quantity)
                    break
            else:
                variants.append((quantity, [claim], [quantity]))
    variants.sort(
        key=lambda v: (base_value(v[0].value, v[0].unit), base_value(v[0].value_max or v[0].value, v[0].unit))
    )
    several_units = len({q.unit for q, _, _ in variants}) > 1
    return [
        _variant(quantity, variant_claims, matching, index, several_units)
        for quantity, variant_claims, matching in variants
    ]


def _variant(
    quantity: Quantity, claims: list[Claim], matching: list[Quantity], index: SourceIndex, with_unit: bool
) -> Variant:
    label = value_label(quantity.value, quantity.value_max, quantity.qualifier, quantity.unit, quantity.text)
    speakers = [c.attributed_to or NO_NAMED_SOURCE.format(outlet=index.outlet[c.source_id]) for c in claims]
    times = [index.published[c.source_id] for c in claims if c.source_id in index.published]
    # Without publication times, a value's own date in its sentence says when it held.
    times = times or [d for c in claims for d in c.dates if re.match(r"\d{4}-\d\d-\d\d", d)]
    return Variant(
        value=quantity.value,
        value_max=quantity.value_max,
        qualifier=quantity.qualifier,
        label=f"{label} {quantity.unit}" if with_unit else label,
        time_refs=unique([q.time_ref for q in matching if q.time_ref]),
        as_of=min(times, key=time_order) if times else None,
        attributed_to=distinct_names(speakers),
        source_ids=unique([c.source_id for c in claims]),
        claim_ids=[c.id for c in claims],
    )


def same_value(a: Quantity, b: Quantity) -> bool:
    def close(x: float | None, y: float | None) -> bool:
        if x is None or y is None:
            return x is None and y is None
        return abs(x - y) <= SAME_VALUE_TOLERANCE * max(abs(x), abs(y), 1e-9)

    return close(a.value, b.value) and close(a.value_max, b.value_max)


def time_order(published: str) -> str:
    """Sort key of an ISO publication time, to the minute (offsets are not compared)."""
    return published[:16]


def is_revision(
    status: FactStatus,
    unit: str | None,
    variants: Sequence[Variant],
    members: Iterable[Claim],
    index: SourceIndex,
) -> bool:
    """A conflict over a running total whose figures rise with the sources' publication
    times: each source's highest figure is at least that of every earlier source.

    Later articles often repeat earlier figures ("from an initial 296…"), so a source is
    represented by the highest figure it gives, which is its latest one."""
    if status != "conflicting" or unit_key(unit) not in RUNNING_TOTALS:
        return False
    members = list(members)
    if any(_REVISED.search(c.quote) for c in members):
        return True  # "the toll rose to 52", "revised the figure to 61"
    source_of = {c.id: c.source_id for c in members}
    highest: dict[str, float] = {}
    for variant in variants:
        for claim_id in variant.claim_ids:
            source_id = source_of[claim_id]
            highest[source_id] = max(highest.get(source_id, variant.value), variant.value)
    published = {s: index.published.get(s, "") for s in highest}
    if not all(published.values()):
        return False
    timed_days = {p[:10] for p in published.values() if "T" in p}
    # A date without a time cannot be ordered against timed reports of the same day.
    points = sorted(
        (time_order(published[s]), value)
        for s, value in highest.items()
        if "T" in published[s] or published[s][:10] not in timed_days
    )
    values = [v for _, v in points]
    return len({w for w, _ in points}) >= 3 and values == sorted(values) and values[0] < values[-1]


def unique(items: Iterable[str]) -> list[str]:
    """Distinct items in first-seen order; 'The Pentagon' and 'the Pentagon' are one."""
    seen: dict[str, str] = {}
    for item in items:
        seen.setdefault(_unique_key(item), item)
    return list(seen.values())


def _unique_key(item: str) -> str:
    return re.sub(r"^the\s+|\.", "", item.casefold())


_TITLE = re.compile(r"^(?:the|mr|mrs|ms|dr)\.?\s+", re.I)


def _words(name: str) -> str:
    return " " + " ".join(re.findall(r"\w+", _TITLE.sub("", name).casefold())) + " "


def speaker_names(names: Iterable[str]) -> dict[str, str]:
    """Each name → the name it is listed under, so that no speaker is listed twice: 'the
    Pentagon' under 'The Pentagon', and a proper name that is part of a longer one
    ('Peskov', 'Mr Peskov') under the longer one ('Kremlin spokesman Dmitry Peskov'). A
    common noun ('the agency') is never folded into another name."""
    names = list(dict.fromkeys(names))
    first_form: dict[str, str] = {}
    for name in names:
        first_form.setdefault(_unique_key(name), name)
    forms = {name: first_form[_unique_key(name)] for name in names}
    words = {form: _words(form) for form in first_form.values()}
    longest_first = sorted(words, key=len, reverse=True)
    listed_under: dict[str, str] = {}
    for i, form in enumerate(longest_first):
        proper = _TITLE.sub("", form)[:1].isupper()
        listed_under[form] = next(
            (
                longer
                for longer in longest_first[:i]
                if listed_under[longer] == longer and proper and words[form] in words[longer]
            ),
            form,
        )
    return {name: listed_under[forms[name]] for name in names}


def distinct_names(names: Iterable[str]) -> list[str]:
    """The speakers among `names`, each once (see speaker_names), each in the place of the
    first name listed under it."""
    return list(dict.fromkeys(speaker_names(names).values()))
