from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from synth.models import Report

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


# --- the fault tests' story (test_faults.py, test_request_faults.py) ------------------------
# A module-scoped fixture here is made once per module that asks for it, as it would be in
# the module itself; a module with a `story` or `clean_report` of its own uses its own.


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """tests.fault_runs.ARTICLES articles of one story, S1…S3."""
    from tests.fault_runs import ARTICLES
    from tests.stories import write_story

    return write_story(tmp_path_factory.mktemp("story"), ARTICLES)


@pytest.fixture(scope="module")
def clean_report(story: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Report:
    """`story` through the real pipeline against a fault server that injects no fault."""
    from tests.fault_runs import run, settings_for
    from tests.fault_server import FaultServer

    with FaultServer() as server:
        report = run(settings_for(server, tmp_path_factory.mktemp("clean-cache")), story)
    assert not report.problems and {c.source_id for c in report.claims} == {"S1", "S2", "S3"}
    return report
