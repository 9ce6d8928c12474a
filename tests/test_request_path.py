"""The live request path without instructor's client (issue #18 point 1): synth prepares the
body with instructor's request preparation once per response model and format, sends it with
openai's client and runs instructor's re-ask loop itself. These tests hold it to instructor's
own client: the same bytes on the wire, request after request, re-asks included, and the same
outcome; and instructor's per-call walk of the response model's types is not made per request.
"""

from __future__ import annotations

import asyncio
from typing import Any

import instructor
import openai
import pytest
from instructor.core.exceptions import InstructorRetryException
from pydantic import BaseModel

from synth.config import resolve_settings
from synth.errors import ModelError
from synth.extract.schema import ExtractionResponse
from synth.llm import (
    _INSTRUCTOR_MODES,
    CONNECT_TIMEOUT_SECONDS,
    HTTP,
    ModelClient,
    ModelRequest,
    _sent,
    _short,
    prepared_model,
)
from tests.fault_server import FaultServer

ARTICLE = (
    "Officials said 12,000 troops had arrived by Monday. The ministry denied the report. "
    "About 300 people were hurt in the fighting, according to the local hospital."
)
MESSAGES = [
    {"role": "system", "content": "Extract the claims of the article as JSON."},
    {"role": "user", "content": f"<article>\n{ARTICLE}\n</article>"},
]
KEY = "sk-request-path-test-0123456789"
# The bound synth puts on a request, given to instructor's client too (openai sends it as a header).
TIMEOUT = HTTP.Timeout(60.0, connect=CONNECT_TIMEOUT_SECONDS)


def a_request(response_model: type[BaseModel] = ExtractionResponse, max_reasks: int = 2) -> ModelRequest:
    return ModelRequest(
        model="fault-model",
        messages=MESSAGES,
        response_model=response_model,
        temperature=0.0,
        seed=7,
        max_tokens=800,
        max_reasks=max_reasks,
    )


class Sent:
    """The bytes and headers of every request an HTTP client sends."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        self.headers: list[dict[str, str]] = []

    async def __call__(self, request: Any) -> None:
        self.bodies.append(request.content)
        self.headers.append(dict(request.headers))


def synth_client(server: FaultServer, mode: str, sent: Sent) -> ModelClient:
    settings = resolve_settings(
        {},
        model="fault-model",
        base_url=server.base_url,
        api_key=KEY,
        mode=mode,
        max_retries=0,
        timeout=TIMEOUT.read,
    )
    client = ModelClient(settings)
    client._http.event_hooks = {"request": [sent], "response": []}
    return client


async def asked_by_instructor(server: FaultServer, mode: str, request: ModelRequest, sent: Sent) -> Any:
    """What instructor's own client, over openai's, makes of `request`: the value, or the
    InstructorRetryException it gives up with."""
    http = openai.DefaultAsyncHttpxClient(event_hooks={"request": [sent], "response": []})
    raw = openai.AsyncOpenAI(
        api_key=KEY, base_url=server.base_url, max_retries=0, timeout=TIMEOUT, http_client=http
    )
    client = instructor.from_openai(raw, mode=_INSTRUCTOR_MODES[mode])
    try:
        return await client.chat.completions.create(
            response_model=prepared_model(request.response_model),
            max_retries=request.max_reasks,
            **_sent(request, request.max_tokens),
        )
    except InstructorRetryException as error:
        return error
    finally:
        await raw.close()


async def asked_by_synth(server: FaultServer, mode: str, request: ModelRequest, sent: Sent) -> Any:
    client = synth_client(server, mode, sent)
    try:
        return await client.structured(request)
    except ModelError as error:
        return error
    finally:
        await client.close()


def text_of(completion: Any) -> Any:
    message = completion.choices[0].message
    return message.tool_calls[0].function.arguments if message.tool_calls else message.content


# The one header that differs between the two runs: each has a server of its own.
_PER_CLIENT_HEADERS = {"host"}


@pytest.mark.parametrize("mode", ["tools", "json_schema", "json", "md_json"])
@pytest.mark.parametrize(
    "faults",
    [(), ("schema",), ("malformed", "schema"), ("schema",) * 3, ("null_content",), ("schema", "500")],
    ids=["answered", "re-asked once", "re-asked twice", "re-asks ran out", "no content", "re-ask failed"],
)
def test_the_same_requests_and_outcome_as_instructors_client(mode: str, faults: tuple[str, ...]) -> None:
    request = a_request()
    by_instructor, by_synth = Sent(), Sent()
    # A server each: its answers are numbered (ids, tool call ids), and re-asks send them back.
    with FaultServer() as server:
        server.enqueue(*faults)
        expected = asyncio.run(asked_by_instructor(server, mode, request, by_instructor))
    with FaultServer() as server:
        server.enqueue(*faults)
        reply = asyncio.run(asked_by_synth(server, mode, request, by_synth))

    assert by_synth.bodies == by_instructor.bodies  # byte for byte, re-asks included
    for ours, theirs in zip(by_synth.headers, by_instructor.headers, strict=True):
        assert ours.pop("authorization") == theirs.pop("authorization") == f"Bearer {KEY}"
        assert {k: v for k, v in ours.items() if k not in _PER_CLIENT_HEADERS} == {
            k: v for k, v in theirs.items() if k not in _PER_CLIENT_HEADERS
        }
    if isinstance(expected, InstructorRetryException) and isinstance(expected.__cause__, openai.APIError):
        # The failed answer whose re-ask failed is kept, for the caller to salvage.
        assert isinstance(reply, ModelError) and "server had an error" in str(reply)
        assert reply.last_answer == text_of(expected.last_completion)
    elif isinstance(expected, InstructorRetryException):
        assert reply.value is None
        assert reply.error == _short(str(expected.__cause__))  # as synth always put it
        assert reply.reasks == request.max_reasks
        assert reply.unvalidated == text_of(expected.last_completion)
    else:
        assert reply.value is not None and reply.error is None
        assert reply.value.model_dump() == expected.model_dump()


def test_instructors_walk_of_the_response_model_is_made_once_not_per_request(monkeypatch) -> None:
    # instructor's client checks the response model for async validators it cannot run
    # (reject_async_validators, ~0.1 ms a call, several calls a request): synth's path makes
    # that check once per response model and request format.
    import instructor.v2.validation.async_validators as async_validators

    walks = []
    walk = async_validators.reject_async_validators

    def counted(model: Any) -> None:
        walks.append(model)
        walk(model)

    monkeypatch.setattr(async_validators, "reject_async_validators", counted)

    class FreshResponse(ExtractionResponse):  # a model no earlier test has prepared
        pass

    async def ask(times: int, sent: Sent) -> None:
        client = synth_client(server, "json_schema", sent)
        try:
            for _ in range(times):
                reply = await client.structured(a_request(FreshResponse))
                assert reply.value is not None
        finally:
            await client.close()

    with FaultServer() as server:
        asyncio.run(ask(1, Sent()))
        after_one = len(walks)
        sent = Sent()
        server.enqueue("schema")  # a re-ask too
        asyncio.run(ask(5, sent))
    assert after_one > 0  # the check is made: a model it refuses is still refused
    assert len(walks) == after_one and len(sent.bodies) == 6


def test_a_response_model_with_async_validators_is_still_refused() -> None:
    from instructor.v2.validation.async_validators import async_field_validator

    class AsyncChecked(ExtractionResponse):
        @async_field_validator("claims")
        async def checked(cls, value: Any) -> Any:  # pragma: no cover - never run
            return value

    async def ask() -> None:
        client = synth_client(server, "tools", Sent())
        try:
            await client.structured(a_request(AsyncChecked))
        finally:
            await client.close()

    with FaultServer() as server:
        with pytest.raises(ValueError, match="async validators are not supported"):
            asyncio.run(ask())
        assert server.request_count == 0


def test_the_token_counts_are_each_answers_own_across_re_asks() -> None:
    sent = Sent()

    async def ask() -> Any:
        client = synth_client(server, "tools", sent)
        try:
            await client.structured(a_request())
            return client.usage
        finally:
            await client.close()

    with FaultServer() as server:
        server.enqueue("schema", "schema")
        usage = asyncio.run(ask())
    # Each answer's usage counted as it came (the fault server reports a quarter of the
    # request's bytes as its prompt tokens), not the running sums instructor's loop writes
    # into the answers after its hook has seen them.
    assert usage.requests == 3 == len(sent.bodies)
    assert usage.prompt_tokens == sum(len(body) // 4 for body in sent.bodies)


@pytest.mark.parametrize("name, mode", [("extract_normal.yaml", None), ("extract_reask.yaml", "tools")])
def test_the_recorded_requests_are_sent_byte_for_byte(tmp_path, name: str, mode: str | None) -> None:
    # The cassette tests match a request on its parsed JSON; here every request, the first
    # in a format the server rejects and the re-asks included, must be the recorded bytes.
    import vcr

    from tests.cassettes import _PYDANTIC_VERSION_URL, CASSETTES, SECRET_HEADERS
    from tests.test_cassettes import LONG_ARTICLE, NORMAL_ARTICLE, live_settings, run

    def text(body: Any) -> str:
        raw = body.decode("utf-8") if isinstance(body, bytes) else body
        return _PYDANTIC_VERSION_URL.sub("errors.pydantic.dev/*/", raw)  # the recorder's pydantic

    def same_bytes(first: Any, second: Any) -> None:
        assert text(first.body) == text(second.body), "request bytes differ"

    recorder = vcr.VCR(
        cassette_library_dir=str(CASSETTES),
        record_mode="none",
        match_on=["method", "path", "raw_body"],
        filter_headers=SECRET_HEADERS,
        decode_compressed_response=True,
    )
    recorder.register_matcher("raw_body", same_bytes)
    settings = live_settings(tmp_path, **({"mode": mode} if mode else {}))
    with recorder.use_cassette(name) as cassette:
        report, _ = run(settings, [NORMAL_ARTICLE if mode is None else LONG_ARTICLE])
        assert cassette.all_played
    assert report.usage.requests == len(cassette.requests)
