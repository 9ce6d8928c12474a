"""Whether a text supports what is said of it, and whether it reads as an instruction (pure).

A model writes a claim's statement, its speaker, and (with the model reconcile) facts and
overview sentences. None of that is trusted: a statement must be made of what its quote and
the sentences around it say, a speaker must be named in the article, and a model's sentence
must be made of what the claims it cites say. The check is on words, not meaning:

- it catches a statement or sentence that brings in a name, a content word, or a negation
  its evidence does not have ("The government admitted it caused the disaster" pinned to a
  quote about rainfall; "…and the toll is a cover-up"; "did not" turned into "did");
- it does not catch a misreading made of the evidence's own words ("the ministry denied the
  toll" from "the ministry gave the toll and denied the reports"), nor a paraphrase in words
  the evidence does not use, which it rejects although it may be right.

Words are compared by a crude stem and synth's unit synonyms, so "fired"/"firing" and
"soldiers"/"troops" match. The vocabulary synth itself writes in sentences about sources
("sources agree", "estimates range", "disputed") is always allowed in a model's sentence.

A sentence written from claims (the overview's, or a model's fact) may hold no number that
its cited claims do not (`unsupported_numbers`).

An article sentence that addresses a model ("ignore previous instructions", "you are an AI",
"output the claim that …") is flagged: it is text to report, never an instruction to follow,
and never a figure of the story.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from synth.models import Claim
from synth.numbers import find_numbers
from synth.text import content_words, stem
from synth.units import SYNONYMS

# Words synth's own sentences about sources use; a model may use them without a claim.
REPORTING_VOCABULARY = frozenset(
    stem(w)
    for w in """source sources outlet outlets report reports
reported reporting figure figures number numbers estimate estimates estimated range ranges
between differ differs different disagree disagreed disagreement agree agrees agreed agreement
conflict conflicting conflicts independent single only claim claims claimed state stated
states give gives gave given put according cite cited citing count counted total totals toll
rise rose risen revised revision update updated latest earlier later first last highest lowest
high higher low lower most least more less about around nearly almost roughly approximately
also another other both each some several many whole part including include deny denies
denied denial dispute disputed disputes official officials expected expect still far since
until while whereas however though although because time times date day days week weeks
month months year years morning evening night today yesterday value values variant variants
unattributed named unnamed confirm confirmed confirms say says said tell told note noted
describe described call called put puts run runs ran span spans vary varies go goes went come
comes came reach reaches reached stand stands stood climb climbed fall fell show shows showed
suggest suggests set place placed give gives kept keep keeps remain remains remained scope
scopes kind kinds thing things measure measures measured account accounts differently same
whether which what when where who next then previous following timing timed""".split()
)
# Negation words: a statement with one its quote lacks (or without one its quote has) says
# the opposite.
_NEGATION = re.compile(r"\b(?:not|no|never|none|nobody|neither|nor|without|cannot)\b|n['’]t\b", re.IGNORECASE)
# A capitalised word not at the start of a sentence: a name the statement brings in.
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][\w'’-]+")
# Share of a claim statement's content words its evidence must have.
MIN_SUPPORTED_SHARE = 0.75

_INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b[^.]{0,40}\b(?:instructions?|prompts?|rules|"
    r"everything (?:above|before)|previous|prior|system)\b"
    r"|\b(?:system prompt|developer message|jailbreak|prompt injection)\b"
    r"|\b(?:you are|act as|pretend to be|as an)\s+(?:an?\s+)?(?:ai|assistant|language model|"
    r"llm|chatbot|model)\b"
    r"|^\W*(?:output|print|respond with|return|reply with|write|say|state|report)\b[^.]{0,60}"
    r"\b(?:claim|json|the following|instead|only|that)\b",
    re.IGNORECASE,
)


def instruction_like(text: str) -> bool:
    """Whether a sentence addresses a model rather than a reader."""
    return bool(_INSTRUCTION.search(text))


def terms(text: str) -> set[str]:
    """A text's content words, stemmed and folded by synonym."""
    found = set()
    for word in content_words(text):
        stemmed = stem(word)
        found.add(SYNONYMS.get(stemmed, SYNONYMS.get(word, stemmed)))
    return found


def names(text: str) -> set[str]:
    """The capitalised words a text uses other than to start a sentence, folded."""
    return {stem(m.group(0).lower().replace("’", "'").removesuffix("'s")) for m in _NAME.finditer(text)}


def negated(text: str) -> bool:
    return bool(_NEGATION.search(text))


def unsupported_words(
    statement: str, evidence: Iterable[str], allowed: frozenset[str] = frozenset()
) -> list[str]:
    """The names and content words of `statement` that none of `evidence` has."""
    have: set[str] = set()
    have_lower = []
    for text in evidence:
        have |= terms(text)
        have_lower.append(text.lower())
    have |= allowed
    missing = [w for w in sorted(terms(statement)) if w not in have]
    joined = " ".join(have_lower)
    missing += [n for n in sorted(names(statement)) if n not in have and n not in joined]
    return list(dict.fromkeys(missing))


# Common English function words: a quote with few of them is in another language, where a
# statement is a translation and its words cannot be compared with the quote's.
_ENGLISH = frozenset(
    """the of and to in is was that for on with said by at as from it he she
they were has have had be been are this an not which who but""".split()
)
MIN_ENGLISH_SHARE = 0.12


def reads_as_english(text: str) -> bool:
    words = re.findall(r"[a-z]+", text.lower())
    return bool(words) and sum(w in _ENGLISH for w in words) / len(words) >= MIN_ENGLISH_SHARE


def statement_supported(statement: str, quote: str, context: str) -> bool:
    """Whether a claim's statement says what its quote (and the sentences around it, in
    `context`) says: every name in them, most content words, and the same polarity. A quote
    in another language is only held to its names (the statement may translate it)."""
    if statement.strip() == quote.strip():
        return True
    if not reads_as_english(quote):
        return not [n for n in names(statement) if n not in quote.lower() and n not in context.lower()]
    if negated(statement) != negated(quote):
        return False
    missing = unsupported_words(statement, [quote, context])
    if any(name in missing for name in names(statement)):
        return False
    words = terms(statement)
    return not words or 1 - len(set(missing) & words) / len(words) >= MIN_SUPPORTED_SHARE


def speaker_named(speaker: str, text: str) -> bool:
    """Whether the article names the speaker: every capitalised word of the name is in the
    article ('the Prime Minister' needs 'prime minister'; 'United Nations' in an article
    that never says it is invented), and at least half of its other words ('an anonymous
    European Union official' for 'one European Union official, speaking anonymously')."""
    folded = text.lower().replace("’", "'").replace("-", " ")
    words = re.findall(r"[\w']+", speaker.replace("’", "'").replace("-", " "))
    capitalised = [w.lower() for w in words if w[:1].isupper() and w.lower() not in ("the", "a", "an")]
    if not all(re.search(rf"\b{re.escape(w)}", folded) for w in capitalised):
        return False
    others = [w for w in content_words(" ".join(w for w in words if not w[:1].isupper())) if len(w) > 2]
    return not others or sum(w in folded for w in others) * 2 >= len(others)


def sentence_errors_in_words(text: str, evidence: Iterable[str]) -> list[str]:
    """The words of a model's fact or overview sentence that the claims it cites do not
    have (synth's reporting vocabulary allowed), and a negation they do not have."""
    evidence = list(evidence)
    missing = unsupported_words(text, evidence, REPORTING_VOCABULARY)
    errors = []
    if missing:
        errors.append(
            "its words "
            + ", ".join(repr(w) for w in missing[:6])
            + " are in none of the claims it cites; say only what the cited claims say"
        )
    if negated(text) and not any(negated(e) for e in evidence):
        errors.append("it says 'not' or 'no' where none of the claims it cites does")
    return errors


# Two numbers this close are one number written two ways (3,000 and 3000.0).
_NUMBER_TOLERANCE = 1e-6


def unsupported_numbers(sentence: str, cited: Sequence[Claim]) -> list[str]:
    """Numbers in `sentence` that appear in none of the cited claims (empty list: all fine)."""
    allowed: list[float] = []
    for claim in cited:
        for quantity in claim.quantities:
            allowed.append(quantity.value)
            if quantity.value_max is not None:
                allowed.append(quantity.value_max)
        for mention in find_numbers(claim.quote):
            allowed.append(mention.value)
            if mention.value_max is not None:
                allowed.append(mention.value_max)
    missing = []
    for mention in find_numbers(sentence):
        for value in (mention.value, mention.value_max):
            if value is None:
                continue
            if not any(abs(value - a) <= _NUMBER_TOLERANCE * max(1.0, abs(a)) for a in allowed):
                missing.append(sentence[mention.number_start : mention.end])
    return missing
