"""Estimated cost of model usage from a price table the user can extend (reads one file).

Prices are US dollars per million tokens (input, output), and the share of them the
provider's batch service charges (OpenAI's Batch API: half). Set SYNTH_PRICES to a JSON file
such as {"my-model": [0.5, 1.5]} or {"my-model": [0.5, 1.5, 0.5]} to add or override models
(without the third number, batch requests are priced at half); an unknown model gets no
estimate (tokens only), never a guess.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import NamedTuple

from synth.errors import ConfigError

# The share of the price a batch request costs, unless the table says otherwise.
BATCH_SHARE = 0.5


class Price(NamedTuple):
    input: float  # $ per million prompt tokens
    output: float  # $ per million completion tokens
    batch: float = BATCH_SHARE  # the share of both that a request in a provider batch costs


PRICES_PER_MILLION: dict[str, Price] = {
    "gpt-4o-mini": Price(0.15, 0.60, 0.5),
    "gpt-4o": Price(2.50, 10.00, 0.5),
    "gpt-4.1": Price(2.00, 8.00, 0.5),
    "gpt-4.1-mini": Price(0.40, 1.60, 0.5),
    "gpt-4.1-nano": Price(0.10, 0.40, 0.5),
}


def price_table(environ: dict[str, str] | None = None) -> dict[str, Price]:
    env = os.environ if environ is None else environ
    table = dict(PRICES_PER_MILLION)
    path = env.get("SYNTH_PRICES")
    if path:
        try:
            extra = json.loads(Path(path).read_text(encoding="utf-8"))
            table.update({str(k): Price(*(float(x) for x in v[:3])) for k, v in extra.items()})
            if any(not 0 < price.batch <= 1 for price in table.values()):
                raise ValueError("a batch share must be above 0 and at most 1")
        except (OSError, ValueError, TypeError, IndexError, AttributeError) as error:
            raise ConfigError(f"{path}: cannot read prices (SYNTH_PRICES): {error}") from None
    return table


def estimate_cost(model: str | None, prompt_tokens: int, completion_tokens: int,
                  table: dict[str, Price], *, batch: bool = False) -> float | None:
    """Dollars for these tokens, at the batch price when they went through a provider batch."""
    if model is None or model not in table:
        return None
    price = table[model]
    cost = (prompt_tokens * price.input + completion_tokens * price.output) / 1_000_000
    return cost * price.batch if batch else cost
