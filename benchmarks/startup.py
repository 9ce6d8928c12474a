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
    return {
        "wall_s": round(wall, 3),
        "cpu_s": round(cpu, 3),
        "children_peak_rss_mib": round(after.ru_maxrss / 1024, 1),
        "stdout": done.stdout,
        "stderr": done.stderr,
    }


def _environment() -> dict[str, str]:
    # This worktree's synth, and nothing from the shell that would change the run.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SYNTH_", "OPENAI_"))}
    env["PYTHONPATH"] = str(ROOT)
    return env


def importtime(statement: str) -> dict[str, Any]:
    """`-X importtime` of `statement`: time by top-level package (self times, which add up to the
    whole), and what the outermost imports spend in their direct children (cumulative)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", statement],
        capture_output=True,
        text=True,
        env=_environment(),
        check=True,
    )
    rows: list[dict[str, Any]] = []
    pending: list[dict[str, Any]] = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cumulative_us, name = line.removeprefix("import time:").split("|")
        row: dict[str, Any] = {
            "module": name.strip(),
            "depth": (len(name) - len(name.lstrip())) // 2,
            "self_us": int(self_us),
            "cumulative_us": int(cumulative_us),
            "children": [],
        }
        # Children are printed before their parent, one level deeper.
        while pending and pending[-1]["depth"] > row["depth"]:
            child = pending.pop()
            if child["depth"] == row["depth"] + 1:
                row["children"].append(child)
                child["parent"] = row["module"]
        pending.append(row)
        rows.append(row)
    by_package: dict[str, int] = {}
    for row in rows:
        package = row["module"].split(".")[0]
        by_package[package] = by_package.get(package, 0) + row["self_us"]
    outermost = max((r for r in rows if r["depth"] == 0), key=lambda r: r["cumulative_us"])
    # What each package costs where another package (or the statement) first imports it: its
    # cumulative time there. A package imported inside another counts in both.
    entries: dict[str, int] = {}
    for row in rows:
        package = row["module"].split(".")[0]
        if row.get("parent", "").split(".")[0] != package:
            entries[package] = entries.get(package, 0) + row["cumulative_us"]

    def seconds(us: int) -> float:
        return round(us / 1e6, 4)

    return {
        "total_s": seconds(sum(r["self_us"] for r in rows)),
        "modules": len(rows),
        "outermost": outermost["module"],
        "outermost_s": seconds(outermost["cumulative_us"]),
        "by_package_self_s": {
            k: seconds(v) for k, v in sorted(by_package.items(), key=lambda kv: -kv[1])[:25]
        },
        "entry_cost_by_package_s": {
            k: seconds(v) for k, v in sorted(entries.items(), key=lambda kv: -kv[1])[:25]
        },
        "largest_children_of_outermost_s": {
            c["module"]: seconds(c["cumulative_us"])
            for c in sorted(outermost["children"], key=lambda c: -c["cumulative_us"])[:15]
        },
        "largest_self_s": {
            r["module"]: seconds(r["self_us"]) for r in sorted(rows, key=lambda r: -r["self_us"])[:15]
        },
    }


def spacy_cli_share() -> dict[str, Any]:
    """Of `import spacy`: how much is its command line (spacy.cli: typer, weasel, httpx, rich)."""
    found = importtime("import spacy")
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import spacy"],
        capture_output=True,
        text=True,
        env=_environment(),
        check=True,
    )
    cli_us = 0
    for line in done.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) == 3 and parts[2].strip() == "spacy.cli":
            cli_us = int(parts[1])
    return {
        "import_spacy_s": found["outermost_s"],
        "spacy_cli_s": round(cli_us / 1e6, 4),
        "largest_children_s": found["largest_children_of_outermost_s"],
        "by_package_self_s": found["by_package_self_s"],
    }


def _median_run(runs: list[dict[str, Any]], key: str) -> dict[str, Any]:
    """The run whose `key` is the median (its detail is then from one real run), with every
    run's `key` beside it."""
    ordered = sorted(runs, key=lambda r: r[key])
    return ordered[len(ordered) // 2] | {"runs": [r[key] for r in runs]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--article", default=str(ARTICLE))
    parser.add_argument("--out", default=str(RESULTS / "startup.json"))
    args = parser.parse_args()
    load_at_start = [round(x, 2) for x in os.getloadavg()]
    work = Path(tempfile.mkdtemp(prefix="synth-bench-startup-"))
    out_file = work / "report.json"
    cli = [
        sys.executable,
        "-m",
        "synth.cli",
        "summarise",
        args.article,
        "--offline",
        "--format",
        "json",
        "--out",
        str(out_file),
    ]
    bare, runs, phase_runs, imports, spacy_imports = [], [], [], [], []
    for _ in range(args.repeat):  # interleaved, so a busy spell touches each kind of run
        bare.append(child_run([sys.executable, "-c", "pass"]))
        runs.append(child_run(cli))
        imports.append(importtime("import synth.cli"))
        spacy_imports.append(spacy_cli_share())
        measured = child_run([sys.executable, "-c", PHASES, *cli[3:]])
        phase_runs.append(
            json.loads(measured["stdout"].strip().splitlines()[-1])
            | {"wall_s": measured["wall_s"], "cpu_s": measured["cpu_s"]}
        )
    for run in runs + bare:
        run.pop("stdout")
        run.pop("stderr")
    phases = list(phase_runs[0]["phases"])
    result = {
        "benchmark": "startup",
        "command": "python benchmarks/startup.py " + " ".join(sys.argv[1:]),
        "machine": machine() | {"load_average_at_start": load_at_start},
        "article": str(Path(args.article).relative_to(ROOT)),
        "cli_command": " ".join(cli[1:]),
        "cli_runs": runs,
        "python_pass_runs": bare,
        "cli": {"wall_s": summary([r["wall_s"] for r in runs]), "cpu_s": summary([r["cpu_s"] for r in runs])},
        "python_pass": {
            "wall_s": summary([r["wall_s"] for r in bare]),
            "cpu_s": summary([r["cpu_s"] for r in bare]),
        },
        "importtime_synth_cli": _median_run(imports, "total_s"),
        "importtime_spacy": _median_run(spacy_imports, "import_spacy_s"),
        "phases": {
            name: {
                "wall_s": summary([p["phases"][name][0] for p in phase_runs]),
                "cpu_s": summary([p["phases"][name][1] for p in phase_runs]),
            }
            for name in phases
        },
        "phase_runs": phase_runs,
        "loaded_by_an_offline_run": phase_runs[0]["loaded"],
    }
    table(
        [
            ("figure", "wall, median (range)", "CPU, median (range)"),
            (
                "synth summarise --offline (one article)",
                spread([r["wall_s"] for r in runs], unit=" s"),
                spread([r["cpu_s"] for r in runs], unit=" s"),
            ),
            (
                "python -c pass",
                spread([r["wall_s"] for r in bare], unit=" s"),
                spread([r["cpu_s"] for r in bare], unit=" s"),
            ),
            *(
                (
                    f"  phase: {name}",
                    spread([p["phases"][name][0] for p in phase_runs], unit=" s"),
                    spread([p["phases"][name][1] for p in phase_runs], unit=" s"),
                )
                for name in phases
            ),
        ]
    )
    middle = result["importtime_synth_cli"]
    print(
        f"-X importtime, import synth.cli: {middle['total_s']:.3f} s over {middle['modules']} modules "
        f"(runs: {middle['runs']})"
    )
    table(
        [("top-level package", "self import s, summed")]
        + [(k, f"{v:.3f}") for k, v in list(middle["by_package_self_s"].items())[:12]]
    )
    table(
        [("package, where first imported", "cumulative s")]
        + [(k, f"{v:.3f}") for k, v in list(middle["entry_cost_by_package_s"].items())[:14]]
    )
    table([("module", "self s")] + [(k, f"{v:.3f}") for k, v in list(middle["largest_self_s"].items())[:10]])
    spacy = result["importtime_spacy"]
    print(
        f"-X importtime, import spacy: {spacy['import_spacy_s']:.3f} s, of which spacy.cli "
        f"{spacy['spacy_cli_s']:.3f} s (runs: {spacy['runs']})"
    )
    table(
        [("imported by spacy directly", "cumulative s")]
        + [(k, f"{v:.3f}") for k, v in list(spacy["largest_children_s"].items())[:10]]
    )
    print("loaded by an offline run:", result["loaded_by_an_offline_run"])
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"-> {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")


if __name__ == "__main__":
    main()
