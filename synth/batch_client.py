"""Batch mode's I/O: the provider's Files and Batch APIs, and the state kept beside the cache.

`run_batch` works in two phases, each a batch of one kind (synth.batch). First extraction:
it reads and cleans every story, asks the extractor for each chunk's question, request and
cache key (the key `ModelStage.ask` looks under), and keeps those the cache cannot answer.
Then, once no extraction batch is still running and the model reconciles, the model
reconcile: each story is extracted (from the cache the first phase filled; what it could not
answer is asked live, as the normal run would), its claims planned into the reconcile's
questions (ModelReconciler.questions, as a live reconcile asks them), and those the cache
cannot answer go into a second batch the same way. In each phase, requests already in a
batch saved by an earlier run are not asked again: that batch is looked up instead. The rest
are written as one JSONL file, with the very bodies the live path sends
(synth.llm.request_body of the request), uploaded and made a batch, whose state (ids, and
each line's cache key, messages, and the article text or claims its answer is checked
against) is saved in `<cache>/batches/` before and after the batch is made, so a process
that dies at any point leaves enough for the next run with the same inputs to find it.

A finished batch is collected: each answer is checked with the live path's response model
and validators (synth.llm.parse_completion; the article, or the claims, the request carried)
and stored in the cache and the request log as `ask` stores and logs a live one
(ModelStage.answered_elsewhere); an answer that fails the checks goes on as the live path's
re-ask (instructor's re-ask message, sent live by the client call `ask` makes,
ModelStage.ask_further); a line that failed, expired or never ran is left to the live path
(the reconcile phase asks a missing extraction, the normal run a missing reconcile). Nothing
that was answered is asked again: the normal run finds every stored answer in the cache.

This module imports openai for the Files and Batch endpoints (synth.llm keeps the chat
completions path); the API key goes into the client's header only, never into the state.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import openai
from pydantic import BaseModel

from synth.batch import (
    BATCH_ENDPOINT,
    COMPLETION_WINDOW,
    FINISHED,
    BatchKind,
    BatchState,
    PlannedRequest,
    ResultLine,
    custom_id,
    how_far,
    jsonl,
    load_state,
    poll_delays,
    reconcile_custom_id,
    result_lines,
    split_for_limits,
    unique_by_key,
)
from synth.clean import clean_sources
from synth.config import Settings
from synth.errors import ModelError, ModelRefusedError, SynthError
from synth.extract.llm import LLMExtractor, chunk_where, delimited_safely
from synth.extract.schema import ArticleShown
from synth.llm import (
    ParsedCompletion,
    _remember_secrets,
    error_reason,
    parse_completion,
    reask_messages,
    reported_tokens,
    request_body,
    scrub,
)
from synth.load import load_sources
from synth.many import Story
from synth.model_stage import Asked, CachedReply, ModelStage, Question
from synth.models import Usage
from synth.pricing import estimate_cost
from synth.progress import Progress, ProgressCallback
from synth.reconcile.checks import CheckContext
from synth.validation_data import validating_against
from synth.wire import display_url, repaired_utf8, scrub_bytes

if TYPE_CHECKING:
    from synth.reconcile.model import ModelReconciler

POLL_SECONDS = 10.0
LONGEST_POLL_SECONDS = 300.0
STATE_FOLDER = "batches"


@dataclass
class BatchRun:
    """What a batch-mode run did before the normal run: requests it found needed, batches
    it made and collected, the ones still running (a line each), and each story's usage."""

    needed: int = 0
    submitted: list[str] = field(default_factory=list)
    collected: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)
    usage: dict[str, Usage] = field(default_factory=dict)

    @property
    def done(self) -> bool:
        """True when no batch is still running: the normal run can follow."""
        return not self.waiting

    def story_usage(self, story: str, model: str | None) -> Usage:
        return self.usage.setdefault(story, Usage(extractor="llm", model=model))


class BatchStore:
    """State files of submitted batches, `<cache>/batches/<id>.json`, one per batch."""

    def __init__(self, cache_dir: Path) -> None:
        self.directory = Path(cache_dir) / STATE_FOLDER

    def save(self, state: BatchState) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self._path(state)
        temporary = path.with_suffix(".tmp")
        # Written whole, then renamed: a process killed mid-write leaves the old file.
        temporary.write_text(state.model_dump_json(), encoding="utf-8")
        os.replace(temporary, path)
        if state.batch_id is not None:
            (self.directory / f"{state.input_file_id}.json").unlink(missing_ok=True)

    def states(self, endpoint: str, model: str) -> list[BatchState]:
        """Saved batches of this endpoint and model, oldest first; unreadable ones skipped."""
        if not self.directory.is_dir():
            return []
        found = []
        for path in sorted(self.directory.glob("*.json")):
            try:
                state = load_state(path.read_text(encoding="utf-8"))
            except OSError:
                continue
            if state is not None and state.endpoint == endpoint and state.model == model:
                found.append(state)
        return sorted(found, key=lambda s: s.created_at)

    def remove(self, state: BatchState) -> None:
        self._path(state).unlink(missing_ok=True)
        (self.directory / f"{state.input_file_id}.json").unlink(missing_ok=True)

    def _path(self, state: BatchState) -> Path:
        return self.directory / f"{state.batch_id or state.input_file_id}.json"


class BatchApi:
    """The provider's Files and Batch endpoints; every failure is one ModelError line."""

    def __init__(self, settings: Settings) -> None:
        self.url = display_url(settings.base_url or "https://api.openai.com/v1")
        api_key = (settings.api_key or "").strip() or "not-needed"
        _remember_secrets(api_key, settings.base_url)
        # openai's own retries (with backoff, honouring Retry-After) suffice for these few
        # requests; none of them is a model answer to pace.
        self._client = openai.OpenAI(
            api_key=api_key, base_url=settings.base_url, timeout=settings.request_timeout, max_retries=3
        )

    def upload(self, data: bytes, name: str) -> str:
        uploaded = self._call(
            "upload the batch file", lambda: self._client.files.create(file=(name, data), purpose="batch")
        )
        return str(uploaded.id)

    def create(self, input_file_id: str, metadata: dict[str, str]) -> Any:
        return self._call(
            "make the batch",
            lambda: self._client.batches.create(
                input_file_id=input_file_id,
                endpoint=BATCH_ENDPOINT,
                completion_window=COMPLETION_WINDOW,
                metadata=metadata,
            ),
        )

    def retrieve(self, batch_id: str) -> Any:
        return self._call(f"look up batch {batch_id}", lambda: self._client.batches.retrieve(batch_id))

    def made_from(self, input_file_id: str) -> Any | None:
        """The batch made from this uploaded file, if one was (a process killed between
        making it and saving its id)."""
        page = self._call("list batches", lambda: self._client.batches.list(limit=100))
        return next((b for b in page.data if b.input_file_id == input_file_id), None)

    def content(self, file_id: str) -> bytes:
        data = self._call(f"download {file_id}", lambda: self._client.files.content(file_id).content)
        # As for live answers: a configured secret echoed back is replaced before use.
        from synth.llm import _CONFIGURED_KEYS

        return scrub_bytes(repaired_utf8(data), _CONFIGURED_KEYS)

    def close(self) -> None:
        self._client.close()

    def _call(self, what: str, call: Callable[[], Any]) -> Any:
        try:
            return call()
        except openai.NotFoundError as error:
            raise BatchNotFoundError(f"{self.url} cannot {what} (HTTP 404): {error_reason(error)}") from None
        except (openai.AuthenticationError, openai.PermissionDeniedError) as error:
            raise ModelRefusedError(
                f"the API key was refused by {self.url} (HTTP {error.status_code}): {error_reason(error)}"
            ) from None
        except openai.APIStatusError as error:
            raise ModelError(
                f"{self.url} cannot {what} (HTTP {error.status_code}): {error_reason(error)}"
            ) from None
        except openai.APIError as error:
            raise ModelError(f"{self.url} cannot {what}: {error_reason(error)}") from None


class BatchNotFoundError(ModelError):
    """The provider does not know the batch or file (another account, or it was deleted)."""


def run_batch(
    stories: Sequence[Story],
    settings: Settings,
    *,
    wait: bool,
    extractor: LLMExtractor | None = None,
    note: Callable[[str], None] = print,
    progress: ProgressCallback | None = None,
    poll_seconds: float = POLL_SECONDS,
    longest_poll: float = LONGEST_POLL_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
) -> BatchRun:
    """Plans, submits, finds, waits for (with `wait`) and collects the batches that answer
    the stories' extraction requests, then their model reconcile's; see the module
    docstring."""
    extractor = extractor or LLMExtractor(settings, note=note)
    run = BatchRun()
    api = BatchApi(settings)
    store = BatchStore(settings.cache_dir or Path("."))

    def phase(kind: BatchKind, planned: list[PlannedRequest], stage: ModelStage) -> None:
        _run_phase(
            kind,
            planned,
            stage,
            api,
            store,
            run,
            settings,
            wait=wait,
            note=note,
            progress=progress,
            delays=lambda: poll_delays(poll_seconds, longest_poll),
            sleep=sleep,
        )

    try:
        phase("extract", plan_requests(stories, settings, extractor), extractor)
        if run.done and settings.reconciles_with_model:
            from synth.reconcile.model import ModelReconciler

            # The extractor's request formats: the reconcile's bodies are in the format the
            # extraction settled on, as a live run's are.
            reconciler = ModelReconciler(settings, formats=extractor.formats, note=note)
            try:
                phase("reconcile", plan_reconcile(stories, settings, extractor, reconciler, run), reconciler)
            finally:
                reconciler.cache.close()
                reconciler.log.close()
    finally:
        api.close()
        extractor.cache.close()
        extractor.log.close()
    return run


def _run_phase(
    kind: BatchKind,
    planned: list[PlannedRequest],
    stage: ModelStage,
    api: BatchApi,
    store: BatchStore,
    run: BatchRun,
    settings: Settings,
    *,
    wait: bool,
    note: Callable[[str], None],
    progress: ProgressCallback | None,
    delays: Callable[[], Iterator[float]],
    sleep: Callable[[float], None],
) -> None:
    """One kind of batch: finds the saved batches that hold some of `planned`, submits the
    rest, and follows each (collecting it when finished)."""
    assert settings.model is not None
    run.needed += len(planned)
    needed = {request.key for request in planned}
    claimed: dict[str, BatchState] = {}
    mine: list[BatchState] = []
    for state in store.states(api.url, settings.model):
        if state.kind != kind or not state.keys() & needed:
            continue  # another phase's, or another run's inputs: its own rerun collects it
        if state.batch_id is None and not _find_made(api, store, state):
            continue
        mine.append(state)
        claimed.update(dict.fromkeys(state.keys(), state))
    found = {id(state) for state in mine}  # saved by an earlier process
    fresh = [request for request in planned if request.key not in claimed]
    for number, part in enumerate(split_for_limits(fresh)):
        # What this run's earlier batches cost goes with the first batch made now, once.
        carried = {story: usage.model_copy() for story, usage in run.usage.items()} if number == 0 else {}
        state = _submit(api, store, settings, stage.formats.mode, part, kind, carried)
        run.submitted.append(state.batch_id or "")
        mine.append(state)
        stories_in = len({r.story for r in part})
        what = "reconcile request" if kind == "reconcile" else "request"
        note(
            f"synth: batch {state.batch_id} submitted: {len(part):,} {what}"
            f"{'' if len(part) == 1 else 's'} from {stories_in} "
            f"stor{'y' if stories_in == 1 else 'ies'}"
        )
    for state in mine:
        collected = _follow(
            api,
            store,
            state,
            run,
            stage,
            settings,
            wait=wait,
            note=note,
            progress=progress,
            delays=delays(),
            sleep=sleep,
        )
        if collected and id(state) in found:  # its carried usage is not in `run` yet
            for story, usage in state.carried_usage.items():
                run.story_usage(story, settings.model).add(usage)


def plan_requests(
    stories: Sequence[Story], settings: Settings, extractor: LLMExtractor
) -> list[PlannedRequest]:
    """Every extraction request of the stories that the cache cannot answer, once each."""
    planned = []
    mode = extractor.formats.mode
    for story in stories:
        loaded = load_sources(story.paths, max_bytes=settings.max_bytes, fetch_timeout=settings.fetch_timeout)
        for document in clean_sources(loaded.sources).documents:
            for request in extractor.chunk_requests(document):
                if extractor.cache.get_as(request.key, CachedReply) is not None:
                    continue  # answered: `ask` finds it
                planned.append(
                    PlannedRequest(
                        custom_id=custom_id(story.name, document.source.id, request.number, request.chunks),
                        key=request.key,
                        story=story.name,
                        source_id=document.source.id,
                        chunk_number=request.number,
                        chunks=request.chunks,
                        chunk=request.chunk,
                        messages=request.question.messages,
                        body=request_body(request.request, mode),
                    )
                )
    return unique_by_key(planned)


def plan_reconcile(
    stories: Sequence[Story],
    settings: Settings,
    extractor: LLMExtractor,
    reconciler: ModelReconciler,
    run: BatchRun,
) -> list[PlannedRequest]:
    """Every model reconcile request of the stories that the cache cannot answer, once each:
    each story extracted as the normal run extracts it (from the cache, and what the cache
    cannot answer asked live, its cost counted in `run`), and its claims asked about as the
    live reconcile asks (ModelReconciler.questions)."""
    from synth.pipeline import extract_story

    planned = []
    mode = reconciler.formats.mode
    for story in stories:
        try:
            extracted = extract_story(story.paths, settings, extractor=extractor)
        except SynthError:
            continue  # the normal run that follows says why this story has no report
        spent = extracted.batch.usage
        if spent.requests:
            run.story_usage(story.name, settings.model).add(
                Usage(
                    requests=spent.requests,
                    retries=spent.retries,
                    prompt_tokens=spent.prompt_tokens,
                    completion_tokens=spent.completion_tokens,
                    estimated_cost_usd=spent.estimated_cost_usd,
                )
            )
        claims = extracted.grounded.claims
        if not claims:
            continue  # nothing to reconcile: the normal run does not ask either
        questions = reconciler.questions(claims, extracted.sources, extracted.rules)
        for number, (batch, question) in enumerate(questions, 1):
            request = reconciler.request_for(question.messages)
            key = reconciler.request_key(request)
            if reconciler.cache.get_as(key, CachedReply) is not None:
                continue  # answered: `ask` finds it
            planned.append(
                PlannedRequest(
                    custom_id=reconcile_custom_id(story.name, number, len(questions)),
                    key=key,
                    story=story.name,
                    messages=question.messages,
                    body=request_body(request, mode),
                    claims=batch.claims,
                    sources=extracted.sources,
                    about=question.about,
                )
            )
    return unique_by_key(planned)


def _submit(
    api: BatchApi,
    store: BatchStore,
    settings: Settings,
    mode: str,
    requests: list[PlannedRequest],
    kind: BatchKind,
    carried_usage: dict[str, Usage],
) -> BatchState:
    file_id = api.upload(jsonl(requests), f"synth-{kind}.jsonl")
    assert settings.model is not None
    state = BatchState(
        kind=kind,
        endpoint=api.url,
        model=settings.model,
        mode=mode,
        input_file_id=file_id,
        created_at=time.time(),
        requests=requests,
        carried_usage=carried_usage,
    )
    store.save(state)  # before the batch is made: a death now leaves the file to find
    batch = api.create(file_id, {"made_by": "synth", "kind": kind})
    state.batch_id = batch.id
    store.save(state)
    return state


def _find_made(api: BatchApi, store: BatchStore, state: BatchState) -> bool:
    """For a state saved between upload and batch: finds the batch, or makes it from the
    uploaded file. False when the file is gone (its requests are planned afresh)."""
    try:
        batch = api.made_from(state.input_file_id) or api.create(
            state.input_file_id, {"made_by": "synth", "kind": state.kind}
        )
    except BatchNotFoundError:
        store.remove(state)
        return False
    state.batch_id = batch.id
    store.save(state)
    return True


def _follow(
    api: BatchApi,
    store: BatchStore,
    state: BatchState,
    run: BatchRun,
    stage: ModelStage,
    settings: Settings,
    *,
    wait: bool,
    note: Callable[[str], None],
    progress: ProgressCallback | None,
    delays: Any,
    sleep: Callable[[float], None],
) -> bool:
    """Looks the batch up (waiting for it with `wait`) and collects it once finished; True
    when it was collected, False when it is still running or lost."""
    assert state.batch_id is not None
    try:
        batch = api.retrieve(state.batch_id)
    except BatchNotFoundError:
        note(
            f"synth: batch {state.batch_id} is not known to {api.url} any more; its "
            f"{len(state.requests):,} requests are asked live"
        )
        store.remove(state)
        return False
    while batch.status not in FINISHED and wait:
        _report(progress, batch)
        sleep(next(delays))
        batch = api.retrieve(state.batch_id)
    _report(progress, batch, final=batch.status in FINISHED)
    counts = batch.request_counts
    far = how_far(
        batch.status,
        counts.completed if counts else 0,
        counts.failed if counts else 0,
        counts.total if counts else len(state.requests),
    )
    if batch.status not in FINISHED:
        run.waiting.append(f"batch {batch.id} is {far}")
        return False
    collect(api, state, batch, run, stage, settings, note=note)
    store.remove(state)
    run.collected.append(batch.id)
    return True


def _report(progress: ProgressCallback | None, batch: Any, final: bool = False) -> None:
    if progress is None:
        return
    counts = batch.request_counts
    total = max(counts.total if counts else 0, 1)
    done = (counts.completed + counts.failed) if counts else 0
    # Done only once finished: a display ends the line when done reaches total.
    done = total if final else min(done, total - 1)
    progress(Progress("batch", done, total, item=f"{batch.id} {batch.status}"))


def collect(
    api: BatchApi,
    state: BatchState,
    batch: Any,
    run: BatchRun,
    stage: ModelStage,
    settings: Settings,
    *,
    note: Callable[[str], None],
) -> None:
    """Stores every good answer of a finished batch, re-asks live the ones that fail the
    checks, and says what is left to the live run."""
    by_id = {request.custom_id: request for request in state.requests}
    lines: list[ResultLine] = []
    damaged = 0
    for file_id in (batch.output_file_id, batch.error_file_id):
        if file_id:
            for line in result_lines(api.content(file_id)):
                if isinstance(line, str):
                    damaged += 1
                else:
                    lines.append(line)
    stored, to_reask, failed = 0, [], []
    answered: set[str] = set()
    table = settings.prices
    for line in lines:
        request = by_id.get(line.custom_id)
        if request is None or line.custom_id in answered:
            damaged += 1
            continue
        answered.add(line.custom_id)
        if line.status_code != 200:
            failed.append(line.error or "no answer")
            continue
        usage = run.story_usage(request.story, settings.model)
        prompt, completion = reported_tokens(line.body)
        spent = Usage(batched_requests=1, prompt_tokens=prompt, completion_tokens=completion)
        usage.add(spent)
        cost = estimate_cost(settings.model, prompt, completion, table, batch=True)
        if cost is not None:  # an unknown model's cost stays unknown, never 0
            usage.estimated_cost_usd = (usage.estimated_cost_usd or 0.0) + cost
        question = question_of(request, batch.id)
        parsed = checked(question, line.body, state.mode, stage.response_model)
        if parsed.value is not None:
            stage.answered_elsewhere(
                request.key, question, Asked("answered", value=parsed.value), spent, state.mode
            )
            stored += 1
        elif parsed.cut_off or parsed.completion is None:
            failed.append(
                "the answer was cut off at the token cap"
                if parsed.cut_off
                else "the answer is not a chat completion"
            )
        else:
            to_reask.append((request, question, parsed))
    never_ran = len(by_id) - len(answered)
    reasked = _reask_live(to_reask, state.mode, run, stage, settings, note)
    parts = [f"{stored:,} answer{'' if stored == 1 else 's'} stored"]
    if to_reask:
        parts.append(f"{reasked:,} of {len(to_reask):,} that failed the checks re-asked live")
    left = len(failed) + never_ran + (len(to_reask) - reasked)
    if left:
        why = "; ".join(dict.fromkeys(scrub(f) for f in failed)) or batch.status
        parts.append(f"{left:,} asked live ({why[:200]})")
    if damaged:
        parts.append(f"{damaged} result line{'' if damaged == 1 else 's'} not understood")
    note(f"synth: batch {batch.id} {batch.status}: " + ", ".join(parts))


def question_of(request: PlannedRequest, batch_id: str) -> Question:
    """The question a batch line asked, as the live path asks it (an extraction's quotes held
    to the article as the request showed it; a reconcile's facts to the claims it carried),
    named in the request log by its batch."""
    if request.claims:
        return Question(
            request.messages,
            CheckContext.for_claims(request.claims, request.sources),
            f"{request.about} in batch {batch_id}",
        )
    return Question(
        request.messages,
        ArticleShown(delimited_safely(request.chunk)),
        f"{request.source_id}{chunk_where(request.chunk_number, request.chunks)} in batch {batch_id}",
    )


def checked(question: Question, body: Any, mode: str, response_model: type[BaseModel]) -> ParsedCompletion:
    """A batch answer checked as the live path checks one: the response model, with the
    question's checks (what the request carried)."""
    with validating_against(question.checks):
        return parse_completion(response_model, mode, body)


Reask = tuple[PlannedRequest, Question, ParsedCompletion]


def _reask_live(
    items: list[Reask],
    mode: str,
    run: BatchRun,
    stage: ModelStage,
    settings: Settings,
    note: Callable[[str], None],
) -> int:
    """The live path's re-ask of each answer that failed the checks; how many were stored."""
    if not items:
        return 0
    stored = 0
    by_story: dict[str, list[Reask]] = {}
    for item in items:
        by_story.setdefault(item[0].story, []).append(item)

    async def story_reasks(story: str, items: list[Reask]) -> int:
        done = 0
        semaphore = asyncio.Semaphore(settings.concurrency)
        live = Usage(extractor="llm", model=settings.model)

        async def one(request: PlannedRequest, question: Question, parsed: ParsedCompletion) -> None:
            nonlocal done
            conversation = reask_messages(mode, request.messages, request.body, parsed)
            async with semaphore:
                asked = await stage.ask_further(request.key, question, conversation, reasks_done=1)
            if asked.outcome == "failed":
                note(f"synth: {request.custom_id}: the re-ask failed ({asked.error}); it is asked live")
            else:
                done += 1

        async with stage.counting_into(live):
            await asyncio.gather(*(one(*item) for item in items))
        run.story_usage(story, settings.model).add(live)
        return done

    for story, story_items in by_story.items():
        stored += asyncio.run(story_reasks(story, story_items))
    return stored
