"""Requests against a server that answers one at a time, like a local model on a CPU
(tests/fault_server.py's one-slot mode): the adaptive limit, the bounds on each request, and
what the run says about them. Latencies are a local model's scaled down by SCALE, and so
are the bounds, passed through settings."""

from __future__ import annotations

import asyncio
import collections
import socket
import threading
import time
from pathlib import Path

import openai
import pytest

from synth.config import LOCAL_SERVER_TIMEOUT_SECONDS, Settings, resolve_settings
from synth.errors import ModelError
from synth.extract.llm import LLMExtractor
from synth.llm import HTTP, ModelClient, abandoned_by_timeout
from synth.models import Report
from synth.pipeline import summarise
from tests.fault_runs import one_word_request
from tests.fault_server import FaultServer
from tests.stories import article_ids, is_reconcile_request, write_story

# 1 test second = 300 real ones: a request takes 0.25 s here for a local model's 75 s.
SCALE = 1 / 300
LOCAL_MODEL_LATENCY = 75 * SCALE
ARTICLES = 5


def settings_for(server: FaultServer, cache_dir: Path, **overrides: object) -> Settings:
    """synth's defaults, with only the request bound scaled like the latency."""
    values: dict[str, object] = {
        "model": "fault-model",
        "base_url": server.base_url,
        "cache_dir": cache_dir,
        "timeout": LOCAL_SERVER_TIMEOUT_SECONDS * SCALE,
    }
    return resolve_settings({}, **{**values, **overrides})


def run(settings: Settings, paths: list[Path], notes: list[str]) -> Report:
    """The real pipeline and client; only the backoff between retries is shortened."""

    def client() -> ModelClient:
        return ModelClient(settings, note=notes.append, retry_base_delay=0.01, retry_max_delay=0.05)

    return summarise(
        paths, settings=settings, extractor=LLMExtractor(settings, note=notes.append, client_factory=client)
    )


@pytest.fixture
def story(tmp_path: Path) -> list[Path]:
    return write_story(tmp_path / "story", ARTICLES)


def test_a_one_slot_server_too_slow_for_a_queue_of_four_answers_every_article_with_the_defaults(
    story, tmp_path
):
    """Four requests queued behind one another take 4 × 75 s, more than the 60 s a remote
    server gets; a server on a loopback address gets the time a local model needs."""
    assert 4 * LOCAL_MODEL_LATENCY > Settings().request_timeout * SCALE  # the old failure
    notes: list[str] = []
    with FaultServer(latency=LOCAL_MODEL_LATENCY, one_slot=True) as server:
        server.enqueue("invented")  # one answer is re-asked
        settings = settings_for(server, tmp_path / "cache")
        assert settings.concurrency == 4 and settings.reconciles_with_model
        first = run(settings, story, notes)
        sent = server.request_count
        second = run(settings, story, notes)
        assert server.request_count == sent  # the rerun sent nothing
        reconcile_requests = sum(map(is_reconcile_request, server.requests))
    answers, reasks = ARTICLES + reconcile_requests, 1
    assert sent == first.usage.requests == answers + reasks  # no timed-out duplicates
    assert (server.skipped, server.abandoned, server.duplicates) == (0, 0, 0)
    assert first.usage.retries == 0 and not first.problems
    assert {c.source_id for c in first.claims} == {f"S{n}" for n in range(1, ARTICLES + 1)}
    assert second.usage.requests == 0 and second.claims == first.claims
    assert not any("timed out" in note or "no answer within" in note for note in notes)


def test_a_queue_at_the_server_brings_the_requests_in_flight_down_and_says_so_in_one_line(tmp_path):
    """Against one slot, every request beyond the first waits for the others: answers come
    slower and slower, and the limit comes down to one request at a time."""
    notes: list[str] = []
    story = write_story(tmp_path / "story", 16)
    with FaultServer(latency=0.1, one_slot=True) as server:
        # A bound far above a queue of four (0.4 s), small enough that its noise floor (a
        # twentieth) is below one queued answer (0.2 s).
        settings = settings_for(server, tmp_path / "cache", reconcile="rules", timeout=2.0)
        report = run(settings, story, notes)
        assert report.usage.requests == server.request_count == 16
    slowdowns = [note for note in notes if " is slow " in note]
    assert slowdowns and slowdowns[-1].endswith(": 1 request at a time")
    assert all(note.startswith(f"synth: {server.base_url} is slow (an answer took ") for note in slowdowns)
    assert len(slowdowns) == len(set(slowdowns))  # each new low once
    assert not report.problems


def test_requests_that_time_out_halve_the_limit_and_go_again_one_at_a_time(tmp_path):
    """A bound that a queue of three overruns: the requests at the back time out, and each
    goes again only when nothing else is in flight, so every article still gets its answer."""
    notes: list[str] = []
    story = write_story(tmp_path / "story", ARTICLES)
    with FaultServer(latency=0.4, one_slot=True) as server:
        report = run(settings_for(server, tmp_path / "cache", reconcile="rules", timeout=1.0), story, notes)
        per_article = collections.Counter(article_ids(server.requests))
    assert not report.problems
    assert {c.source_id for c in report.claims} == {f"S{n}" for n in range(1, ARTICLES + 1)}
    assert report.usage.retries >= 1
    assert report.usage.requests == server.request_count == ARTICLES + report.usage.retries
    assert max(per_article.values()) == 2  # a timeout, then an answer: never a pile of copies
    assert any(note.endswith(("2 requests at a time", "1 request at a time")) for note in notes)


def test_a_trickling_answer_is_given_up_at_the_request_bound(tmp_path):
    """A server that sends its answer a byte at a time never trips a read timeout; the
    bound on the whole request still ends it."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    stop = threading.Event()

    def trickle() -> None:
        connection, _ = listener.accept()
        with connection:
            connection.recv(65536)
            connection.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
            )
            while not stop.is_set():
                try:
                    connection.sendall(b" ")
                except OSError:
                    return
                time.sleep(0.05)

    thread = threading.Thread(target=trickle, daemon=True)
    thread.start()
    settings = resolve_settings(
        {}, model="m", base_url=f"http://127.0.0.1:{port}/v1", cache_dir=tmp_path, timeout=0.5, max_retries=0
    )
    client = ModelClient(settings)

    async def ask() -> float:
        started = time.monotonic()
        # One attempt (max_retries=0) is said as one: "failed", not "kept failing after 1".
        with pytest.raises(
            ModelError,
            match=r"/v1 failed: Request timed out "
            r"\(no complete answer within 0.5 s; ",
        ):
            await client.structured(one_word_request())
        await client.close()
        return time.monotonic() - started

    try:
        elapsed = asyncio.run(ask())
    finally:
        stop.set()
        listener.close()
    assert elapsed < 5  # not the 100,000 bytes × 0.05 s the trickle would take


def test_only_a_request_that_was_sent_and_timed_out_waits_to_go_again_alone():
    request = HTTP.Request("POST", "http://127.0.0.1:1/v1/chat/completions")

    def timed_out(cause: Exception) -> openai.APITimeoutError:
        try:
            raise openai.APITimeoutError(request=request) from cause
        except openai.APITimeoutError as error:
            return error

    assert abandoned_by_timeout(timed_out(HTTP.ReadTimeout("no answer", request=request)))
    assert not abandoned_by_timeout(timed_out(HTTP.ConnectTimeout("no connection", request=request)))
    assert not abandoned_by_timeout(openai.APIConnectionError(request=request))
