from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "articles"
TROOPS = EXAMPLES / "nk-troops-russia"
QUAKE = EXAMPLES / "morocco-earthquake"


@pytest.fixture(autouse=True)
def _no_model_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests decide for themselves whether a model is configured, and never share a cache."""
    for name in (
        "SYNTH_MODEL",
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "SYNTH_MODE",
        "SYNTH_OFFLINE",
        "SYNTH_RECONCILE",
        "SYNTH_PRICES",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SYNTH_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture(autouse=True)
def _no_request_format_from_another_test() -> None:
    """The request format a test's server took is not remembered into the next test (whose
    server may reuse the port); the one beside a cache is in that test's own folder."""
    llm = sys.modules.get("synth.llm")
    if llm is not None:
        llm.forget_request_formats()
