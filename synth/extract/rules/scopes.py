"""Which part or whole a figure counts (pure): a subset ('Chinese passengers'), an owner ('New
Democracy ... 129 seats'), a whole body, a site, a part of a total, one of each, and owners
shared along a list."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from synth.extract.rules.figure import NATIONALITY, Figure, FigureMemory, ScopePart
from synth.extract.rules.nlp import lemma
from synth.extract.rules.story import StoryProfile, entity_key
from synth.extract.rules.syntax import entity_text, is_name, name_before, phrase_key, subject_of

if TYPE_CHECKING:
    from spacy.tokens import Token


# Nouns for anyone at all: the verb says what happened to them.
PERSON_NOUNS = frozenset(
    """people person persons individual individuals civilian civilians
resident residents villager villagers man men woman women child children""".split()
)
# Nouns for people counted as people (who are carried, hurt, rescued; not owned).
PEOPLE_NOUNS = PERSON_NOUNS | frozenset(
    """passenger crew member worker soldier sailor troop
survivor victim student child adult patient tourist migrant refugee firefighter""".split()
)

_SUBSET_MARKERS = frozenset({"including", "among", "whom"})


def subset_scope(noun: Token, story: StoryProfile) -> list[ScopePart]:
    """Modifiers that narrow what is counted: 'Chinese passengers', 'special forces',
    'seriously injured', 'passengers from China'."""
    parts: list[ScopePart] = []
    for child in noun.children:
        if child.dep_ in ("amod", "compound", "nmod") and child.ent_type_ in ("NORP", "GPE"):
            parts.append((NATIONALITY, entity_text(child)))
        elif (
            child.dep_ == "amod"
            and child.lower_ in ("special", "elite")
            or (
                child.dep_ == "compound"
                and lemma(child) == "force"
                and any(g.lower_ in ("special", "elite") for g in child.children)
            )
        ):
            parts.append(("subset", "special forces"))
        elif child.dep_ == "amod" and child.lower_ in ("senior", "critically", "seriously", "severely"):
            parts.append(("subset", child.lower_))
        elif child.dep_ == "prep" and child.lower_ == "from":
            # "passengers from China" are some of them; "ships from 10 countries" or "from
            # Vietnam, Malaysia, Thailand …" are all of them, by where they came from.
            objects = [
                c
                for c in child.children
                if c.dep_ == "pobj"
                and not any(g.dep_ == "nummod" for g in c.children)
                and sum(1 for t in c.subtree if t.dep_ == "conj") < 2
            ]
            if objects:
                parts.append(("subset", "from " + phrase_key(objects[0])))
    return parts


# Verbs whose subject owns the figure in their object: "won 129 seats", "sold 12 million".
POSSESSION_VERBS = frozenset(
    """have hold win gain get take secure sell ship garner receive earn
lose keep control capture own score claim retain obtain""".split()
)
# Nouns for a body whose size a figure may give: "the corps numbers 40,000 soldiers".
COLLECTIVE_NOUNS = frozenset(
    """army military force forces corps division brigade regiment
battalion fleet navy workforce population""".split()
)


def owner_scope(anchor: Token, noun: Token, story: StoryProfile) -> list[ScopePart]:
    """Whose count it is: a name on the noun ('Galaxy S5 units', "Samsung's share"), the
    subject that has, wins or sells it ('New Democracy … gained 129 seats'), or what a
    'with' phrase belongs to ('showed New Democracy with 128 seats')."""
    names = [
        c
        for c in noun.children
        if c.dep_ in ("compound", "poss", "nmod")
        and c.pos_ == "PROPN"
        and c.i < noun.i
        and c.ent_type_ not in ("NORP", "GPE")
    ]
    if names:
        last = names[-1]
        # A name the tagger did not see as one ('Harbour Rescue Self-Help Unit boats'):
        # its words as written, not only those that hang off its last word.
        whole = name_before(noun) if not last.ent_type_ and last.i == noun.i - 1 else ""
        return [("owner", whole or entity_text(last))]
    if lemma(noun) in PEOPLE_NOUNS:
        return []  # a plane "with 227 passengers" leaving a city: people have no owner here
    owner = _owner_by_verb(noun)
    return [("owner", owner)] if owner else []


def _owner_by_verb(noun: Token) -> str | None:
    """The name a figure belongs to through the phrase it stands in: a list or 'of' phrase
    headed by a name, a 'with' phrase, an apposition, or the subject of a possession verb."""
    head = noun
    # Climb over conjunctions and appositions: '30 percent of the vote and 128 seats',
    # 'Syriza 26.9% (71)' (the figures are Syriza's).
    for _ in range(4):
        if head.dep_ in ("conj", "appos") or (head.dep_ == "pobj" and head.head.lower_ == "of"):
            head = head.head.head if head.dep_ == "pobj" else head.head
            if head.pos_ == "PROPN" and head.ent_type_ not in ("DATE", "TIME"):
                return entity_text(head)
            continue
        break
    if head.dep_ == "pobj" and head.head.lower_ == "with":
        holder = head.head.head
        if holder.pos_ in ("PROPN", "NOUN") and is_name(holder):
            return entity_text(holder)
        if holder.pos_ in ("VERB", "AUX"):
            objects = [c for c in holder.children if c.dep_ in ("dobj", "attr") and is_name(c)]
            if objects:
                return entity_text(objects[0])
            subject = subject_of(holder)
            if subject is not None and is_name(subject):
                return entity_text(subject)
        return None
    if head.dep_ in ("appos", "npadvmod") and is_name(head.head):
        return entity_text(head.head)
    if (
        head.dep_ in ("dobj", "attr")
        and head.head.pos_ in ("VERB", "AUX")
        and lemma(head.head) in POSSESSION_VERBS | {"be"}
    ):
        subject = subject_of(head.head)
        if subject is not None and is_name(subject):
            return entity_text(subject)
    for child in head.children:  # "the Greens 9.3%"
        if child.dep_ in ("nmod", "npadvmod") and is_name(child):
            return entity_text(child)
    return None


def whole_scope(noun: Token) -> list[ScopePart]:
    """'the corps numbers roughly 40,000 soldiers', 'forces, which are estimated at 1.2
    million personnel': the size of a whole body, not a deployment."""
    head = noun.head if noun.dep_ == "pobj" else noun
    verb = head.head if head.dep_ in ("dobj", "attr", "prep") or noun.dep_ == "pobj" else None
    if verb is None or verb.pos_ not in ("VERB", "AUX"):
        return []
    subject = subject_of(verb)
    if (
        subject is not None
        and lemma(subject) in COLLECTIVE_NOUNS
        and lemma(verb) in ("number", "total", "estimate", "be", "have", "comprise", "include", "count")
    ):
        return [("whole", f"whole {subject.lower_}")]
    return []


# Entity labels a figure's site can carry. Countries and regions (GPE, LOC) narrow only
# measures ("9 inches fell across northern Missouri"): a count "in Russia" is rarely a part.
SITE_LABELS = frozenset({"FAC", "ORG"})
REGION_LABELS = frozenset({"GPE", "LOC"})
_SITE_PREPOSITIONS = frozenset({"at", "in", "on", "near", "off", "across", "over"})


def place_scope(
    token: Token, story: StoryProfile, measure: bool = False, memory: FigureMemory | None = None
) -> list[ScopePart]:
    """'809 flights were cancelled at O'Hare': a site that is not the story's own. A
    measure ('9 inches fell across northern Missouri') is narrowed by any place it is of;
    an organisation is a site only after 'at' ('at O'Hare', not 'seats in Parliament')."""
    labels = SITE_LABELS | REGION_LABELS if measure else SITE_LABELS
    parts: list[ScopePart] = []
    holders = [token, token.head] if token.head.pos_ in ("VERB", "AUX") else [token]
    for holder in holders:
        for child in holder.children:
            if child.dep_ == "prep" and child.lower_ in _SITE_PREPOSITIONS:
                for place in child.children:
                    if place.dep_ != "pobj" or (
                        place.ent_type_ == "ORG" and child.lower_ != "at" and not measure
                    ):
                        continue
                    name = _site_name(place, labels, memory)
                    if name and (measure or entity_key(name) not in story.common_places):
                        parts.append(("place", f"at {name}"))
        if holder.pos_ in ("VERB", "AUX"):
            subject = subject_of(holder)  # "Midway was reporting 69 cancellations"
            if subject is not None and subject.i != token.i and subject.ent_type_ == "FAC":
                name = entity_text(subject)
                if entity_key(name) not in story.common_places:
                    parts.append(("place", f"at {name}"))
    relative = token.head if token.head.dep_ == "relcl" else None
    if relative is not None and any(c.lower_ == "where" for c in relative.children):
        antecedent = relative.head  # "At Midway, where 123 flights were cancelled"
        if antecedent.ent_type_ in labels | {"FAC"}:
            parts.append(("place", f"at {entity_text(antecedent)}"))
    return parts[:1]


def _site_name(place: Token, labels: frozenset[str], memory: FigureMemory | None = None) -> str | None:
    """A site's name. 'the airport' is a site when the article has named sites of that kind
    ('… International Airport'): the one named last in the sentence, else in the article."""
    if place.ent_type_ in labels:
        return entity_text(place)
    if place.pos_ != "NOUN" or not any(c.lower_ == "the" for c in place.children):
        return None
    kind = lemma(place)
    sites = memory.sites if memory is not None else {}
    earlier = [e for e in place.sent.ents if e.end <= place.i and e.label_ in SITE_LABELS]
    if kind not in sites and not any(e[-1].lower_ == kind for e in earlier):
        return None
    if earlier:
        return re.sub(r"^(?:the|The)\s+", "", earlier[-1].text)
    return sites.get(kind)


def predicate_scope(anchor: Token) -> list[ScopePart]:
    """'More than 150 of the 239 passengers … were from China' → from China."""
    verb = anchor.head
    if anchor.dep_ in ("nsubj", "nsubjpass") and verb.pos_ in ("AUX", "VERB"):
        for child in verb.children:
            if child.dep_ == "prep" and child.lower_ == "from":
                objects = [c for c in child.children if c.dep_ == "pobj"]
                if objects:
                    return [("subset", "from " + phrase_key(objects[0]))]
    return []


def parenthetical_scope(anchor: Token, story: StoryProfile) -> list[ScopePart]:
    """'(154)' after 'from China or Taiwan' counts those from there; '(71)' after
    'Syriza 26.9%' is Syriza's."""
    owner = _owner_by_verb(anchor)
    if owner:
        return [("owner", owner)]
    head = anchor.head
    if head.pos_ == "PROPN" or head.ent_type_ in ("GPE", "LOC", "ORG", "NORP"):
        if head.dep_ == "pobj" and head.head.lower_ == "from":
            return [("subset", "from " + phrase_key(head))]
        return [("owner", entity_text(head))]
    return []


def is_part_of_total(anchor: Token, noun: Token) -> bool:
    """'including 12 children', 'of whom 40': a part of a figure given beside it."""
    for token in (anchor, noun):
        if token.dep_ == "pobj" and token.head.lower_ in _SUBSET_MARKERS:
            return True
    return False


def each_after(noun: Token) -> bool:
    """'two units of up to 6,000 men each': a figure per unit, not a total."""
    window = noun.doc[noun.i + 1 : min(noun.i + 3, noun.sent.end)]
    return any(t.lower_ == "each" for t in window)


def share_owners(found: Sequence[tuple[Token, Figure]]) -> None:
    """'The Galaxy S4 went on to sell 20 million handsets in two months, 30 million in four
    and 40 million in five': figures listed with an owned one (joined to it by 'and' or a
    comma, in one list) share its owner."""
    for anchor, figure in found:
        if any(kind == "owner" for kind, _ in figure.parts):
            continue
        for other_anchor, other in found:
            owners = [text for kind, text in other.parts if kind == "owner"]
            if other is figure or other.unit != figure.unit or not owners:
                continue
            if _listed_together(anchor, other_anchor):
                figure.parts.append(("owner", owners[0]))
                break


def _listed_together(first: Token, second: Token) -> bool:
    """Whether two numbers' phrases are items of one coordination."""

    def chain(token: Token) -> set[int]:
        seen = {token.i}
        while (
            token.dep_ in ("conj", "nummod", "appos", "pobj", "prep", "compound", "dobj")
            and token.head.i != token.i
            and len(seen) < 8
        ):
            token = token.head
            seen.add(token.i)
        return seen

    first_chain, second_chain = chain(first), chain(second)
    shared = first_chain & second_chain
    return bool(shared) and any(
        first.doc[i].dep_ == "conj" or any(c.dep_ == "conj" for c in first.doc[i].children)
        for i in first_chain | second_chain
    )
