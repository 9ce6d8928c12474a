"""What is one quantity, and when its figures disagree (synth/sameness.py, synth/cluster.py,
synth/reconcile/rules.py): scope by meaning, parts and other events apart, rounding and
qualifiers, one source's own update, voices, revisions, and the overview's headline."""

from __future__ import annotations

import pytest

from synth.cluster import cluster_claims
from synth.models import Claim, Quantity, Source
from synth.reconcile.rules import reconcile_groups
from synth.sameness import consistent, same_scope
from synth.write import headline_fact, write_overview


def src(i: int, published: str | None = None, duplicate_of: str | None = None) -> Source:
    return Source(
        id=f"S{i}",
        path=f"{i}.txt",
        text="x",
        content_hash="-",
        format="txt",
        encoding="utf-8",
        outlet=f"Outlet {chr(64 + i)}",
        published=published,
        duplicate_of=duplicate_of,
    )


def fig(
    value: float,
    unit: str,
    scope: str | None = None,
    qualifier: str = "exact",
    text: str | None = None,
    time_ref: str | None = None,
) -> Quantity:
    return Quantity(
        value=value,
        unit=unit,
        scope=scope,
        qualifier=qualifier,  # type: ignore[arg-type]
        text=text or f"{value:g}",
        time_ref=time_ref,
    )


def claim(
    i: int,
    source: int,
    *quantities: Quantity,
    who: str | None = None,
    statement: str | None = None,
    stance: str = "reported",
) -> Claim:
    text = statement or f"Claim {i} states a figure."
    return Claim(
        id=f"C{i}",
        source_id=f"S{source}",
        statement=text,
        quote=text,
        start=0,
        end=len(text),
        attributed_to=who,
        stance=stance,  # type: ignore[arg-type]
        quantities=list(quantities),
    )


def facts_of(claims: list[Claim], sources: list[Source]):
    return reconcile_groups(cluster_claims(claims), claims, sources)


@pytest.mark.parametrize(
    "first, second, same",
    [
        ("at Kellerton Airport", "at Kellerton", True),
        ("Model X9", "X9", True),
        ("Model X9", "Model X8", False),
        ("Unity Party", "Unity Party; at Parliament", False),  # an owner is not owner-and-site
        (None, "at Kellerton", False),
        ("special forces", "whole forces", False),
        ("at Dover City", "at Dover", False),  # another head word: another place
        # A name and its acronym, hyphened words split: one owner.
        ("Northern Coast-Guard Relief Service", "NCGRS", True),
        ("NCGRS", "Northern Coast-Guard Relief Service", True),
        ("Northern Coast-Guard Relief Service", "Northern", False),  # a word is not its acronym
        ("Northern Coast-Guard Relief Service", "NCRS", False),
        ("Red Star Line", "RSL Ferries", False),  # the acronym alone, not within a longer part
        # A name within a longer one stays the same part, acronyms or not.
        ("Coast-Guard Relief Service", "Northern Coast-Guard Relief Service", True),
    ],
)
def test_scopes_compare_by_their_words(first, second, same):
    assert same_scope(first, second) is same


@pytest.mark.parametrize(
    "first, second, agree",
    [
        (fig(30, "percent"), fig(29.7, "percent"), True),  # rounding
        (fig(128, "seats"), fig(129, "seats"), False),
        (fig(7.0, "magnitude", text="7.0"), fig(6.8, "magnitude"), False),
        (fig(1000, "km", qualifier="about"), fig(620, "miles"), True),  # one scale
        (fig(1000, "km", qualifier="about"), fig(960, "km"), False),
        (fig(150, "people", qualifier="more_than"), fig(153, "people"), True),
        (fig(10000, "troops"), fig(11000, "troops"), False),
    ],
)
def test_values_agree_when_what_they_stand_for_overlaps(first, second, agree):
    assert consistent(first, second) is agree


def test_units_fold_by_synonym_and_scopes_by_meaning_into_one_conflict():
    claims = [claim(1, 1, fig(40, "ships", "at Port Selby")), claim(2, 2, fig(52, "vessels", "at Selby"))]
    [fact] = facts_of(claims, [src(1), src(2)])
    assert fact.status == "conflicting" and [v.value for v in fact.variants] == [40, 52]


def test_a_part_a_whole_and_another_event_stay_apart_from_the_total():
    claims = [
        claim(1, 1, fig(31, "deaths")),
        claim(2, 2, fig(35, "deaths")),
        claim(3, 2, fig(9, "deaths", "part of a total")),
        claim(4, 3, fig(300, "deaths", "in 1906")),
    ]
    facts = facts_of(claims, [src(1), src(2), src(3)])
    total = next(f for f in facts if f.scope is None)
    assert {v.value for v in total.variants} == {31, 35}
    assert {f.scope for f in facts} == {None, "part of a total", "in 1906"}


def test_rounding_is_agreement_not_conflict():
    claims = [claim(1, 1, fig(30, "percent", "of vote")), claim(2, 2, fig(29.7, "percent", "of vote"))]
    [fact] = facts_of(claims, [src(1), src(2)])
    assert fact.status == "corroborated"


def test_one_sources_own_update_is_not_a_conflict():
    claims = [
        claim(1, 1, fig(40, "percent", "containment", time_ref="this morning")),
        claim(2, 1, fig(55, "percent", "containment", time_ref="by evening")),
    ]
    [fact] = facts_of(claims, [src(1)])
    assert fact.status == "single_source" and len(fact.variants) == 2


def test_two_speakers_in_one_source_can_disagree():
    claims = [
        claim(1, 1, fig(6.1, "magnitude"), who="the observatory"),
        claim(2, 1, fig(6.4, "magnitude"), who="the university"),
    ]
    [fact] = facts_of(claims, [src(1)])
    assert fact.status == "conflicting"


def test_a_copy_with_the_same_value_does_not_corroborate():
    claims = [claim(1, 1, fig(12, "deaths")), claim(2, 2, fig(12, "deaths"))]
    [fact] = facts_of(claims, [src(1), src(2, duplicate_of="S1")])
    assert fact.status == "single_source"


def test_a_rising_toll_is_a_revision_with_every_time():
    claims = [
        claim(1, 1, fig(40, "deaths"), who="the ministry"),
        claim(2, 2, fig(52, "deaths"), who="the ministry"),
        claim(3, 3, fig(61, "deaths"), who="the ministry"),
    ]
    sources = [src(1, "2025-03-02T06:00"), src(2, "2025-03-02T12:00"), src(3, "2025-03-02T20:00")]
    [fact] = facts_of(claims, sources)
    assert fact.status == "conflicting" and fact.revision
    assert [v.as_of for v in fact.variants] == [s.published for s in sources]
    [sentence] = [s for s in write_overview([fact], claims) if "rose" in s.text]
    assert sentence.text.startswith("The death toll rose from 40") and "61" in sentence.text


def test_a_merged_value_keeps_every_time_reference_and_an_exact_label_stays_exact():
    claims = [
        claim(1, 1, fig(900, "volunteers", time_ref="in training"), who="the army"),
        claim(2, 2, fig(900, "volunteers", time_ref="next month"), who="the mayor"),
        claim(3, 3, fig(900, "volunteers", qualifier="about"), who="a charity"),
    ]
    [fact] = facts_of(claims, [src(1), src(2), src(3)])
    exact = next(v for v in fact.variants if v.qualifier == "exact")
    assert exact.label == "900" and exact.time_refs == ["in training", "next month"]
    assert any(v.label == "about 900" for v in fact.variants)


def test_the_overview_leads_with_the_headline_not_an_incidental_figure():
    claims = [
        claim(1, 1, fig(3, "days", "visit")),
        claim(2, 2, fig(3, "days", "visit")),
        claim(3, 3, fig(2, "buildings")),
        claim(4, 4, fig(2, "buildings")),
        claim(5, 1, fig(120, "firefighters")),
        claim(6, 2, fig(140, "firefighters")),
        claim(7, 3, fig(120, "firefighters")),
    ]
    facts = facts_of(claims, [src(i) for i in range(1, 5)])
    assert headline_fact(facts).unit == "firefighters"
    assert write_overview(facts, claims)[0].text.startswith("Sources disagree on the number of firefighters")


def test_paraphrases_from_two_sources_are_one_statement_fact():
    said = [
        "Riot police fired tear gas at protesters outside the parliament building.",
        "Outside parliament, riot police fired tear gas to push back the protesters.",
        "The finance minister resigned on Thursday evening.",
    ]
    claims = [claim(i, i, statement=text, who=None) for i, text in enumerate(said, 1)]
    facts = facts_of(claims, [src(1), src(2), src(3)])
    gas = next(f for f in facts if "gas" in f.statement)
    assert gas.status == "corroborated" and gas.source_ids == ["S1", "S2"]
