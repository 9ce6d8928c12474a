"""Benchmark for issue 19: the default settings against the real local model, twice.

    scripts/local-model start
    python benchmarks/local_model_defaults.py [--out benchmarks/results/local_model_defaults.json]

Runs `synth summarise examples/articles/nk-troops-russia --format json` in a subprocess with
only OPENAI_BASE_URL and SYNTH_MODEL set (and a fresh SYNTH_CACHE_DIR, so that nothing comes
from an earlier run), then the same command again. tests/counting_proxy.py sits between synth
and the server and counts requests on arrival, so a request synth gave up on counts too. For
each run: exit status, wall time, load average before and after, the summary line, the
requests counted on the wire, and the lines synth wrote to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.counting_proxy import CountingProxy  # noqa: E402

STORY = ROOT / "examples" / "articles" / "nk-troops-russia"


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def run_synth(base_url: str, model: str, cache: Path, work: Path, name: str) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SYNTH_"))}
    env.update(
        {
            "OPENAI_BASE_URL": base_url,
            "SYNTH_MODEL": model,
            "SYNTH_CACHE_DIR": str(cache),
            "PYTHONPATH": str(ROOT),
        }
    )
    command = [
        sys.executable,
        "-m",
        "synth.cli",
        "summarise",
        str(STORY),
        "--format",
        "json",
        "--out",
        str(work / f"{name}.json"),
    ]
    load_before, started = load_average(), time.monotonic()
    result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT)
    wall = time.monotonic() - started
    lines = result.stderr.splitlines()
    report = json.loads((work / f"{name}.json").read_text()) if result.returncode == 0 else {}
    return {
        "exit_status": result.returncode,
        "wall_s": round(wall, 1),
        "load_before": load_before,
        "load_after": load_average(),
        "summary": lines[-1] if lines else "",
        "stderr": lines,
        "usage": report.get("usage"),
        "problems": [p["reason"] for p in report.get("problems", [])],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", default="http://127.0.0.1:8765/v1")
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    runs = []
    with tempfile.TemporaryDirectory() as scratch, CountingProxy(args.base_url) as proxy:
        work = Path(scratch)
        for name in ("first", "rerun"):
            outcome = run_synth(proxy.base_url, args.model, work / "cache", work, name)
            outcome["requests_on_the_wire"] = proxy.requests - sum(r["requests_on_the_wire"] for r in runs)
            runs.append(outcome)
            print(json.dumps({k: v for k, v in outcome.items() if k != "stderr"}), flush=True)
    machine = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cores": os.cpu_count(),
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
    }
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(
            json.dumps({"machine": machine, "story": STORY.name, "runs": runs}, indent=2) + "\n"
        )


if __name__ == "__main__":
    main()
