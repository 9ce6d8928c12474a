"""The request format an endpoint took is remembered (issue #18 point 1): in the process, and
beside the cache (not with --no-cache), so a later run sends no lone first request and starts
in the format learned; first contact still probes."""

from __future__ import annotations

import json
from pathlib import Path

from synth.llm import FORMATS_FILE, forget_request_formats
from tests.fault_server import FaultServer
from tests.stories import write_story
from tests.test_faults import run, settings_for

ARTICLES = 3
LATENCY = 0.4  # long enough that requests sent together are all in flight at once


def formats_of(server: FaultServer) -> list[str]:
    return ["json_schema" if r.get("response_format") else "tools" for r in server.requests]


def test_a_later_run_starts_in_the_format_learned_with_no_lone_probe(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    with FaultServer(reject_modes={"json_schema"}, latency=LATENCY) as server:
        settings = settings_for(server, cache, concurrency=ARTICLES)
        first = run(settings, write_story(tmp_path / "first", ARTICLES))
        # First contact probes: one request alone (rejected, then tools), then the rest.
        assert formats_of(server) == ["json_schema", *["tools"] * ARTICLES]
        assert server.max_in_flight == ARTICLES - 1
        assert json.loads((cache / FORMATS_FILE).read_text()) != {}

        forget_request_formats()  # a new process: only the file beside the cache remembers
        server.requests.clear()
        server.max_in_flight = 0
        second = run(settings, write_story(tmp_path / "second", ARTICLES, start=ARTICLES))
        assert formats_of(server) == ["tools"] * ARTICLES  # the fallback, learned
        assert server.max_in_flight == ARTICLES  # all sent together: none went alone
    assert not first.problems and not second.problems


def test_in_process_memory_serves_a_run_without_a_cache(tmp_path: Path) -> None:
    with FaultServer(reject_modes={"json_schema"}, latency=LATENCY) as server:
        settings = settings_for(server, tmp_path / "cache", concurrency=ARTICLES, use_cache=False)
        run(settings, write_story(tmp_path / "first", ARTICLES))
        server.requests.clear()
        server.max_in_flight = 0
        run(settings, write_story(tmp_path / "second", ARTICLES, start=ARTICLES))
        assert formats_of(server) == ["tools"] * ARTICLES
        assert server.max_in_flight == ARTICLES
    assert not (tmp_path / "cache" / FORMATS_FILE).exists()  # --no-cache writes nothing


def test_a_remembered_format_the_endpoint_now_rejects_falls_back(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    with FaultServer(reject_modes={"tools"}) as server:
        settings = settings_for(server, cache, concurrency=ARTICLES)
        key = json.dumps([server.base_url.rstrip("/"), "fault-model", ["json_schema", "tools"]])
        cache.mkdir(parents=True)
        (cache / FORMATS_FILE).write_text(json.dumps({key: "tools"}))
        report = run(settings, write_story(tmp_path / "story", ARTICLES))
        assert formats_of(server)[-1] == "json_schema"
    assert not report.problems
    assert "json_schema" in json.loads((cache / FORMATS_FILE).read_text()).values()
