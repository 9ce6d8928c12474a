"""Split a long article into chunks at sentence boundaries, with overlap (pure).

A chunk never holds more than its budget of characters: a sentence longer than the budget
is cut at the last whitespace that fits, and a run of text without whitespace is cut hard.
"""

from __future__ import annotations

from synth.text import Span, split_sentences


def chunk_text(text: str, max_chars: int, overlap_chars: int) -> list[str]:
    """Chunks of at most `max_chars`, each starting with up to `overlap_chars` of whole
    pieces (sentences, or parts of a sentence too long for a chunk) from the end of the
    previous chunk."""
    if len(text) <= max_chars:
        return [text]
    pieces = [text[s.start : s.end] for s in bounded_spans(text, max_chars)]
    chunks: list[str] = []
    current: list[str] = []
    size = 0  # each piece counts its length and one space
    for piece in pieces:
        if current and size + len(piece) + 1 > max_chars:
            chunks.append(" ".join(current))
            carried: list[str] = []
            carried_size = 0
            for previous in reversed(current):
                if carried_size + len(previous) + 1 > overlap_chars:
                    break
                carried.insert(0, previous)
                carried_size += len(previous) + 1
            # The overlap gives way to the new piece when both do not fit.
            while carried and carried_size + len(piece) + 1 > max_chars:
                carried_size -= len(carried.pop(0)) + 1
            current, size = carried, carried_size
        current.append(piece)
        size += len(piece) + 1
    if current:
        chunks.append(" ".join(current))
    return chunks


def bounded_spans(text: str, max_chars: int, start: int = 0, end: int | None = None) -> list[Span]:
    """The sentences of text[start:end], each longer than `max_chars` cut into parts that
    fit: at the last whitespace within the limit, else (a run without whitespace) at the
    limit itself."""
    spans: list[Span] = []
    for sentence in split_sentences(text, start, end):
        position = sentence.start
        while sentence.end - position > max_chars:
            limit = position + max_chars
            cut = limit  # the first character that does not fit, or whitespace before it
            while cut > position and not text[cut].isspace():
                cut -= 1
            if cut == position:
                cut = limit
            spans.append(Span(position, _before_space(text, position, cut)))
            position = _after_space(text, cut, sentence.end)
        if position < sentence.end:
            spans.append(Span(position, sentence.end))
    return spans


def _before_space(text: str, start: int, end: int) -> int:
    while end > start + 1 and text[end - 1].isspace():
        end -= 1
    return end


def _after_space(text: str, start: int, end: int) -> int:
    while start < end and text[start].isspace():
        start += 1
    return start


def within_chars(text: str, span: Span, max_chars: int) -> list[Span]:
    """`span` as it is when it fits in `max_chars`, else cut into runs of whole sentences (or
    of the parts `bounded_spans` cuts a longer sentence into) that each fit."""
    if span.end - span.start <= max_chars:
        return [span]
    runs: list[Span] = []
    for piece in bounded_spans(text, max_chars, span.start, span.end):
        if runs and piece.end - runs[-1].start <= max_chars:
            runs[-1] = Span(runs[-1].start, piece.end)
        else:
            runs.append(piece)
    return runs
