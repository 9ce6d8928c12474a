"""The model stage of reconcile: one cached, retried, validated request per batch of claims
(network I/O through synth.llm).

The deterministic facts and overview are always computed first (pipeline.py); this module
asks the model to do better and keeps only what passes synth's checks. Each batch is one
question asked through ModelStage.ask (the request, its cache and its counts, as for
extraction); this module says what to ask and what to make of the answer. When a batch's
answer still fails the checks after MAX_REASKS re-asks, or a re-ask of it fails (after
retries), the parts that pass are kept and the rules cover the rest; a batch whose request
fails with no answer falls back to the rules entirely. Either is said in `problems`; nothing
the model wrote unchecked reaches the report.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from synth.model_stage import Asked, ModelStage, Question
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

PROMPT_NAME = "reconcile_facts.v1"
# Re-asks after an answer that fails a check (an unknown id, a number not in its claims …).
MAX_REASKS = 2


class ModelReconciler(ModelStage):
    stage = "reconcile"
    prompt_name = PROMPT_NAME
    response_model = ReconcileResponse
    schema_version = SCHEMA_VERSION
    max_reasks = MAX_REASKS
    usage: Usage  # the last reconcile's, set when it starts

    def reconcile(
        self,
        claims: Sequence[Claim],
        sources: Sequence[Source],
        rules: RulesReconcile,
        progress: ProgressCallback | None = None,
    ) -> Reconciled:
        return asyncio.run(self.reconcile_async(claims, sources, rules, progress))

    async def reconcile_async(
        self,
        claims: Sequence[Claim],
        sources: Sequence[Source],
        rules: RulesReconcile,
        progress: ProgressCallback | None = None,
    ) -> Reconciled:
        """The model's facts and overview where they pass the checks, and `rules` (the
        rules' reconcile of the same claims) for the rest. `progress` hears
        Progress("reconcile", batches done, batches, requests in flight, "N claims")."""
        self.usage = Usage(extractor="llm", model=self.settings.model)
        questions = self.questions(claims, sources, rules)
        batches = [batch for batch, _ in questions]
        if len(batches) > 1:
            self.note(
                f"synth: {len(claims)} claims are over the reconcile budget of "
                f"{self.settings.reconcile_budget_tokens} tokens; reconciling them in "
                f"{len(batches)} batches of whole groups"
            )
        semaphore = asyncio.Semaphore(self.settings.concurrency)
        done = 0
        claim_count = f"{len(claims)} claim{'' if len(claims) == 1 else 's'}"

        def report() -> None:
            if progress:
                progress(Progress("reconcile", done, len(batches), self.requests_in_flight, item=claim_count))

        async def one(batch: ReconcileBatch, question: Question) -> BatchAnswer:
            nonlocal done
            async with semaphore:
                answer = batch_answer(batch, await self.ask(question))
            done += 1
            report()
            return answer

        async with (
            self.counting_into(self.usage),
            self.reporting(progress, "reconcile", lambda: (done, len(batches)), claim_count),
        ):
            answers = await asyncio.gather(*(one(b, q) for b, q in questions))
        # This Usage counts the reconcile alone, so all its requests are reconcile requests.
        self.usage.reconcile_requests = self.usage.requests
        return assemble(answers, claims, sources, rules)

    def questions(
        self, claims: Sequence[Claim], sources: Sequence[Source], rules: RulesReconcile
    ) -> list[tuple[ReconcileBatch, Question]]:
        """The batches of claims the reconcile sends and the question each makes, in order
        (batch mode plans its reconcile lines from the same questions)."""
        batches = plan_batches(rules.groups, claims, sources, self.settings.reconcile_budget_tokens)
        return [
            (
                batch,
                self.question(
                    batch, sources, f"batch {n} of {len(batches)}" if len(batches) > 1 else "all claims"
                ),
            )
            for n, batch in enumerate(batches, 1)
        ]

    def question(self, batch: ReconcileBatch, sources: Sequence[Source], about: str = "") -> Question:
        """The question a batch makes; its answer is checked against the batch's claims."""
        messages = self.prompt.render(
            claims=batch_payload(batch, sources),
            claim_count=str(len(batch.claims)),
            source_count=str(len({c.source_id for c in batch.claims})),
        )
        return Question(messages, CheckContext.for_claims(batch.claims, sources), about)


def batch_answer(batch: ReconcileBatch, asked: Asked) -> BatchAnswer:
    """What came of a batch's question, for `assemble` to check part by part."""
    if isinstance(asked.value, ReconcileResponse):
        return BatchAnswer(batch, asked.value, None, reasks=0)
    if asked.outcome == "unchecked":
        return BatchAnswer(
            batch, parse_leniently(asked.reply), asked.error, reasks=asked.reasks, cut_off=asked.cut_off
        )
    # No answer, or refused as too long: what came back before that is checked part by part
    # like any last answer, and the rules cover the rest.
    return BatchAnswer(batch, parse_leniently(asked.reply), asked.error, interrupted=asked.reply is not None)
