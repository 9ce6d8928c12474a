"""The claims as a model sees them, and how many requests they take (pure).

Claims go to the model one JSON object per line, each with the rules' group it fell in, so
the model starts from synth's clustering and may merge or split it. When the claims would
exceed the token budget they are sent group by group, packed into batches under the budget
(a group larger than the budget is split).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from synth.cluster import ClaimGroup
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
    item: dict[str, Any] = {"id": claim.id, "group": group_id, "source": source.id,
                            "outlet": source.outlet, "published": source.published}
    if source.duplicate_of:
        item["republishes"] = source.duplicate_of
    item.update({"by": claim.attributed_to, "stance": claim.stance, "statement": claim.statement})
    if claim.quote.strip() != claim.statement.strip():
        item["quote"] = claim.quote
    numbers = []
    for q in claim.quantities:
        number = {"value": q.value, "value_max": q.value_max, "unit": q.unit, "scope": q.scope,
                  "qualifier": q.qualifier, "when": q.time_ref}
        numbers.append({k: v for k, v in number.items() if v is not None})
    if numbers:
        item["numbers"] = numbers
    line = json.dumps({k: v for k, v in item.items() if v is not None}, ensure_ascii=False)
    # "<\/" is the same JSON string, and no claim can write the closing marker.
    return line.replace("</", "<\\/")


def estimate_tokens(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def plan_batches(groups: Sequence[ClaimGroup], claims: Sequence[Claim],
                 sources: Sequence[Source], budget_tokens: int) -> list[ReconcileBatch]:
    """Batches of whole groups, in group order, each with at most `budget_tokens` of claims.

    One batch when everything fits. A claim in two groups (two kinds of figure) goes with the
    first; a group too large for one request is split across batches of its own."""
    by_id = {c.id: c for c in claims}
    source_of = {s.id: s for s in sources}
    placed: set[str] = set()
    batches: list[ReconcileBatch] = []
    current = ReconcileBatch()

    def flush() -> None:
        nonlocal current
        if current.claims:
            batches.append(current)
        current = ReconcileBatch()

    for number, group in enumerate(groups, 1):
        group_id = f"G{number}"
        members = [by_id[i] for i in group.claim_ids if i not in placed]
        placed.update(c.id for c in members)
        costs = [estimate_tokens(claim_line(c, source_of[c.source_id], group_id)) for c in members]
        if not members:
            continue
        if current.tokens + sum(costs) > budget_tokens:
            flush()
        for claim, cost in zip(members, costs, strict=True):
            if current.claims and current.tokens + cost > budget_tokens:
                flush()  # only a group larger than the budget gets here
            current.claims.append(claim)
            current.group_of[claim.id] = group_id
            current.tokens += cost
    flush()
    return batches


def batch_payload(batch: ReconcileBatch, sources: Sequence[Source]) -> str:
    source_of = {s.id: s for s in sources}
    return "\n".join(claim_line(c, source_of[c.source_id], batch.group_of[c.id])
                     for c in batch.claims)
