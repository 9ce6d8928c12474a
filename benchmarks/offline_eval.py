"""Offline throughput on real news: the evaluation stories end to end (issue #9 / #12).

    python benchmarks/offline_eval.py [STORIES_DIR] [--processes 1 2] [--repeat 3]

STORIES_DIR holds one folder per story (default: ../shared/eval/stories beside the project).
The spaCy model is loaded once, before any timing, and its load time is reported apart.
Each run summarises every story with the offline extractor; articles per second counts all
the stories' articles over the whole run's wall time. With --processes 1 the parse runs on
one core (articles per second per core); with 2 it is spread over two processes.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from synth import pipeline
from synth.extract.offline import OfflineExtractor
from synth.extract.rules.nlp import english_model

HERE = Path(__file__).resolve().parent
DEFAULT_STORIES = HERE.parent.parent / "shared" / "eval" / "stories"
RESULTS = HERE / "results"


def run_once(stories: list[Path], processes: int | None, together: bool) -> dict[str, float]:
    """One pass over the stories: each summarised on its own (as a user runs them), or all
    their articles in one summarise() call (a batch large enough for two processes)."""
    articles = claims = 0
    parse = 0.0
    started, cpu = time.perf_counter(), time.process_time()
    for batch in [stories] if together else [[s] for s in stories]:
        extractor = OfflineExtractor(processes=processes)
        report = pipeline.summarise(batch, offline=True, extractor=extractor)
        articles += len(report.sources)
        claims += len(report.claims)
        parse += extractor.parse_seconds
    wall = time.perf_counter() - started
    return {
        "wall_s": round(wall, 3),
        "cpu_s": round(time.process_time() - cpu, 3),
        "parse_s": round(parse, 3),
        "articles": articles,
        "claims": claims,
        "articles_per_s": round(articles / wall, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("stories", nargs="?", type=Path, default=DEFAULT_STORIES)
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    stories = sorted(p for p in args.stories.iterdir() if p.is_dir())
    load = english_model()
    print(f"model {load.package}: loaded in {load.load_seconds:.2f} s (not in the runs below)")
    run_once(stories[:1], 1, False)  # warm-up: first-use costs out of the runs
    result: dict[str, object] = {
        "stories": len(stories),
        "model": load.package,
        "model_load_s": round(load.load_seconds, 3),
        "runs": {},
    }
    plans = [("story by story, one process", 1, False)]
    plans += [
        (f"all stories in one call, {p} process{'es' if p > 1 else ''}", p, True) for p in args.processes
    ]
    for name, processes, together in plans:
        runs = [run_once(stories, processes, together) for _ in range(args.repeat)]
        for run in runs:
            print(json.dumps({"plan": name, **run}))
        rates = [r["articles_per_s"] for r in runs]
        result["runs"][name] = {  # type: ignore[index]
            "runs": runs,
            "articles_per_s_median": statistics.median(rates),
            "articles_per_s_range": [min(rates), max(rates)],
        }
        print(f"{name}: {statistics.median(rates):.2f} articles/s (range {min(rates):.2f}–{max(rates):.2f})")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "offline_eval.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
