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


def test_text_without_sentence_punctuation_is_cut_at_whitespace_within_the_limit():
    words = [f"word{i}" for i in range(3000)]
    text = " ".join(words)  # no sentence ends: one "sentence" of 26,000 characters
    chunks = chunk_text(text, 500, 120)
    assert len(chunks) > 50 and all(len(c) <= 500 for c in chunks)
    assert " ".join(chunks).split() == words  # every word once, none cut in two


def test_a_run_without_whitespace_is_cut_hard():
    text = "x" * 5000 + " tail."
    chunks = chunk_text(text, 500, 100)
    assert all(len(c) <= 500 for c in chunks)
    assert "".join(chunks).replace(" ", "") == text.replace(" ", "")


def test_the_overlap_gives_way_when_it_and_the_next_sentence_do_not_fit():
    short = "Short one."
    long = "L" * 440 + "."
    chunks = chunk_text(" ".join([short] * 20 + [long, short]), 500, 200)
    # Up to 200 characters of short sentences would be carried; 5 fit beside the long one.
    assert [len(c) for c in chunks] == [219, 496, 10]
    assert chunks[1] == " ".join([short] * 5 + [long])


def test_blocks_too_long_to_parse_are_cut_into_runs_of_whole_sentences():
    from synth.chunking import within_chars
    from synth.text import Span

    sentence = "Officials said 3,000 troops arrived in Kursk on Monday, the ministry said. "
    text = "Heading\n" + sentence * 200
    block = Span(8, len(text) - 1)
    assert within_chars(text, Span(0, 7), 1000) == [Span(0, 7)]
    runs = within_chars(text, block, 1000)
    assert all(r.end - r.start <= 1000 for r in runs) and len(runs) == 16
    assert runs[0].start == block.start and runs[-1].end == block.end
    assert all(text[r.start : r.end].endswith("said.") for r in runs)
