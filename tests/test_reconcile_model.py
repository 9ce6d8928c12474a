"""Model reconcile end to end against a loopback server: re-asks after an invented number or
an unknown claim id, the fallback after repeated failure, the grouped path under a token
budget, the cache and the usage counts.

Claims are the frozen drafts of the bundled troop story (tests/frozen_extractor.py), so the
totals conflict (3,000 so far, 10,000 by December, up to 12,000), and a change to the offline
extractor does not change what is sent. The server answers with scripted replies.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from synth.config import resolve_settings
from synth.errors import ConfigError
from synth.llm import ModelClient
from synth.numbers import find_numbers
from synth.pipeline import summarise
from synth.reconcile.model import MAX_REASKS, ModelReconciler
from tests.conftest import QUAKE, TROOPS
from tests.frozen_extractor import FrozenExtractor
from tests.reconcile_server import ReconcileServer, careful_answer


def settings_for(base_url: str, tmp_path: Path, **overrides):
    return resolve_settings(
        {},
        **{
            "model": "fault-model",
            "base_url": base_url,
            "cache_dir": tmp_path / "cache",
            "max_retries": 2,
            **overrides,
        },
    )


def run(settings, paths=(TROOPS,), extractor=None):
    notes: list[str] = []
    reconciler = ModelReconciler(
        settings,
        note=notes.append,
        client_factory=lambda: ModelClient(
            settings, note=notes.append, retry_base_delay=0.01, retry_max_delay=0.05
        ),
    )
    report = summarise(
        list(paths), settings=settings, extractor=extractor or FrozenExtractor(), reconciler=reconciler
    )
    return report, notes


def rules_report(tmp_path: Path, paths=(TROOPS,)):
    """The rules' reconcile of the same frozen claims, with no model."""
    return summarise(list(paths), cache_dir=tmp_path / "rules-cache", extractor=FrozenExtractor())


def with_invented_number(claims):
    answer = careful_answer(claims)
    answer["overview"][0]["text"] = "Up to 99,999 North Korean troops are in Russia."
    return answer


def with_unknown_id(claims):
    answer = careful_answer(claims)
    answer["facts"][0]["claim_ids"].append("C999")
    return answer


def report_numbers(report) -> set[float]:
    texts = [f.statement for f in report.facts] + [f.explanation or "" for f in report.facts]
    texts += [s.text for s in report.overview]
    return {m.value for t in texts for m in find_numbers(t)}


def test_the_model_writes_facts_and_overview_that_pass_the_checks(tmp_path):
    with ReconcileServer() as server:
        report, _ = run(settings_for(server.base_url, tmp_path))
        assert server.request_count == 1
    assert report.usage.reconciler == "model" and report.problems == []
    assert all(f.written_by == "model" for f in report.facts)
    assert all(s.written_by == "model" for s in report.overview)
    # The totals are split by scope (some figures count "North Korean" troops), so they
    # may be in more than one conflict.
    totals = {
        v.value for f in report.facts if f.status == "conflicting" and f.unit == "troops" for v in f.variants
    }
    assert {3000, 10000, 12000} <= totals
    cited = {i for f in report.facts for i in f.claim_ids}
    assert cited == {c.id for c in report.claims}
    assert report.usage.reconcile_requests == 1 and report.usage.requests == 1
    assert report.usage.prompt_tokens > 0 and report.usage.completion_tokens > 0


def test_the_request_delimits_the_claims_and_carries_every_one(tmp_path):
    with ReconcileServer() as server:
        report, _ = run(settings_for(server.base_url, tmp_path))
        [sent] = server.reconcile_requests
        user = server.requests[0]["messages"][1]["content"]
    assert sorted(c["id"] for c in sent) == sorted(c.id for c in report.claims)
    assert user.count("\n<claims>\n") == 1 and user.rstrip().endswith("</claims>")
    first = next(c for c in sent if c["id"] == "C1")
    assert first["source"] == "S1" and first["group"].startswith("G")


@pytest.mark.parametrize(
    "bad_answer, error",
    [
        (with_invented_number, "'99,999', which no claim it cites gives"),
        (with_unknown_id, "'C999', not the id of any claim"),
    ],
)
def test_a_failing_answer_is_re_asked_with_the_reason(tmp_path, bad_answer, error):
    with ReconcileServer(bad_answer) as server:
        report, _ = run(settings_for(server.base_url, tmp_path))
        assert server.request_count == 2
        reask = server.requests[1]["messages"]
    assert error in reask[-1]["content"]
    assert report.usage.reconciler == "model" and report.problems == []
    assert 99999 not in report_numbers(report)
    assert "C999" not in json.dumps(report.model_dump(mode="json"))
    assert report.usage.reconcile_requests == 2


def test_after_repeated_failure_the_rules_write_what_failed_and_say_so(tmp_path):
    failing = [with_invented_number] * (MAX_REASKS + 1)
    with ReconcileServer(*failing) as server:
        report, _ = run(settings_for(server.base_url, tmp_path))
        assert server.request_count == MAX_REASKS + 1
    rules = rules_report(tmp_path)
    assert 99999 not in report_numbers(report)
    [problem] = [p for p in report.problems if p.stage == "reconcile"]
    assert "99,999" in problem.reason and "deterministic reconcile" in problem.reason
    # Only the bad sentence failed: the model's facts stand, and the rules' sentences
    # about the same claims replace it.
    assert all(f.written_by == "model" for f in report.facts)
    rules_sentences = [s for s in report.overview if s.written_by == "rules"]
    assert rules_sentences and {s.text for s in rules_sentences} <= {s.text for s in rules.overview}
    assert report.usage.reconciler == "model and rules"


def test_a_server_that_keeps_failing_leaves_the_deterministic_report(tmp_path):
    with ReconcileServer() as server:
        server.enqueue(*["500"] * 3)
        report, _ = run(settings_for(server.base_url, tmp_path))
        assert server.request_count == 3  # max_retries=2: three attempts, no more
    rules = rules_report(tmp_path)
    assert [f.statement for f in report.facts] == [f.statement for f in rules.facts]
    assert [s.text for s in report.overview] == [s.text for s in rules.overview]
    assert report.usage.reconciler == "rules"
    assert "kept failing after 3 attempts" in report.problems[-1].reason


def test_over_the_budget_the_claims_go_group_by_group_and_are_combined(tmp_path):
    budget = 750  # under the troop total (about 1,860 tokens) and the death total (about 810)
    with ReconcileServer() as server:
        report, notes = run(
            settings_for(server.base_url, tmp_path, reconcile_budget_tokens=budget), paths=(TROOPS, QUAKE)
        )
        batches = server.reconcile_requests
    assert len(batches) > 2
    assert any("reconciling them in" in note for note in notes)
    sent = {c["id"] for batch in batches for c in batch}
    assert sent == {c.id for c in report.claims}  # every claim, once in each of its batches
    for batch in batches:
        assert len({c["id"] for c in batch}) == len(batch)
        payload = "\n".join(json.dumps(c, ensure_ascii=False) for c in batch)
        assert len(payload) / 4 <= budget or len(batch) == 1
    assert report.usage.reconcile_requests == len(batches)
    assert report.usage.reconciler == "model" and report.problems == []
    # The combined report: one F-numbering, conflicts first, every claim cited.
    assert [f.id for f in report.facts] == [f"F{i}" for i in range(1, len(report.facts) + 1)]
    statuses = [f.status for f in report.facts]
    assert statuses.index("conflicting") < statuses.index("single_source")
    assert {i for f in report.facts for i in f.claim_ids} == {c.id for c in report.claims}
    # The troop and death totals are each over the budget alone, so each went in parts to
    # several requests; each comes back as one fact with every claim of the rules' group.
    rules = rules_report(tmp_path, paths=(TROOPS, QUAKE))
    for unit in ("troops", "deaths"):
        [rules_fact] = [f for f in rules.facts if (f.unit, f.scope) == (unit, None)]
        assert (
            sum(c["id"] in rules_fact.claim_ids for b in batches for c in b) > len(rules_fact.claim_ids) / 2
        )  # sanity: the group really was sent
        lines = {
            c["id"]: json.dumps(c, ensure_ascii=False)
            for b in batches
            for c in b
            if c["id"] in rules_fact.claim_ids
        }
        assert sum(len(line) for line in lines.values()) / 4 > budget  # over it alone
        holding = [b for b in batches if {c["id"] for c in b} & set(rules_fact.claim_ids)]
        assert len(holding) > 1
        [fact] = [f for f in report.facts if (f.unit, f.scope) == (unit, None)]
        assert set(rules_fact.claim_ids) <= set(fact.claim_ids)
        assert fact.status == "conflicting" and fact.written_by == "model"
    kinds = [(f.unit, f.scope) for f in report.facts if f.unit is not None]
    assert len(kinds) == len(set(kinds))  # one fact per quantity


def test_a_failed_re_ask_keeps_the_parts_of_the_answer_that_pass(tmp_path):
    with ReconcileServer(with_invented_number) as server:
        # The first answer comes back with one bad sentence; its re-ask, and every retry of
        # the request after it, get HTTP 500.
        server.enqueue("slow:0", *["500"] * 3)
        report, _ = run(settings_for(server.base_url, tmp_path))
        assert server.request_count == 4  # the answer, its re-ask, two retries
    assert 99999 not in report_numbers(report)
    assert report.facts and all(f.written_by == "model" for f in report.facts)
    assert any(s.written_by == "model" for s in report.overview)
    assert any(s.written_by == "rules" for s in report.overview)
    assert report.usage.reconciler == "model and rules"
    [problem] = [p for p in report.problems if p.stage == "reconcile"]
    assert "kept failing after 3 attempts" in problem.reason
    assert "pass synth's checks and are kept" in problem.reason and "99,999" in problem.reason


def test_one_failing_batch_falls_back_alone(tmp_path):
    with ReconcileServer(careful_answer, *[with_unknown_id] * (MAX_REASKS + 1)) as server:
        report, _ = run(settings_for(server.base_url, tmp_path, reconcile_budget_tokens=1200, concurrency=1))
        batches = len(server.reconcile_requests) - MAX_REASKS
    assert batches >= 2
    writers = {f.written_by for f in report.facts}
    assert writers == {"model", "rules"}
    [problem] = [p for p in report.problems if p.stage == "reconcile"]
    assert f"(batch 2 of {batches})" in problem.reason


def test_reconcile_answers_are_cached(tmp_path):
    with ReconcileServer(with_invented_number) as server:
        first, _ = run(settings_for(server.base_url, tmp_path))
        assert server.request_count == 2
        second, _ = run(settings_for(server.base_url, tmp_path))
        assert server.request_count == 2
    assert second.usage.cache_hits == 1 and second.usage.requests == 0
    assert [f.statement for f in second.facts] == [f.statement for f in first.facts]
    assert [s.text for s in second.overview] == [s.text for s in first.overview]


def test_a_failed_answer_is_cached_and_judged_the_same_way_again(tmp_path):
    with ReconcileServer(*[with_invented_number] * (MAX_REASKS + 1)) as server:
        first, _ = run(settings_for(server.base_url, tmp_path))
        second, _ = run(settings_for(server.base_url, tmp_path))
        assert server.request_count == MAX_REASKS + 1
    assert [p.reason for p in second.problems] == [p.reason for p in first.problems]
    assert [s.text for s in second.overview] == [s.text for s in first.overview]


def test_reconcile_rules_or_no_claims_send_no_request(tmp_path):
    with ReconcileServer() as server:
        report, _ = run(settings_for(server.base_url, tmp_path, reconcile="rules"))
        empty = tmp_path / "empty.txt"
        empty.write_text("Subscribe to our newsletter.\n", encoding="utf-8")
        nothing, _ = run(
            settings_for(server.base_url, tmp_path),
            paths=(empty,),
            extractor=FrozenExtractor({"empty.txt": []}),
        )
        assert server.request_count == 0
    assert report.usage.reconciler == "rules"
    assert nothing.claims == [] and nothing.usage.reconcile_requests == 0


def test_reconcile_model_without_a_model_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="--reconcile model needs a model"):
        resolve_settings({}, reconcile="model", cache_dir=tmp_path)
    with pytest.raises(ConfigError, match="reconcile budget"):
        resolve_settings({}, reconcile_budget_tokens=10, cache_dir=tmp_path)


def test_template_syntax_in_a_claim_reaches_the_model_as_written(tmp_path):
    # instructor renders messages as Jinja templates when handed a validation context; the
    # checks get theirs another way, so claims are sent as they are.
    article = tmp_path / "templated.txt"
    sentence = "The ministry said 3,000 people {{ 7*7 }} {% if x %} were evacuated on Monday."
    article.write_text(f"Title: Floods\n\n{sentence}\n", encoding="utf-8")
    extractor = FrozenExtractor(
        {
            "templated.txt": [
                {
                    "statement": sentence,
                    "quote": sentence,
                    "attributed_to": "The ministry",
                    "quantities": [{"value": 3000, "unit": "people", "text": "3,000"}],
                }
            ]
        }
    )
    with ReconcileServer() as server:
        report, _ = run(settings_for(server.base_url, tmp_path), paths=(article,), extractor=extractor)
        user = server.requests[0]["messages"][1]["content"]
    assert report.claims and "{{ 7*7 }} {% if x %}" in user and "49" not in user
    assert report.usage.reconciler == "model"
