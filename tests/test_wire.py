"""What a server sends back, judged without I/O (synth.wire), and what is kept of a reply cut
off at the token cap (synth.salvage)."""

from __future__ import annotations

import base64
import json
import random
import time

import pytest

from synth.salvage import after_reasks, before_the_cut, looks_looping
from synth.wire import (
    completion_problem,
    display_url,
    repaired_utf8,
    retry_after_seconds,
    retry_delay,
    scrub_bytes,
    strip_url_credentials,
    url_secrets,
)

NOW = 1_700_000_000.0  # 2023-11-14 22:13:20 UTC


# --- Retry-After ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, seconds",
    [
        ("3", 3.0),
        ("0", 0.0),
        (" 7 ", 7.0),
        ("0.25", 0.25),
        ("999999999999", 999999999999.0),
        ("Tue, 14 Nov 2023 22:13:50 GMT", 30.0),  # an HTTP-date 30 s from now
        ("Tue, 14 Nov 2023 22:13:50 -0000", 30.0),  # RFC 5322's "zone unknown": read as UTC
        ("Tue, 14 Nov 2023 22:13:50", 30.0),  # no zone at all
        ("Tue, 14 Nov 2023 23:13:50 +0100", 30.0),
        ("Sun, 06 Nov 1994 08:49:37 GMT", 0.0),  # in the past: at once
    ],
)
def test_retry_after_in_seconds_or_as_an_http_date(value, seconds):
    assert retry_after_seconds({"retry-after": value}, NOW) == pytest.approx(seconds)


@pytest.mark.parametrize(
    "value",
    [
        "soon",
        "Wed, 99 Foo 2024 99:99:99 GMT",
        "Fri, 31 Dec 99999 23:59:59 GMT",
        "nan",
        "inf",
        "-3",
        "1e400",
        "",
        "\t",
        "3 seconds",
        "0x10",
        "٣",  # an Arabic-Indic three
        "Mon, 32 Jan 2024 10:00:00 GMT",
        "x" * 10_000,
    ],
)
def test_a_retry_after_that_is_neither_is_ignored(value):
    assert retry_after_seconds({"retry-after": value}, NOW) is None


def test_retry_after_ms_comes_first_and_anything_but_a_mapping_is_no_header():
    assert retry_after_seconds({"retry-after-ms": "250", "retry-after": "9"}, NOW) == 0.25
    assert retry_after_seconds({"retry-after-ms": "soon", "retry-after": "9"}, NOW) == 9.0
    assert retry_after_seconds(None, NOW) is None
    assert retry_after_seconds({"retry-after": 5}, NOW) is None  # not text


def test_the_wait_is_what_the_server_asked_up_to_a_cap_else_a_capped_backoff():
    def top(low: float, high: float) -> float:
        return high

    assert retry_delay(3.0, 1, 0.5, 20.0, 60.0, top) == 3.0
    assert retry_delay(1e12, 1, 0.5, 20.0, 60.0, top) == 60.0
    assert [retry_delay(None, n, 0.5, 20.0, 60.0, top) for n in (1, 2, 3, 7, 10_000)] == [
        0.5,
        1.0,
        2.0,
        20.0,
        20.0,
    ]
    drawn = [retry_delay(None, 3, 0.5, 20.0, 60.0, random.uniform) for _ in range(50)]
    assert all(1.0 <= d <= 2.0 for d in drawn) and len(set(drawn)) > 1  # jittered


# --- addresses and secrets --------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, shown",
    [
        ("http://user:key@host:8080/v1", "http://host:8080/v1"),
        ("https://sk-abc123@api.example.com/v1?api-key=sk-xyz#frag", "https://api.example.com/v1"),
        ("http://[::1]:8000/v1", "http://[::1]:8000/v1"),
        ("http://u:p@127.0.0.1/v1", "http://127.0.0.1/v1"),
        ("https://api.openai.com/v1", "https://api.openai.com/v1"),
        ("http://u:p@host:notaport/v1?k=1", "http://host:notaport/v1"),
    ],
)
def test_an_address_is_shown_without_credentials_query_or_fragment(url, shown):
    assert display_url(url) == shown


def test_credentials_in_any_url_of_a_message_are_stripped():
    message = "POST http://alice:s3cret@10.0.0.2:8000/v1/chat failed; see https://x:y@z/docs"
    assert strip_url_credentials(message) == "POST http://10.0.0.2:8000/v1/chat failed; see https://z/docs"


def test_the_secrets_of_a_url_include_the_basic_auth_token_sent_for_them():
    users, passwords = url_secrets("http://al%20ice:p%40ss@host/v1")
    assert users == ["al%20ice", "al ice"]
    token = base64.b64encode(b"al ice:p@ss").decode()
    assert passwords == ["al%20ice:p%40ss", "al ice:p@ss", "p%40ss", "p@ss", token]
    assert url_secrets("http://host/v1") == ([], [])
    assert url_secrets(None) == ([], [])


def test_a_secret_is_scrubbed_from_a_body_as_written_and_as_json_escapes_it():
    secret = 'k/e"y-123'
    # As written, as JSON escapes it, and as an encoder that also escapes "/" does.
    body = b'{"a": "k/e\\"y-123", "b": "k\\/e\\"y-123"} k/e"y-123'
    scrubbed = scrub_bytes(body, [secret])
    assert b"k/e" not in scrubbed and b"k\\/e" not in scrubbed and scrubbed.count(b"***") == 3
    assert scrub_bytes(b"nothing here", [secret, ""]) == b"nothing here"


def test_bytes_that_are_not_utf8_become_replacement_characters():
    assert repaired_utf8(b'{"a": "ok \xff\xfe"}') == '{"a": "ok \ufffd\ufffd"}'.encode()
    assert repaired_utf8('{"a": "café"}'.encode()) == '{"a": "café"}'.encode()


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32", "utf-8-sig"])
def test_json_in_another_unicode_encoding_becomes_utf8(encoding):
    assert repaired_utf8('{"a": "café"}'.encode(encoding)) == '{"a": "café"}'.encode()


def test_json_nested_deeper_than_python_goes_is_no_object():
    from synth.salvage import json_object

    assert json_object("[" * 100_000 + "]" * 100_000) is None
    assert before_the_cut('{"claims": ' + "[" * 100_000) is None


# --- a 2xx that is no chat completion ---------------------------------------------------------

COMPLETION = {"choices": [{"message": {"role": "assistant", "content": "{}"}}]}


@pytest.mark.parametrize(
    "body, content_type, said, transient",
    [
        (b"", "application/json", "an empty body", True),
        (b"  \n", None, "an empty body", True),
        (b'{"choices": [{"mess', "application/json", "JSON that is cut off or malformed (19 bytes)", True),
        (b"<html>hi</html>", "text/html; charset=utf-8", "a text/html page, not JSON", False),
        (b"data: {}\n\n", "text/event-stream", "text/event-stream content, not JSON", False),
        (b"[1, 2]", "application/json", "a JSON list, not a chat completion", True),
        (b'"text"', "application/json", "a JSON string, not a chat completion", True),
        (b"null", "application/json", "a JSON null, not a chat completion", True),
        (b"1e999", "application/json", "a JSON number, not a chat completion", True),
        (
            b'{"error": {"message": "overloaded"}}',
            "application/json",
            "an error instead of an answer: overloaded",
            True,
        ),
        (b'{"error": "boom"}', None, "an error instead of an answer: boom", True),
        (b'{"choices": []}', "application/json", "no answer in it (no choices)", True),
        (b'{"choices": {"0": 1}}', "application/json", "no answer in it (no choices)", True),
        (b'{"choices": [null]}', "application/json", "a choice without a message", True),
        (b'{"choices": [{"message": "hi"}]}', "application/json", "a choice without a message", True),
        (b"[" * 100_000 + b"]" * 100_000, "application/json", "JSON nested too deeply", False),
    ],
    ids=lambda value: repr(value)[:40],
)
def test_what_makes_a_2xx_answer_unusable(body, content_type, said, transient):
    problem = completion_problem(body, content_type)
    assert problem is not None and said in problem[0] and problem[1] is transient


def test_a_chat_completion_is_usable_whatever_its_content_type_says():
    body = json.dumps(COMPLETION).encode()
    assert completion_problem(body, "application/json") is None
    assert completion_problem(body, "text/plain") is None
    assert completion_problem(body, None) is None


# --- a reply cut off at the token cap ---------------------------------------------------------


def test_a_cut_off_answer_keeps_the_whole_items_of_its_top_level_lists():
    claims = [{"quote": f"q{n}", "quantities": [{"value": n}], "note": 'a } ] " in text'} for n in range(3)]
    text = json.dumps({"claims": claims})
    for cut in range(len(text)):
        kept = before_the_cut(text[:cut])
        if kept is not None:
            # Never an item closed early: each one kept is one of the originals, in order.
            assert kept["claims"] == claims[: len(kept["claims"])]
    assert before_the_cut(text[: len(text) - 30]) == {"claims": claims[:2]}
    assert before_the_cut(text) == {"claims": claims}


def test_a_cut_off_reconcile_answer_keeps_whole_facts_and_sentences_only():
    answer = {
        "facts": [{"statement": "A.", "claim_ids": ["C1", "C2"]}],
        "overview": [{"text": "One.", "claim_ids": ["C1"]}, {"text": "Two.", "claim_ids": ["C1", "C2"]}],
    }
    text = json.dumps(answer)
    cut = text.index('"C2"]}]}') + 2  # inside the last sentence's claim ids
    assert before_the_cut(text[:cut]) == {"facts": answer["facts"], "overview": answer["overview"][:1]}
    # A fact cut inside its claim ids is not kept citing only some of them.
    cut = text.index('"C2"') + 2
    assert before_the_cut(text[:cut]) is None


@pytest.mark.parametrize("text", ["", "nonsense", "}}}", '{"a": [}', "[1, 2, 3", '{"claims": [{'])
def test_nothing_whole_before_the_cut_is_none(text):
    assert before_the_cut(text) is None


def test_a_fenced_cut_off_answer_is_read_after_its_fence():
    assert before_the_cut('```json\n{"claims": [{"q": 1}, {"q": ') == {"claims": [{"q": 1}]}


def test_a_cut_off_answer_of_any_size_is_read_in_bounded_time():
    """A hostile server can send 16 MB marked as cut off: only the first 2 million characters
    are read, and the last whole item is found in a few parses, not one per item."""
    item = json.dumps({"quote": "The same sentence.", "quantities": [{"value": 1}]})
    text = '{"claims": [' + ", ".join([item] * 300_000)
    started = time.perf_counter()
    kept = before_the_cut(text)
    assert time.perf_counter() - started < 15  # about 1.5 s on this project's 2 cores
    assert kept is not None and 0 < len(kept["claims"]) < 300_000
    assert set(map(json.dumps, kept["claims"])) == {item}


def test_an_answer_repeating_itself_to_the_cap_is_looping():
    item = json.dumps({"quote": "The same sentence again.", "statement": "Same."})
    assert looks_looping('{"claims": [' + ", ".join([item] * 40))
    varied = ", ".join(json.dumps({"quote": f"Sentence number {n} says {n * 7}."}) for n in range(40))
    assert not looks_looping('{"claims": [' + varied)
    assert not looks_looping("short")


def test_re_asks_are_said_as_they_ran():
    assert [after_reasks(n) for n in (None, 0, 1, 2)] == [
        "after its re-asks",
        "and was not re-asked",
        "after 1 re-ask",
        "after 2 re-asks",
    ]
