"""Frozen claim drafts for the model-reconcile tests (test support, not a test module).

A model reconcile test is about what synth does with a model's answer, not about the offline
extractor, so it should not go stale whenever the offline rules change. `FrozenExtractor`
implements the `Extractor` protocol (synth/extract/__init__.py) and returns claim drafts read
from tests/data/frozen_drafts/<story>.json instead of extracting anything.

The fixtures were made once by `scripts/freeze-drafts` (`freeze_story` below) from the offline
extractor on the bundled examples, keeping only the drafts that carry figures or a named
speaker, so that one story's claims fit in one reconcile request under the default budget.
Drafts are keyed by the article's file name, so that a test can pass any subset of a story's
articles (or several stories) and each draft still gets the source id of its article. Each
file also records the sha256 of the article's text: when an example article changes, its
drafts no longer ground, and the extractor says to run `scripts/freeze-drafts` again.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from synth.clean import CleanDocument
from synth.extract import ClaimDraft, ExtractionBatch, ProgressCallback
from synth.models import Quantity, Source, Usage
from synth.progress import Progress

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "articles"
DRAFTS_DIR = Path(__file__).resolve().parent / "data" / "frozen_drafts"
# The stories the fixtures are made from (a folder of examples/articles each).
STORIES = ("nk-troops-russia", "morocco-earthquake")


class FrozenExtractor:
    """The `Extractor` that returns frozen drafts for articles it knows by file name.

    `drafts` (file name → drafts as in the fixtures, without `sha256`) adds articles of a
    test's own or replaces a fixture's. An article with no frozen drafts is an error, not an
    empty list, so that a test cannot pass on claims it never had."""

    name = "frozen"
    model: str | None = None

    def __init__(
        self,
        drafts: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
        stories: Iterable[str] = STORIES,
    ) -> None:
        self.articles: dict[str, dict[str, Any]] = {}
        for story in stories:
            self.articles.update(load_story(story))
        for file_name, items in (drafts or {}).items():
            self.articles[file_name] = {"sha256": None, "drafts": list(items)}

    def extract(
        self,
        documents: Sequence[CleanDocument],
        story_words: frozenset[str],
        progress: ProgressCallback | None = None,
    ) -> ExtractionBatch:
        batch = ExtractionBatch(usage=Usage(extractor=self.name))
        for done, document in enumerate(documents, 1):
            source = document.source
            file_name = Path(source.path).name
            if file_name not in self.articles:
                raise LookupError(
                    f"no frozen drafts for {file_name}; add them to the test or run scripts/freeze-drafts"
                )
            article = self.articles[file_name]
            if article["sha256"] not in (None, source.content_hash):
                raise LookupError(
                    f"{file_name} changed since its drafts were frozen; run scripts/freeze-drafts"
                )
            batch.drafts[source.id] = [draft_from_json(source.id, item) for item in article["drafts"]]
            if progress:
                progress(Progress("extract", done, len(documents), item=source.id))
        return batch


def draft_to_json(draft: ClaimDraft) -> dict[str, Any]:
    item = asdict(draft)
    del item["source_id"]  # the article's id in the run that reads it
    item["quantities"] = [q.model_dump(mode="json") for q in draft.quantities]
    return item


def draft_from_json(source_id: str, item: Mapping[str, Any]) -> ClaimDraft:
    fields = dict(item)
    fields["quantities"] = [Quantity.model_validate(q) for q in fields.get("quantities", [])]
    return ClaimDraft(source_id=source_id, **fields)


# "Source: GWS" under an article: the wire it came from, the article's own voice.
_CREDIT_LINE = re.compile(r"^\s*(?:source|sources|via)\s*:\s*(?P<who>.{2,80}?)\s*\.?\s*$", re.I | re.M)


def own_voices(source: Source) -> set[str]:
    """The names under which an article speaks for itself: its outlet and its wire credit."""
    return {name for name in (source.outlet, *(m["who"] for m in _CREDIT_LINE.finditer(source.text))) if name}


def worth_freezing(draft: ClaimDraft, source: Source) -> bool:
    """A draft with figures, or with a named speaker other than the article's own voice:
    what a reconcile has to weigh."""
    return bool(draft.quantities) or (
        draft.attributed_to is not None and draft.attributed_to not in own_voices(source)
    )


def freeze_story(folder: Path) -> dict[str, Any]:
    """The offline extractor's drafts for one story folder, as the fixture stores them."""
    from synth.clean import clean_sources
    from synth.extract.offline import OfflineExtractor
    from synth.load import load_sources

    loaded = load_sources([folder])
    assert not loaded.problems, loaded.problems
    cleaned = clean_sources(loaded.sources)
    batch = OfflineExtractor().extract(cleaned.documents, cleaned.story_words)
    articles = {}
    for document in cleaned.documents:
        source = document.source
        articles[Path(source.path).name] = {
            "sha256": source.content_hash,
            "drafts": [
                draft_to_json(d) for d in batch.drafts.get(source.id, []) if worth_freezing(d, source)
            ],
        }
    return {
        "story": folder.name,
        "made_by": "scripts/freeze-drafts: the offline extractor's drafts with figures or "
        "a named speaker (not the article's own outlet or wire credit)",
        "articles": articles,
    }


def load_story(story: str) -> dict[str, dict[str, Any]]:
    data = json.loads((DRAFTS_DIR / f"{story}.json").read_text(encoding="utf-8"))
    return data["articles"]


def write_fixtures(stories: Iterable[str] = STORIES) -> list[Path]:
    DRAFTS_DIR.mkdir(parents=True, exist_ok=True)
    written = []
    for story in stories:
        path = DRAFTS_DIR / f"{story}.json"
        data = freeze_story(EXAMPLES / story)
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        written.append(path)
    return written
