from __future__ import annotations

from synth.models import Claim, Quantity
from synth.write import unsupported_numbers, write_overview
from tests.test_reconcile import claim, facts_for, src


def test_numbers_must_come_from_cited_claims():
    cited = [Claim(id="C1", source_id="S1", statement="s",
                   quote="About 3,000 troops were sent on 23 October 2024.", start=0, end=10,
                   quantities=[Quantity(value=3000, unit="troops", text="3,000")])]
    assert unsupported_numbers("About 3,000 troops went.", cited) == []
    assert unsupported_numbers("About three thousand troops went.", cited) == []
    assert unsupported_numbers("They arrived on 23 October 2024.", cited) == []
    assert unsupported_numbers("About 12,000 troops went.", cited) == ["12,000"]
    assert unsupported_numbers("Between 3,000 and 5,000 went.", cited) == ["3,000 and 5,000"]


def test_overview_leads_with_agreement_then_gives_the_range_with_speakers():
    claims = [claim(1, 1, "a", (6.8, "magnitude", None), who="USGS"),
              claim(2, 2, "b", (6.8, "magnitude", None), who="USGS"),
              claim(3, 1, "c", (3000, "troops", None), who="South Korean lawmakers"),
              claim(4, 2, "d", (10000, "troops", None), who="the Pentagon"),
              claim(5, 3, "e", (12000, "troops", None), who="the NIS")]
    sources = [src(1), src(2), src(3)]
    overview = write_overview(facts_for(claims, sources), claims)
    assert overview[0].text == "Independent sources agree on the magnitude: 6.8 (USGS)."
    assert overview[0].claim_ids == ["C1", "C2"]
    conflict = overview[1]
    assert conflict.text.startswith("Estimates of the number of troops range from 3,000 "
                                    "(South Korean lawmakers) to 12,000 (the NIS)")
    assert "10,000 (the Pentagon)" in conflict.text
    assert conflict.claim_ids == ["C3", "C4", "C5"]


def test_every_overview_sentence_cites_claims_that_carry_its_numbers():
    from synth.pipeline import summarise
    from tests.conftest import QUAKE, TROOPS

    for story in (TROOPS, QUAKE):
        report = summarise([story], offline=True)
        claims = {c.id: c for c in report.claims}
        assert report.overview
        for sentence in report.overview:
            assert sentence.claim_ids
            assert unsupported_numbers(sentence.text, [claims[i] for i in sentence.claim_ids]) \
                == []
