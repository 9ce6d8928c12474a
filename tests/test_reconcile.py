from __future__ import annotations

from synth.cluster import cluster_claims
from synth.models import Claim, Quantity, Source
from synth.reconcile.rules import facts_for_claims, reconcile_groups
from synth.write import write_overview


def src(i: int, duplicate_of: str | None = None) -> Source:
    return Source(
        id=f"S{i}",
        path=f"{i}.txt",
        text="x",
        content_hash="-",
        format="txt",
        encoding="utf-8",
        outlet=f"Outlet {i}",
        duplicate_of=duplicate_of,
    )


def claim(
    i: int,
    source: int,
    statement: str,
    *quantities: tuple[float, str, str | None],
    who: str | None = None,
    stance: str = "reported",
) -> Claim:
    return Claim(
        id=f"C{i}",
        source_id=f"S{source}",
        statement=statement,
        quote=statement,
        start=0,
        end=len(statement),
        attributed_to=who,
        stance=stance,
        quantities=[Quantity(value=v, unit=u, scope=s, text=str(v)) for v, u, s in quantities],
    )


def facts_for(claims, sources):
    return reconcile_groups(cluster_claims(claims), claims, sources)


def test_different_values_for_one_quantity_conflict_and_keep_every_variant():
    claims = [
        claim(1, 1, "a", (3000, "troops", None), who="lawmakers"),
        claim(2, 2, "b", (10000, "troops", None), who="the Pentagon"),
        claim(3, 3, "c", (12000, "troops", None), who="the NIS"),
        claim(4, 3, "d", (1500, "troops", "special forces"), who="the NIS"),
    ]
    facts = facts_for(claims, [src(1), src(2), src(3)])
    troops = next(f for f in facts if f.unit == "troops" and f.scope is None)
    assert troops.status == "conflicting"
    assert [(v.value, v.attributed_to) for v in troops.variants] == [
        (3000, ["lawmakers"]),
        (10000, ["the Pentagon"]),
        (12000, ["the NIS"]),
    ]
    special = next(f for f in facts if f.scope == "special forces")
    assert special.status == "single_source"


def test_same_value_from_independent_sources_is_corroborated():
    claims = [
        claim(1, 1, "a", (6.8, "magnitude", None), who="USGS"),
        claim(2, 2, "b", (6.8, "magnitude", None), who="the USGS"),
    ]
    [fact] = facts_for(claims, [src(1), src(2)])
    assert fact.status == "corroborated" and fact.variants[0].attributed_to == ["USGS"]


def test_a_republished_wire_story_does_not_corroborate_itself():
    claims = [claim(1, 1, "a", (6.8, "magnitude", None)), claim(2, 2, "a", (6.8, "magnitude", None))]
    [fact] = facts_for(claims, [src(1), src(2, duplicate_of="S1")])
    assert fact.status == "single_source"
    assert fact.source_ids == ["S1", "S2"]


def test_near_duplicate_denials_group_and_are_disputed():
    claims = [
        claim(
            1,
            1,
            "Kremlin spokesman Dmitry Peskov dismissed the reports as fake news.",
            who="Peskov",
            stance="denied",
        ),
        claim(
            2, 2, "Kremlin spokesman Peskov dismissed the reports as fake news", who="Peskov", stance="denied"
        ),
        claim(
            3,
            2,
            "NATO confirmed that units were deployed to the Kursk region.",
            who="NATO",
            stance="asserted",
        ),
    ]
    facts = facts_for(claims, [src(1), src(2)])
    disputed = [f for f in facts if f.status == "disputed"]
    assert len(disputed) == 1 and disputed[0].claim_ids == ["C1", "C2"]
    assert any(f.status == "single_source" and f.claim_ids == ["C3"] for f in facts)


def test_facts_are_numbered_conflicts_first():
    claims = [
        claim(1, 1, "a", (5, "brigades", None)),
        claim(2, 2, "b", (5, "brigades", None)),
        claim(3, 1, "c", (1, "magnitude", None)),
        claim(4, 2, "d", (2, "magnitude", None)),
    ]
    facts = facts_for(claims, [src(1), src(2)])
    assert [(f.id, f.status) for f in facts] == [("F1", "conflicting"), ("F2", "corroborated")]


def test_a_claim_giving_one_value_twice_counts_once_in_its_variant():
    claims = [
        claim(1, 1, "a", (3000, "troops", None), (3000, "troops", None), who="lawmakers"),
        claim(2, 2, "b", (3000, "troops", None), who="the Pentagon"),
    ]
    [fact] = facts_for(claims, [src(1), src(2)])
    assert fact.status == "corroborated"
    assert [v.claim_ids for v in fact.variants] == [["C1", "C2"]]


def test_a_fact_says_what_it_counts_and_its_origins():
    claims = [
        claim(1, 1, "a", (1500, "troops", "special forces"), who="the NIS"),
        claim(2, 2, "b", (1500, "troops", "special forces")),
        claim(3, 2, "Peskov denied it.", who="Peskov", stance="denied"),
    ]
    facts = facts_for(claims, [src(1), src(2)])
    special = next(f for f in facts if f.unit == "troops")
    assert special.subject == "the number of special forces"
    assert special.origins == ["S1", "S2"] and special.revision is False
    denial = next(f for f in facts if f.unit is None)
    assert denial.subject is None and denial.origins == ["S2"]


def test_a_variant_names_each_speaker_once_and_an_unnamed_one_by_its_outlet():
    claims = [
        claim(1, 1, "a", (3000, "troops", None), who="South Korean lawmakers"),
        claim(2, 2, "b", (3000, "troops", None)),
        claim(3, 3, "c", (3000, "troops", None), who="South Korean lawmakers, citing the NIS"),
        claim(4, 1, "d", (3000, "troops", None), who="Peskov"),
        claim(5, 2, "e", (3000, "troops", None), who="Mr Peskov"),
        claim(6, 3, "f", (3000, "troops", None), who="Kremlin spokesman Dmitry Peskov"),
        claim(7, 3, "g", (3000, "troops", None), who="the agency"),
        claim(8, 3, "h", (3000, "troops", None), who="Seoul's spy agency"),
    ]
    [fact] = facts_for(claims, [src(1), src(2), src(3)])
    assert fact.variants[0].attributed_to == [
        "South Korean lawmakers, citing the NIS",
        "Outlet 2 (no named source)",
        "Kremlin spokesman Dmitry Peskov",
        "the agency",
        "Seoul's spy agency",
    ]


def dated(i: int, published: str) -> Source:
    return src(i).model_copy(update={"published": published})


def test_a_running_total_rising_with_publication_time_is_a_revision_with_as_of_times():
    sources = [dated(1, "2023-09-09T04:10"), dated(2, "2023-09-09T13:05"), dated(3, "2023-09-09T22:45")]
    claims = [
        claim(1, 1, "a", (296, "deaths", None)),
        claim(2, 2, "b", (632, "deaths", None)),
        claim(3, 2, "c", (296, "deaths", None)),
        claim(4, 3, "d", (2012, "deaths", None)),
    ]
    [fact] = facts_for(claims, sources)
    assert fact.status == "conflicting" and fact.revision is True
    assert [(v.value, v.as_of) for v in fact.variants] == [
        (296, "2023-09-09T04:10"),
        (632, "2023-09-09T13:05"),
        (2012, "2023-09-09T22:45"),
    ]
    overview = write_overview(facts_for(claims, sources), claims)
    assert any(s.text.startswith("The death toll rose from 296") for s in overview)
    # A later source with a lower figure is a conflict, not a revision.
    falling = [*claims[:3], claim(4, 3, "d", (100, "deaths", None))]
    [fact] = facts_for(falling, sources)
    assert fact.status == "conflicting" and fact.revision is False


def test_facts_for_claims_keeps_whole_facts_and_cuts_down_the_rest():
    claims = [
        claim(1, 1, "a", (3000, "troops", None)),
        claim(2, 2, "b", (10000, "troops", None)),
        claim(3, 2, "c", (6.8, "magnitude", None)),
        claim(4, 1, "d", (6.8, "magnitude", None)),
    ]
    sources = [src(1), src(2)]
    facts = facts_for(claims, sources)
    kept = facts_for_claims(facts, {"C2", "C3", "C4"}, claims, sources)
    magnitude = next(f for f in facts if f.unit == "magnitude")
    assert magnitude in kept  # the very fact computed before, not a new one
    troops = next(f for f in kept if f.unit == "troops")
    assert troops.claim_ids == ["C2"] and troops.status == "single_source"
    assert [v.value for v in troops.variants] == [10000]
