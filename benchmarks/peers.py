"""synth and langextract against one loopback server (issue #18 point 4): measurements, not tests.

    pip install -e '.[bench]'                  # langextract: a benchmark dependency only
    python benchmarks/peers.py --repeat 3      # every configuration below
    python benchmarks/peers.py --configs synth-c16,lx-defaults --repeat 1
    python benchmarks/peers.py profile --configs synth-c16,lx-defaults --repeat 2   # py-spy

The articles are 200 generated flood reports of about 3,000 characters (benchmarks/story.py,
our own text), written once as .txt files. Both libraries talk to the same OpenAI-compatible
server on 127.0.0.1 (tests/fault_server.py with a fixed latency, 100 ms by default), which
runs in its own process and answers each library in the shape it parses:

- synth's extraction request (an `<article>` block): the fault server's own answer, the first
  five sentences with a figure, quoted verbatim as claims.
- langextract's request (its "Q: <chunk>" / "A: " prompt): the same five sentences of the chunk
  it was sent, as `{"extractions": [{"claim": quote, "claim_attributes": {...}}]}`.

So each request gets the same answer rule; what differs is how many requests each library
sends, how big they are, and what each client spends around them.

Each configuration runs in its own long-lived worker process (so each has its own peak RSS and
CPU clock), warm: the library is imported and one untimed run made first, which is reported as
the cold run. The timed runs are then interleaved: repeat 1 runs every configuration once, in a
rotated order, then repeat 2, and so on, so that a busy spell of the shared machine spreads over
all of them. Per run: requests and request bytes (counted by the server), wall time of the
library call, CPU time of the worker process (every thread), peak RSS (ru_maxrss) of the worker.

Writes benchmarks/results/peers.json (or --out) and prints a table.
"""

from __future__ import annotations

import argparse
import collections
import json
import math
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# stdlib only: the server process and the langextract workers must not import synth, or their
# RSS and start-up would carry it.
from tests.fault_server import FaultServer, pick_quotes  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
ARTICLES = 200
# 36 sentences of benchmarks/story.py make 2,996 characters on average (2,840 after synth's
# clean drops the outlet line, navigation and the furniture between paragraphs).
SENTENCES_PER_ARTICLE = 36
CLAIMS_PER_REQUEST = 5  # the fault server's default: what both libraries get per request


# --- configurations ------------------------------------------------------------------------------

# name -> (library, options). synth's own default concurrency is 4; the comparison ran it
# at 16. langextract's defaults are max_char_buffer=1000, max_workers=10, batch_length=10: it
# sends the chunks of a batch of 10 at once and waits for the whole batch before the next.
CONFIGS: dict[str, tuple[str, dict[str, int]]] = {
    "synth-c16": ("synth", {"concurrency": 16, "chunk_chars": 6000}),
    "synth-defaults": ("synth", {"concurrency": 4, "chunk_chars": 6000}),
    "synth-c16-chunk1000": ("synth", {"concurrency": 16, "chunk_chars": 1000}),
    "lx-defaults": ("langextract", {"max_char_buffer": 1000, "max_workers": 10, "batch_length": 10}),
    "lx-chunk6000": ("langextract", {"max_char_buffer": 6000, "max_workers": 10, "batch_length": 10}),
    "lx-w16": ("langextract", {"max_char_buffer": 1000, "max_workers": 16, "batch_length": 16}),
    "lx-chunk6000-w16": ("langextract", {"max_char_buffer": 6000, "max_workers": 16, "batch_length": 16}),
}
DESCRIPTIONS = {
    "synth-c16": "synth, one request per article (6,000-char chunks), 16 in flight",
    "synth-defaults": "synth at its defaults: 6,000-char chunks, 4 in flight",
    "synth-c16-chunk1000": "synth at langextract's chunk size (1,000 chars, 400 overlap), 16 in flight",
    "lx-defaults": "langextract at its defaults: 1,000-char chunks, 10 workers, batches of 10",
    "lx-chunk6000": "langextract, 6,000-char chunks (one request per article), 10 workers",
    "lx-w16": "langextract, 1,000-char chunks, 16 workers, batches of 16",
    "lx-chunk6000-w16": "langextract, 6,000-char chunks, 16 workers, batches of 16",
}


def in_flight_limit(config: str) -> int:
    library, options = CONFIGS[config]
    if library == "synth":
        return options["concurrency"]
    return min(options["max_workers"], options["batch_length"])


# --- the loopback server -------------------------------------------------------------------------


def langextract_chunk(body: dict[str, Any]) -> str | None:
    """The chunk a langextract prompt asks about: its prompt ends "Q: <chunk>\\nA: "."""
    for message in body.get("messages") or []:
        content = message.get("content") if isinstance(message, dict) else None
        if message.get("role") != "user" or not isinstance(content, str):
            continue
        if not content.endswith("\nA: "):
            return None
        start = content.rfind("\nQ: ")
        if start < 0:
            return None
        return content[start + len("\nQ: ") : -len("\nA: ")]
    return None


def langextract_answer(chunk: str, limit: int) -> dict[str, Any]:
    # The attributes' types follow the prompt's example, as its strict json_schema asks.
    return {
        "extractions": [
            {
                "claim": quote,
                "claim_attributes": {"statement": quote, "attributed_to": "", "stance": "reported"},
            }
            for quote in pick_quotes(chunk, limit)
        ]
    }


class PeerServer(FaultServer):
    """The fault server, counting request bytes and answering langextract's prompts too."""

    def __init__(self, latency: float) -> None:
        super().__init__(latency=latency, claims_per_article=CLAIMS_PER_REQUEST)
        # Thousands of request bodies would otherwise be kept for tests to read: none here.
        self.requests = collections.deque(maxlen=0)  # type: ignore[assignment]
        self.body_bytes = 0
        self.header_bytes = 0

    def reset(self) -> None:
        with self._lock:
            self.max_in_flight = self.in_flight
            # The duplicate counter keeps every body it has seen, at zero once answered.
            self._held = +self._held

    def _answer(self, handler: Any, raw: bytes) -> None:
        # Request line and headers as sent, to within the separators' few bytes.
        head = len(handler.raw_requestline) + 2 + sum(len(k) + len(v) + 4 for k, v in handler.headers.items())
        with self._lock:
            self.body_bytes += len(raw)
            self.header_bytes += head
        super()._answer(handler, raw)

    def _claims_json(self, body: dict[str, Any]) -> str:
        chunk = langextract_chunk(body)
        if chunk is not None:
            return json.dumps(langextract_answer(chunk, self.claims_per_article))
        return super()._claims_json(body)


def serve(latency: float) -> None:
    """The server process: the base URL on stdout, then one JSON line per command on stdin."""
    server = PeerServer(latency)
    server.start()
    try:
        print(json.dumps({"base_url": server.base_url}), flush=True)
        for line in sys.stdin:
            command = line.strip()
            if command == "reset":
                server.reset()
                print(json.dumps({"ok": True}), flush=True)
            elif command == "stats":
                with server._lock:
                    stats = {
                        "requests": server._received,
                        "body_bytes": server.body_bytes,
                        "header_bytes": server.header_bytes,
                        "max_in_flight": server.max_in_flight,
                        "served": dict(server.served),
                    }
                stats["server_cpu_s"] = time.process_time()
                print(json.dumps(stats), flush=True)
            else:
                return
    finally:
        server.stop()


# --- the libraries, in worker processes ----------------------------------------------------------


def _rss_mib() -> float:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return 0.0


def _peak_rss_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def synth_runner(folder: Path, base_url: str, options: dict[str, int]) -> Callable[[], dict[str, Any]]:
    import synth.pipeline as pipeline
    from benchmarks.loopback import TimedExtractor, model_settings
    from synth.extract.llm import LLMExtractor

    cache = Path(tempfile.mkdtemp(prefix="synth-bench-peers-"))
    # No cache (every run sends every request), synth's own reconcile (so the only requests are
    # extractions, as for langextract), no progress line.
    settings = model_settings(
        base_url, cache, use_cache=False, reconcile="rules", show_progress=False, **options
    )

    def run() -> dict[str, Any]:
        extractor = TimedExtractor(LLMExtractor(settings))
        report = pipeline.summarise([folder], settings=settings, extractor=extractor)
        return {
            "extract_wall_s": round(extractor.wall_s, 3),
            "extract_cpu_s": round(extractor.cpu_s, 3),
            "articles": len(report.sources),
            "claims": len(report.claims),
            "facts": len(report.facts),
            "problems": len(report.problems),
        }

    return run


# langextract's few-shot example and task, in our words: the same task synth's prompt sets.
LX_DESCRIPTION = (
    "List the factual claims the article makes. For each, copy the sentence that makes it "
    "word for word, say who the article attributes it to (empty when nobody), and whether the "
    "claim is reported, asserted, hedged or denied."
)
LX_EXAMPLE_TEXT = (
    "Firefighters worked through the night on the ridge above Marlow. At least 40 homes were "
    "lost, the county fire chief said. The mayor denied that the evacuation order came late."
)


def langextract_runner(folder: Path, base_url: str, options: dict[str, int]) -> Callable[[], dict[str, Any]]:
    import langextract as lx

    texts = [(p.name, p.read_text(encoding="utf-8")) for p in sorted(folder.iterdir())]
    quotes = [
        ("At least 40 homes were lost, the county fire chief said.", "the county fire chief", "asserted"),
        ("The mayor denied that the evacuation order came late.", "the mayor", "denied"),
    ]
    examples = [
        lx.data.ExampleData(
            text=LX_EXAMPLE_TEXT,
            extractions=[
                lx.data.Extraction(
                    extraction_class="claim",
                    extraction_text=quote,
                    attributes={"statement": quote, "attributed_to": who, "stance": stance},
                )
                for quote, who, stance in quotes
            ],
        )
    ]

    def run() -> dict[str, Any]:
        documents = [lx.data.Document(text=text, document_id=name) for name, text in texts]
        # model_id only picks langextract's OpenAI provider; the server ignores it.
        annotated = list(
            lx.extract(
                documents,
                prompt_description=LX_DESCRIPTION,
                examples=examples,
                model_id="gpt-4o-mini",
                api_key="sk-bench",
                language_model_params={"base_url": base_url},
                show_progress=False,
                **options,
            )
        )
        extractions = [e for d in annotated for e in d.extractions or []]
        return {
            "articles": len(annotated),
            "claims": len(extractions),
            "aligned": sum(e.char_interval is not None for e in extractions),
        }

    return run


def worker(config: str, folder: Path, base_url: str) -> None:
    """One configuration in this process: one JSON line on stdout per 'run' on stdin."""
    # The protocol keeps the real stdout; anything the libraries print goes to stderr.
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    def send(message: dict[str, Any]) -> None:
        protocol.write(json.dumps(message) + "\n")

    library, options = CONFIGS[config]
    rss_start = _rss_mib()
    wall, cpu = time.perf_counter(), time.process_time()
    make = synth_runner if library == "synth" else langextract_runner
    run = make(folder, base_url, options)
    send(
        {
            "ready": True,
            "import_wall_s": round(time.perf_counter() - wall, 3),
            "import_cpu_s": round(time.process_time() - cpu, 3),
            "rss_start_mib": rss_start,
            "rss_after_import_mib": _rss_mib(),
        }
    )
    for line in sys.stdin:
        if line.strip() != "run":
            return
        wall, cpu = time.perf_counter(), time.process_time()
        outcome = run()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        send(
            {
                "wall_s": round(wall, 3),
                "cpu_s": round(cpu, 3),
                "peak_rss_mib": _peak_rss_mib(),
                "rss_after_mib": _rss_mib(),
                **outcome,
            }
        )


# --- the parent: processes and the table ---------------------------------------------------------


class Child:
    """A subprocess of this script spoken to in JSON lines."""

    def __init__(self, arguments: list[str], log: Path) -> None:
        self.log = log
        self._log = log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, __file__, *arguments],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
        )

    def read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            tail = self.log.read_text()[-3000:]
            raise RuntimeError(f"{self.log.name} ended: {tail}")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def ask(self, command: str) -> dict[str, Any]:
        stdin: IO[str] | None = self.process.stdin
        assert stdin is not None
        stdin.write(command + "\n")
        stdin.flush()
        return self.read()

    def close(self) -> None:
        if self.process.stdin is not None:
            try:
                self.process.stdin.write("stop\n")
                self.process.stdin.close()
            except OSError:
                pass
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self._log.close()


def summary(values: list[float], digits: int = 3) -> dict[str, float]:
    return {
        "median": round(statistics.median(values), digits),
        "min": round(min(values), digits),
        "max": round(max(values), digits),
    }


def spread(values: list[float], digits: int = 2) -> str:
    s = summary(values, digits)
    if len(values) == 1:
        return f"{s['median']:.{digits}f}"
    return f"{s['median']:.{digits}f} ({s['min']:.{digits}f}–{s['max']:.{digits}f})"


def timed_run(config: str, worker_process: Child, server: Child) -> dict[str, Any]:
    server.ask("reset")
    before = server.ask("stats")
    load = [round(x, 2) for x in os.getloadavg()]
    measured = worker_process.ask("run")
    after = server.ask("stats")
    requests = after["requests"] - before["requests"]
    return {
        "config": config,
        "load_average": load,
        **measured,
        "requests": requests,
        "body_bytes": after["body_bytes"] - before["body_bytes"],
        "header_bytes": after["header_bytes"] - before["header_bytes"],
        "max_in_flight": after["max_in_flight"],
        "server_cpu_s": round(after["server_cpu_s"] - before["server_cpu_s"], 3),
        "cpu_ms_per_request": round(1000 * measured["cpu_s"] / max(requests, 1), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", nargs="?", default="bench", choices=("bench", "profile", "serve", "worker"))
    parser.add_argument(
        "--configs", default=",".join(CONFIGS), help=f"comma-separated, of: {', '.join(CONFIGS)}"
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--articles", type=int, default=ARTICLES)
    parser.add_argument("--sentences", type=int, default=SENTENCES_PER_ARTICLE)
    parser.add_argument("--out", default=str(RESULTS / "peers.json"))
    parser.add_argument("--keep", action="store_true", help="keep the work folder and its logs")
    parser.add_argument("--config", help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    parser.add_argument("--base-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.mode == "serve":
        serve(args.latency)
    elif args.mode == "worker":
        worker(args.config, Path(args.folder), args.base_url)
    elif args.mode == "profile":
        profile(args)
    else:
        bench(args)


def bench(args: argparse.Namespace) -> None:
    from benchmarks.loopback import machine, table
    from benchmarks.story import write_articles

    configs = [c.strip() for c in args.configs.split(",") if c.strip()]
    unknown = set(configs) - set(CONFIGS)
    if unknown:
        raise SystemExit(f"unknown configurations: {sorted(unknown)}")
    work = Path(tempfile.mkdtemp(prefix="synth-bench-peers-"))
    folder = work / "articles"
    paths = write_articles(folder, args.articles, sentences=args.sentences)
    sizes = [len(p.read_text(encoding="utf-8")) for p in paths]
    versions = _versions()
    print(f"{len(paths)} articles, {statistics.mean(sizes):,.0f} characters on average; {versions}")
    server = Child(["serve", "--latency", str(args.latency)], work / "server.log")
    workers: dict[str, Child] = {}
    cold: dict[str, dict[str, Any]] = {}
    started: dict[str, dict[str, Any]] = {}
    runs: list[dict[str, Any]] = []
    try:
        base_url = server.read()["base_url"]
        # One at a time: import, then the cold run, so no two workers overlap.
        for config in configs:
            workers[config] = Child(
                ["worker", "--config", config, "--folder", str(folder), "--base-url", base_url],
                work / f"{config}.log",
            )
            started[config] = workers[config].read()
            cold[config] = timed_run(config, workers[config], server)
            print("cold", json.dumps(cold[config]))
        for repeat in range(args.repeat):
            shift = repeat % len(configs)
            for config in configs[shift:] + configs[:shift]:
                run = timed_run(config, workers[config], server)
                run["repeat"] = repeat
                runs.append(run)
                print(json.dumps(run))
    finally:
        for child in workers.values():
            child.close()
        server.close()
        if args.keep:
            print(f"work folder and logs kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    results: dict[str, Any] = {}
    rows = [
        (
            "configuration",
            "requests/article",
            "request KB/article",
            "wall s",
            "CPU s",
            "CPU ms/request",
            "extraction CPU ms/request",
            "peak RSS MiB (after import)",
            "wall ÷ own floor",
            "claims",
        )
    ]
    for config in configs:
        mine = [r for r in runs if r["config"] == config]
        limit = in_flight_limit(config)
        requests = mine[0]["requests"]
        # A floor with no client cost: each of `limit` slots sends its requests one after another.
        floor = math.ceil(requests / limit) * args.latency
        results[config] = {
            "description": DESCRIPTIONS[config],
            "library": CONFIGS[config][0],
            "options": CONFIGS[config][1],
            "in_flight_limit": limit,
            "requests_per_article": round(requests / args.articles, 3),
            "body_bytes_per_article": round(statistics.median(r["body_bytes"] for r in mine) / args.articles),
            "header_bytes_per_article": round(
                statistics.median(r["header_bytes"] for r in mine) / args.articles
            ),
            "wall_s": summary([r["wall_s"] for r in mine]),
            "cpu_s": summary([r["cpu_s"] for r in mine]),
            "cpu_ms_per_request": summary([r["cpu_ms_per_request"] for r in mine], 2),
            "floor_s": round(floor, 3),
            "ratio_to_floor": summary([r["wall_s"] / floor for r in mine]),
            "ratio_to_issue_ideal": summary(
                [r["wall_s"] / (args.articles * args.latency / 16) for r in mine]
            ),
            "peak_rss_mib": max(r["peak_rss_mib"] for r in mine),
            "rss_after_import_mib": started[config]["rss_after_import_mib"],
            "import_wall_s": started[config]["import_wall_s"],
            "max_in_flight": max(r["max_in_flight"] for r in mine),
            "server_cpu_s": summary([r["server_cpu_s"] for r in mine]),
            "claims": mine[0]["claims"],
            "cold": cold[config],
        }
        extraction = "(all of it)"
        if CONFIGS[config][0] == "synth":
            # synth's call also loads, cleans, grounds, clusters and reconciles: its extraction
            # stage alone is what compares with the client cost per request.
            per_request = [1000 * r["extract_cpu_s"] / r["requests"] for r in mine]
            results[config]["extract_wall_s"] = summary([r["extract_wall_s"] for r in mine])
            results[config]["extract_cpu_s"] = summary([r["extract_cpu_s"] for r in mine])
            results[config]["extract_cpu_ms_per_request"] = summary(per_request, 2)
            extraction = spread(per_request, 1)
        rows.append(
            (
                config,
                f"{requests / args.articles:.2f}",
                f"{results[config]['body_bytes_per_article'] / 1000:.1f}",
                spread([r["wall_s"] for r in mine]),
                spread([r["cpu_s"] for r in mine]),
                spread([r["cpu_ms_per_request"] for r in mine], 1),
                extraction,
                f"{results[config]['peak_rss_mib']:.0f} ({started[config]['rss_after_import_mib']:.0f})",
                spread([r["wall_s"] / floor for r in mine]),
                str(mine[0]["claims"]),
            )
        )
    table(rows)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "benchmark": "peers",
                "command": "python benchmarks/peers.py " + " ".join(sys.argv[1:]),
                "machine": machine(),
                "versions": versions,
                "params": {
                    "articles": args.articles,
                    "sentences": args.sentences,
                    "mean_chars": round(statistics.mean(sizes)),
                    "latency_s": args.latency,
                    "repeat": args.repeat,
                    "claims_per_request": CLAIMS_PER_REQUEST,
                },
                "how": "each configuration in its own warm worker process (import and one untimed cold "
                "run first); timed runs interleaved across configurations; CPU is the worker "
                "process's (all threads); requests and bytes are counted by the server",
                "results": results,
                "runs": runs,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"-> {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")


def profile(args: argparse.Namespace) -> None:
    """Where each configuration's client CPU goes: py-spy (--gil, every thread) over a worker
    making a cold run and --repeat warm ones, samples inside the library call, by package."""
    from benchmarks.loopback import _grouped_py_spy, machine, table
    from benchmarks.story import write_articles

    configs = [c.strip() for c in args.configs.split(",") if c.strip()]
    work = Path(tempfile.mkdtemp(prefix="synth-bench-peers-profile-"))
    folder = work / "articles"
    write_articles(folder, args.articles, sentences=args.sentences)
    server = Child(["serve", "--latency", str(args.latency)], work / "server.log")
    found: dict[str, Any] = {}
    try:
        base_url = server.read()["base_url"]
        for config in configs:
            raw = work / f"{config}.txt"
            runs = "run\n" * (args.repeat + 1)
            load = [round(x, 2) for x in os.getloadavg()]
            done = subprocess.run(
                [
                    "py-spy",
                    "record",
                    "--gil",
                    "--full-filenames",
                    "--rate",
                    "200",
                    "--format",
                    "raw",
                    "--output",
                    str(raw),
                    "--",
                    sys.executable,
                    __file__,
                    "worker",
                    "--config",
                    config,
                    "--folder",
                    str(folder),
                    "--base-url",
                    base_url,
                ],
                input=runs + "stop\n",
                capture_output=True,
                text=True,
                check=True,
            )
            measured = [json.loads(line) for line in done.stdout.splitlines()[1:] if line.startswith("{")]
            # synth's call is summarise(); langextract's is extract(): both frames are named so.
            frame = "summarise (" if CONFIGS[config][0] == "synth" else "extract ("
            grouped = _grouped_py_spy(raw, frame)
            total = grouped["total"] or 1.0
            found[config] = {
                "load_average_at_start": load,
                "runs": measured,
                "samples": int(grouped["total"]),
                "note": "the first run is cold: its imports are among the samples",
                "share_by_package_charged": {
                    k: round(v / total, 4)
                    for k, v in sorted(grouped["charged"].items(), key=lambda kv: -kv[1])
                },
                "share_by_package_self": {
                    k: round(v / total, 4) for k, v in sorted(grouped["self"].items(), key=lambda kv: -kv[1])
                },
                "top_functions_charged": grouped["charged_functions"][:25],
            }
            print(f"== {config}: {int(grouped['total'])} samples")
            table(
                [("package (stdlib and C time to its caller)", "share")]
                + [
                    (k, f"{100 * v:.1f} %")
                    for k, v in list(found[config]["share_by_package_charged"].items())[:10]
                ]
            )
            table(
                [("function (innermost outside the stdlib)", "share")]
                + [(f["function"], f"{100 * f['share']:.1f} %") for f in grouped["charged_functions"][:10]]
            )
    finally:
        server.close()
        shutil.rmtree(work, ignore_errors=True)
    out = Path(args.out if args.out != str(RESULTS / "peers.json") else RESULTS / "peers_profile.json")
    out.write_text(
        json.dumps(
            {
                "benchmark": "peers profile",
                "machine": machine(),
                "command": "python benchmarks/peers.py " + " ".join(sys.argv[1:]),
                "params": {
                    "articles": args.articles,
                    "sentences": args.sentences,
                    "latency_s": args.latency,
                    "warm_runs": args.repeat,
                },
                "profiles": found,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"-> {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in ("langextract", "instructor", "openai", "httpx", "pydantic"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found


if __name__ == "__main__":
    main()
