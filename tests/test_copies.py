from __future__ import annotations

from synth.copies import COPY_CONTAINMENT, is_copy, prose_shingles, similarity


def test_shingles_leave_out_figures_quoted_speech_and_paragraph_breaks():
    shingles = prose_shingles(
        [
            'The council said 400 residents "had nowhere else to go tonight" and opened the hall.',
            "A second paragraph starts here and runs on",
        ]
    )
    words = {word for shingle in shingles for word in shingle}
    assert "400" not in words and "nowhere" not in words
    # No shingle spans the removed quote or the break between paragraphs.
    assert ("residents", "and", "opened", "the", "hall") not in shingles
    assert not any("hall" in s and "second" in s for s in shingles)
    assert ("the", "council", "said", "residents") not in shingles  # four words only, no shingle
    assert ("a", "second", "paragraph", "starts", "here") in shingles


def test_a_unit_conversion_keeps_the_prose_around_it():
    inches = prose_shingles(["Officials said 8 inches (20 centimeters) of snow fell in the town overnight."])
    metric = prose_shingles(["Officials said 20 centimetres of snow fell in the town overnight."])
    assert ("of", "snow", "fell", "in", "the") in inches & metric


def test_containment_is_measured_against_the_shorter_text():
    short = prose_shingles(["one two three four five six seven eight"])
    longer = prose_shingles(["one two three four five six seven eight nine ten eleven twelve"])
    found = similarity(short, longer)
    assert found.containment == 1.0
    assert 0 < found.jaccard < 1


def test_a_copy_needs_enough_prose_and_enough_of_it_shared():
    assert not is_copy(shared=10, size_a=10, size_b=10)  # too short to tell
    assert is_copy(shared=30, size_a=100, size_b=200) == (30 / 100 >= COPY_CONTAINMENT)
    assert not is_copy(shared=5, size_a=100, size_b=200)
