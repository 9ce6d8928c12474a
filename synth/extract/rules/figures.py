"""Figures in a parsed sentence: what each number counts, its scope and its time (pure).

Numbers are read from the sentence's text (synth.numbers: digits, words, ranges,
qualifiers); the parse decides what they count. The number's head noun names the unit
("40 ships"), its governing verb the outcome ("60 were wounded" → injured, "killing 31" →
deaths); a hyphened measure describes its noun ("a three-storey building" → 3 storeys of
the building). Dates, clock times and years are never counts; a duration keeps its unit
("53 minutes"). The scope says what part or which whole is counted: an owner ("New
Democracy ... 129 seats"), a subset ("Chinese passengers", "including 12 children"), another
place among several, what a measure measures ("a range of 13,000 km"), another event.

This module finds the numbers and hands each to `times`, `measures` or `counts`; `scopes`
says what part or whole each one counts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from synth.dates import find_dates
from synth.extract.rules.counts import read_count, read_zero
from synth.extract.rules.figure import NATIONALITY, Figure, FigureMemory, ScopePart
from synth.extract.rules.measures import (
    currency_unit,
    is_per_cent,
    measure_after,
    measure_scope,
    measured_thing,
    percent_scope,
)
from synth.extract.rules.scopes import owner_scope, share_owners
from synth.extract.rules.story import StoryProfile
from synth.extract.rules.syntax import next_word
from synth.extract.rules.times import (
    clock_times,
    is_clock_or_year,
    other_event,
    read_time,
    reads_as_time,
    time_ref,
)
from synth.models import Qualifier
from synth.numbers import NumberMention, find_numbers

if TYPE_CHECKING:
    from spacy.tokens import Span, Token

# Figure and its kin live in `figure`; they are named here too, so that code that imports
# them from the entry point keeps working.
__all__ = ["NATIONALITY", "Figure", "FigureMemory", "figures_in"]

_THRESHOLD_AFTER = re.compile(
    r"^\s*(?:or (?:more|greater|above|higher|over|less|fewer|"
    r"below|lower)|\+)",
    re.I,
)


def figures_in(
    sentence: Span, story: StoryProfile, reference_year: int | None, memory: FigureMemory | None = None
) -> list[Figure]:
    """The figures `sentence` states, in order."""
    memory = memory or FigureMemory()
    text = sentence.text
    base = sentence.start_char
    event = other_event(sentence, story, reference_year)
    found: list[tuple[Token, Figure]] = []
    dates = [(d.start, d.end) for d in find_dates(text)]
    for mention in find_numbers(text):
        if any(start <= mention.number_start < end for start, end in dates):
            continue  # "Saturday 9 September" is a date, not a count
        if _THRESHOLD_AFTER.match(text[mention.end :]):
            continue  # "magnitude 6 or more": a threshold, not a figure
        tokens = _tokens_of(sentence, base + mention.number_start, base + mention.end)
        if not tokens:
            continue
        anchor = _anchor(tokens)
        reading = _read(anchor, tokens, mention, text, base, story, found, memory)
        if reading is None:
            continue
        unit, parts = reading
        if event and unit != "year":
            parts.append(("event", event))
        found.append(
            (
                anchor,
                Figure(
                    value=mention.value,
                    value_max=mention.value_max,
                    unit=unit,
                    parts=parts,
                    qualifier=_qualifier(mention, anchor),
                    time_ref=time_ref(anchor, sentence),
                    text=text[mention.start : mention.end],
                ),
            )
        )
    share_owners(found)
    found.extend(clock_times(sentence, event))
    memory.remember_sites(sentence)
    memory.sentences_since += 1
    if found:
        memory.last_unit, memory.sentences_since = found[-1][1].unit, 0
        memory.recent = [*memory.recent, *(f for _, f in found)][-8:]
    return [figure for _, figure in found]


def _tokens_of(sentence: Span, start: int, end: int) -> list[Token]:
    """The tokens the number is written with; none when it is part of a longer word or
    code ('P-3', 'S5', '777-200'), which is a name, not a figure."""
    tokens = [t for t in sentence if t.idx < end and t.idx + len(t.text) > start]
    if not tokens:
        return []
    if tokens[0].idx < start and not tokens[0].text[: start - tokens[0].idx].strip("$€£¥~("):
        return tokens
    if tokens[0].idx < start:
        return []
    last = tokens[-1]
    tail = last.text[end - last.idx :]
    if tail and not re.fullmatch(r"(?:%|[a-z]{1,3}|-\d.*)", tail, re.I):
        return []
    return tokens


def _anchor(tokens: Sequence[Token]) -> Token:
    """The token that links the number to the rest of the sentence ('million' in '12 million')."""
    span_ids = {t.i for t in tokens}
    outside = [t for t in tokens if t.head.i not in span_ids or t.head.i == t.i]
    return outside[-1] if outside else tokens[-1]


def _read(
    anchor: Token,
    tokens: Sequence[Token],
    mention: NumberMention,
    text: str,
    base: int,
    story: StoryProfile,
    found: list[tuple[Token, Figure]],
    memory: FigureMemory,
) -> tuple[str, list[ScopePart]] | None:
    """(unit, scope parts) for one number, or None when it is not a figure."""
    entity = anchor.ent_type_
    after = next_word(tokens[-1])
    if is_clock_or_year(mention, anchor) or (
        entity in ("DATE", "TIME") and reads_as_time(anchor, mention, after)
    ):
        return read_time(anchor, tokens, mention, after)
    if mention.value < 2 and not re.search(r"\d", mention.text) and mention.value != 0:
        return None  # "one of the", "a single": words, not counts
    if mention.value == 0:
        return read_zero(anchor)
    if _is_reference(anchor, mention):
        return None
    currency = currency_unit(tokens, after, text, mention, base)
    if currency:
        # Money is of something: a price, a sum raised, a deal ("raised over $400").
        measured = measured_thing(anchor)
        return currency, [*owner_scope(anchor, anchor, story), *([("measure", measured)] if measured else [])]
    if _is_address(anchor):
        return None
    if after is not None and (after.text == "%" or after.lower_ in ("percent", "pct")):
        return "percent", percent_scope(after, anchor, story)
    if is_per_cent(after):
        return "percent", percent_scope(next_word(after) or anchor, anchor, story)
    measure = measure_after(tokens[-1], text, mention, base)
    if measure:
        unit, unit_token = measure
        return unit, measure_scope(anchor, unit_token, story)
    return read_count(anchor, tokens, story, found, memory)


def _is_address(anchor: Token) -> bool:
    """'3464 Parc Ave', 'Flight 370': a number that is part of a name, not a count of it."""
    head = anchor.head
    return (
        anchor.dep_ in ("nummod", "compound")
        and head.tag_ == "NNP"
        and head.i > anchor.i
        and head.dep_ not in ("compound", "conj", "nmod", "amod")
        and not any(c.dep_ == "conj" for c in head.children)
    )


def _is_reference(anchor: Token, mention: NumberMention) -> bool:
    """'the two governments', 'three times the figure': a number that refers or multiplies
    rather than counts."""
    following = next_word(anchor)
    if any(c.lower_ == "times" for c in anchor.children) or (
        following is not None and following.lower_ == "times"
    ):
        return True
    if mention.value < 10 and not re.search(r"\d", mention.text) and anchor.i > anchor.sent.start:
        before = anchor.doc[anchor.i - 1]
        return before.lower_ in ("the", "these", "those", "both") and anchor.dep_ == "nummod"
    return False


def _qualifier(mention: NumberMention, anchor: Token) -> Qualifier:
    """The number's own qualifier, else 'about' for '1,500 or so' or a modifier such as
    'nearly'."""
    if mention.qualifier != "exact":
        return mention.qualifier
    nxt = next_word(anchor)
    after = next_word(nxt) if nxt is not None else None
    if nxt is not None and nxt.lower_ == "or" and after is not None and after.lower_ == "so":
        return "about"  # "1,500 or so"
    for child in anchor.children:
        if child.dep_ in ("advmod", "quantmod") and child.lower_ in (
            "about",
            "around",
            "nearly",
            "almost",
            "approximately",
            "roughly",
            "some",
        ):
            return "about"
    return "exact"
