"""One settings object: explicit arguments over environment over defaults, merged once.

`resolve_settings` is the only place precedence is decided and the only place the
environment is read (and the SYNTH_PRICES file it names, so that a bad one stops the run
before any request is paid for); everything downstream reads the resulting Settings.
Settings is a frozen Pydantic model: a value that cannot work, whatever way it was given,
is one ConfigError line, and a value given as text ("4", "no") is read as what it says.
"""

from __future__ import annotations

import ipaddress
import math
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, get_args
from urllib.parse import urlparse

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError

from synth.errors import ConfigError
from synth.limits import DEFAULT_MAX_BYTES, FETCH_TIMEOUT_SECONDS
from synth.pricing import PRICES_PER_MILLION, Price, check_prices, price_table

Mode = Literal["tools", "json_schema", "json", "md_json"]
Reconciler = Literal["auto", "model", "rules"]
MODES: tuple[str, ...] = get_args(Mode)
RECONCILERS: tuple[str, ...] = get_args(Reconciler)

# Seconds per model request, all of it (connecting, waiting, reading), unless --timeout says.
DEFAULT_TIMEOUT_SECONDS = 60.0
# A server on this machine or the local network is most likely a model on a CPU or a small
# GPU, answering one request at a time. On two shared cores a 135M model took 60-90 s a
# request when the machine was quiet, and up to 673 s when other work kept it busy
# (BENCHMARKS.md); a request queued behind one such answer needs twice that (issue 19).
LOCAL_SERVER_TIMEOUT_SECONDS = 1800.0
# Host names that only resolve on a local network (RFC 6762 .local, RFC 8375 .home.arpa,
# Docker's host.docker.internal, the .lan of home routers).
_LOCAL_NAME_SUFFIXES = (".localhost", ".local", ".internal", ".lan", ".home.arpa")


class Settings(BaseModel):
    """Everything a run may be told. Build it with `resolve_settings` to have the
    environment read; built directly, it holds the arguments and the defaults only."""

    # Frozen: one run, one settings object. extra="forbid": a misspelt option is an error,
    # not a default silently kept.
    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=False)

    offline: bool = False
    model: str | None = None
    api_key: str | None = Field(default=None, repr=False)  # never printed
    base_url: str | None = None
    mode: Mode | None = None  # None: the documented default for the endpoint, with one fallback
    # Seconds per request, all of it; None: 60, or 1800 for a server on a local address.
    timeout: float | None = None
    max_retries: int = 4
    concurrency: int = 4
    chunk_chars: int = 6000
    chunk_overlap: int = 400
    cache_dir: Path | None = None
    use_cache: bool = True
    max_bytes: int = DEFAULT_MAX_BYTES
    # Seconds to download one article given as a URL, all of it.
    fetch_timeout: float = FETCH_TIMEOUT_SECONDS
    temperature: float = 0.0
    # A cap on each answer: a small model can loop until its context is full.
    max_output_tokens: int = 4096
    seed: int | None = 42
    # Who writes facts and overview: "auto" is the model when one is configured, else rules.
    reconcile: Reconciler = "auto"
    # Claims per reconcile request, in estimated tokens; more are reconciled group by group.
    reconcile_budget_tokens: int = 6000
    show_progress: bool | None = None  # None: only when stderr is a terminal
    # US dollars per million tokens (input, output, batch share) by model: the built-in table, with
    # SYNTH_PRICES over it when resolved from the environment. Read once, before any request.
    prices: Mapping[str, Price] = Field(default_factory=lambda: dict(PRICES_PER_MILLION), repr=False)

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as error:
            raise ConfigError(_one_line(error)) from None

    @model_validator(mode="before")
    @classmethod
    def _finite_numbers(cls, values: Any) -> Any:
        # NaN passes every comparison below, and infinity every lower bound; as an int field
        # would read them, Pydantic's own words would not name the value.
        if isinstance(values, Mapping):
            for name, value in values.items():
                if name in _NUMBERS and _not_finite(value):
                    raise PydanticCustomError(
                        "not_finite",
                        "{name} must be a finite number, not {value}",
                        {"name": _label(name), "value": str(value).lower()},
                    )
        return values

    @field_validator("mode", "reconcile", mode="before")
    @classmethod
    def _known_choice(cls, value: Any, info: Any) -> Any:
        choices = MODES if info.field_name == "mode" else RECONCILERS
        if value is not None and value not in choices:
            raise PydanticCustomError(
                "unknown_choice",
                "unknown {name} {value}: choose one of {choices}",
                {"name": info.field_name, "value": repr(value), "choices": ", ".join(choices)},
            )
        return value

    @field_validator("prices", mode="before")
    @classmethod
    def _checked_prices(cls, value: Any) -> Any:
        problem = check_prices(value)
        if problem:
            raise PydanticCustomError("bad_prices", "prices: {problem}", {"problem": problem})
        return value

    @model_validator(mode="after")
    def _workable(self) -> Settings:
        problem = _problem(self)
        if problem:
            raise PydanticCustomError("unworkable", problem)
        return self

    @property
    def uses_model(self) -> bool:
        return not self.offline and bool(self.model)

    @property
    def reconciles_with_model(self) -> bool:
        return self.uses_model and self.reconcile != "rules"

    @property
    def request_timeout(self) -> float:
        """The bound on one model request, connecting and reading included."""
        if self.timeout is not None:
            return self.timeout
        if self.base_url and is_local_address(self.base_url):
            return LOCAL_SERVER_TIMEOUT_SECONDS
        return DEFAULT_TIMEOUT_SECONDS


_NUMBERS = frozenset(
    {
        "timeout",
        "max_retries",
        "concurrency",
        "chunk_chars",
        "chunk_overlap",
        "max_bytes",
        "fetch_timeout",
        "temperature",
        "max_output_tokens",
        "seed",
        "reconcile_budget_tokens",
    }
)
# Settings read from the environment, by field; cache_dir (SYNTH_CACHE_DIR, else the user
# cache folder) and prices (SYNTH_PRICES, over the built-in table) are resolved on their own.
ENVIRONMENT = {
    "model": "SYNTH_MODEL",
    "api_key": "OPENAI_API_KEY",
    "base_url": "OPENAI_BASE_URL",
    "mode": "SYNTH_MODE",
    "offline": "SYNTH_OFFLINE",
    "reconcile": "SYNTH_RECONCILE",
}


def _label(name: str) -> str:
    return name.replace("_", " ")


def _not_finite(value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return False
    try:
        return not math.isfinite(float(value))
    except (ValueError, OverflowError):
        return False  # not a number at all: Pydantic says so


def _problem(settings: Settings) -> str | None:
    """Why these settings cannot work, or None. One rule per line, each its own message."""
    if settings.reconcile == "model" and not settings.uses_model:
        return "--reconcile model needs a model: set SYNTH_MODEL or pass --model, without --offline"
    if settings.reconcile_budget_tokens < 500:
        return "the reconcile budget must be at least 500 tokens"
    if settings.concurrency < 1:
        return "concurrency must be at least 1"
    if settings.max_retries < 0:
        return "max retries must be zero or more"
    if settings.chunk_chars < 500:
        return "chunk size must be at least 500 characters"
    if not 0 <= settings.chunk_overlap < settings.chunk_chars // 2:
        return "chunk overlap must be under half the chunk size"
    if settings.timeout is not None and not settings.timeout > 0:
        return "timeout must be positive"
    if settings.max_output_tokens < 64:
        return "max output tokens must be at least 64"
    if not settings.fetch_timeout > 0:
        return "fetch timeout must be positive"
    if settings.max_bytes < 1:
        return "max bytes must be positive"
    if settings.temperature < 0:
        return "temperature must be zero or more"
    return None


def _one_line(error: ValidationError) -> str:
    """The first reason the values were refused, as one line naming the setting."""
    first = error.errors(include_url=False)[0]
    message = first["msg"]
    if first["type"] in ("not_finite", "unknown_choice", "unworkable", "bad_prices"):
        return str(message)
    if first["type"] == "extra_forbidden":
        return f"unknown setting(s): {', '.join(str(e['loc'][0]) for e in error.errors())}"
    name = _label(str(first["loc"][0])) if first["loc"] else "settings"
    wanted = _WANTED.get(first["type"].split("_")[0])
    if wanted is None:
        return f"{name}: {message[:1].lower()}{message[1:]}"
    return f"{name} must be {wanted}, not {first.get('input')!r}"


# What a value of each kind must be, by the first word of Pydantic's error type
# ("int_parsing", "int_from_float", "bool_type", ...).
_WANTED = {
    "int": "a whole number",
    "float": "a number",
    "bool": "true or false",
    "string": "text",
    "path": "a folder path",
}


def is_local_address(url: str) -> bool:
    """True for a loopback, private or link-local address, localhost, and a host name that
    resolves only on a local network (one word, or .local, .lan, .internal, .home.arpa).
    Nothing is looked up: any other name counts as remote."""
    host = (urlparse(url).hostname or "").rstrip(".").lower()
    if not host:
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host == "localhost" or "." not in host or host.endswith(_LOCAL_NAME_SUFFIXES)
    return address.is_loopback or address.is_private or address.is_link_local


def default_cache_dir(environ: Mapping[str, str]) -> Path:
    if environ.get("SYNTH_CACHE_DIR"):
        return Path(environ["SYNTH_CACHE_DIR"])
    if sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    elif sys.platform == "win32":
        base = Path(environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    else:
        base = Path(environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "synth"


def resolve_settings(environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    """Settings from keyword overrides (None means 'not given'), then the environment, then
    the defaults, field by field; the SYNTH_PRICES file is read and checked here."""
    env = os.environ if environ is None else environ
    given = {k: v for k, v in overrides.items() if v is not None}
    unknown = set(given) - set(Settings.model_fields)
    if unknown:
        raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")
    from_env: dict[str, object] = {
        name: env[variable] for name, variable in ENVIRONMENT.items() if env.get(variable)
    }
    if "offline" in from_env:
        from_env["offline"] = _environment_flag("SYNTH_OFFLINE", str(from_env["offline"]))
    values = {**from_env, **given}
    if "cache_dir" not in values:
        values["cache_dir"] = default_cache_dir(env)
    if "prices" not in values:
        values["prices"] = price_table(env)
    return Settings(**values)


# What a yes/no environment variable may say, as Pydantic reads a bool given as text.
_YES = ("1", "true", "yes", "on", "y", "t")
_NO = ("0", "false", "no", "off", "n", "f")


def _environment_flag(variable: str, text: str) -> bool:
    word = text.strip().lower()
    if word in _YES:
        return True
    if word in _NO:
        return False
    raise ConfigError(f"{variable}={text!r}: say 1 or 0 (true/false, yes/no)")
