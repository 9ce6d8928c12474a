"""The overview: plain sentences, each citing the claims it rests on (pure).

It leads with what independent sources agree on, then says where and how they disagree
("estimates … range from about 3,000 so far (South Korean lawmakers) to up to 12,000
(the NIS)"), then what is denied, then what rests on one source. Every sentence passes
`unsupported_numbers`: a number not found in its cited claims is never written.
"""

from __future__ import annotations

from collections.abc import Sequence

from synth.describe import describe_quantity
from synth.models import Claim, Fact, OverviewSentence, Variant
from synth.numbers import find_numbers
from synth.reconcile.rules import distinct_names

# How many single-source figures the overview names before pointing to the table.
MAX_SINGLE_SOURCE_SENTENCES = 4
MAX_AGREED_SENTENCES = 6
_NUMBER_TOLERANCE = 1e-6


def write_overview(facts: Sequence[Fact], claims: Sequence[Claim]) -> list[OverviewSentence]:
    by_id = {c.id: c for c in claims}
    sentences: list[OverviewSentence] = []
    agreed = [f for f in facts if f.status == "corroborated"]
    for fact in agreed[:MAX_AGREED_SENTENCES]:
        if fact.variants:
            variant = fact.variants[0]
            text = (f"Independent sources agree on {describe_quantity(fact.unit, fact.scope)}: "
                    f"{_variant_phrase(variant)}.")
        else:
            text = f"Independent sources agree: {fact.statement.strip()}"
        sentences.append(OverviewSentence(text=_end(text), claim_ids=fact.claim_ids))
    for fact in (f for f in facts if f.status == "conflicting"):
        sentences.extend(_conflict_sentences(fact))
    for fact in (f for f in facts if f.status == "disputed"):
        if fact.variants:
            text = (f"Figures for {describe_quantity(fact.unit, fact.scope)} are disputed: "
                    + "; ".join(_variant_phrase(v) for v in fact.variants))
        else:
            denials = [by_id[i] for i in fact.claim_ids if by_id[i].stance == "denied"]
            speakers = distinct_names([d.attributed_to for d in denials if d.attributed_to])
            who = f" by {', '.join(speakers)}" if speakers else ""
            text = f"Disputed{who}: {denials[0].statement.strip()}"
        sentences.append(OverviewSentence(text=_end(text), claim_ids=fact.claim_ids))
    single = [f for f in facts if f.status == "single_source"]
    named = [f for f in single if f.variants][:MAX_SINGLE_SOURCE_SENTENCES]
    for fact in named:
        text = (f"Only a single source gives {describe_quantity(fact.unit, fact.scope)}: "
                f"{_variant_phrase(fact.variants[0])}")
        sentences.append(OverviewSentence(text=_end(text), claim_ids=fact.claim_ids))
    rest = [f for f in single if f not in named]
    if rest:
        sentences.append(OverviewSentence(
            text="Further points rest on a single source each; the facts table lists them.",
            claim_ids=[i for f in rest for i in f.claim_ids]))
    return [s for s in sentences
            if not unsupported_numbers(s.text, [by_id[i] for i in s.claim_ids])]


def _conflict_sentences(fact: Fact) -> list[OverviewSentence]:
    what = describe_quantity(fact.unit, fact.scope)
    low, high = fact.variants[0], fact.variants[-1]
    text = (f"Estimates of {what} range from {_variant_phrase(low)} "
            f"to {_variant_phrase(high)}")
    middle = fact.variants[1:-1]
    if middle:
        text += "; in between: " + "; ".join(_variant_phrase(v) for v in middle)
    sentences = [OverviewSentence(text=_end(text), claim_ids=fact.claim_ids)]
    if fact.revision:
        sentences.append(OverviewSentence(
            text=(f"The later a source was published, the higher its figure for {what}: "
                  "the count was revised as reports came in, so the highest is the latest."),
            claim_ids=fact.claim_ids))
    return sentences


def _variant_phrase(variant: Variant) -> str:
    when = f" {variant.time_refs[0]}" if variant.time_refs else ""
    return f"{variant.label}{when} ({', '.join(variant.attributed_to)})"


def _end(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?", "”", '"')) else text + "."


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
                missing.append(sentence[mention.number_start:mention.end])
    return missing
