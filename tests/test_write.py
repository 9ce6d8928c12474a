from __future__ import annotations

from synth.models import Claim, Quantity
from synth.support import unsupported_numbers
from synth.write import write_overview
from tests.test_reconcile import claim, facts_for, src


def test_numbers_must_come_from_cited_claims():
    cited = [
        Claim(
            id="C1",
            source_id="S1",
            statement="s",
            quote="About 3,000 troops were sent on 23 October 2024.",
            start=0,
            end=10,
            quantities=[Quantity(value=3000, unit="troops", text="3,000")],
        )
    ]
    assert unsupported_numbers("About 3,000 troops went.", cited) == []
    assert unsupported_numbers("About three thousand troops went.", cited) == []
    assert unsupported_numbers("They arrived on 23 October 2024.", cited) == []
    assert unsupported_numbers("About 12,000 troops went.", cited) == ["12,000"]
    assert unsupported_numbers("Between 3,000 and 5,000 went.", cited) == ["3,000 and 5,000"]


def test_overview_leads_with_the_headline_conflict_then_the_agreements():
    claims = [
        claim(1, 1, "a", (6.8, "magnitude", None), who="USGS"),
        claim(2, 2, "b", (6.8, "magnitude", None), who="USGS"),
        claim(3, 1, "c", (3000, "troops", None), who="South Korean lawmakers"),
        claim(4, 2, "d", (10000, "troops", None), who="the Pentagon"),
        claim(5, 3, "e", (12000, "troops", None), who="the NIS"),
    ]
    sources = [src(1), src(2), src(3)]
    overview = write_overview(facts_for(claims, sources), claims)
    # The troop totals are reported by three origins, the magnitude by two: troops lead.
    assert overview[0].text == (
        "Sources disagree on the number of troops: 3,000 (South Korean "
        "lawmakers); 10,000 (the Pentagon); 12,000 (the NIS)."
    )
    assert overview[0].claim_ids == ["C3", "C4", "C5"]
    assert overview[1].text == "Independent sources agree on the magnitude: 6.8 (USGS)."
    assert overview[1].claim_ids == ["C1", "C2"]


def test_a_number_in_a_speakers_name_does_not_silence_a_sentence():
    claims = [
        claim(1, 1, "a", (14, "deaths", None), who="Channel 4"),
        claim(2, 2, "b", (14, "deaths", None), who="Radio 5"),
    ]
    overview = write_overview(facts_for(claims, [src(1), src(2)]), claims)
    assert overview and overview[0].text.startswith("Independent sources agree on the death toll")


def test_every_overview_sentence_cites_claims_that_carry_its_numbers():
    from synth.pipeline import summarise
    from tests.conftest import QUAKE, TROOPS

    for story in (TROOPS, QUAKE):
        report = summarise([story], offline=True)
        claims = {c.id: c for c in report.claims}
        assert report.overview
        for sentence in report.overview:
            assert sentence.claim_ids
            assert unsupported_numbers(sentence.text, [claims[i] for i in sentence.claim_ids]) == []
