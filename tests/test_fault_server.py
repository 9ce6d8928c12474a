"""The fault server behaves like an OpenAI-compatible endpoint, and fails exactly as asked."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.request
import weakref

import instructor
import openai
import pytest
from openai.types.chat import ChatCompletion
from pydantic import BaseModel, ValidationInfo, field_validator

from tests.fault_server import FaultServer, pick_quotes, sentences

ARTICLE = (
    "Headline: Troops on the move\n"
    "North Korea has sent about 10,000 soldiers to Russia, officials said on Friday. The move "
    "alarmed Seoul! Some 3,000 of them are already near the front, lawmakers said. Is the "
    "figure right? Nobody knows.\n"
    'The Pentagon estimated 12,000 troops by December. "It is a grave threat." He said 5 '
    "more units would follow."
)
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "ExtractionResponse",
            "description": "Claims found in the article.",
            "parameters": {"type": "object", "properties": {"claims": {"type": "array"}}},
        },
    }
]
SCHEMA_FORMAT = {
    "type": "json_schema",
    "json_schema": {
        "name": "ExtractionResponse",
        "schema": {"type": "object", "properties": {"claims": {"type": "array"}}},
    },
}


def messages(article: str | None = ARTICLE) -> list[dict[str, str]]:
    user = "Summarise nothing." if article is None else f"Article a1:\n\n<article>\n{article}\n</article>"
    return [
        {"role": "system", "content": "It appears between the markers <article> and </article>."},
        {"role": "user", "content": user},
    ]


_clients: weakref.WeakKeyDictionary[FaultServer, dict[float, openai.OpenAI]] = weakref.WeakKeyDictionary()


def client(server: FaultServer, timeout: float = 5.0) -> openai.OpenAI:
    """One client per server and timeout: building one costs more than a request here."""
    by_timeout = _clients.setdefault(server, {})
    if timeout not in by_timeout:
        by_timeout[timeout] = openai.OpenAI(
            base_url=server.base_url, api_key="sk-test", max_retries=0, timeout=timeout
        )
    return by_timeout[timeout]


def ask(server: FaultServer, timeout: float = 5.0, **kwargs) -> ChatCompletion:
    kwargs.setdefault("messages", messages())
    return client(server, timeout).chat.completions.create(model="m", **kwargs)


def claims_of(completion: ChatCompletion) -> list[dict]:
    message = completion.choices[0].message
    if message.tool_calls:
        return json.loads(message.tool_calls[0].function.arguments)["claims"]
    content = message.content or ""
    if content.startswith("```json\n"):
        content = content.removeprefix("```json\n").removesuffix("\n```")
    return json.loads(content)["claims"]


@pytest.fixture
def server():
    with FaultServer() as running:
        yield running


# --- normal answers ---------------------------------------------------------------------------


def test_sentences_are_exact_substrings_and_digits_come_first():
    found = sentences(ARTICLE)
    assert all(s in ARTICLE for s in found)
    assert "The move alarmed Seoul!" in found and "Is the figure right?" in found
    assert '"It is a grave threat."' in found
    assert pick_quotes(ARTICLE, 3) == [
        "North Korea has sent about 10,000 soldiers to Russia, officials said on Friday.",
        "Some 3,000 of them are already near the front, lawmakers said.",
        "The Pentagon estimated 12,000 troops by December.",
    ]
    assert pick_quotes("No figures here. None at all.", 5) == ["No figures here.", "None at all."]


def test_models_endpoint(server):
    models = client(server).models.list()
    assert [m.id for m in models.data] == ["fault-model"]
    with urllib.request.urlopen(server.base_url + "/models", timeout=5) as response:
        assert json.load(response) == {
            "object": "list",
            "data": [{"id": "fault-model", "object": "model", "created": 0, "owned_by": "synth-tests"}],
        }
    assert server.request_count == 0  # only chat completions are counted


def test_tools_mode_answers_with_a_tool_call_quoting_the_article(server):
    completion = ask(
        server, tools=TOOLS, tool_choice={"type": "function", "function": {"name": "ExtractionResponse"}}
    )
    assert isinstance(completion, ChatCompletion)
    assert completion.object == "chat.completion" and completion.model == "m"
    choice = completion.choices[0]
    assert choice.finish_reason == "tool_calls" and choice.message.content is None
    assert choice.message.role == "assistant"
    call = choice.message.tool_calls[0]
    assert call.type == "function" and call.function.name == "ExtractionResponse"
    assert call.id.startswith("call_")
    claims = claims_of(completion)
    assert [c["quote"] for c in claims] == pick_quotes(ARTICLE, 5) and len(claims) == 4
    assert all(c["quote"] in ARTICLE and any(ch.isdigit() for ch in c["quote"]) for c in claims)
    assert claims[0] == {
        "quote": "North Korea has sent about 10,000 soldiers to Russia, officials said on Friday.",
        "statement": "North Korea has sent about 10,000 soldiers to Russia, officials said on Friday.",
        "attributed_to": None,
        "stance": "reported",
        "quantities": [],
        "dates": [],
    }
    body = server.requests[0]
    expected_prompt_tokens = len(json.dumps(body, separators=(",", ":")).encode()) // 4
    assert abs(completion.usage.prompt_tokens - expected_prompt_tokens) <= 2
    assert completion.usage.completion_tokens == len(call.function.arguments) // 4
    usage = completion.usage
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    assert server.served == {"ok": 1}


@pytest.mark.parametrize("kind", ["json_schema", "json_object"])
def test_json_modes_answer_in_content(server, kind):
    response_format = SCHEMA_FORMAT if kind == "json_schema" else {"type": "json_object"}
    completion = ask(server, response_format=response_format)
    choice = completion.choices[0]
    assert choice.finish_reason == "stop" and not choice.message.tool_calls
    claims = json.loads(choice.message.content)["claims"]
    assert claims and all(c["quote"] in ARTICLE for c in claims)
    assert server.requests[0]["response_format"]["type"] == kind


def test_plain_request_gets_a_fenced_json_block():
    with FaultServer(claims_per_article=2) as server:
        completion = ask(server)
    content = completion.choices[0].message.content
    assert content.startswith("```json\n") and content.endswith("\n```")
    assert [c["quote"] for c in claims_of(completion)] == pick_quotes(ARTICLE, 2)


def test_request_without_article_markers_gets_zero_claims(server):
    completion = ask(server, messages=messages(None), response_format={"type": "json_object"})
    assert json.loads(completion.choices[0].message.content) == {"claims": []}
    assert server.served == {"ok": 1}


class Quoted(BaseModel):
    quote: str

    @field_validator("quote")
    @classmethod
    def in_article(cls, quote: str, info: ValidationInfo) -> str:
        if quote not in (info.context or {}).get("article", quote):
            raise ValueError("this quote is not in the article")
        return quote


class Quotes(BaseModel):
    claims: list[Quoted]


@pytest.mark.parametrize("mode", ["TOOLS", "JSON_SCHEMA", "JSON", "MD_JSON"])
def test_instructor_reasks_through_faults_in_every_mode(server, mode):
    server.enqueue("invented", "malformed", "schema")
    patched = instructor.from_openai(client(server), mode=instructor.Mode[mode])
    result = patched.chat.completions.create(
        model="m", messages=messages(), response_model=Quotes, max_retries=4, context={"article": ARTICLE}
    )
    assert [c.quote for c in result.claims] == pick_quotes(ARTICLE, 5)
    assert server.served == {"invented": 1, "malformed": 1, "schema": 1, "ok": 1}
    assert len(server.requests[-1]["messages"]) > len(messages())  # the re-asks carried the errors


# --- faults -----------------------------------------------------------------------------------


def test_rate_limit_with_retry_after(server):
    server.enqueue("429", "429:3")
    with pytest.raises(openai.RateLimitError) as caught:
        ask(server)
    assert caught.value.response.headers["retry-after"] == "1"
    assert caught.value.code == "rate_limit_exceeded"
    with pytest.raises(openai.RateLimitError) as caught:
        ask(server)
    assert caught.value.response.headers["retry-after"] == "3"
    ask(server)  # the queue is empty again
    assert server.served == {"429": 2, "ok": 1}


@pytest.mark.parametrize("fault", ["500", "503"])
def test_server_errors(server, fault):
    server.enqueue(fault)
    with pytest.raises(openai.InternalServerError) as caught:
        ask(server)
    assert caught.value.status_code == int(fault)
    assert "The server had an error" in caught.value.message
    assert server.served == {fault: 1}


def test_bad_api_key(server):
    server.enqueue("401")
    with pytest.raises(openai.AuthenticationError) as caught:
        ask(server)
    assert caught.value.code == "invalid_api_key"


def test_dropped_connection(server):
    server.enqueue("drop")
    with pytest.raises(openai.APIConnectionError):
        ask(server)
    assert ask(server).choices  # the server carries on
    assert server.served == {"drop": 1, "ok": 1}


def test_slow_answer_times_out_the_client(server):
    server.enqueue("slow:3")
    started = time.monotonic()
    with pytest.raises(openai.APITimeoutError):
        ask(server, timeout=0.5)
    assert time.monotonic() - started < 2
    assert server.served == {"slow": 1}


def test_slow_answer_arrives_for_a_patient_client(server):
    server.enqueue("slow:0.2")
    assert claims_of(ask(server, timeout=5))
    assert server.served == {"slow": 1}


@pytest.mark.parametrize("tools", [True, False])
def test_malformed_and_schema_violating_answers(server, tools):
    server.enqueue("malformed", "schema")
    extra = {"tools": TOOLS} if tools else {"response_format": {"type": "json_object"}}
    bad = ask(server, **extra)
    message = bad.choices[0].message
    text = message.tool_calls[0].function.arguments if tools else message.content
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)
    assert claims_of(ask(server, **extra)) == [{"statement": 42}]
    assert server.served == {"malformed": 1, "schema": 1}


def test_invented_quotes_are_not_in_the_article(server):
    server.enqueue("invented")
    claims = claims_of(ask(server, tools=TOOLS))
    assert claims and all(c["quote"] not in ARTICLE for c in claims)
    assert "North Korea sent 99,999 troops to the Moon on Tuesday." in [c["quote"] for c in claims]
    assert server.served == {"invented": 1}


def test_unknown_faults_are_refused_at_enqueue(server):
    for fault in ("418", "slow", "500:2", "slow:soon"):
        with pytest.raises(ValueError):
            server.enqueue(fault)
    assert server.pending_faults == []


# --- rejected modes ---------------------------------------------------------------------------


def test_json_schema_rejected_like_llama_cpp_python():
    with FaultServer(reject_modes={"json_schema"}) as server:
        server.enqueue("429")
        with pytest.raises(openai.InternalServerError) as caught:
            ask(server, response_format=SCHEMA_FORMAT)
        assert "json_schema" in caught.value.message
        assert caught.value.body["type"] == "internal_server_error"
        assert server.pending_faults == ["429"]  # a rejection does not use up a queued fault
        with pytest.raises(openai.RateLimitError):
            ask(server, response_format={"type": "json_object"})
        assert claims_of(ask(server, response_format={"type": "json_object"}))
        assert claims_of(ask(server, tools=TOOLS))
        assert server.served == {"rejected_mode": 1, "429": 1, "ok": 2}


def test_tools_rejected():
    with FaultServer(reject_modes={"tools"}) as server:
        with pytest.raises(openai.BadRequestError) as caught:
            ask(server, tools=TOOLS)
        assert caught.value.param == "tools"
        assert claims_of(ask(server))
        assert server.served == {"rejected_mode": 1, "ok": 1}


def test_unknown_reject_mode_is_refused():
    with pytest.raises(ValueError):
        FaultServer(reject_modes={"streaming"})


# --- bookkeeping and lifecycle ----------------------------------------------------------------


def test_requests_and_counters_are_recorded_in_order(server):
    server.enqueue("500", "drop")
    for n in range(4):
        try:
            ask(server, messages=[{"role": "user", "content": f"request {n}"}])
        except openai.APIError:
            pass
    assert [r["messages"][0]["content"] for r in server.requests] == [f"request {n}" for n in range(4)]
    assert all(r["model"] == "m" for r in server.requests)
    assert server.request_count == 4
    assert server.served == {"500": 1, "drop": 1, "ok": 2}


def test_latency_and_concurrent_requests_are_thread_safe():
    with FaultServer(latency=0.2) as server:
        shared = client(server)
        errors: list[BaseException] = []

        def one() -> None:
            try:
                shared.chat.completions.create(model="m", messages=messages())
            except BaseException as error:  # noqa: BLE001 - reported below
                errors.append(error)

        started = time.monotonic()
        threads = [threading.Thread(target=one) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
    assert not errors
    assert 0.2 <= elapsed < 1.5  # answered in parallel, each after the latency
    assert server.request_count == 8 and len(server.requests) == 8
    assert server.served == {"ok": 8}
    assert server.max_in_flight > 1


def test_keep_alive_connection_is_reused(server):
    shared = client(server)
    for _ in range(3):
        shared.chat.completions.create(model="m", messages=messages())
    assert server.served == {"ok": 3}
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as raw:
        body = json.dumps({"model": "m", "messages": messages()}).encode()
        request = (
            b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
        )
        reader = raw.makefile("rb")
        for _ in range(2):  # two requests on one connection
            raw.sendall(request)
            status = reader.readline()
            assert status.startswith(b"HTTP/1.1 200")
            headers = {}
            while (line := reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode().partition(":")
                headers[name.strip().lower()] = value.strip()
            assert json.loads(reader.read(int(headers["content-length"])))["object"] == "chat.completion"


def test_binds_loopback_and_really_stops():
    server = FaultServer().start()
    assert server.base_url == f"http://127.0.0.1:{server.port}/v1" and server.port > 0
    idle = socket.create_connection(("127.0.0.1", server.port), timeout=5)  # an idle keep-alive
    server.enqueue("slow:30")
    outcome: list[BaseException] = []

    def wait_for_the_slow_answer() -> None:
        try:
            ask(server, timeout=30)
        except openai.APIError as error:
            outcome.append(error)

    pending = threading.Thread(target=wait_for_the_slow_answer)
    pending.start()
    deadline = time.monotonic() + 5
    while server.served["slow"] == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 2.5  # neither the sleeper nor the idle connection holds it up
    pending.join(timeout=5)
    assert not pending.is_alive()
    assert [type(e) for e in outcome] == [openai.APIConnectionError]  # dropped, not answered
    assert idle.recv(1) == b""  # the idle connection was closed
    idle.close()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", server.port), timeout=1).close()
    assert not server.running
    server.stop()  # stopping twice is harmless


def test_context_manager_stops_the_server():
    with FaultServer() as server:
        port = server.port
        assert ask(server).choices
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


# --- one slot: a local model's server ---------------------------------------------------------


def wait_until_idle(server: FaultServer, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while server.in_flight and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.in_flight == 0


def in_threads(*calls) -> list[BaseException | None]:
    """Runs each call in its own thread, started in order; what each raised, or None."""
    outcomes: list[BaseException | None] = [None] * len(calls)

    def run(index: int, call) -> None:
        try:
            call()
        except BaseException as error:  # noqa: BLE001 - returned to the test
            outcomes[index] = error

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
        time.sleep(0.05)  # arrival order is the order given
    for thread in threads:
        thread.join()
    return outcomes


def test_one_slot_serves_requests_one_after_another_in_arrival_order():
    with FaultServer(latency=0.2, one_slot=True) as server:
        arrivals_in_finishing_order: list[int] = []

        def one() -> None:
            completion = ask(server)
            arrivals_in_finishing_order.append(int(completion.id.removeprefix("chatcmpl-fault")))

        started = time.monotonic()
        assert in_threads(one, one, one) == [None, None, None]
        elapsed = time.monotonic() - started
    assert arrivals_in_finishing_order == [1, 2, 3]
    assert elapsed >= 3 * 0.2  # the parallel server answers all three in one latency
    assert server.served == {"ok": 3} and server.max_in_flight >= 2  # held at once, served in turn
    assert (server.skipped, server.abandoned) == (0, 0)


def test_one_slot_skips_a_request_whose_client_left_while_it_waited_and_counts_the_one_served_for_nobody():
    with FaultServer(latency=0.4, one_slot=True) as server:
        patient = lambda: ask(server, timeout=5)  # noqa: E731
        impatient = lambda: ask(server, timeout=0.2)  # noqa: E731 - leaves while queued
        outcomes = in_threads(patient, impatient)
        assert outcomes[0] is None and isinstance(outcomes[1], openai.APITimeoutError)
        with pytest.raises(openai.APITimeoutError):
            ask(server, timeout=0.2)  # leaves while its request is being served
        wait_until_idle(server)
        assert (server.skipped, server.abandoned) == (1, 1)
        assert server.request_count == 3


def test_one_slot_counts_a_request_that_arrives_while_its_twin_is_still_held():
    with FaultServer(latency=0.3, one_slot=True) as server:
        same = lambda: ask(server)  # noqa: E731
        other = lambda: ask(server, messages=messages("Another article, 5 lines."))  # noqa: E731
        assert in_threads(same, other, same) == [None, None, None]
    assert server.duplicates == 1 and server.served == {"ok": 3}
