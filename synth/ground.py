"""Place every claim's quote in its source and compute its offsets (pure).

Matching goes exact → normalised (whitespace, quote marks, dashes, case) → fuzzy (rapidfuzz
alignment at or above FUZZY_MIN_SCORE). A placed claim's quote is replaced by the source's
own text at [start, end), so `quote == source.text[start:end]` always holds. A quote that
cannot be placed is dropped and counted: a model's invention never reaches the report.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from rapidfuzz import fuzz

from synth.extract import ClaimDraft
from synth.models import Claim, MatchKind, Quantity, Source
from synth.numbers import find_numbers, is_figure
from synth.support import instruction_like, speaker_named, statement_supported
from synth.units import TIME_POINTS as TIME_POINT_UNITS

# Below this rapidfuzz score (0–100) a fuzzy match is a different sentence, not a misquote.
FUZZY_MIN_SCORE = 90.0
# Quotes shorter than this are too unspecific to place ("3,000", "he said").
MIN_QUOTE_CHARS = 12
# A fuzzy span may differ from the quote's length by at most this share.
FUZZY_MAX_LENGTH_DRIFT = 0.25

_CHAR_MAP = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u00ab": '"', "\u00bb": '"', "\u2013": "-", "\u2014": "-", "\u2012": "-", "\u2212": "-",
    "\u2010": "-", "\u2011": "-", "\u2026": "...",
}


@dataclass(frozen=True)
class Placement:
    start: int
    end: int
    match: MatchKind


@dataclass
class GroundResult:
    claims: list[Claim]
    dropped: list[ClaimDraft]
    repeats: int = 0  # drafts placed on a span an earlier draft already holds
    statements_replaced: int = 0  # statements their quote did not support
    speakers_dropped: int = 0  # speakers the article does not name

# How much text around a quote a statement may draw on ("…, he said" in the next sentence).
CONTEXT_CHARS = 400


def ground_claims(drafts_by_source: dict[str, list[ClaimDraft]],
                  sources: Sequence[Source]) -> GroundResult:
    """Claims C1…Cn for every draft whose quote is found in its source, in source order."""
    by_id = {source.id: source for source in sources}
    claims: list[Claim] = []
    dropped: list[ClaimDraft] = []
    repeats = replaced = unnamed = 0
    for source in sources:
        index = NormalisedText(source.text)
        seen: set[tuple[int, int]] = set()
        for draft in drafts_by_source.get(source.id, []):
            placement = place_quote(draft.quote, source.text, draft.start_hint, index)
            if placement is None or draft.source_id not in by_id:
                dropped.append(draft)
                continue
            span = (placement.start, placement.end)
            if span in seen:
                repeats += 1  # the same sentence proposed twice (overlapping chunks)
                continue
            seen.add(span)
            quote = source.text[placement.start:placement.end]
            statement, quantities = _as_stated(draft.statement, draft.quantities, quote)
            context = source.text[max(0, placement.start - CONTEXT_CHARS):
                                  placement.end + CONTEXT_CHARS]
            if statement != quote and not statement_supported(statement, quote, context):
                statement = quote  # words the source does not say are the extractor's
                replaced += 1
            speaker = draft.attributed_to
            if speaker and not speaker_named(speaker, source.text):
                speaker = None  # a speaker the article never names is invented
                unnamed += 1
            flags = ["instruction"] if instruction_like(quote) else []
            if flags:
                quantities = []  # an instruction to a model states no figure of the story
            claims.append(Claim(
                id=f"C{len(claims) + 1}",
                source_id=source.id,
                statement=statement,
                quote=quote,
                start=placement.start,
                end=placement.end,
                attributed_to=speaker,
                cited_origin=draft.cited_origin,
                stance=draft.stance,
                quantities=quantities,
                dates=draft.dates,
                match=placement.match,
                extractor=draft.extractor,
                flags=flags,
            ))
    return GroundResult(claims, dropped, repeats, replaced, unnamed)


def _as_stated(statement: str, quantities: list[Quantity],
               quote: str) -> tuple[str, list[Quantity]]:
    """The statement and figures a placed quote supports. A number the quote does not state
    is the extractor's, not the source's (a model's slip, or a figure an article's injected
    instruction asked for), so such a figure is dropped and such a statement gives way to
    the quote's own words."""
    stated = [v for m in find_numbers(quote) for v in (m.value, m.value_max) if v is not None]

    def is_stated(value: float) -> bool:
        return is_figure(value) and any(math.isclose(value, s, rel_tol=1e-9) for s in stated)

    # A time of day is stated when its words are ("12:21 a.m."): its value is in hours.
    kept = [q for q in quantities
            if (is_stated(q.value) and (q.value_max is None or is_stated(q.value_max))) or
            (q.unit in TIME_POINT_UNITS and q.text and q.text in quote and is_figure(q.value))]
    in_statement = [] if statement.strip() == quote.strip() else \
        [v for m in find_numbers(statement) for v in (m.value, m.value_max) if v is not None]
    return (statement if all(map(is_stated, in_statement)) else quote), kept


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


def place_quote(quote: str, text: str, hint: int | None = None,
                index: NormalisedText | None = None) -> Placement | None:
    """Where `quote` stands in `text`, or None. Offsets are Python str indices into `text`."""
    quote = quote.strip()
    if len(quote) < MIN_QUOTE_CHARS:
        return None
    if hint is not None and text.startswith(quote, hint):
        return Placement(hint, hint + len(quote), "exact")
    found = text.find(quote)
    if found >= 0:
        return Placement(found, found + len(quote), "exact")
    index = index or NormalisedText(text)
    needle = normalise_for_match(quote)
    if len(needle) < MIN_QUOTE_CHARS:
        return None
    found = index.text.find(needle)
    if found >= 0:
        start, end = index.to_original(found, found + len(needle))
        return Placement(start, end, "normalised")
    return _fuzzy(needle, index, text)


def _fuzzy(needle: str, index: NormalisedText, text: str) -> Placement | None:
    alignment = fuzz.partial_ratio_alignment(needle, index.text, score_cutoff=FUZZY_MIN_SCORE)
    if alignment is None:
        return None
    start, end = alignment.dest_start, alignment.dest_end
    # Trim the aligned window to whole words and reject one far shorter than the quote.
    while start < end and index.text[start] == " ":
        start += 1
    while end > start and index.text[end - 1] == " ":
        end -= 1
    if end - start < len(needle) * (1 - FUZZY_MAX_LENGTH_DRIFT):
        return None
    original_start, original_end = index.to_original(start, end)
    # An alignment can begin or end mid-word; a quote is whole words.
    while original_start > 0 and text[original_start - 1].isalnum():
        original_start -= 1
    while original_end < len(text) and text[original_end].isalnum():
        original_end += 1
    return Placement(original_start, original_end, "fuzzy")
