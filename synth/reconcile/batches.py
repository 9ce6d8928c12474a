"""The claims as a model sees them, and how many requests they take (pure).

Claims go to the model one JSON object per line, each with the rules' group it fell in, so
the model starts from synth's clustering and may merge or split it. When the claims would
exceed the token budget they are sent group by group, packed into batches under the budget;
a group is never split unless it alone is larger than the budget.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from synth.cluster import ClaimGroup
from synth.disjoint_sets import DisjointSets
from synth.models import Claim, Source

# A rough, tokenizer-free estimate; JSON of English text runs near 4 characters a token.
CHARS_PER_TOKEN = 4


@dataclass
class ReconcileBatch:
    """The claims of one reconcile request, with the group each came from."""

    claims: list[Claim] = field(default_factory=list)
    group_of: dict[str, str] = field(default_factory=dict)  # claim id → "G3"
    tokens: int = 0


def claim_line(claim: Claim, source: Source, group_id: str) -> str:
    """One claim as the model sees it: a JSON object on one line."""
    item: dict[str, Any] = {
        "id": claim.id,
        "group": group_id,
        "source": source.id,
        "outlet": source.outlet,
        "published": source.published,
    }
    if source.duplicate_of:
        item["republishes"] = source.duplicate_of
    item.update(
        {
            "by": claim.attributed_to,
            "relays": claim.cited_origin,
            "stance": claim.stance,
            "statement": claim.statement,
        }
    )
    if claim.quote.strip() != claim.statement.strip():
        item["quote"] = claim.quote
    numbers = []
    for q in claim.quantities:
        number = {
            "value": q.value,
            "value_max": q.value_max,
            "unit": q.unit,
            "scope": q.scope,
            "qualifier": q.qualifier,
            "when": q.time_ref,
        }
        numbers.append({k: v for k, v in number.items() if v is not None})
    if numbers:
        item["numbers"] = numbers
    line = json.dumps({k: v for k, v in item.items() if v is not None}, ensure_ascii=False)
    # "<\/" is the same JSON string, and no claim can write the closing marker.
    return line.replace("</", "<\\/")


def estimate_tokens(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def plan_batches(
    groups: Sequence[ClaimGroup], claims: Sequence[Claim], sources: Sequence[Source], budget_tokens: int
) -> list[ReconcileBatch]:
    """Batches of whole groups, each with at most `budget_tokens` of claims, and one batch
    when everything fits.

    Groups that share a claim (one claim giving two kinds of figure) go together when they
    fit in one request; when they do not, each goes whole and the shared claim is sent with
    each of them. Only a group larger than the budget on its own is split, into batches of
    its own. Within a batch, claims come in group order, each once, under its first group."""
    by_id = {c.id: c for c in claims}
    source_of = {s.id: s for s in sources}

    def cost(number: int, claim: Claim) -> int:
        return estimate_tokens(claim_line(claim, source_of[claim.source_id], f"G{number}"))

    batches: list[list[_Entry]] = []
    current: list[_Entry] = []
    current_tokens = 0
    for piece in _pieces(groups, by_id, cost, budget_tokens):
        tokens = sum(cost(number, claim) for number, claim in piece)
        if current and current_tokens + tokens > budget_tokens:
            batches.append(current)
            current, current_tokens = [], 0
        current.extend(piece)
        current_tokens += tokens
    if current:
        batches.append(current)
    return [_batch(entries, cost) for entries in batches]


# One claim as a batch holds it: the number of the group it is sent under, and the claim.
_Entry = tuple[int, Claim]


def _pieces(
    groups: Sequence[ClaimGroup],
    by_id: Mapping[str, Claim],
    cost: Callable[[int, Claim], int],
    budget_tokens: int,
) -> Iterator[list[_Entry]]:
    """What is packed into batches, in the order of the groups: whole sets of groups that
    share claims; their groups one by one when a set is over the budget; and parts of a
    group only when it alone is over the budget."""
    for numbers in _sharing_claims(groups):
        whole = _entries(groups, numbers, by_id)
        if sum(cost(*entry) for entry in whole) <= budget_tokens:
            yield whole
            continue
        for number in numbers:
            group = _entries(groups, [number], by_id)
            if sum(cost(*entry) for entry in group) <= budget_tokens:
                yield group
                continue
            part: list[_Entry] = []
            part_tokens = 0
            for entry in group:
                if part and part_tokens + cost(*entry) > budget_tokens:
                    yield part
                    part, part_tokens = [], 0
                part.append(entry)
                part_tokens += cost(*entry)
            yield part


def _sharing_claims(groups: Sequence[ClaimGroup]) -> list[list[int]]:
    """Group numbers (1-based) in sets of groups linked by shared claims, each set in group
    order, the sets in the order of their first group."""
    linked = DisjointSets(len(groups))
    first_group: dict[str, int] = {}
    for index, group in enumerate(groups):
        for claim_id in group.claim_ids:
            linked.union(index, first_group.setdefault(claim_id, index))
    return [[index + 1 for index in members] for members in linked.sets()]


def _entries(
    groups: Sequence[ClaimGroup], numbers: Iterable[int], by_id: Mapping[str, Claim]
) -> list[_Entry]:
    """The claims of these groups, each once, under the first of them that holds it."""
    seen: set[str] = set()
    entries = []
    for number in numbers:
        for claim_id in groups[number - 1].claim_ids:
            if claim_id not in seen:
                seen.add(claim_id)
                entries.append((number, by_id[claim_id]))
    return entries


def _batch(entries: list[_Entry], cost: Callable[[int, Claim], int]) -> ReconcileBatch:
    batch = ReconcileBatch()
    # Sorting is stable: claims stay in their group's order.
    for number, claim in sorted(entries, key=lambda entry: entry[0]):
        if claim.id not in batch.group_of:
            batch.claims.append(claim)
            batch.group_of[claim.id] = f"G{number}"
            batch.tokens += cost(number, claim)
    return batch


def batch_payload(batch: ReconcileBatch, sources: Sequence[Source]) -> str:
    source_of = {s.id: s for s in sources}
    return "\n".join(claim_line(c, source_of[c.source_id], batch.group_of[c.id]) for c in batch.claims)
