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
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from synth.cache import ResponseCache, cache_key
from synth.chunking import chunk_text
from synth.clean import CleanDocument
from synth.config import Settings
from synth.errors import ModelError, ModelRefusedError, RequestTooLongError
from synth.extract import ClaimDraft, ExtractionBatch, ProgressCallback
from synth.extract.schema import (
    SCHEMA_VERSION,
    ArticleShown,
    ExtractedClaim,
    ExtractionResponse,
)
from synth.llm import ModelClient, RequestFormats, mode_chain
from synth.model_stage import ModelStage, stderr_note
from synth.models import Problem, Quantity, Usage
from synth.progress import Progress
from synth.salvage import after_reasks, json_object, valid_items
from synth.units import canonical_unit
from synth.validation_data import validating_against
from synth.wire import plain

PROMPT_NAME = "extract_claims.v1"
MAX_CLAIMS_PER_CHUNK = 30
# Claims kept of one answer: the prompt asks for at most MAX_CLAIMS_PER_CHUNK, and every
# substring of an article is a quote in it, so a hostile server could send a hundred
# thousand claims that all ground.
MAX_KEPT_CLAIMS_PER_CHUNK = 4 * MAX_CLAIMS_PER_CHUNK
# Re-asks after a reply that fails validation (a quote not in the article, a bad field).
MAX_REASKS = 2
# Article text that looks like the prompt's own <article> or </article> marker. Left as it
# is, an article could close its block early and have the rest read as instructions.
_DELIMITER_LIKE = re.compile(r"<(\s*/?\s*article\b[^<>]*)>", re.IGNORECASE)


class CachedChunk(BaseModel):
    """A chunk's cache entry: what the model made of the request, kept even when re-asks ran
    out or it was refused, since at temperature 0 asking again only repeats it."""

    claims: list[ExtractedClaim]
    error: str | None = None  # the validation error re-asks could not mend
    refusal: str | None = None  # a refusal of the request that asking again would repeat
    # Re-asks that ran; entries written before this was kept were after all of them.
    reasks: int = MAX_REASKS
    cut_off: str | None = None  # the token caps the answer was cut off at, in words
    beyond_limit: int = 0  # claims past MAX_KEPT_CLAIMS_PER_CHUNK, not kept


@dataclass
class _Answer:
    claims: list[ExtractedClaim] = field(default_factory=list)
    error: str | None = None
    refusal: str | None = None
    reasks: int = 0
    cut_off: str | None = None
    beyond_limit: int = 0

    def within_limit(self) -> _Answer:
        """The answer with its first MAX_KEPT_CLAIMS_PER_CHUNK distinct claims only."""
        distinct = unique_claims(self.claims)
        self.claims = distinct[:MAX_KEPT_CLAIMS_PER_CHUNK]
        self.beyond_limit = len(distinct) - len(self.claims)
        return self

    def entry(self) -> dict[str, Any]:
        return CachedChunk(claims=self.claims, error=self.error, refusal=self.refusal,
                           reasks=self.reasks, cut_off=self.cut_off,
                           beyond_limit=self.beyond_limit).model_dump(exclude_none=True)


class LLMExtractor(ModelStage):
    name = "llm"

    def __init__(self, settings: Settings, *, cache: ResponseCache | None = None,
                 client_factory: Callable[[], ModelClient] | None = None,
                 note: Callable[[str], None] = stderr_note,
                 formats: RequestFormats | None = None) -> None:
        super().__init__(settings, prompt_name=PROMPT_NAME, response_model=ExtractionResponse,
                         schema_version=SCHEMA_VERSION, cache=cache,
                         client_factory=client_factory, note=note, formats=formats)
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
            cached = self.cache.get_as(key, CachedChunk)
            if cached is not None:
                batch.usage.cache_hits += 1
                answer = _Answer(cached.claims, cached.error, cached.refusal, cached.reasks,
                                 cached.cut_off, cached.beyond_limit)
            else:
                answer = (await self._ask(get_client(), messages, chunk)).within_limit()
                # What the model made of the request is kept even when re-asks ran out or
                # it was refused: at temperature 0 asking again only repeats it, and a rerun
                # reports the same problem without a request (--no-cache asks afresh).
                self.cache.set(key, answer.entry())
            where = f" (chunk {number} of {len(chunks)})" if len(chunks) > 1 else ""
            reason = answer_problem(answer, where)
            if reason:
                batch.problems.append(Problem(path=document.source.path,
                                              source_id=document.source.id,
                                              stage="extract", reason=reason))
            for claim in answer.claims:
                # Overlapping chunks propose the same sentence twice; keep the first.
                if claim.quote.strip() in seen_quotes:
                    continue
                seen_quotes.add(claim.quote.strip())
                drafts.append(_draft(document.source.id, claim))
        return drafts

    async def _ask(self, client: ModelClient, messages: list[dict[str, str]],
                   chunk: str) -> _Answer:
        """The claims, the validation error re-asks could not mend or the token caps the
        answer was cut off at, and a refusal of the request that asking again would only
        repeat."""
        # Quotes are checked against the article as the model was shown it.
        try:
            with validating_against(ArticleShown(delimited_safely(chunk))):
                reply = await client.structured(ExtractionResponse, messages, MAX_REASKS)
        except RequestTooLongError as refused:
            refusal: RequestTooLongError | None = refused
        else:
            refusal = None
        if refusal is not None:
            # A re-ask grown past the context: the answer it re-asked may still have claims.
            return _Answer(salvage_claims(refusal.last_answer), refusal=str(refusal))
        if isinstance(reply.value, ExtractionResponse):
            return _Answer(reply.value.claims)
        # Re-asks ran out, or the answer was cut off: keep each claim that parses (each whole
        # one before the cut); ground drops unplaceable quotes.
        return _Answer(salvage_claims(reply.unvalidated), reply.error or "no answer",
                       reasks=reply.reasks, cut_off=reply.cut_off)


def answer_problem(answer: _Answer, where: str) -> str | None:
    """The one line a chunk's answer is reported with, or None when it was a good one."""
    beyond = (f"; it had {len(answer.claims) + answer.beyond_limit} claims, more than the "
              f"{MAX_CLAIMS_PER_CHUNK} asked for, and the first {len(answer.claims)} were kept"
              ) if answer.beyond_limit else ""
    if answer.refusal:
        return f"{answer.refusal}{where}{beyond}"
    if answer.cut_off:
        kept = len({c.quote.strip() for c in answer.claims})
        return (f"the model's answer{where} was cut off at the token cap of {answer.cut_off}; "
                f"{kept} whole claim{'s' if kept != 1 else ''} before the cut "
                f"{'were' if kept != 1 else 'was'} kept (a larger --max-output-tokens, or a "
                f"smaller --chunk-chars, leaves room for the rest){beyond}")
    if answer.error:
        return (f"the model's answer{where} did not fit the schema "
                f"{after_reasks(answer.reasks)}: {answer.error}{beyond}")
    if beyond:
        return f"the model's answer{where} had {len(answer.claims) + answer.beyond_limit} " \
               f"claims, more than the {MAX_CLAIMS_PER_CHUNK} asked for; the first " \
               f"{len(answer.claims)} were kept"
    return None


def delimited_safely(article: str) -> str:
    """The article with anything like its delimiters turned from <…> into ‹…›, so that only
    the prompt's own </article> line ends the block. Other text is left as it is."""
    return _DELIMITER_LIKE.sub(r"‹\1›", article)


def salvage_claims(text: Any) -> list[ExtractedClaim]:
    """The claims of a last answer that parse, each quote once: an answer that looped to the
    token cap repeats one claim thousands of times, and the cache needs it once."""
    data = json_object(text)
    return unique_claims(valid_items(data, "claims", ExtractedClaim) if data is not None else [])


def unique_claims(claims: Sequence[ExtractedClaim]) -> list[ExtractedClaim]:
    """Each quote's first claim, in order."""
    first: dict[str, ExtractedClaim] = {}
    for claim in claims:
        first.setdefault(claim.quote.strip(), claim)
    return list(first.values())


def _draft(source_id: str, claim: ExtractedClaim) -> ClaimDraft:
    """A claim as synth keeps it. What the model wrote in its own words is kept without the
    characters a terminal would obey; the quote is checked against the article instead."""
    quantities = []
    for q in claim.quantities:
        unit = canonical_unit(plain(q.unit)) or "count"
        quantities.append(Quantity(value=q.value, value_max=q.value_max, unit=unit,
                                   scope=plain(q.scope or "") or None, qualifier=q.qualifier,
                                   time_ref=plain(q.time_ref or "") or None,
                                   text=plain(q.text) or str(q.value)))
    return ClaimDraft(source_id=source_id,
                      statement=plain(claim.statement).strip() or claim.quote,
                      quote=claim.quote, attributed_to=plain(claim.attributed_to or "") or None,
                      stance=claim.stance, quantities=quantities,
                      dates=[plain(d) for d in claim.dates], extractor="llm")
