"""Every fault the loopback server can inject, through the whole pipeline (`summarise`).

Each run finishes with every article in `report.sources`. The article the fault hits ends
with the same claims as a clean run (after a retry or a re-ask) or with exactly one problem
naming it, while the other articles are untouched. Request counts per article, read from the
bodies the server received, prove that retries stay within `max_retries` + 1 attempts and
re-asks within 1 + MAX_REASKS answers.
"""

from __future__ import annotations

import pytest

from synth.config import Settings
from synth.extract.llm import MAX_REASKS
from synth.models import Report
from tests.fault_runs import (
    ANSWERS,
    ARTICLES,
    ATTEMPTS,
    BAD_ANSWERS,
    MAX_RETRIES,
    RATE_LIMITED,
    TRANSIENT,
    TRANSIENT_REASONS,
    assert_every_article_kept,
    assert_untouched,
    claims_of,
    requests_per_article,
    run,
    settings_for,
)
from tests.fault_server import INVENTED_SENTENCES, FaultServer
from tests.stories import run_synth_cli


@pytest.mark.parametrize("fault", TRANSIENT)
def test_a_transient_fault_is_retried_once_and_the_claims_are_as_in_a_clean_run(
    fault, story, clean_report, tmp_path
):
    with FaultServer() as server:
        server.enqueue(fault)
        report = run(settings_for(server, tmp_path / "cache"), story)
        assert requests_per_article(server) == {"S1": 2, "S2": 1, "S3": 1}
        assert report.usage.requests == server.request_count == ARTICLES + 1
    assert_every_article_kept(report, story)
    assert not report.problems
    assert report.usage.retries == 1
    assert_untouched(report, clean_report, "S1", "S2", "S3")


@pytest.mark.parametrize("fault", TRANSIENT)
def test_a_persistent_transient_fault_is_one_problem_after_max_retries_and_the_rest_go_on(
    fault, story, clean_report, tmp_path
):
    with FaultServer() as server:
        server.enqueue(*[fault] * ATTEMPTS)
        report = run(settings_for(server, tmp_path / "cache"), story)
        assert requests_per_article(server) == {"S1": ATTEMPTS, "S2": 1, "S3": 1}
        assert server.pending_faults == []
    assert_every_article_kept(report, story)
    [problem] = report.problems
    assert (problem.path, problem.source_id, problem.stage) == (str(story[0]), "S1", "extract")
    assert f"kept failing after {ATTEMPTS} attempts" in problem.reason
    assert TRANSIENT_REASONS[fault] in problem.reason
    assert report.usage.retries == MAX_RETRIES
    assert claims_of(report, "S1") == []
    assert_untouched(report, clean_report, "S2", "S3")


@pytest.mark.parametrize("fault", BAD_ANSWERS)
def test_a_bad_answer_is_re_asked_once_and_the_claims_are_as_in_a_clean_run(
    fault, story, clean_report, tmp_path
):
    with FaultServer() as server:
        server.enqueue(fault)
        report = run(settings_for(server, tmp_path / "cache"), story)
        assert requests_per_article(server) == {"S1": 2, "S2": 1, "S3": 1}
        # The re-ask carries the first answer and the reason it was refused.
        first, reask = server.requests[0]["messages"], server.requests[1]["messages"]
        assert reask[: len(first)] == first and len(reask) > len(first)
    assert_every_article_kept(report, story)
    assert not report.problems and report.usage.retries == 0
    assert_untouched(report, clean_report, "S1", "S2", "S3")


@pytest.mark.parametrize("fault", BAD_ANSWERS)
def test_an_answer_that_stays_bad_is_one_problem_after_the_re_asks_and_the_rest_go_on(
    fault, story, clean_report, tmp_path
):
    with FaultServer() as server:
        server.enqueue(*[fault] * ANSWERS)
        report = run(settings_for(server, tmp_path / "cache"), story)
        assert requests_per_article(server) == {"S1": ANSWERS, "S2": 1, "S3": 1}
    assert_every_article_kept(report, story)
    [problem] = report.problems
    assert (problem.path, problem.source_id, problem.stage) == (str(story[0]), "S1", "extract")
    assert f"did not fit the schema after {MAX_REASKS} re-asks" in problem.reason
    assert report.usage.retries == 0
    assert claims_of(report, "S1") == []
    assert_untouched(report, clean_report, "S2", "S3")
    if fault == "invented":  # salvaged from the last answer, then dropped by grounding
        assert report.usage.claims_dropped > 0
        assert not any(s in c.quote for c in report.claims for s in INVENTED_SENTENCES)


def test_a_transient_fault_during_a_re_ask_starts_the_request_again(story, clean_report, tmp_path):
    with FaultServer() as server:
        server.enqueue("invented", "500")
        report = run(settings_for(server, tmp_path / "cache"), story)
        # invented answer, its re-ask fails with 500, then a fresh request succeeds.
        assert requests_per_article(server) == {"S1": 3, "S2": 1, "S3": 1}
        assert server.requests[2]["messages"] == server.requests[0]["messages"]
    assert not report.problems and report.usage.retries == 1
    assert_untouched(report, clean_report, "S1", "S2", "S3")


def test_re_asks_and_retries_together_stay_within_both_bounds(story, clean_report, tmp_path):
    with FaultServer() as server:
        server.enqueue(*["invented", "500"] * ATTEMPTS)
        report = run(settings_for(server, tmp_path / "cache"), story)
        assert requests_per_article(server) == {"S1": 2 * ATTEMPTS, "S2": 1, "S3": 1}
    [problem] = report.problems
    assert problem.source_id == "S1" and f"kept failing after {ATTEMPTS} attempts" in problem.reason
    assert_untouched(report, clean_report, "S2", "S3")


def test_faults_spread_over_concurrent_articles_end_with_every_article_accounted_for(
    story, clean_report, tmp_path
):
    """Four articles in flight, a fault for each kind queued: each ends right or as a problem."""
    with FaultServer(latency=0.05) as server:
        server.enqueue(RATE_LIMITED, "500", "503", "drop", "malformed", "schema", "invented")
        report = run(settings_for(server, tmp_path / "cache", concurrency=4), story)
        assert server.pending_faults == []
        per_article = requests_per_article(server)
    assert_every_article_kept(report, story)
    failed = {p.source_id for p in report.problems}
    assert len(report.problems) == len(failed)  # at most one problem per article
    for source_id in ("S1", "S2", "S3"):
        if source_id not in failed:
            assert_untouched(report, clean_report, source_id)
        # No article is asked more often than both bounds together allow.
        assert per_article[source_id] <= ATTEMPTS * ANSWERS
    # Every fault used one request; every article that ended well used one good answer.
    assert sum(per_article.values()) == server.request_count == 7 + ARTICLES - len(failed)


def test_a_failed_article_is_a_problem_again_when_its_answer_comes_from_the_cache(
    story, clean_report, tmp_path
):
    with FaultServer() as server:
        settings = settings_for(server, tmp_path / "cache")
        server.enqueue(*["invented"] * ANSWERS)
        first = run(settings, story)
        second = run(settings, story)
        assert server.request_count == ANSWERS + ARTICLES - 1  # the second run sent nothing
    assert second.usage.requests == 0
    assert [p.model_dump() for p in second.problems] == [p.model_dump() for p in first.problems]
    assert second.claims == first.claims


def test_the_cli_reports_an_article_that_keeps_failing_in_one_line_and_exits_0(story, clean_report, tmp_path):
    """The command line with its default bound (4 retries): five attempts, then one line."""
    default_attempts = Settings().max_retries + 1
    with FaultServer() as server:
        server.enqueue(*["429:0"] * default_attempts)  # Retry-After: 0, so no backoff to wait for
        result = run_synth_cli(
            story,
            "--concurrency",
            "1",
            "--reconcile",
            "rules",
            "--format",
            "json",
            cache_dir=tmp_path,
            base_url=server.base_url,
        )
        assert requests_per_article(server) == {"S1": default_attempts, "S2": 1, "S3": 1}
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    [line] = [line for line in result.stderr.splitlines() if str(story[0]) in line]
    assert (
        line.startswith(f"synth: {story[0]}: ") and f"kept failing after {default_attempts} attempts" in line
    )
    # The summary says how many of the requests repeated one that failed.
    summary = result.stderr.splitlines()[-1]
    assert f"; {default_attempts + 2} requests ({default_attempts - 1} retries), " in summary
    report = Report.model_validate_json(result.stdout)
    assert_every_article_kept(report, story)
    assert [p.source_id for p in report.problems] == ["S1"]
    assert_untouched(report, clean_report, "S2", "S3")
