"""Benchmark: synth's LLM path against the real local model (scripts/local-model).

    scripts/local-model start
    python benchmarks/local_model.py [--out benchmarks/results/local_model.json]

Runs both bundled stories with no cache and reports, per article, the wall time from the
start of the run to the article finishing (concurrency 1, so these are per-article
latencies). It also reports tokens per request and the share of proposed claims that
grounding dropped.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

from synth.config import resolve_settings
from synth.extract.llm import LLMExtractor
from synth.pipeline import summarise

ROOT = Path(__file__).resolve().parent.parent
STORIES = [ROOT / "examples/articles/nk-troops-russia", ROOT / "examples/articles/morocco-earthquake"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", default="http://127.0.0.1:8765/v1")
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("--out", type=Path)
    # The server's context is 8,192 tokens; re-asks grow the conversation, so keep answers short.
    parser.add_argument("--max-output-tokens", type=int, default=1024)
    args = parser.parse_args()
    results = []
    for story in STORIES:
        settings = resolve_settings(
            {},
            model=args.model,
            base_url=args.base_url,
            use_cache=False,
            concurrency=1,
            timeout=900,
            max_output_tokens=args.max_output_tokens,
            cache_dir=Path("/tmp/synth-bench-unused"),
        )
        finished: list[float] = []
        started = time.perf_counter()
        report = summarise(
            [story],
            settings=settings,
            extractor=LLMExtractor(settings),
            progress=lambda p, finished=finished: (
                finished.append(time.perf_counter()) if p.stage == "extract" and p.done else None
            ),
        )
        wall = time.perf_counter() - started
        per_article = [b - a for a, b in zip([started, *finished], finished, strict=False)]
        usage = report.usage
        results.append(
            {
                "story": story.name,
                "articles": len(report.sources),
                "wall_s": round(wall, 1),
                "per_article_s": [round(x, 1) for x in per_article],
                "mean_article_s": round(sum(per_article) / max(len(per_article), 1), 1),
                "requests": usage.requests,
                "retries": usage.retries,
                "prompt_tokens_per_request": round(usage.prompt_tokens / max(usage.requests, 1)),
                "completion_tokens_per_request": round(usage.completion_tokens / max(usage.requests, 1)),
                "claims_proposed": usage.claims_extracted,
                "claims_grounded": len(report.claims),
                "claims_dropped": usage.claims_dropped,
                "dropped_share": round(usage.claims_dropped / max(usage.claims_extracted, 1), 3),
                "problems": len(report.problems),
            }
        )
        print(json.dumps(results[-1]))
    machine = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cores": __import__("os").cpu_count(),
        "date": time.strftime("%Y-%m-%d"),
    }
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"machine": machine, "results": results}, indent=2) + "\n")


if __name__ == "__main__":
    main()
