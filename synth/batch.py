"""Batch mode's plan and records (pure): what goes into a provider batch, what is kept about
it on disk, and how its result lines are read. synth.batch_client does the I/O.

A batch is of one kind. An extraction batch holds the extraction requests of every story
that the cache cannot answer, each request once (two chunks asking the very same thing share
one line); a reconcile batch, made once every story's extraction is answered, holds the
model reconcile's requests of every story. A line's `custom_id` names what it asks
(`extract/flood-monday/S2/1-of-3`: story, source and chunk; `reconcile/flood-monday/1-of-2`:
story and batch of claims), so that a person reading the provider's dashboard or a result file
can tell what it was; the saved state maps it to the cache key its answer is stored under, and
keeps what is needed to check the answer (the article text, or the claims and sources) and to
re-ask it live, so that a later process can collect the batch without the first.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from pydantic import BaseModel, ValidationError

from synth.models import Claim, Source, Usage

STATE_VERSION = 1
BATCH_ENDPOINT: Final = "/v1/chat/completions"
COMPLETION_WINDOW: Final = "24h"
# A batch in one of these states will not change any more: collect what it has.
FINISHED = frozenset({"completed", "expired", "failed", "cancelled"})
# Per OpenAI's limits for one batch file; more requests go into further batches.
MAX_LINES_PER_BATCH = 50_000
MAX_BYTES_PER_BATCH = 190 * 1024 * 1024


BatchKind = Literal["extract", "reconcile"]


class PlannedRequest(BaseModel):
    """One line of a batch and what its answer needs: stored in the state file."""

    custom_id: str
    key: str  # the cache key the answer is stored under
    story: str
    messages: list[dict[str, Any]]  # the messages the request body was made from
    body: dict[str, Any]  # the request body, as sent
    # An extraction line: the chunk of which source, and its text, which quotes are checked
    # against.
    source_id: str = ""
    chunk_number: int = 1
    chunks: int = 1
    chunk: str = ""
    # A reconcile line: the claims it carries and the story's sources, which the answer's
    # facts are checked against, and which batch of claims it is (as the request log names it).
    claims: list[Claim] = []
    sources: list[Source] = []
    about: str = ""


class BatchState(BaseModel):
    """What is kept beside the cache about a submitted batch, until it is collected."""

    version: int = STATE_VERSION
    kind: BatchKind = "extract"
    endpoint: str  # the API's address, as shown (never with credentials)
    model: str
    mode: str  # the request format the bodies are in
    input_file_id: str
    batch_id: str | None = None  # None: uploaded, and the batch not yet known to be made
    created_at: float
    requests: list[PlannedRequest]
    # What an earlier batch of the same run cost each story (the extraction batch collected
    # by the process that made this reconcile batch): the reports are written by the run
    # that collects this one, and count it there.
    carried_usage: dict[str, Usage] = {}

    def keys(self) -> set[str]:
        return {request.key for request in self.requests}


def custom_id(story: str, source_id: str, number: int, chunks: int) -> str:
    return f"extract/{story}/{source_id}/{number}-of-{chunks}"


def reconcile_custom_id(story: str, number: int, batches: int) -> str:
    return f"reconcile/{story}/{number}-of-{batches}"


def unique_by_key(requests: Iterable[PlannedRequest]) -> list[PlannedRequest]:
    """Each request once: the first of those sharing a cache key (the same question)."""
    seen: set[str] = set()
    kept = []
    for request in requests:
        if request.key not in seen:
            seen.add(request.key)
            kept.append(request)
    return kept


def jsonl(requests: Sequence[PlannedRequest]) -> bytes:
    """The batch input file: one request line per planned request."""
    return "".join(
        json.dumps(
            {"custom_id": r.custom_id, "method": "POST", "url": BATCH_ENDPOINT, "body": r.body},
            ensure_ascii=False,
            separators=(",", ":"),
        )
        + "\n"
        for r in requests
    ).encode("utf-8")


def split_for_limits(requests: Sequence[PlannedRequest]) -> list[list[PlannedRequest]]:
    """The requests in as few batches as the provider's per-batch limits allow."""
    parts: list[list[PlannedRequest]] = [[]]
    size = 0
    for request in requests:
        line = len(jsonl([request]))
        if parts[-1] and (len(parts[-1]) >= MAX_LINES_PER_BATCH or size + line > MAX_BYTES_PER_BATCH):
            parts.append([])
            size = 0
        parts[-1].append(request)
        size += line
    return [part for part in parts if part]


@dataclass(frozen=True)
class ResultLine:
    """One line of a batch's output or error file."""

    custom_id: str
    status_code: int | None  # None: the request never ran (expired, cancelled)
    body: Any  # the completion for a 200, an error object otherwise
    error: str | None  # why it has no answer, in words


def result_lines(data: bytes) -> Iterator[ResultLine | str]:
    """Each line of a result file, or, for a line that is not one, why (as text)."""
    for number, raw in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
        if not raw.strip():
            continue
        try:
            item = json.loads(raw)
            custom = item["custom_id"]
            if not isinstance(custom, str):
                raise TypeError("custom_id is not text")
        except (ValueError, KeyError, TypeError, RecursionError):
            yield f"line {number} of a result file is not a batch result"
            continue
        response = item.get("response") if isinstance(item.get("response"), dict) else None
        status = response.get("status_code") if response else None
        body = response.get("body") if response else None
        error = _error_text(item.get("error"))
        if status is not None and not isinstance(status, int):
            status = None
        if error is None and status != 200:
            error = _error_text(body.get("error") if isinstance(body, dict) else None) or (
                f"HTTP {status}" if status is not None else "no answer"
            )
            if status is not None:
                error = f"HTTP {status}: {error}" if not error.startswith("HTTP") else error
        yield ResultLine(custom, status, body, error)


def _error_text(error: Any) -> str | None:
    if not isinstance(error, dict):
        return None
    message, code = error.get("message"), error.get("code")
    text = message if isinstance(message, str) and message else None
    if isinstance(code, str) and code:
        text = f"{code}: {text}" if text else code
    return text


def poll_delays(first: float, longest: float) -> Iterator[float]:
    """Seconds between polls: `first`, then half as long again each time, up to `longest`
    (a batch takes minutes to hours; polling it every second would only cost requests)."""
    delay = first
    while True:
        yield delay
        delay = min(delay * 1.5, max(longest, first))


def load_state(text: str) -> BatchState | None:
    """A state file's content, or None when it is not one this version writes."""
    try:
        state = BatchState.model_validate_json(text)
    except (ValidationError, ValueError, RecursionError):
        return None
    return state if state.version == STATE_VERSION else None


def how_far(status: str, completed: int, failed: int, total: int) -> str:
    """'in_progress: 40 of 100 requests done, 2 failed'."""
    return f"{status}: {completed:,} of {total:,} request{'' if total == 1 else 's'} done" + (
        f", {failed:,} failed" if failed else ""
    )
