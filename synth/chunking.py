"""Split a long article into chunks at sentence boundaries, with overlap (pure)."""

from __future__ import annotations

from synth.text import split_sentences


def chunk_text(text: str, max_chars: int, overlap_chars: int) -> list[str]:
    """Chunks of at most `max_chars` (a single longer sentence stands alone), each starting
    with up to `overlap_chars` of whole sentences from the end of the previous chunk."""
    if len(text) <= max_chars:
        return [text]
    sentences = [text[s.start:s.end] for s in split_sentences(text)]
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for sentence in sentences:
        if current and size + len(sentence) + 1 > max_chars:
            chunks.append(" ".join(current))
            carried: list[str] = []
            carried_size = 0
            for previous in reversed(current):
                if carried_size + len(previous) + 1 > overlap_chars:
                    break
                carried.insert(0, previous)
                carried_size += len(previous) + 1
            current, size = carried, carried_size
        current.append(sentence)
        size += len(sentence) + 1
    if current:
        chunks.append(" ".join(current))
    return chunks
