"""The offline extractor: deterministic rules, no network (pure).

It proposes a claim for each story sentence that states a countable quantity, or that a
named speaker denies or confirms. It reads numbers, units, dates, speakers and hedges well
enough to surface conflicting figures; it does not understand paraphrase, coreference
beyond "he/she said", or claims made without numbers or reporting verbs. A model does better.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from synth.attribution import find_speaker, is_pronoun, source_line_speaker, stance_of
from synth.clean import CleanDocument, story_share
from synth.dates import find_dates
from synth.extract import ClaimDraft, ExtractionBatch, ProgressCallback
from synth.models import Usage
from synth.quantities import quantities_in
from synth.text import ends_like_sentence, split_sentences

# Shorter sentences are headlines or fragments, not claims.
MIN_CLAIM_WORDS = 5
_DATELINE = re.compile(r"^[A-Z][A-Z .,'’/-]{2,40}\s*(?:\([^)]{1,40}\)\s*)?[—–-]+\s*")


class OfflineExtractor:
    name = "offline"
    model: str | None = None

    def extract(self, documents: Sequence[CleanDocument], story_words: frozenset[str],
                progress: ProgressCallback | None = None) -> ExtractionBatch:
        batch = ExtractionBatch(usage=Usage(extractor=self.name))
        for done, document in enumerate(documents, 1):
            batch.drafts[document.source.id] = extract_claims(document, story_words)
            if progress:
                progress(done, len(documents), document.source.id)
        return batch


def extract_claims(document: CleanDocument, story_words: frozenset[str]) -> list[ClaimDraft]:
    """Claim drafts from one cleaned article, in text order."""
    text = document.source.text
    fallback_speaker = source_line_speaker(text)
    last_named: str | None = None
    drafts: list[ClaimDraft] = []
    for block in document.blocks:
        block_text = text[block.start:block.end]
        if not ends_like_sentence(block_text) or block_text.lstrip().startswith("#"):
            continue  # a headline, standfirst or caption: body text ends like a sentence
        for span in split_sentences(text, block.start, block.end):
            sentence = text[span.start:span.end]
            speaker = find_speaker(sentence)
            if speaker and not is_pronoun(speaker):
                last_named = speaker
            draft = _claim_from_sentence(document, sentence, span.start, speaker, story_words)
            if draft is None:
                continue
            if is_pronoun(draft.attributed_to):
                draft.attributed_to = last_named
            if draft.attributed_to is None:
                draft.attributed_to = fallback_speaker
            drafts.append(draft)
    return drafts


def _claim_from_sentence(document: CleanDocument, sentence: str, start: int,
                         speaker: str | None, story_words: frozenset[str]) -> ClaimDraft | None:
    if len(sentence.split()) < MIN_CLAIM_WORDS or sentence.rstrip().endswith("?"):
        return None
    if story_words and story_share(sentence, story_words) == 0:
        return None
    published = document.source.published
    quantities = quantities_in(sentence, int(published[:4]) if published else None)
    stance = stance_of(sentence, speaker)
    dates = [d.iso or d.text for d in find_dates(sentence)]
    has_named_speaker = speaker is not None and not is_pronoun(speaker)
    if not quantities and not (has_named_speaker and (stance in ("denied", "asserted") or dates)):
        return None
    return ClaimDraft(
        source_id=document.source.id,
        statement=_statement(sentence),
        quote=sentence,
        attributed_to=speaker,
        stance=stance,
        quantities=quantities,
        dates=dates,
        extractor="offline",
        start_hint=start,
    )


def _statement(sentence: str) -> str:
    """The sentence as a reader would quote it: dateline off, whitespace single."""
    statement = _DATELINE.sub("", sentence)
    statement = re.sub(r"[\s\u00a0]+", " ", statement).strip()
    return statement[:1].upper() + statement[1:]
