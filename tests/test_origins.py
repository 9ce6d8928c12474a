"""Independent origins (synth/reconcile/origins.py) and what they decide: corroboration in the
rules, the model checks and the renderers (pure, no mocks)."""

from __future__ import annotations

import pytest

from synth.models import Claim, Quantity, Source
from synth.reconcile.checks import CheckContext, fact_errors
from synth.reconcile.origins import Origins
from synth.reconcile.schema import ReconciledFact
from tests.test_reconcile import facts_for


def source(number: int, outlet: str, duplicate_of: str | None = None) -> Source:
    return Source(
        id=f"S{number}",
        path=f"{number}.txt",
        text="x",
        content_hash="-",
        format="txt",
        encoding="utf-8",
        outlet=outlet,
        duplicate_of=duplicate_of,
    )


def magnitude(number: int, source_id: str, relays: str | None = None) -> Claim:
    text = "The quake measured 6.8."
    return Claim(
        id=f"C{number}",
        source_id=source_id,
        statement=text,
        quote=text,
        start=0,
        end=len(text),
        cited_origin=relays,
        quantities=[Quantity(value=6.8, unit="magnitude", text="6.8")],
    )


SOURCES = [
    source(1, "Atlas Daily"),
    source(2, "Coastal Tribune", duplicate_of="S1"),
    source(3, "Harbour Post", duplicate_of="S2"),
    source(4, "Reuters"),
    source(5, "Mountain Gazette"),
]


def test_a_copy_counts_as_its_original_even_through_a_copy_of_a_copy():
    origins = Origins(SOURCES)
    assert [origins.of_source(s) for s in ("S1", "S2", "S3", "S4")] == ["S1", "S1", "S1", "S4"]
    assert origins.of_claims([magnitude(1, "S1"), magnitude(2, "S2"), magnitude(3, "S3")]) == ["S1"]
    assert origins.count_sources(["S1", "S2", "S3", "S4"]) == 2


def test_copies_that_point_at_each_other_do_not_loop():
    looped = [source(1, "A", duplicate_of="S2"), source(2, "B", duplicate_of="S1")]
    assert Origins(looped).of_source("S1") in {"S1", "S2"}


@pytest.mark.parametrize(
    "relays, origin",
    [
        ("Reuters", "S4"),  # an outlet in the set: its own article is the origin
        ("the Reuters", "S4"),
        ("Yonhap", "Yonhap"),  # not in the set: the agency itself
        ("Mountain Gazette", "S5"),
        ("Atlas Daily", "S1"),  # its own outlet: its own report
        (None, "S1"),
    ],
)
def test_a_claim_citing_another_outlet_counts_as_that_outlet(relays, origin):
    assert Origins(SOURCES).of_claim(magnitude(1, "S1", relays)) == origin


def test_a_relayed_figure_does_not_corroborate_its_origin():
    # S5 gives 6.8 citing Reuters, and Reuters (S4) gives 6.8 itself: one origin.
    claims = [magnitude(1, "S4"), magnitude(2, "S5", relays="Reuters")]
    [fact] = facts_for(claims, SOURCES)
    assert fact.status == "single_source" and fact.origins == ["S4"]
    assert fact.source_ids == ["S4", "S5"]


def test_two_outlets_relaying_one_agency_are_one_origin_and_an_own_report_is_another():
    relayed = [magnitude(1, "S4", relays="Yonhap"), magnitude(2, "S5", relays="yonhap")]
    [fact] = facts_for(relayed, SOURCES)
    assert fact.status == "single_source" and fact.origins == ["Yonhap"]
    [fact] = facts_for([*relayed, magnitude(3, "S1")], SOURCES)
    assert fact.status == "corroborated" and fact.origins == ["Yonhap", "S1"]


def test_the_model_checks_count_origins_too():
    claims = [magnitude(1, "S4"), magnitude(2, "S5", relays="Reuters"), magnitude(3, "S1")]
    context = CheckContext.for_claims(claims, SOURCES)

    def errors(status: str, ids: list[str]) -> list[str]:
        return fact_errors(
            ReconciledFact(statement="The quake measured 6.8.", status=status, claim_ids=ids), context
        )  # type: ignore[arg-type]

    assert "relays another outlet's report" in errors("corroborated", ["C1", "C2"])[0]
    assert errors("single_source", ["C1", "C2"]) == []
    assert errors("corroborated", ["C1", "C3"]) == []
