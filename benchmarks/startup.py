"""Start-up of the offline CLI (issue #18 point 3): measurements, not tests.

    python benchmarks/startup.py --repeat 3

1. `synth summarise <one bundled article> --offline --format json --out X`, each run in a fresh
   interpreter: wall time, CPU time (user + system, from the child's rusage) and peak RSS.
   `python -c pass` is timed the same way: the interpreter's own start.
2. `python -X importtime -c "import synth.cli"`: the cumulative import time of what synth.cli
   imports, by top-level package, and the largest single imports.
3. The same CLI run, timed phase by phase in one fresh interpreter: import synth.cli, the rest
   of the run's imports, `import spacy`, loading spaCy's English model, and the work itself.
   Each phase is the run's own first touch of it, so together they add up to the run.

Writes benchmarks/results/startup.json (or --out) and prints tables.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.loopback import machine, spread, summary, table  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
ARTICLE = ROOT / "examples/articles/nk-troops-russia/05-eastern-front-chronicle-2024-11-05.txt"
# The run, phase by phase. Each phase forces what the CLI would otherwise do lazily, in the
# order the CLI does it: the CLI module, spaCy, its model, then main() (which finds them loaded).
PHASES = """
import json, sys, time
clock = {"start": (time.perf_counter(), time.process_time())}
def mark(name):
    clock[name] = (time.perf_counter(), time.process_time())
import synth.cli
mark("import synth.cli")
import synth.pipeline, synth.extract.offline  # what an offline run imports next, spaCy aside
mark("import synth.pipeline and the offline extractor")
import spacy
mark("import spacy")
from synth.extract.rules.nlp import english_model
english_model()
mark("load the spaCy model")
status = synth.cli.main(sys.argv[1:])
mark("the run itself (load, clean, extract, ground, cluster, reconcile, write)")
names = list(clock)
phases = {b: [round(clock[b][i] - clock[a][i], 4) for i in (0, 1)] for a, b in zip(names, names[1:])}
loaded = sorted(n for n in ("openai", "instructor", "httpx", "tenacity", "spacy", "trafilatura")
                if n in sys.modules)
print(json.dumps({"status": status, "phases": phases, "loaded": loaded}))
"""


def child_run(command: list[str]) -> dict[str, Any]:
    """Run `command` to the end: its wall time, CPU (user + system) and peak RSS."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=_environment())
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed: {done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    # RUSAGE_CHILDREN's maxrss is the largest child so far: run the largest last, or read it
    # as "at most".
    return {"wall_s": round(wall, 3), "cpu_s": round(cpu, 3),
            "children_peak_rss_mib": round(after.ru_maxrss / 1024, 1), "stdout": done.stdout,
            "stderr": done.stderr}


def _environment() -> dict[str, str]:
    # This worktree's synth, and nothing from the shell that would change the run.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SYNTH_", "OPENAI_"))}
    env["PYTHONPATH"] = str(ROOT)
    return env


def importtime(statement: str) -> dict[str, Any]:
    """`-X importtime` of `statement`: cumulative time by top-level package, largest imports."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", statement], capture_output=True,
                          text=True, env=_environment(), check=True)
    rows = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cumulative_us, name = line.removeprefix("import time:").split("|")
        depth = (len(name) - len(name.lstrip())) // 2
        rows.append({"module": name.strip(), "depth": depth, "self_us": int(self_us),
                     "cumulative_us": int(cumulative_us)})
    # Top-level imports (the outermost of each nest) add up to the whole; group them by package.
    by_package: dict[str, int] = {}
    for row in rows:
        if row["depth"] == 1:
            package = row["module"].split(".")[0]
            by_package[package] = by_package.get(package, 0) + row["cumulative_us"]
    total_us = sum(by_package.values())
    return {"total_s": round(total_us / 1e6, 3),
            "by_top_level_package_s": {k: round(v / 1e6, 4) for k, v in
                                       sorted(by_package.items(), key=lambda kv: -kv[1])},
            "largest_self_s": [{"module": r["module"], "self_s": round(r["self_us"] / 1e6, 4)}
                               for r in sorted(rows, key=lambda r: -r["self_us"])[:15]],
            "modules": len(rows)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--article", default=str(ARTICLE))
    parser.add_argument("--out", default=str(RESULTS / "startup.json"))
    args = parser.parse_args()
    load_at_start = [round(x, 2) for x in os.getloadavg()]
    work = Path(tempfile.mkdtemp(prefix="synth-bench-startup-"))
    out_file = work / "report.json"
    cli = [sys.executable, "-m", "synth.cli", "summarise", args.article, "--offline", "--format", "json",
           "--out", str(out_file)]
    bare, runs, phase_runs, imports = [], [], [], []
    for _ in range(args.repeat):  # interleaved, so a busy spell touches each kind of run
        bare.append(child_run([sys.executable, "-c", "pass"]))
        runs.append(child_run(cli))
        imports.append(importtime("import synth.cli"))
        measured = child_run([sys.executable, "-c", PHASES, *cli[3:]])
        phase_runs.append(json.loads(measured["stdout"].strip().splitlines()[-1]) | {
            "wall_s": measured["wall_s"], "cpu_s": measured["cpu_s"]})
    for run in runs + bare:
        run.pop("stdout")
        run.pop("stderr")
    phases = list(phase_runs[0]["phases"])
    result = {
        "benchmark": "startup", "command": "python benchmarks/startup.py " + " ".join(sys.argv[1:]),
        "machine": machine() | {"load_average_at_start": load_at_start},
        "article": str(Path(args.article).relative_to(ROOT)), "cli_command": " ".join(cli[1:]),
        "cli_runs": runs, "python_pass_runs": bare,
        "cli": {"wall_s": summary([r["wall_s"] for r in runs]), "cpu_s": summary([r["cpu_s"] for r in runs])},
        "python_pass": {"wall_s": summary([r["wall_s"] for r in bare]),
                        "cpu_s": summary([r["cpu_s"] for r in bare])},
        "importtime_synth_cli": imports[len(imports) // 2] | {
            "total_s_runs": [i["total_s"] for i in imports]},
        "phases": {name: {"wall_s": summary([p["phases"][name][0] for p in phase_runs]),
                          "cpu_s": summary([p["phases"][name][1] for p in phase_runs])}
                   for name in phases},
        "phase_runs": phase_runs,
        "loaded_by_an_offline_run": phase_runs[0]["loaded"],
    }
    table([("figure", "wall, median (range)", "CPU, median (range)"),
           ("synth summarise --offline (one article)", spread([r["wall_s"] for r in runs], unit=" s"),
            spread([r["cpu_s"] for r in runs], unit=" s")),
           ("python -c pass", spread([r["wall_s"] for r in bare], unit=" s"),
            spread([r["cpu_s"] for r in bare], unit=" s")),
           *((f"  phase: {name}", spread([p["phases"][name][0] for p in phase_runs], unit=" s"),
              spread([p["phases"][name][1] for p in phase_runs], unit=" s")) for name in phases)])
    middle = result["importtime_synth_cli"]
    print(f"-X importtime, import synth.cli: {middle['total_s']:.3f} s over {middle['modules']} modules "
          f"(runs: {middle['total_s_runs']})")
    table([("top-level package", "cumulative import s")]
          + [(k, f"{v:.3f}") for k, v in list(middle["by_top_level_package_s"].items())[:12]])
    table([("module", "self import s")]
          + [(r["module"], f"{r['self_s']:.3f}") for r in middle["largest_self_s"][:10]])
    print("loaded by an offline run:", result["loaded_by_an_offline_run"])
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"-> {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")


if __name__ == "__main__":
    main()
