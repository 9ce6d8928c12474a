"""Text folded for matching a quote to its source: whitespace, quote marks, dashes, accents
and case made alike, with a map back to the original offsets (pure).

Grounding places quotes with it, and the extraction schema checks a model's quotes with the
same folding; it lives apart from both so that neither stage imports the other.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import cached_property

_CHAR_MAP = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u2032": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u201f": '"',
    "\u2033": '"',
    "\u00ab": '"',
    "\u00bb": '"',
    "\u2013": "-",
    "\u2014": "-",
    "\u2012": "-",
    "\u2212": "-",
    "\u2010": "-",
    "\u2011": "-",
    "\u2026": "...",
}


class NormalisedText:
    """A text folded for matching, with a map from each folded character to the original.

    The text is folded on first use: most quotes are found exactly and never need it, and
    folding costs about a third of a microsecond a character."""

    def __init__(self, text: str) -> None:
        self.original = text

    @property
    def text(self) -> str:
        return self._folded[0]

    @property
    def origin(self) -> list[int]:
        return self._folded[1]

    @cached_property
    def _folded(self) -> tuple[str, list[int]]:
        # Each distinct character is folded once; the text goes through str.translate, and
        # only expanding characters ("…" → "...") and runs of two or more spaces are visited
        # one by one. A Python loop over every character was the quote check's largest cost
        # on a model's reply (issue #18).
        original = self.original
        folds = {char: _fold(char) for char in set(original)}
        if any(len(folded) > 1 and " " in folded for folded in folds.values()):
            return _fold_each_character(original, folds)  # a space inside an expansion: rare
        full = original.translate({ord(char): folded for char, folded in folds.items()})
        expanding = "".join(re.escape(char) for char, folded in folds.items() if len(folded) > 1)
        full_origin: Sequence[int] = range(len(original))
        if expanding:
            full_origin = []
            position = 0
            for found in re.finditer(f"[{expanding}]", original):
                full_origin.extend(range(position, found.start()))
                full_origin.extend([found.start()] * len(folds[found.group()]))
                position = found.end()
            full_origin.extend(range(position, len(original)))
        pieces: list[str] = []
        origin: list[int] = []
        kept = 0
        # Leading spaces go; a run of spaces keeps its first.
        for run in _SPACES_TO_DROP.finditer(full):
            drop_from = run.start() if run.start() == 0 else run.start() + 1
            pieces.append(full[kept:drop_from])
            origin.extend(full_origin[kept:drop_from])
            kept = run.end()
        pieces.append(full[kept:])
        origin.extend(full_origin[kept:])
        return "".join(pieces), origin

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        return self.origin[start], self.origin[end - 1] + 1


_SPACES_TO_DROP = re.compile(r"^ +| {2,}")


def _fold_each_character(text: str, folds: dict[str, str]) -> tuple[str, list[int]]:
    chars: list[str] = []
    origin: list[int] = []
    previous_space = True
    for position, char in enumerate(text):
        folded = folds[char]
        if folded == " ":
            if previous_space:
                continue
            previous_space = True
        else:
            previous_space = False
        chars.append(folded)
        origin.extend([position] * len(folded))
    return "".join(chars), origin


def _fold(char: str) -> str:
    if char.isspace() or char in "\u00a0\u202f\u2009":
        return " "
    char = _CHAR_MAP.get(char, char)
    if len(char) == 1 and ord(char) > 127:
        decomposed = unicodedata.normalize("NFKD", char)
        char = "".join(c for c in decomposed if not unicodedata.combining(c)) or char
    return char.lower()


def normalise_for_match(text: str) -> str:
    return NormalisedText(text).text.strip()
