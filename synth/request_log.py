"""The log of model requests: one row per question a model stage asked, answered by the model
or from the cache, kept beside the cache for `synth log` (disk I/O: sqlite3).

A row has what a list shows (time, stage, model, what it was about, tokens, cache hit or
not) and, apart, what `synth log show` shows: the request as sent and the reply it got. The
API key is never part of a request row; the stage scrubs configured secrets from the text of
the row before it is written. Rows are only added, never changed; `synth cache clear` empties
the log with the cache. A log that cannot be opened or written is said once, and the run goes
on without it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from synth.errors import SynthError
from synth.text import printable

LOG_FILE_NAME = "requests.sqlite3"
# Another process writing the same log (runs can share a cache folder) is waited for this long.
BUSY_SECONDS = 30.0


class LoggedRequest(BaseModel):
    """One question asked of a model stage, and what came of it."""

    id: int = 0  # given by the log when the row is written
    time: str  # ISO 8601, UTC
    stage: str  # extract or reconcile
    model: str
    endpoint: str  # scheme, host, port and path only
    source: str  # what the request was about: "S2", "S2 (chunk 1 of 3)", "batch 1 of 2"
    cache_hit: bool
    outcome: str  # answered, unchecked, too_long or failed (synth.model_stage.Outcome)
    error: str | None = None
    mode: str | None = None  # the request format of a live answer
    requests: int = 0  # HTTP requests this question made, re-asks and retries included
    retries: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    key: str  # the cache key of the request
    request: dict[str, Any] = {}
    reply: Any = None


# What a list shows: everything but the request and the reply, which can be large.
_SUMMARY_FIELDS = [name for name in LoggedRequest.model_fields if name not in ("id", "request", "reply")]


class RequestLog:
    def __init__(
        self, directory: Path, *, enabled: bool = True, warn: Callable[[str], None] | None = None
    ) -> None:
        self.path = Path(directory) / LOG_FILE_NAME
        self.enabled = enabled
        self._warn = warn or (lambda _line: None)
        self._connection: sqlite3.Connection | None = None

    def _open(self, create: bool) -> sqlite3.Connection | None:
        if self._connection is None and self.enabled and (create or self.path.exists()):
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                connection = sqlite3.connect(self.path, timeout=BUSY_SECONDS, isolation_level=None)
                connection.execute(
                    "CREATE TABLE IF NOT EXISTS requests (id INTEGER PRIMARY KEY "
                    "AUTOINCREMENT, summary TEXT NOT NULL, body TEXT NOT NULL)"
                )
                self._connection = connection
            except (OSError, sqlite3.Error) as error:
                self._unusable(error)
        return self._connection

    def _unusable(self, error: Exception) -> None:
        self._warn(f"synth: cannot keep the request log {self.path} ({error}); going on without it")
        self.enabled = False
        self.close()

    def record(self, entry: LoggedRequest) -> None:
        connection = self._open(create=True)
        if connection is None:
            return
        summary = entry.model_dump(include=set(_SUMMARY_FIELDS))
        body = {"request": entry.request, "reply": entry.reply}
        try:
            connection.execute(
                "INSERT INTO requests (summary, body) VALUES (?, ?)",
                (json.dumps(summary, ensure_ascii=False), json.dumps(body, ensure_ascii=False)),
            )
        except (OSError, sqlite3.Error) as error:
            self._unusable(error)

    def recent(self, limit: int | None = None) -> list[LoggedRequest]:
        """The last `limit` requests (all without one), oldest first; no request or reply.
        A log that cannot be read is a SynthError."""
        try:
            connection = self._open_to_read()
            if connection is None:
                return []
            rows = connection.execute(
                "SELECT id, summary FROM requests ORDER BY id DESC LIMIT ?", (-1 if limit is None else limit,)
            ).fetchall()
            return [_entry(row_id, summary, None) for row_id, summary in reversed(rows)]
        except (sqlite3.Error, ValueError, TypeError, ValidationError) as error:
            raise self._unreadable(error) from None

    def get(self, request_id: int) -> LoggedRequest | None:
        try:
            connection = self._open_to_read()
            if connection is None:
                return None
            row = connection.execute(
                "SELECT id, summary, body FROM requests WHERE id = ?", (request_id,)
            ).fetchone()
            return _entry(*row) if row is not None else None
        except (sqlite3.Error, ValueError, TypeError, ValidationError) as error:
            raise self._unreadable(error) from None

    def _open_to_read(self) -> sqlite3.Connection | None:
        if self._connection is None and self.path.exists():
            # Read as it is: a log that cannot be opened is said, not silently left out.
            self._connection = sqlite3.connect(self.path, timeout=BUSY_SECONDS, isolation_level=None)
        return self._connection

    def _unreadable(self, error: Exception) -> SynthError:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        return SynthError(
            f"cannot read the request log {self.path} ({printable(reason)[:200]}); "
            "delete it to start a new one"
        )

    def clear(self) -> int:
        """Forgets every request; how many there were."""
        try:
            connection = self._open_to_read()
            if connection is None:
                return 0
            return int(connection.execute("DELETE FROM requests").rowcount)
        except sqlite3.Error as error:
            raise self._unreadable(error) from None

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def _entry(row_id: int, summary: str, body: str | None) -> LoggedRequest:
    return LoggedRequest(id=row_id, **json.loads(summary), **(json.loads(body) if body else {}))


def list_line(entry: LoggedRequest, cost_usd: float | None) -> str:
    """One request on one line: '3  2025-06-01T10:00:00+00:00  extract  gpt-4o-mini  S1
    (chunk 1 of 2)  1,042 tokens  ~$0.0003  asked: answered', or '… cache hit: answered'.
    What a server or an article wrote is shown with its controls as escapes."""
    tokens = entry.prompt_tokens + entry.completion_tokens
    cost = f"~${cost_usd:.4f}" if cost_usd is not None else "no price"
    how = "cache hit" if entry.cache_hit else f"{entry.requests} request{'' if entry.requests == 1 else 's'}"
    return printable(
        f"{entry.id}  {entry.time}  {entry.stage}  {entry.model}  {entry.source}  "
        f"{tokens:,} tokens  {cost}  {how}: {entry.outcome}"
    )


def shown(entry: LoggedRequest, cost_usd: float | None) -> str:
    """One request in full: what it was, the messages sent and the reply, as text lines."""
    request = dict(entry.request)
    messages = request.pop("messages", [])
    spent = (
        "from the cache, no request"
        if entry.cache_hit
        else (
            f"{entry.requests} request{'' if entry.requests == 1 else 's'} ({entry.retries} "
            f"retr{'y' if entry.retries == 1 else 'ies'}), {entry.prompt_tokens:,} prompt and "
            f"{entry.completion_tokens:,} completion tokens"
            + (f", ~${cost_usd:.4f}" if cost_usd is not None else "")
        )
    )
    lines = [
        f"request {entry.id}  {entry.time}",
        f"stage: {entry.stage}  model: {entry.model}  endpoint: {entry.endpoint}",
        f"about: {entry.source}",
        f"outcome: {entry.outcome}; {spent}" + (f"; request format {entry.mode}" if entry.mode else ""),
    ]
    if entry.error:
        lines.append(f"error: {entry.error}")
    lines.append(f"cache key: {entry.key}")
    lines.append(
        "parameters: "
        + ", ".join(f"{name} {json.dumps(value, ensure_ascii=False)}" for name, value in request.items())
    )
    for message in messages if isinstance(messages, list) else []:
        role = message.get("role", "?") if isinstance(message, dict) else "?"
        content = message.get("content", "") if isinstance(message, dict) else message
        lines.append(f"--- {role}")
        lines.extend(str(content).splitlines())
    lines.append("--- reply")
    reply = entry.reply
    lines.extend(
        (reply if isinstance(reply, str) else json.dumps(reply, indent=2, ensure_ascii=False)).splitlines()
    )
    return "\n".join(printable(line) for line in lines)
