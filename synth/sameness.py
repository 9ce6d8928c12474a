"""When two figures are the same quantity, and when their values disagree (pure).

Two figures count the same thing when their units fold to one key (synth.units: troops and
soldiers, miles and km) and their scopes say the same by their words, not their spelling:
"at O'Hare" and "at Chicago's O'Hare International Airport" are one site, "Galaxy S4" and
"S4" one phone, "Galaxy S4" and "Galaxy S5" two. A figure without a scope is the story's
total and never joins a scoped one.

Two values agree when the ranges they stand for overlap: a written figure stands for what
rounds to it ("30 percent" covers 29.7, "128" does not cover 129), "about" widens it, "more
than" and "up to" open it on one side, and measures are compared on one scale (620 miles
is about 1,000 km).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from synth.models import Quantity
from synth.units import SYNONYMS, base_value, singular

# "about 1,000" stands for this share either side.
ABOUT_SHARE = 0.025
# A round figure stands for what rounds to it, but never for more than this share either side:
# "10,000 troops" is not "11,000", "30 percent" may be 29.7.
MAX_ROUNDING_SHARE = 0.02
# Words a scope shares with others without naming anything in particular.
_GENERIC_SCOPE_WORDS = frozenset(
    """the a an of at in on from to for and or by with its their
international national airport area region state county district province rate level""".split()
)


# A part's folded words, its head (last) word, and for a name of three or more capitalised
# words its initials (an acronym, 'NCGRS', names the same thing).
ScopePart = tuple[frozenset[str], str, str | None]


def scope_words(scope: str | None) -> frozenset[str]:
    """The words that make a scope what it is, folded: "at Chicago's O'Hare" →
    {'chicago', "o'hare"}; 'phones' and 'smartphones' fold to one word."""
    return frozenset(w for words, _, _ in scope_parts(scope) for w in words)


def scope_parts(scope: str | None) -> tuple[ScopePart, ...]:
    """A scope's parts ('New Democracy; at Parliament'), each as its folded words and its
    head, the last of them (generic words such as 'Airport' left out)."""
    if not scope:
        return ()
    parts = []
    for part in scope.split(";"):
        text = part.lower().replace("’", "'").replace(".", "")
        words = [_fold(w) for w in re.findall(r"[a-z0-9][a-z0-9'-]*", text) if w not in _GENERIC_SCOPE_WORDS]
        if re.fullmatch(r"[A-Z]{2,}", part.strip().replace(".", "")):
            words = [text.strip()]  # an acronym is no plural: 'NCGRS' is not 'NCGR's
        if words:
            parts.append((frozenset(words), words[-1], _initials(part)))
    return tuple(sorted(parts, key=lambda p: sorted(p[0])))


def _initials(part: str) -> str | None:
    """The initials of a name of three or more capitalised words, hyphened ones split
    ('Northern Coast-Guard Relief Service' → 'ncgrs'); None for anything else."""
    words = re.findall(r"[^\s-]+", part.strip())
    if len(words) < 3 or not all(w[:1].isupper() and w.isalpha() for w in words):
        return None
    return "".join(w[0] for w in words).lower()


def _fold(word: str) -> str:
    word = re.sub(r"'s$", "", word)
    return SYNONYMS.get(word) or SYNONYMS.get(singular(word)) or singular(word)


def same_scope(a: str | None, b: str | None) -> bool:
    """Whether two scopes narrow a figure the same way: part by part, the same head word and
    one part's words all in the other's ('S4' and 'Galaxy S4', 'at O'Hare' and 'at Chicago's
    O'Hare International Airport'; not 'Kansas' and 'Kansas City', whose heads differ). No
    scope matches only no scope."""
    return parts_match(scope_parts(a), scope_parts(b))


def parts_match(first: tuple[ScopePart, ...], second: tuple[ScopePart, ...]) -> bool:
    if len(first) != len(second):
        return False
    unmatched = list(second)
    for part in first:
        match = next((other for other in unmatched if _same_part(part, other)), None)
        if match is None:
            return False
        unmatched.remove(match)
    return True


def _same_part(first: ScopePart, second: ScopePart) -> bool:
    """The same head word and one part's words all in the other's, or one part an acronym of
    the other, a name ('NCGRS' and 'Northern Coast-Guard Relief Service')."""
    (words, head, initials), (other_words, other_head, other_initials) = first, second
    if head == other_head and (words <= other_words or other_words <= words):
        return True
    return (len(words) == 1 and head == other_initials) or (len(other_words) == 1 and other_head == initials)


@dataclass(frozen=True)
class Interval:
    low: float
    high: float

    def overlaps(self, other: Interval) -> bool:
        return self.low < other.high and other.low < self.high


def written_precision(value: float, text: str) -> float:
    """Half a unit of the last digit a figure was written to ('29.7' → 0.05, '128' → 0.5),
    and for a round figure what rounds to it within MAX_ROUNDING_SHARE ('30' → 0.6)."""
    written = re.search(r"\d[\d,]*(?:\.(\d+))?", text or "")
    if written and written.group(1) is not None:  # "7.0" is to a tenth, not to a whole
        return 0.5 * 10.0 ** -len(written.group(1))
    whole = abs(value)
    if not math.isfinite(whole):  # no text gives one; a model's answer might
        return 0.5
    if whole != int(whole):
        shown = f"{whole:.6f}".rstrip("0")
        return 0.5 * 10.0 ** -len(shown.split(".")[1])
    if whole == 0:
        return 0.5
    zeros = len(str(int(whole))) - len(str(int(whole)).rstrip("0"))
    return max(0.5, min(0.5 * 10.0**zeros, MAX_ROUNDING_SHARE * whole))


def interval(quantity: Quantity) -> Interval:
    """The range of values a figure stands for, on its dimension's base scale."""
    low = base_value(quantity.value, quantity.unit)
    high = base_value(quantity.value_max if quantity.value_max is not None else quantity.value, quantity.unit)
    spread = base_value(written_precision(quantity.value, quantity.text), quantity.unit)
    # Open ends: "more than 50" is above 50, "up to 12,000" at most 12,000.
    if quantity.qualifier in ("more_than", "at_least"):
        return Interval(low - (spread if quantity.qualifier == "at_least" else 0), math.inf)
    if quantity.qualifier in ("up_to", "fewer_than"):
        return Interval(
            -math.inf if quantity.qualifier == "fewer_than" else 0.0,
            high + (spread if quantity.qualifier == "up_to" else 0),
        )
    if quantity.qualifier == "about":
        spread = max(spread, ABOUT_SHARE * max(abs(low), abs(high)))
    return Interval(low - spread, high + spread)


def consistent(a: Quantity, b: Quantity) -> bool:
    """Whether two figures of one quantity can both be right."""
    return interval(a).overlaps(interval(b))
