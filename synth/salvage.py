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
        except (ValueError, RecursionError):  # RecursionError: nested deeper than Python goes
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


# More text than any answer under a token cap: only this much of a cut-off reply is read.
MAX_CUT_OFF_CHARS = 2_000_000


def before_the_cut(text: str) -> dict[str, Any] | None:
    """A JSON object cut off mid-way (an answer that ran into the token cap), closed after the
    last whole item of its top-level lists: '{"claims": [{…}, {"quote": "unterm' gives
    {"claims": [{…}]}. An item is never closed early, so no half-written claim or fact (a
    fact citing only some of its claims) is passed on. None if nothing whole came before the
    cut."""
    whole = json_object(text)
    if whole is not None:
        return whole
    text = text[:MAX_CUT_OFF_CHARS]  # reading less is only an earlier cut
    text = text[max(text.find("{"), 0) :]  # after a "```json" fence, say
    stack: list[str] = []
    cuts: list[tuple[int, str]] = []  # (end of a whole item, the brackets that close it)
    in_string = escaped = False
    for position, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
            continue
        if char == '"':
            in_string = True
        elif char in "{[":
            stack.append("}" if char == "{" else "]")
        elif char in "}]":
            if not stack or stack.pop() != char:
                break  # not JSON from here on: the cuts before it may still be
            # Depth 2 is inside a top-level list (or object): what just closed was whole.
            if len(stack) <= 2 and stack and stack[0] == "}":
                cuts.append((position + 1, "".join(reversed(stack))))
    # A cut that parses means all the text before it is JSON, so every earlier cut parses
    # too: the last one that does is found by bisection, in a few parses, not one a cut.
    found: dict[str, Any] | None = None
    low, high = 0, len(cuts) - 1
    while low <= high:
        middle = (low + high) // 2
        end, closing = cuts[middle]
        closed = json_object(text[:end] + closing)
        if closed is not None:
            found, low = closed, middle + 1
        else:
            high = middle - 1
    return found


def looks_looping(text: str, tail: int = 200) -> bool:
    """True when the end of a cut-off answer repeats something it wrote before: a model
    looping until the cap, which a higher cap would only let loop longer."""
    text = text.rstrip()
    if len(text) < 3 * tail:
        return False
    return text[-tail:] in text[:-tail]


def after_reasks(count: int | None) -> str:
    """'after 2 re-asks', 'after 1 re-ask', 'and was not re-asked'; None (an answer cached
    before the count was kept) is 'after its re-asks'."""
    if count is None:
        return "after its re-asks"
    if count <= 0:
        return "and was not re-asked"
    return f"after {count} re-ask{'s' if count > 1 else ''}"
