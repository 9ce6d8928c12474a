"""Place every claim's quote in its source and compute its offsets (pure).

Matching goes exact → normalised (whitespace, quote marks, dashes, case) → fuzzy (rapidfuzz
alignment at or above FUZZY_MIN_SCORE). A placed claim's quote is replaced by the source's
own text at [start, end), so `quote == source.text[start:end]` always holds. A quote that
cannot be placed is dropped and counted: a model's invention never reaches the report.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from synth.extract import ClaimDraft
from synth.folding import NormalisedText, normalise_for_match
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


def ground_claims(drafts_by_source: dict[str, list[ClaimDraft]], sources: Sequence[Source]) -> GroundResult:
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
            quote = source.text[placement.start : placement.end]
            statement, quantities = _as_stated(draft.statement, draft.quantities, quote)
            context = source.text[max(0, placement.start - CONTEXT_CHARS) : placement.end + CONTEXT_CHARS]
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
            claims.append(
                Claim(
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
                )
            )
    return GroundResult(claims, dropped, repeats, replaced, unnamed)


def _as_stated(statement: str, quantities: list[Quantity], quote: str) -> tuple[str, list[Quantity]]:
    """The statement and figures a placed quote supports. A number the quote does not state
    is the extractor's, not the source's (a model's slip, or a figure an article's injected
    instruction asked for), so such a figure is dropped and such a statement gives way to
    the quote's own words."""
    stated = [v for m in find_numbers(quote) for v in (m.value, m.value_max) if v is not None]

    def is_stated(value: float) -> bool:
        return is_figure(value) and any(math.isclose(value, s, rel_tol=1e-9) for s in stated)

    # A time of day is stated when its words are ("12:21 a.m."): its value is in hours.
    kept = [
        q
        for q in quantities
        if (is_stated(q.value) and (q.value_max is None or is_stated(q.value_max)))
        or (q.unit in TIME_POINT_UNITS and q.text and q.text in quote and is_figure(q.value))
    ]
    in_statement = (
        []
        if statement.strip() == quote.strip()
        else [v for m in find_numbers(statement) for v in (m.value, m.value_max) if v is not None]
    )
    return (statement if all(map(is_stated, in_statement)) else quote), kept


def place_quote(
    quote: str, text: str, hint: int | None = None, index: NormalisedText | None = None
) -> Placement | None:
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
