"""The exit status tells the truth (issue 14, point 1): 0 when the report rests on at least
one article, 1 when it rests on none, with one line saying why and what to do.

Runs are `synth` subprocesses against the loopback fault server, or against a port where
nothing listens (the server's, after it stopped).
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

from synth.models import Claim, Problem, Report, Source
from synth.outcome import failed_articles, run_failure
from tests.fault_server import FaultServer
from tests.stories import subprocess_env, write_story


def synth(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "synth.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=subprocess_env(**env),
    )


def closed_port() -> int:
    """A loopback port that nothing listens on: connecting to it is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_dead_model_server_is_one_line_and_exit_1_within_5_seconds(tmp_path: Path):
    story = write_story(tmp_path / "story", 5)
    base_url = f"http://127.0.0.1:{closed_port()}/v1"
    started = time.monotonic()
    result = synth("summarise", str(story[0].parent), OPENAI_BASE_URL=base_url, SYNTH_MODEL="x")
    seconds = time.monotonic() - started
    print(f"dead server run: {seconds:.2f} s")  # shown with -s; the issue asks for it
    assert result.returncode == 1
    assert result.stdout == ""  # no empty fact sheet that reads like a good one
    assert result.stderr.splitlines() == [
        f"synth: no model server at {base_url} (connection refused): start it, or run with --offline"
    ]
    assert seconds < 5


def test_a_host_name_that_is_not_found_stops_the_run_in_one_line(tmp_path: Path):
    story = write_story(tmp_path / "story", 2)
    # .invalid is reserved (RFC 2606): no resolver finds it.
    result = synth(
        "summarise", *map(str, story), "--model", "x", "--base-url", "http://synth-test.invalid/v1"
    )
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "synth: no model server at http://synth-test.invalid/v1 (no host named "
        "synth-test.invalid was found): check the address, or run with --offline"
    ]


def test_when_the_server_goes_away_the_articles_already_answered_still_make_the_report(tmp_path: Path):
    """The first refused connection stops the run's model calls, and the articles answered
    before (here: by an earlier run, from the cache) still make a report: exit 0, with the
    articles that were not extracted listed."""
    story = write_story(tmp_path / "story", 4)
    out = tmp_path / "report.json"
    with FaultServer() as server:
        base_url = server.base_url
        first = synth(
            "summarise", str(story[0]), str(story[1]), "--model", "fault-model", "--base-url", base_url
        )
    assert first.returncode == 0, first.stderr
    result = synth(
        "summarise",
        str(story[0].parent),
        "--model",
        "fault-model",
        "--base-url",
        base_url,
        "--format",
        "json",
        "--out",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(out.read_text())
    unreachable = f"no model server at {base_url} (connection refused): start it, or run with --offline"
    assert {claim["source_id"] for claim in report["claims"]} == {"S1", "S2"}
    extract_problems = [p for p in report["problems"] if p["stage"] == "extract"]
    assert [(p["source_id"], p["reason"]) for p in extract_problems] == [
        ("S3", unreachable),
        ("S4", unreachable),
    ]
    for problem in extract_problems:
        assert f"synth: {problem['path']}: {unreachable}" in result.stderr.splitlines()
    # One connection was tried and refused, and not retried: usage counts requests that
    # reached a server, so none. The reconcile of S1's and S2's claims was the first run's,
    # from the cache.
    assert (report["usage"]["requests"], report["usage"]["retries"]) == (0, 0)
    assert report["usage"]["cache_hits"] == 3


def test_one_article_refused_and_the_others_answered_is_exit_0_with_the_problem_listed(tmp_path: Path):
    story = write_story(tmp_path / "story", 3)
    out = tmp_path / "report.json"
    with FaultServer() as server:
        server.enqueue("too_long")  # the first request, S1's, is longer than the context
        result = synth(
            "summarise",
            str(story[0].parent),
            "--model",
            "fault-model",
            "--base-url",
            server.base_url,
            "--concurrency",
            "1",
            "-f",
            "json",
            "-o",
            str(out),
        )
    assert result.returncode == 0, result.stderr
    report = json.loads(out.read_text())
    assert {claim["source_id"] for claim in report["claims"]} == {"S2", "S3"}
    [problem] = [p for p in report["problems"] if p["stage"] == "extract"]
    assert problem["source_id"] == "S1" and "longer than" in problem["reason"]
    assert f"synth: {story[0]}: {problem['reason']}" in result.stderr.splitlines()


def test_every_article_refused_is_exit_1_with_one_line_saying_why_and_what_to_do(tmp_path: Path):
    story = write_story(tmp_path / "story", 3)
    out = tmp_path / "report.json"
    with FaultServer() as server:
        server.enqueue("too_long", "too_long", "too_long")
        result = synth(
            "summarise",
            str(story[0].parent),
            "--model",
            "fault-model",
            "--base-url",
            server.base_url,
            "--out",
            str(out),
        )
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith("synth: no article could be extracted: the request is longer than")
    assert line.endswith("; fix that, or run with --offline to use the rule-based extractor")
    assert result.stdout == "" and not out.exists()


def test_no_readable_input_is_exit_1_with_each_problem_and_a_closing_line(tmp_path: Path):
    (tmp_path / "empty.txt").write_bytes(b"")
    result = synth("summarise", str(tmp_path / "empty.txt"), str(tmp_path / "missing.txt"))
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines()[1:] == [
        f"synth: {tmp_path / 'missing.txt'}: no such file or folder",
        f"synth: {tmp_path / 'empty.txt'}: file is empty",
        "synth: no article could be read (2 problems above); synth reads .txt, .md and .html "
        "files, folders of them, http(s) URLs, and - for standard input",
    ]


def test_a_server_that_refuses_the_key_is_exit_1_in_one_line(tmp_path: Path):
    story = write_story(tmp_path / "story", 2)
    with FaultServer() as server:
        server.enqueue("401")
        result = synth(
            "summarise", str(story[0].parent), "--model", "fault-model", "--base-url", server.base_url
        )
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"synth: the API key was refused by {server.base_url} (HTTP 401): Incorrect API key provided."
    ]


# --- the decision itself, on reports written here -------------------------------------------

QUOTE = "The ferry carried 212 passengers when it ran aground."


def source(number: int) -> Source:
    return Source(
        id=f"S{number}",
        path=f"story/{number}.txt",
        text=QUOTE,
        content_hash="x",
        format="txt",
        encoding="utf-8",
    )


def claim_of(source_id: str) -> Claim:
    return Claim(
        id=f"{source_id}.1", source_id=source_id, statement=QUOTE, quote=QUOTE, start=0, end=len(QUOTE)
    )


def extract_problem(source_id: str, reason: str) -> Problem:
    return Problem(path=f"story/{source_id[1:]}.txt", source_id=source_id, stage="extract", reason=reason)


def test_a_report_with_one_article_extracted_rests_on_it():
    report = Report(
        sources=[source(1), source(2)],
        claims=[claim_of("S2")],
        problems=[extract_problem("S1", "the server kept failing")],
    )
    assert failed_articles(report) == {"S1"}
    assert run_failure(report) is None


def test_an_article_with_a_problem_and_claims_still_counts():
    report = Report(
        sources=[source(1)],
        claims=[claim_of("S1")],
        problems=[extract_problem("S1", "chunk 2 of 2 was refused")],
    )
    assert run_failure(report) is None


def test_an_article_with_no_claims_and_no_problem_is_not_a_failure():
    assert run_failure(Report(sources=[source(1)])) is None


def test_every_article_failing_for_one_reason_is_that_reason_in_one_line():
    unreachable = (
        "no model server at http://127.0.0.1:9/v1 (connection refused): start it, or run with --offline"
    )
    problems = [extract_problem("S1", unreachable), extract_problem("S2", unreachable)]
    failure = run_failure(Report(sources=[source(1), source(2)], problems=problems))
    assert failure is not None
    assert failure.line == unreachable
    assert failure.covered == tuple(problems)


def test_every_article_failing_for_different_reasons_points_to_the_problems():
    problems = [
        extract_problem("S1", "the server kept failing"),
        extract_problem("S2", "the answer did not fit the schema"),
    ]
    failure = run_failure(Report(sources=[source(1), source(2)], problems=problems))
    assert failure is not None and failure.covered == ()
    assert (
        failure.line == "no article could be extracted (2 problems above); fix them, or "
        "run with --offline to use the rule-based extractor"
    )


def test_nothing_read_is_a_failure():
    failure = run_failure(
        Report(problems=[Problem(path="x.pdf", stage="load", reason="PDF is not supported")])
    )
    assert failure is not None and failure.line.startswith("no article could be read (1 problem above)")
