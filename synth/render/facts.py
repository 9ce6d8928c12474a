"""How a fact reads, from its fields alone: its heading, and a revision's timeline (pure).

The renderers never parse a fact's statement: what is counted comes from `subject`, the
values from `variants`, and a count revised over time (`revision`) is shown as its values
in the order they were given (`as_of`).
"""

from __future__ import annotations

from synth.models import Fact, Variant
from synth.reconcile.rules import time_order


def heading(fact: Fact) -> str:
    """What a conflict or revision is about: its subject ('The death toll'), else its
    statement."""
    return heading_case(fact.subject or fact.statement)


def heading_case(text: str) -> str:
    return text[:1].upper() + text[1:]


def shown_variants(fact: Fact) -> list[Variant]:
    """A revision's values in the order they were given (a value with no time last), any
    other fact's lowest first, as reconcile ordered them."""
    if not fact.revision:
        return list(fact.variants)
    return sorted(fact.variants, key=lambda v: (v.as_of is None, time_order(v.as_of or ""), v.value))


def revision_summary(fact: Fact) -> str | None:
    """'rose from 296 to 2,946': the lowest value given first and the highest given last;
    None for a fact that is not a revision."""
    timed = [(time_order(v.as_of), v) for v in shown_variants(fact) if v.as_of is not None]
    if not fact.revision or len(timed) < 2:
        return None
    first = min((v for when, v in timed if when == timed[0][0]), key=lambda v: v.value)
    last = max((v for when, v in timed if when == timed[-1][0]), key=lambda v: v.value)
    verb = "rose" if last.value > first.value else "went"
    return f"{verb} from {first.label} to {last.label}"


def fact_headline(fact: Fact) -> str:
    """The line a fact is shown under: a revision's subject and how it moved, a conflict's
    subject (its values are shown beside it), else its statement."""
    summary = revision_summary(fact)
    if summary is not None:
        return f"{heading(fact)} {summary}"
    if fact.status == "conflicting" and fact.variants and fact.subject:
        return heading(fact)
    return fact.statement
