"""The model stage of reconcile: one cached, retried, validated request per batch of claims
(network I/O through synth.llm).

The deterministic facts and overview are always computed first (pipeline.py); this module
asks the model to do better and keeps only what passes synth's checks. Each batch's answer
is cached under a key of everything that changes it, like extraction answers, and counted in
the same Usage. When a batch's answer still fails the checks after MAX_REASKS re-asks, or a
re-ask of it fails (after retries), the parts that pass are kept and the rules cover the
rest; a batch whose request fails with no answer falls back to the rules entirely. Either is
said in `problems`; nothing the model wrote unchecked reaches the report.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel

from synth.cache import ResponseCache, cache_key
from synth.config import Settings
from synth.errors import ModelError, ModelRefusedError
from synth.llm import ModelClient, RequestFormats, mode_chain
from synth.model_stage import ModelStage, stderr_note
from synth.models import Claim, Source, Usage
from synth.progress import Progress, ProgressCallback
from synth.reconcile.batches import ReconcileBatch, batch_payload, plan_batches
from synth.reconcile.checks import CheckContext
from synth.reconcile.merge import BatchAnswer, Reconciled, RulesReconcile, assemble
from synth.reconcile.schema import (
    SCHEMA_VERSION,
    ReconcileResponse,
    parse_leniently,
)
from synth.validation_data import validating_against

PROMPT_NAME = "reconcile_facts.v1"
# Re-asks after an answer that fails a check (an unknown id, a number not in its claims …).
MAX_REASKS = 2


class CachedBatch(BaseModel):
    """A batch's cache entry: the answer as it came (checked again on every use) and why it
    failed, if it did. An entry of another shape is damaged."""

    answer: Any  # required: {} is no entry of this version's
    error: str | None = None
    reasks: int | None = None  # None: written before the count was kept
    cut_off: str | None = None


class ModelReconciler(ModelStage):
    def __init__(self, settings: Settings, *, cache: ResponseCache | None = None,
                 client_factory: Callable[[], ModelClient] | None = None,
                 note: Callable[[str], None] = stderr_note,
                 formats: RequestFormats | None = None) -> None:
        super().__init__(settings, prompt_name=PROMPT_NAME, response_model=ReconcileResponse,
                         schema_version=SCHEMA_VERSION, cache=cache,
                         client_factory=client_factory, note=note, formats=formats)
        self.usage = Usage(extractor="llm", model=settings.model)

    def reconcile(self, claims: Sequence[Claim], sources: Sequence[Source],
                  rules: RulesReconcile, progress: ProgressCallback | None = None) -> Reconciled:
        return asyncio.run(self.reconcile_async(claims, sources, rules, progress))

    async def reconcile_async(self, claims: Sequence[Claim], sources: Sequence[Source],
                              rules: RulesReconcile,
                              progress: ProgressCallback | None = None) -> Reconciled:
        """The model's facts and overview where they pass the checks, and `rules` (the
        rules' reconcile of the same claims) for the rest. `progress` hears
        Progress("reconcile", batches done, batches, requests in flight, "N claims")."""
        batches = plan_batches(rules.groups, claims, sources,
                               self.settings.reconcile_budget_tokens)
        if len(batches) > 1:
            self.note(f"synth: {len(claims)} claims are over the reconcile budget of "
                      f"{self.settings.reconcile_budget_tokens} tokens; reconciling them in "
                      f"{len(batches)} batches of whole groups")
        semaphore = asyncio.Semaphore(self.settings.concurrency)
        done = 0
        claim_count = f"{len(claims)} claim{'' if len(claims) == 1 else 's'}"

        def report() -> None:
            if progress:
                progress(Progress("reconcile", done, len(batches), self.requests_in_flight,
                                  item=claim_count))

        async def one(batch: ReconcileBatch, get_client: Callable[[], ModelClient]) -> BatchAnswer:
            nonlocal done
            async with semaphore:
                try:
                    answer = await self._answer(batch, sources, get_client)
                except ModelRefusedError:
                    raise
                except ModelError as error:
                    # Not cached: the next run asks again. What came back before the
                    # failure is checked part by part like any last answer.
                    answer = BatchAnswer(batch, parse_leniently(error.last_answer), str(error),
                                         interrupted=error.last_answer is not None)
            done += 1
            report()
            return answer

        async with self.client_for_run(self.usage) as get_client, \
                self.reporting(progress, "reconcile", lambda: (done, len(batches)), claim_count):
            answers = await asyncio.gather(*(one(b, get_client) for b in batches))
        # This Usage counts the reconcile alone, so all its requests are reconcile requests.
        self.usage.reconcile_requests = self.usage.requests
        return assemble(answers, claims, sources, rules)

    def request_messages(self, batch: ReconcileBatch,
                         sources: Sequence[Source]) -> list[dict[str, str]]:
        return self.prompt.render(claims=batch_payload(batch, sources),
                                  claim_count=str(len(batch.claims)),
                                  source_count=str(len({c.source_id for c in batch.claims})))

    def request_key(self, messages: list[dict[str, str]]) -> str:
        settings = self.settings
        return cache_key({
            "kind": "reconcile", "model": settings.model, "modes": list(mode_chain(settings)),
            "endpoint": settings.base_url or "openai", "messages": messages,
            "prompt": self.prompt.content_hash, "schema": self.schema_hash,
            "temperature": settings.temperature, "seed": settings.seed,
            "max_output_tokens": settings.max_output_tokens, "max_reasks": MAX_REASKS,
        })

    async def _answer(self, batch: ReconcileBatch, sources: Sequence[Source],
                      get_client: Callable[[], ModelClient]) -> BatchAnswer:
        messages = self.request_messages(batch, sources)
        key = self.request_key(messages)
        cached = self.cache.get_as(key, CachedBatch)
        if cached is not None:
            self.usage.cache_hits += 1
            return BatchAnswer(batch, parse_leniently(cached.answer), cached.error,
                               reasks=cached.reasks, cut_off=cached.cut_off)
        # Set for this task only: concurrent batches each check against their own claims.
        with validating_against(CheckContext.for_claims(batch.claims, sources)):
            reply = await get_client().structured(ReconcileResponse, messages, MAX_REASKS)
        entry = CachedBatch(answer=reply.value.model_dump(), reasks=0) \
            if isinstance(reply.value, ReconcileResponse) else \
            CachedBatch(answer=reply.unvalidated, error=reply.error or "no answer",
                        reasks=reply.reasks, cut_off=reply.cut_off)
        # The answer is cached as it came and checked again on every use, so a cache hit
        # is judged exactly like a fresh answer. A cut-off answer is kept as its whole parts.
        self.cache.set(key, entry.model_dump())
        return BatchAnswer(batch, parse_leniently(entry.answer), entry.error,
                           reasks=entry.reasks, cut_off=entry.cut_off)
