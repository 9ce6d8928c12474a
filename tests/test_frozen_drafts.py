"""The frozen claim drafts the model-reconcile tests use (tests/frozen_extractor.py): they
still ground in the bundled articles, each story fits in one reconcile request under the
default budget, and an article without drafts, or changed since, is an error."""

from __future__ import annotations

import shutil

import pytest

from synth.clean import clean_sources
from synth.cluster import cluster_claims
from synth.config import Settings
from synth.ground import ground_claims
from synth.load import load_sources
from synth.pipeline import summarise
from synth.reconcile.batches import plan_batches
from tests.conftest import QUAKE, TROOPS
from tests.frozen_extractor import FrozenExtractor, load_story


@pytest.mark.parametrize("story", [TROOPS, QUAKE], ids=lambda p: p.name)
def test_every_frozen_draft_grounds_and_a_story_is_one_reconcile_request(story):
    sources = clean_sources(load_sources([story]).sources)
    batch = FrozenExtractor().extract(sources.documents, sources.story_words)
    grounded = ground_claims(batch.drafts, [d.source for d in sources.documents])
    frozen = sum(len(a["drafts"]) for a in load_story(story.name).values())
    assert grounded.dropped == [] and len(grounded.claims) == frozen > 20
    assert all(c.match == "exact" for c in grounded.claims)
    assert all(c.quantities or c.attributed_to for c in grounded.claims)
    requests = plan_batches(
        cluster_claims(grounded.claims),
        grounded.claims,
        [d.source for d in sources.documents],
        Settings().reconcile_budget_tokens,
    )
    assert len(requests) == 1


def test_drafts_follow_their_article_whatever_its_source_id(tmp_path):
    third = QUAKE / "03-coastal-tribune-gws-2023-09-09-1432.txt"
    report = summarise([third], extractor=FrozenExtractor(), cache_dir=tmp_path)
    assert report.claims and {c.source_id for c in report.claims} == {"S1"}
    texts = {s.id: s.text for s in report.sources}
    assert all(texts[c.source_id][c.start : c.end] == c.quote for c in report.claims)


def test_an_article_without_drafts_or_changed_since_is_an_error(tmp_path):
    other = tmp_path / "other.txt"
    other.write_text("Title: Floods\n\nThe mayor said 30 schools were closed.\n", encoding="utf-8")
    with pytest.raises(LookupError, match="no frozen drafts for other.txt"):
        summarise([other], extractor=FrozenExtractor(), cache_dir=tmp_path / "cache")
    changed = tmp_path / "01-atlas-daily-2023-09-09-0410.html"
    shutil.copy(QUAKE / changed.name, changed)
    changed.write_text(changed.read_text(encoding="utf-8").replace("296", "297"), encoding="utf-8")
    with pytest.raises(LookupError, match="changed since its drafts were frozen"):
        summarise([changed], extractor=FrozenExtractor(), cache_dir=tmp_path / "cache")
