"""ModelStage.ask, the one place a model request is made, through both model stages: the
cache key is made of the request that is sent, a cached reply meets today's checks, and the
API key is in neither the key nor the cache."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from pathlib import Path

import diskcache
import pytest
from pydantic import BaseModel

import synth.cache
from synth.clean import clean_sources
from synth.config import resolve_settings
from synth.extract.llm import LLMExtractor
from synth.extract.schema import ArticleShown, ExtractionResponse
from synth.llm import ModelClient
from synth.load import load_sources
from synth.model_stage import ModelStage, Question
from synth.models import Claim, Source
from synth.pipeline import summarise
from synth.prompts import load_prompt
from synth.reconcile.batches import ReconcileBatch
from synth.reconcile.model import ModelReconciler
from synth.validation_data import validating_against
from tests.conftest import TROOPS
from tests.fault_server import FaultServer

ARTICLE = TROOPS / "02-han-river-review-2024-10-24.md"
BASE = {"model": "m", "base_url": "http://127.0.0.1:1/v1", "api_key": "sk-first-key-0123"}


def extraction_question(stage: ModelStage) -> Question:
    assert isinstance(stage, LLMExtractor)
    document = clean_sources(load_sources([ARTICLE]).sources).documents[0]
    return stage.question(document, document.kept_text())


def reconcile_question(stage: ModelStage) -> Question:
    assert isinstance(stage, ModelReconciler)
    source = Source(
        id="S1", path="s1.txt", outlet="Outlet", text="x", content_hash="0", format="txt", encoding="utf-8"
    )
    text = "The Pentagon said 10,000 troops were sent."
    claim = Claim(id="C1", source_id="S1", statement=text, quote=text, start=0, end=len(text))
    return stage.question(ReconcileBatch([claim], {"C1": "G1"}), [source])


STAGES = {"extract": (LLMExtractor, extraction_question), "reconcile": (ModelReconciler, reconcile_question)}


class AnotherSchema(BaseModel):
    """Not the stage's response model."""

    claims: list[str]


@pytest.mark.parametrize("stage_name", STAGES)
def test_every_part_of_the_request_is_in_its_cache_key_and_the_api_key_is_not(
    stage_name, tmp_path, monkeypatch
):
    make, question_of = STAGES[stage_name]

    def stage(**settings: object) -> ModelStage:
        return make(resolve_settings({}, **{**BASE, "cache_dir": tmp_path, **settings}))

    def key(**settings: object) -> str:
        built = stage(**settings)
        return built.request_key(built.request_for(question_of(built).messages))

    reference = key()
    # The same request with another key, or with credentials in the URL, is the same request.
    assert key(api_key="sk-another-key-4567") == reference
    assert key(base_url="http://user:pa55word@127.0.0.1:1/v1") == reference
    # Each setting that changes what is sent changes the key.
    for setting, value in [
        ("model", "other-model"),
        ("base_url", "http://127.0.0.1:2/v1"),
        ("mode", "tools"),
        ("temperature", 0.5),
        ("seed", 7),
        ("max_output_tokens", 1000),
    ]:
        assert key(**{setting: value}) != reference, setting

    built = stage()
    question = question_of(built)
    request = built.request_for(question.messages)
    assert built.request_key(request) == reference
    # The messages, to the last character, the response schema and the re-ask bound.
    changed = [dict(m) for m in request.messages]
    changed[-1]["content"] += " "
    for part in [
        dataclasses.replace(request, messages=changed),
        dataclasses.replace(request, response_model=AnotherSchema),
        dataclasses.replace(request, max_reasks=request.max_reasks + 1),
    ]:
        assert built.request_key(part) != reference
    # The prompt the messages were made from, and the key's version.
    other_prompt = "reconcile_facts.v1" if stage_name == "extract" else "extract_claims.v1"
    built.prompt = load_prompt(other_prompt)
    assert built.request_key(request) != reference
    built = stage()
    monkeypatch.setattr(synth.cache, "CACHE_KEY_VERSION", "another-version")
    assert built.request_key(request) != reference


def test_every_value_the_key_covers_is_what_the_client_sends(tmp_path):
    """The request the key is made of is the one sent: its temperature, seed, token cap and
    messages reach the server as they are."""
    with FaultServer() as server:
        settings = resolve_settings(
            {},
            model="fault-model",
            base_url=server.base_url,
            cache_dir=tmp_path,
            temperature=0.3,
            seed=11,
            max_output_tokens=1234,
            reconcile="rules",
        )
        extractor = LLMExtractor(settings, note=lambda _line: None)
        summarise([ARTICLE], settings=settings, extractor=extractor)
        [body] = server.requests
    request = extractor.request_for(extraction_question(extractor).messages)
    assert (body["model"], body["temperature"], body["seed"], body["max_tokens"]) == (
        request.model,
        request.temperature,
        request.seed,
        request.max_tokens,
    )
    assert body["messages"] == request.messages


def run_extraction(settings, notes: list[str]):
    extractor = LLMExtractor(
        settings,
        note=notes.append,
        client_factory=lambda: ModelClient(
            settings, note=notes.append, retry_base_delay=0.01, retry_max_delay=0.05
        ),
    )
    return summarise([ARTICLE], settings=settings, extractor=extractor)


def rewrite_cache(directory: Path, edit) -> None:
    with diskcache.Cache(str(directory)) as store:
        for key in list(store.iterkeys()):
            store.set(key, json.dumps(edit(json.loads(store[key]))))


def test_a_cached_reply_that_fails_todays_checks_is_asked_again(tmp_path):
    """What is cached is the reply; on every use it is checked as a live one is. A reply
    whose quote is not in the article is one the model would have been asked to mend."""
    notes: list[str] = []
    with FaultServer() as server:
        settings = resolve_settings(
            {}, model="fault-model", base_url=server.base_url, cache_dir=tmp_path / "cache", reconcile="rules"
        )
        first = run_extraction(settings, notes)

        def invent_a_quote(entry: dict) -> dict:
            assert entry["outcome"] == "answered"
            entry["reply"]["claims"][0]["quote"] = "Words the article never had."
            return entry

        rewrite_cache(tmp_path / "cache", invent_a_quote)
        second = run_extraction(settings, notes)
        assert server.request_count == 2
        third = run_extraction(settings, notes)
        assert server.request_count == 2  # the answer asked again replaced the entry
    assert not any("damaged" in note for note in notes)  # no damage: another judgement
    assert second.usage.cache_hits == 0 and third.usage.cache_hits == 1
    assert [c.quote for c in second.claims] == [c.quote for c in first.claims]


def test_a_cached_answer_of_another_shape_is_damaged_and_asked_again(tmp_path):
    notes: list[str] = []
    with FaultServer() as server:
        settings = resolve_settings(
            {}, model="fault-model", base_url=server.base_url, cache_dir=tmp_path / "cache", reconcile="rules"
        )
        first = run_extraction(settings, notes)
        rewrite_cache(tmp_path / "cache", lambda entry: {**entry, "reply": {"claims": "not a list"}})
        second = run_extraction(settings, notes)
        assert server.request_count == 2
    assert sum("is damaged; ignoring it and asking again" in note for note in notes) == 1
    assert [c.quote for c in second.claims] == [c.quote for c in first.claims]


def test_concurrent_requests_each_check_against_their_own_article():
    """The production path: validating_against around each request, in its own task."""
    reply = {"claims": [{"quote": "troops were sent", "statement": "s"}]}

    async def check(article: str) -> bool:
        with validating_against(ArticleShown(article)):
            await asyncio.sleep(0)  # the other task sets its article meanwhile
            try:
                ExtractionResponse.model_validate(reply)
            except ValueError:
                return False
            return True

    async def both() -> list[bool]:
        return list(await asyncio.gather(check("Some troops were sent."), check("No one went.")))

    assert asyncio.run(both()) == [True, False]
