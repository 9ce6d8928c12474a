"""Generated articles and claims about one invented story, for the loopback benchmarks (pure).

Every article reports the same flood with its own figures, speakers, outlet and time, so a
run exercises clean, extract, ground, cluster and reconcile the way a real story does:
agreeing and conflicting figures, hedges, a denial, and page furniture around the text.
The same seed gives the same articles and claims.
"""

from __future__ import annotations

import html
import random
from collections import Counter
from pathlib import Path

from synth.load import load_sources
from synth.models import Claim, Quantity, Source, Stance
from synth.text import content_words, split_sentences

EXAMPLES = Path(__file__).resolve().parent.parent / "examples/articles"

OUTLETS = (
    "Valley Courier",
    "Northern Ledger",
    "Capital Post",
    "Riverside Gazette",
    "Morning Herald",
    "Coastal Tribune",
    "Daily Dispatch",
    "Evening Standard-Times",
    "Harbour Review",
    "Highland Observer",
    "Plains Reporter",
    "Metro Chronicle",
)
SPEAKERS = (
    "the interior ministry",
    "regional governor Ana Petrova",
    "the Red Cross",
    "the national weather service",
    "civil protection chief Marek Duda",
    "Prime Minister Tomas Halle",
    "the UN humanitarian office",
    "local police",
    "the army's crisis staff",
    "the health ministry",
)
# (unit, scope, sentence templates): {n} is the figure, {who} the speaker, {when} a time.
FIGURES: tuple[tuple[str, str | None, tuple[str, ...]], ...] = (
    (
        "deaths",
        None,
        (
            "At least {n} people have died in the floods {when}, {who} said.",
            "The death toll rose to {n} {when}, according to {who}.",
            "{Who} put the number of dead at {n} {when}.",
        ),
    ),
    (
        "injured",
        None,
        (
            "Another {n} people were injured, {who} said.",
            "{Who} said {n} people had been treated for injuries {when}.",
        ),
    ),
    (
        "displaced",
        None,
        (
            "About {n} people have been forced from their homes, {who} said.",
            "{Who} estimated that {n} residents were displaced {when}.",
        ),
    ),
    (
        "homes",
        "damaged",
        ("Some {n} homes were damaged or destroyed, {who} said.", "{Who} counted {n} damaged houses {when}."),
    ),
    (
        "mm",
        "rainfall",
        (
            "{Who} said {n} mm of rain fell in 48 hours.",
            "Rainfall reached {n} mm over two days, according to {who}.",
        ),
    ),
    (
        "rescuers",
        None,
        (
            "More than {n} rescuers were deployed {when}, {who} said.",
            "{Who} said {n} rescue workers were searching the valley.",
        ),
    ),
    ("villages", "cut off", ("{Who} said {n} villages remained cut off {when}.",)),
)
BASE_FIGURES = {
    "deaths": 140,
    "injured": 620,
    "displaced": 18000,
    "homes": 4200,
    "mm": 310,
    "rescuers": 2500,
    "villages": 37,
}
WHEN = ("so far", "by Tuesday", "on Monday", "by the weekend", "overnight", "as of Wednesday")
PLAIN_SENTENCES = (
    "The River Vell burst its banks after three days of heavy rain in the Corran valley.",
    "Rescue teams used boats and helicopters to reach families stranded on rooftops.",
    "Schools across the province were closed and turned into emergency shelters.",
    "Residents said the water rose faster than at any time in living memory.",
    "Engineers warned that the Arlen dam upstream was under severe strain.",
    "Power and mobile networks failed in large parts of the lower valley.",
    "Neighbouring countries offered search-and-rescue teams and water pumps.",
    "Farmers said the harvest in the valley had been almost entirely lost.",
    "The government declared a state of emergency in four provinces.",
    "Hospitals in the provincial capital cancelled routine operations to treat the injured.",
    "Volunteers filled sandbags through the night along the riverside embankments.",
    "Forecasters expect more rain later in the week, though lighter than before.",
)
DENIALS = (
    "{Who} dismissed reports that the Arlen dam had been opened without warning as "
    "\u201cbaseless rumours\u201d.",
    "{Who} rejected claims that the warnings came too late, calling them \u201cfake news\u201d.",
    "{Who} denied that aid had been held back from opposition districts, calling the accusation groundless.",
)
FURNITURE_TOP = "Home | News | World | Business | Sport | Weather"
FURNITURE_LINES = (
    "Advertisement",
    "Subscribe to our newsletter for the morning briefing",
    "Read more: City council approves new tram line",
    "Share this article",
    "Weather: Cloudy, 14\u00b0C",
)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _figure(rng: random.Random, unit: str) -> int:
    """A figure near the story's base, rounded the way reports round (often agreeing)."""
    base = BASE_FIGURES[unit]
    value = base * rng.choice((1, 1, 1, 0.8, 1.25, 1.5, 0.6))
    step = 10 ** max(0, len(str(int(value))) - 2)
    return max(1, int(round(value / step) * step))


def _number_text(value: int) -> str:
    return f"{value:,}"


def article_sentences(rng: random.Random, sentences: int) -> list[str]:
    """Sentences of one article: figures with speakers, plain reports and now and then a denial."""
    out: list[str] = []
    for _ in range(sentences):
        kind = rng.random()
        if kind < 0.55:
            unit, _scope, templates = rng.choice(FIGURES)
            who = rng.choice(SPEAKERS)
            text = rng.choice(templates).format(
                n=_number_text(_figure(rng, unit)), who=who, Who=_capital(who), when=rng.choice(WHEN)
            )
        elif kind < 0.93:
            text = rng.choice(PLAIN_SENTENCES)
        else:
            who = rng.choice(SPEAKERS)
            text = rng.choice(DENIALS).format(Who=_capital(who))
        out.append(text)
    return out


def write_articles(
    folder: Path, count: int, *, seed: int = 6, html_share: float = 0.0, sentences: int = 12
) -> list[Path]:
    """`count` articles about the flood in `folder` (.txt, and .html for `html_share` of them)."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    paths = []
    for number in range(1, count + 1):
        outlet = OUTLETS[number % len(OUTLETS)]
        day, hour, minute = 10 + number % 9, number % 24, (number * 7) % 60
        published = f"2026-03-{day:02d}T{hour:02d}:{minute:02d}"
        title = f"Vell floods: {rng.choice(('toll rises', 'rescuers race', 'valley cut off'))} ({number})"
        body = article_sentences(rng, sentences)
        paragraphs = [" ".join(body[i : i + 2]) for i in range(0, len(body), 2)]
        # Furniture between paragraphs, as saved pages carry it.
        for position in sorted(rng.sample(range(1, len(paragraphs) + 1), 2), reverse=True):
            paragraphs.insert(position, rng.choice(FURNITURE_LINES))
        if rng.random() < html_share:
            path = folder / f"{number:05d}.html"
            path.write_text(_html_page(outlet, title, published, paragraphs), encoding="utf-8")
        else:
            path = folder / f"{number:05d}.txt"
            header = [outlet, FURNITURE_TOP, "", f"Title: {title}", f"Date: {published}", ""]
            path.write_text("\n".join(header) + "\n" + "\n\n".join(paragraphs) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def _html_page(outlet: str, title: str, published: str, paragraphs: list[str]) -> str:
    escaped = [html.escape(p) for p in paragraphs]
    body = "\n".join(f"<p>{p}</p>" for p in escaped)
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<meta property='og:site_name' content='{html.escape(outlet)}'>"
        f"<meta property='article:published_time' content='{published}'></head><body>"
        f"<nav><a href='/'>Home</a> <a href='/news'>News</a> <a href='/sport'>Sport</a></nav>"
        f"<article><h1>{html.escape(title)}</h1>\n{body}\n</article>"
        f"<footer>\u00a9 2026 {html.escape(outlet)}. All rights reserved.</footer>"
        f"</body></html>\n"
    )


def story_sentences_and_words() -> tuple[list[str], list[str]]:
    """Sentences and content words of the bundled example articles: real news wording."""
    sources = load_sources(sorted(p for p in EXAMPLES.iterdir() if p.is_dir())).sources
    sentences: list[str] = []
    for source in sources:
        for span in split_sentences(source.text):
            sentence = " ".join(source.text[span.start : span.end].split())
            if 8 <= len(sentence.split()) <= 40 and sentence[-1:] in '."”':
                sentences.append(sentence)
    words = [w for source in sources for w in content_words(source.text)]
    by_frequency = [w for w, _ in Counter(words).most_common()]
    return sorted(set(sentences)) + list(PLAIN_SENTENCES), by_frequency


def _name(rng: random.Random) -> str:
    """A made-up proper name: the vocabulary of a large corpus keeps growing with its size."""
    syllables = (
        "ar",
        "bel",
        "cor",
        "dun",
        "el",
        "fen",
        "gar",
        "hol",
        "ist",
        "jor",
        "ka",
        "lin",
        "mor",
        "nes",
        "ov",
        "pra",
        "ril",
        "sta",
        "tor",
        "ul",
        "vek",
        "wen",
        "zar",
    )
    return "".join(rng.choice(syllables) for _ in range(rng.randint(2, 3))).capitalize()


def make_claims(count: int, *, seed: int = 6, claims_per_source: int = 10) -> list[Claim]:
    """`count` grounded-looking claims over count/claims_per_source sources.

    45% carry a figure (deaths, injured, … with scopes, qualifiers and time references; a
    few values per unit, so some agree and some conflict); 25% retell a sentence of the
    bundled example articles, verbatim or reworded (near-duplicates across sources); 26% are
    local reports built from the examples' vocabulary (Zipf-weighted) and made-up names, so
    the vocabulary grows with the corpus; 4% are denials."""
    rng = random.Random(seed)
    shared, vocabulary = story_sentences_and_words()
    weights = [1 / rank for rank in range(1, len(vocabulary) + 1)]
    claims: list[Claim] = []
    position = 0
    for number in range(1, count + 1):
        source_id = f"S{(number - 1) // claims_per_source + 1}"
        who = rng.choice(SPEAKERS)
        roll = rng.random()
        stance: Stance = rng.choice(("reported", "asserted"))
        quantities: list[Quantity] = []
        if roll < 0.45:
            unit, scope, templates = rng.choice(FIGURES)
            value = _figure(rng, unit)
            qualifier = rng.choice(("exact", "exact", "about", "at_least", "more_than", "up_to"))
            when = rng.choice((*WHEN, None, None))
            statement = rng.choice(templates).format(
                n=_number_text(value), who=who, Who=_capital(who), when=when or ""
            )
            statement = " ".join(statement.split()).replace(" .", ".").replace(" ,", ",")
            quantities.append(
                Quantity(
                    value=value,
                    unit=unit,
                    scope=scope,
                    qualifier=qualifier,
                    time_ref=when,
                    text=_number_text(value),
                )
            )
            stance = rng.choice(("reported", "asserted", "hedged"))
        elif roll < 0.70:
            words = rng.choice(shared).rstrip(".").split()
            if rng.random() < 0.5:  # reworded: a word dropped, a place or a day added
                del words[rng.randrange(len(words))]
                words.append(rng.choice((f"in {_name(rng)}", "on Monday", "officials said")))
            statement = " ".join(words) + "."
        elif roll < 0.96:
            picked = rng.choices(vocabulary, weights=weights, k=rng.randint(6, 10))
            statement = f"In {_name(rng)}, {_name(rng)} {_name(rng)} said {' '.join(picked)}."
        else:
            statement = rng.choice(DENIALS).format(Who=_capital(who))
            stance = "denied"
        claims.append(
            Claim(
                id=f"C{number}",
                source_id=source_id,
                statement=statement,
                quote=statement,
                start=position,
                end=position + len(statement),
                attributed_to=who,
                stance=stance,
                quantities=quantities,
            )
        )
        position += len(statement) + 1
    return claims


def make_sources(count: int) -> list[Source]:
    """Sources S1…S<count> with outlets and publication times, for claims from make_claims."""
    return [
        Source(
            id=f"S{i}",
            path=f"generated/{i:06d}.txt",
            text="",
            content_hash="",
            format="txt",
            encoding="utf-8",
            outlet=OUTLETS[i % len(OUTLETS)],
            published=f"2026-03-{10 + i % 9:02d}T{i % 24:02d}:{(i * 7) % 60:02d}",
        )
        for i in range(1, count + 1)
    ]
