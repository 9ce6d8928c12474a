"""Keep the article, drop the page around it (pure).

A page carries navigation, adverts, subscription pleas, comment notices, weather lines,
captions and credits, media-player text, subheads and lists of other stories' headlines.
Clean marks which blocks of each source's loaded text are the story; it never rewrites the
text, so offsets stay valid. Furniture is recognised by its shape (`synth.furniture`), on its
own line, among the lines around it (a short line between body sentences is a subhead, a run
of short lines is a list or a map's labels) and across the set (a line several pages repeat
is the site's, not the story's). No sentence is dropped for sharing few words with the other
articles: an article's own angle (a cause, a reaction) is the story too.

Clean also spots a story republished by several outlets or re-versioned by one, by the prose
they share (`synth.copies`), so that corroboration counts it once.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from synth.copies import Similarity, find_originals, prose_shingles, similarity
from synth.furniture import (
    LIST_HEADER,
    count_sentences_marks,
    furniture_of_shape,
    is_headline_like,
    is_title_case,
    shape_text,
    word_count,
    words_of,
)
from synth.models import Source
from synth.text import STOPWORDS, Span, content_words, ends_like_sentence, iter_lines

# A body sentence, which ends the headline and standfirst at the top of a page: a line that
# ends like a sentence and is longer than a headline, or holds more than one sentence.
BODY_SENTENCE_WORDS = 17
# A line without a sentence's end between body sentences is a subhead up to this many words
# whatever its words; up to SUBHEAD_MAX_WORDS when it reads as a headline. Longer, it is a
# sentence that lost its full stop.
SHORT_LINE_WORDS = 8
SUBHEAD_MAX_WORDS = 16
# A line with a full stop that reads as a headline ("Building of 'heritage interest'.") is one
# up to this many words.
HEADLINE_SENTENCE_WORDS = 12
# A run of at least this many short lines, two thirds of them without a sentence's end, is a
# list of links or a graphic's labels.
SHORT_RUN = 3
# A caption under a "Photo" or "Video" label is at most this long.
CAPTION_MAX_WORDS = 60
# Labels at the top of a page (a kicker, an agency's name) are this short.
LABEL_WORDS = 4

# Title abbreviations stand before a name, never at a sentence's end.
_TITLE_ABBREVIATION = re.compile(
    r"\b(?:Mr|Mrs|Ms|Mx|Dr|Prof|Gen|Lt|Col|Maj|Capt|Cmdr|Cdr|Adm|Sgt|Cpl|Pvt|Gov|Sen|Rep|Rev"
    r"|Hon|Pres|Supt|Insp|Det|Fr|Brig|Lt\.\s?Col|Lt\.\s?Gen|Maj\.\s?Gen)\.$"
)
# A month or "No." stands before a number.
_NUMBER_ABBREVIATION = re.compile(
    r"\b(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|No|Nos|Vol|p|pp)\.$"
)
# Initialisms ("U.S.", "U.N.") and a name's middle initial ("George W.") end sentences only
# sometimes; they join the next line when it carries on the noun phrase.
_INITIALISM = re.compile(r"(?:\b(?:[A-Z]\.){2,}|\b[A-Z][a-z]+\s+[A-Z]\.)$")
# Words that open a sentence: after an initialism, a line starting with one is a new sentence.
_SENTENCE_OPENERS = STOPWORDS | frozenset(
    "however meanwhile earlier later still yet instead officials authorities police".split()
)
_CONTINUING_PUNCTUATION = ".,;:)]”’"
# A list item's mark (numbered items are left out: "3. Crews reach the dam" is a subhead).
_BULLET = re.compile(r"^[-*+•▪◦]\s")
_QUOTE_MARKS = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})


@dataclass(frozen=True)
class DroppedBlock:
    start: int
    end: int
    reason: str


@dataclass
class CleanDocument:
    source: Source
    blocks: list[Span] = field(default_factory=list)
    dropped: list[DroppedBlock] = field(default_factory=list)
    # The page's headline line, when its text has one (a kept block).
    headline: Span | None = None

    # Content words of each block, found once: the common story reads them, and finding
    # words is the larger part of clean's time.
    _words: dict[tuple[int, int], list[str]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def kept_text(self) -> str:
        return "\n\n".join(self.source.text[b.start : b.end] for b in self.blocks)

    def block_words(self, block: Span) -> list[str]:
        key = (block.start, block.end)
        if key not in self._words:
            self._words[key] = content_words(self.source.text[block.start : block.end])
        return self._words[key]


@dataclass
class CleanResult:
    documents: list[CleanDocument]
    story_words: frozenset[str]


def clean_sources(sources: Sequence[Source]) -> CleanResult:
    """Mark the story blocks of every source, using the whole set to tell story from page."""
    documents = [_drop_furniture(source) for source in sources]
    _drop_repeated_across_pages(documents)
    _mark_republished(documents)
    return CleanResult(documents, common_story_words(documents))


# ------------------------------------------------------------------------------ blocks


def block_spans(text: str) -> list[Span]:
    """Lines, with a line joined back to the one it continues.

    A line continues the previous one when it starts in lower case or with closing
    punctuation after a line that does not end a sentence (hard wrapping, a full stop that
    slipped to its own line), or when the previous line ends in an abbreviation that does not
    end a sentence there: a title before a name ("Lt." / "Jane Roe"), a month or "No." before
    a number ("Nov." / "22."), an initialism before the rest of its noun phrase ("U.S." /
    "Navy ships"). Files saved one sentence a line were often split at those abbreviations.
    """
    blocks: list[Span] = []
    for line in iter_lines(text):
        if (
            blocks
            and "\n\n" not in text[blocks[-1].end : line.start]
            and _continues(text[blocks[-1].start : blocks[-1].end], text[line.start : line.end])
        ):
            blocks[-1] = Span(blocks[-1].start, line.end)
            continue
        blocks.append(line)
    return blocks


def _continues(previous: str, line: str) -> bool:
    first = line[0]
    if not ends_like_sentence(previous):
        return first.islower() or first in _CONTINUING_PUNCTUATION
    if not line.strip(_CONTINUING_PUNCTUATION + " "):
        return True  # a line of punctuation only, such as a lone full stop
    if _TITLE_ABBREVIATION.search(previous):
        return first.isupper()
    if _NUMBER_ABBREVIATION.search(previous):
        return first.isdigit()
    if _INITIALISM.search(previous):
        opener = words_of(line[:40])
        return (
            first.islower()
            or first.isdigit()
            or (first.isupper() and bool(opener) and opener[0].lower() not in _SENTENCE_OPENERS)
        )
    return False


# ------------------------------------------------------------------------------ furniture


@dataclass
class _Line:
    span: Span
    text: str
    shape: str
    words: int
    sentence_end: bool
    indented: bool
    reason: str | None = None


def _lines(source: Source) -> list[_Line]:
    text = source.text
    lines = []
    for block in block_spans(text):
        raw = text[block.start : block.end]
        shape = shape_text(raw)
        line_start = text.rfind("\n", 0, block.start) + 1
        lines.append(
            _Line(
                block,
                raw,
                shape,
                word_count(shape),
                ends_like_sentence(shape),
                indented=block.start > line_start,
            )
        )
    return lines


def _drop_furniture(source: Source) -> CleanDocument:
    lines = _lines(source)
    _mark_line_furniture(lines, source.outlet)
    _mark_captions_and_video_titles(lines)
    body_start = _mark_top_of_page(lines)
    _mark_subheads_and_lists(lines[body_start:])
    _mark_repeats_in_page(lines)
    document = CleanDocument(source)
    for line in lines:
        tail = _run_on_sentence(line) if line.reason == "photo caption" else None
        if tail is not None:  # keep the article's sentence the caption ran into
            document.dropped.append(DroppedBlock(line.span.start, tail.start, line.reason or ""))
            document.blocks.append(tail)
        elif line.reason:
            document.dropped.append(DroppedBlock(line.span.start, line.span.end, line.reason))
        else:
            document.blocks.append(line.span)
    headline = next((line for line in lines[:body_start] if not line.reason), None)
    document.headline = headline.span if headline else None
    return document


# Where a scraped caption runs into the article's next sentence with no stop between them:
# "… thought to have boarded the jetliner A total of 34 aircraft … have been deployed."
_RUN_ON = re.compile(r"(?<=[a-z]) (?=(?:A|An|The)\s+[a-z]+\s)")
# A run-on tail is a sentence of the article only when it is this long.
RUN_ON_MIN_WORDS = 8


def _run_on_sentence(line: _Line) -> Span | None:
    """The sentence a caption line runs into, as a span of its own, if there is one."""
    for match in _RUN_ON.finditer(line.text):
        tail = line.text[match.end() :]
        if len(tail.split()) >= RUN_ON_MIN_WORDS and ends_like_sentence(tail):
            return Span(line.span.start + match.end(), line.span.end)
    return None


def _mark_line_furniture(lines: list[_Line], outlet: str | None) -> None:
    """Each line alone, and the lines under a "Related" or "Most read" header."""
    in_list = False
    for line in lines:
        is_sentence = line.sentence_end and line.words >= 6
        if LIST_HEADER.match(line.shape) and not is_sentence:
            in_list = True
            line.reason = "list of other stories"
            continue
        if in_list and not is_sentence:
            line.reason = "list of other stories"
            continue
        in_list = False
        line.reason = furniture_of_shape(line.text, line.shape, line.words, line.sentence_end, outlet)


def _mark_captions_and_video_titles(lines: list[_Line]) -> None:
    """The caption under a "Photo" label, and a video's title beside its link with the
    running time ("Floods sweep town" next to "Floods sweep town 02:15")."""
    for index, line in enumerate(lines):
        if line.reason:
            continue
        before = lines[index - 1] if index else None
        after = lines[index + 1] if index + 1 < len(lines) else None
        if before and before.reason == "media label" and line.words <= CAPTION_MAX_WORDS:
            line.reason = "photo caption"
            continue
        for neighbour in (before, after):
            if (
                neighbour
                and neighbour.reason in ("video link", "gallery link")
                and _normalised(neighbour.shape).startswith(_normalised(line.shape))
            ):
                line.reason = neighbour.reason
                break


def _mark_top_of_page(lines: list[_Line]) -> int:
    """Above the first body sentence: the headline (kept), a standfirst (kept), and labels
    such as a kicker, an agency's name or an indented link to another story. Returns the
    index of the first body line."""
    body_start = next((i for i, line in enumerate(lines) if not line.reason and _is_body(line)), len(lines))
    headline_seen = False
    for line in lines[:body_start]:
        if line.reason:
            continue
        if not headline_seen:
            headline_seen = True
        elif line.indented and not line.sentence_end and line.words <= SUBHEAD_MAX_WORDS:
            line.reason = "indented link or label"
        elif line.words <= LABEL_WORDS and not line.sentence_end:
            line.reason = "label"
    return body_start


def _is_body(line: _Line) -> bool:
    return (
        line.sentence_end and (line.words >= BODY_SENTENCE_WORDS or count_sentences_marks(line.shape) >= 1)
    ) or line.words >= 2 * BODY_SENTENCE_WORDS


def _mark_subheads_and_lists(lines: list[_Line]) -> None:
    """Below the top of the page, a short line that is not a sentence is a subhead or another
    story's headline; a run of short lines is a list or a graphic's labels."""
    for line in lines:
        if not line.reason and not _is_figure_bullet(line):
            line.reason = _subhead(line)
    for run in _runs_of_short_lines(lines):
        if len(run) >= SHORT_RUN and 3 * sum(not x.sentence_end for x in run) >= 2 * len(run):
            for short in run:
                short.reason = short.reason or "list of short lines"


def _is_figure_bullet(line: _Line) -> bool:
    """'• 2,900 people killed': an article's own list of key figures, kept like its sentences."""
    return bool(_BULLET.match(line.text)) and any(c.isdigit() for c in line.shape)


def _runs_of_short_lines(lines: list[_Line]) -> list[list[_Line]]:
    runs: list[list[_Line]] = [[]]
    for line in lines:
        if line.words <= SHORT_LINE_WORDS and not _is_figure_bullet(line):
            runs[-1].append(line)
        elif runs[-1]:
            runs.append([])
    return [run for run in runs if run]


def _subhead(line: _Line) -> str | None:
    if not line.sentence_end:
        if line.words <= SHORT_LINE_WORDS:
            return "subhead"
        if line.words <= SUBHEAD_MAX_WORDS and (
            line.indented or is_headline_like(line.shape) or is_title_case(line.shape)
        ):
            return "subhead or headline"
        return None
    if (
        line.words <= HEADLINE_SENTENCE_WORDS
        and line.shape.endswith(".")
        and not count_sentences_marks(line.shape)
        and is_headline_like(line.shape)
    ):
        return "headline-shaped line"
    return None


def _mark_repeats_in_page(lines: list[_Line]) -> None:
    """A paragraph the page prints twice is kept once."""
    seen: set[str] = set()
    for line in lines:
        key = _normalised(line.shape)
        if line.reason or not key:
            continue
        if key in seen:
            line.reason = "repeated in the page"
        seen.add(key)


def _normalised(text: str) -> str:
    return " ".join(text.translate(_QUOTE_MARKS).casefold().split())


def _drop_repeated_across_pages(documents: list[CleanDocument]) -> None:
    """A line that is not a sentence and that two or more pages print is the site's, not the
    story's: a standing promotion, a tagline, a section's name."""
    pages_with: dict[str, set[int]] = defaultdict(set)
    for index, document in enumerate(documents):
        text = document.source.text
        for block in document.blocks:
            key = _not_a_sentence(text[block.start : block.end])
            if key and block != document.headline:
                pages_with[key].add(index)
    repeated = {key for key, pages in pages_with.items() if len(pages) >= 2}
    if not repeated:
        return
    for document in documents:
        text = document.source.text
        kept = []
        for block in document.blocks:
            key = _not_a_sentence(text[block.start : block.end])
            if key in repeated and block != document.headline:
                document.dropped.append(DroppedBlock(block.start, block.end, "repeated across pages"))
            else:
                kept.append(block)
        document.blocks = kept
        document.dropped.sort(key=lambda d: d.start)


def _not_a_sentence(line: str) -> str | None:
    """The line, normalised, when it does not end like a sentence; else None."""
    if ends_like_sentence(line):
        return None
    shape = shape_text(line)
    return None if ends_like_sentence(shape) else _normalised(shape)


# ------------------------------------------------------------------------------ copies


def _shingles(document: CleanDocument) -> frozenset[tuple[str, ...]]:
    text = document.source.text
    return prose_shingles(text[b.start : b.end] for b in document.blocks)


def document_similarity(a: CleanDocument, b: CleanDocument) -> Similarity:
    """How much story prose two cleaned articles share (see synth.copies)."""
    return similarity(_shingles(a), _shingles(b))


def _mark_republished(documents: list[CleanDocument]) -> None:
    """Set `duplicate_of` on a source whose prose repeats an earlier source's: the one it
    shares most with, or that one's own original."""
    originals = find_originals([_shingles(document) for document in documents])
    for document, original_index in zip(documents, originals, strict=True):
        if original_index is not None:
            original = documents[original_index].source
            document.source = document.source.model_copy(
                update={"duplicate_of": original.duplicate_of or original.id}
            )


# ------------------------------------------------------------------------------ story words


def common_story_words(documents: Sequence[CleanDocument]) -> frozenset[str]:
    """Words found in at least half of the independent sources (and at least two).

    The offline extractor reads them to tell a story sentence from an aside. With fewer than
    two independent sources there is no common story, and the set is empty.
    """
    independent = [d for d in documents if d.source.duplicate_of is None]
    if len(independent) < 2:
        return frozenset()
    document_frequency: Counter[str] = Counter()
    for document in independent:
        # The words of the kept text are those of its blocks: no word spans a blank line.
        document_frequency.update(set().union(*map(document.block_words, document.blocks)))
    needed = max(2, math.ceil(len(independent) / 2))
    return frozenset(w for w, n in document_frequency.items() if n >= needed)


def story_share(text: str, story_words: frozenset[str]) -> float:
    """Share of the text's content words that belong to the common story."""
    words = content_words(text)
    if not words:
        return 0.0
    return sum(1 for w in words if w in story_words) / len(words)
