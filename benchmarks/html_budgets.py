"""Time and peak memory of loading the worst HTML pages, with the budgets (issue 16).

    PYTHONPATH=. python benchmarks/html_budgets.py [--synth CHECKOUT] [--timeout S] [--out FILE]

Writes each hostile page (about 8 MB, the largest under the default --max-bytes of 10 MB
that these shapes reach) into a temporary folder, then loads it with `load_sources` in a
fresh Python process of its own (imports not timed), reporting the wall time of the load,
the process's peak resident memory, the characters of article text kept and the note the
load stage gave. --synth points at another checkout (main, to see the cost before the
budgets); a load still running after --timeout seconds is stopped and reported as such.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
HEAD = (
    "<!doctype html><html><head><title>Troops arrive in Kursk region</title>"
    '<meta property="article:published_time" content="2024-10-18T14:20:00+09:00">'
    "</head><body><article><p>Officials said 3,000 troops arrived in Kursk on Monday, the "
    "ministry said.</p>"
)
TAIL = "<p>The Pentagon said 10,000 troops were in Russia by Friday.</p></article></body></html>"
PARAGRAPH = (
    "Officials in the region said the troops had moved in overnight, and residents "
    "described long columns of vehicles on the main road out of the town. "
) * 3


def _deep(levels: int) -> str:
    return "<div>" * levels + f"<p>{PARAGRAPH}</p>" + "</div>" * levels


def _distinct(tag: str) -> str:
    return "".join(f"<{tag}>{i}. {PARAGRAPH}</{tag}>" for i in range(19_990))


PAGES: dict[str, tuple[str, Callable[[], str]]] = {
    "inline-1m": ("1,000,000 <b> elements in one paragraph", lambda: "<p>" + "<b>a</b>" * 1_000_000 + "</p>"),
    "empty-1.1m": ("1,100,000 empty <i> elements", lambda: "<i></i>" * 1_100_000),
    "paragraphs-800k": ("800,000 one-word <p> elements", lambda: "<p>w</p>" * 800_000),
    "divs-650k": ("650,000 one-letter <div> elements", lambda: "<div>x</div>" * 650_000),
    "links-500k": ("500,000 links", lambda: "<a href=#>l</a>" * 500_000),
    "deep-5000": ("text nested 5,000 <div> deep", lambda: _deep(5_000)),
    "deep-400k": ("text nested 400,000 <div> deep (4.4 MB)", lambda: _deep(400_000)),
    "paragraphs-19k": (
        "19,990 distinct <p> of 430 characters: the most trafilatura is given",
        lambda: _distinct("p"),
    ),
    "divs-19k": ("19,990 distinct <div> of 430 characters", lambda: _distinct("div")),
    "one-paragraph-8mb": ("one paragraph of 8 MB", lambda: "<p>" + PARAGRAPH * 19_000 + "</p>"),
    "attribute-8mb": (
        "an image with an 8 MB data: URL",
        lambda: "<img src='data:image/png;base64," + "A" * 8_000_000 + "'>",
    ),
    "unclosed-nav-1.5m": ("1,500,000 unclosed <nav> tags", lambda: "<nav>" * 1_500_000),
}

CHILD = """
import json, resource, sys, time
from synth.load import load_sources
import synth.load.html  # trafilatura's import is not the page's cost
started = time.perf_counter()
result = load_sources([sys.argv[1]])
seconds = time.perf_counter() - started
print(json.dumps({"seconds": round(seconds, 2),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
                  "text_chars": sum(len(s.text) for s in result.sources),
                  "notes": [p.reason for p in result.problems]}))
"""


def measure(checkout: Path, page: Path, timeout: float) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    started = time.perf_counter()
    try:
        # From the checkout itself: `python -c` puts the working directory first on the path.
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(page)],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            cwd=checkout,
        )
    except subprocess.TimeoutExpired:
        return {"seconds": f"> {timeout:.0f} (stopped)", "peak_mb": None, "text_chars": None, "notes": []}
    if done.returncode != 0:
        return {
            "error": done.stderr.strip().splitlines()[-1:],
            "seconds": round(time.perf_counter() - started, 2),
        }
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--synth", type=Path, default=HERE.parent, help="checkout to measure")
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--out", type=Path)
    parser.add_argument("pages", nargs="*", help=f"some of: {', '.join(PAGES)}")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for name in args.pages or PAGES:
            what, body = PAGES[name]
            path = Path(folder) / f"{name}.html"
            path.write_text(HEAD + body() + TAIL, encoding="utf-8")
            size = path.stat().st_size
            result = {
                "page": what,
                "mb": round(size / 1_048_576, 1),
                **measure(args.synth, path, args.timeout),
            }
            results[name] = result
            print(
                f"| {name} | {what} | {result['mb']} | {result['seconds']} | "
                f"{result.get('peak_mb')} | {result.get('text_chars')} | "
                f"{'; '.join(result.get('notes') or []) or result.get('error') or ''} |",
                flush=True,
            )
            path.unlink()
    if args.out:
        args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
