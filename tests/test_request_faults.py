"""The request path under a hostile or broken server (issue 16), through the real pipeline
against the loopback fault server: replies cut off at the token cap, Retry-After headers of
any shape, answers that trickle, 2xx answers that are no chat completion, redirects, huge
and lying bodies, cache entries of the wrong shape, secrets in the base URL or echoed back.

Each run ends the way test_faults.py describes: every article in `report.sources`, the one a
fault hits either as in a clean run or with exactly one problem naming it, the rest
untouched, and usage counting every request the server saw.
"""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import diskcache
import pytest

from synth.config import resolve_settings
from synth.errors import SynthError
from synth.extract.llm import LLMExtractor
from synth.llm import MAX_ANSWER_BYTES, ModelClient
from synth.models import Report
from synth.pipeline import summarise
from synth.reconcile.model import MAX_REASKS as RECONCILE_REASKS
from synth.reconcile.model import ModelReconciler
from synth.render import render_html, render_markdown
from tests.conftest import TROOPS
from tests.fault_runs import (
    ANSWERS,
    ATTEMPTS,
    assert_every_article_kept,
    assert_untouched,
    claims_of,
    one_word_request,
    requests_per_article,
    run,
    settings_for,
)
from tests.fault_server import FaultServer, claim, find_article
from tests.frozen_extractor import FrozenExtractor
from tests.reconcile_server import ReconcileServer, careful_answer
from tests.stories import is_reconcile_request, run_synth_cli

CAP = 4096  # Settings().max_output_tokens


def only_problem_of_s1(report: Report, story: list[Path]) -> str:
    assert_every_article_kept(report, story)
    [problem] = report.problems
    assert (problem.path, problem.source_id, problem.stage) == (str(story[0]), "S1", "extract")
    return problem.reason


# --- 1. a reply cut off at the token cap -------------------------------------------------------


def test_a_reply_cut_off_at_the_cap_is_asked_once_more_with_twice_the_cap(story, clean_report, tmp_path):
    with FaultServer() as server:
        server.enqueue("length")
        report = run(settings_for(server, tmp_path / "cache"), story)
        assert requests_per_article(server) == {"S1": 2, "S2": 1, "S3": 1}
        assert [r["max_tokens"] for r in server.requests[:2]] == [CAP, 2 * CAP]
        assert server.requests[1]["messages"] == server.requests[0]["messages"]
        assert report.usage.requests == server.request_count == 4
    assert not report.problems
    assert_untouched(report, clean_report, "S1", "S2", "S3")


def test_a_reply_cut_off_again_keeps_its_whole_claims_and_is_one_problem(story, clean_report, tmp_path):
    notes: list[str] = []
    with FaultServer() as server:
        settings = settings_for(server, tmp_path / "cache")
        server.enqueue("length", "length")
        report = run(settings, story, notes)
        assert requests_per_article(server) == {"S1": 2, "S2": 1, "S3": 1}
        rerun = run(settings, story, notes)
        assert server.request_count == 4  # the rerun asked nothing: the cut is cached
    reason = only_problem_of_s1(report, story)
    assert reason.startswith(
        "the model's answer was cut off at the token cap of 4,096 tokens, "
        "and again at 8,192; 2 whole claims before the cut were kept"
    )
    # The claims before the cut, and nothing of the claim the cut went through.
    whole = claims_of(clean_report, "S1")
    assert claims_of(report, "S1") == whole[:2] and len(whole) == 3
    assert_untouched(report, clean_report, "S2", "S3")
    assert [p.reason for p in rerun.problems] == [reason] and rerun.claims == report.claims


def test_a_looping_reply_is_not_asked_again_and_keeps_what_it_repeated(story, clean_report, tmp_path):
    with FaultServer() as server:
        server.enqueue("length_loop")
        report = run(settings_for(server, tmp_path / "cache"), story)
        assert requests_per_article(server) == {"S1": 1, "S2": 1, "S3": 1}
    reason = only_problem_of_s1(report, story)
    assert "(it was repeating itself; not asked again); 1 whole claim before the cut was kept" in reason
    assert claims_of(report, "S1") == claims_of(clean_report, "S1")[:1]
    assert_untouched(report, clean_report, "S2", "S3")
    # The claim it repeated 59 times is cached once.
    with diskcache.Cache(str(tmp_path / "cache")) as store:
        cached = [json.loads(store[key]) for key in store.iterkeys()]
    assert sorted(len(entry["reply"]["claims"]) for entry in cached) == [1, 3, 3]


def test_a_higher_cap_the_server_refuses_leaves_the_first_cut(story, clean_report, tmp_path):
    with FaultServer() as server:
        server.enqueue("length", "too_long")
        report = run(settings_for(server, tmp_path / "cache"), story)
        assert requests_per_article(server) == {"S1": 2, "S2": 1, "S3": 1}
    reason = only_problem_of_s1(report, story)
    assert (
        "cut off at the token cap of 4,096 tokens (asking again with a cap of 8,192 "
        "failed: This model's maximum context length is 8192 tokens" in reason
    )
    assert claims_of(report, "S1") == claims_of(clean_report, "S1")[:2]


def reconcile_run(settings, notes: list[str] | None = None, paths=(TROOPS,)):
    lines = notes if notes is not None else []
    reconciler = ModelReconciler(
        settings,
        note=lines.append,
        client_factory=lambda: ModelClient(
            settings, note=lines.append, retry_base_delay=0.01, retry_max_delay=0.05
        ),
    )
    return summarise(list(paths), settings=settings, extractor=FrozenExtractor(), reconciler=reconciler)


def reconcile_settings(server: FaultServer, tmp_path: Path, **overrides):
    return resolve_settings(
        {},
        **{
            "model": "fault-model",
            "base_url": server.base_url,
            "cache_dir": tmp_path / "cache",
            "max_retries": 2,
            **overrides,
        },
    )


def test_a_reconcile_cut_off_twice_keeps_its_whole_parts_and_says_so(tmp_path):
    with ReconcileServer() as server:
        clean = reconcile_run(reconcile_settings(server, tmp_path / "clean"))
    with ReconcileServer() as server:
        server.enqueue("length", "length")
        report = reconcile_run(reconcile_settings(server, tmp_path))
        assert server.request_count == 2 == report.usage.reconcile_requests
        assert [r["max_tokens"] for r in server.requests] == [CAP, 2 * CAP]
    [problem] = [p for p in report.problems if p.stage == "reconcile"]
    assert problem.reason.startswith(
        "the model's reconcile was cut off at the token cap of 4,096 tokens, and again at "
        "8,192; of the whole parts before the cut, "
    )
    assert "the deterministic reconcile covers the rest" in problem.reason
    # The cut went through the overview: the facts are whole, the sentences before it kept.
    assert [f.statement for f in report.facts] == [f.statement for f in clean.facts]
    model_sentences = [s.text for s in report.overview if s.written_by == "model"]
    assert 0 < len(model_sentences) < len(clean.overview)
    assert model_sentences == [s.text for s in clean.overview][: len(model_sentences)]


def test_the_cli_ends_a_run_with_cut_off_replies_as_usual(story, clean_report, tmp_path):
    """Both stages cut off twice: one line each, a report, exit 0, no traceback."""
    with FaultServer() as server:
        server.enqueue("length", "length")  # S1's extraction
        result = run_synth_cli(
            story, "--concurrency", "1", "--format", "json", cache_dir=tmp_path, base_url=server.base_url
        )
        assert server.request_count == 2 + 2 + 1  # S1 twice, S2, S3, one reconcile
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    report = Report.model_validate_json(result.stdout)
    assert_every_article_kept(report, story)
    assert [p.source_id for p in report.problems] == ["S1"]
    [line] = [line for line in result.stderr.splitlines() if "cut off" in line]
    assert line.startswith(f"synth: {story[0]}: the model's answer was cut off")


# --- 4. Retry-After of any shape; --timeout bounds the whole request ----------------------------


@pytest.mark.parametrize(
    "header",
    ["soon", "Wed, 99 Foo 2024 99:99:99 GMT", "nan", "-3", "1e400", "Fri, 31 Dec 99999 23:59:59 GMT", "\t"],
)
def test_a_retry_after_that_is_neither_seconds_nor_a_date_is_ignored(header, story, clean_report, tmp_path):
    with FaultServer() as server:
        server.enqueue(f"retry_after:{header}")
        started = time.monotonic()
        report = run(settings_for(server, tmp_path / "cache"), story)
        elapsed = time.monotonic() - started
        assert requests_per_article(server) == {"S1": 2, "S2": 1, "S3": 1}
    assert not report.problems and report.usage.retries == 1
    assert_untouched(report, clean_report, "S1", "S2", "S3")
    assert elapsed < 10  # the test client's own backoff (at most 0.05 s), not a date's wait


def test_a_past_http_date_means_at_once(story, tmp_path):
    """The client's own backoff is made 10-20 s here: only a Retry-After read as 0 s (a
    date in the past) ends the run in a few seconds."""
    with FaultServer() as server:
        settings = settings_for(server, tmp_path / "cache")
        extractor = LLMExtractor(
            settings,
            note=lambda line: None,
            client_factory=lambda: ModelClient(settings, retry_base_delay=20.0, retry_max_delay=20.0),
        )
        server.enqueue("retry_after:Wed, 21 Oct 2015 07:28:00 GMT")
        started = time.monotonic()
        report = summarise(story, settings=settings, extractor=extractor)
        assert time.monotonic() - started < 8
        assert requests_per_article(server) == {"S1": 2, "S2": 1, "S3": 1}
    assert not report.problems and report.usage.retries == 1


def test_an_answer_trickling_a_byte_at_a_time_is_given_up_at_the_timeout(story, clean_report, tmp_path):
    """Status line, headers and body at one byte every half second: --timeout 1 ends it."""
    with FaultServer() as server:
        server.enqueue("trickle:0.5")
        started = time.monotonic()
        report = run(settings_for(server, tmp_path / "cache", timeout=1.0, max_retries=0), story)
        elapsed = time.monotonic() - started
        assert report.usage.requests == server.request_count == 3
    reason = only_problem_of_s1(report, story)
    assert reason.endswith(
        "/v1 failed: Request timed out (no complete answer within 1 s; --timeout sets the bound)"
    )
    assert elapsed < 4  # the trickled answer alone would take minutes
    assert_untouched(report, clean_report, "S2", "S3")


def test_an_informational_status_and_then_silence_is_given_up_at_the_timeout(story, tmp_path):
    with FaultServer() as server:
        server.enqueue("status:100")
        started = time.monotonic()
        report = run(settings_for(server, tmp_path / "cache", timeout=1.0, max_retries=0), story)
        assert time.monotonic() - started < 4
    assert "Request timed out" in only_problem_of_s1(report, story)


# --- 5. every request that reached the server is counted -------------------------------------

# Each fault once, and the requests the article then takes: the fault's and the retry, re-ask
# or higher cap after it; one for a fault synth reads through.
ONCE = {
    "cut_body": 2,
    "short_body": 2,
    "empty": 2,
    "not_object": 2,
    "error_200": 2,
    "no_choices": 2,
    "status:299": 2,
    "status:204": 2,
    "status:599": 2,
    "gzip_lie": 2,
    "drop": 2,
    "500": 2,
    "429:0": 2,
    "invented": 2,
    "malformed": 2,
    "length": 2,
    "null_content": 2,
    "args_object": 2,
    "content_number": 2,
    "busy_tools": 2,
    "deep_json": 2,
    "bad_utf8": 1,
    "utf16": 1,
    "no_usage": 1,
    "huge_usage": 1,
}


@pytest.mark.parametrize("fault", sorted(ONCE))
def test_a_fault_once_is_mended_and_usage_counts_every_request_the_server_saw(
    fault, story, clean_report, tmp_path
):
    with FaultServer() as server:
        server.enqueue(fault)
        report = run(settings_for(server, tmp_path / "cache"), story)
        assert report.usage.requests == server.request_count
        assert requests_per_article(server) == {"S1": ONCE[fault], "S2": 1, "S3": 1}
    assert_every_article_kept(report, story)
    assert not report.problems
    assert_untouched(report, clean_report, "S1", "S2", "S3")


def test_a_tool_call_to_another_function_is_read_and_checked_like_any_answer(story, clean_report, tmp_path):
    with FaultServer() as server:
        server.enqueue("wrong_tool")
        report = run(settings_for(server, tmp_path / "cache", mode="tools"), story)
        assert server.served["wrong_tool"] == 1 and server.requests[0]["tools"]
    assert not report.problems
    assert_untouched(report, clean_report, "S1", "S2", "S3")


# The line each 2xx that is no chat completion ends as, once attempts run out.
UNUSABLE = {
    "cut_body": "HTTP 200 with JSON that is cut off or malformed",
    "empty": "HTTP 200 with an empty body",
    "short_body": "Connection error",
    "not_object": "HTTP 200 with a JSON list, not a chat completion",
    "error_200": "HTTP 200 with an error instead of an answer: upstream model crashed",
    "no_choices": "HTTP 200 with no answer in it (no choices)",
    "status:204": "HTTP 204 with an empty body",
    "gzip_lie": "HTTP 200 with a body that does not decode as its Content-Encoding (gzip) says",
}


@pytest.mark.parametrize("fault", sorted(UNUSABLE))
def test_an_unusable_answer_that_persists_is_one_line_after_the_retries(fault, story, clean_report, tmp_path):
    with FaultServer() as server:
        server.enqueue(*[fault] * ATTEMPTS)
        report = run(settings_for(server, tmp_path / "cache"), story)
        assert requests_per_article(server) == {"S1": ATTEMPTS, "S2": 1, "S3": 1}
        assert report.usage.requests == server.request_count
    reason = only_problem_of_s1(report, story)
    assert f"kept failing after {ATTEMPTS} attempts: " in reason and UNUSABLE[fault] in reason
    assert claims_of(report, "S1") == []
    assert_untouched(report, clean_report, "S2", "S3")


# Answers that asking again will not mend: one request, one line.
FINAL = {
    "html": "failed: HTTP 200 with a text/html page, not JSON; is this an OpenAI-compatible API?",
    "redirect:307": "failed: HTTP 307, a redirect to http://127.0.0.1:",
    "redirect:301": "failed: HTTP 301, a redirect to http://127.0.0.1:",
    "huge:20": f"failed: HTTP 200 with an answer over {MAX_ANSWER_BYTES // 2**20} MB",
    "gzip_bomb:40": f"failed: HTTP 200 with an answer over {MAX_ANSWER_BYTES // 2**20} MB",
}


@pytest.mark.parametrize("fault", sorted(FINAL))
def test_an_answer_no_retry_mends_is_one_line_at_once(fault, story, clean_report, tmp_path):
    with FaultServer() as server:
        server.enqueue(fault)
        report = run(settings_for(server, tmp_path / "cache"), story)
        # A redirect is not followed: the server sees the one request, which is counted.
        assert requests_per_article(server) == {"S1": 1, "S2": 1, "S3": 1}
        assert report.usage.requests == server.request_count == 3
    assert FINAL[fault] in only_problem_of_s1(report, story)
    assert report.usage.retries == 0
    assert_untouched(report, clean_report, "S2", "S3")


def test_a_request_that_never_reached_a_server_is_not_counted(tmp_path):
    import asyncio

    settings = resolve_settings(
        {}, model="m", base_url="http://127.0.0.1:9/v1", cache_dir=tmp_path, max_retries=1, timeout=2.0
    )
    client = ModelClient(settings, retry_base_delay=0.01, retry_max_delay=0.02)

    async def ask() -> None:
        try:
            with pytest.raises(SynthError):
                await client.structured(one_word_request())
        finally:
            await client.close()

    asyncio.run(ask())
    assert client.usage.requests == 0


# --- 6. a cache entry of the wrong shape -------------------------------------------------------

WRONG_SHAPES = [
    {"claims": "not a list"},
    {"claims": [{"statement": 42}]},
    {},
    {"claims": [], "error": ["not", "text"]},
    {"claims": [], "reasks": "two"},
    {"outcome": "answered", "reply": {"claims": [{"statement": 42}]}},
    {"outcome": "guessed", "reply": {"claims": []}},
]


@pytest.mark.parametrize("entry", WRONG_SHAPES, ids=lambda e: json.dumps(e)[:30])
def test_an_extraction_entry_of_the_wrong_shape_is_damaged_and_asked_again(
    entry, story, clean_report, tmp_path
):
    notes: list[str] = []
    with FaultServer() as server:
        settings = settings_for(server, tmp_path / "cache")
        run(settings, story)
        with diskcache.Cache(str(tmp_path / "cache")) as store:
            keys = list(store.iterkeys())
            for key in keys:
                store.set(key, json.dumps(entry))
        report = run(settings, story, notes)
        assert server.request_count == 2 * len(keys) == 6  # every entry was asked again
        again = run(settings, story)
        assert server.request_count == 6  # and replaced by a good one
    damaged = [n for n in notes if "is damaged; ignoring it and asking again" in n]
    assert len(damaged) == len(keys)
    assert not report.problems and report.usage.cache_hits == 0
    assert_untouched(report, clean_report, "S1", "S2", "S3")
    assert again.claims == report.claims


@pytest.mark.parametrize(
    "entry",
    [
        {"facts": []},
        {"answer": {}, "error": 5},
        {"answer": None, "reasks": [2]},
        {"answer": "x", "cut_off": {}},
        {"outcome": "answered", "reply": {"facts": "none"}},
        {"outcome": "unchecked", "reply": {}, "reasks": "two"},
    ],
    ids=lambda e: json.dumps(e)[:30],
)
def test_a_reconcile_entry_of_the_wrong_shape_is_damaged_and_asked_again(entry, tmp_path):
    notes: list[str] = []
    with ReconcileServer() as server:
        settings = reconcile_settings(server, tmp_path)
        first = reconcile_run(settings)
        with diskcache.Cache(str(tmp_path / "cache")) as store:
            [key] = list(store.iterkeys())
            store.set(key, json.dumps(entry))
        report = reconcile_run(settings, notes)
        assert server.request_count == 2
    assert sum("is damaged; ignoring it and asking again" in n for n in notes) == 1
    assert report.problems == [] and report.usage.reconciler == "model"
    assert [f.statement for f in report.facts] == [f.statement for f in first.facts]


# --- 7. secrets: credentials in the base URL, a key echoed in an answer -----------------------


def test_credentials_in_the_base_url_reach_no_line_problem_or_report(story, tmp_path):
    password = "pa55-word-in-url"
    notes: list[str] = []
    with FaultServer(reject_modes={"json_schema"}) as server:
        url = server.base_url.replace("http://", f"http://alice:{password}@")
        settings = settings_for(server, tmp_path / "cache", base_url=url)
        server.enqueue(*["500"] * ATTEMPTS)  # S1 fails: a problem line naming the endpoint
        report = run(settings, story, notes)
    shown = server.base_url  # scheme, host, port and path
    assert any(shown in n and "does not accept the 'json_schema'" in n for n in notes)
    assert report.problems[0].reason.startswith(f"{shown} kept failing after {ATTEMPTS}")
    texts = [*notes, report.model_dump_json(), render_markdown(report), render_html(report)]
    for text in texts:
        assert password not in text and "alice" not in text


def test_credentials_in_openai_base_url_reach_no_output_of_the_cli(story, tmp_path):
    password = "pa55-word-in-env"
    with FaultServer() as server:
        server.enqueue(*["429:0"] * 5)  # the CLI's five attempts, with no backoff to wait for
        url = server.base_url.replace("http://", f"http://bob:{password}@")
        result = run_synth_cli(
            story,
            "--concurrency",
            "1",
            "--format",
            "json",
            "--reconcile",
            "rules",
            cache_dir=tmp_path,
            OPENAI_BASE_URL=url,
        )
    assert result.returncode == 0, result.stderr
    assert f"synth: {story[0]}: {server.base_url} kept failing" in result.stderr
    assert password not in result.stdout + result.stderr


def test_a_key_echoed_in_the_answers_is_scrubbed_before_the_cache_and_the_report(story, tmp_path):
    key = "sk-echo-7f3a9c2e11b04d"
    notes: list[str] = []
    with FaultServer() as server:
        settings = settings_for(server, tmp_path / "cache", api_key=key)
        server.enqueue(*["echo_key"] * ANSWERS)  # S1's answer and both re-asks echo it
        report = run(settings, story, notes)
        assert requests_per_article(server)["S1"] == ANSWERS
        # The server did echo it: each re-ask carries the previous answer, as synth read it.
        sent = json.dumps(server.requests)
        assert "The key is *** and nobody said so." in sent and key not in sent
    reason = only_problem_of_s1(report, story)
    assert "The key is *** and nobody said so." in reason
    for text in (*notes, report.model_dump_json(), render_markdown(report), render_html(report)):
        assert key not in text
    for path in (tmp_path / "cache").rglob("*"):
        if path.is_file():
            assert key.encode() not in path.read_bytes(), path


def test_a_basic_auth_token_echoed_from_url_credentials_is_scrubbed(story, tmp_path):
    """Credentials in the URL go to the server as Basic auth, which it can echo as it came."""
    userinfo = "carol:s3cret-pass"
    token = base64.b64encode(userinfo.encode()).decode()
    with FaultServer() as server:
        settings = settings_for(
            server, tmp_path / "cache", base_url=server.base_url.replace("http://", f"http://{userinfo}@")
        )
        server.enqueue(*["echo_key"] * ANSWERS)
        report = run(settings, story)
    reason = only_problem_of_s1(report, story)
    assert token not in reason and "Basic ***" in reason
    for path in (tmp_path / "cache").rglob("*"):
        if path.is_file():
            assert token.encode() not in path.read_bytes()


# --- 10. the request format learned once a run; messages that say what ran --------------------


def test_a_rejected_format_is_said_once_a_run_and_reconcile_never_asks_in_it(story, tmp_path, capsys):
    notes: list[str] = []
    with FaultServer(reject_modes={"json_schema"}) as server:
        settings = settings_for(server, tmp_path / "cache", reconcile="model")
        extractor = LLMExtractor(settings, note=notes.append)
        report = summarise(story, settings=settings, extractor=extractor)
        formats = ["json_schema" if r.get("response_format") else "tools" for r in server.requests]
        reconcile = [f for f, r in zip(formats, server.requests, strict=True) if is_reconcile_request(r)]
    assert formats.count("json_schema") == 1 and server.served["rejected_mode"] == 1
    assert reconcile == ["tools"]
    said = [*notes, *capsys.readouterr().err.splitlines()]
    assert sum("does not accept the 'json_schema' request format" in n for n in said) == 1
    assert not report.problems and report.usage.reconciler == "model"


def test_a_reconcile_answer_with_nothing_in_it_says_what_failed_and_how_often_it_was_re_asked(tmp_path):
    def nothing(claims):
        return {"facts": [], "overview": [], "unused_sources": []}

    with ReconcileServer(*[nothing] * (RECONCILE_REASKS + 1)) as server:
        report = reconcile_run(reconcile_settings(server, tmp_path))
        assert server.request_count == RECONCILE_REASKS + 1
    [problem] = [p for p in report.problems if p.stage == "reconcile"]
    assert " of 0 parts" not in problem.reason
    assert problem.reason.startswith(
        f"the model's reconcile still failed synth's checks after {RECONCILE_REASKS} re-asks: sources S1"
    )
    assert report.usage.reconciler == "rules"


def test_a_reconcile_answer_cut_off_with_nothing_whole_falls_back_and_says_so(tmp_path):
    with ReconcileServer() as server:
        server.enqueue("length_loop")  # no <article> in a reconcile request: nothing whole
        report = reconcile_run(reconcile_settings(server, tmp_path))
        assert server.request_count == 1
    [problem] = [p for p in report.problems if p.stage == "reconcile"]
    assert problem.reason == (
        "the model's reconcile was cut off at the token cap of 4,096 tokens (it was repeating "
        "itself; not asked again); nothing whole came before the cut; the deterministic "
        "reconcile covers the rest"
    )
    assert report.usage.reconciler == "rules"


def test_a_careful_reconcile_answer_still_needs_nothing_more(tmp_path):
    """The control for the tests above: the same set-up with no fault has no problem."""
    with ReconcileServer(careful_answer) as server:
        report = reconcile_run(reconcile_settings(server, tmp_path))
        assert server.request_count == 1
    assert report.problems == [] and report.usage.reconciler == "model"


# --- 9. more of what a hostile server or a careless setting can do -----------------------------


def test_a_usage_count_no_model_could_have_is_not_believed(story, tmp_path):
    with FaultServer() as server:
        server.enqueue("huge_usage")  # 10^400 prompt tokens, "many" completion tokens
        report = run(settings_for(server, tmp_path / "cache"), story)
        assert report.usage.requests == server.request_count == 3
    assert not report.problems
    # Only the two honest answers are summed (their counts are a quarter of their bytes).
    assert 0 < report.usage.prompt_tokens < 10_000 and report.usage.completion_tokens < 10_000


def test_a_busy_server_speaking_of_tools_is_retried_not_taken_for_a_rejected_format(story, tmp_path):
    notes: list[str] = []
    with FaultServer() as server:
        server.enqueue("busy_tools")
        report = run(settings_for(server, tmp_path / "cache"), story, notes)
        assert all(r.get("response_format") for r in server.requests)  # json_schema throughout
    assert report.usage.retries == 1 and not report.problems
    assert not any("request format" in n for n in notes)


def test_terminal_escapes_in_a_servers_words_are_shown_not_obeyed(story, tmp_path):
    with FaultServer() as server:
        server.enqueue(*["ansi:500"] * ATTEMPTS)
        report = run(settings_for(server, tmp_path / "cache"), story)
    reason = only_problem_of_s1(report, story)
    assert "\\x1b[2J\\x1b]0;owned\\x07Rate \\u202elimit\\u202c reached X-Injected: 1" in reason
    assert not any(ch in reason for ch in "\x1b\x07\u202e\r\n")


def test_a_refusal_with_terminal_escapes_stops_the_cli_with_one_clean_line(story, tmp_path):
    with FaultServer() as server:
        server.enqueue("ansi:401")
        result = run_synth_cli(
            story, "--concurrency", "1", "--reconcile", "rules", cache_dir=tmp_path, base_url=server.base_url
        )
    assert "Traceback" not in result.stderr
    [line] = [line for line in result.stderr.splitlines() if "HTTP 401" in line]
    assert "\\x1b[2J" in line and "\x1b" not in result.stderr and "\u202e" not in result.stderr


def test_an_api_key_pasted_with_its_newline_works(story, tmp_path):
    with FaultServer() as server:
        report = run(settings_for(server, tmp_path / "cache", api_key="sk-pasted-key-123\n"), story)
        assert server.request_count == 3
    assert not report.problems


def test_an_api_key_no_http_header_can_carry_is_one_line(story, tmp_path):
    with FaultServer() as server:
        settings = settings_for(server, tmp_path / "cache", api_key="sk-two words-secret")
        with pytest.raises(
            SynthError, match="the API key holds characters an HTTP header cannot carry"
        ) as caught:
            run(settings, story)
        assert server.request_count == 0
    assert "two words" not in str(caught.value)


def test_an_answer_nested_deeper_than_python_goes_is_re_asked_then_one_line(story, clean_report, tmp_path):
    with FaultServer() as server:
        server.enqueue(*["deep_json"] * ANSWERS)
        report = run(settings_for(server, tmp_path / "cache"), story)
        assert requests_per_article(server) == {"S1": ANSWERS, "S2": 1, "S3": 1}
    reason = only_problem_of_s1(report, story)
    assert reason.startswith("the model's answer did not fit the schema after 2 re-asks: ")
    assert "recursion limit" in reason and len(reason) < 400
    assert_untouched(report, clean_report, "S2", "S3")


OBEYED = "\x07\x1b[K\u202e\u2066\U000e0041"  # a bell, an escape sequence, bidi, a tag


def test_characters_a_terminal_obeys_never_reach_the_report_from_a_model(tmp_path):
    """The checks read words: a sentence passes them with an escape sequence in it, so what
    the model wrote is kept without such characters."""

    def with_controls(claims):
        answer = careful_answer(claims)
        answer["overview"][0]["text"] = answer["overview"][0]["text"][:-1] + OBEYED + "."
        answer["facts"][0]["explanation"] = f"They count{OBEYED} differently."
        return answer

    with ReconcileServer(with_controls) as server:
        report = reconcile_run(reconcile_settings(server, tmp_path))
    assert report.problems == [] and report.usage.reconciler == "model"
    text = report.model_dump_json()
    for obeyed in ("\x07", "\x1b", "\u202e", "\u2066", "\U000e0041"):
        assert json.dumps(obeyed)[1:-1] not in text and obeyed not in text
    assert any(s.text.endswith("[K.") for s in report.overview)  # only the controls went


def test_characters_a_terminal_obeys_never_reach_a_claim_from_a_model(story, tmp_path):
    class ControlsServer(FaultServer):
        def _claims_json(self, body):
            answer = json.loads(super()._claims_json(body))
            for item in answer["claims"]:
                item["statement"] = item["quote"][:-1] + "\x1b[2J\u202e."
                item["attributed_to"] = "the mayor\x07"
            return json.dumps(answer)

    with ControlsServer() as server:
        report = run(settings_for(server, tmp_path / "cache"), story)
    assert report.claims and not report.problems
    text = report.model_dump_json()
    assert "\\u001b" not in text and "\\u0007" not in text and "\\u202e" not in text


def test_a_reconcile_answer_repeating_its_facts_has_each_in_the_report_once(tmp_path):
    def looping(claims):
        answer = careful_answer(claims)
        return {**answer, "facts": answer["facts"] * 5, "overview": answer["overview"] * 5}

    with ReconcileServer(careful_answer) as server:
        once = reconcile_run(reconcile_settings(server, tmp_path / "once"))
    with ReconcileServer(looping) as server:
        report = reconcile_run(reconcile_settings(server, tmp_path / "looping"))
    assert report.problems == [] and report.usage.reconciler == "model"
    assert [f.statement for f in report.facts] == [f.statement for f in once.facts]
    assert [s.text for s in report.overview] == [s.text for s in once.overview]


def test_an_answer_with_far_more_claims_than_asked_keeps_the_first_and_says_so(story, tmp_path):
    """Every run of words in an article is a quote in it: 200 of them all ground."""
    from synth.extract.llm import MAX_CLAIMS_PER_CHUNK, MAX_KEPT_CLAIMS_PER_CHUNK

    class ManyClaimsServer(FaultServer):
        def _claims_json(self, body):
            words = (find_article(body) or "").split()
            runs = [" ".join(words[i:j]) for i in range(len(words)) for j in range(i + 3, len(words))]
            return json.dumps({"claims": [claim(run) for run in runs[:200]]})

    with ManyClaimsServer() as server:
        report = run(settings_for(server, tmp_path / "cache"), story[:1])
        rerun = run(settings_for(server, tmp_path / "cache"), story[:1])
        assert server.request_count == 1
    [problem] = report.problems
    assert problem.reason == (
        f"the model's answer had 200 claims, more than the "
        f"{MAX_CLAIMS_PER_CHUNK} asked for; the first "
        f"{MAX_KEPT_CLAIMS_PER_CHUNK} were kept"
    )
    assert 0 < len(report.claims) <= MAX_KEPT_CLAIMS_PER_CHUNK
    # The reply is cached as it came, and the limit applied again on every use.
    with diskcache.Cache(str(tmp_path / "cache")) as store:
        [entry] = [json.loads(store[key]) for key in store.iterkeys()]
    assert len(entry["reply"]["claims"]) == 200
    assert [p.reason for p in rerun.problems] == [problem.reason]
    assert rerun.claims == report.claims


@pytest.mark.parametrize("mode", ["tools", "json_schema", "json", "md_json"])
def test_a_reply_cut_off_twice_keeps_its_whole_claims_in_every_request_format(
    mode, story, clean_report, tmp_path
):
    with FaultServer() as server:
        server.enqueue("length", "length")
        report = run(settings_for(server, tmp_path / "cache", mode=mode), story)
        assert requests_per_article(server) == {"S1": 2, "S2": 1, "S3": 1}
    assert "and again at 8,192; 2 whole claims before the cut were kept" in only_problem_of_s1(report, story)
    assert claims_of(report, "S1") == claims_of(clean_report, "S1")[:2]
    assert_untouched(report, clean_report, "S2", "S3")
