from __future__ import annotations

from synth.chunking import chunk_text


def test_short_text_is_one_chunk():
    assert chunk_text("One. Two.", 1000, 100) == ["One. Two."]


def test_chunks_break_at_sentences_stay_under_the_limit_and_overlap():
    sentences = [f"Sentence number {i} says that {i * 100} troops moved." for i in range(40)]
    text = " ".join(sentences)
    chunks = chunk_text(text, 500, 120)
    assert len(chunks) > 3
    assert all(len(c) <= 500 for c in chunks)
    for chunk in chunks:
        assert chunk.endswith("moved.") and chunk.startswith("Sentence number")
    for previous, following in zip(chunks, chunks[1:], strict=False):
        assert previous.split(". ")[-1] in following  # the last sentence is carried over
    assert all(s in " ".join(chunks) for s in sentences)
