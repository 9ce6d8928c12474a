"""One settings object: explicit arguments over environment over defaults, merged once (pure).

`resolve_settings` is the only place precedence is decided; everything downstream reads
the resulting Settings and never the environment.
"""

from __future__ import annotations

import ipaddress
import math
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from urllib.parse import urlparse

from synth.errors import ConfigError
from synth.limits import DEFAULT_MAX_BYTES, FETCH_TIMEOUT_SECONDS

MODES = ("tools", "json_schema", "json", "md_json")
RECONCILERS = ("auto", "model", "rules")
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


@dataclass(frozen=True)
class Settings:
    offline: bool = False
    model: str | None = None
    api_key: str | None = field(default=None, repr=False)  # never printed
    base_url: str | None = None
    mode: str | None = None  # None: the documented default for the endpoint, with one fallback
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
    reconcile: str = "auto"
    # Claims per reconcile request, in estimated tokens; more are reconciled group by group.
    reconcile_budget_tokens: int = 6000
    show_progress: bool | None = None  # None: only when stderr is a terminal

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
    """Settings from keyword overrides (None means 'not given'), then the environment."""
    env = os.environ if environ is None else environ
    given = {k: v for k, v in overrides.items() if v is not None}
    unknown = set(given) - {f.name for f in fields(Settings)}
    if unknown:
        raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")
    from_env: dict[str, object] = {}
    if env.get("SYNTH_MODEL"):
        from_env["model"] = env["SYNTH_MODEL"]
    if env.get("OPENAI_API_KEY"):
        from_env["api_key"] = env["OPENAI_API_KEY"]
    if env.get("OPENAI_BASE_URL"):
        from_env["base_url"] = env["OPENAI_BASE_URL"]
    if env.get("SYNTH_MODE"):
        from_env["mode"] = env["SYNTH_MODE"]
    if env.get("SYNTH_OFFLINE", "").lower() in ("1", "true", "yes"):
        from_env["offline"] = True
    if env.get("SYNTH_RECONCILE"):
        from_env["reconcile"] = env["SYNTH_RECONCILE"]
    settings = replace(Settings(), **{**from_env, **given})  # type: ignore[arg-type]
    if settings.cache_dir is None:
        settings = replace(settings, cache_dir=default_cache_dir(env))
    elif not isinstance(settings.cache_dir, Path):
        settings = replace(settings, cache_dir=Path(str(settings.cache_dir)))
    _check(settings)
    return settings


def _check(settings: Settings) -> None:
    # NaN passes every comparison below, and infinity every lower bound.
    for name, value in vars(settings).items():
        if isinstance(value, float) and not math.isfinite(value):
            raise ConfigError(f"{name.replace('_', ' ')} must be a finite number, not {value}")
    if settings.mode is not None and settings.mode not in MODES:
        raise ConfigError(f"unknown mode {settings.mode!r}: choose one of {', '.join(MODES)}")
    if settings.reconcile not in RECONCILERS:
        raise ConfigError(f"unknown reconcile {settings.reconcile!r}: choose one of "
                          f"{', '.join(RECONCILERS)}")
    if settings.reconcile == "model" and not settings.uses_model:
        raise ConfigError("--reconcile model needs a model: set SYNTH_MODEL or pass --model, "
                          "without --offline")
    if settings.reconcile_budget_tokens < 500:
        raise ConfigError("the reconcile budget must be at least 500 tokens")
    if settings.concurrency < 1:
        raise ConfigError("concurrency must be at least 1")
    if settings.chunk_chars < 500:
        raise ConfigError("chunk size must be at least 500 characters")
    if not 0 <= settings.chunk_overlap < settings.chunk_chars // 2:
        raise ConfigError("chunk overlap must be under half the chunk size")
    if settings.timeout is not None and not settings.timeout > 0:
        raise ConfigError("timeout must be positive")
    if settings.max_output_tokens < 64:
        raise ConfigError("max output tokens must be at least 64")
    if not settings.fetch_timeout > 0:
        raise ConfigError("fetch timeout must be positive")
    if settings.max_bytes < 1:
        raise ConfigError("max bytes must be positive")
