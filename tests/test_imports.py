"""What an offline run loads: neither the model client nor the structured-output library."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import TROOPS

# Runs the CLI in a fresh interpreter (the test process has long imported everything) and
# prints which of the model-path packages ended up loaded.
PROBE = """
import json, sys
from synth.cli import main
status = main(sys.argv[1:])
loaded = sorted(name for name in ("openai", "instructor", "tenacity") if name in sys.modules)
print(json.dumps({"status": status, "loaded": loaded}))
"""


def run_probe(*args: str) -> dict:
    result = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_an_offline_run_imports_neither_openai_nor_instructor(tmp_path):
    outcome = run_probe(
        "summarise", str(TROOPS), "--offline", "--format", "json", "--out", str(tmp_path / "report.json")
    )
    assert outcome["status"] == 0
    assert (tmp_path / "report.json").exists()
    assert outcome["loaded"] == []


def test_the_probe_sees_the_model_path_when_it_is_taken(tmp_path):
    # The same probe on a model run (a dead address, so nothing is sent anywhere) must see
    # openai loaded; otherwise the test above could not fail.
    outcome = run_probe(
        "summarise",
        str(TROOPS),
        "--model",
        "some-model",
        "--base-url",
        "http://127.0.0.1:9/v1",
        "--format",
        "json",
        "--out",
        str(tmp_path / "report.json"),
    )
    assert "openai" in outcome["loaded"]
