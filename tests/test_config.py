from __future__ import annotations

from pathlib import Path

import pytest

from synth.config import default_cache_dir, resolve_settings
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
