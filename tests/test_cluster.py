"""Clustering: the candidate loop gives exactly the groups the plain pairwise loop gave."""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict

from rapidfuzz import fuzz

from synth.cluster import (
    MAX_CANDIDATES_PER_WORD,
    NEAR_DUPLICATE_SCORE,
    RARE_WORDS_PER_CLAIM,
    group_near_duplicates,
    same_point,
)
from synth.load import load_sources
from synth.models import Claim
from synth.text import content_words, split_sentences, stem
from tests.conftest import QUAKE, TROOPS


def reference_groups(claims: list[Claim]) -> list[list[str]]:
    """The loop as first written (before it was made faster), without the denial step, with
    the paraphrase rule (same_point) beside rapidfuzz's score."""
    words = [sorted(set(content_words(c.statement))) for c in claims]
    frequency: Counter[str] = Counter(w for ws in words for w in ws)
    stems = [frozenset(stem(w) for w in ws) for ws in words]
    stem_frequency: Counter[str] = Counter(w for ws in stems for w in ws)
    weight = {w: math.log((len(claims) + 1) / n) for w, n in stem_frequency.items()}
    parent = list(range(len(claims)))

    def find(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    index: dict[str, list[int]] = defaultdict(list)
    for i, claim_words in enumerate(words):
        rare = sorted(claim_words, key=lambda w: (frequency[w], w))[:RARE_WORDS_PER_CLAIM]
        compared: set[int] = set()
        for word in rare:
            for j in index[word][-MAX_CANDIDATES_PER_WORD:]:
                if j in compared or find(i) == find(j):
                    continue
                compared.add(j)
                if fuzz.token_set_ratio(claims[i].statement, claims[j].statement) >= NEAR_DUPLICATE_SCORE or (
                    claims[i].source_id != claims[j].source_id and same_point(stems[i], stems[j], weight)
                ):
                    parent[find(i)] = find(j)
            index[word].append(i)
    groups: dict[int, list[str]] = {}
    for i, claim in enumerate(claims):
        groups.setdefault(find(i), []).append(claim.id)
    return list(groups.values())


def story_claims(count: int, seed: int) -> list[Claim]:
    """Sentences of both example stories, repeated verbatim, reworded, and mixed up."""
    sources = load_sources([TROOPS, QUAKE]).sources
    sentences = [
        " ".join(s.text[span.start : span.end].split()) for s in sources for span in split_sentences(s.text)
    ]
    sentences = [s for s in sentences if len(s.split()) >= 5]
    rng = random.Random(seed)
    claims = []
    for number in range(1, count + 1):
        words = rng.choice(sentences).split()
        roll = rng.random()
        if roll < 0.4:  # reworded: a word dropped, a word added
            del words[rng.randrange(len(words))]
            words.insert(rng.randrange(len(words) + 1), rng.choice(("reportedly", "Monday", "also")))
        elif roll < 0.6:  # two sentences mixed: a candidate that should not match
            words = words[: len(words) // 2] + rng.choice(sentences).split()[len(words) // 2 :]
        statement = " ".join(words)
        claims.append(
            Claim(
                id=f"C{number}",
                source_id=f"S{number % 40}",
                statement=statement,
                quote=statement,
                start=0,
                end=len(statement),
            )
        )
    return claims


def test_near_duplicate_groups_are_those_of_the_pairwise_loop():
    for count, seed in ((300, 1), (3000, 2)):
        claims = story_claims(count, seed)
        groups = [g.claim_ids for g in group_near_duplicates(claims)]
        assert groups == reference_groups(claims)
        assert len(groups) < count / 2  # there were near-duplicates to find
