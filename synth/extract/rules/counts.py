"""What a counting number counts (pure): its noun, the outcome its verb, noun or adjective names
('60 were wounded' → injured), or, when the noun is left out, a measure noun ('the toll rose
to 52'), the level of 'it', or a parallel or similar figure before it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from synth.extract.rules.figure import Figure, FigureMemory, ScopePart
from synth.extract.rules.measures import described_scope, read_magnitude
from synth.extract.rules.nlp import lemma
from synth.extract.rules.scopes import (
    COLLECTIVE_NOUNS,
    PEOPLE_NOUNS,
    PERSON_NOUNS,
    each_after,
    is_part_of_total,
    owner_scope,
    parenthetical_scope,
    place_scope,
    predicate_scope,
    subset_scope,
    whole_scope,
)
from synth.extract.rules.story import StoryProfile
from synth.extract.rules.syntax import hyphened, in_brackets, next_word, subject_of
from synth.extract.rules.times import DURATION_NOUNS, duration_scope
from synth.units import TIME_POINTS as TIME_POINT_UNITS
from synth.units import canonical_unit

if TYPE_CHECKING:
    from spacy.tokens import Token


# Verbs (by lemma) whose subject or object is counted by the outcome they name.
OUTCOME_VERBS = {
    "kill": "deaths",
    "die": "deaths",
    "perish": "deaths",
    "drown": "deaths",
    "injure": "injured",
    "wound": "injured",
    "hurt": "injured",
    "hospitalise": "injured",
    "hospitalize": "injured",
    "miss": "missing",
    "disappear": "missing",
    "rescue": "rescued",
    "recover": "rescued",
    "save": "rescued",
    "evacuate": "evacuated",
    "displace": "displaced",
    "flee": "displaced",
    "arrest": "arrested",
    "detain": "arrested",
}
# Nouns (by lemma) that name the same outcomes ("the rescue of eight", "the deaths of 17").
OUTCOME_NOUNS = {
    "death": "deaths",
    "fatality": "deaths",
    "casualty": "injured",
    "injury": "injured",
    "rescue": "rescued",
    "evacuation": "evacuated",
    "arrest": "arrested",
}
OUTCOME_ADJECTIVES = {
    "dead": "deaths",
    "missing": "missing",
    "injured": "injured",
    "wounded": "injured",
    "homeless": "displaced",
    "unaccounted": "missing",
}

# Nouns that stand for a count of something else ("the death toll rose to 52").
MEASURE_NOUNS = frozenset("toll number total count tally figure".split())
# Nouns for a body of people named as one, whose size 'of' gives: 'a crew of 14'.
BODY_NOUNS = frozenset({"crew", "staff", "personnel"})

# A count of these is rarely a figure anyone checks (three times, two sides).
NOT_FIGURES = frozenset(
    """time times way ways thing things reason reasons side sides part parts
point points occasion occasions kind kinds sort sorts step steps round rounds""".split()
)

_ON_BOARD = frozenset({"onboard", "aboard", "board"})


def read_zero(anchor: Token) -> tuple[str, list[ScopePart]] | None:
    """'No one was hurt' → 0 injured; 'none of those on board survived' → 0 survivors."""
    verb = anchor.head if anchor.dep_ in ("nsubj", "nsubjpass", "dobj") else None
    if verb is not None:
        outcome = OUTCOME_VERBS.get(lemma(verb))
        if outcome:
            return outcome, []
        if lemma(verb) == "survive":
            return "survivors", []
    return None


def read_count(
    anchor: Token,
    tokens: Sequence[Token],
    story: StoryProfile,
    found: list[tuple[Token, Figure]],
    memory: FigureMemory,
) -> tuple[str, list[ScopePart]] | None:
    """(unit, scope parts) for a number that counts: an outcome ('2,012 dead'), a magnitude,
    a size ('900,000-strong'), a hyphened property or the noun it counts; else what its
    left-out noun must be."""
    noun = (
        anchor.head
        if anchor.dep_ in ("nummod", "quantmod", "compound")
        and anchor.head.pos_ in ("NOUN", "PROPN")
        and anchor.head.i > anchor.i
        else None
    )
    nxt = next_word(anchor)
    if nxt is not None and nxt.lower_ in OUTCOME_ADJECTIVES and not hyphened(anchor, nxt):
        return OUTCOME_ADJECTIVES[nxt.lower_], []  # "2,012 dead and 2,059 injured"
    magnitude = read_magnitude(anchor, nxt, story)
    if magnitude is not None:
        return magnitude
    if (noun is not None and noun.lower_ == "strong") or (nxt is not None and nxt.lower_ == "strong"):
        whole = _whole_after(anchor)  # "a 900,000-strong army"
        return ("troops", [("whole", f"whole {whole}")]) if whole else None
    if noun is not None and hyphened(anchor, noun) and noun.dep_ in ("compound", "amod", "nmod", "npadvmod"):
        # "a three-storey building", "a five-alarm fire": a property of the noun it describes.
        return _plural(noun), described_scope(noun.head, story)
    if noun is None:
        return _read_elided(anchor, story, found, memory)
    while noun.dep_ == "compound" and noun.head.pos_ == "NOUN" and noun.head.i > noun.i:
        noun = noun.head  # "1,500 special forces soldiers" counts soldiers
    if noun.pos_ == "PROPN":  # "Seven US Navy and Japanese ships": the names own the ships
        listed = [c for c in noun.children if c.dep_ == "conj" and c.tag_ == "NNS"]
        if listed:
            noun = listed[0]
        elif noun.dep_ in ("nmod", "compound") and noun.head.tag_ == "NNS" and noun.head.i > noun.i:
            noun = noun.head
    return _counted_noun(anchor, noun, story, memory)


def _counted_noun(
    anchor: Token, noun: Token, story: StoryProfile, memory: FigureMemory | None = None
) -> tuple[str, list[ScopePart]] | None:
    """(unit, scope parts) for a number that counts `noun`, or None when the noun is not
    worth a figure ('three times')."""
    noun_lemma = lemma(noun)
    if (
        noun_lemma in NOT_FIGURES
        or noun_lemma in MEASURE_NOUNS
        or noun.is_stop
        or not noun.text.replace("-", "").isalpha()
        or len(noun.text) < 2
    ):
        return None
    if noun_lemma in DURATION_NOUNS:
        return DURATION_NOUNS[noun_lemma], duration_scope(noun)
    parts = subset_scope(noun, story) + owner_scope(anchor, noun, story)
    parts += place_scope(noun, story, memory=memory) + whole_scope(noun)
    if is_part_of_total(anchor, noun):
        parts.append(("subset", "part of a total"))
    if noun.dep_ == "pobj" and noun.head.lower_ == "by" and noun.head.head.pos_ == "VERB":
        parts.append(("measure", "margin"))  # "beating it by 1 million units": a difference
    if each_after(noun):
        parts.append(("subset", "each"))
    if any(c.lower_ in ("further", "additional", "extra") for c in [*noun.children, *anchor.children]):
        parts.append(("subset", "additional"))  # "a further 1,500": an increment
    # "239 passengers and crew": people counted under two names, with one number, are
    # everyone; "ships, three squadrons and aircraft" are not people at all.
    conjoined = (
        [c for c in noun.children if c.dep_ == "conj" and c.pos_ == "NOUN" and lemma(c) in PEOPLE_NOUNS]
        if noun_lemma in PEOPLE_NOUNS
        else []
    )
    if noun_lemma in PERSON_NOUNS or conjoined:
        outcome = _outcome_of(noun)
        if outcome:
            return outcome, parts
        if conjoined and not any(t.like_num for c in conjoined for t in c.subtree):
            return "people", parts  # "239 passengers and crew": everyone on board
    elif noun_lemma in PEOPLE_NOUNS and not _negated(noun):
        # "two students who went missing", "the deaths of 14 students": students still, but
        # only those it happened to, which another count of students need not contradict.
        outcome = _outcome_of(noun)
        if outcome:
            parts.append(("subset", outcome))
    return _plural(noun), parts


def _negated(noun: Token) -> bool:
    """Whether what the noun's verb or clause says of it is denied ('not recovered')."""
    verbs = [noun.head, *(c for c in noun.children if c.dep_ in ("acl", "relcl"))]
    return any(g.dep_ == "neg" for verb in verbs for g in verb.children)


def _read_elided(
    anchor: Token, story: StoryProfile, found: list[tuple[Token, Figure]], memory: FigureMemory
) -> tuple[str, list[ScopePart]] | None:
    """A number with no noun of its own: the verb, an 'of' phrase, a measure noun or the
    figure it parallels says what it counts."""
    outcome = _outcome_of(anchor)
    if outcome:
        return outcome, place_scope(anchor, story)
    partitive = next((c for c in anchor.children if c.dep_ == "prep" and c.lower_ == "of"), None)
    if partitive is not None:
        objects = [c for c in partitive.children if c.dep_ == "pobj" and c.pos_ == "NOUN"]
        if objects:
            counted = _counted_noun(anchor, objects[0], story)
            if counted:
                return counted[0], [*counted[1], *predicate_scope(anchor)]
        pronouns = [c for c in partitive.children if c.dep_ == "pobj" and c.pos_ == "PRON"]
        if pronouns and found:  # "2,059 injured, 1,404 of them critically"
            manner = [c.lower_ for c in anchor.head.children if c.dep_ == "advmod"] + (
                [anchor.head.lower_] if anchor.head.pos_ == "ADV" else []
            )
            return found[-1][1].unit, [("subset", "part of a total"), *(("subset", m) for m in manner[:1])]
    reached = _reached_by(anchor, story, memory)
    if reached:
        return reached
    # The noun a number is "of" says what it counts: "a death toll of 52", "a crew of 14".
    whole = anchor.head.head if anchor.dep_ == "pobj" and anchor.head.lower_ == "of" else None
    if whole is not None and lemma(whole) in MEASURE_NOUNS:
        if lemma(whole) == "toll" or any(lemma(c) in ("death", "dead") for c in whole.children):
            return "deaths", []
    elif whole is not None and whole.i < anchor.i and whole.pos_ == "NOUN" and whole.lower_ in BODY_NOUNS:
        return whole.lower_, []  # the crew's size, not another count of the people before it
    measured = _measured_by(anchor)
    if measured:
        if measured != "?":
            return measured, []
        if found:
            return found[-1][1].unit, []
        if memory.last_unit and memory.sentences_since <= 1:
            return memory.last_unit, []
    level = _level_of_it(anchor)
    if level is not None and (found or memory.last_unit):
        # "it climbed past 2,000": "it" is the figure just named
        return (found[-1][1].unit if found else memory.last_unit), []  # type: ignore[return-value]
    similar = _similar_figure(anchor, found, memory)
    if similar is not None:
        return similar, []
    if any(t.lower_ in _ON_BOARD for t in anchor.children) or (
        anchor.head.pos_ in ("ADP",) and anchor.head.lower_ in _ON_BOARD
    ):
        return "people", []
    if in_brackets(anchor):
        # "(129 seats), Syriza 26.9% (71)": a bare bracketed number counts what the last
        # bracketed figure counted
        bracketed = [
            f
            for a, f in found
            if in_brackets(a) or in_brackets(a.head) or any(in_brackets(t) for t in a.head.lefts)
        ]
        if bracketed:
            return bracketed[-1].unit, parenthetical_scope(anchor, story)
    if found:
        previous_anchor, previous = found[-1]
        if _parallel(anchor, previous_anchor):
            return previous.unit, parenthetical_scope(anchor, story)
    if found and anchor.dep_ in ("nsubj", "nsubjpass") and re.search(r"\d", anchor.text):
        # "About 900 volunteers have arrived so far, and 3,000 are expected by June"
        subject_unit = found[-1][1].unit
        if subject_unit not in DURATION_NOUNS.values() and subject_unit not in TIME_POINT_UNITS:
            return subject_unit, []
    if anchor.dep_ in ("dobj", "pobj", "conj") and re.search(r"\d", anchor.text):
        # "… and reached 2,122", "… up to 12,000 in all": the noun of the figure just before
        unit = found[-1][1].unit if found else (memory.last_unit if memory.sentences_since <= 1 else None)
        if unit and unit not in DURATION_NOUNS.values() and unit not in TIME_POINT_UNITS:
            return unit, []
    return None


# Verbs whose object is the level a figure named before has reached.
CHANGE_VERBS = frozenset(
    {
        "climb",
        "rise",
        "jump",
        "increase",
        "grow",
        "pass",
        "reach",
        "top",
        "exceed",
        "surpass",
        "hit",
        "soar",
        "stand",
        "fall",
        "drop",
    }
)


def _level_of_it(anchor: Token) -> Token | None:
    """'it climbed past 2,000': a level of something named before ('it', 'this')."""
    verb = anchor.head.head if anchor.dep_ == "pobj" else anchor.head
    if verb.pos_ != "VERB" or lemma(verb) not in CHANGE_VERBS:
        return None
    subject = subject_of(verb)
    return verb if subject is not None and subject.lower_ in ("it", "this", "that") else None


def _similar_figure(anchor: Token, found: list[tuple[Token, Figure]], memory: FigureMemory) -> str | None:
    """'… measured it at magnitude 6.8, while the institute put it at 7.0', 'the quake
    measured 7.0': a bare number after a measuring verb counts what the nearest earlier
    figure of about its size counted."""
    verb = anchor.head.head if anchor.dep_ == "pobj" else anchor.head
    if lemma(verb) not in ("measure", "put", "register", "record", "rate", "estimate", "give"):
        return None
    value = float(anchor.text.replace(",", "")) if re.fullmatch(r"[\d,]+(?:\.\d+)?", anchor.text) else None
    if value is None or value <= 0:
        return None
    candidates = [f for _, f in reversed(found)] + list(reversed(memory.recent))
    for figure in candidates:
        if (
            figure.value > 0
            and 1 / 1.5 <= value / figure.value <= 1.5
            and figure.unit not in DURATION_NOUNS.values()
        ):
            return figure.unit
    return None


# Verbs that give the level a count stands at: "sales, which reached 40 million".
LEVEL_VERBS = frozenset({"reach", "hit", "top", "exceed", "surpass", "pass", "total"})


def _reached_by(
    anchor: Token, story: StoryProfile, memory: FigureMemory
) -> tuple[str, list[ScopePart]] | None:
    """'Galaxy S4 sales, which reached a record 40 million': the subject is what is counted."""
    verb = anchor.head
    if anchor.dep_ not in ("dobj", "attr") or lemma(verb) not in LEVEL_VERBS:
        return None
    subject = subject_of(verb)
    if subject is None or subject.pos_ != "NOUN" or lemma(subject) in MEASURE_NOUNS:
        return None
    return _counted_noun(anchor, subject, story, memory)


def _outcome_of(token: Token) -> str | None:
    """The outcome a counted word's verb or noun names: '60 were wounded' → injured,
    'killing 31' → deaths, 'the deaths of 17' → deaths, '12 dead' → deaths."""
    head = token.head
    if token.dep_ in ("nsubj", "nsubjpass", "dobj", "attr") and head.pos_ in ("VERB", "AUX"):
        outcome = OUTCOME_VERBS.get(lemma(head))
        if outcome and not (outcome == "missing" and token.dep_ == "dobj"):
            return outcome
        if token.dep_ in ("nsubj", "nsubjpass"):  # "are known to have died", "feared dead"
            for child in head.children:
                if child.dep_ == "xcomp" and OUTCOME_VERBS.get(lemma(child)):
                    return OUTCOME_VERBS[lemma(child)]
        for child in head.children:  # "were left dead", "remain missing"
            if child.dep_ in ("acomp", "oprd", "xcomp") and child.lower_ in OUTCOME_ADJECTIVES:
                return OUTCOME_ADJECTIVES[child.lower_]
    if token.dep_ == "pobj" and head.lower_ == "of" and head.head.pos_ == "NOUN":
        return OUTCOME_NOUNS.get(lemma(head.head))
    for child in token.children:
        if child.dep_ in ("amod", "acl", "relcl") and child.lower_ in OUTCOME_ADJECTIVES:
            return OUTCOME_ADJECTIVES[child.lower_]
        if child.dep_ in ("acl", "relcl") and any(  # "two students who went missing"
            g.dep_ in ("acomp", "oprd", "xcomp") and g.lower_ in OUTCOME_ADJECTIVES for g in child.children
        ):
            return next(
                OUTCOME_ADJECTIVES[g.lower_]
                for g in child.children
                if g.dep_ in ("acomp", "oprd", "xcomp") and g.lower_ in OUTCOME_ADJECTIVES
            )
        if child.dep_ in ("acl", "relcl") and OUTCOME_VERBS.get(lemma(child)):
            return OUTCOME_VERBS[lemma(child)]
    if token.dep_ == "amod" and head.lower_ in OUTCOME_ADJECTIVES:
        return OUTCOME_ADJECTIVES[head.lower_]
    return None


def _measured_by(anchor: Token) -> str | None:
    """'the death toll rose to 820' → deaths: the number is what a measure noun stands at.
    '?' when the measure noun does not say what it counts ('the running total at 3,000')."""
    verb = (
        anchor.head.head
        if anchor.dep_ == "pobj"
        else anchor.head
        if anchor.dep_ in ("attr", "dobj")
        else None
    )
    if verb is None or verb.pos_ not in ("VERB", "AUX"):
        return None
    for candidate in verb.children:
        if candidate.dep_ in ("nsubj", "nsubjpass", "dobj") and lemma(candidate) in MEASURE_NOUNS:
            for child in candidate.children:
                if child.dep_ in ("compound", "amod") and lemma(child) in ("death", "dead"):
                    return "deaths"
                if child.dep_ == "prep" and child.lower_ == "of":
                    objects = [c for c in child.children if c.dep_ == "pobj"]
                    if objects:
                        return OUTCOME_ADJECTIVES.get(objects[0].lower_) or _plural(objects[0])
            return "deaths" if lemma(candidate) == "toll" else "?"
    return None


def _parallel(anchor: Token, previous: Token) -> bool:
    """A bare number in the same construction as the figure before it: 'rose from 40 to
    52', '3,000 troops so far and 10,000 by December'."""
    return anchor.head == previous or anchor.head == previous.head or previous.head == anchor


def _whole_after(anchor: Token) -> str | None:
    """The body named just after a number ('a 900,000-strong army' → army)."""
    for token in anchor.doc[anchor.i : min(anchor.i + 6, anchor.sent.end)]:
        if lemma(token) in COLLECTIVE_NOUNS:
            return token.lower_
    return None


def _plural(noun: Token) -> str:
    """The unit a counted noun names, in the plural."""
    word = noun.lower_
    if noun.tag_ in ("NNS", "NNPS") or word in ("aircraft", "people", "crew", "personnel", "police", "staff"):
        return canonical_unit(word)
    base = lemma(noun)
    if re.search(r"(?:s|x|z|ch|sh)$", base):
        return canonical_unit(base + "es")
    if re.search(r"[^aeiou]y$", base):
        return canonical_unit(base[:-1] + "ies")
    return canonical_unit(base + "s")
