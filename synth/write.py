"""The overview: plain sentences, each citing the claims it rests on (pure).

It leads with the story's headline figure (the quantity most independent origins report,
never a small incidental count or a duration): its value, its conflict with every variant
and who gave it, or its revision over time ("the death toll rose from 296 to 2,946"). Then
the other disagreements, what is disputed, what independent sources agree on, and the
single-source figures that matter. Every sentence passes `unsupported_numbers`: a number not
found in its cited claims is never written.
"""

from __future__ import annotations

from collections.abc import Sequence

from synth.models import Claim, Fact, OverviewSentence, Variant
from synth.reconcile.rules import distinct_names
from synth.support import unsupported_numbers
from synth.units import CURRENCIES, DURATIONS, TIME_POINTS, unit_key

# How many single-source figures the overview names before pointing to the table.
MAX_SINGLE_SOURCE_SENTENCES = 4
MAX_AGREED_SENTENCES = 6
# Below this a count is incidental ("2 buildings", "4 brigades") unless it is an outcome.
MIN_HEADLINE_VALUE = 10
_OUTCOMES = frozenset(
    {"deaths", "injured", "missing", "displaced", "arrested", "rescued", "evacuated", "survivors"}
)
# Kinds of figure that measure rather than count: small values are not small things.
_MEASURED = frozenset({"length", "area", "mass", "speed", "percent", "magnitude"})
# Scope words that make a figure a part or another event's, never the headline.
_NOT_HEADLINE_SCOPES = ("part of a total", "each", "additional", "earlier", "in 1", "in 2", "margin")


def write_overview(facts: Sequence[Fact], claims: Sequence[Claim]) -> list[OverviewSentence]:
    by_id = {c.id: c for c in claims}
    # A point made only by sentences that address a model is reported in the facts, never
    # in the overview.
    facts = [f for f in facts if not all("instruction" in by_id[i].flags for i in f.claim_ids)]
    sentences: list[OverviewSentence] = []
    headline = headline_fact(facts)
    if headline is not None:
        sentences.extend(_figure_sentences(headline))
    # Disagreements over durations and small counts are in the facts table, not here.
    for fact in (f for f in facts if f.status == "conflicting" and f is not headline and not incidental(f)):
        sentences.extend(_figure_sentences(fact))
    for fact in (f for f in facts if f.status == "disputed"):
        sentences.append(_dispute_sentence(fact, by_id))
    agreed = [
        f
        for f in facts
        if f.status == "corroborated" and f is not headline and not (f.variants and incidental(f))
    ]
    agreed.sort(key=lambda f: f.variants == [])
    for fact in agreed[:MAX_AGREED_SENTENCES]:
        sentences.extend(
            _figure_sentences(fact)
            if fact.variants
            else [
                OverviewSentence(
                    text=_end(f"Independent sources agree: {fact.statement.strip()}"),
                    claim_ids=fact.claim_ids,
                )
            ]
        )
    single = [f for f in facts if f.status == "single_source" and f is not headline]
    named = [f for f in single if f.variants and not incidental(f)][:MAX_SINGLE_SOURCE_SENTENCES]
    for fact in named:
        sentences.extend(_figure_sentences(fact))
    rest = [f for f in single if f not in named]
    if rest:
        sentences.append(
            OverviewSentence(
                text="Further points rest on a single source each; the facts table lists them.",
                claim_ids=[i for f in rest for i in f.claim_ids],
            )
        )
    names = {name for f in facts for v in f.variants for name in v.attributed_to}
    names |= {c.attributed_to for c in claims if c.attributed_to}
    return [
        s
        for s in sentences
        if not unsupported_numbers(_without(names, s.text), [by_id[i] for i in s.claim_ids])
    ]


def _without(names: set[str], text: str) -> str:
    """The sentence without the speakers' and outlets' names: a number in a name ('Channel
    4') is not a figure the sentence states."""
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, "")
    return text


def incidental(fact: Fact) -> bool:
    """A figure that never leads: a duration, a moment, a small count that is not an
    outcome, a part, an increment or another event's figure."""
    if not fact.variants or fact.unit in DURATIONS or fact.unit in TIME_POINTS:
        return True
    scope = (fact.scope or "").lower()
    if any(marker in scope for marker in _NOT_HEADLINE_SCOPES):
        return True
    if fact.unit in _OUTCOMES or unit_key(fact.unit) in _MEASURED or fact.unit in CURRENCIES.values():
        return False  # a toll of 3 or a magnitude of 6.8 is never incidental
    return max(v.value for v in fact.variants) < MIN_HEADLINE_VALUE


def headline_fact(facts: Sequence[Fact]) -> Fact | None:
    """The figure the story is about: reported by the most independent origins, then by the
    most claims; disagreements and revisions before agreements."""
    candidates = [f for f in facts if f.variants and not incidental(f) and f.status != "disputed"]
    if not candidates:
        return None
    return max(
        candidates,
        key=lambda f: (len(f.origins) or len(f.source_ids), f.status == "conflicting", len(f.claim_ids)),
    )


def _figure_sentences(fact: Fact) -> list[OverviewSentence]:
    what = fact.subject or "this figure"
    what_upper = what[:1].upper() + what[1:]
    if fact.revision and len(fact.variants) > 1:
        timeline = _timeline(fact.variants)
        first, last = timeline[0], timeline[-1]
        text = (
            f"{what_upper} rose from {_variant_phrase(first)} to {_variant_phrase(last)} as reports came in"
        )
        if len(timeline) > 2:
            text += "; on the way: " + "; ".join(_variant_phrase(v) for v in timeline[1:-1])
    elif fact.status == "conflicting":
        text = f"Sources disagree on {what}: " + "; ".join(_variant_phrase(v) for v in fact.variants)
    elif fact.status == "corroborated":
        # The value most sources gave is what they agree on; values one voice gave at
        # another time ('700 on Sunday', beside '809 by Monday') are said as such.
        agreed = max(fact.variants, key=lambda v: (len(v.source_ids), v.value))
        others = [v for v in fact.variants if v is not agreed]
        text = f"Independent sources agree on {what}: {_variant_phrase(agreed)}"
        if others:
            text += "; also given: " + "; ".join(_variant_phrase(v) for v in others)
    else:
        text = (
            f"{what_upper} is "
            + "; ".join(_variant_phrase(v) for v in fact.variants)
            + ", from a single source"
        )
    return [OverviewSentence(text=_end(text), claim_ids=fact.claim_ids)]


def _timeline(variants: Sequence[Variant]) -> list[Variant]:
    """A revised count's values in the order they were given, each higher than the last:
    an article that recalls an earlier figure ('from an initial 296') is not a step back."""
    ordered = sorted(variants, key=lambda v: (v.as_of or "", v.value))
    steps: list[Variant] = []
    for variant in ordered:
        if not steps or variant.value > steps[-1].value:
            steps.append(variant)
    return steps if len(steps) > 1 else sorted(variants, key=lambda v: v.value)


# Words that start a sentence without naming anyone, lower-cased after "Disputed by X:".
_PLAIN_OPENERS = frozenset(
    """the a an both this that these those it its they their he she his
her earlier later some many several""".split()
)


def _dispute_sentence(fact: Fact, by_id: dict[str, Claim]) -> OverviewSentence:
    if fact.variants:
        text = f"Figures for {fact.subject or 'this point'} are disputed: " + "; ".join(
            _variant_phrase(v) for v in fact.variants
        )
    else:
        denials = [by_id[i] for i in fact.claim_ids if by_id[i].stance == "denied"]
        speakers = distinct_names([d.attributed_to for d in denials if d.attributed_to])
        who = f" by {', '.join(speakers)}" if speakers else ""
        statement = denials[0].statement.strip()
        first_word = statement.split(" ", 1)[0].lower()
        if who and first_word in _PLAIN_OPENERS:
            statement = statement[:1].lower() + statement[1:]
        text = f"Disputed{who}: {statement}"
    return OverviewSentence(text=_end(text), claim_ids=fact.claim_ids)


def _variant_phrase(variant: Variant) -> str:
    """'about 3,000 (so far; South Korean lawmakers, John Kirby)': the value as the sources
    wrote it, every time it was given for, and who gave it."""
    when = "; ".join(variant.time_refs)
    who = ", ".join(variant.attributed_to)
    inside = "; ".join(part for part in (when, who) if part)
    return f"{variant.label} ({inside})" if inside else variant.label


def _end(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?", "”", '"')) else text + "."
