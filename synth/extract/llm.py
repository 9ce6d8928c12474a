"""The LLM extractor: claims from a model through openai + instructor (network, cache).

Each article's story text (after clean) is split into chunks at sentence boundaries and
sent with the prompt in prompts/extract_claims.v1.md and the ExtractionResponse schema.
Each chunk is one question asked through ModelStage.ask (the request, its cache and its
counts); this module says what to ask and what to make of the answer. Articles run
concurrently up to `concurrency`; one article's failure becomes a problem and the others go
on.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from synth.chunking import chunk_text
from synth.clean import CleanDocument
from synth.extract import ClaimDraft, ExtractionBatch, ProgressCallback
from synth.extract.schema import (
    SCHEMA_VERSION,
    ArticleShown,
    ExtractedClaim,
    ExtractionResponse,
)
from synth.llm import ModelRequest
from synth.model_stage import Asked, ModelStage, Question
from synth.models import Problem, Quantity, Usage
from synth.progress import Progress
from synth.salvage import after_reasks, json_object, valid_items
from synth.units import canonical_unit
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


@dataclass(frozen=True)
class ChunkQuestion:
    """Chunk `number` of `chunks` of an article, and the question it makes."""

    number: int
    chunks: int
    chunk: str
    question: Question

    @property
    def where(self) -> str:
        return chunk_where(self.number, self.chunks)


@dataclass(frozen=True)
class ChunkRequest(ChunkQuestion):
    """A chunk's question with the request it is sent as and the cache key `ModelStage.ask`
    keeps its answer under: what batch mode plans with (synth.batch_client), so that a batch
    answer lands where `ask` looks for it."""

    request: ModelRequest
    key: str


@dataclass
class _Answer:
    """What the extractor makes of a chunk's question (synth.model_stage.Asked)."""

    claims: list[ExtractedClaim] = field(default_factory=list)
    error: str | None = None
    refusal: str | None = None  # a refusal of the request that asking again would repeat
    reasks: int = 0
    cut_off: str | None = None
    beyond_limit: int = 0  # claims past MAX_KEPT_CLAIMS_PER_CHUNK, not kept

    @classmethod
    def of(cls, asked: Asked) -> _Answer:
        if isinstance(asked.value, ExtractionResponse):
            answer = cls(asked.value.claims)
        elif asked.outcome == "too_long":
            answer = cls(salvage_claims(asked.reply), refusal=asked.error)
        else:
            # Re-asks ran out, or the answer was cut off: keep each claim that parses (each
            # whole one before the cut); ground drops unplaceable quotes.
            answer = cls(
                salvage_claims(asked.reply),
                asked.error or "no answer",
                reasks=asked.reasks,
                cut_off=asked.cut_off,
            )
        return answer.within_limit()

    def within_limit(self) -> _Answer:
        """The answer with its first MAX_KEPT_CLAIMS_PER_CHUNK distinct claims only."""
        distinct = unique_claims(self.claims)
        self.claims = distinct[:MAX_KEPT_CLAIMS_PER_CHUNK]
        self.beyond_limit = len(distinct) - len(self.claims)
        return self


class LLMExtractor(ModelStage):
    name = "llm"

    stage = "extract"
    prompt_name = PROMPT_NAME
    response_model = ExtractionResponse
    schema_version = SCHEMA_VERSION
    max_reasks = MAX_REASKS

    def extract(
        self,
        documents: Sequence[CleanDocument],
        story_words: frozenset[str],
        progress: ProgressCallback | None = None,
    ) -> ExtractionBatch:
        return asyncio.run(self.extract_async(documents, progress))

    async def extract_async(
        self, documents: Sequence[CleanDocument], progress: ProgressCallback | None = None
    ) -> ExtractionBatch:
        batch = ExtractionBatch(usage=Usage(extractor=self.name, model=self.model))
        semaphore = asyncio.Semaphore(self.settings.concurrency)
        done = 0

        async def one(document: CleanDocument) -> None:
            nonlocal done
            async with semaphore:
                batch.drafts[document.source.id] = await self._extract_document(document, batch)
            done += 1
            if progress:
                progress(
                    Progress(
                        "extract", done, len(documents), self.requests_in_flight, item=document.source.id
                    )
                )

        async with (
            self.counting_into(batch.usage),
            self.reporting(progress, "extract", lambda: (done, len(documents))),
        ):
            await asyncio.gather(*(one(d) for d in documents))
        return batch

    def question(self, document: CleanDocument, chunk: str, about: str = "") -> Question:
        """The question a chunk of an article makes; its quotes are checked against the
        article as the model is shown it."""
        source = document.source
        shown = delimited_safely(chunk)
        messages = self.prompt.render(
            source_id=source.id,
            outlet=source.outlet or "an unknown outlet",
            published=source.published or "an unknown date",
            article=shown,
            max_claims=str(MAX_CLAIMS_PER_CHUNK),
        )
        return Question(messages, ArticleShown(shown), about or source.id)

    def kept_of_reply(self, reply: Any) -> Any:
        # A reply that looped to the token cap repeats one claim thousands of times: its
        # claims of the schema's shape are kept, each quote once (the quotes are checked on use).
        return {"claims": [c.model_dump(mode="json") for c in salvage_claims(reply)]}

    def chunk_questions(self, document: CleanDocument) -> list[ChunkQuestion]:
        """Each chunk of the article and its question, as `_extract_document` asks them."""
        text = document.kept_text()
        if not text.strip():
            return []
        chunks = chunk_text(text, self.settings.chunk_chars, self.settings.chunk_overlap)
        return [
            ChunkQuestion(
                number,
                len(chunks),
                chunk,
                self.question(document, chunk, document.source.id + chunk_where(number, len(chunks))),
            )
            for number, chunk in enumerate(chunks, 1)
        ]

    def chunk_requests(self, document: CleanDocument) -> list[ChunkRequest]:
        """Each chunk's question with its request and cache key, as `ask` makes them."""
        requests = []
        for part in self.chunk_questions(document):
            request = self.request_for(part.question.messages)
            requests.append(
                ChunkRequest(
                    part.number, part.chunks, part.chunk, part.question, request, self.request_key(request)
                )
            )
        return requests

    async def _extract_document(self, document: CleanDocument, batch: ExtractionBatch) -> list[ClaimDraft]:
        """The article's claims; none, and a problem, when a chunk's request got no answer."""
        source = document.source
        drafts: list[ClaimDraft] = []
        seen_quotes: set[str] = set()
        for part in self.chunk_questions(document):
            where = part.where
            asked = await self.ask(part.question)
            if asked.outcome == "failed":
                batch.problems.append(
                    Problem(path=source.path, source_id=source.id, stage="extract", reason=asked.error or "")
                )
                return []
            answer = _Answer.of(asked)
            reason = answer_problem(answer, where)
            if reason:
                batch.problems.append(
                    Problem(path=source.path, source_id=source.id, stage="extract", reason=reason)
                )
            for claim in answer.claims:
                # Overlapping chunks propose the same sentence twice; keep the first.
                if claim.quote.strip() in seen_quotes:
                    continue
                seen_quotes.add(claim.quote.strip())
                drafts.append(_draft(source.id, claim))
        return drafts


def answer_problem(answer: _Answer, where: str) -> str | None:
    """The one line a chunk's answer is reported with, or None when it was a good one."""
    beyond = (
        (
            f"; it had {len(answer.claims) + answer.beyond_limit} claims, more than the "
            f"{MAX_CLAIMS_PER_CHUNK} asked for, and the first {len(answer.claims)} were kept"
        )
        if answer.beyond_limit
        else ""
    )
    if answer.refusal:
        return f"{answer.refusal}{where}{beyond}"
    if answer.cut_off:
        kept = len({c.quote.strip() for c in answer.claims})
        return (
            f"the model's answer{where} was cut off at the token cap of {answer.cut_off}; "
            f"{kept} whole claim{'s' if kept != 1 else ''} before the cut "
            f"{'were' if kept != 1 else 'was'} kept (a larger --max-output-tokens, or a "
            f"smaller --chunk-chars, leaves room for the rest){beyond}"
        )
    if answer.error:
        return (
            f"the model's answer{where} did not fit the schema "
            f"{after_reasks(answer.reasks)}: {answer.error}{beyond}"
        )
    if beyond:
        return (
            f"the model's answer{where} had {len(answer.claims) + answer.beyond_limit} "
            f"claims, more than the {MAX_CLAIMS_PER_CHUNK} asked for; the first "
            f"{len(answer.claims)} were kept"
        )
    return None


def chunk_where(number: int, chunks: int) -> str:
    """' (chunk 2 of 3)' after an article's id, or nothing for an article in one chunk."""
    return f" (chunk {number} of {chunks})" if chunks > 1 else ""


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
        quantities.append(
            Quantity(
                value=q.value,
                value_max=q.value_max,
                unit=unit,
                scope=plain(q.scope or "") or None,
                qualifier=q.qualifier,
                time_ref=plain(q.time_ref or "") or None,
                text=plain(q.text) or str(q.value),
            )
        )
    return ClaimDraft(
        source_id=source_id,
        statement=plain(claim.statement).strip() or claim.quote,
        quote=claim.quote,
        attributed_to=plain(claim.attributed_to or "") or None,
        stance=claim.stance,
        quantities=quantities,
        dates=[plain(d) for d in claim.dates],
        extractor="llm",
    )
