"""The Extractor protocol: cleaned articles in, claim drafts out (no I/O of its own).

Two implementations plug in here: `offline` (rules, no network, the default) and `llm`
(a model through openai + instructor). Drafts are not trusted: the ground stage places
every quote in its source and drops what it cannot find.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from synth.clean import CleanDocument
from synth.models import Problem, Quantity, Stance, Usage
from synth.progress import ProgressCallback

__all__ = ["ClaimDraft", "ExtractionBatch", "Extractor", "ProgressCallback"]


@dataclass
class ClaimDraft:
    """A claim as an extractor proposes it, before synth has found its quote in the source."""

    source_id: str
    statement: str
    quote: str
    attributed_to: str | None = None
    stance: Stance = "reported"
    quantities: list[Quantity] = field(default_factory=list)
    dates: list[str] = field(default_factory=list)
    extractor: str = "offline"
    # Where the extractor found the quote, when it knows; ground checks it, never trusts it.
    start_hint: int | None = None
    # The outlet or agency the speaker relays ("…, citing Yonhap").
    cited_origin: str | None = None


@dataclass
class ExtractionBatch:
    drafts: dict[str, list[ClaimDraft]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)


class Extractor(Protocol):
    name: str
    model: str | None

    def extract(
        self,
        documents: Sequence[CleanDocument],
        story_words: frozenset[str],
        progress: ProgressCallback | None = None,
    ) -> ExtractionBatch:
        """Claim drafts for every document; one article's failure goes to `problems`.
        `progress` hears Progress("extract", articles done, articles) as articles finish."""
        ...
