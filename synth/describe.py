"""Words for quantities: what a unit and scope count, and a value as a reader sees it (pure)."""

from __future__ import annotations

import math
import re

from synth.models import Qualifier
from synth.numbers import QUALIFIER_WORDS, format_number

# Decimals shown at most: a float holds no more of what was written.
MAX_DECIMALS = 15
_UNIT_PHRASES = {
    "troops": "the number of troops",
    "deaths": "the death toll",
    "injured": "the number of injured",
    "magnitude": "the magnitude",
    "percent": "the percentage",
    "people": "the number of people",
    "displaced": "the number of displaced people",
}


_TROOP_KINDS = frozenset({"special forces", "officers", "generals", "commanders"})


def describe_quantity(unit: str | None, scope: str | None) -> str:
    """'troops', 'special forces' → 'the number of troops (special forces)'."""
    if unit is None:
        return "this point"
    if unit == "time of day":
        return f"the time of {scope.split(';')[0]}" if scope else "the time"
    if unit == "year":
        return f"the year of the {scope.split(';')[0]}" if scope else "the year"
    if unit in ("km", "miles"):
        what = {"depth": "the depth", "distance": "the distance"}.get(scope or "", "the distance")
        return f"{what} in {unit}"
    if unit == "troops" and scope:
        if scope.startswith("whole "):
            return f"the size of the {scope}"
        if scope in _TROOP_KINDS:
            return f"the number of {scope}"
    phrase = _UNIT_PHRASES.get(unit, f"the number of {unit}")
    return f"{phrase} ({scope})" if scope else phrase


def value_label(
    value: float, value_max: float | None, qualifier: Qualifier, unit: str | None = None, text: str = ""
) -> str:
    """12000, None, 'up_to' → 'up to 12,000'; 11000, 12000 → '11,000–12,000'. A time of
    day reads as written ('12:21 a.m.'), a year without a thousands comma."""
    if unit == "time of day" and text:
        return f"{QUALIFIER_WORDS[qualifier]}{text}"
    if unit == "year" and math.isfinite(value) and value == int(value):
        return f"{QUALIFIER_WORDS[qualifier]}{int(value)}"
    number = format_number(value)
    written = re.fullmatch(r"\s*\d[\d,]*\.(\d+)\s*", text or "")
    if written and value_max is None and value < 1_000_000:
        # "7.0" stays "7.0", not "7".
        number = f"{value:,.{min(len(written.group(1)), MAX_DECIMALS)}f}"
    if value_max is not None:
        number = f"{number}–{format_number(value_max)}"
    return f"{QUALIFIER_WORDS[qualifier]}{number}"
