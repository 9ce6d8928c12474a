"""One parsed sentence → one claim draft: its figures, speaker, stance and dates (pure).

Every sentence of the story's body is a claim of its source: what the outlet or a speaker
asserts. Headlines, captions and fragments are not (they are short, or have no verb), nor
are questions. The figures and the speaker are what reconcile compares.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from synth.dates import find_dates
from synth.extract import ClaimDraft
from synth.extract.rules.figure import Figure, FigureMemory
from synth.extract.rules.figures import figures_in
from synth.extract.rules.speakers import SpeakerMemory, attribute
from synth.extract.rules.story import StoryProfile

if TYPE_CHECKING:
    from spacy.tokens import Span

# Shorter sentences are headlines or fragments, not claims.
MIN_CLAIM_WORDS = 5
_DATELINE = re.compile(r"^[A-Z][A-Z .,'’/-]{2,40}\s*(?:\([^)]{1,40}\)\s*)?(?:[—–-]+|:)\s*")


def claim_from_sentence(
    sentence: Span,
    offset: int,
    source_id: str,
    story: StoryProfile,
    memory: SpeakerMemory,
    figure_memory: FigureMemory,
    reference_year: int | None,
    fallback_speaker: str | None,
) -> tuple[ClaimDraft, list[Figure]] | None:
    """The claim a sentence makes and its figures (their scope not yet settled), or None for
    a fragment or a question. `offset` is where the sentence's doc starts in the source."""
    attribution = attribute(sentence, memory)
    figures = figures_in(sentence, story, reference_year, figure_memory)
    text = sentence.text.strip()
    if len(text.split()) < MIN_CLAIM_WORDS or text.rstrip("\"”’' )").endswith("?"):
        return None
    if not any(t.pos_ in ("VERB", "AUX") for t in sentence):
        return None
    start = offset + sentence.start_char + (len(sentence.text) - len(sentence.text.lstrip()))
    draft = ClaimDraft(
        source_id=source_id,
        statement=statement_of(text),
        quote=text,
        attributed_to=attribution.speaker,
        stance=attribution.stance,
        dates=[d.iso or d.text for d in find_dates(text)],
        extractor="offline",
        start_hint=start,
        # "Source: GWS" under an article: what it says in its own voice is the wire's.
        cited_origin=attribution.cited or (None if attribution.speaker else fallback_speaker),
    )
    return draft, figures


def statement_of(sentence: str) -> str:
    """The sentence as a reader would quote it: dateline off, whitespace single."""
    statement = _DATELINE.sub("", sentence)
    statement = re.sub(r"[\s\u00a0]+", " ", statement).strip()
    return statement[:1].upper() + statement[1:]
