"""The usable parts of a model's last answer once its re-asks have run out (pure).

Such an answer failed validation as a whole, but single items in it may still have the
right shape; callers keep those and check or ground them on their own.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


def json_object(answer: Any) -> dict[str, Any] | None:
    """The answer as a JSON object (parsed when it is text), or None if it is not one."""
    if isinstance(answer, str):
        try:
            answer = json.loads(answer)
        except ValueError:
            return None
    return answer if isinstance(answer, dict) else None


def valid_items(data: dict[str, Any], key: str, model: type[M]) -> list[M]:
    """The items of the list under `key` that validate as `model`, in order."""
    raw = data.get(key)
    kept = []
    for item in raw if isinstance(raw, list) else []:
        try:
            kept.append(model.model_validate(item))
        except ValidationError:
            continue
    return kept
