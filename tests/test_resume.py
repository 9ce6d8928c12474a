"""Nothing is lost: interrupted runs, shared caches and damaged cache entries (issue #6 point 3).

A `synth` run stopped midway by SIGINT or SIGKILL has cached every answer it received, so
the next run asks only for the articles the first did not finish and ends with the same
report as a clean run. Two processes sharing one cache directory at once both finish with
that report. A damaged cache entry, inline in the SQLite database or in a file beside it,
is reported once, ignored, and asked for again with exactly one request.
"""

from __future__ import annotations

import collections
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import diskcache
import pytest

from synth.models import Report
from synth.pipeline import summarise
from tests.fault_server import FaultServer
from tests.stories import article_ids, subprocess_env, write_story

ARTICLES = 8
ALL_IDS = [f"S{n}" for n in range(1, ARTICLES + 1)]
# Answers the first run receives before it is stopped while waiting for the next one.
FINISHED_BEFORE_SIGNAL = 3
# Long enough that the request in flight at the signal is never answered before it lands.
LATENCY = 0.5
DEADLINE = 60.0


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    story = tmp_path_factory.mktemp("story")
    write_story(story, ARTICLES)
    return story


@pytest.fixture(scope="module")
def clean_report(folder: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    with FaultServer() as server:
        report = run_in_process(server, folder, tmp_path_factory.mktemp("clean-cache"))
    assert not report.problems and {c.source_id for c in report.claims} == set(ALL_IDS)
    return without_usage(report)


def without_usage(report: Report) -> dict[str, Any]:
    """The report minus its run figures (requests, cache hits), which differ between runs."""
    return report.model_dump(exclude={"usage"})


def run_in_process(server: FaultServer, folder: Path, cache_dir: Path) -> Report:
    # The same settings the command below gives, so both compute the same cache keys.
    # Extraction is what a stopped run resumes; the reconcile request is left out so that
    # every request counted here is an article's.
    return summarise(
        [folder],
        model="fault-model",
        base_url=server.base_url,
        concurrency=1,
        cache_dir=cache_dir,
        reconcile="rules",
    )


def command(server: FaultServer, folder: Path, cache_dir: Path, concurrency: int = 1) -> list[str]:
    return [
        sys.executable,
        "-m",
        "synth.cli",
        "summarise",
        str(folder),
        "--model",
        "fault-model",
        "--base-url",
        server.base_url,
        "--concurrency",
        str(concurrency),
        "--cache-dir",
        str(cache_dir),
        "--format",
        "json",
        "--reconcile",
        "rules",
    ]


def _ctrl_c_as_on_a_terminal() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def wait_until(condition: Callable[[], bool], process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        if process.poll() is not None:
            pytest.fail(f"synth exited early ({process.returncode}): {process.communicate()[1]}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail("synth did not reach the point to stop it at")
        time.sleep(0.01)


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "SIGKILL"])
def test_a_run_stopped_midway_asks_again_only_for_the_articles_it_had_not_finished(
    stop, folder, clean_report, tmp_path
):
    cache_dir = tmp_path / "cache"
    with FaultServer(latency=LATENCY) as server:
        process = subprocess.Popen(
            command(server, folder, cache_dir),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=subprocess_env(),
            # As on a terminal: a shell without job control starts background jobs (pytest
            # run with `&`) with Ctrl-C ignored, and the child would inherit that.
            preexec_fn=_ctrl_c_as_on_a_terminal,
        )
        # One article at a time: the request for article k+1 arrives only after the answer
        # for article k has been received and stored.
        wait_until(lambda: server.request_count > FINISHED_BEFORE_SIGNAL, process)
        process.send_signal(stop)
        stdout, stderr = process.communicate(timeout=DEADLINE)
        first = article_ids(server.requests)
        server.latency = 0.0
        sent_before = server.request_count
        report = run_in_process(server, folder, cache_dir)
        second = article_ids(server.requests[sent_before:])
    if stop == signal.SIGINT:
        assert (process.returncode, stderr, stdout) == (130, "synth: interrupted\n", "")
    else:
        assert process.returncode == -signal.SIGKILL
    assert first == ALL_IDS[: FINISHED_BEFORE_SIGNAL + 1]  # the last one was in flight
    assert second == ALL_IDS[FINISHED_BEFORE_SIGNAL:]
    assert report.usage.cache_hits == FINISHED_BEFORE_SIGNAL
    assert without_usage(report) == clean_report


def test_two_processes_sharing_a_cache_directory_both_finish_with_the_right_report(
    folder, clean_report, tmp_path
):
    cache_dir = tmp_path / "cache"
    with FaultServer(latency=0.1) as server:
        processes = [
            subprocess.Popen(
                command(server, folder, cache_dir, concurrency=4),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=subprocess_env(),
            )
            for _ in range(2)
        ]
        outputs = [process.communicate(timeout=DEADLINE) for process in processes]
        asked = collections.Counter(article_ids(server.requests))
        sent_before = server.request_count
        # Every answer either process received is in the cache: a third run sends nothing.
        third = run_in_process(server, folder, cache_dir)
        assert server.request_count == sent_before
    for process, (stdout, stderr) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, stderr
        [summary] = stderr.splitlines()  # no warning, no damaged entry, no lock error
        assert summary.startswith(f"synth: {ARTICLES} sources")
        assert without_usage(Report.model_validate_json(stdout)) == clean_report
    assert set(asked) == set(ALL_IDS) and max(asked.values()) <= 2
    assert third.usage.cache_hits == ARTICLES and without_usage(third) == clean_report


def damage_inline_value(cache_dir: Path, value: str) -> None:
    """Overwrite the stored value of one entry in diskcache's SQLite table."""
    with sqlite3.connect(cache_dir / "cache.db") as db:
        [(rowid, filename)] = db.execute(
            "SELECT rowid, filename FROM Cache ORDER BY rowid LIMIT 1"
        ).fetchall()
        assert filename is None  # small values live in the table itself
        db.execute("UPDATE Cache SET value = ? WHERE rowid = ?", (value, rowid))
    db.close()


def damage_value_file(cache_dir: Path, data: bytes) -> None:
    """Overwrite the file that holds one entry's value."""
    files = sorted(cache_dir.rglob("*.val"))
    assert files, "no value stored in a file"
    files[0].write_bytes(data)


@pytest.mark.parametrize(
    "where, damage",
    [
        ("inline", lambda d: damage_inline_value(d, '{"claims": [{"quote": "Abo')),
        ("inline", lambda d: damage_inline_value(d, '["not", "an", "object"]')),
        ("file", lambda d: damage_value_file(d, b"\xff\xfe\x00 not UTF-8 \x81")),
        ("file", lambda d: damage_value_file(d, b'{"claims": [')),
    ],
    ids=["truncated-json", "not-an-object", "undecodable-file", "truncated-file"],
)
def test_a_damaged_cache_entry_is_reported_once_and_asked_for_again_with_one_request(
    where, damage, folder, clean_report, tmp_path, capsys
):
    cache_dir = tmp_path / "cache"
    if where == "file":
        # Values over 32 KB go to files beside the database; this stores every value so.
        diskcache.Cache(str(cache_dir), disk_min_file_size=0).close()
    with FaultServer() as server:
        run_in_process(server, folder, cache_dir)
        damage(cache_dir)
        capsys.readouterr()
        sent_before = server.request_count
        report = run_in_process(server, folder, cache_dir)
        asked_again = article_ids(server.requests[sent_before:])
        sent_before = server.request_count
        run_in_process(server, folder, cache_dir)  # the answer asked again was stored again
        assert server.request_count == sent_before
    [warning] = [line for line in capsys.readouterr().err.splitlines() if "cache" in line]
    assert "damaged" in warning and str(cache_dir) in warning
    assert len(asked_again) == 1
    assert report.usage.cache_hits == ARTICLES - 1
    assert without_usage(report) == clean_report


def test_a_cache_database_that_cannot_be_read_is_reported_once_and_the_run_goes_on_without_it(
    folder, clean_report, tmp_path, capsys
):
    cache_dir = tmp_path / "cache"
    cache_dir.mkdir()
    (cache_dir / "cache.db").write_bytes(b"this is not an SQLite database\n" * 200)
    with FaultServer() as server:
        report = run_in_process(server, folder, cache_dir)
        assert article_ids(server.requests) == ALL_IDS
    [warning] = [line for line in capsys.readouterr().err.splitlines() if "cache" in line]
    assert warning.startswith(f"synth: cannot use the cache in {cache_dir}")
    assert without_usage(report) == clean_report
