"""What the two model stages, extraction and reconcile, share (network I/O via synth.llm),
and `ModelStage.ask`, the one place a model request is made.

A stage says what to ask (a Question: the messages, the data a reply is checked against,
what it is about) and what to do with what came of it (an Asked). `ask` builds the request,
derives the cache key from exactly that request (synth.llm.ModelRequest, its endpoint and
request formats) with the prompt's name and hash and the key version, answers from the cache
or asks the model, counts cache hits, and turns a request that failed into an outcome the
stage reports. Every question asked, answered from the cache or not, is written to the
request log beside the cache (synth.request_log) for `synth log`.

What is cached is the reply, not what the stage made of it, so that changed checks never
meet a stale answer: a reply that passed is checked again on every use, exactly as a live
one is, and one that fails the checks of today is asked again. For a conversation that
needed re-asks, the outcome and the final reply are cached: the reply that passed, or the
last one that did not with the reason and how many re-asks ran. The replies rejected on the
way are not: they were sent back to the model, and at temperature 0 the same request and
checks lead to the same conversation. A failed outcome is cached too (asking again would only
repeat it), as is a request refused as too long for the model's context; a request that got
no answer (retries ran out, no server) is not, so the next run asks again. An answer that
came by another way (a line of a provider's batch, synth.batch_client) is kept and logged by
the same code (`answered_elsewhere`), and a conversation begun there is asked on through the
same client call (`ask_further`).

The client is made on the first request, so a run answered wholly from the cache opens no
connection. At the end of the run its usage, every attempt counted, is added to the stage's
Usage and priced. While a stage runs, `reporting` tells a progress display where it is about
once every PROGRESS_EVERY_SECONDS, with the requests then in flight.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Literal, cast

from pydantic import BaseModel, ValidationError

from synth.cache import ResponseCache, cache_key
from synth.config import Settings
from synth.errors import ModelError, ModelRefusedError, RequestTooLongError
from synth.llm import ModelClient, ModelRequest, RequestFormats, scrub
from synth.models import Usage
from synth.pricing import estimate_cost
from synth.progress import Progress, ProgressCallback, Stage
from synth.prompts import load_prompt
from synth.request_log import LoggedRequest, RequestLog
from synth.validation_data import validating_against
from synth.wire import display_url

# answered: a reply passed every check; unchecked: re-asks ran out or the reply was cut off at
# the token cap, and its last reply is for the stage to salvage part by part; too_long: the
# request (or a re-ask) was refused as longer than the model's context; failed: no answer.
Outcome = Literal["answered", "unchecked", "too_long", "failed"]

PROGRESS_EVERY_SECONDS = 0.25


def stderr_note(line: str) -> None:
    print(line, file=sys.stderr)


@dataclass(frozen=True)
class Question:
    """What a stage asks: the messages, the data a reply is checked against
    (synth.validation_data), and what it is about, for the request log."""

    messages: list[dict[str, str]]
    checks: object
    about: str


@dataclass
class Asked:
    """What came of a question, from the model or the cache."""

    outcome: Outcome
    value: BaseModel | None = None  # answered: the reply, as checked
    # Otherwise the last reply, unchecked, as the stage keeps it (None when none came).
    reply: Any = None
    error: str | None = None  # why there is no value, in one line
    reasks: int = 0  # re-asks that ran before the re-asks ran out
    cut_off: str | None = None  # the token caps the reply was cut off at, in words
    cached: bool = False


class CachedReply(BaseModel):
    """A cache entry: the outcome and the final reply of a question (see the module's text).
    An entry of another shape is damaged."""

    outcome: Literal["answered", "unchecked", "too_long"]
    reply: Any  # required: {} is no entry of this version's
    error: str | None = None
    reasks: int = 0
    cut_off: str | None = None


class ModelStage:
    """A model stage; a subclass says which (`stage`), with which prompt, response schema
    and re-ask bound."""

    stage: Stage
    prompt_name: str
    response_model: type[BaseModel]
    schema_version: str
    max_reasks: int

    def __init__(
        self,
        settings: Settings,
        *,
        cache: ResponseCache | None = None,
        client_factory: Callable[[], ModelClient] | None = None,
        note: Callable[[str], None] = stderr_note,
        formats: RequestFormats | None = None,
    ) -> None:
        self.settings = settings
        self.model = settings.model
        # The request format the endpoint takes, shared with the run's other stage (pass
        # one stage's `formats` to the next), so that a rejected one is not asked in again.
        self.formats = formats or RequestFormats(settings)
        self.note = note
        self.prompt = load_prompt(self.prompt_name)
        assert settings.cache_dir is not None
        self.cache = cache or ResponseCache(settings.cache_dir, enabled=settings.use_cache, warn=note)
        # Kept beside the cache, and like it not kept with --no-cache.
        self.log = RequestLog(self.cache.directory, enabled=self.cache.enabled, warn=note)
        # Where requests go, as it may be shown: credentials in the URL are no part of it.
        self.endpoint = display_url(settings.base_url) if settings.base_url else "openai"
        self._client_factory = client_factory or (
            lambda: ModelClient(settings, note=note, formats=self.formats)
        )
        self._client: ModelClient | None = None  # the run's client, once made
        self._usage = Usage()  # the run's, while a run counts into one

    def request_for(self, messages: list[dict[str, str]]) -> ModelRequest:
        """The request these messages make, with this stage's schema and settings."""
        settings = self.settings
        assert settings.model is not None, "a model stage runs with a model configured"
        return ModelRequest(
            model=settings.model,
            messages=messages,
            response_model=self.response_model,
            temperature=settings.temperature,
            seed=settings.seed,
            max_tokens=settings.max_output_tokens,
            max_reasks=self.max_reasks,
        )

    def request_key(self, request: ModelRequest) -> str:
        """The cache key of `request`: all of it, where it goes and in which request formats
        it may be asked (the formats to try, which are the same on every run, not the one a
        fallback settled on), the prompt it was made from and the schema's version."""
        return cache_key(
            {
                "stage": self.stage,
                "endpoint": self.endpoint,
                "modes": list(self.formats.chain),
                "prompt": [self.prompt.name, self.prompt.content_hash],
                "schema_version": self.schema_version,
                **request.key_parts(),
            }
        )

    def kept_of_reply(self, reply: Any) -> Any:
        """What of an unchecked last reply is kept and cached; the stage may keep less."""
        return reply

    async def ask(self, question: Question) -> Asked:
        """What came of `question`: from the cache when it holds the answer to exactly this
        request, else from the model. A refused request (ModelRefusedError) stops the run."""
        request = self.request_for(question.messages)
        # Only the cache and the log read the key: a run with neither (--no-cache) makes none.
        key = self.request_key(request) if self.cache.enabled or self.log.enabled else ""
        spent = Usage()  # what asking the model cost, for the log
        mode: str | None = None
        asked = self._from_cache(key, request, question)
        if asked is not None:
            self._usage.cache_hits += 1
        else:
            asked, mode = await self._from_model(request, question, spent)
            self.keep(key, asked)
        self._log(key, request, question, asked, spent, mode)
        return asked

    def keep(self, key: str, asked: Asked) -> None:
        """Caches what came of the request `key` is the key of, as `ask` finds it again:
        every outcome but a failure (no answer), which the next run asks again."""
        if asked.outcome == "failed":
            return
        self.cache.set(
            key,
            CachedReply(
                outcome=asked.outcome,
                reply=asked.value.model_dump(mode="json") if asked.value is not None else asked.reply,
                error=asked.error,
                reasks=asked.reasks,
                cut_off=asked.cut_off,
            ).model_dump(exclude_none=True),
        )

    def answered_elsewhere(self, key: str, question: Question, asked: Asked, spent: Usage, mode: str) -> None:
        """Keeps and logs what came of `question` by another way than `ask` (a line of a
        provider's batch, checked by the caller), as `ask` keeps and logs its own answers."""
        self.keep(key, asked)
        self._log(key, self.request_for(question.messages), question, asked, spent, mode)

    async def ask_further(
        self, key: str, question: Question, conversation: list[dict[str, Any]], reasks_done: int
    ) -> Asked:
        """Asks the model the rest of a conversation begun by another way (a batch line whose
        reply failed the checks): `conversation` is the messages so far, after `reasks_done`
        re-asks, and the re-asks left are allowed. What came of it is kept under `key`, the
        key of `question`'s request, and logged, as `ask` keeps and logs its answers."""
        first = self.request_for(question.messages)
        # A re-ask's messages hold more than text (a tool call, its result): sent as they are.
        request = replace(
            first,
            messages=cast(list[dict[str, str]], conversation),
            max_reasks=max(first.max_reasks - reasks_done, 0),
        )
        spent = Usage()
        asked, mode = await self._from_model(request, question, spent)
        if asked.outcome == "unchecked":
            asked.reasks += reasks_done
        self.keep(key, asked)
        self._log(key, request, question, asked, spent, mode)
        return asked

    def _from_cache(self, key: str, request: ModelRequest, question: Question) -> Asked | None:
        entry = self.cache.get_as(key, CachedReply)
        if entry is None:
            return None
        if entry.outcome != "answered":
            # Salvaged part by part by the stage, as the last reply of a live conversation is.
            return Asked(
                entry.outcome,
                reply=entry.reply,
                error=entry.error,
                reasks=entry.reasks,
                cut_off=entry.cut_off,
                cached=True,
            )
        try:
            with validating_against(None):
                request.response_model.model_validate(entry.reply)
        except (ValidationError, RecursionError):
            self.cache.damaged(key)  # no reply of this schema's shape
            return None
        try:
            with validating_against(question.checks):
                value = request.response_model.model_validate(entry.reply)
        except ValidationError:
            # It passed the checks it was asked under, not today's: the model is asked again
            # (with re-asks), as it would be for a reply that fails them.
            return None
        return Asked("answered", value=value, cached=True)

    async def _from_model(
        self, request: ModelRequest, question: Question, spent: Usage
    ) -> tuple[Asked, str | None]:
        try:
            with validating_against(question.checks):
                reply = await self._run_client().structured(request, spent)
        except RequestTooLongError as refused:
            # A re-ask grown past the context: the reply it re-asked may still have parts.
            return Asked("too_long", reply=self.kept_of_reply(refused.last_answer), error=str(refused)), None
        except ModelRefusedError:
            raise
        except ModelError as error:
            return Asked("failed", reply=error.last_answer, error=str(error)), None
        if isinstance(reply.value, request.response_model):
            return Asked("answered", value=reply.value), reply.mode
        return Asked(
            "unchecked",
            reply=self.kept_of_reply(reply.unvalidated),
            error=reply.error or "no answer",
            reasks=reply.reasks,
            cut_off=reply.cut_off,
        ), reply.mode

    def _log(
        self,
        key: str,
        request: ModelRequest,
        question: Question,
        asked: Asked,
        spent: Usage,
        mode: str | None,
    ) -> None:
        if not self.log.enabled:
            return  # no row is written (no cache, or a log that could not be kept): none is made
        sent = request.key_parts()
        # The schema is the response model's, named; the full schema would repeat in every row.
        sent["response_model"] = request.response_model.__name__
        entry = LoggedRequest(
            time=datetime.now(UTC).isoformat(timespec="seconds"),
            stage=self.stage,
            model=request.model,
            endpoint=self.endpoint,
            source=question.about,
            cache_hit=asked.cached,
            outcome=asked.outcome,
            error=asked.error,
            mode=mode,
            # A line of a provider's batch is a request too, made by another way.
            requests=spent.requests + spent.batched_requests,
            retries=spent.retries,
            prompt_tokens=spent.prompt_tokens,
            completion_tokens=spent.completion_tokens,
            key=key,
            request={
                "endpoint": self.endpoint,
                "modes": list(self.formats.chain),
                "prompt": self.prompt.name,
                **sent,
            },
            reply=asked.value.model_dump(mode="json") if asked.value is not None else asked.reply,
        )
        # Nothing of a request carries the API key; an article or a reply that quotes a
        # configured secret is written with *** in its place all the same.
        self.log.record(LoggedRequest.model_validate(scrubbed(entry.model_dump())))

    @property
    def requests_in_flight(self) -> int:
        """Model requests sent and not yet answered (none before the client is made)."""
        return self._client.limit.in_flight if self._client is not None else 0

    def _run_client(self) -> ModelClient:
        if self._client is None:
            self._client = self._client_factory()
        return self._client

    @asynccontextmanager
    async def counting_into(self, usage: Usage) -> AsyncIterator[None]:
        """A run: its questions' cache hits are counted in `usage`; on leaving, the usage of
        its one client goes into `usage` too, the client, cache and log are closed, and the
        cost is estimated."""
        self._usage = usage
        try:
            yield
        finally:
            client, self._client = self._client, None
            if client is not None:
                usage.add(client.usage)
                await client.close()
            self.cache.close()
            self.log.close()
        usage.estimated_cost_usd = estimate_cost(
            self.settings.model, usage.prompt_tokens, usage.completion_tokens, self.settings.prices
        )

    @asynccontextmanager
    async def reporting(
        self,
        progress: ProgressCallback | None,
        stage: Stage,
        counts: Callable[[], tuple[int, int]],
        item: str = "",
    ) -> AsyncIterator[None]:
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


def scrubbed(value: Any) -> Any:
    """`value` with every configured secret in its text replaced by *** (synth.llm.scrub)."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, list):
        return [scrubbed(item) for item in value]
    if isinstance(value, dict):
        return {key: scrubbed(item) for key, item in value.items()}
    return value
