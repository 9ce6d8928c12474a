"""vcrpy set-up shared by the cassette tests (test support, not a test module).

Replay is the default: record mode `none`, so a request with no recording fails the test.
`SYNTH_RECORD=1` re-records (see cassettes/README.md). Requests match on method, path and
the parsed JSON body, never on host or port: the loopback fault server picks a free port.
Credentials and cookies are filtered out before anything is written.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import vcr

CASSETTES = Path(__file__).resolve().parent.parent / "cassettes"
RECORDING = os.environ.get("SYNTH_RECORD") == "1"
# Where recordings of a real model come from (scripts/local-model starts this server).
LIVE_BASE_URL = os.environ.get("SYNTH_RECORD_BASE_URL", "http://127.0.0.1:8765/v1")
LIVE_MODEL = os.environ.get("SYNTH_RECORD_MODEL", "smollm2-135m")
SECRET_HEADERS = [
    "authorization",
    "api-key",
    "x-api-key",
    "openai-organization",
    "openai-project",
    "cookie",
    "set-cookie",
]


def _json_or_text(body: Any) -> Any:
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    try:
        return json.loads(body) if body else body
    except (TypeError, ValueError):
        return body


# pydantic puts its own version into the error text that instructor sends back on a re-ask
# ("errors.pydantic.dev/2.13/v/value_error"); that is not part of what synth asks.
_PYDANTIC_VERSION_URL = re.compile(r"errors\.pydantic\.dev/\d+\.\d+/")


def _comparable(body: Any) -> Any:
    parsed = _json_or_text(body)
    text = json.dumps(parsed, sort_keys=True) if not isinstance(parsed, str) else parsed
    return _PYDANTIC_VERSION_URL.sub("errors.pydantic.dev/*/", text)


def json_body(first: Any, second: Any) -> None:
    assert _comparable(first.body) == _comparable(second.body), "request bodies differ"


def _scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    headers = response.get("headers", {})
    for name in list(headers):
        if name.lower() in SECRET_HEADERS:
            del headers[name]
    return response


def cassette_vcr(*, replay_only: bool = False) -> vcr.VCR:
    """Each recorded request plays once (vcrpy's default): a repeat is a failure.

    `replay_only` keeps record mode `none` even while re-recording, for a test that replays
    a cassette another test records."""
    recorder = vcr.VCR(
        cassette_library_dir=str(CASSETTES),
        record_mode="all" if RECORDING and not replay_only else "none",
        match_on=["method", "path", "json_body"],
        filter_headers=SECRET_HEADERS,
        before_record_response=_scrub_response,
        decode_compressed_response=True,
    )
    recorder.register_matcher("json_body", json_body)
    return recorder


@contextmanager
def use_cassette(name: str, *, replay_only: bool = False) -> Iterator[Any]:
    """Replay `name`; while re-recording, start it afresh (vcrpy would append to it)."""
    if RECORDING and not replay_only:
        (CASSETTES / name).unlink(missing_ok=True)
    with cassette_vcr(replay_only=replay_only).use_cassette(name) as cassette:
        yield cassette


def interactions(name: str) -> list[dict[str, Any]]:
    """The recorded request/response pairs of a cassette, bodies parsed."""
    import yaml

    data = yaml.safe_load((CASSETTES / name).read_text(encoding="utf-8"))
    pairs = []
    for item in data["interactions"]:
        request, response = item["request"], item["response"]
        pairs.append(
            {
                "request": _json_or_text(request["body"]),
                "request_headers": {k.lower(): v for k, v in request["headers"].items()},
                "status": response["status"]["code"],
                "headers": {k.lower(): v for k, v in response["headers"].items()},
                "body": _json_or_text(response["body"]["string"]),
            }
        )
    return pairs
