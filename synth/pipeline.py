"""The one place the stages are wired: load → clean → extract → ground → cluster →
reconcile → write. `summarise` returns the Report; rendering is the caller's choice."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from synth.clean import clean_sources
from synth.cluster import cluster_claims
from synth.config import Settings, resolve_settings
from synth.extract import ExtractionBatch, Extractor
from synth.extract.offline import OfflineExtractor
from synth.ground import GroundResult, ground_claims
from synth.load import LoadResult, load_sources
from synth.models import Report, Source, UnusedSource, Usage
from synth.progress import ProgressCallback
from synth.reconcile.merge import RulesReconcile
from synth.reconcile.rules import reconcile_groups
from synth.write import write_overview

if TYPE_CHECKING:
    from synth.reconcile.model import ModelReconciler


def summarise(
    paths: Sequence[str | os.PathLike[str]] | str | os.PathLike[str],
    *,
    settings: Settings | None = None,
    extractor: Extractor | None = None,
    progress: ProgressCallback | None = None,
    reconciler: ModelReconciler | None = None,
    **options: object,
) -> Report:
    """Summarise the articles at `paths` (files or folders) into a reconciled Report.

    Options are Settings fields (offline=True, model="gpt-4o-mini", cache_dir=…), resolved
    over the environment; or `settings` is a Settings, used as it is (giving both is a
    TypeError). Without a model configured (argument or SYNTH_MODEL) the offline extractor
    is used. With a model,
    the model also writes the facts and overview (reconcile="rules" keeps synth's own), and
    whatever fails synth's checks is replaced by the deterministic reconcile.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    if settings is None:
        settings = resolve_settings(None, **options)
    elif options:
        # Either would have to be ignored; a silent choice would run with settings the caller
        # did not mean.
        raise TypeError(
            f"summarise() takes settings= or options, not both: got settings= and "
            f"{', '.join(sorted(options))}; pass resolve_settings(**options) as settings="
        )
    story = extract_story(paths, settings, extractor=extractor, progress=progress)
    sources, batch, grounded = story.sources, story.batch, story.grounded
    facts, overview = list(story.rules.facts), list(story.rules.overview)
    usage = Usage(extractor=story.extractor.name, model=story.extractor.model)
    usage.add(batch.usage)
    problems = [*story.loaded.problems, *batch.problems]
    unused_sources: list[UnusedSource] = []
    if settings.reconciles_with_model and grounded.claims:
        from synth.reconcile.model import ModelReconciler  # imports openai; only with a model

        # The extractor's request formats: a format it found rejected is not asked in again.
        reconciler = reconciler or ModelReconciler(
            settings, formats=getattr(story.extractor, "formats", None)
        )
        reconciled = reconciler.reconcile(grounded.claims, sources, story.rules, progress)
        facts, overview = reconciled.facts, reconciled.overview
        unused_sources = reconciled.unused_sources
        problems += reconciled.problems
        usage.add(reconciler.usage)
        usage.reconciler = reconciled.reconciler
        usage.model = usage.model or settings.model
    # Distinct proposals: every one is either grounded or dropped.
    usage.claims_extracted = sum(len(d) for d in batch.drafts.values()) - grounded.repeats
    usage.claims_dropped = len(grounded.dropped)
    usage.statements_replaced = grounded.statements_replaced
    usage.speakers_dropped = grounded.speakers_dropped
    return Report(
        sources=sources,
        claims=grounded.claims,
        facts=facts,
        overview=overview,
        unused_sources=unused_sources,
        problems=problems,
        usage=usage,
    )


@dataclass(frozen=True)
class ExtractedStory:
    """A story up to the model's reconcile: its articles read and cleaned, their claims
    extracted and grounded, and the rules' reconcile of them."""

    loaded: LoadResult
    sources: list[Source]
    extractor: Extractor
    batch: ExtractionBatch
    grounded: GroundResult
    rules: RulesReconcile


def extract_story(
    paths: Sequence[str | os.PathLike[str]],
    settings: Settings,
    *,
    extractor: Extractor | None = None,
    progress: ProgressCallback | None = None,
) -> ExtractedStory:
    """Every stage of `summarise` before the model's reconcile (which batch mode plans from
    it, and `summarise` runs on it)."""
    loaded = load_sources(
        paths, max_bytes=settings.max_bytes, fetch_timeout=settings.fetch_timeout, progress=progress
    )
    # Made after reading: the model client's imports take a second, and reading comes first.
    extractor = extractor or make_extractor(settings)
    cleaned = clean_sources(loaded.sources)
    sources = [d.source for d in cleaned.documents]
    batch = extractor.extract(cleaned.documents, cleaned.story_words, progress)
    grounded = ground_claims(batch.drafts, sources)
    groups = cluster_claims(grounded.claims)
    facts = reconcile_groups(groups, grounded.claims, sources)
    overview = write_overview(facts, grounded.claims)
    return ExtractedStory(
        loaded, sources, extractor, batch, grounded, RulesReconcile(groups, facts, overview)
    )


def make_extractor(settings: Settings) -> Extractor:
    """The LLM extractor when a model is configured, else the offline one."""
    if settings.uses_model:
        from synth.extract.llm import LLMExtractor  # imports openai; only when a model is used

        return LLMExtractor(settings)
    return OfflineExtractor()
