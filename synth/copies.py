"""Tell a republished copy from an independent article by the prose they share (pure).

An agency story republished by two sites keeps most of its wording through the edits each
site makes (spelling, unit conversions, a changed sentence), and a later version of one
outlet's story keeps whole paragraphs of the earlier one. Independent articles about the same
story share names and many words, but rarely a run of five words outside quotation marks: the
words they share verbatim are the speakers' (a minister's statement, a press release quoted
by everyone). So the measure is word 5-gram shingles of each article's prose, with quoted
speech and figures left out, compared by containment (the shared share of the shorter one)
and Jaccard.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

SHINGLE_WORDS = 5
# Containment of the shorter article's prose shingles in the other's above which it is a
# copy. Measured (BENCHMARKS.md, "Clean"): republished or re-versioned articles 0.19–1.00,
# independent articles of the same story at most 0.10.
COPY_CONTAINMENT = 0.15
# Too little prose to tell: an article with fewer shingles is never called a copy.
MIN_SHINGLES = 20
# A shingle held by more than this share of the articles (and more than this many) is a stock
# phrase of the story or the site. Sets of up to ten articles have none.
STOCK_SHINGLE_SHARE = 0.1
STOCK_SHINGLE_MIN_HOLDERS = 10

# Letters only: a unit conversion ("7.5 inches (19 centimetres)" → "19 centimetres") changes
# figures, not the prose around them.
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
# Quoted speech: double quotes (straight, curly, or two single quotes as some sites write
# them) up to the closing mark or the end of the paragraph, and curly single quotes around
# more than a few words. Straight single quotes are left alone: they are apostrophes too.
_QUOTED = re.compile(r"\"[^\"\n]*\"?|“[^”\n]*”?|''.*?(?:''|$)|‘[^’\n]{20,}?’", re.MULTILINE)


@dataclass(frozen=True)
class Similarity:
    containment: float  # shared shingles / shingles of the shorter article
    jaccard: float  # shared shingles / shingles of either


def prose_shingles(paragraphs: Iterable[str]) -> frozenset[tuple[str, ...]]:
    """Word 5-grams of the paragraphs' prose: lower-cased words, no figures, no quoted
    speech, and no shingle across a paragraph or a removed quote."""
    shingles: set[tuple[str, ...]] = set()
    for paragraph in paragraphs:
        for piece in _QUOTED.split(paragraph.lower()):
            words = _WORD.findall(piece.replace("’", "'"))
            shingles.update(zip(*(words[i:] for i in range(SHINGLE_WORDS)), strict=False))
    return frozenset(shingles)


def similarity(a: frozenset[tuple[str, ...]], b: frozenset[tuple[str, ...]]) -> Similarity:
    return similarity_of_counts(len(a & b), len(a), len(b))


def similarity_of_counts(shared: int, size_a: int, size_b: int) -> Similarity:
    """The similarity of two shingle sets of these sizes that have `shared` in common."""
    if not size_a or not size_b:
        return Similarity(0.0, 0.0)
    return Similarity(shared / min(size_a, size_b), shared / (size_a + size_b - shared))


def is_copy(shared: int, size_a: int, size_b: int) -> bool:
    """Whether two articles are one text republished or re-versioned, not two reports."""
    if min(size_a, size_b) < MIN_SHINGLES:
        return False
    return similarity_of_counts(shared, size_a, size_b).containment >= COPY_CONTAINMENT


Shingles = frozenset[tuple[str, ...]]


def find_originals(articles: Sequence[Shingles]) -> list[int | None]:
    """For each article in order, the index of the earlier article it is a copy of (the one
    it shares most prose with), or None.

    Shared shingles are counted through an index from shingle to the earlier articles that
    hold it. A copy adds to the index only the shingles no earlier article holds (its own
    edits): its other shingles lead to its original already. So the cost follows what the
    independent articles share, and fifty copies of one wire story cost no more than one.
    """
    sizes = [len(shingles) for shingles in articles]
    holders: dict[tuple[str, ...], list[int]] = defaultdict(list)
    originals: list[int | None] = []
    for index, shingles in enumerate(articles):
        shared: dict[int, int] = {}
        for shingle in shingles:
            for earlier in holders.get(shingle, ()):
                shared[earlier] = shared.get(earlier, 0) + 1
        best: tuple[float, int] | None = None
        for earlier, count in shared.items():
            if is_copy(count, sizes[index], sizes[earlier]):
                score = count / min(sizes[index], sizes[earlier])
                if best is None or score > best[0]:
                    best = (score, earlier)
        originals.append(best[1] if best else None)
        for shingle in shingles:
            if best is None or shingle not in holders:
                holders[shingle].append(index)
    return originals
