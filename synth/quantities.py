"""What a number in a sentence counts: unit, scope and time reference (pure).

Units are normalised (troops, soldiers and infantrymen are all `troops`) while scope is
kept apart (special forces, officers or a whole army are not a deployment total), so
that the reconcile stage compares like with like.
"""

from __future__ import annotations

import re

from synth.dates import find_dates
from synth.models import Quantity
from synth.numbers import NumberMention, find_numbers

# Noun (as written, lower case) → normalised unit. Longer phrases are tried first.
UNIT_NOUNS: dict[str, str] = {
    **dict.fromkeys(["troops", "troop", "soldiers", "soldier", "infantrymen", "infantry",
                     "servicemen", "service members", "servicemembers", "personnel",
                     "fighters", "combatants", "men", "forces", "military personnel",
                     "recruits", "conscripts"], "troops"),
    **dict.fromkeys(["officers", "generals", "commanders"], "troops"),
    **dict.fromkeys(["special forces", "commandos", "special operations"], "troops"),
    **dict.fromkeys(["dead", "deaths", "death", "fatalities", "lives", "bodies",
                     "victims", "killed"], "deaths"),
    **dict.fromkeys(["injured", "wounded", "injuries", "hurt", "casualties"], "injured"),
    **dict.fromkeys(["km", "kilometres", "kilometers", "kilometre", "kilometer"], "km"),
    **dict.fromkeys(["miles", "mile"], "miles"),
    **dict.fromkeys(["%", "per cent", "percent"], "percent"),
    **dict.fromkeys(["magnitude"], "magnitude"),
    **dict.fromkeys(["days", "day"], "days"),
    **dict.fromkeys(["hours", "hour"], "hours"),
    **dict.fromkeys(["people", "persons", "residents", "civilians", "villagers"], "people"),
    **dict.fromkeys(["brigades", "brigade"], "brigades"),
    **dict.fromkeys(["homes", "houses", "buildings", "dwellings"], "buildings"),
    **dict.fromkeys(["villages", "village"], "villages"),
}
_KNOWN_UNITS = frozenset(UNIT_NOUNS.values()) | {"USD", "EUR", "GBP"}
# A unit noun that names a subset of another unit: (unit, scope).
SCOPE_NOUNS = {"officers": "officers", "generals": "generals", "commanders": "commanders",
               "special forces": "special forces", "commandos": "special forces",
               "special operations": "special forces"}
_SCOPE_MODIFIERS = [
    (re.compile(r"special[ -](?:forces|operations|operators)|elite|commandos?", re.I),
     "special forces"),
    (re.compile(r"critically|seriously|severely", re.I), "critically"),
]
# Words allowed between a number and its noun ("3,000 North Korean troops").
_FILLER = re.compile(
    r"^(?:[\s\u00a0-]|more|additional|extra|new|other|further|north|south|korean|koreans|"
    r"russian|ukrainian|american|moroccan|foreign|elite|special|forces?|operations|of|the|"
    r"strong|its|their|his|her|critically|seriously|severely|armed|military|army|active|"
    r"active-duty|duty|regular|reserve|combat|ground|frontline|front-line|"
    r"[A-Z][a-z]+(?:'s)?)+", re.UNICODE)
_WORD = re.compile(r"[A-Za-z%]+(?:[ -][A-Za-z]+)?")
_PEOPLE_OUTCOME_AFTER = re.compile(
    r"^[^.;]{0,40}?\b(?P<w>killed|died|dead|perished|lost their lives|injured|wounded|hurt|"
    r"displaced|homeless|evacuated|fled|left their homes|rescued)\b", re.I)
# Where a new clause starts, an earlier verb no longer says what a number counts.
_CLAUSE_BREAK = re.compile(r"[;:]|,\s+(?:and|but|while|whereas|as|with)\b|\band\s+(?=about|some|"
                           r"around|nearly|almost|more|over|at least|up to)", re.I)
_OUTCOME_BEFORE = re.compile(
    r"\b(?P<w>death toll|toll|killing|killed|dead|deaths|injuring|injured|wounded|"
    r"number of (?:dead|deaths|injured|wounded))\b[^.;\d]{0,70}$", re.I)
_MAGNITUDE_BEFORE = re.compile(r"\bmagnitude(?:\s+(?:of|at|was|is|as|to|from))*[\s-]*$", re.I)
_STRONG_AFTER = re.compile(r"^[\s\u00a0]*-?\s*strong\s+(?P<what>[a-z]+)", re.I)
_TIME_REFS = re.compile(
    r"\b(?:so far|to date|thus far|as of [^,.;]{2,30}|by (?:the end of )?(?:January|February|"
    r"March|April|May|June|July|August|September|October|November|December|the end of the year|"
    r"year-end|next (?:week|month|year))|initially|at first|in the first wave|first|"
    r"in total|eventually|expected|planned|earlier|later|overnight)\b", re.I)
# Words that follow a number without naming what it counts ("1,404 were injured").
_NOT_NOUNS = {"were", "was", "are", "is", "had", "have", "has", "been", "of", "who", "which",
              "that", "and", "or", "in", "on", "at", "from", "to", "more", "others", "with"}


# Nouns a number can count without the count being a checkable figure of the story.
_NOT_FIGURES = frozenset("""times countries governments nations sides parties ways things reasons
years months weeks minutes seconds hours occasions points members units""".split())
# Below this, a count of an unrecognised noun is rarely a figure worth reconciling.
MIN_GENERIC_VALUE = 10
_WHOLE_FORCE_BEFORE = re.compile(
    r"\b(?P<what>corps|army|armed forces|military|division|regiment)\b[^.;]{0,30}?"
    r"\b(?:numbers|totals|has|have|had|of|with|is|are|at)\b[^.;,\d]{0,20}$", re.I)


_THRESHOLD_AFTER = re.compile(r"^\s*(?:or (?:more|greater|above|higher|over|less|fewer)|\+)", re.I)
_THRESHOLD_BEFORE = re.compile(r"\b(?:within|beyond|exceed(?:ing)?)\s+$", re.I)
_ELAPSED_AFTER = re.compile(r"^\s+(?:days?|weeks?|hours?|months?|years?|minutes?)\s+"
                            r"(?:after|later|ago|on|before|since|into)\b", re.I)
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
_ELIDED_NOUN = re.compile(r"^\s*(?:[,.;)]|$|by\b|so far\b|in\b|to\b|of them\b|more\b|"
                          r"others?\b|had\b|have\b|were\b|are\b|more\b)", re.I)
_EACH = re.compile(r"^[\s\u00a0]*(?:[\w-]+\s+){0,2}each\b", re.I)
_AFTERSHOCK = re.compile(r"^[\s-]*(?:magnitude\s+)?aftershocks?\b", re.I)


def quantities_in(sentence: str, reference_year: int | None = None) -> list[Quantity]:
    """The countable quantities a sentence states, leaving out years, dates, ordinals,
    thresholds ('magnitude 6 or more') and elapsed time ('six days after').

    A figure in a sentence about an earlier year ('in 1960, when a quake killed 12,000')
    gets that year as its scope, so it is never compared with this story's figures."""
    date_spans = [(d.start, d.end) for d in find_dates(sentence)]
    quantities: list[Quantity] = []
    for mention in find_numbers(sentence):
        if _is_not_a_quantity(sentence, mention, date_spans):
            continue
        after = sentence[mention.end:]
        if (_THRESHOLD_AFTER.match(after) or _ELAPSED_AFTER.match(after)
                or _THRESHOLD_BEFORE.search(sentence[:mention.start])):
            continue
        unit, scope = _unit_and_scope(sentence, mention)
        if unit is None and quantities and _ELIDED_NOUN.match(sentence[mention.end:]):
            # "3,000 troops so far, and 10,000 by December": the noun is not repeated.
            unit = quantities[-1].unit
        if unit is None or unit in _NOT_FIGURES:
            continue
        if unit not in _KNOWN_UNITS and mention.value < MIN_GENERIC_VALUE:
            continue
        whole = _WHOLE_FORCE_BEFORE.search(sentence[max(0, mention.start - 60):mention.start])
        if unit == "troops" and scope is None and whole:
            scope = f"whole {whole['what'].lower()}"
        if scope is None and _EACH.match(after):
            scope = "per unit"  # "two units of up to 6,000 men each" is not a total
        if unit == "magnitude" and _AFTERSHOCK.match(after):
            scope = "aftershock"
        if reference_year is not None:
            earlier = [int(y) for y in _YEAR.findall(sentence[:mention.start])
                       if int(y) < reference_year]
            if earlier and scope is None:
                scope = f"in {earlier[-1]}"
        quantities.append(Quantity(
            value=mention.value, value_max=mention.value_max, unit=unit, scope=scope,
            qualifier=mention.qualifier, time_ref=_time_ref(sentence, mention),
            text=sentence[mention.start:mention.end],
        ))
    return quantities


def _is_not_a_quantity(sentence: str, mention: NumberMention,
                       date_spans: list[tuple[int, int]]) -> bool:
    start, end = mention.number_start, mention.end
    if any(s <= start < e for s, e in date_spans):
        return True
    written = sentence[start:end]
    after = sentence[end:end + 3]
    if re.match(r"(?:st|nd|rd|th)\b|:\d|\.\d", after, re.I):  # ordinal or clock time
        return True
    # A bare four-digit 19xx/20xx is a year unless a noun it counts follows.
    if re.fullmatch(r"(?:19|20)\d\d", written) and not re.match(r"\s+[a-z]", sentence[end:]):
        return True
    if re.fullmatch(r"(?:19|20)\d\d", written) and re.match(
            r"\s+(?:and|to|in|on|when|after|before|until)\b", sentence[end:], re.I):
        return True
    # "one of the", "one person" read better as words than as counts; skip lone small words.
    if mention.value < 2 and not re.search(r"\d", written):
        return True
    return False


def _unit_and_scope(sentence: str, mention: NumberMention) -> tuple[str | None, str | None]:
    end = mention.end
    before = sentence[max(0, mention.start - 100):mention.start]
    after = sentence[end:end + 80]
    noun, noun_end = _noun_after(after)
    scope = None
    for pattern, name in _SCOPE_MODIFIERS:
        # Only a modifier inside the number's own noun phrase narrows what it counts.
        if pattern.search(after[:noun_end]):
            scope = name
            break
    if _MAGNITUDE_BEFORE.search(before) or re.match(r"^[\s-]*magnitude", after, re.I):
        return "magnitude", None
    strong = _STRONG_AFTER.match(after)
    if strong:
        return "troops", f"whole {strong['what'].lower()}"
    if after.startswith("%") or re.match(r"^\s*per\s?cent", after, re.I):
        return "percent", None
    if re.search(r"[$€£]\s*$", before):
        return {"$": "USD", "€": "EUR", "£": "GBP"}[before.rstrip()[-1]], None
    if noun in SCOPE_NOUNS:
        return "troops", SCOPE_NOUNS[noun]
    if noun is not None:
        unit = UNIT_NOUNS.get(noun)
        if unit in ("km", "miles"):
            depth = re.search(r"\b(?:deep|depth)\b", sentence[max(0, mention.start - 40):end + 40],
                              re.I)
            return unit, "depth" if depth else "distance"
        if unit == "people":
            outcome = _nearest_outcome(before, after)
            return (outcome or "people"), scope
        if unit is not None:
            return unit, scope
    outcome = _nearest_outcome(before, after)
    if outcome:
        return outcome, scope
    if noun is not None and len(noun) > 2 and noun.isalpha() and noun not in _NOT_NOUNS:
        return noun.lower(), scope
    return None, None


def _noun_after(after: str) -> tuple[str | None, int]:
    """The noun a number counts, and where its noun phrase ends in `after`."""
    if after.startswith("%"):
        return "%", 1
    filler = _FILLER.match(after)
    skipped = filler.end() if filler else 0
    # The phrase right after the number first ("special forces"), then past adjectives.
    for offset in dict.fromkeys((0, skipped)):
        lead = len(after[offset:]) - len(after[offset:].lstrip(" \u00a0-"))
        words = _WORD.match(after, offset + lead)
        if not words:
            continue
        phrase = words.group(0).lower().replace("-", " ")
        if phrase in UNIT_NOUNS:
            return phrase, words.end()
        first = phrase.split(" ")[0]
        if first in UNIT_NOUNS:
            return first, words.start() + len(first)
    lead = len(after[skipped:]) - len(after[skipped:].lstrip(" \u00a0-"))
    words = _WORD.match(after, skipped + lead)
    if words:
        first = words.group(0).lower().split(" ")[0]
        return first, words.start() + len(first)
    return None, skipped


def _nearest_outcome(before: str, after: str) -> str | None:
    """'killed at least 2,946 people and injured 5,674': the nearer verb decides."""
    found_after = _PEOPLE_OUTCOME_AFTER.match(after)
    breaks = list(_CLAUSE_BREAK.finditer(before))
    if breaks:
        before = before[breaks[-1].end():]
    found_before = _OUTCOME_BEFORE.search(before)
    candidates = []
    if found_after:
        candidates.append((found_after.start("w"), found_after["w"]))
    if found_before:
        candidates.append((len(before) - found_before.end("w"), found_before["w"]))
    if not candidates:
        return None
    return _outcome_unit(min(candidates)[1])


def _outcome_unit(word: str) -> str:
    word = word.lower()
    if any(w in word for w in ("injur", "wound", "hurt")):
        return "injured"
    if any(w in word for w in ("displaced", "homeless", "evacuated", "fled", "left their homes")):
        return "displaced"
    if "rescued" in word:
        return "rescued"
    return "deaths"


def _time_ref(sentence: str, mention: NumberMention) -> str | None:
    """The time phrase nearest the number within its clause, if any."""
    breaks_before = [m.end() for m in _CLAUSE_BREAK.finditer(sentence, 0, mention.start)]
    clause_start = breaks_before[-1] if breaks_before else 0
    following = _CLAUSE_BREAK.search(sentence, mention.end)
    clause_end = following.start() if following else len(sentence)
    best: tuple[int, str] | None = None
    for match in _TIME_REFS.finditer(sentence, clause_start, clause_end):
        distance = abs(match.start() - mention.end) if match.start() >= mention.end else \
            abs(mention.start - match.end())
        if distance <= 60 and (best is None or distance < best[0]):
            best = (distance, match.group(0))
    return best[1] if best else None
