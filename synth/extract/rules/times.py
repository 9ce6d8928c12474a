"""Times in a sentence (pure): clock times, durations, years, and when a figure is given for
('so far', 'by December') or which other event it belongs to ('the 1906 fire')."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from synth.extract.rules.figure import Figure, ScopePart
from synth.extract.rules.nlp import lemma
from synth.extract.rules.story import StoryProfile
from synth.extract.rules.syntax import clause_of, next_word, subject_of
from synth.numbers import NumberMention

if TYPE_CHECKING:
    from spacy.tokens import Span, Token


DURATION_NOUNS = {
    "second": "seconds",
    "minute": "minutes",
    "hour": "hours",
    "day": "days",
    "week": "weeks",
    "month": "months",
    "year": "years",
    "decade": "decades",
    "century": "centuries",
    "night": "nights",
    "fortnight": "fortnights",
}

_TIME_PHRASES = re.compile(
    r"\b(?:so far|to date|thus far|as of [^,.;]{2,30}|by (?:the end of )?[A-Z][a-z]+|"
    r"by (?:the end of the year|year-end|next (?:week|month|year))|initially|at first|in total|"
    r"eventually|overnight|earlier|later)\b"
)

_CLOCK = re.compile(
    r"(?<![\w.:])(?P<hour>[01]?\d)(?:[:.](?P<minute>[0-5]\d))?\s?(?P<half>[ap])\.?\s?m\b\.?", re.IGNORECASE
)
TIME_OF_DAY = "time of day"


def clock_times(sentence: Span, event: str | None) -> list[tuple[Token, Figure]]:
    """Times of day ('12:21 a.m.', '12.41am', '6 p.m.') as figures in hours after midnight,
    scoped by the event they time ('takeoff', 'start'): times of one event can conflict,
    times of different events never do."""
    found = []
    for match in _CLOCK.finditer(sentence.text):
        hour, minute = int(match["hour"]), int(match["minute"] or 0)
        if hour > 12:
            continue
        hour = hour % 12 + (12 if match["half"].lower() == "p" else 0)
        start = sentence.start_char + match.start()
        tokens = [t for t in sentence if t.idx >= start and t.idx < start + len(match.group(0))]
        if not tokens:
            continue
        timed = _timed_event(tokens[0])
        if timed is None:
            continue
        parts: list[ScopePart] = [("measure", timed)]
        if event:
            parts.append(("event", event))
        found.append(
            (
                tokens[0],
                Figure(
                    value=round(hour + minute / 60, 4),
                    value_max=None,
                    unit=TIME_OF_DAY,
                    parts=parts,
                    qualifier="about"
                    if tokens[0].i > sentence.start
                    and sentence.doc[tokens[0].i - 1].lower_ in ("around", "about", "approximately")
                    else "exact",
                    time_ref=None,
                    text=match.group(0).strip(),
                ),
            )
        )
    return found


_TIMES_OF_DAY = frozenset(
    """midnight noon midday morning afternoon evening night dawn dusk
today tonight""".split()
)


def _timed_event(time: Token) -> str | None:
    """The event a time of day belongs to: the nearest word before it that names one, past
    prepositions, names and dates ('takeoff from Kuala Lumpur, which was at 12:21 a.m.')."""
    sentence = time.sent
    index = time.i - 1
    while index >= sentence.start and time.i - index <= 10:
        token = sentence.doc[index]
        index -= 1
        if token.ent_type_ in (
            "DATE",
            "TIME",
            "GPE",
            "LOC",
            "FAC",
            "ORG",
            "PERSON",
            "NORP",
        ) or token.pos_ in (
            "ADP",
            "PUNCT",
            "DET",
            "PRON",
            "AUX",
            "PROPN",
            "ADV",
            "PART",
            "ADJ",
            "NUM",
            "CCONJ",
            "SCONJ",
        ):
            continue
        if token.lower_ in _TIMES_OF_DAY:
            continue  # "between midnight and around 10 a.m.": a time, not an event
        if token.pos_ == "NOUN" or token.pos_ == "VERB":
            particle = next((c.lower_ for c in token.children if c.dep_ == "prt"), "")
            return lemma(token) + particle
        return None
    return None


def is_clock_or_year(mention: NumberMention, anchor: Token) -> bool:
    """Whether a number is written as a year ('the 1987 treaty') rather than a count ('1875
    troops')."""
    written = mention.text.strip()
    if re.fullmatch(r"(?:1[6-9]|20)\d\d", written) and mention.value_max is None:
        nxt = next_word(anchor)
        # A year before a singular noun ("the 1987 treaty") or alone; a count comes with a
        # plural ("1875 troops", rare without a comma).
        return nxt is None or nxt.tag_ not in ("NNS", "NNPS") or nxt.lower_ in DURATION_NOUNS
    return False


_CALENDAR_WORDS = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|mon|tue|wed|"
    r"thu|fri|sat|sun|ago|[ap]\.?m\b)",
    re.I,
)


def reads_as_time(anchor: Token, mention: NumberMention, after: Token | None) -> bool:
    """Whether a number the entity recogniser put in a date or time is one: a duration
    ('53 minutes'), or a day or hour beside a calendar word; not '2,000 that evening'."""
    if after is not None and lemma(after) in DURATION_NOUNS:
        return True
    entity = next((e for e in anchor.sent.ents if e.start <= anchor.i < e.end), None)
    return mention.value <= 31 and entity is not None and bool(_CALENDAR_WORDS.search(entity.text))


def read_time(
    anchor: Token, tokens: Sequence[Token], mention: NumberMention, after: Token | None
) -> tuple[str, list[ScopePart]] | None:
    """(unit, scope parts) for a number read as a time: a duration, an age ('a 53-year-old
    captain') or the year something was built; None for a date or 'six days ago'."""
    if after is not None and lemma(after) in DURATION_NOUNS:
        following = next_word(after)
        if following is not None and following.lower_ in ("ago", "later", "earlier", "old"):
            if following.lower_ == "old":  # "a 53-year-old captain"
                return "years old", [("described", d) for d in _describes(after)]
            return None
        return DURATION_NOUNS[lemma(after)], duration_scope(after)
    # A year the subject of a verb happened in: "was built in 1875".
    if mention.value_max is None and re.fullmatch(r"(?:1[6-9]|20)\d\d", mention.text.strip()):
        preposition = anchor.head
        if anchor.dep_ == "pobj" and preposition.lower_ == "in" and preposition.head.pos_ == "VERB":
            subject = subject_of(preposition.head)
            # A building, a company, a treaty: not a person's biography ("X joined in 1993").
            if subject is not None and subject.pos_ == "NOUN":
                return "year", [("described", lemma(subject))]
    return None


def duration_scope(unit: Token) -> list[ScopePart]:
    """What lasted that long: 'flew for 53 minutes' → fly; 'a 10-week pause' → pause;
    'shipped 10 million units in 25 days' → ship. Durations of different things are never
    compared."""
    head = unit.head
    if unit.dep_ == "pobj":
        head = head.head
    elif unit.dep_ in ("compound", "amod", "npadvmod", "nmod") and head.pos_ == "NOUN":
        return [("measure", lemma(head))]
    if head.pos_ in ("VERB", "NOUN", "AUX") and head.i != unit.i:
        return [("measure", lemma(head))]
    return [("measure", "time")]


def other_event(sentence: Span, story: StoryProfile, reference_year: int | None) -> str | None:
    """A marker when the sentence is about another event than the story's: an earlier year
    ('the 1906 fire'), 'N years ago', 'last year'. Figures in it never join the story's own."""
    for entity in sentence.ents:
        if entity.label_ != "DATE":
            continue
        words = entity.text.lower()
        if re.search(r"\b(?:ago|last year|previous year|years earlier|a year earlier)\b", words):
            return f"earlier: {entity.text}"
        years = [int(y) for y in re.findall(r"\b(1[6-9]\d\d|20\d\d)\b", entity.text)]
        reference = reference_year or story.year
        if years and reference and max(years) < reference:
            return f"in {max(years)}"
    return None


def time_ref(anchor: Token, sentence: Span) -> str | None:
    """The time the figure is given for: 'so far', 'by December', 'as of Sunday', or the
    date of its own clause."""
    clause = clause_of(anchor)
    first, last = clause.left_edge.i, clause.right_edge.i
    text = sentence.doc.text[sentence.doc[first].idx : sentence.doc[last].idx + len(sentence.doc[last].text)]
    match = _TIME_PHRASES.search(text)
    if match:
        return match.group(0)
    for entity in sentence.ents:
        # A date the figure's own verb is dated by ("cancelled on Sunday", "as of midnight"),
        # not a clock time or a duration elsewhere in the clause.
        if (
            entity.label_ != "DATE"
            or not first <= entity.start <= last
            or any(t.i == anchor.i for t in entity)
            or any(lemma(t) in DURATION_NOUNS for t in entity)
        ):
            continue  # "six days after": how long, not when
        root = entity.root
        if root.head.i == clause.i or (root.head.dep_ == "prep" and root.head.head.i == clause.i):
            return entity.text
    return None


def _describes(token: Token) -> list[str]:
    """The noun a hyphened duration describes ('a 53-year-old captain' → captain)."""
    head = token
    while head.dep_ in ("npadvmod", "amod", "compound") and head.head.i != head.i:
        head = head.head
    return [lemma(head)] if head.pos_ == "NOUN" else []
