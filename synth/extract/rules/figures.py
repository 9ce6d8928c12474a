"""Figures in a parsed sentence: what each number counts, its scope and its time (pure).

Numbers are read from the sentence's text (synth.numbers: digits, words, ranges,
qualifiers); the parse decides what they count. The number's head noun names the unit
("40 ships"), its governing verb the outcome ("60 were wounded" → injured, "killing 31" →
deaths); a hyphened measure describes its noun ("a three-storey building" → 3 storeys of
the building). Dates, clock times and years are never counts; a duration keeps its unit
("53 minutes"). The scope says what part or which whole is counted: an owner ("New
Democracy ... 129 seats"), a subset ("Chinese passengers", "including 12 children"), another
place among several, what a measure measures ("a range of 13,000 km"), another event.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from synth.dates import find_dates
from synth.extract.rules.nlp import lemma
from synth.extract.rules.story import StoryProfile, entity_key
from synth.models import Qualifier, Quantity
from synth.numbers import NumberMention, find_numbers
from synth.units import CURRENCIES, MEASURES, canonical_unit
from synth.units import TIME_POINTS as TIME_POINT_UNITS

if TYPE_CHECKING:
    from spacy.tokens import Span, Token

DURATION_NOUNS = {"second": "seconds", "minute": "minutes", "hour": "hours", "day": "days",
                  "week": "weeks", "month": "months", "year": "years", "decade": "decades",
                  "century": "centuries", "night": "nights", "fortnight": "fortnights"}
# Verbs (by lemma) whose subject or object is counted by the outcome they name.
OUTCOME_VERBS = {
    "kill": "deaths", "die": "deaths", "perish": "deaths", "drown": "deaths",
    "injure": "injured", "wound": "injured", "hurt": "injured", "hospitalise": "injured",
    "hospitalize": "injured",
    "miss": "missing", "disappear": "missing",
    "rescue": "rescued", "recover": "rescued", "save": "rescued",
    "evacuate": "evacuated", "displace": "displaced", "flee": "displaced",
    "arrest": "arrested", "detain": "arrested",
}
# Nouns (by lemma) that name the same outcomes ("the rescue of eight", "the deaths of 17").
OUTCOME_NOUNS = {"death": "deaths", "fatality": "deaths", "casualty": "injured",
                 "injury": "injured", "rescue": "rescued", "evacuation": "evacuated",
                 "arrest": "arrested"}
OUTCOME_ADJECTIVES = {"dead": "deaths", "missing": "missing", "injured": "injured",
                      "wounded": "injured", "homeless": "displaced", "unaccounted": "missing"}
# Nouns for anyone at all: the verb says what happened to them.
PERSON_NOUNS = frozenset("""people person persons individual individuals civilian civilians
resident residents villager villagers man men woman women child children""".split())
# Nouns for people counted as people (who are carried, hurt, rescued; not owned).
PEOPLE_NOUNS = PERSON_NOUNS | frozenset("""passenger crew member worker soldier sailor troop
survivor victim student child adult patient tourist migrant refugee firefighter""".split())
# Nouns that stand for a count of something else ("the death toll rose to 52").
MEASURE_NOUNS = frozenset("toll number total count tally figure".split())
# Nouns a measure can describe ("a range of 13,000 km", "an altitude of 2,800 miles").
DIMENSION_NOUNS = frozenset("""range altitude height depth distance length width area radius
diameter speed elevation radius""".split())
# A count of these is rarely a figure anyone checks (three times, two sides).
NOT_FIGURES = frozenset("""time times way ways thing things reason reasons side sides part parts
point points occasion occasions kind kinds sort sorts step steps round rounds""".split())
_COMPASS = re.compile(r"^(?:north|south|east|west)(?:-?(?:east|west))?(?:ern|ward|wards)?$", re.I)
_ON_BOARD = frozenset({"onboard", "aboard", "board"})
_SUBSET_MARKERS = frozenset({"including", "among", "whom"})
_THRESHOLD_AFTER = re.compile(r"^\s*(?:or (?:more|greater|above|higher|over|less|fewer|"
                              r"below|lower)|\+)", re.I)
_TIME_PHRASES = re.compile(
    r"\b(?:so far|to date|thus far|as of [^,.;]{2,30}|by (?:the end of )?[A-Z][a-z]+|"
    r"by (?:the end of the year|year-end|next (?:week|month|year))|initially|at first|in total|"
    r"eventually|overnight|earlier|later)\b")


# A scope part names what narrows a figure: ("nationality", "Chinese"), ("owner", "Syriza"),
# ("place", "at O'Hare"), ("event", "in 1906"), … Nationalities are kept apart until the whole
# story is read: the one most of a unit's figures carry is the story's own, not a subset.
ScopePart = tuple[str, str]
NATIONALITY = "nationality"


@dataclass
class Figure:
    """A figure as read from one sentence, before the story-wide pass settles its scope."""

    value: float
    value_max: float | None
    unit: str
    parts: list[ScopePart]
    qualifier: Qualifier
    time_ref: str | None
    text: str

    def quantity(self, story_nationalities: frozenset[str] = frozenset()) -> Quantity:
        kept = [text for kind, text in self.parts
                if kind != NATIONALITY or text.lower() not in story_nationalities]
        return Quantity(value=self.value, value_max=self.value_max, unit=self.unit,
                        scope="; ".join(dict.fromkeys(p for p in kept if p)) or None,
                        qualifier=self.qualifier, time_ref=self.time_ref, text=self.text)


@dataclass
class FigureMemory:
    """What an article has said so far: its latest figure, for a later number that leaves
    its noun out, and the sites it named by kind ('airport' → 'Midway International
    Airport'), for a later 'the airport'."""

    last_unit: str | None = None
    sentences_since: int = 0
    sites: dict[str, str] = field(default_factory=dict)
    recent: list[Figure] = field(default_factory=list)  # the last few figures, oldest first

    def remember_sites(self, sentence: Span) -> None:
        for entity in sentence.ents:
            if entity.label_ == "FAC" and len(entity) > 1:
                self.sites[entity[-1].lower_] = re.sub(r"^(?:the|The)\s+", "", entity.text)


def figures_in(sentence: Span, story: StoryProfile, reference_year: int | None,
               memory: FigureMemory | None = None) -> list[Figure]:
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
        if _THRESHOLD_AFTER.match(text[mention.end:]):
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
        found.append((anchor, Figure(
            value=mention.value, value_max=mention.value_max, unit=unit, parts=parts,
            qualifier=_qualifier(mention, anchor), time_ref=_time_ref(anchor, sentence),
            text=text[mention.start:mention.end])))
    _share_owners(found)
    found.extend(_clock_times(sentence, event))
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
    tail = last.text[end - last.idx:]
    if tail and not re.fullmatch(r"(?:%|[a-z]{1,3}|-\d.*)", tail, re.I):
        return []
    return tokens


def _anchor(tokens: Sequence[Token]) -> Token:
    """The token that links the number to the rest of the sentence ('million' in '12 million')."""
    span_ids = {t.i for t in tokens}
    outside = [t for t in tokens if t.head.i not in span_ids or t.head.i == t.i]
    return outside[-1] if outside else tokens[-1]


def _read(anchor: Token, tokens: Sequence[Token], mention: NumberMention, text: str, base: int,
          story: StoryProfile, found: list[tuple[Token, Figure]], memory: FigureMemory
          ) -> tuple[str, list[ScopePart]] | None:
    """(unit, scope parts) for one number, or None when it is not a figure."""
    entity = anchor.ent_type_
    after = _next_word(tokens[-1])
    if _is_clock_or_year(mention, anchor) or (entity in ("DATE", "TIME") and _reads_as_time(
            anchor, mention, after)):
        return _read_time(anchor, tokens, mention, after)
    if mention.value < 2 and not re.search(r"\d", mention.text) and mention.value != 0:
        return None  # "one of the", "a single": words, not counts
    if mention.value == 0:
        return _read_zero(anchor)
    if _is_reference(anchor, mention):
        return None
    currency = _currency(tokens, after, text, mention, base)
    if currency:
        return currency, _owner_scope(anchor, anchor, story)
    if after is not None and (after.text == "%" or after.lower_ in ("percent", "pct")):
        return "percent", _percent_scope(after, anchor, story)
    if _per_cent(after):
        return "percent", _percent_scope(_next_word(after) or anchor, anchor, story)
    measure = _measure_after(tokens[-1], text, mention, base)
    if measure:
        unit, unit_token = measure
        return unit, _measure_scope(anchor, unit_token, story)
    return _read_count(anchor, tokens, story, found, memory)


# ---------------------------------------------------------------- times and durations

_CLOCK = re.compile(r"(?<![\w.:])(?P<hour>[01]?\d)(?:[:.](?P<minute>[0-5]\d))?\s?(?P<half>[ap])\.?\s?m\b\.?",
                    re.IGNORECASE)
TIME_OF_DAY = "time of day"


def _clock_times(sentence: Span, event: str | None) -> list[tuple[Token, Figure]]:
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
        found.append((tokens[0], Figure(
            value=round(hour + minute / 60, 4), value_max=None, unit=TIME_OF_DAY, parts=parts,
            qualifier="about" if tokens[0].i > sentence.start and
            sentence.doc[tokens[0].i - 1].lower_ in ("around", "about", "approximately") else "exact",
            time_ref=None, text=match.group(0).strip())))
    return found


def _timed_event(time: Token) -> str | None:
    """The event a time of day belongs to: the nearest word before it that names one, past
    prepositions, names and dates ('takeoff from Kuala Lumpur, which was at 12:21 a.m.')."""
    sentence = time.sent
    index = time.i - 1
    while index >= sentence.start and time.i - index <= 10:
        token = sentence.doc[index]
        index -= 1
        if token.ent_type_ in ("DATE", "TIME", "GPE", "LOC", "FAC", "ORG", "PERSON", "NORP") or \
                token.pos_ in ("ADP", "PUNCT", "DET", "PRON", "AUX", "PROPN", "ADV", "PART", "ADJ",
                               "NUM", "CCONJ", "SCONJ"):
            continue
        if token.pos_ == "NOUN" or token.pos_ == "VERB":
            particle = next((c.lower_ for c in token.children if c.dep_ == "prt"), "")
            return lemma(token) + particle
        return None
    return None

def _is_clock_or_year(mention: NumberMention, anchor: Token) -> bool:
    written = mention.text.strip()
    if re.fullmatch(r"(?:1[6-9]|20)\d\d", written) and mention.value_max is None:
        nxt = _next_word(anchor)
        # A year before a singular noun ("the 1987 treaty") or alone; a count comes with a
        # plural ("1875 troops", rare without a comma).
        return nxt is None or nxt.tag_ not in ("NNS", "NNPS") or nxt.lower_ in DURATION_NOUNS
    return False


_CALENDAR_WORDS = re.compile(r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|mon|tue|wed|"
                             r"thu|fri|sat|sun|ago|[ap]\.?m\b)", re.I)


def _reads_as_time(anchor: Token, mention: NumberMention, after: Token | None) -> bool:
    """Whether a number the entity recogniser put in a date or time is one: a duration
    ('53 minutes'), or a day or hour beside a calendar word; not '2,000 that evening'."""
    if after is not None and lemma(after) in DURATION_NOUNS:
        return True
    entity = next((e for e in anchor.sent.ents if e.start <= anchor.i < e.end), None)
    return mention.value <= 31 and entity is not None and bool(_CALENDAR_WORDS.search(entity.text))


def _read_time(anchor: Token, tokens: Sequence[Token], mention: NumberMention,
               after: Token | None) -> tuple[str, list[ScopePart]] | None:
    if after is not None and lemma(after) in DURATION_NOUNS:
        following = _next_word(after)
        if following is not None and following.lower_ in ("ago", "later", "earlier", "old"):
            if following.lower_ == "old":  # "a 53-year-old captain"
                return "years old", [("described", d) for d in _describes(after)]
            return None
        return DURATION_NOUNS[lemma(after)], _duration_scope(after)
    # A year the subject of a verb happened in: "was built in 1875".
    if mention.value_max is None and re.fullmatch(r"(?:1[6-9]|20)\d\d", mention.text.strip()):
        preposition = anchor.head
        if anchor.dep_ == "pobj" and preposition.lower_ == "in" and preposition.head.pos_ == "VERB":
            subject = _subject_of(preposition.head)
            # A building, a company, a treaty: not a person's biography ("X joined in 1993").
            if subject is not None and subject.pos_ == "NOUN":
                return "year", [("described", lemma(subject))]
    return None


def _duration_scope(unit: Token) -> list[ScopePart]:
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


def _read_zero(anchor: Token) -> tuple[str, list[ScopePart]] | None:
    """'No one was hurt' → 0 injured; 'none of those on board survived' → 0 survivors."""
    verb = anchor.head if anchor.dep_ in ("nsubj", "nsubjpass", "dobj") else None
    if verb is not None:
        outcome = OUTCOME_VERBS.get(lemma(verb))
        if outcome:
            return outcome, []
        if lemma(verb) == "survive":
            return "survivors", []
    return None


def _is_reference(anchor: Token, mention: NumberMention) -> bool:
    """'the two governments', 'three times the figure': a number that refers or multiplies
    rather than counts."""
    if any(c.lower_ == "times" for c in anchor.children) or (
            _next_word(anchor) is not None and _next_word(anchor).lower_ == "times"):  # type: ignore[union-attr]
        return True
    if mention.value < 10 and not re.search(r"\d", mention.text) and anchor.i > anchor.sent.start:
        before = anchor.doc[anchor.i - 1]
        return before.lower_ in ("the", "these", "those", "both") and anchor.dep_ == "nummod"
    return False


# ---------------------------------------------------------------- money, percent, measures

def _currency(tokens: Sequence[Token], after: Token | None, text: str, mention: NumberMention,
              base: int) -> str | None:
    before = text[max(0, mention.number_start - 4):mention.number_start].rstrip()
    for symbol in ("US$", "$", "€", "£", "¥"):
        if before.endswith(symbol):
            return CURRENCIES[symbol]
    if after is not None and after.lower_ in CURRENCIES and after.lower_ not in ("pounds",):
        return CURRENCIES[after.lower_]
    return None


def _per_cent(after: Token | None) -> bool:
    nxt = _next_word(after)
    return after is not None and after.lower_ == "per" and nxt is not None and nxt.lower_ == "cent"


def _measure_after(last: Token, text: str, mention: NumberMention,
                   base: int) -> tuple[str, Token] | None:
    """A unit of measurement written after the number, glued or not ('3,500km',
    '120 nautical miles', '1,000 square nautical miles')."""
    tail = last.text[mention.end + base - last.idx:] if last.idx + len(last.text) > \
        mention.end + base else ""
    glued = re.match(r"[a-z]{1,3}", tail, re.I)
    if glued and glued.group(0).lower() in MEASURES:
        return _plural_measure(glued.group(0).lower()), last
    words: list[Token] = []
    token: Token | None = last
    for _ in range(4):
        token = _next_word(token)
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
    return canonical_unit(unit)


def _measure_scope(anchor: Token, unit_token: Token, story: StoryProfile) -> list[ScopePart]:
    """What a measure measures ('a range of 13,000 km' → range) and from where ('2,500km
    southwest of Perth' → from Perth)."""
    parts: list[ScopePart] = []
    if unit_token.dep_ == "appos" and unit_token.head.pos_ == "NOUN":
        unit_token = unit_token.head  # "13,000 km (8,100 miles)": the bracket restates it
    of = unit_token.head if unit_token.dep_ == "pobj" and unit_token.head.lower_ == "of" else None
    if of is not None and lemma(of.head) in DIMENSION_NOUNS:
        parts.append(("measure", lemma(of.head)))
    elif unit_token.dep_ in ("compound", "amod", "nmod") and unit_token.head.pos_ == "NOUN":
        parts.append(("measure", lemma(unit_token.head)))  # "a 1,000-kilometre range"
    landmark = _landmark(unit_token)
    if landmark:
        parts.append(("place", landmark))
    else:
        # "7.5 inches (19 centimetres) of snow fell at O'Hare": the bracketed one too
        placed = unit_token.head if unit_token.dep_ == "appos" else unit_token
        parts += _place_scope(placed, story, measure=True)
        subject = _subject_of(unit_token.head) if unit_token.head.pos_ in ("VERB", "AUX") else None
        if not parts and subject is not None and subject.ent_type_ in REGION_LABELS | SITE_LABELS:
            name = _entity_text(subject)  # "The Chicago area was slammed with 30 cm"
            if entity_key(name) not in story.common_places:
                parts.append(("place", f"at {name}"))
    return parts


def _landmark(unit_token: Token) -> str | None:
    """'… 2,500km (1,500 miles) to the south-west of Perth' → 'from Perth'."""
    sentence = unit_token.sent
    window = [t for t in sentence if unit_token.i < t.i <= unit_token.i + 12]
    before = [t.lower_ for t in sentence if unit_token.i - 5 <= t.i < unit_token.i]
    direction = "within" in before  # "within 200 nautical miles of Japan's coast"
    for token in window:
        if token.text == "," and not direction:
            break
        if _COMPASS.match(token.text.replace("-", "")) or token.lower_ in ("off", "from", "further",
                                                                            "farther"):
            direction = True
            if token.lower_ in ("off", "from"):
                objects = [c for c in token.children if c.dep_ == "pobj"]
                if objects:
                    return "from " + _phrase_key(objects[0])
            continue
        if direction and token.lower_ in ("of", "than", "from"):
            objects = [c for c in token.children if c.dep_ == "pobj"]
            if objects:
                return "from " + _phrase_key(objects[0])
    return None


def _percent_scope(percent: Token, anchor: Token, story: StoryProfile) -> list[ScopePart]:
    """What a percentage is of: '30 percent of the vote', 'a 22 percent unemployment rate',
    '40 percent fewer phones', 'sales were down 50 percent'; and whose it is."""
    parts = _owner_scope(anchor, percent, story)
    comparative = _next_word(percent)
    if comparative is not None and comparative.tag_ in ("JJR", "RBR"):
        parts.append(("measure", f"{comparative.lower_} than"))  # "40 percent fewer": a change
    of = next((c for c in percent.children if c.dep_ == "prep" and c.lower_ == "of"), None)
    objects = [c for c in of.children if c.dep_ == "pobj"] if of is not None else []
    if objects:
        return [*parts, ("measure", "of " + lemma(objects[0]))]
    head = percent
    described: Token | None = None
    while head.dep_ in ("npadvmod", "amod", "advmod", "compound", "nmod") and \
            head.head.i != head.i and head.head.pos_ in ("ADJ", "ADV", "NOUN"):
        head = head.head  # "40 percent fewer … phones", "a 22 percent unemployment rate"
        if head.pos_ == "NOUN":
            described = head
            break
    if described is None:
        verb = _clause_of(percent)
        subject = _subject_of(verb) if verb.pos_ in ("VERB", "AUX") else None
        if subject is not None and subject.pos_ == "NOUN":
            described = subject  # "sales were down 50 percent", "unemployment rose to 22%"
    if described is None:
        return parts
    # One part: the noun with its own compounds ("unemployment rate"), not the verb.
    words = [lemma(c) for c in described.lefts if c.dep_ == "compound" and c.pos_ == "NOUN"]
    return [*parts, ("measure", " ".join([*words, lemma(described)]))]


# ---------------------------------------------------------------- counts

def _read_count(anchor: Token, tokens: Sequence[Token], story: StoryProfile,
                found: list[tuple[Token, Figure]], memory: FigureMemory
                ) -> tuple[str, list[ScopePart]] | None:
    noun = anchor.head if anchor.dep_ in ("nummod", "quantmod", "compound") and \
        anchor.head.pos_ in ("NOUN", "PROPN") and anchor.head.i > anchor.i else None
    nxt = _next_word(anchor)
    if nxt is not None and nxt.lower_ in OUTCOME_ADJECTIVES and not _hyphened(anchor, nxt):
        return OUTCOME_ADJECTIVES[nxt.lower_], []  # "2,012 dead and 2,059 injured"
    magnitude = _magnitude(anchor, nxt, story)
    if magnitude is not None:
        return magnitude
    if (noun is not None and noun.lower_ == "strong") or (nxt is not None and nxt.lower_ == "strong"):
        whole = _whole_after(anchor)  # "a 900,000-strong army"
        return ("troops", [("whole", f"whole {whole}")]) if whole else None
    if noun is not None and _hyphened(anchor, noun) and noun.dep_ in ("compound", "amod", "nmod",
                                                                        "npadvmod"):
        # "a three-storey building", "a five-alarm fire": a property of the noun it describes.
        return _plural(noun), _described(noun.head, story)
    if noun is None:
        return _read_elided(anchor, story, found, memory)
    while noun.dep_ == "compound" and noun.head.pos_ == "NOUN" and noun.head.i > noun.i:
        noun = noun.head  # "1,500 special forces soldiers" counts soldiers
    return _counted_noun(anchor, noun, story, memory)


def _counted_noun(anchor: Token, noun: Token, story: StoryProfile,
                  memory: FigureMemory | None = None) -> tuple[str, list[ScopePart]] | None:
    noun_lemma = lemma(noun)
    if noun_lemma in NOT_FIGURES or noun_lemma in MEASURE_NOUNS or noun.is_stop or \
            not noun.text.replace("-", "").isalpha() or len(noun.text) < 2:
        return None
    if noun_lemma in DURATION_NOUNS:
        return DURATION_NOUNS[noun_lemma], _duration_scope(noun)
    parts = _subset_scope(noun, story) + _owner_scope(anchor, noun, story)
    parts += _place_scope(noun, story, memory=memory) + _whole_scope(noun)
    if _is_part_of_total(anchor, noun):
        parts.append(("subset", "part of a total"))
    if noun.dep_ == "pobj" and noun.head.lower_ == "by" and noun.head.head.pos_ == "VERB":
        parts.append(("measure", "margin"))  # "beating it by 1 million units": a difference
    if _each_after(noun):
        parts.append(("subset", "each"))
    if any(c.lower_ in ("further", "additional", "extra") for c in [*noun.children,
                                                                      *anchor.children]):
        parts.append(("subset", "additional"))  # "a further 1,500": an increment
    conjoined = [c for c in noun.children if c.dep_ == "conj" and c.pos_ == "NOUN"]
    if noun_lemma in PERSON_NOUNS or conjoined:
        outcome = _outcome_of(noun)
        if outcome:
            return outcome, parts
        if conjoined and not any(t.like_num for c in conjoined for t in c.subtree):
            return "people", parts  # "239 passengers and crew": everyone on board
    return _plural(noun), parts


def _read_elided(anchor: Token, story: StoryProfile, found: list[tuple[Token, Figure]],
                 memory: FigureMemory) -> tuple[str, list[ScopePart]] | None:
    """A number with no noun of its own: the verb, an 'of' phrase, a measure noun or the
    figure it parallels says what it counts."""
    outcome = _outcome_of(anchor)
    if outcome:
        return outcome, _place_scope(anchor, story)
    partitive = next((c for c in anchor.children if c.dep_ == "prep" and c.lower_ == "of"), None)
    if partitive is not None:
        objects = [c for c in partitive.children if c.dep_ == "pobj" and c.pos_ == "NOUN"]
        if objects:
            counted = _counted_noun(anchor, objects[0], story)
            if counted:
                return counted[0], [*counted[1], *_predicate_scope(anchor)]
        pronouns = [c for c in partitive.children if c.dep_ == "pobj" and c.pos_ == "PRON"]
        if pronouns and found:  # "2,059 injured, 1,404 of them critically"
            manner = [c.lower_ for c in anchor.head.children if c.dep_ == "advmod"] + (
                [anchor.head.lower_] if anchor.head.pos_ == "ADV" else [])
            return found[-1][1].unit, [("subset", "part of a total"),
                                       *(("subset", m) for m in manner[:1])]
    reached = _reached_by(anchor, story, memory)
    if reached:
        return reached
    if anchor.dep_ == "pobj" and anchor.head.lower_ == "of" and \
            lemma(anchor.head.head) in MEASURE_NOUNS:
        measure = anchor.head.head  # "the toll of nearly three hundred", "a death toll of 52"
        if lemma(measure) == "toll" or any(lemma(c) in ("death", "dead") for c in measure.children):
            return "deaths", []
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
            anchor.head.pos_ in ("ADP",) and anchor.head.lower_ in _ON_BOARD):
        return "people", []
    if _in_brackets(anchor):
        # "(129 seats), Syriza 26.9% (71)": a bare bracketed number counts what the last
        # bracketed figure counted
        bracketed = [f for a, f in found if _in_brackets(a) or _in_brackets(a.head) or any(
            _in_brackets(t) for t in a.head.lefts)]
        if bracketed:
            return bracketed[-1].unit, _parenthetical_scope(anchor, story)
    if found:
        previous_anchor, previous = found[-1]
        if _parallel(anchor, previous_anchor):
            return previous.unit, _parenthetical_scope(anchor, story)
    if found and anchor.dep_ in ("nsubj", "nsubjpass") and re.search(r"\d", anchor.text):
        # "About 900 volunteers have arrived so far, and 3,000 are expected by June"
        subject_unit = found[-1][1].unit
        if subject_unit not in DURATION_NOUNS.values() and subject_unit not in TIME_POINT_UNITS:
            return subject_unit, []
    if anchor.dep_ in ("dobj", "pobj", "conj") and re.search(r"\d", anchor.text):
        # "… and reached 2,122", "… up to 12,000 in all": the noun of the figure just before
        unit = found[-1][1].unit if found else (memory.last_unit if memory.sentences_since <= 1
                                                 else None)
        if unit and unit not in DURATION_NOUNS.values() and unit not in TIME_POINT_UNITS:
            return unit, []
    return None


# Verbs whose object is the level a figure named before has reached.
CHANGE_VERBS = frozenset({"climb", "rise", "jump", "increase", "grow", "pass", "reach", "top",
                          "exceed", "surpass", "hit", "soar", "stand", "fall", "drop"})


def _level_of_it(anchor: Token) -> Token | None:
    """'it climbed past 2,000': a level of something named before ('it', 'this')."""
    verb = anchor.head.head if anchor.dep_ == "pobj" else anchor.head
    if verb.pos_ != "VERB" or lemma(verb) not in CHANGE_VERBS:
        return None
    subject = _subject_of(verb)
    return verb if subject is not None and subject.lower_ in ("it", "this", "that") else None


def _similar_figure(anchor: Token, found: list[tuple[Token, Figure]],
                    memory: FigureMemory) -> str | None:
    """'… measured it at magnitude 6.8, while the institute put it at 7.0', 'the quake
    measured 7.0': a bare number after a measuring verb counts what the nearest earlier
    figure of about its size counted."""
    verb = anchor.head.head if anchor.dep_ == "pobj" else anchor.head
    if lemma(verb) not in ("measure", "put", "register", "record", "rate", "estimate", "give"):
        return None
    value = float(anchor.text.replace(",", "")) if re.fullmatch(r"[\d,]+(?:\.\d+)?",
                                                                 anchor.text) else None
    if value is None or value <= 0:
        return None
    candidates = [f for _, f in reversed(found)] + list(reversed(memory.recent))
    for figure in candidates:
        if figure.value > 0 and 1 / 1.5 <= value / figure.value <= 1.5 and \
                figure.unit not in DURATION_NOUNS.values():
            return figure.unit
    return None


def _magnitude(anchor: Token, after: Token | None,
               story: StoryProfile) -> tuple[str, list[ScopePart]] | None:
    """'magnitude 6.8', 'a magnitude of 6.8', 'a 6.8-magnitude quake', 'a magnitude 4.9
    aftershock' (what it describes is its scope unless it is the story's own event)."""
    before = anchor.doc[anchor.i - 1] if anchor.i > anchor.sent.start else None
    of_before = anchor.doc[anchor.i - 2] if anchor.i - 2 >= anchor.sent.start else None
    if before is not None and before.lower_ == "magnitude":
        described = before.head if before.head.pos_ == "NOUN" and before.head.i > anchor.i else (
            anchor.head if anchor.head.pos_ == "NOUN" and anchor.head.i > anchor.i else None)
        return "magnitude", _described(described, story) if described is not None else []
    if before is not None and before.lower_ == "of" and of_before is not None and \
            of_before.lower_ == "magnitude":
        return "magnitude", []
    if after is not None and after.lower_ == "magnitude":
        return "magnitude", _described(after.head, story) if after.head.i != after.i else []
    return None


def _described(noun: Token, story: StoryProfile) -> list[ScopePart]:
    """What a measure describes ('a three-storey building'), unless it is the story's own
    subject (the quake of a quake story), which narrows nothing."""
    if noun.pos_ not in ("NOUN", "PROPN") or lemma(noun) in story.common_nouns:
        return []
    return [("described", lemma(noun))]


# Verbs that give the level a count stands at: "sales, which reached 40 million".
LEVEL_VERBS = frozenset({"reach", "hit", "top", "exceed", "surpass", "pass", "total"})


def _reached_by(anchor: Token, story: StoryProfile,
                memory: FigureMemory) -> tuple[str, list[ScopePart]] | None:
    """'Galaxy S4 sales, which reached a record 40 million': the subject is what is counted."""
    verb = anchor.head
    if anchor.dep_ not in ("dobj", "attr") or lemma(verb) not in LEVEL_VERBS:
        return None
    subject = _subject_of(verb)
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
        if child.dep_ in ("acl", "relcl") and OUTCOME_VERBS.get(lemma(child)):
            return OUTCOME_VERBS[lemma(child)]
    if token.dep_ == "amod" and head.lower_ in OUTCOME_ADJECTIVES:
        return OUTCOME_ADJECTIVES[head.lower_]
    return None


def _measured_by(anchor: Token) -> str | None:
    """'the death toll rose to 820' → deaths: the number is what a measure noun stands at.
    '?' when the measure noun does not say what it counts ('the running total at 3,000')."""
    verb = anchor.head.head if anchor.dep_ == "pobj" else anchor.head if anchor.dep_ in (
        "attr", "dobj") else None
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


# ---------------------------------------------------------------- scope

def _subset_scope(noun: Token, story: StoryProfile) -> list[ScopePart]:
    """Modifiers that narrow what is counted: 'Chinese passengers', 'special forces',
    'seriously injured', 'passengers from China'."""
    parts: list[ScopePart] = []
    for child in noun.children:
        if child.dep_ in ("amod", "compound", "nmod") and child.ent_type_ in ("NORP", "GPE"):
            parts.append((NATIONALITY, _entity_text(child)))
        elif child.dep_ == "amod" and child.lower_ in ("special", "elite") or (
                child.dep_ == "compound" and lemma(child) == "force" and any(
                    g.lower_ in ("special", "elite") for g in child.children)):
            parts.append(("subset", "special forces"))
        elif child.dep_ == "amod" and child.lower_ in ("senior", "critically", "seriously",
                                                       "severely"):
            parts.append(("subset", child.lower_))
        elif child.dep_ == "prep" and child.lower_ == "from":
            objects = [c for c in child.children if c.dep_ == "pobj"]
            if objects:
                parts.append(("subset", "from " + _phrase_key(objects[0])))
    return parts


# Verbs whose subject owns the figure in their object: "won 129 seats", "sold 12 million".
POSSESSION_VERBS = frozenset("""have hold win gain get take secure sell ship garner receive earn
lose keep control capture own score claim retain obtain""".split())
# Nouns for a body whose size a figure may give: "the corps numbers 40,000 soldiers".
COLLECTIVE_NOUNS = frozenset("""army military force forces corps division brigade regiment
battalion fleet navy workforce population""".split())


def _owner_scope(anchor: Token, noun: Token, story: StoryProfile) -> list[ScopePart]:
    """Whose count it is: a name on the noun ('Galaxy S5 units', "Samsung's share"), the
    subject that has, wins or sells it ('New Democracy … gained 129 seats'), or what a
    'with' phrase belongs to ('showed New Democracy with 128 seats')."""
    names = [c for c in noun.children if c.dep_ in ("compound", "poss", "nmod") and
             c.pos_ == "PROPN" and c.i < noun.i and c.ent_type_ not in ("NORP", "GPE")]
    if names:
        return [("owner", _entity_text(names[-1]))]
    if lemma(noun) in PEOPLE_NOUNS:
        return []  # a plane "with 227 passengers" leaving a city: people have no owner here
    owner = _owner_by_verb(noun)
    return [("owner", owner)] if owner else []


def _owner_by_verb(noun: Token) -> str | None:
    head = noun
    # Climb over conjunctions and appositions: '30 percent of the vote and 128 seats',
    # 'Syriza 26.9% (71)' (the figures are Syriza's).
    for _ in range(4):
        if head.dep_ in ("conj", "appos") or (head.dep_ == "pobj" and head.head.lower_ == "of"):
            head = head.head.head if head.dep_ == "pobj" else head.head
            if head.pos_ == "PROPN" and head.ent_type_ not in ("DATE", "TIME"):
                return _entity_text(head)
            continue
        break
    if head.dep_ == "pobj" and head.head.lower_ == "with":
        holder = head.head.head
        if holder.pos_ in ("PROPN", "NOUN") and _is_name(holder):
            return _entity_text(holder)
        if holder.pos_ in ("VERB", "AUX"):
            objects = [c for c in holder.children if c.dep_ in ("dobj", "attr") and _is_name(c)]
            if objects:
                return _entity_text(objects[0])
            subject = _subject_of(holder)
            if subject is not None and _is_name(subject):
                return _entity_text(subject)
        return None
    if head.dep_ in ("appos", "npadvmod") and _is_name(head.head):
        return _entity_text(head.head)
    if head.dep_ in ("dobj", "attr") and head.head.pos_ in ("VERB", "AUX") and \
            lemma(head.head) in POSSESSION_VERBS | {"be"}:
        subject = _subject_of(head.head)
        if subject is not None and _is_name(subject):
            return _entity_text(subject)
    for child in head.children:  # "the Greens 9.3%"
        if child.dep_ in ("nmod", "npadvmod") and _is_name(child):
            return _entity_text(child)
    return None


def _whole_scope(noun: Token) -> list[ScopePart]:
    """'the corps numbers roughly 40,000 soldiers', 'forces, which are estimated at 1.2
    million personnel': the size of a whole body, not a deployment."""
    head = noun.head if noun.dep_ == "pobj" else noun
    verb = head.head if head.dep_ in ("dobj", "attr", "prep") or noun.dep_ == "pobj" else None
    if verb is None or verb.pos_ not in ("VERB", "AUX"):
        return []
    subject = _subject_of(verb)
    if subject is not None and lemma(subject) in COLLECTIVE_NOUNS and lemma(verb) in (
            "number", "total", "estimate", "be", "have", "comprise", "include", "count"):
        return [("whole", f"whole {subject.lower_}")]
    return []


# Entity labels a figure's site can carry. Countries and regions (GPE, LOC) narrow only
# measures ("9 inches fell across northern Missouri"): a count "in Russia" is rarely a part.
SITE_LABELS = frozenset({"FAC", "ORG"})
REGION_LABELS = frozenset({"GPE", "LOC"})
_SITE_PREPOSITIONS = frozenset({"at", "in", "on", "near", "off", "across", "over"})


def _place_scope(token: Token, story: StoryProfile, measure: bool = False,
                 memory: FigureMemory | None = None) -> list[ScopePart]:
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
                    if place.dep_ != "pobj" or (place.ent_type_ == "ORG" and child.lower_ != "at"
                                                and not measure):
                        continue
                    name = _site_name(place, labels, memory)
                    if name and (measure or entity_key(name) not in story.common_places):
                        parts.append(("place", f"at {name}"))
        if holder.pos_ in ("VERB", "AUX"):
            subject = _subject_of(holder)  # "Midway was reporting 69 cancellations"
            if subject is not None and subject.i != token.i and subject.ent_type_ == "FAC":
                name = _entity_text(subject)
                if entity_key(name) not in story.common_places:
                    parts.append(("place", f"at {name}"))
    relative = token.head if token.head.dep_ == "relcl" else None
    if relative is not None and any(c.lower_ == "where" for c in relative.children):
        antecedent = relative.head  # "At Midway, where 123 flights were cancelled"
        if antecedent.ent_type_ in labels | {"FAC"}:
            parts.append(("place", f"at {_entity_text(antecedent)}"))
    return parts[:1]


def _site_name(place: Token, labels: frozenset[str],
               memory: FigureMemory | None = None) -> str | None:
    """A site's name. 'the airport' is a site when the article has named sites of that kind
    ('… International Airport'): the one named last in the sentence, else in the article."""
    if place.ent_type_ in labels:
        return _entity_text(place)
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


def _predicate_scope(anchor: Token) -> list[ScopePart]:
    """'More than 150 of the 239 passengers … were from China' → from China."""
    verb = anchor.head
    if anchor.dep_ in ("nsubj", "nsubjpass") and verb.pos_ in ("AUX", "VERB"):
        for child in verb.children:
            if child.dep_ == "prep" and child.lower_ == "from":
                objects = [c for c in child.children if c.dep_ == "pobj"]
                if objects:
                    return [("subset", "from " + _phrase_key(objects[0]))]
    return []


def _parenthetical_scope(anchor: Token, story: StoryProfile) -> list[ScopePart]:
    """'(154)' after 'from China or Taiwan' counts those from there; '(71)' after
    'Syriza 26.9%' is Syriza's."""
    owner = _owner_by_verb(anchor)
    if owner:
        return [("owner", owner)]
    head = anchor.head
    if head.pos_ == "PROPN" or head.ent_type_ in ("GPE", "LOC", "ORG", "NORP"):
        if head.dep_ == "pobj" and head.head.lower_ == "from":
            return [("subset", "from " + _phrase_key(head))]
        return [("owner", _entity_text(head))]
    return []


def _is_part_of_total(anchor: Token, noun: Token) -> bool:
    """'including 12 children', 'of whom 40': a part of a figure given beside it."""
    for token in (anchor, noun):
        if token.dep_ == "pobj" and token.head.lower_ in _SUBSET_MARKERS:
            return True
    return False


def _each_after(noun: Token) -> bool:
    """'two units of up to 6,000 men each': a figure per unit, not a total."""
    window = noun.doc[noun.i + 1:min(noun.i + 3, noun.sent.end)]
    return any(t.lower_ == "each" for t in window)


def _share_owners(found: Sequence[tuple[Token, Figure]]) -> None:
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
        while token.dep_ in ("conj", "nummod", "appos", "pobj", "prep", "compound", "dobj") and \
                token.head.i != token.i and len(seen) < 8:
            token = token.head
            seen.add(token.i)
        return seen
    first_chain, second_chain = chain(first), chain(second)
    shared = first_chain & second_chain
    return bool(shared) and any(first.doc[i].dep_ == "conj" or any(
        c.dep_ == "conj" for c in first.doc[i].children) for i in first_chain | second_chain)


def _in_brackets(token: Token) -> bool:
    return token.i > token.sent.start and token.doc[token.i - 1].text == "("


def _parallel(anchor: Token, previous: Token) -> bool:
    """A bare number in the same construction as the figure before it: 'rose from 40 to
    52', '3,000 troops so far and 10,000 by December'."""
    return anchor.head == previous or anchor.head == previous.head or previous.head == anchor


def _whole_after(anchor: Token) -> str | None:
    for token in anchor.doc[anchor.i:min(anchor.i + 6, anchor.sent.end)]:
        if lemma(token) in COLLECTIVE_NOUNS:
            return token.lower_
    return None


# ---------------------------------------------------------------- events and times

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


def _time_ref(anchor: Token, sentence: Span) -> str | None:
    """The time the figure is given for: 'so far', 'by December', 'as of Sunday', or the
    date of its own clause."""
    clause = _clause_of(anchor)
    first, last = clause.left_edge.i, clause.right_edge.i
    text = sentence.doc.text[sentence.doc[first].idx:sentence.doc[last].idx +
                             len(sentence.doc[last].text)]
    match = _TIME_PHRASES.search(text)
    if match:
        return match.group(0)
    for entity in sentence.ents:
        # A date the figure's own verb is dated by ("cancelled on Sunday", "as of midnight"),
        # not a clock time or a duration elsewhere in the clause.
        if entity.label_ != "DATE" or not first <= entity.start <= last or \
                any(t.i == anchor.i for t in entity) or any(
                    lemma(t) in DURATION_NOUNS for t in entity):
            continue  # "six days after": how long, not when
        root = entity.root
        if root.head.i == clause.i or (root.head.dep_ == "prep" and root.head.head.i == clause.i):
            return entity.text
    return None


def _clause_of(token: Token) -> Token:
    head = token
    for _ in range(12):
        if head.pos_ in ("VERB", "AUX") and head.dep_ not in ("amod", "acl", "xcomp") or \
                head.head.i == head.i:
            return head
        head = head.head
    return head


# ---------------------------------------------------------------- small helpers

def _qualifier(mention: NumberMention, anchor: Token) -> Qualifier:
    if mention.qualifier != "exact":
        return mention.qualifier
    nxt = _next_word(anchor)
    if nxt is not None and nxt.lower_ == "or" and _next_word(nxt) is not None and \
            _next_word(nxt).lower_ == "so":  # type: ignore[union-attr]
        return "about"  # "1,500 or so"
    for child in anchor.children:
        if child.dep_ in ("advmod", "quantmod") and child.lower_ in ("about", "around", "nearly",
                                                                    "almost", "approximately",
                                                                    "roughly", "some"):
            return "about"
    return "exact"


def _next_word(token: Token | None) -> Token | None:
    """The next token in the sentence that is not a hyphen."""
    if token is None:
        return None
    index = token.i + 1
    while index < token.sent.end and token.doc[index].text in ("-", "‑", "–"):
        index += 1
    return token.doc[index] if index < token.sent.end else None


def _hyphened(number: Token, noun: Token) -> bool:
    between = number.doc[number.i + 1:noun.i]
    return len(between) >= 1 and all(t.text in ("-", "‑", "–") for t in between)


def _describes(token: Token) -> list[str]:
    head = token
    while head.dep_ in ("npadvmod", "amod", "compound") and head.head.i != head.i:
        head = head.head
    return [lemma(head)] if head.pos_ == "NOUN" else []


def _plural(noun: Token) -> str:
    word = noun.lower_
    if noun.tag_ in ("NNS", "NNPS") or word in ("aircraft", "people", "crew", "personnel", "police",
                                                "staff"):
        return canonical_unit(word)
    base = lemma(noun)
    if re.search(r"(?:s|x|z|ch|sh)$", base):
        return canonical_unit(base + "es")
    if re.search(r"[^aeiou]y$", base):
        return canonical_unit(base[:-1] + "ies")
    return canonical_unit(base + "s")


def _subject_of(verb: Token) -> Token | None:
    subject = next((c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")), None)
    if subject is not None and subject.lower_ in ("which", "that", "who") and \
            verb.dep_ == "relcl":
        return verb.head
    if subject is None and verb.dep_ in ("conj", "xcomp", "advcl") and verb.head.pos_ in (
            "VERB", "AUX"):
        return _subject_of(verb.head)
    return subject


def _is_name(token: Token) -> bool:
    """A name, or a noun a name describes ('the Syriza party')."""
    return token.pos_ == "PROPN" or token.ent_type_ in ("ORG", "PERSON", "NORP", "PRODUCT", "GPE") \
        or any(c.dep_ in ("compound", "amod") and c.pos_ == "PROPN" for c in token.children)


def _entity_text(token: Token) -> str:
    """The whole name a token is part of ('New Democracy' for 'Democracy')."""
    if token.ent_type_:
        for entity in token.sent.ents:
            if entity.start <= token.i < entity.end:
                return re.sub(r"^(?:the|The)\s+", "", entity.text)
    words = [c for c in token.lefts if c.dep_ in ("compound", "amod") and c.pos_ == "PROPN"]
    if token.pos_ == "NOUN" and words:
        return " ".join(w.text for w in words)  # "the Syriza party" is Syriza's
    return " ".join([*(w.text for w in words), token.text])


def _phrase_key(token: Token) -> str:
    """A noun phrase without its determiner: 'the previous search zone' → 'previous search zone'."""
    words = [t for t in token.subtree if t.i <= token.i and t.dep_ not in ("det", "punct", "poss",
                                                                          "case")]
    return " ".join(t.text for t in words) or token.text
