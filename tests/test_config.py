from __future__ import annotations

from pathlib import Path

import pytest

from synth.config import (
    DEFAULT_TIMEOUT_SECONDS,
    LOCAL_SERVER_TIMEOUT_SECONDS,
    default_cache_dir,
    is_local_address,
    resolve_settings,
)
from synth.errors import ConfigError


def test_arguments_beat_environment_beat_defaults(tmp_path: Path):
    env = {"SYNTH_MODEL": "env-model", "OPENAI_BASE_URL": "http://env/v1",
           "OPENAI_API_KEY": "sk-env", "SYNTH_CACHE_DIR": str(tmp_path / "env-cache")}
    from_env = resolve_settings(env)
    assert (from_env.model, from_env.base_url, from_env.api_key) == \
        ("env-model", "http://env/v1", "sk-env")
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


@pytest.mark.parametrize("overrides, message", [
    ({"mode": "xml"}, "unknown mode"), ({"concurrency": 0}, "concurrency"),
    ({"chunk_chars": 100}, "chunk size"), ({"chunk_overlap": 4000}, "overlap"),
    ({"timeout": 0}, "timeout"), ({"colour": "red"}, "unknown setting"),
    # NaN passes every comparison, infinity every lower bound.
    ({"timeout": float("nan")}, "timeout must be a finite number, not nan"),
    ({"timeout": float("inf")}, "timeout must be a finite number, not inf"),
    ({"concurrency": float("nan")}, "concurrency must be a finite number, not nan"),
    ({"chunk_chars": float("inf")}, "chunk chars must be a finite number, not inf"),
    ({"max_bytes": float("inf")}, "max bytes must be a finite number, not inf"),
    ({"temperature": float("nan")}, "temperature must be a finite number, not nan"),
])
def test_bad_values_are_config_errors(overrides, message):
    with pytest.raises(ConfigError, match=message):
        resolve_settings({}, **overrides)


def test_the_default_request_bound_is_longer_for_a_server_on_a_local_address():
    for local in ("http://127.0.0.1:8765/v1", "http://192.168.1.20:11434/v1",
                  "http://localhost:11434/v1", "http://ollama:11434/v1", "http://[::1]:8080/v1"):
        assert resolve_settings({}, base_url=local).request_timeout == LOCAL_SERVER_TIMEOUT_SECONDS
    for remote in ("https://api.openai.com/v1", "https://example.com/v1", None):
        assert resolve_settings({}, base_url=remote).request_timeout == DEFAULT_TIMEOUT_SECONDS
    # --timeout is the bound wherever the server is.
    assert resolve_settings({}, base_url="http://127.0.0.1:8765/v1", timeout=30).request_timeout == 30


def test_only_addresses_and_names_that_stay_on_a_local_network_count_as_local():
    local = ["http://127.0.0.1:8765/v1", "http://10.1.2.3/v1", "http://172.16.0.9/v1",
             "http://169.254.10.1/v1", "http://[fe80::1]:80/v1", "http://box.local:1/v1",
             "http://host.docker.internal:11434/v1", "http://router.lan/v1", "http://LOCALHOST/v1"]
    remote = ["https://api.openai.com/v1", "https://8.8.8.8/v1", "https://example.com/v1",
              "https://my-resource.openai.azure.com/", "not a url"]
    assert [url for url in local if not is_local_address(url)] == []
    assert [url for url in remote if is_local_address(url)] == []
