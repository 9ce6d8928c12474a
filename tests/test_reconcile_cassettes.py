"""Replayed model reconciles (cassettes/reconcile_*.yaml, see cassettes/README.md).

The claims are the frozen drafts of the bundled stories (tests/frozen_extractor.py: the
offline extractor's, frozen once), grounded and grouped by synth, so the requests are the
ones synth really sends, and a change to the offline rules does not make them stale.
`reconcile_fallback.yaml` is SmolLM2-135M on llama-cpp-python: none of its three answers
passes (it cites no claim, then writes invalid JSON, then runs out of tokens mid-JSON), and
synth falls back to its own reconcile.
A 135M model never writes a reconcile that passes the checks, so the other four carry
answers we wrote (tests/reconcile_server.py and below), served over HTTP by the loopback
server while recording: a normal reconcile of the troop story, a re-ask after an invented
number, a re-ask after an unknown claim id, and the grouped path for two stories at once.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from synth.llm import ModelClient
from synth.numbers import find_numbers
from synth.pipeline import summarise
from synth.reconcile.model import MAX_REASKS, ModelReconciler
from tests.cassettes import LIVE_BASE_URL, LIVE_MODEL, RECORDING, interactions, use_cassette
from tests.conftest import QUAKE, TROOPS
from tests.frozen_extractor import FrozenExtractor
from tests.reconcile_server import ReconcileServer, careful_answer
from tests.test_cassettes import TEST_KEY, live_settings

QUAKE_PAIR = [
    QUAKE / "01-atlas-daily-2023-09-09-0410.html",
    QUAKE / "03-coastal-tribune-gws-2023-09-09-1432.txt",
]


def figures_of(claims: list[dict[str, Any]], *values: float) -> list[str]:
    """Claims giving one of these troop totals: unscoped, or scoped only by the story's own
    nationality ("North Korean troops"), which a capable model reads as the same total."""
    return [
        c["id"]
        for c in claims
        if any(
            n["unit"] == "troops"
            and n.get("scope") in (None, "North Korean")
            and (n["value"] in values or n.get("value_max") in values)
            for n in c.get("numbers", [])
        )
    ]


def troop_story_answer(claims: list[dict[str, Any]]) -> dict[str, Any]:
    """What a capable model would write for the troop story: the totals as one conflict,
    explained by scope and timing, the denials as one dispute, the rest as synth grouped it."""
    totals = figures_of(claims, 3000, 10000, 11000, 12000)
    denials = [c["id"] for c in claims if c["stance"] == "denied"]
    rest = careful_answer([c for c in claims if c["id"] not in set(totals) | set(denials)])
    conflict = {
        "statement": "Estimates of the North Korean troops sent to Russia differ: about 3,000 so "
        "far (South Korean lawmakers, the White House), about 10,000 (the Pentagon, "
        "Volodymyr Zelensky), 11,000 (Volodymyr Zelensky) and up to 12,000 in "
        "total (South Korea's National Intelligence Service).",
        "status": "conflicting",
        "claim_ids": totals,
        "explanation": "The figures count different things at different times: the lowest is "
        "the number sent so far, and the highest the intelligence estimate of the "
        "total to be sent.",
    }
    # A careful model says what the denials say, in their words.
    by_id = {c["id"]: c for c in claims}
    dispute = {"statement": by_id[denials[0]]["statement"], "status": "disputed", "claim_ids": denials}
    overview = [
        {
            "text": "Estimates of the troops sent range from about 3,000 so far to up to 12,000 in "
            "total; the higher figures are totals expected later.",
            "claim_ids": totals,
        },
        {"text": by_id[denials[0]]["statement"], "claim_ids": denials},
    ]
    return {
        "facts": [conflict, dispute, *rest["facts"]],
        "overview": overview + rest["overview"],
        "unused_sources": [],
    }


def with_invented_number(claims: list[dict[str, Any]]) -> dict[str, Any]:
    answer = troop_story_answer(claims)
    answer["overview"][0]["text"] = "As many as 15,000 North Korean troops are now in Russia."
    return answer


def with_unknown_id(claims: list[dict[str, Any]]) -> dict[str, Any]:
    answer = troop_story_answer(claims)
    answer["facts"][1]["claim_ids"] = [*answer["facts"][1]["claim_ids"], "C404"]
    return answer


@contextmanager
def scripted_endpoint(*answers) -> Iterator[str]:
    """The loopback server with these answers while recording; on replay any URL will do."""
    if RECORDING:
        with ReconcileServer(*answers) as server:
            yield server.base_url
    else:
        yield "http://127.0.0.1:8765/v1"


def run(settings, paths):
    reconciler = ModelReconciler(
        settings,
        note=lambda _: None,
        client_factory=lambda: ModelClient(settings, retry_base_delay=0.01, retry_max_delay=0.05),
    )
    return summarise(paths, settings=settings, extractor=FrozenExtractor(), reconciler=reconciler)


def scripted_settings(url: str, tmp_path, **overrides):
    return live_settings(
        tmp_path, model="fault-model", base_url=url, mode="tools", reconcile="model", **overrides
    )


def written_numbers(report) -> set[float]:
    texts = [f.statement for f in report.facts] + [f.explanation or "" for f in report.facts]
    return {m.value for t in texts + [s.text for s in report.overview] for m in find_numbers(t)}


def test_a_normal_reconcile_of_the_troop_story(tmp_path):
    with scripted_endpoint(troop_story_answer) as url:
        with use_cassette("reconcile_normal.yaml") as cassette:
            report = run(scripted_settings(url, tmp_path), [TROOPS])
    assert len(cassette.requests) == 1 and report.usage.reconcile_requests == 1
    assert report.usage.reconciler == "model" and report.problems == []
    totals = report.facts[0]
    assert totals.status == "conflicting" and totals.written_by == "model"
    assert {3000, 10000, 11000, 12000} <= {v.value for v in totals.variants}
    assert "so far" in totals.explanation.lower() or "moved so far" in totals.explanation
    assert any(f.status == "disputed" for f in report.facts)
    recorded = interactions("reconcile_normal.yaml")[0]
    assert recorded["request"]["tool_choice"]["function"]["name"] == "ReconcileResponse"
    assert report.usage.prompt_tokens == recorded["body"]["usage"]["prompt_tokens"]


def test_a_sentence_with_a_number_not_in_its_claims_is_re_asked(tmp_path):
    with scripted_endpoint(with_invented_number) as url:
        with use_cassette("reconcile_reask_number.yaml"):
            report = run(scripted_settings(url, tmp_path), [TROOPS])
    first, reask = interactions("reconcile_reask_number.yaml")
    assert "'15,000', which no claim it cites gives" in reask["request"]["messages"][-1]["content"]
    assert 15000 not in written_numbers(report)
    assert report.usage.reconciler == "model" and report.usage.requests == 2


def test_an_unknown_claim_id_is_re_asked(tmp_path):
    with scripted_endpoint(with_unknown_id) as url:
        with use_cassette("reconcile_reask_unknown_id.yaml"):
            report = run(scripted_settings(url, tmp_path), [TROOPS])
    _, reask = interactions("reconcile_reask_unknown_id.yaml")
    assert "'C404', not the id of any claim" in reask["request"]["messages"][-1]["content"]
    assert "C404" not in report.model_dump_json()
    assert report.usage.reconciler == "model"


def test_a_real_small_model_fails_the_checks_and_synth_falls_back(tmp_path):
    # On a busy 2-core machine one answer of 800 tokens took 7 minutes.
    settings = live_settings(tmp_path, mode="tools", reconcile="model", timeout=1800.0)
    with use_cassette("reconcile_fallback.yaml") as cassette:
        report = run(settings, QUAKE_PAIR)
    assert len(cassette.requests) == MAX_REASKS + 1 == report.usage.reconcile_requests
    recorded = interactions("reconcile_fallback.yaml")
    # Each re-ask sends the model why its previous answer failed.
    assert all(
        i["request"]["messages"][-1]["content"].startswith("Validation Error found") for i in recorded[1:]
    )
    rules = summarise(QUAKE_PAIR, cache_dir=tmp_path / "rules", extractor=FrozenExtractor())
    assert [f.statement for f in report.facts] == [f.statement for f in rules.facts]
    assert [s.text for s in report.overview] == [s.text for s in rules.overview]
    [problem] = [p for p in report.problems if p.stage == "reconcile"]
    assert "after 2 re-asks" in problem.reason and "deterministic reconcile" in problem.reason
    assert report.usage.reconciler == "rules"
    assert report.usage.prompt_tokens == sum(i["body"]["usage"]["prompt_tokens"] for i in recorded)
    assert LIVE_MODEL and LIVE_BASE_URL and TEST_KEY not in report.model_dump_json()


def claim_lines(interaction: dict[str, Any]) -> list[str]:
    """The claims a recorded reconcile request carries, one JSON line each."""
    user = interaction["request"]["messages"][1]["content"]
    return user.split("<claims>\n")[1].split("\n</claims>")[0].splitlines()


def test_a_large_claim_set_is_reconciled_group_by_group(tmp_path):
    with scripted_endpoint() as url:
        settings = scripted_settings(url, tmp_path, reconcile_budget_tokens=1500)
        with use_cassette("reconcile_grouped.yaml") as cassette:
            report = run(settings, [TROOPS, QUAKE])
    requests = interactions("reconcile_grouped.yaml")
    assert len(requests) == len(cassette.requests) >= 3
    sent = [[json.loads(line)["id"] for line in claim_lines(i)] for i in requests]
    sent_ids = [claim_id for ids in sent for claim_id in ids]
    assert set(sent_ids) == {c.id for c in report.claims}  # every claim, with each of its groups
    assert len(sent_ids) < 2 * len(report.claims)
    assert all(len(i["request"]["messages"][1]["content"]) < 1500 * 4 + 400 for i in requests)
    assert report.usage.reconciler == "model" and report.problems == []
    assert {i for f in report.facts for i in f.claim_ids} == {c.id for c in report.claims}
    # The troop total alone is over the budget, so it went in parts to several requests
    # and came back as one fact.
    [total] = [f for f in report.facts if (f.unit, f.scope) == ("troops", None)]
    lines = {json.loads(line)["id"]: line for i in requests for line in claim_lines(i)}
    assert sum(len(lines[claim_id]) for claim_id in total.claim_ids) / 4 > 1500
    assert sum(bool(set(ids) & set(total.claim_ids)) for ids in sent) > 1
    kinds = [(f.unit, f.scope) for f in report.facts if f.unit is not None]
    assert len(kinds) == len(set(kinds))  # a total sent in parts comes back as one fact
