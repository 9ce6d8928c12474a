from __future__ import annotations

from synth.dates import find_dates, parse_date


def test_common_news_date_forms():
    assert parse_date("23 October 2024") == "2024-10-23"
    assert parse_date("Sept. 9, 2023") == "2023-09-09"
    assert parse_date("8 September 2023, 23:40") == "2023-09-08T23:40"
    assert parse_date("October 23, 2024 at 5:30 p.m.") == "2024-10-23T17:30"
    assert parse_date("2024-10-23T08:00:00Z") == "2024-10-23T08:00:00Z"


def test_a_date_without_year_is_found_but_not_made_iso():
    [found] = find_dates("On Oct. 18 the agency spoke.")
    assert found.text == "Oct. 18" and found.iso is None


def test_the_modal_verb_may_is_not_a_month():
    assert find_dates("they may 3 times refuse") == []
