"""End to end on the bundled stories, offline: the promises the README makes."""

from __future__ import annotations

from pathlib import Path

import pytest

import synth
from tests.conftest import QUAKE, TROOPS


def troop_fact(report):
    return next(f for f in report.facts if f.unit == "troops" and f.scope is None)


def test_conflicting_troop_totals_are_surfaced_with_attributions():
    report = synth.summarise([TROOPS])
    fact = troop_fact(report)
    assert fact.status == "conflicting"
    speakers: dict[float, list[str]] = {}
    times: dict[float, list[str]] = {}
    for variant in fact.variants:  # "about 3,000" and "at least 3,000" are two variants
        speakers.setdefault(variant.value, []).extend(variant.attributed_to)
        times.setdefault(variant.value, []).extend(variant.time_refs)
    assert {3000, 10000, 12000} <= speakers.keys()
    assert any("lawmakers" in who for who in speakers[3000])
    assert any("Kirby" in who for who in speakers[3000])
    assert any("Pentagon" in who for who in speakers[10000])
    assert any("NIS" in who or "spy agency" in who for who in speakers[12000])
    assert "so far" in times[3000]


def test_subsets_and_whole_forces_are_not_deployment_totals():
    report = synth.summarise([TROOPS])
    scopes = {(f.unit, f.scope) for f in report.facts}
    assert ("troops", "special forces") in scopes
    assert ("officers", None) in scopes and ("generals", None) in scopes
    values = {v.value for v in troop_fact(report).variants}
    assert 500 not in values and 1_200_000 not in values and 1500 not in values


def test_the_kremlin_denial_is_a_disputed_fact():
    report = synth.summarise([TROOPS])
    disputed = [f for f in report.facts if f.status == "disputed"]
    # Five articles word the Kremlin's denial five ways; it is one dispute.
    [fake_news] = [f for f in disputed if "fake news" in f.statement]
    assert len(fake_news.source_ids) == 5
    denial = next(c for c in report.claims if "fake news" in c.quote)
    assert denial.stance == "denied" and "Peskov" in (denial.attributed_to or "")


def test_every_quote_equals_its_source_text_at_its_offsets():
    report = synth.summarise([TROOPS, QUAKE])
    texts = {s.id: s.text for s in report.sources}
    assert report.claims
    for claim in report.claims:
        assert texts[claim.source_id][claim.start : claim.end] == claim.quote


def test_no_sidebar_or_plea_becomes_a_claim():
    report = synth.summarise([TROOPS, QUAKE])
    quotes = " ".join(c.quote for c in report.claims)
    for junk in (
        "barista",
        "KOSPI",
        "Hryvnia",
        "Subscribe",
        "newsletter",
        "°C",
        "Stocks",
        "apartment prices",
        "Comments",
    ):
        assert junk not in quotes


def test_the_death_toll_revisions_are_one_conflict_in_time_order():
    report = synth.summarise([QUAKE])
    deaths = next(f for f in report.facts if f.unit == "deaths" and f.scope is None)
    values = [v.value for v in deaths.variants]
    assert {296, 820, 2012, 2946} <= set(values)
    assert 12000 not in values  # the 1960 Agadir toll is another event
    assert deaths.status == "conflicting" and deaths.revision
    # The overview leads with the toll, as a timeline ending at the latest figure.
    assert report.overview[0].text.startswith("The death toll rose from ")
    assert "to 2,946" in report.overview[0].text


def test_the_bundled_stories_keep_each_agency_with_its_own_figure():
    quake = synth.summarise([QUAKE])
    magnitude = next(f for f in quake.facts if f.unit == "magnitude" and f.scope is None)
    speakers = {v.value: " ".join(v.attributed_to) for v in magnitude.variants}
    assert "Geological Survey" in speakers[6.8] and "Geophysics" not in speakers[6.8]
    assert "Geophysics" in speakers[7.0] and "Geological Survey" not in speakers[7.0]
    depth = next(f for f in quake.facts if f.unit == "km" and f.scope == "depth")
    assert depth.status == "conflicting"
    toll = [c for c in quake.claims if "rose to 820" in c.quote]
    assert toll and all(c.attributed_to == "interior ministry" for c in toll)
    # "measured 7.0" is a magnitude, never a distance
    assert not any(q.unit in ("km", "miles") and q.value == 7.0 for c in quake.claims for q in c.quantities)
    troops = synth.summarise([TROOPS])
    zelensky = [c for c in troops.claims if c.quote.startswith("On 22 October he said")]
    assert zelensky and zelensky[0].attributed_to == "Volodymyr Zelensky"


def test_no_figure_is_bound_to_a_stray_word_or_a_year():
    report = synth.summarise([TROOPS, QUAKE])
    units = {q.unit for c in report.claims for q in c.quantities}
    assert not units & {"late", "during", "in", "of", "the", "agreement", "figures", "times"}
    for claim in report.claims:
        for quantity in claim.quantities:
            if quantity.unit not in ("year",):
                assert not 1900 <= quantity.value <= 2030 or "," in quantity.text or " " in quantity.text, (
                    quantity,
                    claim.quote,
                )


def test_magnitude_conflict_keeps_both_agencies():
    report = synth.summarise([QUAKE])
    magnitude = next(f for f in report.facts if f.unit == "magnitude" and f.scope is None)
    assert magnitude.status == "conflicting"
    assert [v.value for v in magnitude.variants] == [6.8, 7.0]


def test_a_bad_file_among_good_ones_is_a_problem_and_the_rest_are_summarised(tmp_path: Path):
    bad = tmp_path / "broken.txt"
    bad.write_bytes(b"\x00\x01binary")
    report = synth.summarise([bad, TROOPS, tmp_path / "missing.md"])
    assert len(report.sources) == 5
    assert {p.path for p in report.problems} == {str(bad), str(tmp_path / "missing.md")}


def test_public_api_is_pinned():
    assert set(synth.__all__) == {
        "Claim",
        "ConfigError",
        "Fact",
        "InputError",
        "ModelError",
        "ModelRefusedError",
        "OverviewSentence",
        "Problem",
        "Quantity",
        "Report",
        "Settings",
        "Source",
        "StoryReports",
        "SynthError",
        "Usage",
        "Variant",
        "render_html",
        "render_json",
        "render_markdown",
        "resolve_settings",
        "summarise",
        "summarise_many",
    }


def test_settings_and_options_together_are_refused_not_one_silently_chosen():
    settings = synth.resolve_settings({}, offline=True)
    with pytest.raises(
        TypeError, match="settings= or options, not both: got settings= and max_bytes, reconcile"
    ):
        synth.summarise(TROOPS, settings=settings, max_bytes=1, reconcile="bogus")


def test_usage_adds_a_known_cost_and_keeps_its_own_when_the_other_is_unknown():
    usage = synth.Usage()
    usage.add(synth.Usage(estimated_cost_usd=None))
    assert usage.estimated_cost_usd is None  # nothing known, nothing guessed
    usage.add(synth.Usage(estimated_cost_usd=0.25))
    usage.add(synth.Usage(estimated_cost_usd=None))
    usage.add(synth.Usage(estimated_cost_usd=0.5))
    assert usage.estimated_cost_usd == 0.75
