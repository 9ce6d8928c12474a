"""Figures with a unit beside the number (pure): money, percentages, measures ('3,500km',
'120 nautical miles') and magnitudes, with what and from where each one measures."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from synth.extract.rules.figure import ScopePart
from synth.extract.rules.nlp import lemma
from synth.extract.rules.scopes import REGION_LABELS, SITE_LABELS, owner_scope, place_scope
from synth.extract.rules.story import StoryProfile, entity_key
from synth.extract.rules.syntax import clause_of, entity_text, next_word, phrase_key, subject_of
from synth.numbers import NumberMention
from synth.units import CURRENCIES, MEASURES, canonical_unit

if TYPE_CHECKING:
    from spacy.tokens import Token


# Nouns a measure can describe ("a range of 13,000 km", "an altitude of 2,800 miles").
DIMENSION_NOUNS = frozenset(
    """range altitude height depth distance length width area radius
diameter speed elevation radius""".split()
)

_COMPASS = re.compile(r"^(?:north|south|east|west)(?:-?(?:east|west))?(?:ern|ward|wards)?$", re.I)


def currency_unit(
    tokens: Sequence[Token], after: Token | None, text: str, mention: NumberMention, base: int
) -> str | None:
    """The currency written before the number ('$', '€') or after it ('euros'), if any."""
    before = text[max(0, mention.number_start - 4) : mention.number_start].rstrip()
    for symbol in ("US$", "$", "€", "£", "¥"):
        if before.endswith(symbol):
            return CURRENCIES[symbol]
    if after is not None and after.lower_ in CURRENCIES and after.lower_ not in ("pounds",):
        return CURRENCIES[after.lower_]
    return None


def is_per_cent(after: Token | None) -> bool:
    """Whether the words after the number are 'per cent'."""
    nxt = next_word(after)
    return after is not None and after.lower_ == "per" and nxt is not None and nxt.lower_ == "cent"


def measure_after(last: Token, text: str, mention: NumberMention, base: int) -> tuple[str, Token] | None:
    """A unit of measurement written after the number, glued or not ('3,500km',
    '120 nautical miles', '1,000 square nautical miles')."""
    tail = (
        last.text[mention.end + base - last.idx :] if last.idx + len(last.text) > mention.end + base else ""
    )
    glued = re.match(r"[a-z]{1,3}", tail, re.I)
    if glued and glued.group(0).lower() in MEASURES:
        return _plural_measure(glued.group(0).lower()), last
    words: list[Token] = []
    token: Token | None = last
    for _ in range(4):
        token = next_word(token)
        if token is None:
            break
        words.append(token)
    for size in (4, 3, 2, 1):
        if len(words) < size:
            continue
        phrase = " ".join(w.lower_ for w in words[:size]).replace("square ", "sq ")
        if phrase in MEASURES:
            return _plural_measure(phrase), words[size - 1]
    return None


def _plural_measure(unit: str) -> str:
    """The canonical name of a unit of measurement."""
    return canonical_unit(unit)


def measure_scope(anchor: Token, unit_token: Token, story: StoryProfile) -> list[ScopePart]:
    """What a measure measures ('a range of 13,000 km' → range) and from where ('2,500km
    southwest of Perth' → from Perth)."""
    parts: list[ScopePart] = []
    if unit_token.dep_ == "appos" and unit_token.head.pos_ == "NOUN":
        unit_token = unit_token.head  # "13,000 km (8,100 miles)": the bracket restates it
    of = unit_token.head if unit_token.dep_ == "pobj" and unit_token.head.lower_ == "of" else None
    landmark = _landmark(unit_token)
    if of is not None and lemma(of.head) in DIMENSION_NOUNS:
        parts.append(("measure", lemma(of.head)))
    elif unit_token.dep_ in ("compound", "amod", "nmod") and unit_token.head.pos_ == "NOUN":
        parts.append(("measure", lemma(unit_token.head)))  # "a 1,000-kilometre range"
    elif not landmark:  # a distance from a landmark says what it measures already
        measured = measured_thing(unit_token)
        if measured:
            parts.append(("measure", measured))
    if landmark:
        parts.append(("place", landmark))
    else:
        # "7.5 inches (19 centimetres) of snow fell at O'Hare": the bracketed one too
        placed = unit_token.head if unit_token.dep_ == "appos" else unit_token
        parts += place_scope(placed, story, measure=True)
        subject = subject_of(unit_token.head) if unit_token.head.pos_ in ("VERB", "AUX") else None
        if not parts and subject is not None and subject.ent_type_ in REGION_LABELS | SITE_LABELS:
            name = entity_text(subject)  # "The Chicago area was slammed with 30 cm"
            if entity_key(name) not in story.common_places:
                parts.append(("place", f"at {name}"))
    return parts


# Verbs of covering a distance: "flew 960 km" and "travelled about 1,000 km" measure one thing.
TRAVEL_VERBS = frozenset(
    """fly travel go cover move journey cruise drift sail drive walk run
head""".split()
)
# Verbs that say nothing of what is measured ("was 5 km", "said 30 cm").
_LIGHT_VERBS = frozenset(
    """be have say report tell add note estimate put give show make take get
include reach""".split()
)


def measured_thing(unit_token: Token) -> str | None:
    """What a measure without a dimension word measures: the thing it is of ('30 cm of
    snow'), else what its verb does ('snow fell', 'flew 960 km' → travel, 'raised $400' →
    raise), so that a poutine's price and a campaign's takings are never one figure."""
    # "9 inches (23 centimetres) of snow": the "of" may hang on either spelling of the unit.
    spellings = [unit_token, *(c for c in unit_token.children if c.dep_ == "appos")]
    if unit_token.dep_ == "appos":
        spellings.append(unit_token.head)
    for spelling in spellings:
        of = next((c for c in spelling.children if c.dep_ == "prep" and c.lower_ == "of"), None)
        objects = [c for c in of.children if c.dep_ == "pobj" and c.pos_ == "NOUN"] if of else []
        if objects:
            return lemma(objects[0])
    head = unit_token
    for _ in range(4):  # past brackets, lists and prepositions to the verb
        if (
            head.dep_ in ("appos", "conj", "pobj", "prep", "npadvmod", "quantmod", "nummod")
            and head.head.i != head.i
        ):
            head = head.head
            continue
        break
    verb = head.head if head.pos_ != "VERB" else head
    if verb.pos_ == "NOUN" and verb.i != unit_token.i:
        return lemma(verb)  # "the cost of a poutine - $6.95"
    if verb.pos_ != "VERB" or lemma(verb) in _LIGHT_VERBS:
        return None
    unit = " ".join(t.lower_ for t in unit_token.lefts if t.dep_ == "amod") + " " + unit_token.lower_
    measure = MEASURES.get(canonical_unit(unit.strip().replace("square ", "sq ")))
    travelled = lemma(verb) in TRAVEL_VERBS and measure is not None and measure.dimension == "length"
    return "travel" if travelled else lemma(verb)


def _landmark(unit_token: Token) -> str | None:
    """'… 2,500km (1,500 miles) to the south-west of Perth' → 'from Perth'."""
    sentence = unit_token.sent
    window = [t for t in sentence if unit_token.i < t.i <= unit_token.i + 12]
    before = [t.lower_ for t in sentence if unit_token.i - 5 <= t.i < unit_token.i]
    direction = "within" in before  # "within 200 nautical miles of Japan's coast"
    for token in window:
        if token.text == "," and not direction:
            break
        if _COMPASS.match(token.text.replace("-", "")) or token.lower_ in (
            "off",
            "from",
            "further",
            "farther",
        ):
            direction = True
            if token.lower_ in ("off", "from"):
                objects = [c for c in token.children if c.dep_ == "pobj"]
                if objects:
                    return "from " + _landmark_name(objects[0])
            continue
        if direction and token.lower_ in ("of", "than", "from"):
            objects = [c for c in token.children if c.dep_ == "pobj"]
            if objects:
                return "from " + _landmark_name(objects[0])
    return None


def _landmark_name(noun: Token) -> str:
    """'the Australian city of Perth' → 'Perth'; 'the previous search zone' as it is."""
    of = next((c for c in noun.children if c.dep_ == "prep" and c.lower_ == "of"), None)
    names = [c for c in of.children if c.dep_ == "pobj" and c.pos_ == "PROPN"] if of else []
    return entity_text(names[0]) if names else phrase_key(noun)


def percent_scope(percent: Token, anchor: Token, story: StoryProfile) -> list[ScopePart]:
    """What a percentage is of: '30 percent of the vote', 'a 22 percent unemployment rate',
    '40 percent fewer phones', 'sales were down 50 percent'; and whose it is."""
    parts = owner_scope(anchor, percent, story)
    comparative = next_word(percent)
    if comparative is not None and comparative.tag_ in ("JJR", "RBR"):
        parts.append(("measure", f"{comparative.lower_} than"))  # "40 percent fewer": a change
    of = next((c for c in percent.children if c.dep_ == "prep" and c.lower_ == "of"), None)
    objects = [c for c in of.children if c.dep_ == "pobj"] if of is not None else []
    if objects:
        return [*parts, ("measure", "of " + lemma(objects[0]))]
    head = percent
    described: Token | None = None
    while (
        head.dep_ in ("npadvmod", "amod", "advmod", "compound", "nmod")
        and head.head.i != head.i
        and head.head.pos_ in ("ADJ", "ADV", "NOUN")
    ):
        head = head.head  # "40 percent fewer … phones", "a 22 percent unemployment rate"
        if head.pos_ == "NOUN":
            described = head
            break
    if described is None:
        verb = clause_of(percent)
        subject = subject_of(verb) if verb.pos_ in ("VERB", "AUX") else None
        if subject is not None and subject.pos_ == "NOUN":
            described = subject  # "sales were down 50 percent", "unemployment rose to 22%"
    if described is None:
        return parts
    # One part: the noun with its own compounds ("unemployment rate"), not the verb.
    words = [lemma(c) for c in described.lefts if c.dep_ == "compound" and c.pos_ == "NOUN"]
    return [*parts, ("measure", " ".join([*words, lemma(described)]))]


def read_magnitude(
    anchor: Token, after: Token | None, story: StoryProfile
) -> tuple[str, list[ScopePart]] | None:
    """'magnitude 6.8', 'a magnitude of 6.8', 'a 6.8-magnitude quake', 'a magnitude 4.9
    aftershock' (what it describes is its scope unless it is the story's own event)."""
    before = anchor.doc[anchor.i - 1] if anchor.i > anchor.sent.start else None
    of_before = anchor.doc[anchor.i - 2] if anchor.i - 2 >= anchor.sent.start else None
    if before is not None and before.lower_ == "magnitude":
        described = (
            before.head
            if before.head.pos_ == "NOUN" and before.head.i > anchor.i
            else (anchor.head if anchor.head.pos_ == "NOUN" and anchor.head.i > anchor.i else None)
        )
        return "magnitude", described_scope(described, story) if described is not None else []
    if (
        before is not None
        and before.lower_ == "of"
        and of_before is not None
        and of_before.lower_ == "magnitude"
    ):
        return "magnitude", []
    if after is not None and after.lower_ == "magnitude":
        return "magnitude", described_scope(after.head, story) if after.head.i != after.i else []
    return None


def described_scope(noun: Token, story: StoryProfile) -> list[ScopePart]:
    """What a measure describes ('a three-storey building'), unless it is the story's own
    subject (the quake of a quake story), which narrows nothing."""
    if noun.pos_ not in ("NOUN", "PROPN") or lemma(noun) in story.common_nouns:
        return []
    return [("described", lemma(noun))]
