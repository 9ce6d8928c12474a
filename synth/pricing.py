"""Estimated cost of model usage from a price table the user can extend (reads one file).

Prices are US dollars per million tokens (input, output), and the share of them the
provider's batch service charges (OpenAI's Batch API: half). Set SYNTH_PRICES to a JSON file
such as {"my-model": [0.5, 1.5]} or {"my-model": [0.5, 1.5, 0.5]} to add or override models
(without the third number, batch requests are priced at half); an unknown model gets no
estimate (tokens only), never a guess.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
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


def price_table(environ: Mapping[str, str]) -> dict[str, Price]:
    """The built-in prices with the SYNTH_PRICES file's over them. Read once, when the
    settings are resolved: a file that cannot be read, or a price that is not two or three
    finite numbers (input and output zero or more, a batch share above 0 and at most 1), is
    one ConfigError line naming the file, before any request is paid for."""
    table = dict(PRICES_PER_MILLION)
    path = environ.get("SYNTH_PRICES")
    if not path:
        return table
    try:
        extra = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"{path}: cannot read prices (SYNTH_PRICES): {error.strerror or error}") from None
    except ValueError as error:  # not UTF-8, or not JSON
        raise ConfigError(f"{path}: cannot read prices (SYNTH_PRICES): {error}") from None
    problem = check_prices(extra)
    if problem:
        raise ConfigError(f"{path}: cannot read prices (SYNTH_PRICES): {problem}")
    table.update({str(model): Price(*(float(x) for x in prices)) for model, prices in extra.items()})
    return table


def check_prices(table: object) -> str | None:
    """Why `table` is not {model: [input, output(, batch share)]}, or None."""
    if not isinstance(table, Mapping):
        return 'expected an object such as {"my-model": [0.5, 1.5]}'
    for model, prices in table.items():
        if (
            not isinstance(prices, (list, tuple))
            or len(prices) not in (2, 3)
            or not all(_is_price(price) for price in prices[:2])
        ):
            return (
                f"{json.dumps(str(model))}: expected [input, output], two numbers of "
                f"dollars per million tokens, zero or more, got {_shown(prices)}"
            )
        if len(prices) == 3 and not (_is_price(prices[2]) and 0 < prices[2] <= 1):
            return (
                f"{json.dumps(str(model))}: a batch share must be above 0 and at most 1, "
                f"got {_shown(prices[2])}"
            )
    return None


def _is_price(value: object) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value >= 0
    )


def _shown(value: object) -> str:
    try:
        text = json.dumps(value)
    except ValueError:  # NaN and infinity are not JSON
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def estimate_cost(
    model: str | None,
    prompt_tokens: int,
    completion_tokens: int,
    table: Mapping[str, Price],
    *,
    batch: bool = False,
) -> float | None:
    """Dollars for these tokens, at the batch price when they went through a provider batch."""
    if model is None or model not in table:
        return None
    price = table[model]
    cost = (prompt_tokens * price.input + completion_tokens * price.output) / 1_000_000
    return cost * price.batch if batch else cost
