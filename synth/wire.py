"""What a model server sends back, judged without I/O (pure): its Retry-After header, whether
an HTTP 2xx body is a chat completion at all, secrets echoed in it, and how its address may
be shown.

synth.llm reads the bytes and headers; these functions decide what they mean. None of them
raises on anything a server can send.
"""

from __future__ import annotations

import base64
import email.utils
import json
import math
import re
from collections.abc import Callable, Iterable
from datetime import UTC
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

# A Retry-After of delay-seconds (RFC 9110 10.2.3). Decimals are read too, since some servers
# send them; "nan", "inf" and exponents are not numbers of seconds.
_SECONDS = re.compile(r"[0-9]{1,12}(\.[0-9]{1,6})?")  # ASCII digits only, as RFC 9110 says
# What a terminal or a renderer obeys rather than shows: control characters (escape
# sequences, a bell; not tab, newline or carriage return), bidirectional marks, overrides and
# isolates, and invisible tag characters.
_OBEYED = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\U000e0000-\U000e007f]"
)
# The credentials part of any URL in a message: "http://user:key@host" -> "http://host".
_URL_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)[^\s/@?#]*@")


def retry_after_seconds(headers: Any, now: float) -> float | None:
    """How long the server asked to wait, from `retry-after-ms` or `Retry-After` (seconds or
    an HTTP-date), or None when it asked nothing readable ("soon", a malformed date): the
    caller then backs off on its own. Never negative."""
    milliseconds = _header(headers, "retry-after-ms")
    if milliseconds is not None and _SECONDS.fullmatch(milliseconds):
        return float(milliseconds) / 1000
    value = _header(headers, "retry-after")
    if value is None:
        return None
    if _SECONDS.fullmatch(value):
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # "-0000" and dates without a zone: RFC 5322 reads them as UTC
        when = when.replace(tzinfo=UTC)
    try:
        seconds = when.timestamp() - now
    except (OverflowError, OSError, ValueError):
        return None
    return max(0.0, seconds) if math.isfinite(seconds) else None


def retry_delay(
    retry_after: float | None,
    attempt: int,
    base: float,
    ceiling: float,
    longest_wait: float,
    draw: Callable[[float, float], float],
) -> float:
    """Seconds to wait before attempt `attempt` + 1: what the server asked, up to
    `longest_wait`; without a readable Retry-After, exponential backoff from `base` with
    jitter (`draw`, e.g. random.uniform), never over `ceiling`."""
    if retry_after is not None:
        return min(retry_after, longest_wait)
    highest = min(ceiling, base * 2 ** min(max(attempt - 1, 0), 60))
    return draw(highest / 2, highest)


def _header(headers: Any, name: str) -> str | None:
    try:
        value = headers.get(name)
    except (AttributeError, TypeError, ValueError):
        return None
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value or None


def display_url(url: str) -> str:
    """The URL as it may be shown: scheme, host, port and path. Credentials
    (`http://user:key@host`), a query (`?api-key=…`) and a fragment are left out."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:  # an unreadable port or bracketed host: show nothing of it
        return strip_url_credentials(url.split("?", 1)[0].split("#", 1)[0])
    if ":" in host:  # an IPv6 address
        host = f"[{host}]"
    netloc = f"{host}:{port}" if port is not None else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def url_secrets(url: str | None) -> tuple[list[str], list[str]]:
    """The user names and the passwords written into a URL, each raw and percent-decoded;
    "user:password", and its Basic auth token, count as passwords."""
    if not url:
        return [], []
    try:
        userinfo = urlsplit(url).netloc.rpartition("@")[0]
    except ValueError:
        return [], []
    if not userinfo:
        return [], []
    user, has_password, password = userinfo.partition(":")
    users = [user, unquote(user)]
    passwords = [userinfo, unquote(userinfo), password, unquote(password)] if has_password else []
    # The HTTP client sends them as Basic auth, which a server can echo as it came.
    passwords.append(base64.b64encode(unquote(userinfo).encode("utf-8")).decode("ascii"))
    return (list(dict.fromkeys(u for u in users if u)), list(dict.fromkeys(p for p in passwords if p)))


def strip_url_credentials(text: str) -> str:
    if "://" not in text:  # most text has no URL: a long one is not scanned by the pattern
        return text
    return _URL_USERINFO.sub(r"\1", text)


def scrub_bytes(body: bytes, secrets: Iterable[str]) -> bytes:
    """The body with each secret, as written and as JSON would escape it, replaced by ***."""
    for secret in secrets:
        forms = {secret, json.dumps(secret)[1:-1], json.dumps(secret)[1:-1].replace("/", "\\/")}
        for form in forms:
            encoded = form.encode("utf-8")
            if encoded and encoded in body:
                body = body.replace(encoded, b"***")
    return body


def repaired_utf8(body: bytes) -> bytes:
    """The body as UTF-8: JSON sent as UTF-16 or UTF-32 (which JSON allows) re-encoded, and
    bytes that do not decode replaced by U+FFFD, so that one stray byte in an answer costs
    the text it is in (a quote that then matches nothing), not the answer."""
    encoding = json.detect_encoding(body)
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError:
        text = body.decode(encoding, errors="replace")
    else:
        if encoding == "utf-8":
            return body
    return text.encode("utf-8")


def completion_problem(body: bytes, content_type: str | None) -> tuple[str, bool] | None:
    """What makes a 2xx answer to a chat completion request unusable, and whether asking
    again may help; None when it is a chat completion with a message to read.

    A body cut off, empty or without a choice looks like a fault on the way (a proxy, a
    restarted server) and is worth another try; a page that is not JSON at all means the
    address is not an OpenAI-compatible API, which asking again will not change."""
    if not body.strip():
        return "an empty body", True
    kind = (content_type or "").split(";", 1)[0].strip().lower()
    try:
        data = json.loads(body)
    except RecursionError:
        return "JSON nested too deeply to read", False
    except UnicodeDecodeError:
        return f"{len(body):,} bytes that are not UTF-8 JSON", True
    except ValueError:
        if kind and not kind.endswith("json"):
            what = f"a {kind} page" if kind.endswith("html") else f"{kind} content"
            return f"{what}, not JSON; is this an OpenAI-compatible API?", False
        return f"JSON that is cut off or malformed ({len(body):,} bytes)", True
    if not isinstance(data, dict):
        kind = {
            list: "a JSON list",
            str: "a JSON string",
            bool: "a JSON true or false",
            type(None): "a JSON null",
        }.get(type(data), "a JSON number")
        return f"{kind}, not a chat completion", True
    choices = data.get("choices")
    if not isinstance(choices, list) or not choices:
        error = data.get("error")
        if isinstance(error, dict):
            error = error.get("message")
        if isinstance(error, str) and error.strip():
            return f"an error instead of an answer: {error.strip()}", True
        return "no answer in it (no choices)", True
    first = choices[0]
    if not isinstance(first, dict) or not isinstance(first.get("message"), dict):
        return "a choice without a message", True
    return None


def plain(text: str) -> str:
    """Text a model wrote, without the characters a terminal or renderer would obey: a
    model's fact that passed every check on its words can still carry an escape sequence."""
    return _OBEYED.sub("", text)
