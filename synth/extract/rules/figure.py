"""A figure as read from one sentence, the parts of its scope, and what an article has said
so far (pure data)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from synth.models import Qualifier, Quantity

if TYPE_CHECKING:
    from spacy.tokens import Span


# A scope part names what narrows a figure: ("nationality", "Chinese"), ("owner", "Syriza"),
# ("place", "at O'Hare"), ("event", "in 1906"), … Nationalities are kept apart until the whole
# story is read: the one most of a unit's figures carry is the story's own, not a subset.
ScopePart = tuple[str, str]
NATIONALITY = "nationality"


@dataclass
class Figure:
    """A figure as read from one sentence, before the story-wide pass settles its scope."""

    value: float
    value_max: float | None
    unit: str
    parts: list[ScopePart]
    qualifier: Qualifier
    time_ref: str | None
    text: str

    def quantity(self, story_nationalities: frozenset[str] = frozenset()) -> Quantity:
        kept = [
            text
            for kind, text in self.parts
            if kind != NATIONALITY or text.lower() not in story_nationalities
        ]
        return Quantity(
            value=self.value,
            value_max=self.value_max,
            unit=self.unit,
            scope="; ".join(dict.fromkeys(p for p in kept if p)) or None,
            qualifier=self.qualifier,
            time_ref=self.time_ref,
            text=self.text,
        )


@dataclass
class FigureMemory:
    """What an article has said so far: its latest figure, for a later number that leaves
    its noun out, and the sites it named by kind ('airport' → 'Midway International
    Airport'), for a later 'the airport'."""

    last_unit: str | None = None
    sentences_since: int = 0
    sites: dict[str, str] = field(default_factory=dict)
    recent: list[Figure] = field(default_factory=list)  # the last few figures, oldest first

    def remember_sites(self, sentence: Span) -> None:
        for entity in sentence.ents:
            if entity.label_ == "FAC" and len(entity) > 1:
                self.sites[entity[-1].lower_] = re.sub(r"^(?:the|The)\s+", "", entity.text)
