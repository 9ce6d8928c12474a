"""Group claims that speak of the same thing (pure, near-linear in the number of claims).

Quantities are grouped by what they count: the same normalised unit and scope. Claims
without quantities are grouped when their statements are near-duplicates; candidates come
from an inverted index on each claim's rarest words, so no all-pairs comparison is made.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from synth.models import Claim
from synth.sameness import ScopePart, parts_match, scope_parts
from synth.text import content_words, stem
from synth.units import unit_key

# token_set_ratio at or above this makes two statements one point.
NEAR_DUPLICATE_SCORE = 82.0
# Each claim is compared only with claims sharing one of its this-many rarest words …
RARE_WORDS_PER_CLAIM = 4
# … and with at most this many of them, so a very common word cannot make it quadratic.
# 5 rather than 10 (since each candidate is also compared for paraphrase) keeps ten times the
# claims within fifteen times the time (BENCHMARKS.md): the example stories and the
# evaluation set group the same, 100k generated claims lose one merge of 26,089.
MAX_CANDIDATES_PER_WORD = 5


@dataclass
class ClaimGroup:
    kind: str  # "quantity" or "statement"
    claim_ids: list[str] = field(default_factory=list)
    unit: str | None = None
    scope: str | None = None
    # The figures the group holds: (claim id, index in that claim's quantities).
    figures: list[tuple[str, int]] = field(default_factory=list)


# A figure is compared with at most this many scoped groups of its unit before it starts one.
MAX_SCOPED_GROUPS_COMPARED = 200


def cluster_claims(claims: Sequence[Claim]) -> list[ClaimGroup]:
    """Quantity groups first (in order of first mention), then statement groups.

    Figures join a group when they count the same thing: one unit key and the same scope
    by its words (synth.sameness). A claim with figures of several kinds is in each of
    their groups. Claims whose figures are all durations or moments are also grouped by
    their statements, so that what they say without the number is not lost."""
    groups: list[ClaimGroup] = []
    exact: dict[tuple[str, tuple[ScopePart, ...]], ClaimGroup] = {}
    scoped: dict[str, list[tuple[tuple[ScopePart, ...], ClaimGroup]]] = defaultdict(list)
    plain: list[Claim] = []
    for claim in claims:
        if not claim.quantities:
            plain.append(claim)
            continue
        for index, quantity in enumerate(claim.quantities):
            key = unit_key(quantity.unit)
            parts = scope_parts(quantity.scope)
            group = exact.get((key, parts))
            if group is None and parts:
                group = next(
                    (g for p, g in scoped[key][:MAX_SCOPED_GROUPS_COMPARED] if parts_match(p, parts)), None
                )
            if group is None:
                group = ClaimGroup("quantity", unit=quantity.unit, scope=quantity.scope)
                groups.append(group)
                if parts:
                    scoped[key].append((parts, group))
            exact.setdefault((key, parts), group)
            group.figures.append((claim.id, index))
            if not group.claim_ids or group.claim_ids[-1] != claim.id:
                group.claim_ids.append(claim.id)
    return groups + group_near_duplicates(plain)


# Two statements from different sources are one point when the words they share carry at
# least this share of the weight of all their words (rarer words weigh more).
SAME_POINT_SHARE = 0.5
# ... and they share at least this many words.
MIN_SHARED_WORDS = 3
# What a denial denies when it denies reports at all ("rejected the reports", "dismissed the
# claims as fake").
_DENIED_THINGS = frozenset({"report", "claim", "allegation", "accusation", "account", "story"})


def same_point(first: frozenset[str], second: frozenset[str], weight: Mapping[str, float]) -> bool:
    """Whether two statements say the same thing in other words: they share enough of their
    distinctive words ('police fired tear gas' and 'officers used tear gas on the crowd')."""
    shared = first & second
    if len(shared) < MIN_SHARED_WORDS:
        return False
    total = sum(weight[w] for w in first | second)
    return total > 0 and sum(weight[w] for w in shared) / total >= SAME_POINT_SHARE


_QUOTED = re.compile(r"[“\"]([^”\"]{6,80})[”\"]")
_DENIAL_TERMS = re.compile(
    r"fake news|another fake|groundless|baseless|unfounded|fabricat\w+|"
    r"misplaced controversy|no truth",
    re.I,
)


def denial_phrases(quote: str) -> set[str]:
    phrases = {m.group(1).strip(" ,.").lower() for m in _QUOTED.finditer(quote)}
    phrases |= {m.group(0).lower() for m in _DENIAL_TERMS.finditer(quote)}
    return phrases


def group_near_duplicates(claims: Sequence[Claim]) -> list[ClaimGroup]:
    statements = [c.statement for c in claims]
    words = [sorted(set(content_words(s))) for s in statements]
    frequency: Counter[str] = Counter(w for ws in words for w in ws)
    stem_of = {w: stem(w) for w in frequency}
    stems = [frozenset(stem_of[w] for w in ws) for ws in words]
    stem_frequency: Counter[str] = Counter(w for ws in stems for w in ws)
    weight = {w: math.log((len(claims) + 1) / n) for w, n in stem_frequency.items()}

    parent = list(range(len(claims)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    index: dict[str, list[int]] = defaultdict(list)
    for i, claim_words in enumerate(words):
        rare = sorted(claim_words, key=lambda w: (frequency[w], w))[:RARE_WORDS_PER_CLAIM]
        # Candidates in the order the words give them, each once.
        candidates: dict[int, None] = {}
        for word in rare:
            entries = index[word]
            candidates.update(dict.fromkeys(entries[-MAX_CANDIDATES_PER_WORD:]))
            entries.append(i)
        statement = statements[i]
        root = find(i)
        for j in candidates:
            other = find(j)
            if other == root:
                continue  # already one point: no need to compare
            # The same words score 100 without asking rapidfuzz (a wire story repeats them).
            if (
                statement == statements[j]
                or fuzz.token_set_ratio(statement, statements[j]) >= NEAR_DUPLICATE_SCORE
                or (claims[i].source_id != claims[j].source_id and same_point(stems[i], stems[j], weight))
            ):
                parent[root] = other
                root = other
    # Denials of one story are worded many ways; sharing a quoted phrase or a distinctive
    # denial term ("fake news", "groundless"), or denying the reports or claims at all,
    # makes them one dispute.
    by_phrase: dict[str, int] = {}
    for i, claim in enumerate(claims):
        if claim.stance != "denied":
            continue
        phrases = denial_phrases(claim.quote)
        if stems[i] & _DENIED_THINGS:
            phrases.add("denies the reports")
        for phrase in phrases:
            if phrase in by_phrase:
                parent[find(i)] = find(by_phrase[phrase])
            else:
                by_phrase[phrase] = i
    groups: dict[int, ClaimGroup] = {}
    for i, claim in enumerate(claims):
        groups.setdefault(find(i), ClaimGroup("statement")).claim_ids.append(claim.id)
    return list(groups.values())
