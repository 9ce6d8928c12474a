"""The offline extractor: rules over spaCy's parse of each article, no network (pure but
for reading the installed language model).

Every body sentence of a cleaned article becomes a claim with the figures it states (what
each counts, its scope and time), who asserts it and how firmly. The parse is made once for
all articles (both cores when there are enough of them), then the story's own places and
year are read from all of them, then each article's sentences are read in order, so that a
pronoun or a bare surname finds the full name given earlier.
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING

from synth.chunking import within_chars
from synth.clean import CleanDocument
from synth.extract import ClaimDraft, ExtractionBatch, ProgressCallback
from synth.extract.rules.claims import claim_from_sentence
from synth.extract.rules.figure import NATIONALITY, Figure, FigureMemory
from synth.extract.rules.nlp import MIN_BLOCKS_FOR_TWO_PROCESSES, english_model, parse_texts
from synth.extract.rules.speakers import SpeakerMemory, speaker_clauses
from synth.extract.rules.story import StoryProfile, story_profile
from synth.models import Usage
from synth.progress import Progress
from synth.text import Span, ends_like_sentence
from synth.units import unit_key

if TYPE_CHECKING:
    from spacy.tokens import Doc

# spaCy refuses a text over a million characters, and the rules read a parse's sentences and
# entities once per sentence: a block is parsed in runs of at most this many characters (real
# paragraphs are under 1,000; a page saved as one line is not).
MAX_PARSE_CHARS = 5_000
_SOURCE_LINE = re.compile(r"^\s*(?:source|sources|via)\s*:\s*(?P<who>.{2,80}?)\s*$", re.I | re.M)


class OfflineExtractor:
    name = "offline"
    model: str | None = None

    def __init__(self, processes: int | None = None) -> None:
        # None: two processes when there are enough blocks to pay for the second one.
        self.processes = processes
        self.load_seconds = 0.0
        self.parse_seconds = 0.0

    def extract(
        self,
        documents: Sequence[CleanDocument],
        story_words: frozenset[str],
        progress: ProgressCallback | None = None,
    ) -> ExtractionBatch:
        batch = ExtractionBatch(usage=Usage(extractor=self.name))
        if progress:  # loading the English model and parsing take seconds before any article
            progress(Progress("extract", 0, len(documents)))
        blocks = [body_blocks(document) for document in documents]
        texts = [
            document.source.text[b.start : b.end]
            for document, spans in zip(documents, blocks, strict=True)
            for b in spans
        ]
        self.load_seconds = english_model().load_seconds
        processes = self.processes or (2 if len(texts) >= MIN_BLOCKS_FOR_TWO_PROCESSES else 1)
        started = time.perf_counter()
        parsed = list(parse_texts(texts, processes))
        self.parse_seconds = time.perf_counter() - started
        docs_of: list[list[Doc]] = []
        position = 0
        for spans in blocks:
            docs_of.append(parsed[position : position + len(spans)])
            position += len(spans)
        story = story_profile(docs_of)
        read: list[tuple[ClaimDraft, list[Figure]]] = []
        for done, (document, spans, docs) in enumerate(zip(documents, blocks, docs_of, strict=True), 1):
            claims = extract_claims(document, spans, docs, story)
            batch.drafts[document.source.id] = [draft for draft, _ in claims]
            read.extend(claims)
            if progress:
                progress(Progress("extract", done, len(documents), item=document.source.id))
        settle_scopes(read)
        return batch


def body_blocks(document: CleanDocument) -> list[Span]:
    """The blocks worth parsing: body text ends like a sentence; headings and captions
    that do not are left out. A block over MAX_PARSE_CHARS (a page saved as one line) is
    parsed in runs of sentences that fit."""
    text = document.source.text
    return [
        part
        for b in document.blocks
        if ends_like_sentence(text[b.start : b.end]) and not text[b.start : b.end].lstrip().startswith("#")
        for part in within_chars(text, b, MAX_PARSE_CHARS)
    ]


def extract_claims(
    document: CleanDocument, spans: Sequence[Span], docs: Sequence[Doc], story: StoryProfile
) -> list[tuple[ClaimDraft, list[Figure]]]:
    """Claim drafts from one article's parsed blocks, in text order, each with its figures
    (their scopes are settled once every article is read: `settle_scopes`)."""
    source = document.source
    published = source.published
    reference_year = int(published[:4]) if published and published[:4].isdigit() else None
    line = _SOURCE_LINE.search(source.text)
    fallback_speaker = line["who"].strip(" .") if line else None
    memory = SpeakerMemory()
    figure_memory = FigureMemory()
    drafts: list[tuple[ClaimDraft, list[Figure]]] = []
    for span, doc in zip(spans, docs, strict=True):
        previous: tuple[ClaimDraft, list[Figure]] | None = None
        for sentence in doc.sents:
            for clause in speaker_clauses(sentence):
                claim = claim_from_sentence(
                    clause,
                    span.start,
                    source.id,
                    story,
                    memory,
                    figure_memory,
                    reference_year,
                    fallback_speaker,
                )
                if claim is None:
                    previous = None
                    continue
                if previous is not None:
                    _take_introducing_speaker(claim, previous, fallback_speaker)
                drafts.append(claim)
                previous = claim
    return drafts


def _take_introducing_speaker(
    claim: tuple[ClaimDraft, list[Figure]],
    previous: tuple[ClaimDraft, list[Figure]],
    fallback_speaker: str | None,
) -> None:
    """A figure with no speaker of its own, right after a sentence whose speaker gave
    figures of the same kind, is that speaker's ('X says 809 flights were cancelled at
    O'Hare … At Midway, 123 were')."""
    draft, figures = claim
    earlier, earlier_figures = previous
    if (
        not figures
        or draft.attributed_to not in (None, fallback_speaker)
        or earlier.attributed_to in (None, fallback_speaker)
    ):
        return
    if {unit_key(f.unit) for f in figures} & {unit_key(f.unit) for f in earlier_figures}:
        draft.attributed_to = earlier.attributed_to
        if draft.stance == "asserted":
            draft.stance = "reported"


# A nationality that at least this share of the articles giving a unit's figures put on them
# is the story's own ("North Korean troops" in a story about North Korean troops), not a
# subset ("Chinese passengers").
STORY_NATIONALITY_SHARE = 0.5


def settle_scopes(read: Sequence[tuple[ClaimDraft, list[Figure]]]) -> None:
    """Give each draft its quantities, with the story's own nationalities left out of scope:
    one that most of the articles giving a unit's figures put on them ('North Korean troops'
    in a story about North Korean troops), not one a few put on some ('Chinese passengers')."""
    sources_of_unit: dict[str, set[str]] = defaultdict(set)
    nationalities: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for draft, figures in read:
        for figure in figures:
            key = unit_key(figure.unit)
            sources_of_unit[key].add(draft.source_id)
            for kind, text in figure.parts:
                if kind == NATIONALITY:
                    nationalities[key][text.lower()].add(draft.source_id)
    own = {
        key: frozenset(
            n
            for n, sources in found.items()
            if len(sources) >= 2 and len(sources) >= STORY_NATIONALITY_SHARE * len(sources_of_unit[key])
        )
        for key, found in nationalities.items()
    }
    for draft, figures in read:
        draft.quantities = [f.quantity(own.get(unit_key(f.unit), frozenset())) for f in figures]
