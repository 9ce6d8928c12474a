"""The LLM extractor: claims from a model through openai + instructor (network, cache).

Each article's story text (after clean) is split into chunks at sentence boundaries and
sent with the prompt in prompts/extract_claims.v1.md and the ExtractionResponse schema.
Answers are cached on disk under a key of everything that changes them, so a second run
on the same inputs sends no request. Articles run concurrently up to `concurrency`; one
article's failure becomes a problem and the others go on.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Sequence
from typing import Any

from synth.cache import ResponseCache, cache_key
from synth.chunking import chunk_text
from synth.clean import CleanDocument
from synth.config import Settings
from synth.errors import ModelError, ModelRefusedError, RequestTooLongError
from synth.extract import ClaimDraft, ExtractionBatch, ProgressCallback
from synth.extract.schema import (
    ARTICLE_BEING_EXTRACTED,
    SCHEMA_VERSION,
    ExtractedClaim,
    ExtractionResponse,
)
from synth.llm import ModelClient, mode_chain
from synth.model_stage import ModelStage, stderr_note
from synth.models import Problem, Quantity, Usage
from synth.progress import Progress
from synth.salvage import json_object, valid_items
from synth.units import canonical_unit

PROMPT_NAME = "extract_claims.v1"
MAX_CLAIMS_PER_CHUNK = 30
# Re-asks after a reply that fails validation (a quote not in the article, a bad field).
MAX_REASKS = 2
# Article text that looks like the prompt's own <article> or </article> marker. Left as it
# is, an article could close its block early and have the rest read as instructions.
_DELIMITER_LIKE = re.compile(r"<(\s*/?\s*article\b[^<>]*)>", re.IGNORECASE)


class LLMExtractor(ModelStage):
    name = "llm"

    def __init__(self, settings: Settings, *, cache: ResponseCache | None = None,
                 client_factory: Callable[[], ModelClient] | None = None,
                 note: Callable[[str], None] = stderr_note) -> None:
        super().__init__(settings, prompt_name=PROMPT_NAME, response_model=ExtractionResponse,
                         schema_version=SCHEMA_VERSION, cache=cache,
                         client_factory=client_factory, note=note)
        self.model = settings.model

    def extract(self, documents: Sequence[CleanDocument], story_words: frozenset[str],
                progress: ProgressCallback | None = None) -> ExtractionBatch:
        return asyncio.run(self.extract_async(documents, progress))

    async def extract_async(self, documents: Sequence[CleanDocument],
                            progress: ProgressCallback | None = None) -> ExtractionBatch:
        batch = ExtractionBatch(usage=Usage(extractor=self.name, model=self.model))
        semaphore = asyncio.Semaphore(self.settings.concurrency)
        done = 0

        async def one(document: CleanDocument, get_client: Callable[[], ModelClient]) -> None:
            nonlocal done
            async with semaphore:
                source = document.source
                try:
                    batch.drafts[source.id] = await self._extract_document(document, get_client,
                                                                           batch)
                except ModelRefusedError:
                    raise
                except ModelError as error:
                    batch.drafts[source.id] = []
                    batch.problems.append(Problem(path=source.path, source_id=source.id,
                                                  stage="extract", reason=str(error)))
            done += 1
            if progress:
                progress(Progress("extract", done, len(documents), self.requests_in_flight,
                                  item=document.source.id))

        async with self.client_for_run(batch.usage) as get_client, \
                self.reporting(progress, "extract", lambda: (done, len(documents))):
            await asyncio.gather(*(one(d, get_client) for d in documents))
        return batch

    def request_messages(self, document: CleanDocument, chunk: str) -> list[dict[str, str]]:
        source = document.source
        return self.prompt.render(source_id=source.id, outlet=source.outlet or "an unknown outlet",
                                  published=source.published or "an unknown date",
                                  article=delimited_safely(chunk),
                                  max_claims=str(MAX_CLAIMS_PER_CHUNK))

    def request_key(self, messages: list[dict[str, str]]) -> str:
        return cache_key({
            "kind": "extract", "model": self.settings.model, "modes": list(mode_chain(self.settings)),
            "endpoint": self.settings.base_url or "openai", "messages": messages,
            "prompt": self.prompt.content_hash, "schema": self.schema_hash,
            "chunk_chars": self.settings.chunk_chars, "chunk_overlap": self.settings.chunk_overlap,
            "temperature": self.settings.temperature, "seed": self.settings.seed,
            "max_output_tokens": self.settings.max_output_tokens,
            "max_reasks": MAX_REASKS,
        })

    async def _extract_document(self, document: CleanDocument,
                                get_client: Callable[[], ModelClient],
                                batch: ExtractionBatch) -> list[ClaimDraft]:
        text = document.kept_text()
        if not text.strip():
            return []
        drafts: list[ClaimDraft] = []
        seen_quotes: set[str] = set()
        chunks = chunk_text(text, self.settings.chunk_chars, self.settings.chunk_overlap)
        for number, chunk in enumerate(chunks, 1):
            messages = self.request_messages(document, chunk)
            key = self.request_key(messages)
            cached = self.cache.get(key)
            if cached is not None:
                batch.usage.cache_hits += 1
                claims = [ExtractedClaim.model_validate(c) for c in cached["claims"]]
                error, refusal = cached.get("error"), cached.get("refusal")
            else:
                claims, error, refusal = await self._ask(get_client(), messages, chunk)
                # What the model made of the request is kept even when re-asks ran out or
                # it was refused: at temperature 0 asking again only repeats it, and a rerun
                # reports the same problem without a request (--no-cache asks afresh).
                self.cache.set(key, {"claims": [c.model_dump() for c in claims],
                                     **({"error": error} if error else {}),
                                     **({"refusal": refusal} if refusal else {})})
            where = f" (chunk {number} of {len(chunks)})" if len(chunks) > 1 else ""
            if refusal:
                batch.problems.append(Problem(
                    path=document.source.path, source_id=document.source.id,
                    stage="extract", reason=f"{refusal}{where}"))
            elif error:
                batch.problems.append(Problem(
                    path=document.source.path, source_id=document.source.id,
                    stage="extract", reason=f"the model's answer{where} did not fit the "
                                            f"schema after {MAX_REASKS} re-asks: {error}"))
            for claim in claims:
                # Overlapping chunks propose the same sentence twice; keep the first.
                if claim.quote.strip() in seen_quotes:
                    continue
                seen_quotes.add(claim.quote.strip())
                drafts.append(_draft(document.source.id, claim))
        return drafts

    async def _ask(self, client: ModelClient, messages: list[dict[str, str]],
                   chunk: str) -> tuple[list[ExtractedClaim], str | None, str | None]:
        """The claims, the validation error re-asks could not mend, and a refusal of the
        request that asking again would only repeat."""
        # Quotes are checked against the article as the model was shown it.
        article = ARTICLE_BEING_EXTRACTED.set(delimited_safely(chunk))  # this task's requests only
        try:
            reply = await client.structured(ExtractionResponse, messages, MAX_REASKS)
        except RequestTooLongError as refused:
            refusal: RequestTooLongError | None = refused
        else:
            refusal = None
        finally:
            ARTICLE_BEING_EXTRACTED.reset(article)
        if refusal is not None:
            # A re-ask grown past the context: the answer it re-asked may still have claims.
            return salvage_claims(refusal.last_answer), None, str(refusal)
        if isinstance(reply.value, ExtractionResponse):
            return reply.value.claims, None, None
        # Re-asks ran out: keep each claim that parses; ground drops unplaceable quotes.
        return salvage_claims(reply.unvalidated), reply.error or "no answer", None


def delimited_safely(article: str) -> str:
    """The article with anything like its delimiters turned from <…> into ‹…›, so that only
    the prompt's own </article> line ends the block. Other text is left as it is."""
    return _DELIMITER_LIKE.sub(r"‹\1›", article)


def salvage_claims(text: Any) -> list[ExtractedClaim]:
    data = json_object(text) if isinstance(text, str) else None
    return valid_items(data, "claims", ExtractedClaim) if data is not None else []


def _draft(source_id: str, claim: ExtractedClaim) -> ClaimDraft:
    quantities = []
    for q in claim.quantities:
        unit = canonical_unit(q.unit) or "count"
        quantities.append(Quantity(value=q.value, value_max=q.value_max, unit=unit,
                                   scope=(q.scope or None), qualifier=q.qualifier,
                                   time_ref=q.time_ref or None, text=q.text or str(q.value)))
    return ClaimDraft(source_id=source_id, statement=claim.statement.strip() or claim.quote,
                      quote=claim.quote, attributed_to=claim.attributed_to or None,
                      stance=claim.stance, quantities=quantities, dates=list(claim.dates),
                      extractor="llm")
