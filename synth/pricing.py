"""Estimated cost of model usage from a price table the user can extend (reads one file).

Prices are US dollars per million tokens (input, output). Set SYNTH_PRICES to a JSON file
such as {"my-model": [0.5, 1.5]} to add or override models; an unknown model gets no
estimate (tokens only), never a guess.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path

from synth.errors import ConfigError

PRICES_PER_MILLION: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
}


def price_table(environ: Mapping[str, str]) -> dict[str, tuple[float, float]]:
    """The built-in prices with the SYNTH_PRICES file's over them. Read once, when the
    settings are resolved: a file that cannot be read, or a price that is not a pair of
    finite, non-negative numbers, is one ConfigError line naming the file, before any
    request is paid for."""
    table = dict(PRICES_PER_MILLION)
    path = environ.get("SYNTH_PRICES")
    if not path:
        return table
    try:
        extra = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"{path}: cannot read prices (SYNTH_PRICES): "
                          f"{error.strerror or error}") from None
    except ValueError as error:  # not UTF-8, or not JSON
        raise ConfigError(f"{path}: cannot read prices (SYNTH_PRICES): {error}") from None
    problem = check_prices(extra)
    if problem:
        raise ConfigError(f"{path}: cannot read prices (SYNTH_PRICES): {problem}")
    table.update({str(model): (float(pair[0]), float(pair[1])) for model, pair in extra.items()})
    return table


def check_prices(table: object) -> str | None:
    """Why `table` is not {model: [input, output]} in dollars per million tokens, or None."""
    if not isinstance(table, Mapping):
        return 'expected an object such as {"my-model": [0.5, 1.5]}'
    for model, pair in table.items():
        if (not isinstance(pair, (list, tuple)) or len(pair) != 2
                or not all(_is_price(price) for price in pair)):
            return (f"{json.dumps(str(model))}: expected [input, output], two numbers of "
                    f"dollars per million tokens, zero or more, got {_shown(pair)}")
    return None


def _is_price(value: object) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value) and value >= 0)


def _shown(value: object) -> str:
    try:
        text = json.dumps(value)
    except ValueError:  # NaN and infinity are not JSON
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def estimate_cost(model: str | None, prompt_tokens: int, completion_tokens: int,
                  table: Mapping[str, tuple[float, float]]) -> float | None:
    if model is None or model not in table:
        return None
    input_price, output_price = table[model]
    return (prompt_tokens * input_price + completion_tokens * output_price) / 1_000_000
