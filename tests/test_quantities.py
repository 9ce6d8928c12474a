from __future__ import annotations

from synth.quantities import quantities_in


def only(sentence, **kwargs):
    found = quantities_in(sentence, **kwargs)
    return [(q.value, q.unit, q.scope) for q in found]


def test_synonyms_for_troops_share_one_unit():
    for noun in ("troops", "soldiers", "infantrymen", "servicemen", "personnel"):
        assert only(f"Officials said 3,000 North Korean {noun} had arrived.") == \
            [(3000, "troops", None)]


def test_scope_is_kept_apart_from_the_deployment_total():
    assert only("The NIS said up to 12,000 troops, including 1,500 special forces, would go.") \
        == [(12000, "troops", None), (1500, "troops", "special forces")]
    assert only("HUR said about 500 officers, among them three generals, were sent.") == \
        [(500, "troops", "officers"), (3, "troops", "generals")]
    assert only("North Korea's 1.2 million-strong army is vast.") == \
        [(1_200_000, "troops", "whole army")]
    assert only("Analysts estimate that the corps numbers roughly 40,000 soldiers.") == \
        [(40000, "troops", "whole corps")]


def test_time_reference_is_recorded():
    found = quantities_in("About 3,000 troops have been sent so far, and 10,000 by December.")
    assert [(q.value, q.time_ref) for q in found] == [(3000, "so far"), (10000, "by December")]


def test_casualty_units_follow_the_nearest_verb():
    assert only("The quake killed at least 2,946 people and injured 5,674.") == \
        [(2946, "deaths", None), (5674, "injured", None)]
    assert only("The death toll rose to 2,012 on Saturday, the ministry said.") == \
        [(2012, "deaths", None)]


def test_measurements():
    assert only("The USGS put the magnitude at 6.8, at a depth of 18.5 km.") == \
        [(6.8, "magnitude", None), (18.5, "km", "depth")]
    assert only("The epicentre was 71 km southwest of Marrakesh.") == [(71, "km", "distance")]
    assert only("A magnitude 4.9 aftershock followed.") == [(4.9, "magnitude", "aftershock")]


def test_years_dates_times_thresholds_and_elapsed_time_are_not_quantities():
    assert only("The first units arrived on 23 October 2024 at 23:11 local time.") == []
    assert only("No quake of magnitude 6 or more struck within 500 km in years.") == []
    assert only("Six days after the quake, rescuers kept digging.") == []
    assert only("The 11th Corps trained in 2023.") == []


def test_a_figure_about_an_earlier_year_gets_that_year_as_scope():
    assert only("It is the worst since 1960, when a quake killed at least 12,000 people.",
                reference_year=2023) == [(12000, "deaths", "in 1960")]


def test_a_per_unit_figure_is_not_a_total():
    assert only("Kyiv said two units of up to 6,000 personnel each were trained.") == \
        [(6000, "troops", "per unit")]


def test_a_verb_in_an_earlier_clause_does_not_decide_the_unit():
    found = quantities_in("Thirty people have died so far, the agency said on Saturday, "
                          "and about 10,000 have left their homes.")
    assert [(q.value, q.unit, q.time_ref) for q in found] == \
        [(30, "deaths", "so far"), (10000, "displaced", None)]
    assert only("Fifteen thousand people have been evacuated, the service said.") == \
        [(15000, "displaced", None)]
