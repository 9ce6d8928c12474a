"""What a response schema's validators check a model's reply against (pure).

A validator that needs the request's own data (the article a quote must be in, the claims a
fact must cite) reads it here, and whoever validates a reply (the model stage around a live
request or a cached reply, a test around `model_validate`) sets it with `validating_against`.
It is not passed as pydantic's or instructor's `context`: given one, instructor renders every
message as a Jinja template (instructor #2669), so article text would be template source.

The value lives in a ContextVar, so concurrent requests (asyncio tasks) each see their own.
Without any, a validator checks the reply's shape only.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")

_DATA: ContextVar[object | None] = ContextVar("synth_validation_data", default=None)


@contextmanager
def validating_against(data: object | None) -> Iterator[None]:
    """Replies validated inside the block are checked against `data` (None: shape only)."""
    token = _DATA.set(data)
    try:
        yield
    finally:
        _DATA.reset(token)


def validation_data(kind: type[T]) -> T | None:
    """The data replies are being checked against, when it is a `kind`; else None."""
    data = _DATA.get()
    return data if isinstance(data, kind) else None
