"""Who asserts a parsed sentence, and how firmly (pure).

The speaker is the subject of a reporting verb ("…, the Navy said"), the object of
"according to", or the owner of a statement or report ("the ministry's figures"); a
"citing X" names the origin the speaker relays. Entity labels tell a person or organisation
from a place, an event or a date, which never speak. Pronouns and bare surnames or titles
("he", "Farmer", "Ms Okafor") resolve to the full name given earlier in the article, and a
quotation that runs on into the next sentence keeps its speaker.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from synth.extract.rules.nlp import lemma
from synth.models import Stance

if TYPE_CHECKING:
    from spacy.tokens import Span, Token

REPORTING_VERBS = frozenset(
    """say tell announce report estimate confirm deny claim state add
note warn write insist believe indicate show reveal suggest predict acknowledge admit explain
describe dismiss reject refute assess tweet post declare vow pledge promise accuse argue conclude
find count record measure calculate quote brief concede stress emphasise emphasize maintain
allege disclose assert urge caution testify affirm reiterate repeat remark observe put give
place register rate""".split()
)
# Verbs that attribute a figure only when an agency or a person does it: "the USGS gave a
# magnitude of 6.8", "the institute measured the quake at 7.0" (not "the storm gave way").
MEASURING_VERBS = frozenset(
    {"give", "put", "measure", "place", "register", "rate", "record", "count", "calculate"}
)
# Subjects that speak for a source rather than being one ("figures show", "reports indicate").
DOCUMENT_NOUNS = frozenset(
    """report reports statement statements figure figures data projection
projections result results estimate estimates survey analysis tally count release
assessment tweet post briefing address interview letter update bulletin""".split()
)
# Verbs that report evidence rather than speech: only documents and names can be their subject
# ("figures show", not "video from the scene showed").
EVIDENCE_VERBS = frozenset({"show", "indicate", "reveal", "suggest", "find"})
# Verbs that report only with a clause ("declared that …"): "declared a state of emergency"
# and "called for calm" are acts, not statements of what the sentence says.
CLAUSE_ONLY_VERBS = frozenset(
    {"declare", "vow", "pledge", "promise", "urge", "caution", "accuse", "quote", "brief", "post", "announce"}
)
DENIAL_VERBS = frozenset({"deny", "reject", "dismiss", "refute", "rebut", "disown"})
_DENIAL_WORDS = re.compile(
    r"\b(?:fake news|groundless|baseless|unfounded|no truth|not true|untrue|false reports?|"
    r"fabricat(?:ed|ion)s?|nonsense|propaganda)\b",
    re.I,
)
_HEDGES = frozenset(
    """likely unlikely reportedly possibly probably perhaps apparently allegedly
seemingly presumably purportedly""".split()
)
_HEDGE_VERBS = frozenset({"may", "might", "could", "would"})
_HEDGE_PHRASES = re.compile(
    r"\b(?:believed to|thought to|appears? to|appeared to|seems? to|"
    r"expected to|suspected|if true|if confirmed|unconfirmed|unverified|"
    r"could not be (?:independently )?verified)\b",
    re.I,
)
NOT_SPEAKERS = frozenset(
    {
        "this",
        "that",
        "which",
        "there",
        "these",
        "those",
        "what",
        "who",
        "one",
        "all",
        "both",
        "some",
        "many",
        "none",
        "each",
        "nothing",
        "everything",
        "anyone",
        "nobody",
        "everyone",
        "something",
    }
)
PERSONAL_PRONOUNS = frozenset({"he", "she", "they", "we", "i", "him", "her", "them"})
# An airport or a hospital (FAC) can report; a country, a region or a date cannot.
NOT_SPEAKER_LABELS = frozenset(
    {"GPE", "LOC", "DATE", "TIME", "EVENT", "CARDINAL", "QUANTITY", "PERCENT", "MONEY", "ORDINAL"}
)
_TITLES = re.compile(
    r"^(?:mr|mrs|ms|miss|dr|prof|sir|dame|lord|lady|gen|general|lt|col|capt|"
    r"sgt|rep|sen|gov|president|premier|chancellor|minister|mayor|chief)\.?\s+",
    re.I,
)
MAX_SPEAKER_WORDS = 9
_OPEN_QUOTES = ('"', "“", "‘", "'", "``", "''")


@dataclass
class Attribution:
    speaker: str | None = None
    cited: str | None = None
    stance: Stance = "asserted"


@dataclass
class SpeakerMemory:
    """What an article has said so far: full names, and who spoke last."""

    people: list[str] = field(default_factory=list)
    organisations: list[str] = field(default_factory=list)
    named_speakers: list[str] = field(default_factory=list)
    last_speaker: str | None = None
    last_was_quote: bool = False
    quote_open: bool = False  # a quotation began and has not closed yet

    def remember(self, sentence: Span) -> None:
        for entity in sentence.ents:
            name = _clean_name(entity.text)
            if entity.label_ == "PERSON" and len(name.split()) >= 2:
                self.people.append(name)
            elif entity.label_ == "ORG":
                self.organisations.append(name)
        for token in sentence:  # a full name as the subject, whatever its entity label
            if token.dep_ in ("nsubj", "nsubjpass") and token.pos_ == "PROPN":
                name = _name_words(token)
                if len(name.split()) >= 2 and not _TITLES.match(name + " ") and name not in self.people:
                    self.people.append(name)

    def full_name(self, name: str) -> str:
        """'Ms Okafor' or 'Okafor' → 'Ngozi Okafor' when the article named her earlier."""
        bare = _TITLES.sub("", name).strip()
        if not bare or " " in bare and bare in self.people:
            return name
        surname = bare.split()[-1].lower()
        for person in reversed(self.people):
            parts = person.split()
            if parts[-1].lower() == surname and (
                len(bare.split()) == 1 or person.lower().endswith(bare.lower())
            ):
                return person
        return name


def attribute(sentence: Span, memory: SpeakerMemory) -> Attribution:
    """The speaker, the origin they cite and the stance of one sentence."""
    speaker_token, verb = _speaker_token(sentence, memory)
    speaker = _speaker_text(speaker_token, memory) if speaker_token is not None else None
    cited = _cited(sentence, memory)
    text = sentence.text.strip()
    opens_quote = text[:1] in ('"', "“", "‘") or text.startswith("''")
    # A quotation that runs on from the sentence before keeps that sentence's speaker.
    continues = (opens_quote and memory.last_was_quote) or memory.quote_open
    if speaker is None and continues and verb is None:
        speaker = memory.last_speaker
    if speaker is not None and speaker.lower() in ("we", "i") and continues:
        speaker = memory.last_speaker
    memory.remember(sentence)
    if speaker is not None and speaker.lower() in PERSONAL_PRONOUNS | {"it"}:
        speaker = None
    if (
        speaker is not None
        and speaker_token is not None
        and (
            speaker_token.ent_type_ == "ORG"
            or speaker_token.text.isupper()
            and len(speaker_token.text) > 1
            or (
                speaker_token.tag_ in ("NN", "NNP")
                and speaker_token.text.islower()
                and any(c.dep_ in ("compound", "amod") for c in speaker_token.children)
            )
        )
    ):
        memory.named_speakers.append(speaker)
    memory.last_speaker = speaker or (memory.last_speaker if continues else None)
    memory.last_was_quote = memory.last_speaker is not None and (opens_quote or _has_quote(sentence))
    memory.quote_open = _leaves_quote_open(text, memory.quote_open)
    return Attribution(speaker, cited, stance_of(sentence, verb, speaker))


def _leaves_quote_open(text: str, was_open: bool) -> bool:
    """Whether a quotation is still open after this sentence (paired curly or straight
    double quotes)."""
    opens = text.count("“") + text.count("``")
    closes = text.count("”") + text.count("''")
    straight = text.count('"')
    if opens or closes:
        balance = (1 if was_open else 0) + opens - closes
    else:
        balance = ((1 if was_open else 0) + straight) % 2
    return balance > 0


def _speaker_token(sentence: Span, memory: SpeakerMemory | None = None) -> tuple[Token | None, Token | None]:
    """The token that names the speaker and the reporting verb, nearest the root first."""
    for token in sentence:
        if token.lower_ == "according":
            to = next((c for c in token.children if c.lower_ == "to"), None)
            objects = [c for c in to.children if c.dep_ == "pobj"] if to is not None else []
            if objects:
                return objects[0], None
    # A reporting verb speaks for the sentence when it heads it ('…, the Navy said') or joins
    # its head ('… works in the area, and says'); one in a relative clause does not.
    verbs = sorted(
        (
            t
            for t in sentence
            if t.pos_ in ("VERB", "AUX")
            and lemma(t) in REPORTING_VERBS
            and _depth(t) <= 1
            and t.dep_ in ("ROOT", "conj", "parataxis", "advcl", "ccomp")
        ),
        key=lambda t: (_depth(t), t.i),
    )
    for verb in verbs:
        if lemma(verb) == "put" and not any(
            c.lower_ in ("toll", "figure", "number", "total") for c in verb.subtree
        ):
            continue
        if (
            lemma(verb) in CLAUSE_ONLY_VERBS
            and not any(c.dep_ in ("ccomp", "xcomp") for c in verb.children)
            and not _quotes_around(verb)
        ):
            continue
        subject = next((c for c in verb.children if c.dep_ in ("nsubj",)), None)
        if subject is None and verb.dep_ in ("conj", "advcl") and lemma(verb) in REPORTING_VERBS:
            subject = next((c for c in verb.head.children if c.dep_ == "nsubj"), None)
        if subject is None:
            agent = next((c for c in verb.children if c.dep_ == "agent"), None)
            if agent is not None:
                subject = next((c for c in agent.children if c.dep_ == "pobj"), None)
        if (
            subject is not None
            and lemma(verb) in EVIDENCE_VERBS
            and not (lemma(subject) in DOCUMENT_NOUNS or subject.ent_type_ in ("ORG", "PERSON", "NORP"))
        ):
            continue
        if (
            subject is not None
            and lemma(verb) in MEASURING_VERBS
            and not (
                subject.ent_type_ in ("ORG", "PERSON", "NORP")
                or lemma(subject) in DOCUMENT_NOUNS
                or subject.lower_ in PERSONAL_PRONOUNS
                or _is_institution(subject, memory)
            )
        ):
            continue
        if subject is not None:
            return subject, verb
    return None, None


def speaker_clauses(sentence: Span) -> list[Span]:
    """The sentence, or its clauses: the parts a semicolon joins, and the parts two speakers
    each give ('The USGS measured it at 6.8, while the institute put it at 7.0'): the later
    speaker's clause is the tail of the sentence, the earlier one's the rest, so each
    claim's quote is whole."""
    doc = sentence.doc
    cuts = [t.i for t in sentence if t.text == ";"]
    parts, start = [], sentence.start
    for cut in cuts:
        if cut - start >= 4 and sentence.end - cut > 4:
            parts.append(doc[start:cut])
            start = cut + 1
    parts.append(doc[start : sentence.end])
    return [clause for part in parts for clause in _speakers_apart(part)]


def _speakers_apart(sentence: Span) -> list[Span]:
    verbs = [
        t
        for t in sentence
        if t.pos_ in ("VERB", "AUX")
        and lemma(t) in REPORTING_VERBS
        and t.dep_ in ("ROOT", "conj", "advcl", "parataxis")
        and _depth(t) <= 1
        and any(c.dep_ == "nsubj" and c.lower_ not in NOT_SPEAKERS for c in t.children)
    ]
    if len(verbs) < 2:
        return [sentence]
    later = verbs[-1]
    start = later.left_edge.i
    if later.right_edge.i < sentence.end - 2 or start <= sentence.start + 3:
        return [sentence]
    # Leave the joining words (", while", "and") out of both clauses.
    first_end = start
    while first_end > sentence.start and (
        sentence.doc[first_end - 1].is_punct or sentence.doc[first_end - 1].pos_ in ("CCONJ", "SCONJ")
    ):
        first_end -= 1
    while start < later.i and sentence.doc[start].pos_ in ("CCONJ", "SCONJ", "PUNCT"):
        start += 1
    doc = sentence.doc
    return [doc[sentence.start : first_end], doc[start : sentence.end]]


def _quotes_around(verb: Token) -> bool:
    """'“…,” he announced': the verb introduces a quotation."""
    return any(t.text in ("”", '"', "''") for t in verb.doc[max(verb.sent.start, verb.i - 3) : verb.i])


# Head words of the names of bodies that speak ("… Intelligence Service", "… Ministry").
_INSTITUTION_WORDS = frozenset(
    """service agency ministry department office institute institution
council committee command force forces police authority authorities organisation organization
government survey university company bank commission bureau board court army navy military
administration embassy parliament""".split()
)


def _names_an_institution(name: str) -> bool:
    """An acronym ('NIS') or a name whose words say it is a body ('Interior Ministry')."""
    words = name.split()
    return (len(words) == 1 and name.isupper() and len(name) > 1) or any(
        w.lower().strip("’'s") in _INSTITUTION_WORDS for w in words
    )


def _is_institution(token: Token, memory: SpeakerMemory | None) -> bool:
    """'the ministry': a singular noun the article has used for an organisation or a speaker
    it named ('the interior ministry said'), not the story's subject ('the quake')."""
    if token.pos_ != "NOUN" or token.tag_ != "NN":
        return False
    names = [*(memory.organisations if memory else []), *(memory.named_speakers if memory else [])]
    names += [e.text for e in token.doc.ents if e.label_ == "ORG"]
    return any(token.lower_ in name.lower().split() for name in names)


def _depth(token: Token) -> int:
    depth = 0
    while token.head.i != token.i and depth < 40:
        token = token.head
        depth += 1
    return depth


def _speaker_text(token: Token, memory: SpeakerMemory) -> str | None:
    if token.lower_ in NOT_SPEAKERS:
        return None
    if token.lower_ in PERSONAL_PRONOUNS:
        if token.lower_ in ("he", "she", "him", "her") and memory.people:
            return memory.people[-1]
        return token.text
    if token.lower_ == "it" and memory.named_speakers:
        return memory.named_speakers[-1]  # "It placed the epicentre …": the agency last named
    owner = _document_owner(token)
    if owner is not None:
        token = owner
    person = _person_in(token)
    if person is not None:
        return memory.full_name(person)
    if token.ent_type_ in NOT_SPEAKER_LABELS and not any(
        c.dep_ in ("compound",) and c.pos_ == "NOUN" for c in token.children
    ):
        return None
    words = _phrase(token)
    if len(words) > MAX_SPEAKER_WORDS:  # "Caroline Holt of the International Federation of …"
        words = [c for c in token.lefts if c.dep_ == "compound"] + [token]
    if not words:
        return None
    doc = token.doc
    text = doc.text[words[0].idx : words[-1].idx + len(words[-1].text)]
    text = re.sub(r"^(?:the|a|an)\s+", "", text, flags=re.I)
    if token.pos_ == "PROPN" and len(text.split()) == 1:
        return memory.full_name(text)
    content = [w for w in words if w.dep_ not in ("det", "case", "punct")]
    if len(content) == 1 and token.pos_ == "NOUN" and token.tag_ == "NN":
        # "the ministry said": the speaker or organisation named earlier with that word,
        # else ("the agency said") the organisation that spoke last
        head_word = token.lower_
        for name in reversed([*memory.organisations, *memory.named_speakers]):
            if head_word in name.lower().split():
                return name
        institutions = [n for n in memory.named_speakers if _names_an_institution(n)]
        if institutions:
            return institutions[-1]
    if token.pos_ == "NOUN" and lemma(token) in DOCUMENT_NOUNS and memory.named_speakers:
        return memory.named_speakers[-1]  # "an earlier statement had put the toll at 632"
    return _clean_name(text)


def _document_owner(token: Token) -> Token | None:
    """'the ministry's figures', 'a report in the Journal', 'a statement from the Navy' →
    who the document belongs to."""
    if lemma(token) not in DOCUMENT_NOUNS:
        return None
    for child in token.children:  # "the latest figures released by the interior ministry"
        if child.dep_ == "acl":
            agent = next((c for c in child.children if c.dep_ == "agent"), None)
            objects = [c for c in agent.children if c.dep_ == "pobj"] if agent is not None else []
            if objects:
                return objects[0]
    for child in token.children:
        if child.dep_ == "poss":
            return child
        if child.dep_ in ("prep", "agent") and child.lower_ in ("in", "from", "by", "of"):
            objects = [
                c for c in child.children if c.dep_ == "pobj" and c.ent_type_ not in NOT_SPEAKER_LABELS
            ]
            if objects and (objects[0].pos_ in ("PROPN", "NOUN") or objects[0].ent_type_):
                return objects[0]
    return None


def _person_in(token: Token) -> str | None:
    """A person named in the subject: its head, a compound ('Defence Minister David
    Johnston'), an apposition ('the transport minister, Hishammuddin Hussein') or a name
    after a title ('Ms Okafor'), whatever the entity recogniser made of it."""
    appositions = [c for c in token.children if c.dep_ == "appos"]
    for candidate in [token, *appositions]:
        if candidate.ent_type_ == "PERSON":
            for entity in candidate.sent.ents:
                if entity.label_ == "PERSON" and entity.start <= candidate.i < entity.end:
                    return _clean_name(entity.text)
    if token.pos_ == "PROPN" and any(
        _TITLES.match(c.text + " ") for c in token.lefts if c.dep_ == "compound"
    ):
        return _name_words(token)
    if token.pos_ == "NOUN":  # "the health minister, Amara Diallo"
        named = [a for a in appositions if a.pos_ == "PROPN"]
        if named:
            return _name_words(named[0])
    return None


def _name_words(token: Token) -> str:
    words = [c for c in token.lefts if c.dep_ == "compound" and c.pos_ == "PROPN"] + [token]
    return " ".join(w.text for w in words)


def _phrase(token: Token) -> list[Token]:
    """The subject's own words: its modifiers and name, not its relative clauses. A name
    written right after a description is kept ('the flight-tracking website FlightAware')."""
    keep: list[Token] = []
    clauses = [
        c
        for c in token.children
        if c.i > token.i and c.dep_ in ("relcl", "acl", "appos", "punct", "cc", "conj")
    ]
    stop = min((c.left_edge.i for c in clauses), default=token.right_edge.i + 1)
    for word in token.subtree:
        if word.i >= stop:
            break
        keep.append(word)
    following = token.doc[token.i + 1] if token.i + 1 < token.sent.end else None
    if (
        following is not None
        and following.pos_ == "PROPN"
        and following.dep_ in ("nsubj", "appos", "npadvmod")
        and following.head.i in (token.i, token.head.i)
    ):
        keep.extend(w for w in following.subtree if w.i >= following.i and not w.is_punct)
    while keep and keep[-1].is_punct:
        keep.pop()
    return keep


def _cited(sentence: Span, memory: SpeakerMemory) -> str | None:
    for token in sentence:
        if token.lower_ == "citing":
            objects = [c for c in token.children if c.dep_ in ("dobj", "pobj")]
            if objects:
                return _speaker_text(objects[0], memory)
    return None


def _has_quote(sentence: Span) -> bool:
    return any(t.text in _OPEN_QUOTES or t.text in ("”", "’") for t in sentence)


def stance_of(sentence: Span, verb: Token | None, speaker: str | None) -> Stance:
    """denied > hedged > asserted (the outlet's own voice, or confirmed) > reported."""
    # A denial is what the sentence's own verbs say ("the ministry rejected the reports"),
    # not a verb in a clause about something else ("one of those who rejected reforms").
    if (
        verb is not None
        and lemma(verb) in DENIAL_VERBS
        or any(
            t.pos_ == "VERB"
            and lemma(t) in DENIAL_VERBS
            and _depth(t) <= 2
            and t.dep_ not in ("relcl", "acl", "amod", "pcomp")
            for t in sentence
        )
        or _DENIAL_WORDS.search(sentence.text)
    ):
        return "denied"
    if (
        any(t.lower_ in _HEDGES for t in sentence)
        or _HEDGE_PHRASES.search(sentence.text)
        or any(t.lower_ in _HEDGE_VERBS and t.tag_ == "MD" for t in sentence)
    ):
        return "hedged"
    if speaker is None or (verb is not None and lemma(verb) == "confirm"):
        return "asserted"
    return "reported"


def _clean_name(text: str) -> str:
    text = re.sub(r"[’']s$", "", text.strip(" ,.;:\"'“”‘’"))
    return re.sub(r"\s+", " ", text)
