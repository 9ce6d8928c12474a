"""A loopback OpenAI-compatible server for tests, with faults on demand (stdlib only).

Tests start and stop it themselves; it binds 127.0.0.1 on a free port and nothing else::

    with FaultServer(latency=0.05) as server:
        server.enqueue("429", "drop")        # the next two chat requests fail, then normal answers
        client = openai.OpenAI(base_url=server.base_url, api_key="sk-test", max_retries=0)
        ...
        assert server.served["429"] == 1

A reconcile request (claims between a line `<claims>` and a line `</claims>`) is answered
with `careful_answer`: what a careful model would write, one fact per synth group with the
status its claims bear out, every source cited. A normal extraction answer quotes sentences
of the article (between a line `<article>` and a line
`</article>` in a user message) verbatim, in the shape instructor's mode asks for: a tool
call when the request has `tools`, plain JSON content for `response_format` json_schema or
json_object, and a fenced ```json block otherwise.

Faults for `enqueue`, one per chat request, first in first out:
  "429" / "429:<s>"  rate limited, with `Retry-After: 1` (or <s>)
  "500", "503"       server error        "401"        bad API key
  "drop"             close the connection without any response
  "slow:<s>"         wait <s> seconds, then answer normally
  "malformed"        200, but the tool arguments / content are not valid JSON
  "schema"           200, valid JSON that fails the claims schema
  "invented"         200, normal shape, but every quote is a sentence not in the article
  "too_long"         400, the request is longer than the model's context (llama-cpp-python's words)

Faults of a hostile or broken server (synth must end each as one line, never a traceback):
  "length"           200, finish_reason "length": the answer cut off three quarters of the way
  "length_loop"      200, finish_reason "length": one claim repeated until the cap cut it off
  "retry_after:<v>"  429 with `Retry-After: <v>` verbatim ("soon", a malformed date, ...)
  "trickle:<s>"      a normal answer, headers and body sent one byte every <s> seconds
  "cut_body"         200, a JSON body cut in half (Content-Length says the half)
  "short_body"       200, Content-Length of the whole body, half of it sent, then the close
  "empty"            200 with an empty body          "html"   200, a text/html page
  "not_object"       200, a JSON body that is a list
  "bad_utf8"         200, a normal answer with two bytes that are not UTF-8 in its id
  "error_200"        200 whose body is an error object, as some proxies answer
  "status:<n>"       HTTP status <n> with a small JSON error body (no body for 1xx, 204, 304)
  "redirect:<n>"     HTTP status <n> (3xx) with Location: the same URL (a loop, if followed)
  "huge:<mb>"        200, a valid answer padded with whitespace to <mb> megabytes
  "gzip_lie"         200, `Content-Encoding: gzip` on a body that is not gzip
  "gzip_bomb:<mb>"   200, a small gzip body that inflates to <mb> megabytes
  "wrong_tool"       200, a tool call to a function the request did not offer
  "no_choices"       200, `choices: []`
  "null_content"     200, a message with neither content nor tool calls
  "no_usage"         200, a normal answer without `usage`
  "args_object"      200, tool call arguments (or content) as a JSON object, not a string
  "content_number"   200, a message whose content is the number 42
  "ansi:<n>"         HTTP status <n> whose error message holds terminal escapes and a bidi override
  "busy_tools"       503 whose message speaks of tools: busy, not a rejected request format
  "deep_json"        200, an answer of JSON nested 100,000 lists deep
  "utf16"            200, a normal answer encoded as UTF-16 (JSON allows it)
  "huge_usage"       200, a normal answer claiming 10^400 prompt tokens and "many" completion ones
  "echo_key"         200, the API key of the request's Authorization header echoed in a
                     claim's quote and speaker (and a quote not in the article, so it is re-asked)

`one_slot=True` serves chat requests one at a time in arrival order, each taking `latency`,
the way llama-cpp-python's server runs a local model: a request waits for the ones before
it, one whose client went away before its turn is skipped (`skipped`), and one whose client
goes away while it is served still takes its whole time (`abandoned`). `duplicates` counts
requests that arrived while the same request (the same body) was still queued or served:
a client's timed-out copies piling up.

`reject_modes` ("json_schema", "tools") makes the server refuse those request shapes the way
servers without them do. A rejected request is answered before any queued fault and does not
use one up: the fault stays queued for the next request that is not rejected.
"""

from __future__ import annotations

import collections
import gzip
import json
import re
import select
import socket
import threading
import time
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HOST = "127.0.0.1"
MODEL_ID = "fault-model"

MODELS_BODY = {
    "object": "list",
    "data": [{"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "synth-tests"}],
}

RATE_LIMIT_ERROR = {
    "error": {
        "message": "Rate limit reached for requests",
        "type": "requests",
        "param": None,
        "code": "rate_limit_exceeded",
    }
}
SERVER_ERROR = {
    "error": {
        "message": "The server had an error while processing your request.",
        "type": "server_error",
        "param": None,
        "code": None,
    }
}
AUTH_ERROR = {
    "error": {
        "message": "Incorrect API key provided.",
        "type": "invalid_request_error",
        "param": None,
        "code": "invalid_api_key",
    }
}
# What llama-cpp-python's server answers to response_format {"type": "json_schema"}.
JSON_SCHEMA_REJECTED = {
    "error": {
        "message": "1 validation error for CreateChatCompletionRequest\nresponse_format.type\n  Input should "
        "be 'text' or 'json_object' [type=literal_error, input_value='json_schema', "
        "input_type=str]",
        "type": "internal_server_error",
        "param": None,
        "code": None,
    }
}
# What llama-cpp-python's server answers when prompt and max_tokens exceed its context.
CONTEXT_EXCEEDED = {
    "error": {
        "message": "This model's maximum context length is 8192 tokens. However, you requested 12551 "
        "tokens (8455 in the messages, 4096 in the completion). Please reduce the length of "
        "the messages or completion.",
        "type": "invalid_request_error",
        "param": "messages",
        "code": "context_length_exceeded",
    }
}
TOOLS_REJECTED = {
    "error": {
        "message": "tools are not supported by this server",
        "type": "invalid_request_error",
        "param": "tools",
        "code": None,
    }
}

MALFORMED_JSON = '{"claims": [{"quote": "unterminated'
SCHEMA_VIOLATION = {"claims": [{"statement": 42}]}
INVENTED_SENTENCES = (
    "North Korea sent 99,999 troops to the Moon on Tuesday.",
    "Officials confirmed 12,345 penguins joined the parade on 31 February.",
    "A spokesman said 7,777 volcanoes erupted in Luxembourg overnight.",
)

FAULTS = frozenset(
    {
        "429",
        "500",
        "503",
        "401",
        "drop",
        "slow",
        "malformed",
        "schema",
        "invented",
        "too_long",
        "length",
        "length_loop",
        "retry_after",
        "trickle",
        "cut_body",
        "short_body",
        "empty",
        "html",
        "not_object",
        "bad_utf8",
        "error_200",
        "status",
        "redirect",
        "huge",
        "gzip_lie",
        "gzip_bomb",
        "wrong_tool",
        "no_choices",
        "null_content",
        "no_usage",
        "echo_key",
        "args_object",
        "content_number",
        "ansi",
        "huge_usage",
        "busy_tools",
        "deep_json",
        "utf16",
    }
)
# Faults that take a number after a colon ("slow:2"), those that need one, and the one whose
# argument is text passed on as it is.
_NUMBER_ARGUMENT = frozenset({"429", "slow", "trickle", "status", "redirect", "huge", "gzip_bomb", "ansi"})
_NEEDS_ARGUMENT = frozenset(
    {"slow", "trickle", "status", "redirect", "huge", "gzip_bomb", "retry_after", "ansi"}
)
_TEXT_ARGUMENT = frozenset({"retry_after"})
# The faults answered by FaultServer._answer_hostile.
HOSTILE = FAULTS - {"429", "500", "503", "401", "drop", "slow", "malformed", "schema", "invented", "too_long"}
REJECTABLE_MODES = frozenset({"json_schema", "tools"})

_ARTICLE = re.compile(r"^<article>[ \t]*\r?\n(.*)\r?\n</article>[ \t]*$", re.MULTILINE | re.DOTALL)
# A sentence ends at . ! or ? (perhaps followed by a closing quote) before a space and a capital.
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“‘'(])|(?<=[.!?][\"”’'])\s+(?=[A-Z\"“‘'(])")
_DIGIT = re.compile(r"\d")


def parse_fault(fault: str) -> tuple[str, float | None]:
    """'429:3' -> ('429', 3.0); 'slow:2' -> ('slow', 2.0); '500' -> ('500', None).
    A text argument ('retry_after:soon') is checked here and read with `fault_text`."""
    name, sep, arg = fault.partition(":")
    if name not in FAULTS:
        raise ValueError(f"unknown fault {fault!r}; expected one of {sorted(FAULTS)}")
    if name in _NEEDS_ARGUMENT and not sep:
        raise ValueError(f"the {name} fault needs an argument, e.g. '{name}:2'")
    if sep and name not in _NUMBER_ARGUMENT | _TEXT_ARGUMENT:
        raise ValueError(f"fault {name!r} takes no argument: {fault!r}")
    if not sep or name in _TEXT_ARGUMENT:
        return name, None
    try:
        seconds = float(arg)
    except ValueError:
        raise ValueError(f"fault {fault!r}: {arg!r} is not a number") from None
    if not seconds >= 0:
        raise ValueError(f"fault {fault!r}: the number must not be negative")
    if name in ("status", "redirect", "ansi") and not (seconds == int(seconds) and 100 <= seconds <= 999):
        raise ValueError(f"fault {fault!r}: not an HTTP status")
    if name == "redirect" and not 300 <= seconds < 400:
        raise ValueError(f"fault {fault!r}: a redirect is a 3xx status")
    return name, seconds


def fault_text(fault: str) -> str:
    """The text argument of a fault: 'retry_after:Wed, 21 Oct' -> 'Wed, 21 Oct'."""
    return fault.partition(":")[2]


def sentences(article: str) -> list[str]:
    """Sentences of the article, each an exact substring of it (never across a line break)."""
    found = []
    for line in article.splitlines():
        for piece in _SENTENCE_BREAK.split(line):
            piece = piece.strip()
            if piece:
                found.append(piece)
    return found


def pick_quotes(article: str, limit: int) -> list[str]:
    """The first `limit` sentences with a digit in them, or the first sentences if none has one."""
    every = sentences(article)
    with_digits = [s for s in every if _DIGIT.search(s)]
    return (with_digits or every)[: max(limit, 0)]


def claim(sentence: str) -> dict[str, Any]:
    return {
        "quote": sentence,
        "statement": sentence,
        "attributed_to": None,
        "stance": "reported",
        "quantities": [],
        "dates": [],
    }


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content parts: [{"type": "text", "text": ...}, ...]
        return "\n".join(
            part.get("text", "")
            for part in content
            if isinstance(part, dict) and isinstance(part.get("text"), str)
        )
    return ""


def find_article(body: dict[str, Any]) -> str | None:
    """The article from the first user message that has one (any message as a fallback)."""
    messages = [m for m in body.get("messages") or [] if isinstance(m, dict)]
    ordered = [m for m in messages if m.get("role") == "user"] + [
        m for m in messages if m.get("role") != "user"
    ]
    for message in ordered:
        match = _ARTICLE.search(_text_of(message.get("content")))
        if match:
            return match.group(1)
    return None


def _response_format_type(body: dict[str, Any]) -> str | None:
    response_format = body.get("response_format")
    if isinstance(response_format, dict):
        kind = response_format.get("type")
        return kind if isinstance(kind, str) else None
    return None


def _tool_name(body: dict[str, Any]) -> str:
    tools = body.get("tools")
    if isinstance(tools, list) and tools and isinstance(tools[0], dict):
        name = (tools[0].get("function") or {}).get("name")
        if isinstance(name, str) and name:
            return name
    choice = body.get("tool_choice")
    if isinstance(choice, dict):
        name = (choice.get("function") or {}).get("name")
        if isinstance(name, str) and name:
            return name
    return "ExtractionResponse"


_CLAIMS = re.compile(r"^<claims>[ \t]*\n(.*?)\n</claims>[ \t]*$", re.MULTILINE | re.DOTALL)


def claims_in_request(body: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The claim objects of a reconcile request (first user message), or None."""
    for message in body.get("messages") or []:
        if message.get("role") == "user" and isinstance(message.get("content"), str):
            match = _CLAIMS.search(message["content"])
            if match:
                return [json.loads(line) for line in match.group(1).splitlines()]
    return None


def figure(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:g}"


def careful_answer(claims: list[dict[str, Any]]) -> dict[str, Any]:
    by_group: dict[str, list[dict[str, Any]]] = collections.defaultdict(list)
    for item in claims:
        by_group[item["group"]].append(item)
    facts = []
    for members in by_group.values():
        independent = {m.get("republishes", m["source"]) for m in members}
        # Values of each kind of figure (unit and scope), claim by claim.
        values: dict[tuple[str, str | None], dict[str, set[float]]] = collections.defaultdict(
            lambda: collections.defaultdict(set)
        )
        for m in members:
            for number in m.get("numbers", []):
                values[(number["unit"], number.get("scope"))][m["id"]].add(number["value"])
        in_conflict = [
            kind
            for kind, by_claim in values.items()
            if len(by_claim) > 1 and len(set.union(*by_claim.values())) > 1
        ]
        if any(m["stance"] == "denied" for m in members):
            status = "disputed"
        elif in_conflict:
            status = "conflicting"
        elif len(independent) > 1:
            status = "corroborated"
        else:
            status = "single_source"
        if status == "conflicting":
            unit, scope = in_conflict[0]
            givers = []
            for value in sorted(set.union(*values[(unit, scope)].values())):
                who = [
                    m.get("by") or m["outlet"]
                    for m in members
                    if value in values[(unit, scope)].get(m["id"], set())
                ]
                givers.append(f"{figure(value)} ({', '.join(dict.fromkeys(who))})")
            statement = f"Sources give different figures for {unit}: " + "; ".join(givers) + "."
            explanation = "The sources count at different times and with different scopes."
        else:
            statement = members[0]["statement"]
            explanation = None
        facts.append(
            {
                "statement": statement,
                "status": status,
                "claim_ids": [m["id"] for m in members],
                "explanation": explanation,
            }
        )
    overview = [{"text": f["statement"], "claim_ids": f["claim_ids"]} for f in facts]
    return {"facts": facts, "overview": overview, "unused_sources": []}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # FaultServer.stop closes connections and joins handlers itself
    allow_reuse_address = False

    def __init__(self, owner: FaultServer) -> None:
        self.owner = owner
        super().__init__((HOST, 0), owner.handler_class)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that went away (timeout, drop) is expected here, not an error


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FaultServer/1.0"
    sys_version = ""
    timeout = 30  # an idle keep-alive connection is closed after this many seconds
    disable_nagle_algorithm = True  # headers and body go out as two writes: no 40 ms delayed-ACK stall
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def setup(self) -> None:
        super().setup()
        self.server.owner._register(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.owner._unregister(self.connection)

    # --- plumbing -----------------------------------------------------------------------------

    def _path(self) -> str:
        return self.path.split("?", 1)[0].rstrip("/")

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send_json(self, status: int, payload: Any, headers: Iterable[tuple[str, str]] = ()) -> None:
        owner = self.server.owner
        if owner.one_slot and self._client_gone():  # the answer was worked out for nobody
            owner._count_abandoned()
            self._drop()
            return
        data = json.dumps(payload).encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers:
                self.send_header(name, value)
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
        except OSError:  # the client gave up (e.g. its timeout ran out): nothing left to do
            self.close_connection = True

    def _send_raw(
        self,
        status: int,
        data: bytes,
        *,
        content_type: str | None = "application/json",
        headers: Iterable[tuple[str, str]] = (),
        content_length: int | None = None,
        send: int | None = None,
        trickle: float | None = None,
    ) -> None:
        """A response written as given: `content_length` may lie about `data`, only the first
        `send` bytes may go out (then the connection is closed), and `trickle` sends the
        whole response, status line included, one byte every that many seconds."""
        lines = [
            f"HTTP/1.1 {status} {self.responses.get(status, ('Unknown',))[0]}",
            f"Server: {self.version_string()}",
        ]
        if content_type is not None:
            lines.append(f"Content-Type: {content_type}")
        lines.append(f"Content-Length: {len(data) if content_length is None else content_length}")
        lines += [f"{name}: {value}" for name, value in headers]
        if send is not None or self.close_connection:
            lines.append("Connection: close")
            self.close_connection = True
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + data[:send]
        try:
            if trickle is None:
                self.wfile.write(raw)
                self.wfile.flush()
            else:
                for i in range(len(raw)):
                    if self.server.owner._stopping.wait(trickle) or self._client_gone():
                        self._drop()
                        return
                    self.wfile.write(raw[i : i + 1])
                    self.wfile.flush()
        except OSError:
            self.close_connection = True
            return
        if send is not None:
            self._drop()

    def _client_gone(self) -> bool:
        """True when the client has closed its end (it gave up waiting)."""
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            return bool(readable) and self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def _drop(self) -> None:
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _not_found(self) -> None:
        self._send_json(
            404,
            {
                "error": {
                    "message": f"Unknown request URL: {self.command} {self.path}",
                    "type": "invalid_request_error",
                    "param": None,
                    "code": "unknown_url",
                }
            },
        )

    # --- endpoints ----------------------------------------------------------------------------

    def do_GET(self) -> None:
        if self._path() == "/v1/models":
            self._send_json(200, MODELS_BODY)
        else:
            self._not_found()

    def do_POST(self) -> None:
        try:
            raw = self._read_body()
        except (OSError, ValueError):
            self.close_connection = True
            return
        if self._path() != "/v1/chat/completions":
            self._not_found()
            return
        self.server.owner._answer(self, raw)

    def do_PUT(self) -> None:
        self._read_body()
        self._not_found()

    do_DELETE = do_PATCH = do_PUT


class FaultServer:
    """A loopback OpenAI-compatible chat completions server; see the module docstring."""

    # What answers each connection: a server with more endpoints (tests/batch_server.py)
    # names a subclass.
    handler_class: type[BaseHTTPRequestHandler] = _Handler

    def __init__(
        self,
        latency: float = 0.0,
        reject_modes: Iterable[str] = frozenset(),
        claims_per_article: int = 5,
        one_slot: bool = False,
    ) -> None:
        unknown = set(reject_modes) - REJECTABLE_MODES
        if unknown:
            raise ValueError(
                f"unknown reject_modes {sorted(unknown)}; expected some of {sorted(REJECTABLE_MODES)}"
            )
        self.latency = float(latency)
        self.reject_modes = frozenset(reject_modes)
        self.claims_per_article = claims_per_article
        self.requests: list[dict[str, Any]] = []
        self.served: collections.Counter[str] = collections.Counter()
        self.in_flight = 0  # chat requests being answered right now (or queued, one_slot)
        self.max_in_flight = 0  # the most answered at once
        self.one_slot = one_slot
        self.skipped = 0  # one_slot: the client had gone before the request's turn came
        self.abandoned = 0  # one_slot: the client went away while its request was served
        self.duplicates = 0  # requests that arrived while the same body was queued or served
        self._held: collections.Counter[bytes] = collections.Counter()
        self._turns = threading.Condition() if one_slot else None
        self._next_ticket = 0
        self._now_serving = 0
        self._faults: collections.deque[str] = collections.deque()
        self._lock = threading.Lock()
        self._received = 0
        self._connections: set[socket.socket] = set()
        self._handlers: set[threading.Thread] = set()
        self._stopping = threading.Event()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None
        self.port: int | None = None

    # --- lifecycle ----------------------------------------------------------------------------

    def start(self) -> FaultServer:
        if self._httpd is not None:
            raise RuntimeError("FaultServer is already running")
        self._stopping.clear()
        self._httpd = _Server(self)
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.01},
            name=f"fault-server-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, thread = self._httpd, self._thread
        if httpd is None:
            return
        self._stopping.set()  # wakes handlers sleeping for latency or a slow fault
        if self._turns is not None:
            with self._turns:
                self._turns.notify_all()  # and the ones waiting for their turn
        httpd.shutdown()
        httpd.server_close()  # the listening socket: new connections are refused from here on
        with self._lock:
            connections, handlers = list(self._connections), list(self._handlers)
        for connection in connections:  # idle keep-alive connections: end them too
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for handler in handlers:
            handler.join(timeout=2)
        if thread is not None:
            thread.join(timeout=2)
        self._httpd = self._thread = None

    def __enter__(self) -> FaultServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._httpd is not None

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise RuntimeError("FaultServer has not been started")
        return f"http://{HOST}:{self.port}/v1"

    # --- test controls ------------------------------------------------------------------------

    def enqueue(self, *faults: str) -> None:
        for fault in faults:
            parse_fault(fault)  # fail here, in the test, not inside the server thread
        with self._lock:
            self._faults.extend(faults)

    @property
    def pending_faults(self) -> list[str]:
        with self._lock:
            return list(self._faults)

    @property
    def request_count(self) -> int:
        with self._lock:
            return self._received

    # --- internals ----------------------------------------------------------------------------

    def _register(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.add(connection)
            self._handlers.add(threading.current_thread())

    def _unregister(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.discard(connection)
            self._handlers.discard(threading.current_thread())

    def _count_abandoned(self) -> None:
        with self._lock:
            self.abandoned += 1

    def _count(self, outcome: str) -> None:
        with self._lock:
            self.served[outcome] += 1

    def _answer(self, handler: _Handler, raw: bytes) -> None:
        with self._lock:
            self._received += 1
            number = self._received
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            if self._held[raw]:
                self.duplicates += 1
            self._held[raw] += 1
        try:
            if self._turns is None:
                self._answer_chat(handler, raw, number)
            else:
                self._answer_in_turn(handler, raw, number)
        finally:
            with self._lock:
                self.in_flight -= 1
                self._held[raw] -= 1

    def _answer_in_turn(self, handler: _Handler, raw: bytes, number: int) -> None:
        assert self._turns is not None
        with self._turns:
            ticket = self._next_ticket
            self._next_ticket += 1
            self._turns.wait_for(lambda: self._now_serving == ticket or self._stopping.is_set())
        try:
            if self._stopping.is_set():
                handler._drop()
            elif handler._client_gone():
                with self._lock:
                    self.skipped += 1
                handler._drop()
            else:
                self._answer_chat(handler, raw, number)
        finally:
            with self._turns:
                self._now_serving += 1
                self._turns.notify_all()

    def _answer_chat(self, handler: _Handler, raw: bytes, number: int) -> None:
        try:
            body = json.loads(raw.decode("utf-8"))
            if not isinstance(body, dict):
                raise ValueError("not an object")
        except (UnicodeDecodeError, ValueError):
            self._count("bad_request")
            handler._send_json(
                400,
                {
                    "error": {
                        "message": "The request body is not a JSON object.",
                        "type": "invalid_request_error",
                        "param": None,
                        "code": None,
                    }
                },
            )
            return
        with self._lock:
            self.requests.append(body)

        if self.latency > 0 and self._stopping.wait(self.latency):
            handler._drop()  # the server is stopping
            return

        if "json_schema" in self.reject_modes and _response_format_type(body) == "json_schema":
            self._count("rejected_mode")
            handler._send_json(500, JSON_SCHEMA_REJECTED)
            return
        if "tools" in self.reject_modes and body.get("tools"):
            self._count("rejected_mode")
            handler._send_json(400, TOOLS_REJECTED)
            return

        with self._lock:
            fault = self._faults.popleft() if self._faults else None
        name, seconds = parse_fault(fault) if fault else ("ok", None)

        if name == "429":
            self._count("429")
            retry_after = "1" if seconds is None else f"{seconds:g}"
            handler._send_json(429, RATE_LIMIT_ERROR, [("Retry-After", retry_after)])
        elif name in ("500", "503"):
            self._count(name)
            handler._send_json(int(name), SERVER_ERROR)
        elif name == "401":
            self._count("401")
            handler._send_json(401, AUTH_ERROR)
        elif name == "too_long":
            self._count("too_long")
            handler._send_json(400, CONTEXT_EXCEEDED)
        elif name == "drop":
            self._count("drop")
            handler._drop()
        elif name == "slow":
            self._count("slow")
            if self._stopping.wait(seconds or 0.0):
                handler._drop()
                return
            handler._send_json(200, self._completion(body, raw, number, self._claims_json(body)))
        elif name == "malformed":
            self._count("malformed")
            handler._send_json(200, self._completion(body, raw, number, MALFORMED_JSON))
        elif name == "schema":
            self._count("schema")
            handler._send_json(200, self._completion(body, raw, number, json.dumps(SCHEMA_VIOLATION)))
        elif name == "invented":
            self._count("invented")
            handler._send_json(200, self._completion(body, raw, number, self._invented_json(body)))
        elif name in HOSTILE:
            self._count(name)
            self._answer_hostile(handler, body, raw, number, fault or name, seconds)
        else:
            self._count("ok")
            handler._send_json(200, self._completion(body, raw, number, self._claims_json(body)))

    def _answer_hostile(
        self,
        handler: _Handler,
        body: dict[str, Any],
        raw: bytes,
        number: int,
        fault: str,
        number_argument: float | None,
    ) -> None:
        name = fault.partition(":")[0]
        normal = self._claims_json(body)

        def completion_bytes(answer: str = normal, **changes: Any) -> bytes:
            payload = self._completion(body, raw, number, answer)
            payload.update(changes)
            return json.dumps(payload).encode("utf-8")

        if name == "length":
            cut = normal[: len(normal) * 3 // 4]
            payload = self._completion(body, raw, number, cut)
            payload["choices"][0]["finish_reason"] = "length"
            handler._send_json(200, payload)
        elif name == "length_loop":
            article = find_article(body) or ""
            first = (pick_quotes(article, 1) or ["Nothing."])[0]
            looped = '{"claims": [' + ", ".join([json.dumps(claim(first))] * 60)
            looped = looped[: len(looped) - 40]  # cut inside the last repeat
            payload = self._completion(body, raw, number, looped)
            payload["choices"][0]["finish_reason"] = "length"
            handler._send_json(200, payload)
        elif name == "retry_after":
            handler._send_json(429, RATE_LIMIT_ERROR, [("Retry-After", fault_text(fault))])
        elif name == "trickle":
            handler._send_raw(200, completion_bytes(), trickle=number_argument)
        elif name == "cut_body":
            data = completion_bytes()
            handler._send_raw(200, data[: len(data) // 2])
        elif name == "short_body":
            data = completion_bytes()
            handler._send_raw(200, data, send=len(data) // 2)
        elif name == "empty":
            handler._send_raw(200, b"")
        elif name == "html":
            handler._send_raw(
                200,
                b"<!doctype html><html><body><h1>Welcome</h1></body></html>",
                content_type="text/html; charset=utf-8",
            )
        elif name == "not_object":
            handler._send_raw(200, b'["not", "an", "object"]')
        elif name == "bad_utf8":
            data = completion_bytes()
            handler._send_raw(200, data.replace(b'"chatcmpl-', b'"chatcmpl-\xff\xfe', 1))
        elif name == "error_200":
            handler._send_json(200, {"error": {"message": "upstream model crashed", "type": "server_error"}})
        elif name == "status":
            code = int(number_argument or 0)
            if code < 200 or code in (204, 304):
                handler._send_raw(code, b"", content_type=None)
            else:
                handler._send_json(
                    code, {"error": {"message": f"the server says {code}", "type": "odd_status"}}
                )
        elif name == "redirect":
            location = f"http://{HOST}:{self.port}{handler.path}"
            handler._send_raw(
                int(number_argument or 307), b"", content_type=None, headers=[("Location", location)]
            )
        elif name == "huge":
            data = completion_bytes()
            size = int((number_argument or 0) * 1024 * 1024)
            # Whitespace after the JSON value: still valid JSON, only far too big.
            handler._send_raw(200, data + b" " * max(size - len(data), 0))
        elif name == "gzip_lie":
            handler._send_raw(200, completion_bytes(), headers=[("Content-Encoding", "gzip")])
        elif name == "gzip_bomb":
            bomb = gzip.compress(b" " * int((number_argument or 0) * 1024 * 1024), compresslevel=9)
            handler._send_raw(200, bomb, headers=[("Content-Encoding", "gzip")])
        elif name == "wrong_tool":
            payload = self._completion(body, raw, number, normal)
            message = payload["choices"][0]["message"]
            if message.get("tool_calls"):
                message["tool_calls"][0]["function"]["name"] = "transfer_funds"
            handler._send_json(200, payload)
        elif name == "no_choices":
            handler._send_raw(200, completion_bytes(choices=[]))
        elif name == "null_content":
            payload = self._completion(body, raw, number, normal)
            payload["choices"][0]["message"] = {"role": "assistant", "content": None}
            payload["choices"][0]["finish_reason"] = "stop"
            handler._send_json(200, payload)
        elif name == "no_usage":
            payload = self._completion(body, raw, number, normal)
            del payload["usage"]
            handler._send_json(200, payload)
        elif name == "args_object":
            payload = self._completion(body, raw, number, normal)
            message = payload["choices"][0]["message"]
            if message.get("tool_calls"):
                message["tool_calls"][0]["function"]["arguments"] = json.loads(normal)
            else:
                message["content"] = json.loads(normal)
            handler._send_json(200, payload)
        elif name == "content_number":
            payload = self._completion(body, raw, number, normal)
            payload["choices"][0]["message"] = {"role": "assistant", "content": 42}
            handler._send_json(200, payload)
        elif name == "ansi":
            handler._send_json(
                int(number_argument or 500),
                {
                    "error": {
                        "message": "\x1b[2J\x1b]0;owned\x07Rate \u202elimit\u202c reached\r\nX-Injected: 1",
                        "type": "server_error",
                    }
                },
            )
        elif name == "deep_json":
            deep = '{"claims": ' + "[" * 100_000 + "]" * 100_000 + "}"
            handler._send_json(200, self._completion(body, raw, number, deep))
        elif name == "utf16":
            handler._send_raw(
                200,
                completion_bytes().decode("utf-8").encode("utf-16"),
                content_type="application/json; charset=utf-16",
            )
        elif name == "busy_tools":
            handler._send_json(
                503, {"error": {"message": "all tools workers are busy; try again", "type": "server_error"}}
            )
        elif name == "huge_usage":
            payload = self._completion(body, raw, number, normal)
            payload["usage"] = {"prompt_tokens": 10**400, "completion_tokens": "many", "total_tokens": -1}
            handler._send_json(200, payload)
        elif name == "echo_key":
            key = (handler.headers.get("Authorization") or "").removeprefix("Bearer ").strip()
            echoed = dict(
                claim(f"The key is {key} and nobody said so."),
                attributed_to=key,
                statement=f"The server knows {key}.",
            )
            handler._send_json(200, self._completion(body, raw, number, json.dumps({"claims": [echoed]})))
        else:
            raise AssertionError(f"unhandled fault {fault!r}")

    def _claims_json(self, body: dict[str, Any]) -> str:
        claims = claims_in_request(body)
        if claims is not None:  # a reconcile request
            return json.dumps(careful_answer(claims))
        article = find_article(body)
        quotes = pick_quotes(article, self.claims_per_article) if article is not None else []
        return json.dumps({"claims": [claim(q) for q in quotes]})

    def _invented_json(self, body: dict[str, Any]) -> str:
        article = find_article(body) or ""
        count = max(1, len(pick_quotes(article, self.claims_per_article)))
        invented = [s for s in INVENTED_SENTENCES if s not in article] or ["Zz 0 qq."]
        return json.dumps({"claims": [claim(invented[i % len(invented)]) for i in range(count)]})

    @staticmethod
    def _completion(body: dict[str, Any], raw: bytes, number: int, answer: str) -> dict[str, Any]:
        if body.get("tools"):
            message: dict[str, Any] = {
                "content": None,
                "role": "assistant",
                "tool_calls": [
                    {
                        "id": f"call_{number}",
                        "type": "function",
                        "function": {"name": _tool_name(body), "arguments": answer},
                    }
                ],
            }
            finish_reason = "tool_calls"
        elif _response_format_type(body) in ("json_schema", "json_object"):
            message = {"content": answer, "role": "assistant"}
            finish_reason = "stop"
        else:
            message = {"content": "```json\n" + answer + "\n```", "role": "assistant"}
            finish_reason = "stop"
        prompt_tokens, completion_tokens = len(raw) // 4, len(answer) // 4
        return {
            "id": f"chatcmpl-fault{number:06d}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model") or MODEL_ID,
            "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish_reason}],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }
