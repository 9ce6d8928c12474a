"""Find and normalise dates written the ways news articles write them (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass

MONTHS = {
    "january": 1,
    "jan": 1,
    "february": 2,
    "feb": 2,
    "march": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "may": 5,
    "june": 6,
    "jun": 6,
    "july": 7,
    "jul": 7,
    "august": 8,
    "aug": 8,
    "september": 9,
    "sept": 9,
    "sep": 9,
    "october": 10,
    "oct": 10,
    "november": 11,
    "nov": 11,
    "december": 12,
    "dec": 12,
}
_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_TIME = r"(?:(?:,|\s*[–—-])?\s+(?:at\s+)?(?P<hour>[0-2]?\d)[:.](?P<minute>[0-5]\d)\s*(?P<ampm>[ap]\.?m\.?)?)?"

_DATE_PATTERNS = [
    re.compile(
        r"\b(?P<iso>(?:19|20)\d\d-[01]\d-[0-3]\d(?:[T ][0-2]\d:[0-5]\d(?::[0-5]\d)?"
        r"(?:Z|[+-][0-2]\d:?[0-5]\d)?)?)\b"
    ),
    re.compile(r"\b" + _DAY + r"\s+" + _MONTH + r"(?:,?\s+" + _YEAR + r")?" + _TIME + r"\b", re.IGNORECASE),
    re.compile(r"\b" + _MONTH + r"\s+" + _DAY + r"(?:,?\s+" + _YEAR + r")?" + _TIME + r"\b", re.IGNORECASE),
]


@dataclass(frozen=True)
class FoundDate:
    start: int
    end: int
    text: str
    iso: str | None  # None when the year is not given


def find_dates(text: str) -> list[FoundDate]:
    """Every date in `text`, left to right, without overlaps."""
    found: list[FoundDate] = []
    taken: list[tuple[int, int]] = []
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(start < e and s < end for s, e in taken):
                continue
            iso = _to_iso(match)
            if iso is False:
                continue
            taken.append((start, end))
            found.append(FoundDate(start, end, match.group(0), iso if isinstance(iso, str) else None))
    return sorted(found, key=lambda d: d.start)


def parse_date(text: str) -> str | None:
    """The first full date in `text` as ISO 8601, or None."""
    for found in find_dates(text):
        if found.iso:
            return found.iso
    return None


def _to_iso(match: re.Match[str]) -> str | None | bool:
    groups = match.groupdict()
    if groups.get("iso"):
        return groups["iso"].replace(" ", "T")
    day = int(groups["day"])
    month = MONTHS[groups["month"].lower().rstrip(".")]
    if not 1 <= day <= 31:
        return False
    if not groups.get("year"):
        # "May 3" is a date; "may 3" in "they may 3 times" is not worth the risk of guessing.
        if groups["month"].islower():
            return False
        return None
    iso = f"{int(groups['year']):04d}-{month:02d}-{day:02d}"
    if groups.get("hour"):
        hour = int(groups["hour"])
        ampm = (groups.get("ampm") or "").lower().replace(".", "")
        if ampm == "pm" and hour < 12:
            hour += 12
        if ampm == "am" and hour == 12:
            hour = 0
        if hour < 24:
            iso += f"T{hour:02d}:{groups['minute']}"
    return iso
