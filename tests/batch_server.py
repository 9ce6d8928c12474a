"""A loopback server for OpenAI's Files and Batch APIs, on top of the fault server (stdlib only).

It answers chat completions as `FaultServer` does (faults and all), and also:

  POST /v1/files                     multipart upload (`file`, `purpose`) -> FileObject
  GET  /v1/files/{id}                -> FileObject
  GET  /v1/files/{id}/content        the file's bytes
  POST /v1/batches                   {input_file_id, endpoint, completion_window, metadata} -> Batch
  GET  /v1/batches/{id}              -> Batch (each GET is one poll; see below)
  GET  /v1/batches                   -> a list page of Batches, newest first
  POST /v1/batches/{id}/cancel       -> Batch, `cancelling`, then `cancelled` at the next poll

in OpenAI's wire format (tests/test_batch.py holds every object to `openai.types.Batch` and
`FileObject`). A batch is `validating` when created, `in_progress` from its first poll, with
`request_counts.completed` growing, and done at poll number `polls_to_complete`: each line of
its input is then answered as the fault server answers that request, and the output and error
files are written as OpenAI writes them:

  output file: {"id": "batch_req_…", "custom_id": …, "response": {"status_code": 200,
                "request_id": …, "body": <chat.completion>}, "error": null}
  error file:  the same with a non-200 `response` (a failed line), or `response: null` and
               `error: {"code": "batch_expired", …}` (a line the window ran out on)

Test controls, by line number (0-based) in the input file:
  fail_lines       answered 500 with the server-error body
  invalid_lines    answered 200 with a body that fails the claims schema ("schema" fault)
  expire_after     the batch ends `expired` with only its first N lines answered
  lose_batches     batches are created but `GET /v1/batches/{id}` answers 404 (a lost batch)

Counts for tests: `uploads`, `batches_created`, `polls`, `cancels`, `downloads`, and the
inherited `request_count` (chat completions sent one by one).

To try batch mode by hand (README, "Many stories, and the provider's Batch API"):

    python -m tests.batch_server [--polls N] [--fail-lines 3] [--invalid-lines 1]

prints its base URL and serves until Ctrl-C.
"""

from __future__ import annotations

import argparse
import collections
import itertools
import json
import threading
import time
from collections.abc import Iterable
from typing import Any

from tests.fault_server import SCHEMA_VIOLATION, SERVER_ERROR, FaultServer, _Handler

EXPIRED_ERROR = {
    "code": "batch_expired",
    "message": "This request could not be executed before the completion window expired.",
}
ENDPOINT = "/v1/chat/completions"


def _not_found_body(what: str) -> dict[str, Any]:
    return {
        "error": {"message": f"No such {what}", "type": "invalid_request_error", "param": None, "code": None}
    }


def parse_multipart(content_type: str, body: bytes) -> dict[str, tuple[str | None, bytes]]:
    """The parts of a multipart/form-data body: name -> (file name or None, bytes)."""
    boundary = None
    for piece in content_type.split(";"):
        key, _, value = piece.strip().partition("=")
        if key.lower() == "boundary":
            boundary = value.strip('"')
    if not boundary:
        raise ValueError("no boundary")
    parts: dict[str, tuple[str | None, bytes]] = {}
    for chunk in body.split(b"--" + boundary.encode())[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, data = chunk.lstrip(b"\r\n").partition(b"\r\n\r\n")
        data = data[:-2] if data.endswith(b"\r\n") else data
        name = filename = None
        for line in head.decode("utf-8", "replace").split("\r\n"):
            if line.lower().startswith("content-disposition:"):
                for item in line.split(";")[1:]:
                    key, _, value = item.strip().partition("=")
                    if key == "name":
                        name = value.strip('"')
                    elif key == "filename":
                        filename = value.strip('"')
        if name:
            parts[name] = (filename, data)
    return parts


class _BatchHandler(_Handler):
    server: Any

    def _send_bytes(self, status: int, data: bytes, content_type: str) -> None:
        self._send_raw(status, data, content_type=content_type)

    def do_GET(self) -> None:
        owner: BatchServer = self.server.owner
        parts = self._path().split("/")[1:]  # ["v1", "files", id, "content"]
        if parts[:2] == ["v1", "files"] and len(parts) in (3, 4):
            found = owner._file(parts[2])
            if found is None:
                self._send_json(404, _not_found_body("file"))
            elif len(parts) == 4 and parts[3] == "content":
                owner._tally("downloads")
                self._send_bytes(200, found[1], "application/octet-stream")
            elif len(parts) == 3:
                self._send_json(200, found[0])
            else:
                self._not_found()
        elif parts == ["v1", "batches"]:
            self._send_json(200, owner._batch_list())
        elif parts[:2] == ["v1", "batches"] and len(parts) == 3:
            batch = owner._poll(parts[2])
            if batch is None:
                self._send_json(404, _not_found_body("batch"))
            else:
                self._send_json(200, batch)
        else:
            super().do_GET()

    def do_POST(self) -> None:
        owner: BatchServer = self.server.owner
        path = self._path()
        if not path.startswith(("/v1/files", "/v1/batches")):
            super().do_POST()
            return
        try:
            raw = self._read_body()
        except (OSError, ValueError):
            self.close_connection = True
            return
        parts = path.split("/")[1:]
        if parts == ["v1", "files"]:
            try:
                form = parse_multipart(self.headers.get("Content-Type") or "", raw)
                filename, data = form["file"]
                purpose = form["purpose"][1].decode()
            except (KeyError, ValueError, UnicodeDecodeError):
                self._send_json(
                    400,
                    {
                        "error": {
                            "message": "Expected a multipart upload with 'file' and 'purpose'.",
                            "type": "invalid_request_error",
                            "param": None,
                            "code": None,
                        }
                    },
                )
                return
            self._send_json(200, owner._add_file(filename or "upload", data, purpose))
        elif parts == ["v1", "batches"]:
            try:
                request = json.loads(raw)
                batch = owner._create(
                    request["input_file_id"],
                    request["endpoint"],
                    request["completion_window"],
                    request.get("metadata"),
                )
            except (ValueError, KeyError, TypeError):
                self._send_json(
                    400,
                    {
                        "error": {
                            "message": "Invalid batch request.",
                            "type": "invalid_request_error",
                            "param": None,
                            "code": None,
                        }
                    },
                )
                return
            if batch is None:
                self._send_json(404, _not_found_body("file"))
            else:
                self._send_json(200, batch)
        elif parts[:2] == ["v1", "batches"] and len(parts) == 4 and parts[3] == "cancel":
            batch = owner._cancel(parts[2])
            if batch is None:
                self._send_json(404, _not_found_body("batch"))
            else:
                self._send_json(200, batch)
        else:
            self._not_found()


class BatchServer(FaultServer):
    """The fault server with OpenAI's Files and Batch APIs; see the module docstring."""

    handler_class = _BatchHandler

    def __init__(
        self,
        *,
        polls_to_complete: int = 2,
        fail_lines: Iterable[int] = (),
        invalid_lines: Iterable[int] = (),
        expire_after: int | None = None,
        lose_batches: bool = False,
        **options: Any,
    ) -> None:
        super().__init__(**options)
        self.polls_to_complete = polls_to_complete
        self.fail_lines = frozenset(fail_lines)
        self.invalid_lines = frozenset(invalid_lines)
        self.expire_after = expire_after
        self.lose_batches = lose_batches
        self.files: dict[str, tuple[dict[str, Any], bytes]] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self.counts: collections.Counter[str] = collections.Counter()
        self._ids = itertools.count(1)
        self._batch_lock = threading.Lock()
        self._poll_count: collections.Counter[str] = collections.Counter()

    # --- what tests read ----------------------------------------------------------------------

    @property
    def uploads(self) -> int:
        return self.counts["uploads"]

    @property
    def batches_created(self) -> int:
        return self.counts["batches"]

    @property
    def polls(self) -> int:
        return self.counts["polls"]

    def input_lines(self, batch_id: str) -> list[dict[str, Any]]:
        """The request lines of a batch's input file, parsed."""
        data = self.files[self.batches[batch_id]["input_file_id"]][1]
        return [json.loads(line) for line in data.decode("utf-8").splitlines() if line.strip()]

    # --- internals ----------------------------------------------------------------------------

    def _tally(self, what: str) -> None:
        with self._batch_lock:
            self.counts[what] += 1

    def _next_id(self, prefix: str) -> str:
        return f"{prefix}-loop{next(self._ids):06d}"

    def _add_file(self, filename: str, data: bytes, purpose: str) -> dict[str, Any]:
        file_id = self._next_id("file")
        entry = {
            "id": file_id,
            "object": "file",
            "bytes": len(data),
            "created_at": int(time.time()),
            "filename": filename,
            "purpose": purpose,
            "status": "processed",
            "expires_at": None,
            "status_details": None,
        }
        with self._batch_lock:
            self.files[file_id] = (entry, data)
            if purpose == "batch":
                self.counts["uploads"] += 1
        return entry

    def _file(self, file_id: str) -> tuple[dict[str, Any], bytes] | None:
        with self._batch_lock:
            return self.files.get(file_id)

    def _create(
        self, input_file_id: str, endpoint: str, window: str, metadata: dict[str, str] | None
    ) -> dict[str, Any] | None:
        found = self._file(input_file_id)
        if found is None:
            return None
        lines = [line for line in found[1].decode("utf-8").splitlines() if line.strip()]
        now = int(time.time())
        batch = {
            "id": self._next_id("batch"),
            "object": "batch",
            "endpoint": endpoint,
            "errors": None,
            "input_file_id": input_file_id,
            "completion_window": window,
            "status": "validating",
            "output_file_id": None,
            "error_file_id": None,
            "created_at": now,
            "in_progress_at": None,
            "expires_at": now + 86400,
            "finalizing_at": None,
            "completed_at": None,
            "failed_at": None,
            "expired_at": None,
            "cancelling_at": None,
            "cancelled_at": None,
            "request_counts": {"total": len(lines), "completed": 0, "failed": 0},
            "metadata": metadata,
        }
        problems = self._invalid_input(lines, endpoint)
        if problems:
            batch.update(status="failed", failed_at=now, errors={"object": "list", "data": problems})
        with self._batch_lock:
            self.batches[batch["id"]] = batch
            self.counts["batches"] += 1
        return dict(batch)

    @staticmethod
    def _invalid_input(lines: list[str], endpoint: str) -> list[dict[str, Any]]:
        problems = []
        seen: set[str] = set()
        for number, line in enumerate(lines, 1):
            try:
                item = json.loads(line)
                ok = (
                    item["method"] == "POST"
                    and item["url"] == endpoint
                    and isinstance(item["body"], dict)
                    and item["custom_id"] not in seen
                )
                seen.add(item["custom_id"])
            except (ValueError, KeyError, TypeError):
                ok = False
            if not ok:
                problems.append(
                    {
                        "code": "invalid_request",
                        "line": number,
                        "param": None,
                        "message": "Each line must be a POST to the batch's endpoint "
                        "with a unique custom_id and a JSON body.",
                    }
                )
        return problems

    def _batch_list(self) -> dict[str, Any]:
        with self._batch_lock:
            data = [dict(b) for b in reversed(list(self.batches.values()))]
        return {
            "object": "list",
            "data": data,
            "first_id": data[0]["id"] if data else None,
            "last_id": data[-1]["id"] if data else None,
            "has_more": False,
        }

    def _cancel(self, batch_id: str) -> dict[str, Any] | None:
        with self._batch_lock:
            batch = self.batches.get(batch_id)
            if batch is None:
                return None
            self.counts["cancels"] += 1
            if batch["status"] in ("validating", "in_progress"):
                batch.update(status="cancelling", cancelling_at=int(time.time()))
            return dict(batch)

    def _poll(self, batch_id: str) -> dict[str, Any] | None:
        with self._batch_lock:
            batch = self.batches.get(batch_id)
            self.counts["polls"] += 1
            if batch is None or self.lose_batches:
                return None
            self._poll_count[batch_id] += 1
            polls = self._poll_count[batch_id]
            now = int(time.time())
            if batch["status"] == "cancelling":
                batch.update(status="cancelled", cancelled_at=now)
            elif batch["status"] in ("validating", "in_progress"):
                counts = batch["request_counts"]
                if polls >= self.polls_to_complete:
                    self._finish(batch, now)
                else:
                    batch.update(status="in_progress", in_progress_at=batch["in_progress_at"] or now)
                    counts["completed"] = counts["total"] * polls // max(self.polls_to_complete, 1)
            return dict(batch)

    def _finish(self, batch: dict[str, Any], now: int) -> None:
        """Answers every line (lock held): the output and error files, the final counts."""
        data = self.files[batch["input_file_id"]][1]
        lines = [json.loads(line) for line in data.decode("utf-8").splitlines() if line.strip()]
        output, errors = [], []
        for number, item in enumerate(lines):
            result: dict[str, Any] = {"id": f"batch_req_loop{number:06d}", "custom_id": item["custom_id"]}
            if self.expire_after is not None and number >= self.expire_after:
                errors.append({**result, "response": None, "error": EXPIRED_ERROR})
                continue
            body = item["body"]
            raw = json.dumps(body).encode("utf-8")
            if number in self.fail_lines:
                errors.append(
                    {
                        **result,
                        "error": None,
                        "response": {
                            "status_code": 500,
                            "request_id": f"req_loop{number:06d}",
                            "body": SERVER_ERROR,
                        },
                    }
                )
                continue
            answer = json.dumps(SCHEMA_VIOLATION) if number in self.invalid_lines else self._claims_json(body)
            output.append(
                {
                    **result,
                    "error": None,
                    "response": {
                        "status_code": 200,
                        "request_id": f"req_loop{number:06d}",
                        "body": self._completion(body, raw, number + 1, answer),
                    },
                }
            )
        expired = self.expire_after is not None
        batch["request_counts"] = {
            "total": len(lines),
            "completed": len(output),
            "failed": len(errors) if not expired else sum(1 for e in errors if e["response"] is not None),
        }
        batch.update(
            status="expired" if expired else "completed",
            in_progress_at=(batch["in_progress_at"] or now),
            finalizing_at=now,
            **({"expired_at": now} if expired else {"completed_at": now}),
        )
        for kind, rows in (("output", output), ("error", errors)):
            if rows:
                file_id = self._next_id("file")
                content = "".join(json.dumps(row) + "\n" for row in rows).encode("utf-8")
                self.files[file_id] = (
                    {
                        "id": file_id,
                        "object": "file",
                        "bytes": len(content),
                        "created_at": now,
                        "filename": f"batch_{kind}.jsonl",
                        "purpose": "batch_output",
                        "status": "processed",
                        "expires_at": None,
                        "status_details": None,
                    },
                    content,
                )
                batch[f"{kind}_file_id"] = file_id


def _line_numbers(text: str) -> frozenset[int]:
    return frozenset(int(part) for part in text.split(",") if part.strip())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.batch_server",
        description="The tests' loopback Files and Batch API server: prints its base URL, "
        "serves until Ctrl-C.",
    )
    parser.add_argument("--polls", type=int, default=2, help="a batch is done at this poll (default: 2)")
    parser.add_argument(
        "--fail-lines", default="", help="line numbers (0-based, comma-separated) answered HTTP 500"
    )
    parser.add_argument(
        "--invalid-lines", default="", help="line numbers answered with a body that fails the schema"
    )
    args = parser.parse_args(argv)
    server = BatchServer(
        polls_to_complete=args.polls,
        fail_lines=_line_numbers(args.fail_lines),
        invalid_lines=_line_numbers(args.invalid_lines),
    )
    with server:
        print(server.base_url, flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
