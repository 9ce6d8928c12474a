"""The model client: the only module that imports openai and instructor (network I/O).

One structured call = instructor's bounded re-asks (a reply that fails validation is sent
back with the error) inside tenacity's bounded retries of transient faults (429 honouring
Retry-After, 5xx, timeouts, dropped connections). The re-asks are instructor's loop run
here from its own parts (its request preparation, made once per response model and format,
its parser and its re-ask handler), the body sent by openai's client as it is: the same
bytes as through instructor's client, without its per-call work (ModelClient._ask).
openai's own retry layer is off (max_retries=0), so no request is ever retried by two
layers. 401/403/404 and other 4xx fail at once with a one-line ModelRefusedError. A refused
connection or a host name that is not known fails at once with ModelUnreachableError, and
the client sends nothing more: no request of the run could reach the server.

The request format (instructor mode) defaults by endpoint: `tools` for OpenAI itself,
`json_schema` for other OpenAI-compatible servers. When a server rejects that format, the
client falls back once to the next mode, says so in one line, and keeps it for the run:
RequestFormats is shared by the run's extraction and reconcile clients.

A reply cut off at the token cap (finish_reason "length", instructor's
IncompleteOutputException) is asked for once more with twice the cap, unless it was
repeating itself; cut off again, or refused the higher cap, its whole items before the cut
are the answer, returned like one whose re-asks ran out (StructuredReply.cut_off says so).

Every HTTP request, re-asks and retries included, goes through PacedHttpClient: it takes a
slot from the run's AdaptiveLimit (synth.adaptive_limit), which halves the requests in
flight when the server shows it is saturated and says so in one line, and it bounds the
request as a whole (connecting, waiting, reading) by Settings.request_timeout, while
connecting alone is bounded by CONNECT_TIMEOUT_SECONDS so that a dead server is found
within seconds. It also counts each request that reached the server, whatever came back;
reads at most MAX_ANSWER_BYTES of an answer; replaces configured secrets echoed in it; and
turns a 2xx that is no chat completion, or a redirect, into one line (synth.wire judges).
Nothing a server sends is shown unscrubbed or with its control characters (_short).
"""

from __future__ import annotations

import asyncio
import contextvars
import copy
import functools
import inspect
import json
import logging
import math
import os
import random
import re
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar
from urllib.parse import urlparse

import instructor
import openai
from instructor.core.exceptions import IncompleteOutputException
from instructor.v2.core.retry import _RETRYABLE_PARSE_ERRORS
from openai.resources.chat.completions import AsyncCompletions
from openai.types.chat import ChatCompletion
from pydantic import BaseModel
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from synth.adaptive_limit import AdaptiveLimit, Outcome, Slot, Slowdown
from synth.config import Settings
from synth.errors import (
    ConfigError,
    ModelError,
    ModelRefusedError,
    ModelUnreachableError,
    RequestTooLongError,
)
from synth.models import Usage
from synth.salvage import before_the_cut, looks_looping
from synth.text import printable
from synth.wire import (
    completion_problem,
    display_url,
    repaired_utf8,
    retry_after_seconds,
    retry_delay,
    scrub_bytes,
    strip_url_credentials,
    url_secrets,
)

T = TypeVar("T", bound=BaseModel)

MODE_CHAINS = {"openai": ("tools", "json_schema"), "compatible": ("json_schema", "tools")}
_INSTRUCTOR_MODES = {
    "tools": instructor.Mode.TOOLS,
    "json_schema": instructor.Mode.JSON_SCHEMA,
    "json": instructor.Mode.JSON,
    "md_json": instructor.Mode.MD_JSON,
}
# Words in a rejection that mean "this request format", not "this request", was refused.
_FORMAT_WORDS = re.compile(
    r"response_format|json_schema|json_object|\btools?\b|tool_choice|"
    r"function[ _]call",
    re.I,
)
_CONTEXT_TOO_LONG = re.compile(
    r"context[ _]length|maximum context|too many tokens|"
    r"reduce the length",
    re.I,
)
_KEY_LIKE = re.compile(r"sk-[A-Za-z0-9_*\-]{3,}")
# What an API key may be made of: printable ASCII without spaces.
_HEADER_SAFE = re.compile(r"[\x21-\x7e]+")
MAX_RETRY_AFTER_SECONDS = 60.0
# No answer of a few thousand tokens comes near this; a server sending more (a padded body, a
# gzip bomb) is stopped here, before the whole of it is in memory.
MAX_ANSWER_BYTES = 16 * 1024 * 1024
# More tokens than any model's context holds: a usage count above it is not believed.
MAX_TOKENS_PER_ANSWER = 100_000_000
# A reply cut off at the token cap is asked for once more with this many times the cap.
CUT_OFF_CAP_FACTOR = 2
# A server that does not accept a connection in this time is down or unreachable; one that
# accepted the request gets the whole Settings.request_timeout to answer it.
CONNECT_TIMEOUT_SECONDS = 5.0
CONNECTION_REFUSED = "connection refused"
# Statuses that mean "too much at once", not "this request is wrong".
_BUSY_STATUSES = frozenset({429, 503, 504})
# How much of a request's time its prompt takes, per token, against a token of the answer:
# llama.cpp on two cores reads 150-190 prompt tokens/s and writes 35-56 (BENCHMARKS.md).
PROMPT_TOKEN_WORK = 0.25
# An answer that took less than this share of the request's bound is never called slow:
# differences that small are the client's own scheduling, not a queue at the server.
SLOW_ANSWER_SHARE_OF_BOUND = 1 / 20
# Set for an attempt that repeats one whose request timed out: it waits to go alone.
_REPEATS_A_TIMEOUT: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "synth_repeats_a_timeout", default=False
)
# The Usage of the one structured call under way in this task, besides the client's own.
_CALL_USAGE: contextvars.ContextVar[Usage | None] = contextvars.ContextVar("synth_call_usage", default=None)


@dataclass(frozen=True)
class ModelRequest:
    """One structured request as it is sent, apart from where (the endpoint) and in which
    request format (the mode): the client sends exactly these values, and a cache key made of
    `key_parts()` therefore covers every one of them, a field added here included."""

    model: str
    messages: list[dict[str, str]]
    response_model: type[BaseModel]
    temperature: float
    seed: int | None
    max_tokens: int  # the token cap of one answer
    max_reasks: int  # how many times a reply that fails validation is sent back

    def key_parts(self) -> dict[str, Any]:
        """Every field as JSON, the response model as the JSON Schema that is sent."""
        parts = {f.name: getattr(self, f.name) for f in fields(self)}
        parts["response_model"] = response_schema(self.response_model)
        return parts


@functools.cache
def response_schema(response_model: type[BaseModel]) -> dict[str, Any]:
    """A response model's own JSON Schema, made once per process (pydantic makes it anew on
    every call: most of a request's CPU when a cache key was made of it), read-only."""
    return _read_only(response_model.model_json_schema())  # type: ignore[no-any-return]


@dataclass
class StructuredReply:
    value: BaseModel | None
    mode: str
    # Set when re-asks ran out: the last reply's text, for the caller to salvage or report.
    # For a reply cut off at the token cap, its whole items before the cut, as an object.
    unvalidated: Any = None
    error: str | None = None
    # How many re-asks (a failed answer sent back with the reason) actually ran.
    reasks: int = 0
    # Set when the reply was cut off at the token cap: the caps it ran into, in words.
    cut_off: str | None = None


def endpoint_kind(base_url: str | None) -> str:
    host = urlparse(base_url).hostname if base_url else "api.openai.com"
    host = host or ""
    return "openai" if host.endswith("openai.com") or host.endswith("openai.azure.com") else "compatible"


def mode_chain(settings: Settings) -> tuple[str, ...]:
    if settings.mode:
        return (settings.mode,)
    return MODE_CHAINS[endpoint_kind(settings.base_url)]


# Keys of this process's clients, whatever their shape, and credentials written into their
# base URLs, so that an echo is scrubbed too.
_CONFIGURED_KEYS: set[str] = set()
# Shorter secrets are not looked for in text: "***" in place of every "api" would garble it.
MIN_SECRET_CHARS = 8
MIN_URL_PASSWORD_CHARS = 4


def scrub(message: str) -> str:
    """Error text from a server can echo a key or part of it, or a URL with credentials;
    never pass that on."""
    if "sk-" in message:  # most text has none: a long one is not scanned by the pattern
        message = _KEY_LIKE.sub("sk-***", message)
    message = strip_url_credentials(message)
    for key in sorted(_CONFIGURED_KEYS, key=len, reverse=True):  # "user:pw" before "pw"
        message = message.replace(key, "***")
    return message


def _remember_secrets(api_key: str | None, base_url: str | None) -> None:
    if api_key and len(api_key) >= MIN_SECRET_CHARS:
        _CONFIGURED_KEYS.add(api_key)
    users, passwords = url_secrets(base_url)
    # A user name is looked for only when it is long enough to be a key ("sk-…@host").
    _CONFIGURED_KEYS.update(u for u in users if len(u) >= MIN_SECRET_CHARS)
    _CONFIGURED_KEYS.update(p for p in passwords if len(p) >= MIN_URL_PASSWORD_CHARS)


# The request format each endpoint and model took, learned by this process's runs; also kept
# in FORMATS_FILE beside the cache (not with --no-cache), so a later run starts in it.
_LEARNED_FORMATS: dict[str, str] = {}
FORMATS_FILE = "request_formats.json"


def forget_request_formats() -> None:
    """Forgets the formats this process learned (the file beside a cache is kept)."""
    _LEARNED_FORMATS.clear()


class RequestFormats:
    """The request format an endpoint takes, learned once and shared by the clients of one
    run (extraction's and reconcile's), so that a rejected format is said once and never
    asked in again; remembered per endpoint and model, in this process and beside the cache,
    so a later run starts in it."""

    def __init__(self, settings: Settings) -> None:
        self.chain = mode_chain(settings)
        self.forced = settings.mode is not None
        self.index = 0
        # Until one request has gone through, requests go one at a time, so a server that
        # rejects the default format is asked in that format once, not once per article;
        # a format remembered from an earlier run needs no such first request.
        self.confirmed = False
        url = display_url(settings.base_url or "https://api.openai.com/v1")
        self._key = json.dumps([url, settings.model, list(self.chain)])
        self._file = (
            Path(settings.cache_dir) / FORMATS_FILE
            if settings.cache_dir is not None and settings.use_cache
            else None
        )
        known = _LEARNED_FORMATS.get(self._key) or self._remembered().get(self._key)
        if known in self.chain:
            self.index = self.chain.index(known)
            self.confirmed = True
        # A remembered format the endpoint now rejects falls back to the ones before it too.
        self._tried = {self.mode}

    @property
    def mode(self) -> str:
        return self.chain[self.index]

    def fall_back(self, rejected: str) -> bool:
        """Moves past a rejected format; True when this call moved (say so), False when
        another request already did or there is nothing to move to."""
        untried = [mode for mode in self.chain if mode not in self._tried]
        if rejected != self.mode or not untried:
            return False
        self.index = self.chain.index(untried[0])
        self._tried.add(self.mode)
        return True

    def accepted(self, mode: str) -> None:
        """The endpoint took a request in `mode`: remembered, when it is the run's format."""
        if mode != self.mode or _LEARNED_FORMATS.get(self._key) == mode:
            return
        _LEARNED_FORMATS[self._key] = mode
        if self._file is None:
            return
        known = self._remembered()
        if known.get(self._key) == mode:
            return
        known[self._key] = mode
        try:  # a file that cannot be written costs a later run one lone first request
            self._file.parent.mkdir(parents=True, exist_ok=True)
            partial = self._file.with_name(f".{FORMATS_FILE}.{os.getpid()}")
            partial.write_text(json.dumps(known, indent=1, sort_keys=True), encoding="utf-8")
            os.replace(partial, self._file)
        except OSError:
            pass

    def _remembered(self) -> dict[str, str]:
        if self._file is None:
            return {}
        try:
            known = json.loads(self._file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(known, dict):
            return {}
        return {key: mode for key, mode in known.items() if isinstance(key, str) and isinstance(mode, str)}


class ModelClient:
    """Structured calls against one OpenAI-compatible endpoint, shared by a whole stage."""

    def __init__(
        self,
        settings: Settings,
        note: Callable[[str], None] | None = None,
        retry_base_delay: float = 0.5,
        retry_max_delay: float = 20.0,
        formats: RequestFormats | None = None,
    ) -> None:
        if not settings.model:
            raise ConfigError("no model configured: set SYNTH_MODEL or pass --model")
        # Only scheme, host, port and path are ever shown: never credentials in the URL.
        self.url = display_url(settings.base_url or "https://api.openai.com/v1")
        # A key pasted with its newline would fail every request as "Connection error.",
        # and the HTTP library's debug log of that failure quotes the header, key and all.
        api_key = (settings.api_key or "").strip()
        _remember_secrets(api_key, settings.base_url)
        if api_key and not _HEADER_SAFE.fullmatch(api_key):
            raise ConfigError(
                "the API key holds characters an HTTP header cannot carry "
                "(a space, a control character or a non-ASCII letter)"
            )
        if not api_key:
            if endpoint_kind(settings.base_url) == "openai":
                raise ConfigError(f"OPENAI_API_KEY is not set; it is needed for {self.url}")
            api_key = "not-needed"  # local servers ignore it, but the client requires one
        self.settings = settings
        self.formats = formats or RequestFormats(settings)
        self._note = note or (lambda _line: None)
        self._retry_base_delay = retry_base_delay
        self._retry_max_delay = retry_max_delay
        self.limit = AdaptiveLimit(
            settings.concurrency, min_slow_seconds=settings.request_timeout * SLOW_ANSWER_SHARE_OF_BOUND
        )
        # Counted for every HTTP request that reached the server, re-asks and retries
        # included, whatever came back (instructor #2391: its hooks miss some).
        self.usage = Usage()
        self._http = PacedHttpClient(
            self.limit,
            settings.request_timeout,
            on_slowdown=self._say_slowdown,
            on_request=self._count_request,
        )
        self._openai = openai.AsyncOpenAI(
            api_key=api_key,
            base_url=settings.base_url,
            timeout=self._http.timeout,
            max_retries=0,
            http_client=self._http,
        )
        self._probe_lock: asyncio.Lock | None = None
        # Set when the server could not be reached at all: later calls fail without a request.
        self._unreachable: str | None = None

    @property
    def mode(self) -> str:
        return self.formats.mode

    @property
    def modes(self) -> tuple[str, ...]:
        return self.formats.chain

    @property
    def forced(self) -> bool:
        return self.formats.forced

    def _counted(self) -> list[Usage]:
        """The client's usage, and the current call's when one is counted apart."""
        call = _CALL_USAGE.get()
        return [self.usage] if call is None else [self.usage, call]

    def _count_request(self) -> None:
        for usage in self._counted():
            usage.requests += 1

    def _count_tokens(self, response: Any) -> None:
        reported = getattr(response, "usage", None)
        if reported is not None:
            for usage in self._counted():
                usage.prompt_tokens += _token_count(getattr(reported, "prompt_tokens", 0))
                usage.completion_tokens += _token_count(getattr(reported, "completion_tokens", 0))

    async def structured(self, request: ModelRequest, usage: Usage | None = None) -> StructuredReply:
        """One structured answer, with bounded re-asks and bounded transient retries. Every
        request, re-ask and retry it makes is counted in the client's usage and in `usage`
        (the hooks that count run in this task, so concurrent calls count apart).

        No validation context is passed to instructor: given one, it renders every message as
        a Jinja template (instructor #2669). A validator that needs the request's data reads a
        ContextVar its caller sets (synth.validation_data.validating_against)."""
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.settings.max_retries + 1),
            wait=self._wait,
            retry=retry_if_exception(is_transient),
            reraise=True,
            before_sleep=self._count_retry,
        )
        # Answers that failed validation before a re-ask of them failed, latest last.
        reasked: list[Any] = []
        repeats_a_timeout = False
        attempts = 0
        counting = _CALL_USAGE.set(usage)
        try:
            async for attempt in retrying:
                with attempt:
                    attempts += 1
                    marker = _REPEATS_A_TIMEOUT.set(repeats_a_timeout)
                    try:
                        return await self._call(request, reasked)
                    except Exception as error:
                        repeats_a_timeout = abandoned_by_timeout(error)
                        raise
                    finally:
                        _REPEATS_A_TIMEOUT.reset(marker)
        except (openai.APIError, openai.APIConnectionError) as error:
            reason = (
                _timeout_reason(error, self.settings.request_timeout)
                if isinstance(error, openai.APITimeoutError)
                else _reason(error)
            )
            failed = f"kept failing after {attempts} attempts" if attempts > 1 else "failed"
            raise ModelError(
                f"{self.url} {failed}: {reason}", last_answer=reasked[-1] if reasked else None
            ) from None
        finally:
            _CALL_USAGE.reset(counting)
        raise AssertionError("unreachable: tenacity either returns or raises")

    async def _call(self, request: ModelRequest, reasked: list[Any]) -> StructuredReply:
        if not self.formats.confirmed:
            self._probe_lock = self._probe_lock or asyncio.Lock()
            async with self._probe_lock:
                if not self.formats.confirmed:
                    reply = await self._call_in_mode(request, reasked)
                    self.formats.confirmed = True
                    return reply
        return await self._call_in_mode(request, reasked)

    async def _call_in_mode(self, request: ModelRequest, reasked: list[Any]) -> StructuredReply:
        """One attempt; a rejected request format switches mode once and asks again, and a
        reply cut off at the token cap is asked for once more with a higher cap. An answer
        whose re-ask failed is added to `reasked`."""
        cap = request.max_tokens
        caps: list[int] = []  # the caps replies were cut off at
        first_cut: Any = None  # that first cut-off reply, while a higher cap is tried
        while True:
            if self._unreachable:  # also for calls that were waiting when it was found
                raise ModelUnreachableError(self._unreachable)
            mode = self.mode
            try:
                reply = await self._ask(request, mode, cap, reasked)
                self.formats.accepted(mode)
                return reply
            except IncompleteOutputException as error:
                self.formats.accepted(mode)
                text = _completion_text(getattr(error, "last_completion", None))
                caps.append(cap)
                # A model looping until the cap would only loop longer with a higher one.
                looping = looks_looping(text if isinstance(text, str) else "")
                if first_cut is None and not looping:
                    first_cut, cap = text, cap * CUT_OFF_CAP_FACTOR
                    continue
                return _cut_off_reply(
                    mode,
                    text,
                    caps,
                    note="it was repeating itself; not asked again" if looping and len(caps) == 1 else "",
                )
            except (openai.APIError, openai.APIConnectionError) as error:
                api_error: Exception = error
            if first_cut is not None:
                # The higher cap was refused (longer than the context, say) or failed: what
                # came before the first cut is the answer.
                return _cut_off_reply(
                    mode,
                    first_cut,
                    caps,
                    note=f"asking again with a cap of {cap:,} failed: {_reason(api_error)}",
                )
            if self._is_format_rejection(api_error):
                if self.forced:
                    raise ModelRefusedError(
                        f"{self.url} rejected the '{mode}' request format (--mode {mode}): "
                        f"{_reason(api_error)}"
                    ) from None
                if self.formats.fall_back(mode):
                    self._note(
                        f"synth: {self.url} does not accept the '{mode}' request format "
                        f"({_reason(api_error)}); using '{self.mode}' for the rest of "
                        "the run"
                    )
                if mode != self.mode:
                    continue  # the other mode, at once: a format switch is not a fault
            self._stop_if_unreachable(api_error)
            _raise_if_refused(
                api_error, self.url, self.settings.model, last_answer=reasked[-1] if reasked else None
            )
            raise api_error

    async def _ask(self, request: ModelRequest, mode: str, cap: int, reasked: list[Any]) -> StructuredReply:
        """One request with its bounded re-asks, as instructor's client runs it (its
        `retry_async_v2`), from instructor's own parts: the body its request preparation
        makes, its response parser for the mode, its re-ask handler. Sent through openai's
        client as its `chat.completions.create` sends it, without remaking the body per
        request: instructor's client walks the response model's types on every call
        (`reject_async_validators`, run once per model here) and openai walks the body
        against its parameter types (most of a request's CPU between them, BENCHMARKS.md).

        A reply cut off at the token cap raises instructor's IncompleteOutputException, an
        error from the API is raised once the last answer that failed validation is added to
        `reasked`; an answer that still fails validation after `max_reasks` re-asks, or that
        fails in a way a re-ask cannot mend, is returned unvalidated with the reason."""
        shape = _request_shape(request.response_model, mode)
        body = shape.body(request, cap)
        attempts = max(request.max_reasks, 0) + 1
        failed: Any = None  # the last completion whose answer failed validation
        for attempt in range(1, attempts + 1):
            try:
                completion = await self._openai.post(
                    "/chat/completions",
                    cast_to=ChatCompletion,
                    body=_in_sent_order(body),
                    options=_SENT_OPTIONS,
                )
            except Exception as error:
                _INSTRUCTOR_RETRY_LOG.error("API call failed on attempt %d: %s", attempt, error)
                _log_gave_up(attempt, error)
                if not isinstance(error, (openai.APIError, openai.APIConnectionError)):
                    return _unvalidated_reply(mode, failed, error, attempt, request.max_reasks)
                text = _completion_text(failed)
                if text is not None:
                    reasked.append(text)
                raise
            self._count_tokens(completion)
            try:
                value = shape.handlers.response_parser(
                    response=completion,
                    response_model=shape.model,
                    validation_context=None,
                    strict=True,  # what instructor's client validates with, unless told otherwise
                    stream=False,
                    is_async=True,
                )
            except IncompleteOutputException:
                raise
            except _REASKED_ERRORS as error:
                failed = completion
                try:  # instructor prepares the re-ask before it knows whether one is left
                    body = shape.handlers.reask_handler(kwargs=body, response=completion, exception=error)
                except Exception as reask_error:
                    _log_gave_up(attempt, reask_error)
                    return _unvalidated_reply(mode, failed, reask_error, attempt, request.max_reasks)
                if attempt == attempts:
                    _log_gave_up(attempt, error)
                    return _unvalidated_reply(mode, failed, error, attempt, request.max_reasks)
                continue
            except Exception as error:  # not mended by a re-ask (a refusal, an answer of no shape)
                _log_gave_up(attempt, error)
                return _unvalidated_reply(mode, failed, error, attempt, request.max_reasks)
            return StructuredReply(value=value, mode=mode)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _stop_if_unreachable(self, error: Exception) -> None:
        why = unreachable_reason(error, urlparse(self.url).hostname or self.url)
        if why is None:
            return
        advice = "start it" if why == CONNECTION_REFUSED else "check the address"
        self._unreachable = self._unreachable or (
            f"no model server at {self.url} ({why}): {advice}, or run with --offline"
        )
        raise ModelUnreachableError(self._unreachable) from None

    def _count_retry(self, retry_state: RetryCallState) -> None:
        self.usage.retries += 1

    def _say_slowdown(self, slowdown: Slowdown) -> None:
        count = f"{slowdown.limit} request{'s' if slowdown.limit > 1 else ''}"
        self._note(f"synth: {self.url} is slow ({slowdown.reason}): {count} at a time")

    def _wait(self, retry_state: RetryCallState) -> float:
        error = retry_state.outcome.exception() if retry_state.outcome else None
        response = getattr(error, "response", None)
        return retry_delay(
            retry_after_seconds(getattr(response, "headers", None), time.time()),
            retry_state.attempt_number,
            self._retry_base_delay,
            self._retry_max_delay,
            MAX_RETRY_AFTER_SECONDS,
            random.uniform,
        )

    def _is_format_rejection(self, error: Exception) -> bool:
        if not isinstance(error, openai.APIStatusError):
            return False
        # llama-cpp-python answers 500, others 400, 422 or 501; a 502, 503 or 504 is a
        # gateway or a busy server, whatever its message says about tools.
        if error.status_code in (400, 422, 500, 501):
            return bool(_FORMAT_WORDS.search(_reason(error)))
        return False

    async def close(self) -> None:
        await self._openai.close()


def _sent(request: ModelRequest, max_tokens: int) -> dict[str, Any]:
    """The chat completion arguments of `request` with this token cap, as they are sent."""
    return {
        "model": request.model,
        "messages": request.messages,
        "temperature": request.temperature,
        "max_tokens": max_tokens,
        **({"seed": request.seed} if request.seed is not None else {}),
    }


def _cut_off_reply(mode: str, text: Any, caps: list[int], note: str = "") -> StructuredReply:
    """A reply cut off at the token cap: its whole items before the cut, for the caller to
    check like any unvalidated answer, and the caps it ran into in words ("4,096 tokens, and
    again at 8,192")."""
    said = f"{caps[0]:,} tokens" + "".join(f", and again at {c:,}" for c in caps[1:])
    if note:
        said += f" ({note})"
    return StructuredReply(
        value=None,
        mode=mode,
        unvalidated=before_the_cut(text)
        if isinstance(text, str)
        else text
        if isinstance(text, dict)
        else None,
        error=f"cut off at the token cap of {said}",
        cut_off=said,
    )


def _token_count(value: Any) -> int:
    """A token count a server reported; anything but a number from 0 to MAX_TOKENS_PER_ANSWER
    counts as none, so that a lying server can neither break the sum nor inflate it
    without bound."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return 0
    if isinstance(value, float) and not math.isfinite(value):
        return 0
    return int(value) if 0 < value <= MAX_TOKENS_PER_ANSWER else 0


def _http_library() -> ModuleType:
    """The HTTP library openai sends through: httpx for openai 2, httpx2 for openai 3. Both
    have the same names (Timeout, ReadTimeout, ConnectTimeout, ...)."""
    for base in openai.DefaultAsyncHttpxClient.__mro__:
        root = base.__module__.partition(".")[0]
        if root in ("httpx", "httpx2"):
            return sys.modules[root]
    raise ImportError("openai's HTTP client is neither httpx's nor httpx2's")


HTTP = _http_library()


class UnusableAnswerError(openai.APIResponseValidationError):
    """A 2xx or 3xx answer that is no chat completion: cut off, empty, not JSON, too big, a
    redirect. Raised inside the HTTP client as an OpenAIError, which openai passes on as it is,
    so it reaches synth with its own words rather than as "Connection error."."""

    def __init__(self, response: Any, message: str, *, transient: bool) -> None:
        super().__init__(response, None, message=message)
        self.transient = transient


class PacedHttpClient(openai.DefaultAsyncHttpxClient):
    """openai's HTTP client, with every request paced by an AdaptiveLimit and bounded as a
    whole: a server that trickles its answer a byte at a time is given up on at the bound
    just like one that says nothing, and a timed-out request is reported as a ReadTimeout.

    It reads each answer itself, so that it can stop reading one over MAX_ANSWER_BYTES
    (decompressed), count every request that reached the server whatever came back, refuse
    a 2xx that is no chat completion in one line, and replace a configured secret echoed in
    an answer before anything else sees it. Redirects are not followed: a chat completions
    endpoint that redirects is the wrong address, and each hop would be a request uncounted."""

    def __init__(
        self,
        limit: AdaptiveLimit,
        total_seconds: float,
        on_slowdown: Callable[[Slowdown], None],
        on_request: Callable[[], None] = lambda: None,
    ) -> None:
        super().__init__(
            timeout=HTTP.Timeout(total_seconds, connect=min(CONNECT_TIMEOUT_SECONDS, total_seconds)),
            follow_redirects=False,
        )
        self.total_seconds = total_seconds
        self._limit = limit
        self._on_slowdown = on_slowdown
        self._on_request = on_request
        self._turn: asyncio.Condition | None = None

    async def send(self, request: Any, **kwargs: Any) -> Any:
        slot = await self._take_slot(after_timeout=_REPEATS_A_TIMEOUT.get())
        outcome, detail, work = Outcome.FAILED, "", None
        # The request reached the server once its headers started to go out on a connection
        # (the HTTP library's trace says when), or, where nothing traces (a cassette), once
        # an answer came: a request that never connected is not counted, one that timed out
        # or was dropped after it was sent is.
        reached = False
        earlier_trace = request.extensions.get("trace")

        async def trace(event: str, info: dict[str, Any]) -> None:
            nonlocal reached
            if event.endswith(".send_request_headers.started"):
                reached = True
            if earlier_trace is not None:
                await earlier_trace(event, info)

        request.extensions["trace"] = trace
        try:
            try:
                async with asyncio.timeout(self.total_seconds):
                    response = await super().send(request, **{**kwargs, "stream": True})
                    reached = True
                    # The body is part of the answer, and of its bound.
                    body = await _read_bounded(response, MAX_ANSWER_BYTES)
            except TimeoutError:
                raise HTTP.ReadTimeout(
                    f"no complete answer within {self.total_seconds:g} s", request=request
                ) from None
            except HTTP.DecodingError:
                encoding = response.headers.get("content-encoding", "?")
                raise UnusableAnswerError(
                    response,
                    f"HTTP {response.status_code} with a body "
                    f"that does not decode as its Content-Encoding "
                    f"({_short(scrub(encoding))}) says",
                    transient=True,
                ) from None
            answer = _answer_with(response, scrub_bytes(repaired_utf8(body), _CONFIGURED_KEYS), request)
            if response.status_code in _BUSY_STATUSES:
                outcome, detail = Outcome.BUSY, f"HTTP {response.status_code}"
            elif response.is_success:
                problem = completion_problem(answer.content, answer.headers.get("content-type"))
                if problem is not None and request.url.path.endswith("/chat/completions"):
                    what, transient = problem
                    raise UnusableAnswerError(
                        answer, f"HTTP {response.status_code} with {_short(scrub(what))}", transient=transient
                    )
                outcome, work = Outcome.ANSWERED, answer_work(answer.content)
            elif response.is_redirect or 300 <= response.status_code < 400:
                location = response.headers.get("location") or "nowhere"
                raise UnusableAnswerError(
                    answer,
                    f"HTTP {response.status_code}, a redirect to "
                    f"{_short(scrub(display_url(location)))}; set the base "
                    "URL to the API's own address",
                    transient=False,
                )
            return answer
        except HTTP.ConnectTimeout:
            outcome, detail = (
                Outcome.BUSY,
                f"no connection within {min(CONNECT_TIMEOUT_SECONDS, self.total_seconds):g} s",
            )
            raise
        except HTTP.TimeoutException:
            outcome, detail = Outcome.TIMED_OUT, f"no answer within {self.total_seconds:g} s"
            raise
        finally:
            if reached:
                self._on_request()
            await self._free_slot(slot, outcome, detail, work)

    async def _take_slot(self, after_timeout: bool) -> Slot:
        self._turn = self._turn or asyncio.Condition()
        async with self._turn:
            if after_timeout:
                self._limit.retries_waiting += 1
            try:
                await self._turn.wait_for(lambda: self._limit.may_start(after_timeout=after_timeout))
            finally:
                if after_timeout:
                    self._limit.retries_waiting -= 1
            return self._limit.start(time.monotonic(), after_timeout=after_timeout)

    async def _free_slot(self, slot: Slot, outcome: Outcome, detail: str, work: float | None) -> None:
        assert self._turn is not None
        async with self._turn:
            slowdown = self._limit.finish(slot, time.monotonic(), outcome, detail=detail, work=work)
            self._turn.notify_all()
        if slowdown is not None:
            self._on_slowdown(slowdown)


class _AnswerTooLarge(Exception):
    pass


async def _read_bounded(response: Any, limit: int) -> bytes:
    """The decoded body, read until it ends or passes `limit` bytes (then it is closed and
    UnusableAnswerError raised): a gzip bomb is stopped as it inflates, not after."""
    parts: list[bytes] = []
    size = 0
    try:
        async for part in response.aiter_bytes():
            size += len(part)
            if size > limit:
                raise _AnswerTooLarge
            parts.append(part)
    except _AnswerTooLarge:
        await response.aclose()
        raise UnusableAnswerError(
            response,
            f"HTTP {response.status_code} with an answer over "
            f"{limit // (1024 * 1024)} MB; stopped reading it",
            transient=False,
        ) from None
    return b"".join(parts)


def _answer_with(response: Any, body: bytes, request: Any) -> Any:
    """The response as openai reads it, with `body` (decoded, checked) as its content."""
    headers = [
        (name, value)
        for name, value in response.headers.multi_items()
        if name.lower() not in ("content-encoding", "content-length", "transfer-encoding")
    ]
    answer = HTTP.Response(
        response.status_code,
        headers=headers,
        content=body,
        request=request,
        extensions=response.extensions,
        history=response.history,
    )
    try:
        answer.elapsed = response.elapsed
    except RuntimeError:  # not known for an answer that never closed; nothing reads it then
        pass
    return answer


def answer_work(body: bytes) -> float | None:
    """The size of an answer in units of one answer token, from the usage it reports."""
    try:
        usage = json.loads(body).get("usage") or {}
        work = _token_count(usage.get("completion_tokens")) + PROMPT_TOKEN_WORK * _token_count(
            usage.get("prompt_tokens")
        )
    except (ValueError, AttributeError, TypeError, RecursionError):
        return None
    return float(work) if work > 0 else None


def abandoned_by_timeout(error: BaseException) -> bool:
    """A request that was sent and timed out: the server may still be working on it."""
    cause = error.__cause__ if isinstance(error, openai.APITimeoutError) else None
    return cause is not None and not isinstance(cause, HTTP.ConnectTimeout)


class _ReadOnlyDict(dict[str, Any]):
    """A JSON Schema object handed out to readers: a dict (json.dumps writes it as one), but
    one that refuses to be edited, so one schema serves every request of the process."""

    def _refuse(self, *_args: Any, **_kwargs: Any) -> Any:
        raise TypeError("a shared JSON Schema is read-only: copy it to edit it")

    __setitem__ = __delitem__ = __ior__ = _refuse
    clear = pop = popitem = setdefault = update = _refuse

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
        return {key: copy.deepcopy(value, memo) for key, value in self.items()}


class _ReadOnlyList(list[Any]):
    def _refuse(self, *_args: Any, **_kwargs: Any) -> Any:
        raise TypeError("a shared JSON Schema is read-only: copy it to edit it")

    __setitem__ = __delitem__ = __iadd__ = __imul__ = _refuse
    append = clear = extend = insert = pop = remove = reverse = sort = _refuse

    def __deepcopy__(self, memo: dict[int, Any]) -> list[Any]:
        return [copy.deepcopy(value, memo) for value in self]


def _read_only(value: Any) -> Any:
    if isinstance(value, dict):
        return _ReadOnlyDict({key: _read_only(item) for key, item in value.items()})
    if isinstance(value, list):
        return _ReadOnlyList(_read_only(item) for item in value)
    return value


@functools.cache
def prepared_model(response_model: type[T]) -> type[T]:
    """The response model as instructor wraps it, built once per process, not per request.

    instructor wraps a plain model (instructor.openai_schema) and regenerates its JSON schema
    on every request: about 4 ms of CPU each, more than the rest of a request's handling, and
    what bounded 16 concurrent requests at 100 ms latency (BENCHMARKS.md). Handed a wrapped
    model, it wraps nothing; the schema is computed once here.

    Who reads it per request only reads it (the cache key and the `json_schema` format's
    prompt serialise it), so it is handed out read-only, not copied per call (a copy per
    call was 3-5 % of a request's CPU). The one reader that edits what it is given,
    instructor's `generate_openai_schema` (the `tools` format: it adds docstring parameter
    descriptions), keeps its answer per model in a cache: it is called here once, on its own
    copy, before the read-only schema is handed out."""
    from instructor.v2.providers.openai.schema import generate_openai_schema

    wrapped = instructor.openai_schema(response_model)
    schema = wrapped.model_json_schema()
    shared = _read_only(schema)
    generate: Callable[..., dict[str, Any]] = BaseModel.model_json_schema.__func__  # type: ignore[attr-defined]
    editable = True  # until the one editing reader has had its copy

    def model_json_schema(cls: type[BaseModel], *args: Any, **kwargs: Any) -> dict[str, Any]:
        if args or kwargs:
            return generate(cls, *args, **kwargs)
        return copy.deepcopy(schema) if editable else shared

    wrapped.model_json_schema = classmethod(model_json_schema)  # type: ignore[method-assign,assignment]
    generate_openai_schema(wrapped)
    editable = False
    return wrapped


# The request formats whose preparation by instructor leaves the messages as they are (but for
# its message converter) and adds the same keys to every request of a response model: tools
# and tool_choice, or response_format. The others (json, md_json) write the schema into the
# messages, so instructor prepares each of their requests anew.
_MESSAGES_AS_GIVEN = frozenset({"tools", "json_schema"})


@dataclass(frozen=True)
class _RequestShape:
    """What instructor needs to ask for one response model in one request format: the
    model as it wraps it, its handlers for the format, and for a format that leaves the
    messages as they are, what its request preparation adds to the arguments."""

    mode: str
    model: type[BaseModel]
    handlers: Any  # instructor's registered handlers for the format
    added: dict[str, Any] | None  # read-only; None: prepared per request

    def body(self, request: ModelRequest, cap: int) -> dict[str, Any]:
        """The chat completion arguments of `request` with this token cap, as instructor's
        request preparation (`handle_response_model`, run by its client before each call)
        makes them."""
        arguments = _sent(request, cap)
        if self.added is None:
            from instructor.processing.response import handle_response_model

            arguments["messages"] = copy.deepcopy(request.messages)  # instructor adds to them
            _, body = handle_response_model(self.model, mode=_INSTRUCTOR_MODES[self.mode], **arguments)
            return dict(body)
        convert = self.handlers.message_converter
        messages = list(request.messages)
        arguments["messages"] = convert(messages, autodetect_images=False) if convert else messages
        return {**arguments, **self.added}


@functools.cache
def _request_shape(response_model: type[BaseModel], mode: str) -> _RequestShape:
    """Made once per response model and request format. instructor's request preparation
    checks the model for async validators, which it cannot run (`reject_async_validators`):
    that walk of the model's types, about 0.1 ms, is made here once, not on every request."""
    from instructor.processing.response import handle_response_model
    from instructor.utils.providers import Provider
    from instructor.v2.core.registry import mode_registry

    model = prepared_model(response_model)
    handlers = mode_registry.get_handlers(Provider.OPENAI, _INSTRUCTOR_MODES[mode])
    if mode not in _MESSAGES_AS_GIVEN:
        return _RequestShape(mode, model, handlers, None)
    _, prepared = handle_response_model(model, mode=_INSTRUCTOR_MODES[mode], messages=[])
    added = {key: value for key, value in prepared.items() if key != "messages"}
    return _RequestShape(mode, model, handlers, _read_only(added))


# The order of openai's `chat.completions.create` parameters, which is the order of the keys
# of the body it sends: a body sent as it is, in this order, is the same bytes.
_SENT_ORDER = tuple(inspect.signature(AsyncCompletions.create).parameters)


def _in_sent_order(body: dict[str, Any]) -> dict[str, Any]:
    return {key: body[key] for key in _SENT_ORDER if key in body}


def _sent_options() -> Any:
    """The request options `chat.completions.create` sends its body with: openai 3 names the
    credentials a request carries (the API key as a bearer token); openai 2 always sends it."""
    from openai._base_client import make_request_options

    if "security" in inspect.signature(make_request_options).parameters:
        return make_request_options(security={"bearer_auth": True})
    return make_request_options()


_SENT_OPTIONS = _sent_options()
# The answers instructor's loop re-asks with the error; any other failure ends it.
_REASKED_ERRORS: tuple[type[Exception], ...] = _RETRYABLE_PARSE_ERRORS
# instructor's client logged each failed request and each call it gave up on at ERROR here;
# an application that reads those records (tests/test_logging.py) still gets them.
_INSTRUCTOR_RETRY_LOG = logging.getLogger("instructor.v2.retry")


def _log_gave_up(attempts: int, error: Exception) -> None:
    _INSTRUCTOR_RETRY_LOG.error("Max retries exceeded. Total attempts: %d, Last error: %s", attempts, error)


def _unvalidated_reply(
    mode: str, failed: Any, error: Exception, attempts: int, max_reasks: int
) -> StructuredReply:
    """No valid answer in `attempts`: the last answer that failed validation (`failed`, a
    completion), for the caller to salvage or report, and why the last attempt failed."""
    return StructuredReply(
        value=None,
        mode=mode,
        unvalidated=_completion_text(failed),
        error=_short(scrub(str(error))),
        reasks=max(0, min(attempts - 1, max_reasks)),
    )


def is_transient(error: BaseException) -> bool:
    """429, 5xx, timeouts, dropped connections and a 2xx cut off or empty on the way are
    worth another try; nothing else is."""
    if isinstance(error, (openai.APITimeoutError, openai.APIConnectionError)):
        return True
    if isinstance(error, UnusableAnswerError):
        return error.transient
    return isinstance(error, openai.APIStatusError) and (
        error.status_code in (408, 409, 429) or error.status_code >= 500
    )


def unreachable_reason(error: BaseException, host: str) -> str | None:
    """Why nothing can answer at the endpoint: the connection was refused, or no host of that
    name was found. None for what another try may mend: a connect timeout may be a busy
    server, and a dropped connection a restarting one."""
    if not isinstance(error, openai.APIConnectionError) or isinstance(error, openai.APITimeoutError):
        return None
    seen: set[int] = set()
    cause = error.__cause__ or error.__context__
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, ConnectionRefusedError):
            return CONNECTION_REFUSED
        if isinstance(cause, socket.gaierror):
            return f"no host named {host} was found"
        cause = cause.__cause__ or cause.__context__
    return None


def _raise_if_refused(error: Exception, url: str, model: str | None, last_answer: Any = None) -> None:
    if not isinstance(error, openai.APIStatusError):
        return
    status = error.status_code
    if status in (401, 403):
        raise ModelRefusedError(
            f"the API key was refused by {url} (HTTP {status}): {_reason(error)}"
        ) from None
    if status == 404:
        raise ModelRefusedError(
            f"{url} has no model {model!r} or no chat completions endpoint (HTTP 404): {_reason(error)}"
        ) from None
    if status in (400, 413) and _CONTEXT_TOO_LONG.search(_reason(error)):
        # This request is too long for the model; others may fit, so the run goes on.
        raise RequestTooLongError(
            f"the request is longer than {model!r} at {url} can take (HTTP {status}): "
            f"{_reason(error)}; try a smaller --chunk-chars or --max-output-tokens",
            last_answer=last_answer,
        ) from None
    if 400 <= status < 500 and status not in (408, 409, 429):
        raise ModelRefusedError(f"{url} rejected the request (HTTP {status}): {_reason(error)}") from None


def _reason(error: Exception) -> str:
    message = getattr(error, "message", None) or str(error)
    body = getattr(error, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            message = str(inner["message"])
        elif isinstance(body.get("message"), str):
            message = body["message"]
    return _short(scrub(message))


def _timeout_reason(error: openai.APITimeoutError, bound: float) -> str:
    """'Request timed out (no complete answer within 900 s; --timeout sets the bound)'."""
    if isinstance(error.__cause__, HTTP.ConnectTimeout):
        return f"Request timed out (no connection within {min(CONNECT_TIMEOUT_SECONDS, bound):g} s)"
    return f"Request timed out (no complete answer within {bound:g} s; --timeout sets the bound)"


def _short(text: str) -> str:
    """Server text made fit for one line: whitespace collapsed, controls (terminal escapes,
    bidirectional overrides) shown as escapes rather than obeyed, at most 300 characters."""
    text = printable(" ".join(text.split()))
    return text if len(text) <= 300 else text[:297] + "..."


def _completion_text(completion: Any) -> Any:
    """The text of a completion's first choice: its first tool call's arguments, else its
    content; None when it has neither (whatever shape a server gave it)."""
    try:
        message = completion.choices[0].message
        calls = getattr(message, "tool_calls", None)
        if calls:
            return calls[0].function.arguments
        return message.content
    except (AttributeError, IndexError, KeyError, TypeError):
        return None


# --- one request outside a live call: what synth's batch mode (synth.batch_client) needs ----


def request_body(request: ModelRequest, mode: str) -> dict[str, Any]:
    """The body of the chat completions request the live path sends for `request` in this
    request format (`ModelClient._ask` sends the same), so a batch line and a live request
    are one request."""
    return _request_shape(request.response_model, mode).body(request, request.max_tokens)


@dataclass
class ParsedCompletion:
    """A chat completion that came by another way than a live call (a batch's output file),
    read as a live call reads it."""

    value: BaseModel | None  # the validated answer
    error: Exception | None  # why it is not one: a validation error, or IncompleteOutput
    completion: Any  # the completion, as openai's type, for a re-ask
    cut_off: bool = False  # finish_reason "length": a re-ask would not mend it

    @property
    def text(self) -> Any:
        return _completion_text(self.completion)


def parse_completion(response_model: type[BaseModel], mode: str, body: Any) -> ParsedCompletion:
    """Validates a completion's body with the response model, by the parser instructor runs
    on a live answer in this request format. The caller sets the data the model's
    validators read (synth.validation_data.validating_against)."""
    from instructor.core.exceptions import InstructorError
    from instructor.utils.providers import Provider
    from instructor.v2.core.registry import mode_registry
    from pydantic import ValidationError

    try:
        completion = ChatCompletion.model_validate(body)
    except (ValidationError, RecursionError) as error:
        return ParsedCompletion(None, error, None)
    handlers = mode_registry.get_handlers(Provider.OPENAI, _INSTRUCTOR_MODES[mode])
    try:
        value = handlers.response_parser(
            response=completion,
            response_model=prepared_model(response_model),
            validation_context=None,
            strict=True,  # as the live path validates (ModelClient._ask)
            stream=False,
            is_async=False,
        )
    except IncompleteOutputException as error:
        return ParsedCompletion(None, error, completion, cut_off=True)
    except (
        ValidationError,
        ValueError,
        TypeError,
        AttributeError,
        KeyError,
        IndexError,
        InstructorError,
        RecursionError,
    ) as error:
        return ParsedCompletion(None, error, completion)
    return ParsedCompletion(value, None, completion)


def reask_messages(
    mode: str, messages: list[dict[str, Any]], body: dict[str, Any], parsed: ParsedCompletion
) -> list[dict[str, Any]]:
    """The messages of the re-ask instructor would send after this answer failed validation:
    `messages` and what its re-ask handler adds (the answer, and the error to mend). Given
    to `ModelClient.structured`, instructor prepares them as it prepares every request."""
    from instructor.utils.providers import Provider
    from instructor.v2.core.registry import mode_registry

    assert parsed.error is not None
    handlers = mode_registry.get_handlers(Provider.OPENAI, _INSTRUCTOR_MODES[mode])
    reasked = handlers.reask_handler(
        kwargs=copy.deepcopy(body), response=parsed.completion, exception=parsed.error
    )
    added = list(reasked["messages"])[len(body["messages"]) :]
    return [*copy.deepcopy(messages), *added]


def reported_tokens(body: Any) -> tuple[int, int]:
    """Prompt and completion tokens a completion's body reports (a lying number counts 0)."""
    usage = body.get("usage") if isinstance(body, dict) else None
    if not isinstance(usage, dict):
        return 0, 0
    return _token_count(usage.get("prompt_tokens")), _token_count(usage.get("completion_tokens"))


def error_reason(error: Exception) -> str:
    """One line for an error from the API, without a secret or a control character."""
    return _reason(error)
