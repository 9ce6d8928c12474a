"""Numbers as written in news text → numbers as numbers (pure).

Handles thousands separators ("12,000", "12 000" with ordinary or non-breaking spaces),
scales ("1.2 million", "10k"), number words ("ten thousand", "nearly three hundred",
"twenty-five"), ranges ("11,000 to 12,000", "between 11,000 and 12,000") and the
qualifiers in front of them ("about", "at least", "up to").
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from synth.models import Qualifier

_UNITS_WORDS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_TENS_WORDS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_SCALE_WORDS = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_SCALE_SHORT = {"k": 1_000, "m": 1_000_000, "mn": 1_000_000, "bn": 1_000_000_000}

# Figures this large or larger are not read as figures: a float holds whole numbers exactly
# only below 2**53 (about 9e15), past about 1e308 it is infinity, and no count in the news
# comes near either ("999 billion" is far below).
LARGEST_FIGURE = 1e15

_SPACE = r"[ \u00a0\u202f\u2009]"
_WORD = "|".join(sorted([*_UNITS_WORDS, *_TENS_WORDS, *_SCALE_WORDS], key=len, reverse=True))
_NUMBER_WORDS = rf"(?:(?:{_WORD})(?:(?:-|{_SPACE}+|{_SPACE}+and{_SPACE}+)(?:{_WORD}))*)"
# Atomic, so that "3,500km" is never read as the "3" before its comma.
_DIGITS = (
    rf"(?>\d{{1,3}}(?:,\d{{3}})+(?!\d)|\d{{1,3}}(?:{_SPACE}\d{{3}})+(?!\d)|\d+)"
    r"(?:\.\d+)?(?!\d)"
)
_SCALE = rf"(?:{_SPACE}*(?:million|billion|thousand|hundred)\b|(?:k|m|mn|bn)\b)"
# Measures written against the number ("3,500km", "10cm", "24m (79ft)"): the number ends
# where the unit starts. "m" alone is read as a scale ("2.4m people") unless METRES_AFTER holds.
GLUED_UNITS = ("km", "cm", "mm", "kg", "ft", "mph", "kmh", "kph", "mi", "nm", "lb", "lbs", "sq")
_GLUED = rf"(?=(?:{'|'.join(GLUED_UNITS)})\b)"
# "a" reads as one only before a scale word: "a thousand", never "a three-day visit".
_A_SCALE = rf"a{_SPACE}+(?=(?:hundred|thousand|million|billion)\b)"
# "two-thirds", "three-quarters": a share, not a count of two.
_FRACTION_AFTER = r"(?!-(?:thirds?|quarters?|fifths?|halves|half|tenths?)\b)"
_ONE_NUMBER = (
    rf"(?:(?<![\w.,:/]){_DIGITS}(?:{_GLUED}|{_SCALE}?(?![\w]|:\d|\.\d))"
    rf"|\b(?:{_A_SCALE})?{_NUMBER_WORDS}\b{_FRACTION_AFTER})"
)
# After "24m", words that make it metres rather than millions.
METRES_AFTER = re.compile(
    r"^\s*(?:\([^)]{1,15}\)\s*)?(?:long|high|tall|deep|wide|across|away|"
    r"in (?:length|diameter|height)|below|above|of water)\b"
    r"|^\s*\(\d[\d.,]*\s*(?:ft|feet)\b",
    re.IGNORECASE,
)

_QUALIFIERS: list[tuple[str, Qualifier]] = [
    (r"at least|no fewer than|a minimum of|not less than", "at_least"),
    (r"more than|over|upwards of|in excess of|above|exceeding", "more_than"),
    (r"up to|as many as|no more than|a maximum of|at most", "up_to"),
    (r"fewer than|less than|under|below", "fewer_than"),
    (
        r"about|around|approximately|roughly|some|an estimated|estimated|nearly|almost|close to|"
        r"circa|~",
        "about",
    ),
]
_QUALIFIER_RE = re.compile(
    r"(?:\b(?P<q>" + "|".join(p for p, _ in _QUALIFIERS) + rf"){_SPACE}+)?$", re.IGNORECASE
)
_SINGLE_RE = re.compile(_ONE_NUMBER, re.IGNORECASE)
_RANGE_GAP = re.compile(
    rf"(?:{'|'.join(GLUED_UNITS)})?{_SPACE}*(?:-|–|—|to){_SPACE}*"
    rf"|{_SPACE}+and{_SPACE}+",
    re.IGNORECASE,
)
# "No one was hurt", "none of those on board survived": a count of zero.
_ZERO = re.compile(r"\b(?:no[ -]one|nobody|none)\b", re.IGNORECASE)
_BETWEEN = re.compile(rf"\bbetween{_SPACE}+$", re.IGNORECASE)
_FROM = re.compile(rf"\bfrom{_SPACE}+$", re.IGNORECASE)


@dataclass(frozen=True)
class NumberMention:
    start: int  # where the qualifier (if any) or the number starts
    end: int
    value: float
    value_max: float | None
    qualifier: Qualifier
    text: str
    number_start: int  # where the digits or number words begin


def parse_number(token: str) -> float | None:
    """One number as written ('12,000', '1.2 million', 'ten thousand', '10k') → float, or
    None when it is no number or not a figure (LARGEST_FIGURE or more: 309 nines are not)."""
    value = _parse(token)
    return value if value is not None and is_figure(value) else None


def is_figure(value: float) -> bool:
    """Whether a value can stand as a figure: finite, and under LARGEST_FIGURE either way."""
    return math.isfinite(value) and abs(value) < LARGEST_FIGURE


def _parse(token: str) -> float | None:
    raw = token.strip().lower()
    if not raw:
        return None
    raw = re.sub(rf"^a{_SPACE}+", "one ", raw)
    match = re.fullmatch(rf"(?P<digits>[\d,. \u00a0\u202f\u2009]+?){_SPACE}*(?P<scale>[a-z]+)?", raw)
    if match and re.search(r"\d", match["digits"]):
        digits = re.sub(rf"[,{_SPACE[1:-1]}]", "", match["digits"])
        try:
            value = float(digits)
        except ValueError:
            return None
        scale = match["scale"]
        if scale:
            factor = _SCALE_WORDS.get(scale) or _SCALE_SHORT.get(scale)
            if factor is None:
                return None
            value *= factor
        return value
    return _parse_words(raw)


def _parse_words(raw: str) -> float | None:
    words = [w for w in re.split(rf"(?:-|{_SPACE}+)", raw) if w and w != "and"]
    if not words:
        return None
    total = current = 0
    for word in words:
        if total >= LARGEST_FIGURE or current >= LARGEST_FIGURE:
            return None  # "a hundred hundred hundred …" grows without end
        if word in _UNITS_WORDS:
            current += _UNITS_WORDS[word]
        elif word in _TENS_WORDS:
            current += _TENS_WORDS[word]
        elif word == "hundred":
            current = max(current, 1) * 100
        elif word in _SCALE_WORDS:
            total += max(current, 1) * _SCALE_WORDS[word]
            current = 0
        else:
            return None
    return float(total + current)


def _singles(text: str) -> list[tuple[int, int, float]]:
    found = []
    for match in _SINGLE_RE.finditer(text):
        written, end = match.group(0), match.end()
        if written[-1:] in "mM" and written[-2:-1].isdigit() and METRES_AFTER.match(text[end:]):
            written, end = written[:-1], end - 1  # "24m (79ft) long" is metres
        value = parse_number(written)
        if value is not None:
            found.append((match.start(), end, value))
    return found


def find_numbers(text: str) -> list[NumberMention]:
    """Every number in `text` with its qualifier and range, left to right."""
    zeros = [(m.start(), m.end(), 0.0) for m in _ZERO.finditer(text)]
    singles = sorted(
        [*zeros, *(single for single in _singles(text) if not any(s <= single[0] < e for s, e, _ in zeros))]
    )
    mentions: list[NumberMention] = []
    i = 0
    while i < len(singles):
        start, end, low = singles[i]
        high = None
        before = text[max(0, start - 12) : start]
        if i + 1 < len(singles):
            next_start, next_end, next_value = singles[i + 1]
            gap = text[end:next_start]
            joined_by_and = gap.strip().lower() == "and"
            # "between 11,000 and 12,000" and "11,000 to 12,000" are ranges; "3,000 and 10,000"
            # lists two numbers, and "rose from 820 to 1,037" is a revision, not a range.
            if (
                _RANGE_GAP.fullmatch(gap)
                and next_value > low
                and (_BETWEEN.search(before) if joined_by_and else not _FROM.search(before))
            ):
                high, end = next_value, next_end
                i += 1
        i += 1
        qualifier: Qualifier = "exact"
        mention_start = start
        if _BETWEEN.search(before) and high is not None:
            qualifier = "about"
        else:
            window = text[max(0, start - 24) : start]
            q = _QUALIFIER_RE.search(window)
            if q and q["q"]:
                qualifier = next(
                    kind for pattern, kind in _QUALIFIERS if re.fullmatch(pattern, q["q"], re.IGNORECASE)
                )
                mention_start = start - len(window) + q.start()
        mentions.append(NumberMention(mention_start, end, low, high, qualifier, text[start:end], start))
    return mentions


def format_number(value: float) -> str:
    """10000.0 → '10,000'; 6.8 → '6.8'; 1200000.0 → '1.2 million'; 164.12e9 → '164.12
    billion'. A value no text gives (infinity, NaN, 1e300) reads as Python writes it."""
    if not is_figure(value):
        return f"{value:g}"
    if value >= 1_000_000_000 and value % 10_000_000 == 0:
        return f"{value / 1_000_000_000:g} billion"
    if value >= 1_000_000 and value % 100_000 == 0:
        millions = value / 1_000_000
        return f"{millions:g} million"
    if value == int(value):
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


QUALIFIER_WORDS: dict[Qualifier, str] = {
    "exact": "",
    "about": "about ",
    "at_least": "at least ",
    "more_than": "more than ",
    "up_to": "up to ",
    "fewer_than": "fewer than ",
}
