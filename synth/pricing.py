"""Estimated cost of model usage from a price table the user can extend (reads one file).

Prices are US dollars per million tokens (input, output). Set SYNTH_PRICES to a JSON file
such as {"my-model": [0.5, 1.5]} to add or override models; an unknown model gets no
estimate (tokens only), never a guess.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from synth.errors import ConfigError

PRICES_PER_MILLION: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
}


def price_table(environ: dict[str, str] | None = None) -> dict[str, tuple[float, float]]:
    env = os.environ if environ is None else environ
    table = dict(PRICES_PER_MILLION)
    path = env.get("SYNTH_PRICES")
    if path:
        try:
            extra = json.loads(Path(path).read_text(encoding="utf-8"))
            table.update({str(k): (float(v[0]), float(v[1])) for k, v in extra.items()})
        except (OSError, ValueError, TypeError, IndexError, AttributeError) as error:
            raise ConfigError(f"{path}: cannot read prices (SYNTH_PRICES): {error}") from None
    return table


def estimate_cost(model: str | None, prompt_tokens: int, completion_tokens: int,
                  table: dict[str, tuple[float, float]]) -> float | None:
    if model is None or model not in table:
        return None
    input_price, output_price = table[model]
    return (prompt_tokens * input_price + completion_tokens * output_price) / 1_000_000
