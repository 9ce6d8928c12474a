"""What the two model stages, extraction and reconcile, share (network I/O via synth.llm).

Each has settings, a versioned prompt from `prompts/`, a response schema whose hash is part
of every cache key, the response cache, and one model client per run. The client is made on
the first request, so a run answered wholly from the cache opens no connection. At the end
of the run its usage, every attempt counted, is added to the stage's Usage and priced.
While a stage runs, `reporting` tells a progress display where it is about once every
PROGRESS_EVERY_SECONDS, with the requests then in flight, so a display shows time passing.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from pydantic import BaseModel

from synth.cache import ResponseCache, schema_hash
from synth.config import Settings
from synth.llm import ModelClient, RequestFormats
from synth.models import Usage
from synth.pricing import estimate_cost
from synth.progress import Progress, ProgressCallback, Stage
from synth.prompts import load_prompt

PROGRESS_EVERY_SECONDS = 0.25


def stderr_note(line: str) -> None:
    print(line, file=sys.stderr)


class ModelStage:
    def __init__(self, settings: Settings, *, prompt_name: str,
                 response_model: type[BaseModel], schema_version: str,
                 cache: ResponseCache | None, client_factory: Callable[[], ModelClient] | None,
                 note: Callable[[str], None], formats: RequestFormats | None = None) -> None:
        self.settings = settings
        # The request format the endpoint takes, shared with the run's other stage (pass
        # one stage's `formats` to the next), so that a rejected one is not asked in again.
        self.formats = formats or RequestFormats(settings)
        self.note = note
        self.prompt = load_prompt(prompt_name)
        self.schema_hash = schema_hash(response_model, schema_version)
        assert settings.cache_dir is not None
        self.cache = cache or ResponseCache(settings.cache_dir, enabled=settings.use_cache,
                                            warn=note)
        self._client_factory = client_factory or (
            lambda: ModelClient(settings, note=note, formats=self.formats))
        self._client: ModelClient | None = None  # the run's client, once made

    @property
    def requests_in_flight(self) -> int:
        """Model requests sent and not yet answered (none before the client is made)."""
        return self._client.limit.in_flight if self._client is not None else 0

    @asynccontextmanager
    async def client_for_run(self, usage: Usage) -> AsyncIterator[Callable[[], ModelClient]]:
        """A getter for the run's one client; on leaving, its usage goes into `usage`, the
        client and the cache are closed, and the cost is estimated."""
        def get_client() -> ModelClient:
            if self._client is None:
                self._client = self._client_factory()
            return self._client

        try:
            yield get_client
        finally:
            client, self._client = self._client, None
            if client is not None:
                usage.add(client.usage)
                await client.close()
            self.cache.close()
        usage.estimated_cost_usd = estimate_cost(
            self.settings.model, usage.prompt_tokens, usage.completion_tokens,
            self.settings.prices)

    @asynccontextmanager
    async def reporting(self, progress: ProgressCallback | None, stage: Stage,
                        counts: Callable[[], tuple[int, int]],
                        item: str = "") -> AsyncIterator[None]:
        """While the block runs, Progress(stage, *counts(), requests in flight, item) goes
        to `progress` at the start and then about once every PROGRESS_EVERY_SECONDS."""
        if progress is None:
            yield
            return

        def report() -> None:
            done, total = counts()
            progress(Progress(stage, done, total, self.requests_in_flight, item))

        async def keep_reporting() -> None:
            while True:
                await asyncio.sleep(PROGRESS_EVERY_SECONDS)
                report()

        report()
        ticker = asyncio.create_task(keep_reporting())
        try:
            yield
        finally:
            ticker.cancel()
