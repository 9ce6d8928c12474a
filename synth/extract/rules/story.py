"""What the articles of one story share: its places, names and year (pure).

A figure's place only narrows what it counts when the place is not the story's own ("at
O'Hare" in a story about a storm across several states; not "in Montreal" in a story about
one fire in Montreal). The story's own places and names are those most articles mention.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from synth.extract.rules.nlp import lemma

if TYPE_CHECKING:
    from spacy.tokens import Doc

PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})
NAME_LABELS = frozenset({"PERSON", "ORG", "NORP", "PRODUCT", "EVENT", "GPE", "LOC", "FAC"})


@dataclass(frozen=True)
class StoryProfile:
    common_places: frozenset[str] = frozenset()
    common_names: frozenset[str] = frozenset()
    # Nouns (lemmas) nearly every article uses: the story's own subject ("quake", "fire").
    common_nouns: frozenset[str] = frozenset()
    year: int | None = None
    documents: int = 0


def entity_key(text: str) -> str:
    """A name folded for comparison: 'the U.S.' → 'us', "Japan's" → 'japan'."""
    key = text.lower().replace("’", "'")
    key = re.sub(r"^the\s+", "", key)
    key = re.sub(r"'s$", "", key)
    key = key.replace(".", "")
    return re.sub(r"\s+", " ", key).strip()


@dataclass
class _Mentions:
    places: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)
    nouns: set[str] = field(default_factory=set)
    years: Counter[int] = field(default_factory=Counter)


def story_profile(documents: Sequence[Sequence[Doc]]) -> StoryProfile:
    """The profile of a story from each article's parsed blocks. A place or name counts as
    the story's when at least half of the articles (and two) mention it; with one article,
    everything it mentions is its own."""
    per_document = []
    for blocks in documents:
        mentions = _Mentions()
        for doc in blocks:
            mentions.nouns.update(lemma(t) for t in doc if t.pos_ == "NOUN" and t.is_alpha)
            for entity in doc.ents:
                key = entity_key(entity.text)
                if entity.label_ in PLACE_LABELS:
                    mentions.places.add(key)
                if entity.label_ in NAME_LABELS:
                    mentions.names.add(key)
                if entity.label_ == "DATE":
                    mentions.years.update(int(y) for y in re.findall(r"\b((?:19|20)\d\d)\b", entity.text))
        per_document.append(mentions)
    if not per_document:
        return StoryProfile()
    needed = 1 if len(per_document) == 1 else max(2, math.ceil(len(per_document) / 2))
    # A place is the story's own when nearly every article names it; one that only some
    # name may be one site among several ("at O'Hare" beside "at Midway").
    own_place = 1 if len(per_document) == 1 else max(2, math.ceil(len(per_document) * 0.75))
    place_counts = Counter(p for m in per_document for p in m.places)
    name_counts = Counter(n for m in per_document for n in m.names)
    noun_counts = Counter(n for m in per_document for n in m.nouns)
    year_counts: Counter[int] = Counter()
    for m in per_document:
        year_counts.update(set(m.years))
    years = [y for y, n in year_counts.items() if n >= needed]
    return StoryProfile(
        common_places=frozenset(p for p, n in place_counts.items() if n >= own_place),
        common_names=frozenset(n for n, c in name_counts.items() if c >= needed),
        common_nouns=frozenset(n for n, c in noun_counts.items() if c >= own_place),
        year=max(years) if years else None,
        documents=len(per_document),
    )
