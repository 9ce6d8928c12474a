"""The model-response cache on disk: the only module that imports diskcache (disk I/O).

A key is a versioned hash of everything that changes the answer: the request that will be
sent (model, messages, request format), the prompt file's hash, the response schema's
hash and the chunking settings. The API key is never part of it and never stored.
Values are JSON text, so a damaged entry is detected, reported, dropped and recomputed.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import diskcache
from pydantic import BaseModel

# Bump when the stored value's shape or the key's meaning changes: old entries then miss.
CACHE_KEY_VERSION = "synth-cache-v1"

log = logging.getLogger("synth.cache")


def schema_hash(response_model: type[BaseModel], version: str) -> str:
    """A hash of a response model's JSON Schema: a changed field or description misses."""
    schema = json.dumps(response_model.model_json_schema(), sort_keys=True)
    return hashlib.sha256(f"{version}:{schema}".encode()).hexdigest()


def cache_key(parts: Mapping[str, Any]) -> str:
    canonical = json.dumps({"version": CACHE_KEY_VERSION, **parts}, sort_keys=True,
                           ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class ResponseCache:
    def __init__(self, directory: Path, *, enabled: bool = True,
                 warn: Any = None) -> None:
        self.directory = Path(directory)
        self.enabled = enabled
        self._warn = warn or (lambda message: log.warning(message))
        self._store: diskcache.Cache | None = None

    def _cache(self) -> diskcache.Cache:
        if self._store is None:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._store = diskcache.Cache(str(self.directory))
        return self._store

    def get(self, key: str) -> dict[str, Any] | None:
        if not self.enabled:
            return None
        raw = self._cache().get(key)
        if raw is None:
            return None
        try:
            value = json.loads(raw)
            if not isinstance(value, dict):
                raise ValueError("not an object")
        except (TypeError, ValueError):
            self._warn(f"synth: cache entry {key[:12]}… in {self.directory} is damaged; "
                       "ignoring it and asking again")
            self._cache().delete(key)
            return None
        return value

    def set(self, key: str, value: Mapping[str, Any]) -> None:
        if self.enabled:
            self._cache().set(key, json.dumps(value, ensure_ascii=False))

    def info(self) -> dict[str, Any]:
        if not self.directory.exists():
            return {"directory": str(self.directory), "entries": 0, "bytes": 0}
        cache = self._cache()
        return {"directory": str(self.directory), "entries": len(cache), "bytes": cache.volume()}

    def clear(self) -> int:
        if not self.directory.exists():
            return 0
        return int(self._cache().clear())

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
