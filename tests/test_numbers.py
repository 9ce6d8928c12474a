from __future__ import annotations

import pytest

from synth.numbers import find_numbers, format_number, parse_number


@pytest.mark.parametrize("written, value", [
    ("12,000", 12000), ("12\u00a0000", 12000), ("12 000", 12000), ("1.2 million", 1_200_000),
    ("ten thousand", 10000), ("twelve thousand", 12000), ("three hundred", 300),
    ("twenty-five", 25), ("two thousand nine hundred and forty-six", 2946), ("10k", 10000),
    ("a thousand", 1000), ("6.8", 6.8), ("2bn", 2_000_000_000),
])
def test_parse_number(written, value):
    assert parse_number(written) == value


def mentions(text):
    return [(m.value, m.value_max, m.qualifier) for m in find_numbers(text)]


@pytest.mark.parametrize("text, expected", [
    ("about 3,000 troops", [(3000, None, "about")]),
    ("at least 1,500", [(1500, None, "at_least")]),
    ("up to 12,000", [(12000, None, "up_to")]),
    ("more than two thousand", [(2000, None, "more_than")]),
    ("nearly three hundred", [(300, None, "about")]),
    ("between 11,000 and 12,000", [(11000, 12000, "about")]),
    ("11,000 to 12,000", [(11000, 12000, "exact")]),
    ("11,000–12,000", [(11000, 12000, "exact")]),
    ("3,000 and 10,000", [(3000, None, "exact"), (10000, None, "exact")]),
    ("rose from 820 to 1,037", [(820, None, "exact"), (1037, None, "exact")]),
    ("the 11th Corps at 23:11", []),
])
def test_find_numbers(text, expected):
    assert mentions(text) == expected


def test_format_number_round_trips_through_the_parser():
    for value in (12000.0, 6.8, 1_200_000.0, 18.5, 296.0):
        assert parse_number(format_number(value)) == value
