"""What a figure counts, in one vocabulary for every extractor and for reconcile (pure).

A unit is a plural noun ("ships", "seats", "km"). `unit_key` folds the ways one thing is
written onto one key, by lemma and by synonym (troops and soldiers, buildings and homes
destroyed), and `base_value` puts measures of one dimension on one scale (miles and km), so
that figures are compared by what they count, not by how they are spelled. The synonym sets
are ordinary English, not any story's vocabulary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Words that name the same counted thing. The first word of a set is its key.
_SYNONYM_SETS: tuple[tuple[str, ...], ...] = (
    (
        "troops",
        "troop",
        "soldiers",
        "soldier",
        "servicemen",
        "serviceman",
        "service members",
        "servicemembers",
        "infantrymen",
        "infantry",
        "military personnel",
        "personnel",
        "combatants",
        "recruits",
        "conscripts",
        "forces",
        "fighters",
    ),
    ("deaths", "death", "dead", "killed", "fatalities", "fatality", "lives", "bodies"),
    ("injured", "injuries", "injury", "wounded", "hurt", "casualties"),
    ("missing", "unaccounted for"),
    ("displaced", "evacuated", "evacuees", "homeless", "refugees"),
    ("arrested", "arrests", "detained", "detainees"),
    ("rescued", "recovered"),
    ("people", "persons", "individuals"),
    (
        "buildings",
        "building",
        "structures",
        "structure",
        "homes",
        "home",
        "houses",
        "house",
        "dwellings",
        "properties",
    ),
    ("aircraft", "planes", "plane", "aeroplanes", "airplanes", "jets"),
    ("ships", "ship", "vessels", "vessel", "boats", "boat"),
    ("flights", "flight", "cancellations"),
    (
        "units",
        "unit",
        "handsets",
        "handset",
        "devices",
        "device",
        "phones",
        "phone",
        "smartphones",
        "smartphone",
    ),
    ("storeys", "storey", "stories", "floors", "levels"),
    ("percent", "per cent", "%", "percentage points", "pct"),
    ("days", "day"),
    ("weeks", "week"),
    ("months", "month"),
    ("years", "year"),
    ("hours", "hour", "hrs"),
    ("minutes", "minute", "mins"),
    ("seconds", "second", "secs"),
)
SYNONYMS: dict[str, str] = {word: words[0] for words in _SYNONYM_SETS for word in words}


@dataclass(frozen=True)
class Measure:
    """A unit of measurement: its dimension and how many base units one of it is."""

    dimension: str
    factor: float


# Measures of length, area, mass, speed and money, each on one base scale per dimension.
MEASURES: dict[str, Measure] = {
    **dict.fromkeys(
        ["km", "kilometres", "kilometers", "kilometre", "kilometer", "kms"], Measure("length", 1.0)
    ),
    **dict.fromkeys(["m", "metres", "meters", "metre", "meter"], Measure("length", 0.001)),
    **dict.fromkeys(
        ["cm", "centimetres", "centimeters", "centimetre", "centimeter"], Measure("length", 0.00001)
    ),
    **dict.fromkeys(
        ["mm", "millimetres", "millimeters", "millimetre", "millimeter"], Measure("length", 0.000001)
    ),
    **dict.fromkeys(["miles", "mile", "mi"], Measure("length", 1.609344)),
    **dict.fromkeys(["nautical miles", "nautical mile", "nm"], Measure("length", 1.852)),
    **dict.fromkeys(["feet", "foot", "ft"], Measure("length", 0.0003048)),
    **dict.fromkeys(["inches", "inch"], Measure("length", 0.0000254)),
    **dict.fromkeys(["yards", "yard", "yd"], Measure("length", 0.0009144)),
    **dict.fromkeys(["sq km", "square kilometres", "square kilometers", "km2"], Measure("area", 1.0)),
    **dict.fromkeys(["sq miles", "square miles"], Measure("area", 2.589988)),
    **dict.fromkeys(["sq nautical miles", "square nautical miles"], Measure("area", 3.429904)),
    **dict.fromkeys(["hectares", "hectare", "ha"], Measure("area", 0.01)),
    **dict.fromkeys(["acres", "acre"], Measure("area", 0.00404686)),
    **dict.fromkeys(["kg", "kilograms", "kilogrammes", "kilos"], Measure("mass", 1.0)),
    **dict.fromkeys(["tonnes", "tons", "tonne", "ton"], Measure("mass", 1000.0)),
    **dict.fromkeys(["pounds", "lbs", "lb"], Measure("mass", 0.45359237)),
    **dict.fromkeys(["km/h", "kmh", "kph"], Measure("speed", 1.0)),
    **dict.fromkeys(["mph"], Measure("speed", 1.609344)),
    **dict.fromkeys(["knots", "knot"], Measure("speed", 1.852)),
}
CURRENCIES = {
    "$": "USD",
    "US$": "USD",
    "€": "EUR",
    "£": "GBP",
    "¥": "JPY",
    "dollars": "USD",
    "euros": "EUR",
    "pounds sterling": "GBP",
    "yen": "JPY",
    "yuan": "CNY",
    "usd": "USD",
    "eur": "EUR",
    "gbp": "GBP",
}
# Units that name a moment or a span of time rather than a count of things.
DURATIONS = frozenset({"days", "weeks", "months", "years", "hours", "minutes", "seconds"})
TIME_POINTS = frozenset({"year", "time of day"})

_IRREGULAR_PLURALS = {
    "people": "people",
    "men": "men",
    "women": "women",
    "children": "children",
    "aircraft": "aircraft",
    "police": "police",
    "personnel": "personnel",
    "crew": "crew",
    "staff": "staff",
    "series": "series",
    "species": "species",
}


def singular(noun: str) -> str:
    """A plural English noun's singular, by the common spelling rules ('countries' →
    'country', 'ships' → 'ship'); irregular and uncountable nouns stay as they are."""
    word = noun.lower()
    if (
        word in _IRREGULAR_PLURALS
        or len(word) < 4
        or not word.endswith("s")
        or word.endswith(("ss", "us", "is"))
    ):  # "focus", "radius", "analysis" are singular
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if re.search(r"(?:ches|shes|sses|xes|zes)$", word):
        return word[:-2]
    return word[:-1]


def unit_key(unit: str | None) -> str:
    """The key two units must share to count the same thing: synonyms and measures of one
    dimension fold together, anything else by its singular."""
    if not unit:
        return ""
    word = re.sub(r"\s+", " ", unit.strip().lower())
    if word in SYNONYMS:
        return SYNONYMS[word]
    if word in MEASURES:
        return MEASURES[word].dimension
    if word.upper() in CURRENCIES.values():
        return word.upper()
    head = word.split(" ")[-1]
    if head in SYNONYMS and " " in word:
        return SYNONYMS[head]
    return singular(word)


_MEASURE_SPELLINGS = {
    "kilometre": "km",
    "kilometres": "km",
    "kilometer": "km",
    "kilometers": "km",
    "kms": "km",
    "mile": "miles",
    "nautical mile": "nautical miles",
    "foot": "feet",
    "inch": "inches",
    "metre": "m",
    "metres": "m",
    "meter": "m",
    "meters": "m",
    "centimetre": "cm",
    "centimetres": "cm",
    "centimeter": "cm",
    "centimeters": "cm",
    "millimetre": "mm",
    "millimetres": "mm",
    "millimeter": "mm",
    "millimeters": "mm",
    "tonne": "tonnes",
    "ton": "tons",
    "sq nautical mile": "sq nautical miles",
    "sq mile": "sq miles",
}


def canonical_unit(noun: str) -> str:
    """How a unit noun is written in a claim: synonyms of a known set by the set's first
    word ('soldiers' → 'troops'), measures by their short plural ('kilometres' → 'km'),
    anything else in lower case."""
    word = re.sub(r"\s+", " ", noun.strip().lower())
    return _MEASURE_SPELLINGS.get(word) or SYNONYMS.get(word, word)


def base_value(value: float, unit: str | None) -> float:
    """A value on its dimension's base scale (miles → km), or as it is."""
    measure = MEASURES.get((unit or "").strip().lower())
    return value * measure.factor if measure else value
