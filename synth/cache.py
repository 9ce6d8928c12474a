"""The model-response cache on disk: the only module that imports diskcache (disk I/O).

A key is a versioned hash of everything that changes the answer: the request that will be
sent, its endpoint and request formats, and the prompt's name and hash (synth.model_stage
builds it). The API key is never part of it and never stored.
Values are JSON text, so a damaged entry is detected, reported, dropped and recomputed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import pickle
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

import diskcache
from pydantic import BaseModel, ValidationError

# Bump when the stored value's shape or the key's meaning changes: old entries then miss.
CACHE_KEY_VERSION = "synth-cache-v2"

log = logging.getLogger("synth.cache")

M = TypeVar("M", bound=BaseModel)


def schema_hash(response_model: type[BaseModel], version: str) -> str:
    """A hash of a response model's JSON Schema: a changed field or description misses."""
    schema = json.dumps(response_model.model_json_schema(), sort_keys=True)
    return hashlib.sha256(f"{version}:{schema}".encode()).hexdigest()


def cache_key(parts: Mapping[str, Any]) -> str:
    canonical = json.dumps(
        {"version": CACHE_KEY_VERSION, **parts}, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class ResponseCache:
    def __init__(self, directory: Path, *, enabled: bool = True, warn: Any = None) -> None:
        self.directory = Path(directory)
        self.enabled = enabled
        self._warn = warn or (lambda message: log.warning(message))
        self._store: diskcache.Cache | None = None

    def _cache(self) -> diskcache.Cache | None:
        """The store, opened on first use; None when it cannot be opened (the run goes on)."""
        if self._store is None and self.enabled:
            try:
                self.directory.mkdir(parents=True, exist_ok=True)
                self._store = diskcache.Cache(str(self.directory))
            except (OSError, sqlite3.DatabaseError) as error:
                self._warn(
                    f"synth: cannot use the cache in {self.directory} ({error}); going on "
                    "without it (delete that folder to start a new cache)"
                )
                self.enabled = False
        return self._store

    def get(self, key: str) -> dict[str, Any] | None:
        store = self._cache()
        if store is None:
            return None
        try:
            # A value kept in a file is read back as UTF-8 text by diskcache itself.
            raw = store.get(key)
            if raw is None:
                return None
            value = json.loads(raw)
            if not isinstance(value, dict):
                raise ValueError("not an object")
        except (TypeError, ValueError, EOFError, RecursionError, pickle.UnpicklingError):
            self._damaged(store, key)
            return None
        return value

    def get_as(self, key: str, shape: type[M]) -> M | None:
        """The entry parsed as `shape`; an entry of another shape (valid JSON, but not what
        this version writes) is damaged like one that is not JSON: said in one line,
        dropped, and asked for again."""
        value = self.get(key)
        if value is None:
            return None
        try:
            return shape.model_validate(value)
        except (ValidationError, RecursionError):
            self.damaged(key)
            return None

    def damaged(self, key: str) -> None:
        """Says in one line that the entry is damaged, and drops it."""
        store = self._cache()
        if store is not None:
            self._damaged(store, key)

    def _damaged(self, store: diskcache.Cache, key: str) -> None:
        self._warn(
            f"synth: cache entry {key[:12]}… in {self.directory} is damaged; ignoring it and asking again"
        )
        store.delete(key)

    def set(self, key: str, value: Mapping[str, Any]) -> None:
        store = self._cache()
        if store is not None:
            store.set(key, json.dumps(value, ensure_ascii=False))

    def info(self) -> dict[str, Any]:
        store = self._cache() if self.directory.exists() else None
        if store is None:
            return {"directory": str(self.directory), "entries": 0, "bytes": 0}
        return {"directory": str(self.directory), "entries": len(store), "bytes": store.volume()}

    def clear(self) -> int:
        store = self._cache() if self.directory.exists() else None
        return int(store.clear()) if store is not None else 0

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
