"""The response model's JSON Schema is computed once per process and handed out read-only
(issue #18 point 1): no copy per request, and no reader can change what later requests send."""

import copy
import json

import pytest

from synth.extract.llm import ExtractionResponse as ExtractionResult
from synth.llm import ModelRequest, prepared_model, request_body


def test_schema_is_one_object_and_read_only() -> None:
    model = prepared_model(ExtractionResult)
    first, second = model.model_json_schema(), model.model_json_schema()
    assert first is second
    with pytest.raises(TypeError):
        first["title"] = "changed"
    with pytest.raises(TypeError):
        first["properties"].pop(next(iter(first["properties"])))
    edited = copy.deepcopy(first)  # a copy is an ordinary dict, free to edit
    edited["title"] = "changed"
    assert type(edited) is dict and first["title"] != "changed"


@pytest.mark.parametrize("mode", ["tools", "json_schema", "json", "md_json"])
def test_request_bodies_unchanged_by_sharing(mode: str) -> None:
    request = ModelRequest(
        model="m",
        messages=[{"role": "system", "content": "s"}, {"role": "user", "content": "u"}],
        response_model=ExtractionResult,
        temperature=0.0,
        seed=1,
        max_tokens=100,
        max_reasks=1,
    )
    once = json.dumps(request_body(request, mode), sort_keys=True)
    again = json.dumps(request_body(request, mode), sort_keys=True)
    assert once == again


def test_the_cache_key_schema_is_made_once_and_is_the_models_own() -> None:
    request = ModelRequest(
        model="m",
        messages=[{"role": "user", "content": "u"}],
        response_model=ExtractionResult,
        temperature=0.0,
        seed=None,
        max_tokens=10,
        max_reasks=0,
    )
    first, second = request.key_parts()["response_model"], request.key_parts()["response_model"]
    assert first is second
    assert json.dumps(first, sort_keys=True) == json.dumps(
        ExtractionResult.model_json_schema(), sort_keys=True
    )
