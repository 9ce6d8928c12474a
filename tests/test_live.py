"""The live tier: synth's LLM path end to end against a real local model.

    scripts/local-model start && python -m pytest -m live

A fixture starts scripts/local-model's server when it is not already up; without
llama-cpp-python installed the tier is skipped with a one-line reason. Not part of the
default run or CI, which replay cassettes only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT, TROOPS
from tests.counting_proxy import CountingProxy

pytestmark = pytest.mark.live
STATE = Path(os.environ.get("SYNTH_LOCAL_MODEL_HOME", Path.home() / ".cache/synth/local-model"))
PORT = os.environ.get("SYNTH_LOCAL_MODEL_PORT", "8765")
UPSTREAM = f"http://127.0.0.1:{PORT}/v1"
FAKE_KEY = "sk-live-tier-fake-key-5f1e2d3c4b5a69788796a5b4"
STORY = [TROOPS / "02-han-river-review-2024-10-24.md", TROOPS / "05-eastern-front-chronicle-2024-11-05.txt"]


def _server_up() -> bool:
    try:
        return httpx.get(f"{UPSTREAM}/models", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture(scope="module")
def local_server() -> str:
    if not _server_up():
        venv_python = STATE / "venv" / "bin" / "python"
        has_llama = (
            venv_python.exists()
            and subprocess.run([str(venv_python), "-c", "import llama_cpp"], capture_output=True).returncode
            == 0
        )
        if not has_llama:
            pytest.skip("llama-cpp-python is not installed: run scripts/local-model start once")
        subprocess.run(
            [str(ROOT / "scripts" / "local-model"), "start"], check=True, capture_output=True, timeout=600
        )
    return UPSTREAM


def synth_cli(
    *args: str, base_url: str, cache: Path, timeout: str | None = "900"
) -> subprocess.CompletedProcess[str]:
    """`synth` in a subprocess; `timeout=None` leaves --timeout to synth's default."""
    env = {
        **os.environ,
        "OPENAI_BASE_URL": base_url,
        "OPENAI_API_KEY": FAKE_KEY,
        "SYNTH_MODEL": "smollm2-135m",
        "SYNTH_CACHE_DIR": str(cache),
    }
    if timeout is not None:
        args = (*args, "--timeout", timeout)  # a 135M model on two busy cores can be slow
    return subprocess.run(
        [sys.executable, "-m", "synth.cli", *args], capture_output=True, text=True, env=env, timeout=3600
    )


def test_a_story_end_to_end_against_the_real_model(local_server: str, tmp_path: Path):
    out = tmp_path / "report.json"
    cache = tmp_path / "cache"
    with CountingProxy(local_server) as proxy:
        first = synth_cli(
            "summarise",
            *map(str, STORY),
            "--format",
            "json",
            "--out",
            str(out),
            base_url=proxy.base_url,
            cache=cache,
        )
        assert first.returncode == 0, first.stderr
        served = proxy.snapshot()
        report = json.loads(out.read_text())
        # Counted at the wire, equal to what synth reports.
        assert report["usage"]["requests"] == served["requests"] > 0
        assert report["usage"]["prompt_tokens"] == served["prompt_tokens"]
        assert report["usage"]["completion_tokens"] == served["completion_tokens"]
        texts = {s["id"]: s["text"] for s in report["sources"]}
        for claim in report["claims"]:
            assert texts[claim["source_id"]][claim["start"] : claim["end"]] == claim["quote"]
        assert report["usage"]["claims_extracted"] >= len(report["claims"])

        second = synth_cli(
            "summarise",
            *map(str, STORY),
            "--format",
            "json",
            "--out",
            str(tmp_path / "again.json"),
            base_url=proxy.base_url,
            cache=cache,
        )
        assert second.returncode == 0, second.stderr
        assert proxy.snapshot() == served  # the second run sent nothing
        assert json.loads((tmp_path / "again.json").read_text())["usage"]["requests"] == 0
    # The key went to the server, and nowhere else.
    assert proxy.seen_headers
    for headers in proxy.seen_headers:
        assert {k.lower(): v for k, v in headers.items()}["authorization"] == f"Bearer {FAKE_KEY}"
    for result in (first, second):
        assert FAKE_KEY not in result.stdout + result.stderr
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert FAKE_KEY.encode() not in path.read_bytes(), path


def test_a_forced_json_schema_mode_fails_with_the_servers_reason(local_server: str, tmp_path: Path):
    with CountingProxy(local_server) as proxy:
        result = synth_cli(
            "summarise",
            str(STORY[0]),
            "--mode",
            "json_schema",
            base_url=proxy.base_url,
            cache=tmp_path / "cache",
        )
        assert proxy.requests == 1  # no retry storm
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("synth: ") and "json_schema" in last and "Input should be" in last
    assert "Traceback" not in result.stderr


def test_five_articles_with_the_defaults_are_each_answered_once_and_a_rerun_sends_nothing(
    local_server: str, tmp_path: Path
):
    """Issue 19: only the model and the endpoint set, no --timeout or --concurrency, against
    a server that answers one request at a time in a minute or more. Each article ends with
    claims or a problem from the model's answer, never a timeout, and no request is sent twice."""
    out, cache = tmp_path / "report.json", tmp_path / "cache"
    with CountingProxy(local_server) as proxy:
        first = synth_cli(
            "summarise",
            str(TROOPS),
            "--format",
            "json",
            "--out",
            str(out),
            base_url=proxy.base_url,
            cache=cache,
            timeout=None,
        )
        assert first.returncode == 0, first.stderr
        served = proxy.snapshot()
        report = json.loads(out.read_text())
        assert len(report["sources"]) == 5
        for problem in report["problems"]:
            assert "timed out" not in problem["reason"] and "kept failing" not in problem["reason"]
        # Counted on arrival at the proxy, so a request synth gave up on would count here too.
        assert report["usage"]["requests"] == served["requests"]
        assert report["usage"]["retries"] == 0
        assert " requests (0 retries), " in first.stderr.strip().splitlines()[-1]

        second = synth_cli(
            "summarise",
            str(TROOPS),
            "--format",
            "json",
            "--out",
            str(tmp_path / "again.json"),
            base_url=proxy.base_url,
            cache=cache,
            timeout=None,
        )
        assert second.returncode == 0, second.stderr
        assert proxy.snapshot() == served  # the rerun sent nothing
