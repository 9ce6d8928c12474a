from __future__ import annotations

import pytest

from synth.numbers import find_numbers, format_number, parse_number


@pytest.mark.parametrize(
    "written, value",
    [
        ("12,000", 12000),
        ("12\u00a0000", 12000),
        ("12 000", 12000),
        ("1.2 million", 1_200_000),
        ("ten thousand", 10000),
        ("twelve thousand", 12000),
        ("three hundred", 300),
        ("twenty-five", 25),
        ("two thousand nine hundred and forty-six", 2946),
        ("10k", 10000),
        ("a thousand", 1000),
        ("6.8", 6.8),
        ("2bn", 2_000_000_000),
    ],
)
def test_parse_number(written, value):
    assert parse_number(written) == value


def mentions(text):
    return [(m.value, m.value_max, m.qualifier) for m in find_numbers(text)]


@pytest.mark.parametrize(
    "text, expected",
    [
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
    ],
)
def test_find_numbers(text, expected):
    assert mentions(text) == expected


def test_format_number_round_trips_through_the_parser():
    for value in (12000.0, 6.8, 1_200_000.0, 18.5, 296.0):
        assert parse_number(format_number(value)) == value


@pytest.mark.parametrize(
    "written",
    [
        "9" * 309,  # float('9' * 309) is infinity
        "9" * 20,
        "1,000,000,000,000,000",
        "999,999,999,999,999,999",
        "1,000,000 billion",
        "1" + "0" * 400 + ".5",
        "one hundred hundred hundred hundred hundred hundred hundred hundred",
    ],
)
def test_numbers_too_large_to_be_figures_are_not_read_as_figures(written):
    assert parse_number(written) is None
    assert find_numbers(f"Officials said {written} troops arrived.") == []


@pytest.mark.parametrize(
    "written, value",
    [
        ("999,999,999,999,999", 999_999_999_999_999),
        ("999,999 billion", 999_999e9),
        ("0." + "0" * 400 + "5", 0.0),
        ("3." + "1" * 5_000, 3.111111111111111),
    ],
)
def test_the_largest_figures_and_longest_decimals_still_read(written, value):
    assert parse_number(written) == pytest.approx(value)


def test_a_million_digits_or_number_words_are_read_in_linear_time():
    import time

    for text in (
        "9" * 1_000_000,
        "999," * 300_000 + "999",
        " ".join(["hundred"] * 200_000),
        " ".join(["one"] * 200_000),
    ):
        started = time.perf_counter()
        find_numbers(f"Officials said {text} troops arrived.")
        assert time.perf_counter() - started < 10


@pytest.mark.parametrize(
    "value, shown",
    [
        (float("inf"), "inf"),
        (float("-inf"), "-inf"),
        (float("nan"), "nan"),
        (999_999_999_999_999.0, "999,999,999,999,999"),
        (1e300, "1e+300"),
    ],
)
def test_format_number_never_raises(value, shown):
    assert format_number(value) == shown


def test_value_labels_and_intervals_of_values_no_text_gives_never_raise():
    from synth.describe import value_label
    from synth.models import Quantity
    from synth.sameness import consistent, interval

    assert value_label(float("inf"), None, "exact", "year") == "inf"
    assert value_label(1e300, float("nan"), "about", "troops") == "about 1e+300–nan"
    huge = Quantity(value=float("inf"), unit="troops", text="9" * 400)
    assert interval(huge).low == float("inf")
    assert not consistent(huge, Quantity(value=3000, unit="troops", text="3,000"))


def test_a_figure_written_with_a_million_decimals_is_shown_with_fifteen():
    from synth.describe import MAX_DECIMALS, value_label

    label = value_label(3.1, None, "exact", "magnitude", "3." + "1" * 1_000_000)
    assert label == "3." + "1" + "0" * (MAX_DECIMALS - 1)
