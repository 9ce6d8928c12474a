"""Replayed HTTP: the LLM path against recorded answers (cassettes/, see its README).

Recordings of a real model (SmolLM2-135M on llama-cpp-python's server) cover a normal
extraction, a re-ask after a quote that is not in the article, and a chunked long article;
faults a real server will not produce on demand (429 with Retry-After, 500, 401) were
recorded from the loopback fault server. These tests assert how synth handles the answers,
never that the model was right.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import openai
import pytest
from openai.types.chat import ChatCompletion

from synth.config import resolve_settings
from synth.errors import ModelRefusedError
from synth.extract.llm import LLMExtractor
from synth.llm import ModelClient
from synth.pipeline import summarise
from tests.cassettes import CASSETTES, LIVE_BASE_URL, LIVE_MODEL, RECORDING, interactions, use_cassette
from tests.conftest import QUAKE, TROOPS
from tests.fault_server import FaultServer

SHORT_ARTICLE = TROOPS / "02-han-river-review-2024-10-24.md"
# The article of extract_normal.yaml (see cassettes/README.md for why this one).
NORMAL_ARTICLE = QUAKE / "04-mediterranean-herald-2023-09-09-2245.html"
LONG_ARTICLE = TROOPS / "01-seoul-morning-courier-2024-10-18.html"
TEST_KEY = "sk-cassette-test-key-0123456789"


def run(settings, paths) -> tuple:
    notes: list[str] = []
    extractor = LLMExtractor(
        settings,
        note=notes.append,
        client_factory=lambda: ModelClient(
            settings, note=notes.append, retry_base_delay=0.01, retry_max_delay=0.05
        ),
    )
    return summarise(paths, settings=settings, extractor=extractor), notes


def live_settings(tmp_path: Path, **overrides):
    # These cassettes hold extraction only; reconcile cassettes pass reconcile="model".
    return resolve_settings(
        {},
        **{
            "model": LIVE_MODEL,
            "base_url": LIVE_BASE_URL,
            "api_key": TEST_KEY,
            "cache_dir": tmp_path / "cache",
            "timeout": 300.0,
            "max_output_tokens": 800,
            "reconcile": "rules",
            **overrides,
        },
    )


@contextmanager
def fault_endpoint(*faults: str) -> Iterator[str]:
    """The fault server while recording; on replay any URL does, as only the path matches."""
    if RECORDING:
        with FaultServer() as server:
            server.enqueue(*faults)
            yield server.base_url
    else:
        yield "http://127.0.0.1:8765/v1"


def assert_grounded(report) -> None:
    texts = {s.id: s.text for s in report.sources}
    for claim in report.claims:
        assert texts[claim.source_id][claim.start : claim.end] == claim.quote
    assert report.usage.claims_extracted == len(report.claims) + report.usage.claims_dropped


def test_normal_extraction_of_an_example_article(tmp_path):
    settings = live_settings(tmp_path)
    with use_cassette("extract_normal.yaml") as cassette:
        report, notes = run(settings, [NORMAL_ARTICLE])
    assert_grounded(report)
    assert report.usage.requests == len(cassette.requests)
    recorded = interactions("extract_normal.yaml")
    # llama-cpp-python refuses the json_schema request format with a 500; synth falls back
    # to forced tool calls once, says so, and does not count it as a fault to retry.
    assert recorded[0]["status"] == 500 and "json_schema" in json.dumps(recorded[0]["body"])
    assert recorded[1]["request"]["tool_choice"]["type"] == "function"
    assert report.usage.retries == 0
    assert any("using 'tools' for the rest of the run" in note for note in notes)
    tokens = sum(i["body"]["usage"]["prompt_tokens"] for i in recorded if i["status"] == 200)
    assert report.usage.prompt_tokens == tokens


def test_a_second_run_is_answered_by_the_cache_with_no_request(tmp_path):
    settings = live_settings(tmp_path)
    with use_cassette("extract_normal.yaml", replay_only=True):
        first, _ = run(settings, [NORMAL_ARTICLE])
    with use_cassette("extract_normal.yaml", replay_only=True) as cassette:
        second, _ = run(settings, [NORMAL_ARTICLE])
        assert cassette.play_count == 0
    assert second.usage.requests == 0 and second.usage.cache_hits == 1
    assert [c.quote for c in second.claims] == [c.quote for c in first.claims]


def test_a_quote_not_in_the_article_is_re_asked_with_the_error(tmp_path):
    # SmolLM2 answers the normal extraction with quotes it made up ("]["); each answer goes
    # back with the validator's error, twice, and what is still invented is dropped.
    settings = live_settings(tmp_path)
    with use_cassette("extract_normal.yaml", replay_only=True):
        report, _ = run(settings, [NORMAL_ARTICLE])
    answers = [i for i in interactions("extract_normal.yaml") if i["status"] == 200]
    first, *reasks = answers
    assert len(reasks) == 2  # MAX_REASKS
    for previous, reask in zip(answers, reasks, strict=False):
        sent = reask["request"]["messages"]
        assert "this quote is not in the article" in sent[-1]["content"]
        # The conversation so far goes back, with the failed answer before the error.
        assert sent[: len(previous["request"]["messages"])] == previous["request"]["messages"]
    assert report.usage.claims_dropped == report.usage.claims_extracted - len(report.claims)
    assert any("did not fit the schema after 2 re-asks" in p.reason for p in report.problems)
    assert_grounded(report)


def test_an_answer_cut_off_at_the_token_cap_is_re_asked_with_the_json_error(tmp_path):
    # On the longer article the model writes until max_tokens, leaving invalid JSON.
    settings = live_settings(tmp_path, mode="tools")
    with use_cassette("extract_reask.yaml") as cassette:
        report, _ = run(settings, [LONG_ARTICLE])
    assert report.usage.requests == len(cassette.requests)
    recorded = interactions("extract_reask.yaml")
    assert recorded[0]["body"]["usage"]["completion_tokens"] == settings.max_output_tokens
    assert "Invalid JSON" in recorded[1]["request"]["messages"][-1]["content"]
    assert_grounded(report)


def test_a_long_article_is_extracted_in_chunks(tmp_path):
    settings = live_settings(tmp_path, mode="tools", chunk_chars=1200, chunk_overlap=200)
    with use_cassette("extract_chunked.yaml") as cassette:
        report, _ = run(settings, [LONG_ARTICLE])
    articles = [
        m["content"]
        for i in interactions("extract_chunked.yaml")
        for m in i["request"]["messages"]
        if "<article>" in m["content"]
    ]
    assert len(set(articles)) >= 3  # distinct chunks were sent
    assert report.usage.requests == len(cassette.requests)
    assert_grounded(report)


@pytest.mark.parametrize(
    "fault, name", [("429", "fault_429_then_success.yaml"), ("500", "fault_500_then_success.yaml")]
)
def test_a_transient_fault_is_retried_then_succeeds(tmp_path, fault, name):
    with fault_endpoint(fault) as url:
        settings = live_settings(tmp_path, model="fault-model", base_url=url, mode="tools")
        with use_cassette(name):
            report, _ = run(settings, [SHORT_ARTICLE])
    recorded = interactions(name)
    assert [i["status"] for i in recorded] == [int(fault), 200]
    if fault == "429":
        assert recorded[0]["headers"]["retry-after"] == ["1"]
    assert report.usage.retries == 1 and report.usage.requests == 2
    assert report.claims and not report.problems
    assert_grounded(report)


def test_a_refused_key_fails_at_once(tmp_path):
    with fault_endpoint("401") as url:
        settings = live_settings(tmp_path, model="fault-model", base_url=url, mode="tools")
        with use_cassette("fault_401.yaml"):
            with pytest.raises(ModelRefusedError, match="API key was refused by"):
                run(settings, [SHORT_ARTICLE])
    assert len(interactions("fault_401.yaml")) == 1


def test_every_cassette_is_in_the_openai_wire_format_and_carries_no_key():
    names = sorted(p.name for p in CASSETTES.glob("*.yaml"))
    assert len(names) >= 6
    for name in names:
        text = (CASSETTES / name).read_text(encoding="utf-8")
        if name.startswith("batch_"):  # Files and Batch API traffic: tests/test_batch.py
            assert TEST_KEY not in text and "authorization" not in text.lower()
            continue
        assert TEST_KEY not in text and "authorization" not in text.lower()
        for interaction in interactions(name):
            assert "authorization" not in interaction["request_headers"]
            body = interaction["body"]
            if interaction["status"] == 200:
                completion = ChatCompletion.model_validate(body)
                assert completion.choices and completion.usage is not None
            else:
                assert isinstance(body["error"]["message"], str)
                # openai maps the status to its own error type, as the client would.
                assert openai.APIStatusError
