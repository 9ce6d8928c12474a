"""Batch mode (`--batch`) against the loopback Files and Batch API server (tests/batch_server.py).

Every test runs the real path: synth plans, uploads, makes the batch, polls, downloads and
checks the results over HTTP, and whatever is left goes live to the same server.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openai.types import Batch, FileObject
from openai.types.chat import ChatCompletion

from synth.batch import BatchState, load_state
from synth.batch_client import BatchStore, run_batch
from synth.cache import ResponseCache
from synth.cli import main
from synth.config import resolve_settings
from synth.extract.llm import LLMExtractor
from synth.extract.schema import ExtractionResponse
from synth.many import stories_from_paths
from synth.model_stage import CachedReply
from synth.pricing import estimate_cost, price_table
from synth.request_log import RequestLog
from tests.batch_server import BatchServer
from tests.cassettes import RECORDING, interactions, use_cassette
from tests.fault_server import FaultServer
from tests.stories import write_story

KEY = "sk-batch-test-key-0123456789"


def two_stories(root: Path) -> list[Path]:
    write_story(root / "flood-monday", 3)
    write_story(root / "flood-tuesday", 2, start=5)
    return [root / "flood-monday", root / "flood-tuesday"]


def settings_for(server: FaultServer, tmp_path: Path, **overrides):
    return resolve_settings(
        {},
        **{
            "model": "fault-model",
            "base_url": server.base_url,
            "api_key": KEY,
            "cache_dir": tmp_path / "cache",
            "reconcile": "rules",
            **overrides,
        },
    )


def batch(stories, settings, *, wait=True, notes=None):
    """One batch-mode pass, as a fresh process would make it (a new extractor, no memory)."""
    notes = notes if notes is not None else []
    return run_batch(
        stories_from_paths(stories),
        settings,
        wait=wait,
        note=notes.append,
        poll_seconds=0.01,
        longest_poll=0.05,
    )


def cli(server, tmp_path, stories, *extra, reconcile="rules"):
    return main(
        [
            "summarise",
            "--each",
            "-o",
            str(tmp_path / "out"),
            "-f",
            "json",
            "-m",
            "fault-model",
            "--base-url",
            server.base_url,
            "--reconcile",
            reconcile,
            "--cache-dir",
            str(tmp_path / "cache"),
            *map(str, stories),
            *extra,
        ]
    )


def test_each_batch_line_is_the_request_the_live_path_sends(tmp_path):
    stories = two_stories(tmp_path / "in")
    (tmp_path / "live").mkdir()
    with FaultServer() as live:
        assert cli(live, tmp_path / "live", stories) == 0
        live_bodies = live.requests
    with BatchServer() as server:
        run = batch(stories, settings_for(server, tmp_path), wait=False)
        [batch_id] = run.submitted
        lines = server.input_lines(batch_id)
    assert len(lines) == 5 and run.waiting
    key = lambda body: json.dumps(body, sort_keys=True)  # noqa: E731
    # Same model, messages, tools and caps: the live bodies went to another base URL only.
    assert sorted(map(key, (line["body"] for line in lines))) == sorted(
        map(key, ({**b, "model": "fault-model"} for b in live_bodies))
    )
    assert {line["custom_id"] for line in lines} == {
        "extract/flood-monday/S1/1-of-1",
        "extract/flood-monday/S2/1-of-1",
        "extract/flood-monday/S3/1-of-1",
        "extract/flood-tuesday/S1/1-of-1",
        "extract/flood-tuesday/S2/1-of-1",
    }
    assert all(line["url"] == "/v1/chat/completions" and line["method"] == "POST" for line in lines)


def test_a_full_round_trip_writes_every_report_and_sends_nothing_live(tmp_path, capsys):
    stories = two_stories(tmp_path / "in")
    with BatchServer(polls_to_complete=3) as server:
        assert cli(server, tmp_path, stories, "--batch", "--wait", "--poll-seconds", "0.01") == 0
        assert (server.uploads, server.batches_created, server.request_count) == (1, 1, 0)
    err = capsys.readouterr().err
    assert "batch batch-loop000002 completed: 5 answers stored" in err
    report = json.loads((tmp_path / "out" / "flood-monday.json").read_text())
    assert report["usage"]["batched_requests"] == 3 and report["usage"]["requests"] == 0
    assert len(report["claims"]) > 0
    assert not list((tmp_path / "cache" / "batches").iterdir())  # collected: state gone


def test_a_second_run_finds_every_answer_in_the_cache(tmp_path, capsys):
    stories = two_stories(tmp_path / "in")
    with BatchServer(polls_to_complete=1) as server:
        cli(server, tmp_path, stories, "--batch", "--wait", "--poll-seconds", "0.01")
        for extra in (("--batch",), ()):
            assert cli(server, tmp_path, stories, *extra) == 0
        assert (server.uploads, server.batches_created, server.request_count) == (1, 1, 0)
    table = capsys.readouterr().err.splitlines()
    assert table[-1].split()[1:9] == ["2", "of", "2", "stories", "5", "15", "6", "0"]


def test_without_wait_the_batch_id_is_printed_and_a_later_run_collects_it(tmp_path, capsys):
    stories = two_stories(tmp_path / "in")
    with BatchServer(polls_to_complete=2) as server:
        assert cli(server, tmp_path, stories, "--batch") == 0
        out, err = capsys.readouterr()
        assert out.strip() == "batch-loop000002"
        assert "is in_progress: 2 of 5 requests done; run the same command again" in err
        assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())
        # The process ends here; the next one has only the state saved beside the cache.
        [state_file] = (tmp_path / "cache" / "batches").iterdir()
        state = load_state(state_file.read_text())
        assert state is not None and state.batch_id == "batch-loop000002"
        assert KEY not in state_file.read_text()
        assert cli(server, tmp_path, stories, "--batch") == 0
        assert (server.uploads, server.batches_created, server.request_count) == (1, 1, 0)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["flood-monday.json", "flood-tuesday.json"]


def test_a_process_killed_between_upload_and_saving_the_batch_id_is_picked_up(tmp_path):
    stories = two_stories(tmp_path / "in")
    with BatchServer(polls_to_complete=2) as server:
        settings = settings_for(server, tmp_path)
        batch(stories, settings, wait=False)
        # What a process killed after the batch was made, before its id was saved, leaves.
        store = BatchStore(tmp_path / "cache")
        [path] = store.directory.iterdir()
        state = BatchState.model_validate_json(path.read_text())
        path.unlink()
        state.batch_id = None
        store.save(state)
        notes: list[str] = []
        run = batch(stories, settings, notes=notes)
        assert run.collected == ["batch-loop000002"] and not run.submitted
        assert (server.uploads, server.batches_created) == (1, 1)


def test_lines_that_failed_in_the_batch_are_asked_live_once(tmp_path):
    stories = two_stories(tmp_path / "in")
    with BatchServer(polls_to_complete=1, fail_lines={0, 3}) as server:
        notes: list[str] = []
        batch(stories, settings_for(server, tmp_path), notes=notes)
        assert "3 answers stored" in notes[-1]
        assert "2 asked live (HTTP 500: The server had an error" in notes[-1]
        assert server.request_count == 0  # left to the normal run
        assert cli(server, tmp_path, stories) == 0
        assert server.request_count == 2
        assert cli(server, tmp_path, stories) == 0
        assert server.request_count == 2


def test_an_expired_batch_keeps_what_it_answered_and_the_rest_goes_live(tmp_path):
    stories = two_stories(tmp_path / "in")
    with BatchServer(polls_to_complete=2, expire_after=2) as server:
        notes: list[str] = []
        batch(stories, settings_for(server, tmp_path), notes=notes)
        assert notes[-1].startswith("synth: batch batch-loop000002 expired: 2 answers stored")
        assert "3 asked live (batch_expired: This request could not be executed" in notes[-1]
        assert cli(server, tmp_path, stories) == 0
        assert server.request_count == 3


def test_an_answer_that_fails_the_schema_is_re_asked_live_with_the_error(tmp_path):
    stories = two_stories(tmp_path / "in")
    with BatchServer(polls_to_complete=1, invalid_lines={1}) as server:
        settings = settings_for(server, tmp_path)
        notes: list[str] = []
        batch(stories, settings, notes=notes)
        assert "1 of 1 that failed the checks re-asked live" in notes[-1]
        [reask] = server.requests
        # instructor's re-ask: the failed answer and the validation error follow the messages.
        roles = [m["role"] for m in reask["messages"]]
        assert roles[:2] == ["system", "user"] and roles[2] == "assistant"
        assert "validation error" in json.dumps(reask["messages"][3:]).lower()
        line = server.input_lines("batch-loop000002")[1]
        assert reask["messages"][:2] == line["body"]["messages"]
        # The same request format, caps and seed: only the conversation grew.
        assert {k: v for k, v in reask.items() if k != "messages"} == {
            k: v for k, v in line["body"].items() if k != "messages"
        }
        # Stored as the live path stores an answer after one re-ask; a normal run asks nothing.
        extractor = LLMExtractor(settings)
        cache = ResponseCache(tmp_path / "cache")
        planned = [r for s in stories_from_paths(stories) for r in _keys(extractor, s)]
        entries = [cache.get_as(key, CachedReply) for key in planned]
        assert all(e is not None and e.outcome == "answered" for e in entries)
        assert len(entries) == 5
        assert cli(server, tmp_path, stories) == 0
        assert server.request_count == 1


def test_every_batch_answer_and_live_re_ask_is_in_the_request_log(tmp_path):
    stories = two_stories(tmp_path / "in")
    with BatchServer(polls_to_complete=1, invalid_lines={1}) as server:
        batch(stories, settings_for(server, tmp_path))
    rows = RequestLog(tmp_path / "cache").recent()
    # Four answers from the batch, then the re-ask of the fifth, sent live.
    assert [(r.stage, r.outcome, r.cache_hit, r.requests) for r in rows] == [
        ("extract", "answered", False, 1)
    ] * 5
    assert all(r.source.endswith(" in batch batch-loop000002") for r in rows)
    # In the batch's request format, with the tokens each answer reported.
    assert {r.mode for r in rows} == {"json_schema"} and all(r.completion_tokens for r in rows)
    reask = RequestLog(tmp_path / "cache").get(rows[-1].id)
    assert reask is not None and reask.key == rows[-1].key
    assert [m["role"] for m in reask.request["messages"]][2] == "assistant"
    assert reask.request["max_reasks"] == 1


def _keys(extractor, story):
    from synth.clean import clean_sources
    from synth.load import load_sources

    documents = clean_sources(load_sources(story.paths).sources).documents
    return [r.key for d in documents for r in extractor.chunk_requests(d)]


def test_a_lost_batch_is_one_line_and_its_requests_go_live(tmp_path):
    stories = two_stories(tmp_path / "in")
    with BatchServer(lose_batches=True) as server:
        notes: list[str] = []
        run = batch(stories, settings_for(server, tmp_path), notes=notes)
        assert run.done
        assert "is not known to" in notes[-1] and "its 5 requests are asked live" in notes[-1]
        assert cli(server, tmp_path, stories) == 0
        assert server.request_count == 5


def test_batch_mode_needs_a_model_and_files(tmp_path, capsys):
    stories = two_stories(tmp_path / "in")
    assert main(["summarise", "--batch", "--offline", str(stories[0])]) == 2
    assert "--batch needs a model" in capsys.readouterr().err
    assert main(["summarise", "--batch", "-m", "x", "-"]) == 2
    assert "not - or URLs" in capsys.readouterr().err
    assert main(["summarise", "--wait", str(stories[0])]) == 2
    assert "--wait goes with --batch" in capsys.readouterr().err


def test_an_output_folder_that_cannot_be_made_stops_batch_mode_before_any_request(tmp_path, capsys):
    # Nothing listens at port 9: had synth planned and sent the batch first, the run would end
    # on the unreachable server (exit 1), not on the usage error.
    stories = two_stories(tmp_path / "in")
    missing = tmp_path / "no" / "such" / "reports"
    for extra in (["--each", "-o", str(missing)], ["-o", str(missing / "report.md")]):
        command = ["summarise", "--batch", "-m", "x", "--base-url", "http://127.0.0.1:9/v1", *extra]
        assert main([*command, *map(str, stories)]) == 2
        assert "does not exist" in capsys.readouterr().err
    assert not (tmp_path / "no").exists()


def test_a_batch_request_costs_the_batch_share_of_the_price():
    table = price_table({})
    live = estimate_cost("gpt-4o-mini", 1_000_000, 1_000_000, table)
    assert live == pytest.approx(0.75)
    assert estimate_cost("gpt-4o-mini", 1_000_000, 1_000_000, table, batch=True) == pytest.approx(0.375)


def test_a_price_file_may_give_its_own_batch_share(tmp_path):
    prices = tmp_path / "prices.json"
    prices.write_text('{"local": [1.0, 2.0, 0.25], "other": [1.0, 2.0]}')
    table = price_table({"SYNTH_PRICES": str(prices)})
    assert estimate_cost("local", 1_000_000, 0, table, batch=True) == pytest.approx(0.25)
    assert estimate_cost("other", 1_000_000, 0, table, batch=True) == pytest.approx(0.5)


CASSETTE = "batch_round_trip.yaml"


def test_the_batch_cassette_is_in_openai_s_wire_format_and_carries_no_key(tmp_path):
    if RECORDING:
        stories = two_stories(tmp_path / "in")
        with BatchServer(polls_to_complete=2, fail_lines={4}) as server, use_cassette(CASSETTE):
            batch(stories, settings_for(server, tmp_path))
    pairs = interactions(CASSETTE)
    seen = set()
    for pair in pairs:
        assert pair["status"] == 200
        body = pair["body"]
        if isinstance(body, dict) and body.get("object") == "file":
            FileObject.model_validate(body)
            seen.add("file")
        elif isinstance(body, dict) and body.get("object") == "batch":
            Batch.model_validate(body)
            seen.add(Batch.model_validate(body).status)
        else:  # a result file: every line a batch result, a 200's body a chat completion
            # (a file of one line reads as that line's object)
            results = (
                [body] if isinstance(body, dict) else [json.loads(line) for line in str(body).splitlines()]
            )
            for result in results:
                assert set(result) == {"id", "custom_id", "response", "error"}
                if result["response"]["status_code"] == 200:
                    ChatCompletion.model_validate(result["response"]["body"])
                    seen.add("completion")
                else:
                    assert result["response"]["body"]["error"]["message"]
                    seen.add("failed line")
    assert seen >= {"file", "validating", "in_progress", "completed", "completion", "failed line"}
    text = (Path(__file__).parent.parent / "cassettes" / CASSETTE).read_text()
    assert KEY not in text and "authorization" not in text.lower()


# --- the model reconcile's batch -------------------------------------------------------------


def test_the_model_reconcile_goes_in_a_second_batch_with_the_live_path_s_requests(tmp_path, capsys):
    stories = two_stories(tmp_path / "in")
    (tmp_path / "live").mkdir()
    with FaultServer() as live:
        assert cli(live, tmp_path / "live", stories, reconcile="model") == 0
        live_reconciles = [b for b in live.requests if "<claims>" in json.dumps(b)]
    assert len(live_reconciles) == 2  # one per story
    with BatchServer(polls_to_complete=2) as server:
        assert (
            cli(server, tmp_path, stories, "--batch", "--wait", "--poll-seconds", "0.01", reconcile="model")
            == 0
        )
        assert (server.uploads, server.batches_created, server.request_count) == (2, 2, 0)
        extract_id, reconcile_id = server.batches
        lines = server.input_lines(reconcile_id)
    assert [line["custom_id"] for line in lines] == [
        "reconcile/flood-monday/1-of-1",
        "reconcile/flood-tuesday/1-of-1",
    ]
    key = lambda body: json.dumps(body, sort_keys=True)  # noqa: E731
    assert sorted(key(line["body"]) for line in lines) == sorted(
        key({**b, "model": "fault-model"}) for b in live_reconciles
    )
    err = capsys.readouterr().err
    assert f"batch {reconcile_id} submitted: 2 reconcile requests from 2 stories" in err
    assert f"batch {reconcile_id} completed: 2 answers stored" in err
    report = json.loads((tmp_path / "out" / "flood-monday.json").read_text())
    live_report = json.loads((tmp_path / "live" / "out" / "flood-monday.json").read_text())
    assert report["usage"]["reconciler"] == "model" and report["usage"]["requests"] == 0
    assert report["usage"]["batched_requests"] == 4  # three articles and the reconcile
    # The batch's answers make the report the live path makes.
    assert report["facts"] == live_report["facts"] and report["overview"] == live_report["overview"]


def test_without_wait_each_batch_takes_a_run_and_the_third_writes_the_reports(tmp_path, capsys):
    stories = two_stories(tmp_path / "in")
    with BatchServer(polls_to_complete=2) as server:  # each run polls each batch once
        ids = []
        for _ in range(2):
            assert cli(server, tmp_path, stories, "--batch", reconcile="model") == 0
            out, err = capsys.readouterr()
            ids.append(out.strip())
            assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())
        assert ids == list(server.batches)
        [state_file] = (tmp_path / "cache" / "batches").iterdir()
        state = load_state(state_file.read_text())
        assert state is not None and state.kind == "reconcile"
        assert {r.custom_id for r in state.requests} == {
            "reconcile/flood-monday/1-of-1",
            "reconcile/flood-tuesday/1-of-1",
        }
        assert cli(server, tmp_path, stories, "--batch", reconcile="model") == 0
        assert (server.uploads, server.batches_created, server.request_count) == (2, 2, 0)
        report = json.loads((tmp_path / "out" / "flood-monday.json").read_text())
        # The extraction batch, collected by the second run, counts in the third run's report.
        assert report["usage"]["batched_requests"] == 4 and report["usage"]["reconciler"] == "model"
        # And a normal run afterwards finds every answer, the reconcile's too.
        assert cli(server, tmp_path, stories, reconcile="model") == 0
        assert server.request_count == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["flood-monday.json", "flood-tuesday.json"]


def test_a_reconcile_answer_that_fails_the_checks_is_re_asked_live(tmp_path):
    stories = two_stories(tmp_path / "in")
    # Line 1 of each batch fails the schema: an extraction and a reconcile, each re-asked live.
    with BatchServer(polls_to_complete=1, invalid_lines={1}) as server:
        notes: list[str] = []
        run = batch(stories, settings_for(server, tmp_path, reconcile="model"), notes=notes)
        assert run.done and len(run.collected) == 2
        assert "1 of 1 that failed the checks re-asked live" in notes[-1]
        extraction_reask, reconcile_reask = server.requests
        assert "<claims>" in json.dumps(reconcile_reask["messages"][:2])
        assert [m["role"] for m in reconcile_reask["messages"]][2] == "assistant"
        assert cli(server, tmp_path, stories, reconcile="model") == 0
        assert server.request_count == 2  # nothing asked again
    rows = RequestLog(tmp_path / "cache").recent()
    reconciles = [r for r in rows if r.stage == "reconcile" and not r.cache_hit]
    assert len(reconciles) == 2 and all(" in batch " in r.source for r in reconciles)


def test_a_reconcile_line_the_batch_failed_is_left_to_the_normal_run(tmp_path):
    stories = two_stories(tmp_path / "in")
    with BatchServer(polls_to_complete=1) as server:
        settings = settings_for(server, tmp_path, reconcile="model")
        server.fail_lines = {0}
        notes: list[str] = []
        batch(stories, settings, notes=notes)
        # The extraction line that failed was asked live before the reconcile was planned.
        assert server.request_count == 1
        assert "1 asked live (HTTP 500" in notes[-1]
        assert cli(server, tmp_path, stories, reconcile="model") == 0
        assert server.request_count == 2  # the reconcile line that failed, once


def test_a_batch_answer_is_validated_as_strictly_as_a_live_one():
    from synth.llm import parse_completion

    def completion(value: object) -> dict:
        claim = {
            "quote": "Twelve boats sank.",
            "statement": "Twelve boats sank.",
            "quantities": [{"value": value, "unit": "boats"}],
        }
        return {
            "id": "c1",
            "object": "chat.completion",
            "created": 0,
            "model": "fault-model",
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {"role": "assistant", "content": json.dumps({"claims": [claim]})},
                }
            ],
        }

    assert parse_completion(ExtractionResponse, "json_schema", completion(12)).value is not None
    # A figure written as text passes a lax check; the live path's strict one re-asks it.
    parsed = parse_completion(ExtractionResponse, "json_schema", completion("12"))
    assert parsed.value is None and "value" in str(parsed.error)
