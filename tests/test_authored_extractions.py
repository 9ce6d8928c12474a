"""Good model answers give a right fact sheet (issue 13), on real news.

For several of the real evaluation stories (`../shared/eval/stories/`, found through
`SYNTH_EVAL_DIR`), `tests/data/authored_extractions/` holds the extraction a careful, strong
model would return for every article (see tests/authored_server.py). They go through synth's
model path with the rules' reconcile, replayed from `cassettes/extract_authored_<story>.yaml`
(recorded from the loopback server: `scripts/record-cassettes --authored`). With answers this
good, whatever is still wrong in the fact sheet is synth's: cleaning that drops a sentence
before the model sees it, grounding that loses a quote or a figure, or reconcile that splits
one quantity or merges two. The report is held to the evaluation's own scorer.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

import pytest

import synth
from synth.load import load_sources
from synth.models import Fact, Report
from synth.numbers import find_numbers
from synth.reconcile.origins import Origins
from tests.authored_server import AuthoredServer, authored_answers, authored_stories, source_id_of
from tests.cassettes import RECORDING, interactions, use_cassette
from tests.conftest import ROOT
from tests.fault_server import find_article
from tests.test_cassettes import TEST_KEY

EVAL_DIR = Path(os.environ.get("SYNTH_EVAL_DIR") or ROOT.parent / "shared" / "eval")
STORIES = authored_stories()
MODEL = "authored-answer"
# The evaluation's pass marks for a story (../shared/eval/README.md).
MIN_RECALL, MIN_STRICT, MIN_CORROBORATION = 0.8, 0.7, 0.5


def story_dir(story: str) -> Path:
    folder = EVAL_DIR / "stories" / story
    if not folder.is_dir() or not (EVAL_DIR / "score_story.py").is_file():
        pytest.skip(
            f"the evaluation set is not at {EVAL_DIR} (set SYNTH_EVAL_DIR to the folder "
            "that holds stories/, gold/ and score_story.py)"
        )
    return folder


def cassette_name(story: str) -> str:
    return f"extract_authored_{story}.yaml"


def answers_by_source(story: str) -> dict[str, tuple[str, list[str]]]:
    """Source id → (article file name, authored quotes), in synth's own source order."""
    answers = authored_answers(story)
    return {
        source.id: (Path(source.path).name, [c.quote for c in answers[Path(source.path).name].claims])
        for source in load_sources([story_dir(story)]).sources
    }


@contextmanager
def authored_endpoint(story: str) -> Iterator[str]:
    """The loopback server with the story's answers while recording; on replay any
    non-OpenAI URL will do, as only the path and body are matched."""
    if RECORDING:
        answers = authored_answers(story)
        in_order = [answers[Path(s.path).name] for s in load_sources([story_dir(story)]).sources]
        with AuthoredServer(in_order) as server:
            yield server.base_url
    else:
        yield "http://127.0.0.1:8765/v1"


@functools.cache
def replayed(story: str, cache_dir: Path) -> Report:
    """The story summarised through the model path from its cassette (recorded once a run).

    No retries: the loopback server never fails, and on replay a request with no recording
    would otherwise be retried with backoff and end as "Connection error" problems."""
    folder = story_dir(story)
    with authored_endpoint(story) as url, use_cassette(cassette_name(story)) as cassette:
        report = synth.summarise(
            [folder],
            model=MODEL,
            base_url=url,
            api_key=TEST_KEY,
            reconcile="rules",
            cache_dir=cache_dir,
            max_retries=0,
        )
    if not RECORDING and (report.problems or not cassette.all_played):
        pytest.fail(
            f"cassettes/{cassette_name(story)} no longer matches what synth sends (cleaning, "
            "the prompt, the schema or the chunking changed since it was recorded): "
            "re-record with scripts/record-cassettes --authored\n"
            + "\n".join(f"{p.path}: {p.reason}" for p in report.problems)
        )
    return report


@pytest.fixture(scope="module")
def cache_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("authored-cache")


def report_of(story: str, cache_root: Path) -> Report:
    return replayed(story, cache_root / story)


def sent_articles(story: str) -> dict[str, list[str]]:
    """Source id → the article texts (chunks) the recorded requests sent for it."""
    sent: dict[str, list[str]] = defaultdict(list)
    for interaction in interactions(cassette_name(story)):
        body = interaction["request"]
        article, source_id = find_article(body), source_id_of(body)
        if article is not None and source_id is not None:
            sent[source_id].append(article)
    return sent


def load_scorer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("score_story", EVAL_DIR / "score_story.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_there_are_answers_for_at_least_three_stories():
    assert len(STORIES) >= 3


@pytest.mark.parametrize("story", STORIES)
def test_every_article_has_an_answer_whose_quotes_are_its_own_words(story):
    folder = story_dir(story)
    answers = authored_answers(story)
    sources = load_sources([folder]).sources
    assert sorted(answers) == sorted(Path(s.path).name for s in sources)
    for source in sources:
        claims = answers[Path(source.path).name].claims
        assert claims, source.path
        quotes = [c.quote for c in claims]
        assert len(set(quotes)) == len(quotes), f"a quote is given twice in {source.path}"
        not_verbatim = [q for q in quotes if q not in source.text]
        assert not not_verbatim, f"{source.path}: not copied from the article: {not_verbatim}"


@pytest.mark.parametrize("story", STORIES)
def test_every_claim_the_model_gave_is_grounded_where_it_was_quoted(story, cache_root):
    report = report_of(story, cache_root)
    texts = {s.id: s.text for s in report.sources}
    sent = sent_articles(story)
    served = {
        (source_id, quote)
        for source_id, (_, quotes) in answers_by_source(story).items()
        for quote in quotes
        if any(quote in article for article in sent[source_id])
    }
    assert report.usage.extractor == "llm" and report.usage.reconciler == "rules"
    assert report.usage.reconcile_requests == 0
    assert report.usage.requests == len(interactions(cassette_name(story)))
    assert report.usage.claims_dropped == 0
    assert report.usage.claims_extracted == len(report.claims) == len(served)
    for claim in report.claims:
        assert texts[claim.source_id][claim.start : claim.end] == claim.quote
        assert claim.match == "exact", claim.quote
    assert {(c.source_id, c.quote) for c in report.claims} == served
    assert not report.problems


@pytest.mark.parametrize("story", STORIES)
def test_cleaning_keeps_every_sentence_the_answers_quote(story, cache_root):
    report_of(story, cache_root)  # records the cassette when re-recording
    sent = sent_articles(story)
    lost = [
        f"{name}: {quote!r}"
        for source_id, (name, quotes) in answers_by_source(story).items()
        for quote in quotes
        if not any(quote in article for article in sent[source_id])
    ]
    assert not lost, "cleaning dropped what the answers quote:\n" + "\n".join(lost)


@pytest.mark.parametrize("story", STORIES)
def test_the_fact_sheet_passes_the_evaluation_scorer(story, cache_root):
    folder = story_dir(story)
    report = json.loads(synth.render_json(report_of(story, cache_root)))
    gold = one_origin_gold(
        json.loads((EVAL_DIR / "gold" / f"{story}.json").read_text(encoding="utf-8")),
        report_of(story, cache_root),
    )
    lines: list[str] = []
    passed, _ = load_scorer().score(
        report,
        gold,
        folder,
        MIN_RECALL,
        out=lines.append,
        min_strict=MIN_STRICT,
        min_corroboration=MIN_CORROBORATION,
    )
    assert passed, "\n".join(lines)


def origin_of_file(report: Report) -> dict[str, str]:
    """Article file name → the independent origin it speaks for (a copy: its original's)."""
    origins = Origins(report.sources)
    return {Path(s.path).name: origins.of_source(s.id) for s in report.sources}


def one_origin_gold(gold: dict, report: Report) -> dict:
    """The gold with each fact that only copies of one story give (one origin, `duplicate_of`)
    told by its first file alone. The scorer counts files, so it would take two sites running
    one agency story for corroboration; synth counts origins, as issue 13 asks."""
    origin = origin_of_file(report)
    facts = []
    for item in gold.get("facts", []):
        if len(item["sources"]) > 1 and len({origin.get(f, f) for f in item["sources"]}) == 1:
            item = {**item, "sources": item["sources"][:1]}
        facts.append(item)
    return {**gold, "facts": facts}


# What the scorer credits by accident: it reads every number in a cited claim's quote, so a fact
# about one figure can "surface" another that its sentences merely mention. These read only the
# figures a fact itself gives. Not strict: reconcile is being rewritten (issue 13).
FIGURES_NOT_IN_ONE_FACT = {
    "montreal-parc-avenue-fire-2016-11": (
        "fire-start-time (9:20 vs 9:15): a time of day is no figure in the contract (find_numbers skips "
        "'9:20', the schema has no time field), so no fact compares them; the scorer credits the "
        "storeys conflict, whose two sentences also give the times"
    ),
    "us-navy-c2a-crash-2017-11-22": (
        "crashed-nov-22: the date is in both releases' claims' `dates`, but reconcile makes no fact "
        "from dates, and 04's sentence is filed only under its figure (3 missing)"
    ),
    "greek-election-2012-06-17": (
        "bonus-50-seats: 'bonus seats for finishing first' (02) and 'extra seats for the leading "
        "party' (03) share no scope word, so they are two single-source facts (the scorer credits "
        "the 300-seat fact, whose sentences mention 50)"
    ),
}


def figures_by_file(fact: Fact, report: Report) -> dict[float, set[str]]:
    """The figures a fact itself gives, each with the article files that give it: its variants'
    values, or for a fact without variants (a point made in words) the numbers its quotes state."""
    files = {s.id: Path(s.path).name for s in report.sources}
    found: dict[float, set[str]] = defaultdict(set)
    for variant in fact.variants:
        for value in (variant.value, variant.value_max):
            if value is not None:
                found[value] |= {files[s] for s in variant.source_ids}
    if not fact.variants:
        claims = {c.id: c for c in report.claims}
        for claim in (claims[i] for i in fact.claim_ids):
            for mention in find_numbers(claim.quote):
                found[mention.value].add(files[claim.source_id])
    return found


def figure_cases() -> list:
    return [
        pytest.param(story, marks=pytest.mark.xfail(strict=False, reason=FIGURES_NOT_IN_ONE_FACT[story]))
        if story in FIGURES_NOT_IN_ONE_FACT
        else story
        for story in STORIES
    ]


@pytest.mark.parametrize("story", figure_cases())
def test_each_gold_conflict_and_agreement_is_one_fact_of_its_own_figures(story, cache_root):
    report = report_of(story, cache_root)
    gold = json.loads((EVAL_DIR / "gold" / f"{story}.json").read_text(encoding="utf-8"))
    missing = []
    for conflict in gold.get("conflicts", []):
        if not any(
            f.status == "conflicting"
            and len(set(figures := figures_by_file(f, report)) & set(conflict["numbers"])) >= conflict["min"]
            and not set(figures) & set(conflict["exclude"])
            for f in report.facts
        ):
            missing.append(f"conflict {conflict['id']}: {conflict['numbers']}")
    origin = origin_of_file(report)
    for item in gold["facts"]:
        files = set(item["sources"])
        # Two copies of one story agree without corroborating: one fact, of any status.
        independent = len({origin.get(f, f) for f in files}) > 1
        if len(files) > 1 and not any(
            (f.status != "single_source" or not independent)
            and len(figures_by_file(f, report).get(item["number"], set()) & files) > 1
            for f in report.facts
        ):
            missing.append(f"agreement {item['id']}: {item['number']} in {sorted(files)}")
    assert not missing, "not one fact of its own figures:\n" + "\n".join(missing)
