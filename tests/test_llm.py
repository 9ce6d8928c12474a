"""The model client and LLM extractor against the loopback fault server (no cassettes):
request formats, fallbacks, retries, refusals, re-asks, cache and usage."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from synth.cache import ResponseCache
from synth.config import resolve_settings
from synth.errors import ConfigError, ModelRefusedError
from synth.extract.llm import LLMExtractor
from synth.extract.schema import ArticleShown, ExtractionResponse
from synth.llm import ModelClient, mode_chain
from synth.pipeline import summarise
from synth.validation_data import validating_against
from tests.conftest import TROOPS
from tests.fault_server import FaultServer

ARTICLE = TROOPS / "02-han-river-review-2024-10-24.md"


def settings_for(server: FaultServer, tmp_path: Path, **overrides):
    # Extraction is under test here; the model reconcile has tests of its own.
    values = {
        "model": "fault-model",
        "base_url": server.base_url,
        "api_key": "sk-test-secret-key",
        "cache_dir": tmp_path / "cache",
        "timeout": 5.0,
        "max_retries": 2,
        "reconcile": "rules",
    }
    values.update(overrides)
    return resolve_settings({}, **values)


def quiet_client(settings, notes: list[str]) -> ModelClient:
    return ModelClient(settings, note=notes.append, retry_base_delay=0.01, retry_max_delay=0.05)


def extractor(settings, notes: list[str]) -> LLMExtractor:
    return LLMExtractor(settings, note=notes.append, client_factory=lambda: quiet_client(settings, notes))


def run(settings, notes, paths=(ARTICLE,)):
    return summarise(list(paths), settings=settings, extractor=extractor(settings, notes))


def test_default_request_format_depends_on_the_endpoint():
    assert mode_chain(resolve_settings({}, model="m")) == ("tools", "json_schema")
    assert mode_chain(resolve_settings({}, model="m", base_url="http://127.0.0.1:8765/v1")) == (
        "json_schema",
        "tools",
    )
    assert mode_chain(resolve_settings({}, model="m", mode="json")) == ("json",)


def test_openai_without_a_key_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        ModelClient(resolve_settings({}, model="gpt-4o-mini", cache_dir=tmp_path))


def test_claims_come_back_grounded_and_usage_counts_the_server(tmp_path):
    notes: list[str] = []
    with FaultServer() as server:
        report = run(settings_for(server, tmp_path), notes)
        assert report.usage.requests == server.request_count == 1
    assert report.usage.extractor == "llm" and report.usage.model == "fault-model"
    assert report.claims and all(c.extractor == "llm" for c in report.claims)
    text = report.sources[0].text
    assert all(text[c.start : c.end] == c.quote for c in report.claims)
    assert report.usage.prompt_tokens > 0 and report.usage.completion_tokens > 0
    body = server.requests[0]
    assert body["response_format"]["type"] == "json_schema"  # the local-server default
    user = body["messages"][-1]["content"]
    assert "<article>" in user and "</article>" in user  # article text is delimited


def test_template_syntax_in_an_article_reaches_the_model_verbatim(tmp_path):
    # instructor renders messages as Jinja templates when handed a validation context
    # (instructor #2669); synth hands it none, so article text is never template source.
    article = tmp_path / "braces.txt"
    article.write_text(
        "Title: Braces\n\nThe ministry said 140 people died {{ 7*7 }} on Monday.\n\n"
        "Officials said {% if x %} 620 people were hurt {# on Tuesday.\n",
        encoding="utf-8",
    )
    with FaultServer() as server:
        server.enqueue("invented")  # the re-ask is validated against the article too
        report = run(settings_for(server, tmp_path), [], [article])
        sent = [body["messages"][1]["content"] for body in server.requests]
    assert len(sent) == 2 and all("died {{ 7*7 }} on" in s and "{% if x %} 620" in s for s in sent)
    assert not report.problems
    assert sorted(c.quote for c in report.claims) == [
        "Officials said {% if x %} 620 people were hurt {# on Tuesday.",
        "The ministry said 140 people died {{ 7*7 }} on Monday.",
    ]


def test_a_rejected_format_falls_back_once_and_says_so(tmp_path):
    notes: list[str] = []
    with FaultServer(reject_modes={"json_schema"}) as server:
        report = run(settings_for(server, tmp_path, concurrency=4), notes, [TROOPS])
        assert server.served["rejected_mode"] == 1
        assert server.served["ok"] == 5
    assert report.usage.retries == 0 and not report.problems
    [note] = notes
    assert "does not accept the 'json_schema' request format" in note and "'tools'" in note


def test_a_forced_mode_that_the_server_rejects_fails_at_once_with_its_reason(tmp_path):
    with FaultServer(reject_modes={"json_schema"}) as server:
        with pytest.raises(ModelRefusedError, match="json_schema.*Input should be 'text'"):
            run(settings_for(server, tmp_path, mode="json_schema"), [])
        assert server.request_count == 1  # no retry storm


@pytest.mark.parametrize("fault", ["429", "500", "503", "drop"])
def test_transient_faults_are_retried_then_succeed(tmp_path, fault):
    with FaultServer() as server:
        server.enqueue(fault)
        report = run(settings_for(server, tmp_path), [])
        assert server.request_count == 2
    assert report.usage.retries == 1 and report.usage.requests == 2
    assert report.claims and not report.problems


def test_retry_after_is_honoured(tmp_path):
    import time

    with FaultServer() as server:
        server.enqueue("429:1")
        started = time.monotonic()
        run(settings_for(server, tmp_path), [])
        assert time.monotonic() - started >= 1.0


def test_retries_are_bounded_and_the_article_becomes_a_problem(tmp_path):
    second = TROOPS / "05-eastern-front-chronicle-2024-11-05.txt"
    with FaultServer() as server:
        server.enqueue("500", "500", "500")  # max_retries=2: three attempts for the first
        report = run(settings_for(server, tmp_path, concurrency=1), [], [ARTICLE, second])
        assert server.request_count == 4
    [problem] = report.problems
    assert problem.path == str(ARTICLE) and "kept failing after 3 attempts" in problem.reason
    assert {c.source_id for c in report.claims} == {"S2"}  # the other article went on


def test_a_timeout_is_retried(tmp_path):
    with FaultServer() as server:
        server.enqueue("slow:2")
        report = run(settings_for(server, tmp_path, timeout=0.5), [])
        assert server.request_count == 2
    assert report.usage.retries == 1 and report.claims


def test_a_refused_key_fails_at_once_naming_the_endpoint_and_not_the_key(tmp_path):
    with FaultServer() as server:
        server.enqueue("401")
        with pytest.raises(ModelRefusedError) as caught:
            run(settings_for(server, tmp_path), [])
        assert server.request_count == 1
    assert str(caught.value).startswith(f"the API key was refused by {server.base_url}")
    assert "sk-test-secret-key" not in str(caught.value)


@pytest.mark.parametrize("fault", ["invented", "schema", "malformed"])
def test_a_bad_answer_is_re_asked_with_the_error(tmp_path, fault):
    with FaultServer() as server:
        server.enqueue(fault)
        report = run(settings_for(server, tmp_path), [])
        assert server.request_count == 2
        reask = server.requests[1]["messages"]
    assert len(reask) > len(server.requests[0]["messages"])  # the error went back
    assert report.claims and not report.problems
    if fault == "invented":
        assert "not in the article" in json.dumps(reask)


def test_answers_that_stay_invented_are_dropped_and_counted(tmp_path):
    with FaultServer() as server:
        server.enqueue("invented", "invented", "invented")  # first try and both re-asks
        report = run(settings_for(server, tmp_path), [])
        assert server.request_count == 3
    assert report.claims == []
    assert report.usage.claims_extracted > 0
    assert report.usage.claims_dropped == report.usage.claims_extracted
    assert "did not fit the schema after 2 re-asks" in report.problems[0].reason


def test_a_second_run_sends_no_request_and_no_cache_sends_again(tmp_path):
    with FaultServer() as server:
        first = run(settings_for(server, tmp_path), [], [TROOPS])
        second = run(settings_for(server, tmp_path), [], [TROOPS])
        assert server.request_count == 5
        assert second.usage.requests == 0 and second.usage.cache_hits == 5
        assert [c.quote for c in second.claims] == [c.quote for c in first.claims]
        run(settings_for(server, tmp_path, use_cache=False), [], [TROOPS])
        assert server.request_count == 10


def test_long_articles_are_chunked_and_overlapping_claims_counted_once(tmp_path):
    with FaultServer(claims_per_article=50) as server:
        report = run(settings_for(server, tmp_path, chunk_chars=800, chunk_overlap=300), [])
        assert server.request_count > 2
    quotes = [c.quote for c in report.claims]
    assert len(quotes) == len(set(quotes))
    spans = [(c.start, c.end) for c in report.claims]
    assert len(spans) == len(set(spans))


def test_the_api_key_reaches_no_cache_entry_or_report(tmp_path):
    with FaultServer() as server:
        report = run(settings_for(server, tmp_path), [])
    assert "sk-test-secret-key" not in report.model_dump_json()
    for path in (tmp_path / "cache").rglob("*"):
        if path.is_file():
            assert b"sk-test-secret-key" not in path.read_bytes()


def test_a_damaged_cache_entry_is_ignored_with_a_warning_and_recomputed(tmp_path):
    notes: list[str] = []
    with FaultServer() as server:
        settings = settings_for(server, tmp_path)
        run(settings, notes)
        cache = ResponseCache(tmp_path / "cache")
        [key] = list(cache._cache())
        cache._cache().set(key, "{not json")
        cache.close()
        report = run(settings, notes)
        assert server.request_count == 2
    assert report.claims
    assert any("damaged" in note for note in notes)


def test_the_schema_validator_rejects_a_quote_not_in_the_article():
    article = "The Pentagon said 10,000 troops were in Russia."
    good = {"claims": [{"quote": "the pentagon said 10,000 troops", "statement": "s"}]}
    bad = {"claims": [{"quote": "The Pentagon said 99,000 troops", "statement": "s"}]}
    with validating_against(ArticleShown(article)):
        ExtractionResponse.model_validate(good)
        with pytest.raises(ValueError, match="not in the article"):
            ExtractionResponse.model_validate(bad)
    # Outside a request only the shape is checked; grounding places the quote or drops it.
    ExtractionResponse.model_validate(bad)


def test_model_client_closes_cleanly_when_unused():
    settings = resolve_settings({}, model="m", base_url="http://127.0.0.1:1/v1")
    asyncio.run(ModelClient(settings).close())


def test_an_unreachable_endpoint_is_a_problem_per_article_not_a_crash(tmp_path):
    settings = resolve_settings(
        {}, model="m", base_url="http://127.0.0.1:9/v1", cache_dir=tmp_path, max_retries=1, timeout=1.0
    )
    report = summarise([ARTICLE], settings=settings, extractor=extractor(settings, []))
    # A refused connection is not retried: no request of the run could reach the server.
    assert [p.reason for p in report.problems] == [
        "no model server at http://127.0.0.1:9/v1 (connection refused): start it, or run with --offline"
    ]
    # Usage counts requests that reached a server: a refused connection reached none.
    assert (report.usage.requests, report.usage.retries) == (0, 0)


def test_a_request_too_long_for_the_context_is_a_problem_for_that_article_only():
    import httpx
    import openai

    from synth.errors import ModelError
    from synth.llm import _raise_if_refused

    message = (
        "This model's maximum context length is 8192 tokens. However, you requested "
        "12527 tokens. Please reduce the length of the messages or completion."
    )
    error = openai.BadRequestError(
        message,
        response=httpx.Response(400, request=httpx.Request("POST", "http://x/v1")),
        body={"error": {"message": message}},
    )
    with pytest.raises(ModelError) as caught:
        _raise_if_refused(error, "http://x/v1", "m")
    assert not isinstance(caught.value, ModelRefusedError)
    assert "smaller --chunk-chars" in str(caught.value)


def test_a_key_of_any_shape_echoed_by_a_server_is_scrubbed(tmp_path):
    from synth.llm import scrub

    key = "local-token-7f3a9c2e11"  # not an sk- key, so the pattern alone would miss it
    ModelClient(
        resolve_settings({}, model="m", base_url="http://127.0.0.1:9/v1", api_key=key, cache_dir=tmp_path)
    )
    assert scrub(f"Incorrect API key provided: {key}.") == "Incorrect API key provided: ***."


def test_a_re_ask_longer_than_the_context_is_a_problem_kept_in_the_cache_and_not_asked_again(tmp_path):
    """The same request is refused the same way every time, so a rerun reports the refusal
    from the cache instead of asking the server again."""
    notes: list[str] = []
    with FaultServer() as server:
        server.enqueue("invented", "too_long")  # the first answer is re-asked; the re-ask is too long
        settings = settings_for(server, tmp_path)
        first = run(settings, notes)
        assert server.request_count == 2 and server.served["too_long"] == 1
        second = run(settings, notes)
        assert server.request_count == 2  # the rerun sent nothing
    [problem] = first.problems
    assert problem.reason.startswith("the request is longer than 'fault-model' at ")
    assert "maximum context length is 8192 tokens" in problem.reason
    assert first.usage.retries == 0
    # The answer it re-asked was salvaged; its invented quotes were dropped by grounding.
    assert first.usage.claims_extracted > 0 and first.claims == []
    assert second.usage.requests == 0 and second.usage.cache_hits == 1
    assert [p.reason for p in second.problems] == [problem.reason]
