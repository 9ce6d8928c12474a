"""Small text primitives shared by the pure stages: blocks, sentences, content words (pure).

Every function returns offsets into the string it was given, so callers can map what
they find back to the loaded source text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from synth.units import singular

STOPWORDS = frozenset(
    """
a about above after again against all also am an and any are as at be because been before
being below between both but by can could did do does doing down during each few for from
further had has have having he her here hers herself him himself his how i if in into is it
its itself just me more most my myself no nor not now of off on once only or other our ours
out over own same she should so some such than that the their theirs them then there these
they this those through to too under until up very was we were what when where which while
who whom why will with would you your said says say told according while since per via
including include includes would could might may must shall new one two three last first
year years week weeks day days monday tuesday wednesday thursday friday saturday sunday
mr mrs ms dr
""".split()
)
_WORD = re.compile(r"[^\W\d_](?:[\w'’-]*[^\W_])?", re.UNICODE)
_POSSESSIVE = re.compile(r"'s$", re.MULTILINE)  # at the end of a word, one word a line
# Sentence ends: . ! ? (optionally followed by closing quotes/brackets) then space + capital/quote.
_SENTENCE_END = re.compile(r"""(?<=[.!?])["'”’)\]]*(?=\s+["'“‘(\[]?[A-Z0-9])""")
# Abbreviations that end in a period without ending a sentence.
_ABBREVIATIONS = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|Prof|Gen|Lt|Col|Maj|Capt|Sgt|Rep|Sen|Gov|St|Jr|Sr|No|vs|etc|Inc|"
    r"Ltd|Corp|Co|U\.S|U\.K|U\.N|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|approx|"
    r"est|e\.g|i\.e)\.|\b[A-Z]\.)$"
)


@dataclass(frozen=True)
class Span:
    start: int
    end: int


def content_words(text: str) -> list[str]:
    """Lower-case words that carry meaning (no stopwords, no numbers, at least 3 letters)."""
    found = _WORD.findall(text)
    if not found:
        return []
    # One lower() over the words joined by newlines, not one per word: it is the hot loop of
    # clean and cluster. A word holds no newline, and lower() treats each word alone.
    joined = "\n".join(found).lower().replace("’", "'")
    if "'s" in joined:
        joined = _POSSESSIVE.sub("", joined)
    return [word for word in joined.split("\n") if len(word) >= 3 and word not in STOPWORDS]


def iter_lines(text: str, start: int = 0, end: int | None = None) -> Iterator[Span]:
    """Non-blank lines of text[start:end], trimmed of surrounding whitespace."""
    end = len(text) if end is None else end
    position = start
    while position < end:
        newline = text.find("\n", position, end)
        line_end = end if newline < 0 else newline
        span = trim(text, position, line_end)
        if span.end > span.start:
            yield span
        position = line_end + 1


def trim(text: str, start: int, end: int) -> Span:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end)


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Sentences of text[start:end] as trimmed spans; abbreviations like 'Mr.' don't split."""
    end = len(text) if end is None else end
    spans: list[Span] = []
    sentence_start = start
    for match in _SENTENCE_END.finditer(text, start, end):
        cut = match.end()
        if _ABBREVIATIONS.search(text[max(sentence_start, cut - 8) : cut].rstrip("\"'”’)]")):
            continue
        span = trim(text, sentence_start, cut)
        if span.end > span.start:
            spans.append(span)
        sentence_start = cut
    span = trim(text, sentence_start, end)
    if span.end > span.start:
        spans.append(span)
    return spans


# What a terminal or a text renderer obeys rather than shows: controls (a newline in a file
# name would start a line of its own, an escape sequence would run) and bidirectional overrides.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """`text` on one line with its controls shown as escapes: 'a\\nb' for a newline."""
    return _UNPRINTABLE.sub(lambda m: repr(m.group())[1:-1], text)


_SENTENCE_END_AT_LINE_END = re.compile(r"""[.!?:]["'”’)\]]*$""")


def ends_like_sentence(line: str) -> bool:
    return bool(_SENTENCE_END_AT_LINE_END.search(line.rstrip()))


def stem(word: str) -> str:
    """A crude stem, enough to fold 'fired'/'firing'/'fires' and 'reports'/'report'."""
    word = singular(word)
    for ending in ("ing", "ed", "es"):
        if word.endswith(ending) and len(word) - len(ending) >= 4:
            return word[: -len(ending)]
    return word
