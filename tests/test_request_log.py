"""`synth log`: the model requests of past runs, listed one a line and shown one at a time,
from the log kept beside the cache, with no API key in it."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from synth.cli import main
from synth.request_log import LOG_FILE_NAME
from tests.conftest import TROOPS
from tests.fault_server import FaultServer

ARTICLE = TROOPS / "02-han-river-review-2024-10-24.md"
KEY = "sk-log-test-secret-0123456789"


def summarise(server: FaultServer, cache: Path, *extra: str) -> None:
    assert (
        main(
            [
                "summarise",
                str(ARTICLE),
                "--model",
                "fault-model",
                "--base-url",
                server.base_url,
                "--cache-dir",
                str(cache),
                "--reconcile",
                "rules",
                "--quiet",
                "--format",
                "json",
                *extra,
            ]
        )
        == 0
    )


def synth_log(capsys, *args: str) -> tuple[int, list[str], str]:
    capsys.readouterr()
    status = main(["log", *args])
    captured = capsys.readouterr()
    return status, captured.out.splitlines(), captured.err


@pytest.fixture
def logged(tmp_path, capsys, monkeypatch):
    """A cache folder whose log has one answered request and then one cache hit."""
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    cache = tmp_path / "cache"
    with FaultServer() as server:
        summarise(server, cache)
        summarise(server, cache)
        assert server.request_count == 1
        sent = server.requests[0]
    capsys.readouterr()
    return cache, sent


def test_the_log_lists_each_request_newest_last(logged, capsys):
    cache, _ = logged
    status, lines, _ = synth_log(capsys, "--cache-dir", str(cache))
    assert status == 0 and len(lines) == 2
    first, second = lines
    assert first.startswith("1  ") and second.startswith("2  ")
    assert "  extract  fault-model  S1  " in first and first.endswith("1 request: answered")
    assert second.endswith("cache hit: answered") and "  0 tokens  " in second
    assert "no price" in first  # fault-model is in no price table

    status, lines, _ = synth_log(capsys, "--cache-dir", str(cache), "--limit", "1")
    assert status == 0 and lines == [second]


def test_the_log_as_json_has_a_line_per_request_with_its_counts(logged, capsys):
    cache, _ = logged
    status, lines, _ = synth_log(capsys, "--json", "--cache-dir", str(cache))
    asked, hit = (json.loads(line) for line in lines)
    assert (asked["cache_hit"], hit["cache_hit"]) == (False, True)
    assert asked["requests"] == 1 and asked["prompt_tokens"] > 0 and asked["completion_tokens"] > 0
    assert hit["requests"] == hit["prompt_tokens"] == 0
    assert asked["stage"] == "extract" and asked["source"] == "S1" and asked["cost_usd"] is None
    assert asked["key"] == hit["key"]  # the same request, answered from the cache
    assert "reply" not in asked and "request" not in asked


def test_one_request_is_shown_with_what_was_sent_and_its_reply(logged, capsys):
    cache, sent = logged
    status, lines, _ = synth_log(capsys, "show", "1", "--cache-dir", str(cache))
    assert status == 0
    text = "\n".join(lines)
    assert lines[0].startswith("request 1  ")
    assert "--- system" in lines and "--- user" in lines and "--- reply" in lines
    assert "<article>" in text and "temperature 0.0" in text
    reply = "\n".join(lines[lines.index("--- reply") + 1 :])
    assert json.loads(reply)["claims"]

    status, lines, _ = synth_log(capsys, "show", "1", "--json", "--cache-dir", str(cache))
    [shown] = [json.loads(line) for line in lines]
    # The messages as the server received them, and the parameters that went with them.
    assert shown["request"]["messages"] == sent["messages"]
    assert (shown["request"]["temperature"], shown["request"]["max_tokens"]) == (
        sent["temperature"],
        sent["max_tokens"],
    )


def test_an_unknown_request_is_one_line_and_a_bad_number_a_usage_error(logged, capsys):
    cache, _ = logged
    status, lines, error = synth_log(capsys, "show", "99", "--cache-dir", str(cache))
    assert status == 1 and lines == []
    assert error == f"synth: no request 99 in the log in {cache} (synth log lists them)\n"
    with pytest.raises(SystemExit) as exited:
        main(["log", "--limit", "none", "--cache-dir", str(cache)])
    assert exited.value.code == 2
    assert "error: argument --limit: 'none' is not a whole number from 1" in capsys.readouterr().err


def test_a_damaged_log_is_one_line(tmp_path, capsys):
    (tmp_path / LOG_FILE_NAME).write_bytes(b"not a database at all" * 100)
    status, lines, error = synth_log(capsys, "--cache-dir", str(tmp_path))
    assert status == 1 and lines == []
    assert error.startswith(f"synth: cannot read the request log {tmp_path / LOG_FILE_NAME} (")
    assert error.count("\n") == 1


@pytest.mark.parametrize(
    "credentials", ["", "alice:pa55-word-in-url@"], ids=["bearer key", "credentials in the URL"]
)
def test_no_api_key_reaches_the_log_even_when_a_server_echoes_it(credentials, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    cache = tmp_path / "cache"
    with FaultServer() as server:
        server.enqueue("echo_key", "echo_key", "echo_key")  # the answer and both re-asks
        url = server.base_url.replace("http://", f"http://{credentials}")
        # No quote grounds, so the run fails: its requests are logged all the same.
        assert (
            main(
                [
                    "summarise",
                    str(ARTICLE),
                    "--model",
                    "fault-model",
                    "--base-url",
                    url,
                    "--cache-dir",
                    str(cache),
                    "--reconcile",
                    "rules",
                    "--quiet",
                    "--format",
                    "json",
                ]
            )
            == 1
        )
    stored = (cache / LOG_FILE_NAME).read_bytes().decode("utf-8", "replace")
    _, listed, _ = synth_log(capsys, "--cache-dir", str(cache))
    _, shown, _ = synth_log(capsys, "show", "1", "--json", "--cache-dir", str(cache))
    assert "***" in shown[0] and "nobody said so" in shown[0]  # the echo, scrubbed
    # One question: its answer and both re-asks, each counted.
    assert len(listed) == 1 and listed[0].endswith("3 requests: unchecked")
    for text in (stored, *listed, *shown):
        assert KEY not in text and "pa55-word-in-url" not in text and "alice" not in text


def test_cache_clear_forgets_the_log_and_no_cache_keeps_none(logged, tmp_path, capsys):
    cache, _ = logged
    assert main(["cache", "clear", "--cache-dir", str(cache)]) == 0
    assert "forgot 2 requests" in capsys.readouterr().out
    assert synth_log(capsys, "--cache-dir", str(cache))[1] == []
    with FaultServer() as server:
        summarise(server, tmp_path / "uncached", "--no-cache")
    assert not (tmp_path / "uncached" / LOG_FILE_NAME).exists()


def test_the_log_file_is_an_sqlite_database_others_can_read(logged):
    cache, _ = logged
    with sqlite3.connect(cache / LOG_FILE_NAME) as connection:
        assert connection.execute("SELECT count(*) FROM requests").fetchone() == (2,)
