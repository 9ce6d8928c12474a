"""Keep the article, drop the page around it (pure).

A page carries navigation, adverts, subscription pleas, comment notices, weather lines and
lists of unrelated headlines. Clean marks which blocks of each source's loaded text are the
story; it never rewrites the text, so offsets stay valid. Across a set of articles, a block
that shares nothing with the story common to them is not the story. It also spots a wire
story republished by several outlets, so that corroboration counts it once.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from synth.models import Source
from synth.text import Span, content_words, ends_like_sentence, iter_lines, split_sentences

# Lines that are page furniture whatever the story.
_JUNK_LINE = re.compile(
    r"""^[\s*_#>-]*(?:
        (?:advertisement|advert|sponsored(?:\ content)?|promoted|ad)\W*$
      | leave\ a\ comment | join\ the\ conversation
      | \d+\ comments?$ | show\ comments
      | share\ (?:this|on|via)\b | share$ | follow\ us\b | tweet$ | email$ | print$
      | read\ (?:more|next|also)\b | see\ also\b | watch:|listen:|more\ on\ this\ story
      | related(?:\ (?:stories|articles|coverage|content|news|topics))?:?$
      | (?:most\ (?:read|popular|viewed|shared)|trending(?:\ now)?|top\ stories|more\ from|
         you\ may\ also\ like|recommended(?:\ for\ you)?|latest(?:\ news)?|editor'?s\ picks|
         in\ other\ news|more\ stories|around\ the\ web)\b.*
      | weather\b.* | ©.* | \(c\)\ \d{4}.*
      | (?:photo|image|picture|caption|credit|file\ photo)s?\s*[:|].*
      | tags?:.* | topics?:.* | click\ here\b.* | skip\ to\ (?:content|main).*
      | (?:home|news|world|sport|sports|business|opinion|culture|politics|tech|video)
        (?:\s*[|·•/»>]\s*\w+)+$
      # Anywhere in the line. One `.*` before them all, not one each: every `.*` is a scan of
      # the line, and with one each this pattern cost clean half its time.
      | .*\b(?:(?:subscribe|subscription|subscriber|newsletter|sign\ up|log\ in|register\ now)\b
            | support\ (?:our|us|independent|quality)\b | donate\b | become\ a\ (?:member|patron)
            | comments?\ (?:are|is)\ (?:closed|disabled|open)\b
            | \d{1,2}\s?°\s?[CF]\b | cookies?\b | all\ rights\ reserved\b)
    )""",
    re.IGNORECASE | re.VERBOSE,
)
# Headers after which short lines are a list of other stories, not this one.
_LIST_HEADER = re.compile(
    r"^(?:related|most\ (?:read|popular|viewed)|trending|top\ stories|more\ from|you\ may\ also"
    r"|recommended|latest|editor'?s\ picks|in\ other\ news|more\ stories|read\ more|see\ also)",
    re.IGNORECASE | re.VERBOSE)
_BYLINE = re.compile(r"^(?:by|written by|reporting by|words by)\s+[A-Z]", re.IGNORECASE)
# A block is off-story when less than this share of its words belong to the common story.
MIN_STORY_SHARE = 0.12
# A source repeats an earlier one (a republished wire) when this share of its sentences match.
DUPLICATE_SENTENCE_SHARE = 0.6


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

    # Content words of each block, found once: the common story and the off-story check both
    # read them, and finding words is the larger part of clean's time.
    _words: dict[tuple[int, int], list[str]] = field(default_factory=dict, init=False, repr=False,
                                                     compare=False)

    def kept_text(self) -> str:
        return "\n\n".join(self.source.text[b.start:b.end] for b in self.blocks)

    def block_words(self, block: Span) -> list[str]:
        key = (block.start, block.end)
        if key not in self._words:
            self._words[key] = content_words(self.source.text[block.start:block.end])
        return self._words[key]


@dataclass
class CleanResult:
    documents: list[CleanDocument]
    story_words: frozenset[str]


def clean_sources(sources: Sequence[Source]) -> CleanResult:
    """Mark the story blocks of every source, using the whole set to tell story from sidebar."""
    documents = [_drop_furniture(source) for source in sources]
    _mark_republished(documents)
    story_words = common_story_words(documents)
    if story_words:
        for document in documents:
            _drop_off_story(document, story_words)
    return CleanResult(documents, story_words)


def block_spans(text: str) -> list[Span]:
    """Lines, with hard-wrapped continuation lines joined back to the line they continue."""
    blocks: list[Span] = []
    for line in iter_lines(text):
        if blocks:
            previous = text[blocks[-1].start:blocks[-1].end]
            between = text[blocks[-1].end:line.start]
            first = text[line.start]
            if "\n\n" not in between and not ends_like_sentence(previous) and first.islower():
                blocks[-1] = Span(blocks[-1].start, line.end)
                continue
        blocks.append(line)
    return blocks


def _drop_furniture(source: Source) -> CleanDocument:
    document = CleanDocument(source)
    text = source.text
    in_list = False
    for block in block_spans(text):
        line = text[block.start:block.end]
        is_sentence = ends_like_sentence(line) and len(line.split()) >= 6
        if _LIST_HEADER.match(line) and not is_sentence:
            in_list = True
            document.dropped.append(DroppedBlock(block.start, block.end, "list of other stories"))
            continue
        if in_list and not is_sentence:
            document.dropped.append(DroppedBlock(block.start, block.end, "list of other stories"))
            continue
        in_list = False
        if _JUNK_LINE.match(line) and not (is_sentence and len(line.split()) > 25):
            document.dropped.append(DroppedBlock(block.start, block.end, "page furniture"))
        elif _BYLINE.match(line) and len(line.split()) <= 12:
            document.dropped.append(DroppedBlock(block.start, block.end, "byline"))
        else:
            document.blocks.append(block)
    return document


def _sentence_keys(document: CleanDocument) -> list[str]:
    text = document.source.text
    keys = []
    for block in document.blocks:
        for sentence in split_sentences(text, block.start, block.end):
            words = " ".join(content_words(text[sentence.start:sentence.end]))
            if len(words) > 20:
                keys.append(hashlib.blake2b(words.encode(), digest_size=8).hexdigest())
    return keys


def _mark_republished(documents: list[CleanDocument]) -> None:
    """Set `duplicate_of` on a source whose sentences mostly repeat an earlier source's."""
    first_seen: dict[str, int] = {}
    for index, document in enumerate(documents):
        keys = _sentence_keys(document)
        if len(keys) >= 3:
            earlier = Counter(first_seen[k] for k in keys if k in first_seen)
            if earlier:
                origin, shared = earlier.most_common(1)[0]
                if shared >= DUPLICATE_SENTENCE_SHARE * len(keys):
                    original = documents[origin].source
                    document.source = document.source.model_copy(
                        update={"duplicate_of": original.duplicate_of or original.id})
        for key in keys:
            first_seen.setdefault(key, index)


def common_story_words(documents: Sequence[CleanDocument]) -> frozenset[str]:
    """Words found in at least half of the independent sources (and at least two).

    With fewer than two independent sources there is no common story to compare against,
    and the empty set switches the off-story check off.
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
    return _share(content_words(text), story_words)


def _share(words: list[str], story_words: frozenset[str]) -> float:
    if not words:
        return 0.0
    return sum(1 for w in words if w in story_words) / len(words)


def _drop_off_story(document: CleanDocument, story_words: frozenset[str]) -> None:
    kept = []
    for block in document.blocks:
        if _share(document.block_words(block), story_words) < MIN_STORY_SHARE:
            document.dropped.append(DroppedBlock(block.start, block.end,
                                                 "shares nothing with the common story"))
        else:
            kept.append(block)
    document.blocks = kept
    document.dropped.sort(key=lambda d: d.start)
