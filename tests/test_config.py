from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from synth.config import (
    DEFAULT_TIMEOUT_SECONDS,
    LOCAL_SERVER_TIMEOUT_SECONDS,
    Settings,
    default_cache_dir,
    is_local_address,
    resolve_settings,
)
from synth.errors import ConfigError
from synth.pricing import PRICES_PER_MILLION, Price
from tests.fault_server import FaultServer
from tests.stories import run_synth_cli, write_story


def test_arguments_beat_environment_beat_defaults(tmp_path: Path):
    env = {
        "SYNTH_MODEL": "env-model",
        "OPENAI_BASE_URL": "http://env/v1",
        "OPENAI_API_KEY": "sk-env",
        "SYNTH_CACHE_DIR": str(tmp_path / "env-cache"),
    }
    from_env = resolve_settings(env)
    assert (from_env.model, from_env.base_url, from_env.api_key) == ("env-model", "http://env/v1", "sk-env")
    assert from_env.cache_dir == tmp_path / "env-cache"
    given = resolve_settings(env, model="arg-model", cache_dir=tmp_path / "arg-cache")
    assert given.model == "arg-model" and given.cache_dir == tmp_path / "arg-cache"
    assert given.base_url == "http://env/v1"
    defaults = resolve_settings({})
    assert defaults.model is None and not defaults.uses_model and defaults.concurrency == 4


def test_offline_wins_over_a_configured_model():
    assert not resolve_settings({"SYNTH_MODEL": "m"}, offline=True).uses_model
    assert resolve_settings({"SYNTH_MODEL": "m"}).uses_model


def test_the_api_key_is_never_in_the_settings_repr():
    assert "sk-secret" not in repr(resolve_settings({"OPENAI_API_KEY": "sk-secret"}))


def test_default_cache_dir_follows_xdg(tmp_path: Path):
    assert default_cache_dir({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "synth"


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"mode": "xml"}, "unknown mode"),
        ({"concurrency": 0}, "concurrency"),
        ({"chunk_chars": 100}, "chunk size"),
        ({"chunk_overlap": 4000}, "overlap"),
        ({"timeout": 0}, "timeout"),
        ({"colour": "red"}, "unknown setting"),
        # NaN passes every comparison, infinity every lower bound.
        ({"timeout": float("nan")}, "timeout must be a finite number, not nan"),
        ({"timeout": float("inf")}, "timeout must be a finite number, not inf"),
        ({"concurrency": float("nan")}, "concurrency must be a finite number, not nan"),
        ({"chunk_chars": float("inf")}, "chunk chars must be a finite number, not inf"),
        ({"max_bytes": float("inf")}, "max bytes must be a finite number, not inf"),
        ({"temperature": float("nan")}, "temperature must be a finite number, not nan"),
        ({"max_bytes": "inf"}, "max bytes must be a finite number, not inf"),
        ({"fetch_timeout": float("-inf")}, "fetch timeout must be a finite number, not -inf"),
        # Negative values.
        ({"max_retries": -1}, "max retries must be zero or more"),
        ({"temperature": -0.5}, "temperature must be zero or more"),
        ({"chunk_overlap": -1}, "overlap"),
        ({"max_bytes": -1}, "max bytes must be positive"),
        ({"fetch_timeout": -2}, "fetch timeout must be positive"),
        # Values of the wrong kind, including text that does not say a value.
        ({"concurrency": "four"}, "concurrency must be a whole number, not 'four'"),
        ({"concurrency": 4.5}, "concurrency must be a whole number, not 4.5"),
        ({"offline": "maybe"}, "offline must be true or false, not 'maybe'"),
        ({"offline": 2}, "offline must be true or false, not 2"),
        ({"timeout": "soon"}, "timeout must be a number, not 'soon'"),
        ({"reconcile": "bogus"}, "unknown reconcile 'bogus': choose one of auto, model, rules"),
        ({"reconcile": "model"}, "--reconcile model needs a model"),
        ({"prices": {"m": [1]}}, 'prices: "m": expected \\[input, output\\]'),
    ],
)
def test_bad_values_are_config_errors(overrides, message):
    with pytest.raises(ConfigError, match=message) as raised:
        resolve_settings({}, **overrides)
    assert "\n" not in str(raised.value)


def test_settings_made_directly_are_checked_the_same_way():
    with pytest.raises(ConfigError, match="concurrency must be at least 1"):
        Settings(concurrency=0)
    with pytest.raises(ConfigError, match="unknown setting\\(s\\): colour"):
        Settings(colour="red")


def test_settings_are_frozen():
    settings = resolve_settings({})
    with pytest.raises(ValidationError):
        settings.concurrency = 8  # type: ignore[misc]


@pytest.mark.parametrize(
    "overrides, expected",
    [
        ({"concurrency": "4"}, {"concurrency": 4}),
        ({"offline": "no"}, {"offline": False}),
        ({"offline": "yes"}, {"offline": True}),
        ({"offline": "0"}, {"offline": False}),
        ({"use_cache": "false"}, {"use_cache": False}),
        ({"timeout": "30"}, {"timeout": 30.0}),
        ({"max_bytes": 2048.0}, {"max_bytes": 2048}),
        ({"cache_dir": "/tmp/synth-cache"}, {"cache_dir": Path("/tmp/synth-cache")}),
    ],
)
def test_values_given_as_text_are_read_as_what_they_say(overrides, expected):
    settings = resolve_settings({}, **overrides)
    assert {name: getattr(settings, name) for name in expected} == expected


@pytest.mark.parametrize(
    "text, offline", [("1", True), ("true", True), ("YES", True), ("0", False), ("no", False), ("off", False)]
)
def test_synth_offline_says_yes_or_no(text, offline):
    assert resolve_settings({"SYNTH_OFFLINE": text}).offline is offline


def test_a_synth_offline_that_says_neither_is_one_line():
    with pytest.raises(ConfigError, match="^SYNTH_OFFLINE='maybe': say 1 or 0"):
        resolve_settings({"SYNTH_OFFLINE": "maybe"})


def precedence_cases(tmp_path: Path) -> dict[str, tuple[dict[str, str], object, object]]:
    """For every Settings field: the environment that sets it (empty if none does), the value
    that environment gives, and a value given as an argument, unlike both."""
    prices = tmp_path / "prices.json"
    prices.write_text(json.dumps({"env-model": [1, 2]}))
    return {
        "offline": ({"SYNTH_OFFLINE": "1"}, True, False),
        "model": ({"SYNTH_MODEL": "env-model"}, "env-model", "arg-model"),
        "api_key": ({"OPENAI_API_KEY": "sk-env"}, "sk-env", "sk-arg"),
        "base_url": ({"OPENAI_BASE_URL": "http://env/v1"}, "http://env/v1", "http://arg/v1"),
        "mode": ({"SYNTH_MODE": "json"}, "json", "md_json"),
        "reconcile": ({"SYNTH_RECONCILE": "rules"}, "rules", "auto"),
        "cache_dir": ({"SYNTH_CACHE_DIR": str(tmp_path / "env")}, tmp_path / "env", tmp_path / "arg"),
        "prices": (
            {"SYNTH_PRICES": str(prices)},
            {**PRICES_PER_MILLION, "env-model": Price(1.0, 2.0)},
            {"arg-model": Price(3.0, 4.0, 1.0)},
        ),
        "timeout": ({}, None, 30.0),
        "max_retries": ({}, None, 1),
        "concurrency": ({}, None, 2),
        "chunk_chars": ({}, None, 3000),
        "chunk_overlap": ({}, None, 100),
        "use_cache": ({}, None, False),
        "max_bytes": ({}, None, 1000),
        "fetch_timeout": ({}, None, 5.0),
        "temperature": ({}, None, 0.7),
        "max_output_tokens": ({}, None, 256),
        "seed": ({}, None, 7),
        "reconcile_budget_tokens": ({}, None, 9000),
        "show_progress": ({}, None, True),
    }


def test_precedence_covers_every_field(tmp_path: Path):
    assert set(precedence_cases(tmp_path)) == set(Settings.model_fields)


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_argument_beats_environment_beats_default_field_by_field(name: str, tmp_path: Path):
    cases = precedence_cases(tmp_path)
    # Every variable set at once: a field's value must come from its own variable alone.
    every_variable = {key: value for env, _, _ in cases.values() for key, value in env.items()}
    env, from_env, argument = cases[name]
    default = resolve_settings({}).model_dump()[name]
    assert default == (default_cache_dir({}) if name == "cache_dir" else Settings().model_dump()[name])
    assert getattr(resolve_settings(every_variable), name) == (from_env if env else default)
    assert getattr(resolve_settings(every_variable, **{name: argument}), name) == argument
    # Each value tells its origin apart: the test could not pass by taking the wrong one.
    assert argument != (from_env if env else default) and (not env or from_env != default)


@pytest.mark.parametrize(
    "content, reason",
    [
        (None, "cannot read prices (SYNTH_PRICES): No such file or directory"),
        ("{not json", "cannot read prices (SYNTH_PRICES): Expecting property name"),
        ("[0.5, 1.5]", 'expected an object such as {"my-model": [0.5, 1.5]}'),
        ('{"m": [0.5]}', '"m": expected [input, output]'),
        ('{"m": [0.5, 1, 0, 4]}', '"m": expected [input, output]'),
        ('{"m": [0.5, 1, 0]}', '"m": a batch share must be above 0 and at most 1, got 0'),
        ('{"m": [0.5, -1]}', "zero or more, got [0.5, -1]"),
        ('{"m": [NaN, 1]}', "got [NaN, 1]"),
        ('{"m": ["0.5", 1]}', 'got ["0.5", 1]'),
        ('{"m": 0.5}', "got 0.5"),
    ],
)
def test_a_bad_prices_file_is_one_line_naming_the_file(content, reason, tmp_path: Path):
    path = tmp_path / "prices.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(ConfigError) as raised:
        resolve_settings({"SYNTH_PRICES": str(path)})
    message = str(raised.value)
    assert message.startswith(f"{path}: ") and reason in message and "\n" not in message


def test_a_prices_file_adds_to_the_built_in_table(tmp_path: Path):
    path = tmp_path / "prices.json"
    path.write_text('{"my-model": [0.5, 1.5], "gpt-4o": [1, 2, 0.25]}')
    prices = resolve_settings({"SYNTH_PRICES": str(path)}).prices
    assert prices["my-model"] == Price(0.5, 1.5, 0.5) and prices["gpt-4o"] == Price(1, 2, 0.25)
    assert prices["gpt-4o-mini"] == PRICES_PER_MILLION["gpt-4o-mini"]


def test_a_bad_prices_file_stops_the_command_before_any_request(tmp_path: Path):
    prices = tmp_path / "prices.json"
    prices.write_text('{"fault-model": [0.5]}')
    story = write_story(tmp_path / "story", 2)
    with FaultServer() as server:
        result = run_synth_cli(
            story,
            cache_dir=tmp_path / "cache",
            base_url=server.base_url,
            timeout=120,
            SYNTH_PRICES=str(prices),
        )
        assert server.requests == []
    assert result.returncode == 2 and result.stdout == ""
    usage, error = result.stderr.splitlines()
    assert usage.startswith("usage: synth summarise")
    assert error.startswith(f"synth summarise: error: {prices}: cannot read prices (SYNTH_PRICES)")


def test_the_default_request_bound_is_longer_for_a_server_on_a_local_address():
    for local in (
        "http://127.0.0.1:8765/v1",
        "http://192.168.1.20:11434/v1",
        "http://localhost:11434/v1",
        "http://ollama:11434/v1",
        "http://[::1]:8080/v1",
    ):
        assert resolve_settings({}, base_url=local).request_timeout == LOCAL_SERVER_TIMEOUT_SECONDS
    for remote in ("https://api.openai.com/v1", "https://example.com/v1", None):
        assert resolve_settings({}, base_url=remote).request_timeout == DEFAULT_TIMEOUT_SECONDS
    # --timeout is the bound wherever the server is.
    assert resolve_settings({}, base_url="http://127.0.0.1:8765/v1", timeout=30).request_timeout == 30


def test_only_addresses_and_names_that_stay_on_a_local_network_count_as_local():
    local = [
        "http://127.0.0.1:8765/v1",
        "http://10.1.2.3/v1",
        "http://172.16.0.9/v1",
        "http://169.254.10.1/v1",
        "http://[fe80::1]:80/v1",
        "http://box.local:1/v1",
        "http://host.docker.internal:11434/v1",
        "http://router.lan/v1",
        "http://LOCALHOST/v1",
    ]
    remote = [
        "https://api.openai.com/v1",
        "https://8.8.8.8/v1",
        "https://example.com/v1",
        "https://my-resource.openai.azure.com/",
        "not a url",
    ]
    assert [url for url in local if not is_local_address(url)] == []
    assert [url for url in remote if is_local_address(url)] == []
