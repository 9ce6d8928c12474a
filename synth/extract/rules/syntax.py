"""Small readings of spaCy's parse that the figure rules share: the next word, a verb's subject,
a name's whole text, the verb of a clause (pure)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Token


def next_word(token: Token | None) -> Token | None:
    """The next token in the sentence that is not a hyphen."""
    if token is None:
        return None
    index = token.i + 1
    while index < token.sent.end and token.doc[index].text in ("-", "‑", "–"):
        index += 1
    return token.doc[index] if index < token.sent.end else None


def hyphened(number: Token, noun: Token) -> bool:
    """Whether only hyphens stand between a number and its noun ('a three-storey building')."""
    between = number.doc[number.i + 1 : noun.i]
    return len(between) >= 1 and all(t.text in ("-", "‑", "–") for t in between)


def subject_of(verb: Token) -> Token | None:
    """A verb's subject: what 'which', 'that' or 'who' stands for, or the subject of the verb
    it is joined to when it has none of its own."""
    subject = next((c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")), None)
    if subject is not None and subject.lower_ in ("which", "that", "who") and verb.dep_ == "relcl":
        return verb.head
    if subject is None and verb.dep_ in ("conj", "xcomp", "advcl") and verb.head.pos_ in ("VERB", "AUX"):
        return subject_of(verb.head)
    return subject


def is_name(token: Token) -> bool:
    """A name, or a noun a name describes ('the Syriza party')."""
    return (
        token.pos_ == "PROPN"
        or token.ent_type_ in ("ORG", "PERSON", "NORP", "PRODUCT", "GPE")
        or any(c.dep_ in ("compound", "amod") and c.pos_ == "PROPN" for c in token.children)
    )


def entity_text(token: Token) -> str:
    """The whole name a token is part of ('New Democracy' for 'Democracy')."""
    if token.ent_type_:
        for entity in token.sent.ents:
            if entity.start <= token.i < entity.end:
                return re.sub(r"^(?:the|The)\s+", "", entity.text)
    words = [c for c in token.lefts if c.dep_ in ("compound", "amod") and c.pos_ == "PROPN"]
    if token.pos_ == "NOUN" and words:
        return " ".join(w.text for w in words)  # "the Syriza party" is Syriza's
    return " ".join([*(w.text for w in words), token.text])


def name_before(noun: Token) -> str:
    """The proper name written right before a noun, whole and as written: 'Harbour Rescue
    Self-Help Unit boats' → 'Harbour Rescue Self-Help Unit' (its words hang off one another
    in the parse, so no one word's children hold it all)."""
    words: list[Token] = []
    for token in reversed(noun.doc[noun.sent.start : noun.i]):
        # A capitalised word inside a name may be tagged a noun ('Self-Help'); the first word
        # of a sentence is capitalised whatever it is.
        in_name = token.pos_ == "PROPN" or (
            token.is_title and token.pos_ in ("NOUN", "ADJ") and token.i != token.sent.start
        )
        if not in_name and not (token.text == "-" and words):
            break
        words.insert(0, token)
    while words and words[0].text == "-":
        words.pop(0)
    return "".join(t.text_with_ws for t in words).strip()


def phrase_key(token: Token) -> str:
    """A noun phrase without its determiner: 'the previous search zone' → 'previous search zone'."""
    words = [t for t in token.subtree if t.i <= token.i and t.dep_ not in ("det", "punct", "poss", "case")]
    return " ".join(t.text for t in words) or token.text


def clause_of(token: Token) -> Token:
    """The verb of the clause a token stands in, or the root it reaches."""
    head = token
    for _ in range(12):
        if (
            head.pos_ in ("VERB", "AUX")
            and head.dep_ not in ("amod", "acl", "xcomp")
            or head.head.i == head.i
        ):
            return head
        head = head.head
    return head


def in_brackets(token: Token) -> bool:
    """Whether the token comes straight after an opening bracket."""
    return token.i > token.sent.start and token.doc[token.i - 1].text == "("
