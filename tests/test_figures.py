"""What a number in a parsed sentence counts (synth/extract/rules/figures.py).

Every sentence here is written for these tests. Each test names the failure it guards
against: years and durations read as counts, figures bound to the wrong noun or verb,
subsets and other events mixed into a story's totals.
"""

from __future__ import annotations

import pytest

from synth.extract.rules.figures import Figure, FigureMemory, figures_in
from synth.extract.rules.nlp import english_model
from synth.extract.rules.story import StoryProfile

STORY = StoryProfile(year=2025)


def read(
    text: str, story: StoryProfile = STORY, year: int | None = 2025, memory: FigureMemory | None = None
) -> list[Figure]:
    doc = english_model().nlp(text)
    figures: list[Figure] = []
    memory = memory or FigureMemory()
    for sentence in doc.sents:
        figures.extend(figures_in(sentence, story, year, memory))
    return figures


def units(text: str, **options) -> list[tuple[float, str]]:
    return [(f.value, f.unit) for f in read(text, **options)]


def scope(figure: Figure) -> str | None:
    return figure.quantity().scope


# ---------------------------------------------------------------- years, dates, durations


def test_a_year_before_a_noun_is_not_a_count():
    assert units("Delegates revived the 1987 treaty at a summit in the capital.") == []


def test_a_year_a_building_was_put_up_in_is_a_year_of_that_building():
    [built] = read("The old granary was built in 1902, the council said.")
    assert (built.value, built.unit) == (1902, "year")


def test_a_hyphened_duration_keeps_its_unit_and_the_article_is_not_one():
    assert units("The minister began a four-day tour of the flooded valleys.") == [(4, "days")]


def test_a_duration_is_scoped_by_what_lasted_that_long():
    [flight] = read("The balloon stayed aloft for 41 minutes before it came down.")
    assert flight.unit == "minutes" and scope(flight)


def test_time_ago_is_not_a_figure():
    assert units("The dam failed three years ago after heavy rain.") == []


def test_a_date_is_not_a_count():
    assert units("Voting ended on Tuesday 14 October after a long campaign.") == []


def test_a_clock_time_is_a_time_of_day_scoped_by_its_event():
    [launch] = read("The rocket lifted off at 6:45 a.m. from the coastal pad.")
    assert launch.unit == "time of day" and launch.value == pytest.approx(6.75)
    assert scope(launch) == "liftoff"


def test_a_threshold_is_not_a_figure():
    assert units("No tremor of magnitude 5 or more has been felt here since records began.") == []


# ---------------------------------------------------------------- what is counted


def test_the_verb_decides_wounded_from_killed():
    found = units("Police said 14 people were killed and more than 40 were wounded.")
    assert found == [(14, "deaths"), (40, "injured")]


def test_wounded_alone_is_never_deaths():
    assert units("More than 25 were wounded when the stand collapsed.") == [(25, "injured")]


def test_no_one_hurt_is_zero_injured():
    assert units("No one was hurt when the crane toppled onto the empty car park.") == [(0, "injured")]


def test_a_measure_glued_to_its_number():
    [distance] = read("The convoy travelled 4,200km across the desert in a week.")
    assert (distance.value, distance.unit) == (4200, "km")


def test_a_range_with_its_measure_on_both_ends():
    [fall] = read("Forecasters expect 20cm-30cm of rain along the coast.")
    assert (fall.value, fall.value_max, fall.unit) == (20, 30, "cm")


def test_money_keeps_its_scale_and_currency():
    [cost] = read("The repairs will cost $3.1 billion, the utility estimated.")
    assert (cost.value, cost.unit) == (3_100_000_000, "USD")


def test_a_percentage_says_what_it_is_of():
    [share] = read("The Green Party won 14 percent of the vote in the northern region.")
    assert share.unit == "percent" and "vote" in (scope(share) or "")


def test_a_stray_word_after_a_number_is_not_a_unit():
    assert units("Officials said that 300 during the night had left.") == []


def test_a_number_inside_a_name_or_code_is_not_a_figure():
    assert units("The A-10 jets and the Boeing 787-9 landed at the base on schedule.") == []


def test_people_on_board_are_everyone_not_passengers_alone():
    [aboard] = read("The ferry was carrying 412 passengers and crew when it ran aground.")
    assert aboard.unit == "people"


def test_an_outcome_adjective_after_the_number():
    assert units("The agency put the toll at 57 dead and 130 injured.") == [(57, "deaths"), (130, "injured")]


def test_a_toll_of_n_counts_deaths():
    assert units("Medics warned the toll of nearly two hundred would rise.") == [(200, "deaths")]


def test_a_level_of_it_counts_what_was_named_before():
    memory = FigureMemory()
    read("The toll reached 87 on Monday.", memory=memory)
    assert units("By Tuesday it had climbed past 140, officials said.", memory=memory) == [(140, "deaths")]


def test_a_figure_in_brackets_counts_what_the_last_bracketed_one_counted():
    found = read("The Liberals have 41.2% of the vote (88 seats), Labour 30.5% (61).")
    assert [(f.value, f.unit) for f in found] == [
        (41.2, "percent"),
        (88, "seats"),
        (30.5, "percent"),
        (61, "seats"),
    ]
    assert "Labour" in (scope(found[-1]) or "")


# ---------------------------------------------------------------- scope


def test_a_subset_by_nationality_is_a_scope():
    [subset] = read("Among those aboard were 61 Canadian passengers.")
    assert scope(subset) == "Canadian"


def test_the_story_nationality_is_not_a_subset():
    [troops] = read("About 2,000 Ruritanian troops crossed the border.")
    assert troops.quantity(frozenset({"ruritanian"})).scope is None


def test_including_n_is_a_part_of_a_total():
    found = read("The fire killed 31 people, including 9 children.")
    assert [(f.value, scope(f)) for f in found] == [(31, None), (9, "part of a total")]


def test_an_owner_that_wins_the_seats():
    [seats] = read("The Farmers' Union, which won 47 seats, will lead the coalition.")
    assert "Farmers' Union" in (scope(seats) or "")


def test_seats_in_a_phrase_with_the_party():
    found = read("Early results showed the Unity Party with 33 percent and 71 seats.")
    assert all("Unity Party" in (scope(f) or "") for f in found)


def test_a_site_narrows_a_count():
    [cancelled] = read("The authority said 212 flights were cancelled at Dunmore Airport.")
    assert "Dunmore" in (scope(cancelled) or "")


def test_a_whole_army_is_not_a_deployment():
    [whole] = read("The brigade belongs to a 300,000-strong army.")
    assert whole.unit == "troops" and scope(whole) == "whole army"


def test_a_figure_per_unit_is_not_a_total():
    found = read("Two battalions of up to 800 soldiers each were moved north.")
    assert "each" in (scope(found[-1]) or "")


def test_a_range_measure_is_not_a_distance_travelled():
    found = read("The drone flew 640 km and has a range of more than 2,000 km.")
    assert [(f.value, scope(f)) for f in found] == [(640, "travel"), (2000, "range")]


def test_a_measure_says_what_it_measures():
    found = read("Volunteers raised $4,000 for the shelter, where a bed costs $25 a night.")
    assert [(f.unit, scope(f)) for f in found] == [("USD", "raise"), ("USD", "cost")]
    [snow] = read("About 20 centimetres of snow fell overnight.")
    assert scope(snow) == "snow"


def test_a_figure_in_a_sentence_about_an_earlier_year_is_another_event():
    [old] = read("It is the worst flood since 1953, when the river killed 1,800 people.")
    assert old.unit == "deaths" and scope(old) == "in 1953"


def test_a_figure_from_years_ago_is_another_event():
    [earlier] = read("A blast two years ago killed 31 people in the same market.")
    assert "earlier" in (scope(earlier) or "")


def test_a_distance_from_a_landmark():
    [distance] = read("The wreck lies 180 miles south-west of Cape Merrow.")
    assert scope(distance) == "from Cape Merrow"


def test_time_references_stay_with_their_figure():
    found = read("About 900 volunteers have arrived so far, and 3,000 are expected by June.")
    assert [(f.value, f.time_ref) for f in found] == [(900, "so far"), (3000, "by June")]


def test_where_all_of_them_came_from_is_no_subset():
    found = read("About 30 boats and 12 helicopters from 6 countries joined the search.")
    assert [(f.unit, scope(f)) for f in found][:2] == [("ships", None), ("helicopters", None)]
    [some] = read("Among the injured were 14 pilgrims from Lisbon.")
    assert scope(some) == "from Lisbon"


def test_a_street_number_is_not_a_count():
    assert units("The blaze began in the empty warehouse at 2210 Harbour Road on Tuesday.") == []


def test_a_list_of_owners_before_the_noun_counts_the_noun():
    [ships] = read("Five Coast Guard and Naval Reserve ships joined the search on Monday.")
    assert ships.unit == "ships"


# ---------------------------------------------------------------- what happened to whom


def test_people_of_a_role_that_something_happened_to_are_a_subset_of_that_role():
    # 40 passengers on board and 12 injured passengers are not two counts of one thing.
    on_board, injured = read(
        "The ferry was carrying 40 passengers. Twelve passengers were injured when it hit the pier."
    )
    assert (on_board.value, on_board.unit, scope(on_board)) == (40, "passengers", None)
    assert (injured.value, injured.unit, scope(injured)) == (12, "passengers", "injured")


def test_a_relative_clause_says_what_happened_to_the_people_counted():
    [missing] = read("Divers are still looking for two students who went missing on Sunday.")
    assert (missing.value, scope(missing)) == (2, "missing")


def test_what_did_not_happen_to_them_is_no_subset():
    [found] = read("Searchers gave up on four tourists not rescued by nightfall.")
    assert scope(found) != "rescued"


def test_a_name_before_the_counted_noun_is_its_owner_as_written():
    from synth.extract.rules.syntax import name_before

    doc = english_model().nlp("Nine Harbour Rescue Self-Help Unit boats joined the search.")
    boats = next(t for t in doc if t.lower_ == "boats")
    assert name_before(boats) == "Harbour Rescue Self-Help Unit"


def test_a_crew_of_so_many_counts_the_crew_not_the_people_before_it():
    assert units("The ferry sailed with 310 passengers and a crew of 14.") == [
        (310, "passengers"),
        (14, "crew"),
    ]
