"""Benchmark for issue #17: many stories through the Batch API on loopback, against the live path.

Measurements, not tests. It writes S stories x A articles of generated text (each article
2,000-3,000 characters of templated sentences with made-up places, people and figures) to a
temporary folder, starts the loopback batch server of the tests (tests/batch_server.py) in this
process, and drives the public CLI as a subprocess, the way a user runs it:

    synth summarise --each -o OUT -f json -m fault-model --base-url URL --reconcile rules|model \\
        --cache-dir CACHE --concurrency C --batch --wait --poll-seconds P STORY_DIR...

Runs, each a fresh synth process (batch mode is CLI-only: `synth.summarise_many` has no batch
option):

  batch       `--batch --wait` on an empty cache; the server finishes the batch at poll N.
              The moments synth prints "submitted" and "completed" split the wall time into
              submit (start-up, read + clean every article, plan, write the JSONL, upload,
              create), wait + collect (polls, download, check, store), with --reconcile model
              the reconcile batch (extract from the cache, plan, submit, wait, collect), and
              the report run.
  submit      `--batch` without --wait on another empty cache: the process that only
              submits (and polls once), then exits 0 with the batch id.
  collect     `--batch --wait` on that cache: the process that finds the batch, waits for it,
              collects it and writes the reports.
  again       `--batch --wait` once more on the first cache: 0 requests, 0 batches.
  live        no --batch, on an empty cache, against the plain fault server (tests/fault_server.py)
              at the same concurrency: every request sent one by one.

For each: wall time, the process's CPU time and peak RSS (os.wait4's rusage of that child),
the server's counts (uploads, batches, polls, chat requests) and the reports' usage. Cost: the
price file (SYNTH_PRICES) gives fault-model gpt-4o-mini's prices and a batch share of 0.5; the
batch run's cost is what its reports say, and the live path's cost of the same requests is the
same tokens at the full price (and what the live run's own reports say).

    python benchmarks/batch.py                       # 200 stories x 5 articles, N = 3 polls
    python benchmarks/batch.py --stories 10 --out /tmp/batch.json   # a quick look

Writes benchmarks/results/batch.json (or --out) and prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.batch_server import BatchServer  # noqa: E402
from tests.fault_server import MODEL_ID, FaultServer  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
# gpt-4o-mini's prices (dollars per million prompt and completion tokens) and the Batch
# API's share of them, under the loopback server's model name.
PRICE = (0.15, 0.60, 0.5)
KEY = "sk-bench-loopback-0123456789"

# --- articles: our own templated writing, one made-up event per story ---------------------

PLACES = (
    "Marrowby",
    "Ostrel",
    "Kelvance",
    "Duneford",
    "Tarrin Cross",
    "Vellmouth",
    "Ashcombe",
    "Brindle Bay",
    "Corvey",
    "Hallen Ridge",
    "Quenlow",
    "Sorrel Point",
    "Westmere",
    "Pellard",
    "Ironbrook",
    "Lantry",
    "Mossgate",
    "Ravensholt",
    "Tolliver",
    "Yarrow Fen",
)
PEOPLE = (
    "Ilse Varga",
    "Tobin Achebe",
    "Marta Kowalczyk",
    "Desmond Ferreira",
    "Nadia Osei",
    "Rupert Lindqvist",
    "Soraya Haddad",
    "Emil Brandt",
    "Keiko Ramsey",
    "Oren Castellanos",
    "Priya Maddox",
    "Lucan Petrescu",
)
ROLES = (
    "the mayor",
    "the regional fire chief",
    "the county health officer",
    "the police commissioner",
    "the transport minister",
    "a union spokesperson",
    "the harbour master",
    "the chief engineer",
)
OUTLETS = (
    "Marrowby Echo",
    "Coastline Daily",
    "The Upland Record",
    "Evening Lantern",
    "North Shire Times",
    "Harbourside Post",
    "The Valley Ledger",
    "Morning Courier",
)
WHEN = (
    "on Monday",
    "by Tuesday evening",
    "overnight",
    "late on Wednesday",
    "by the weekend",
    "so far",
    "as of Thursday morning",
    "within two days",
)
# (event, figure sentences, plain sentences): {n} a figure, {who} a speaker, {when} a time,
# {place} the story's town.
EVENTS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    (
        "Storm floods {place}",
        (
            "About {n} residents of {place} left their homes {when}, {who} said.",
            "{Who} said {n} millimetres of rain had fallen in 36 hours.",
            "At least {n} people were hurt {when}, according to {who}.",
            "{Who} counted {n} flooded basements across the lower town.",
            "Some {n} households were without power {when}, {who} said.",
        ),
        (
            "Sandbags were piled along the quay as the tide rose.",
            "Volunteers carried elderly neighbours to the sports hall on the hill.",
            "The old stone bridge was closed after a barge struck one of its piers.",
            "Forecasters warned that a second band of rain was on its way.",
        ),
    ),
    (
        "Strike halts trams in {place}",
        (
            "{Who} said {n} drivers had walked out {when}.",
            "Roughly {n} passengers a day rely on the tram network, {who} said.",
            "The union is asking for a rise of {n} per cent, according to {who}.",
            "{Who} put the cost of the stoppage at {n} thousand euros a day.",
            "Only {n} of the depot's trams left the sheds {when}, {who} said.",
        ),
        (
            "Commuters queued for replacement buses in the rain.",
            "Talks between the operator and the union broke up without a date to meet again.",
            "Shopkeepers on the high street said trade had fallen sharply.",
            "Cyclists filled the bridges in numbers not seen for years.",
        ),
    ),
    (
        "Fire at the {place} timber yard",
        (
            "{Who} said {n} firefighters fought the blaze {when}.",
            "Smoke forced the closure of {n} schools nearby, {who} said.",
            "About {n} tonnes of timber were destroyed, according to {who}.",
            "{Who} said {n} workers were on site when the fire began.",
            "Crews pumped {n} litres of water from the canal {when}, {who} said.",
        ),
        (
            "Residents were told to keep their windows shut.",
            "The cause of the fire was not yet known.",
            "The owners said the yard had passed an inspection in the spring.",
            "A column of grey smoke could be seen from the motorway.",
        ),
    ),
    (
        "{place} council votes on its budget",
        (
            "{Who} said the budget would reach {n} million euros next year.",
            "Councillors approved {n} new teaching posts {when}, according to {who}.",
            "{Who} said {n} kilometres of road would be resurfaced.",
            "Rents in council flats will rise by {n} per cent, {who} said.",
            "The vote passed by {n} votes {when}, {who} said.",
        ),
        (
            "The debate in the chamber lasted well past midnight.",
            "Opposition members walked out before the final vote.",
            "A small crowd protested outside against the library closures.",
            "The finance committee will publish the full figures next month.",
        ),
    ),
)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def article_text(story: int, number: int) -> str:
    """Article `number` of story `story`: a header and 2,000-3,000 characters of sentences."""
    rng = random.Random(story * 1_000 + number)
    place = PLACES[story % len(PLACES)] + ("" if story < len(PLACES) else f" {story // 20 + 1}")
    event, figures, plain = EVENTS[story % len(EVENTS)]
    target = rng.randint(2_050, 2_850)
    body: list[str] = []
    size = 0
    while True:
        if rng.random() < 0.6:
            who = rng.choice((*ROLES, *PEOPLE))
            sentence = rng.choice(figures).format(
                n=f"{rng.randint(3, 40) * 10 ** rng.randint(0, 3):,}",
                who=who,
                Who=_capital(who),
                when=rng.choice(WHEN),
                place=place,
            )
        else:
            sentence = rng.choice(plain).format(place=place)
        if size + len(sentence) + 1 > target:
            break
        body.append(sentence)
        size += len(sentence) + 1
    paragraphs = [" ".join(body[i : i + 4]) for i in range(0, len(body), 4)]
    return (
        f"Title: {event.format(place=place)}\nOutlet: {rng.choice(OUTLETS)}\n"
        f"Date: 2026-04-{1 + (story + number) % 28:02d}\n\n" + "\n\n".join(paragraphs) + "\n"
    )


def write_stories(root: Path, stories: int, articles: int) -> list[Path]:
    folders = []
    for story in range(stories):
        folder = root / f"story-{story:03d}"
        folder.mkdir(parents=True)
        for number in range(articles):
            (folder / f"article-{number}.txt").write_text(article_text(story, number), encoding="utf-8")
        folders.append(folder)
    return folders


# --- running synth ------------------------------------------------------------------------


def run_synth(args: list[str], env: dict[str, str]) -> dict[str, Any]:
    """One synth process: wall time, its own CPU and peak RSS, and when each stderr line came."""
    code = "import sys; from synth.cli import main; sys.exit(main(sys.argv[1:]))"
    load_before = os.getloadavg()
    start = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[tuple[float, str]] = []
    out: list[str] = []

    def read_err() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            lines.append((time.monotonic() - start, line.rstrip("\n")))

    def read_out() -> None:
        assert process.stdout is not None
        out.append(process.stdout.read())

    readers = [threading.Thread(target=read_err), threading.Thread(target=read_out)]
    for reader in readers:
        reader.start()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.monotonic() - start
    for reader in readers:
        reader.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    return {
        "exit": process.returncode,
        "wall_s": round(wall, 3),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
        "user_s": round(usage.ru_utime, 3),
        "sys_s": round(usage.ru_stime, 3),
        "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),  # Linux: kilobytes
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()],
        "stdout": "".join(out).strip()[:200],
        "stderr_lines": lines,
    }


def moment(run: dict[str, Any], words: str) -> float | None:
    """Seconds from the start of the process to the first stderr line holding `words`."""
    return next((t for t, line in run["stderr_lines"] if words in line), None)


def last_moment(run: dict[str, Any], words: str) -> float | None:
    """Seconds from the start of the process to the last stderr line holding `words`."""
    return next((t for t, line in reversed(run["stderr_lines"]) if words in line), None)


def reports_usage(folder: Path) -> dict[str, Any]:
    totals = {
        "reports": 0,
        "requests": 0,
        "batched_requests": 0,
        "prompt_tokens": 0,
        "completion_tokens": 0,
        "cache_hits": 0,
        "reconcile_requests": 0,
        "claims": 0,
        "estimated_cost_usd": 0.0,
    }
    for path in sorted(folder.glob("*.json")):
        report = json.loads(path.read_text(encoding="utf-8"))
        usage = report["usage"]
        totals["reports"] += 1
        totals["claims"] += len(report["claims"])
        for key in (
            "requests",
            "batched_requests",
            "prompt_tokens",
            "completion_tokens",
            "cache_hits",
            "reconcile_requests",
        ):
            totals[key] += usage[key]
        totals["estimated_cost_usd"] += usage["estimated_cost_usd"] or 0.0
    totals["estimated_cost_usd"] = round(totals["estimated_cost_usd"], 6)
    return totals


def server_counts(server: FaultServer) -> dict[str, int]:
    counts = {"chat_requests": server.request_count}
    if isinstance(server, BatchServer):
        counts.update(
            uploads=server.uploads,
            batches=server.batches_created,
            polls=server.polls,
            downloads=server.counts["downloads"],
        )
    return counts


def delta(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    return {key: after[key] - before.get(key, 0) for key in after}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stories", type=int, default=200)
    parser.add_argument("--articles", type=int, default=5)
    parser.add_argument(
        "--polls", type=int, default=3, help="the loopback server finishes a batch at this poll"
    )
    parser.add_argument("--poll-seconds", type=float, default=0.05)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="rounds of every run, each in a fresh folder (the machine is shared)",
    )
    parser.add_argument(
        "--reconcile",
        choices=("rules", "model"),
        default="rules",
        help="model: the model reconcile's requests too (a second batch in batch mode)",
    )
    parser.add_argument("--skip", default="", help="runs to leave out: submit,live")
    parser.add_argument("--out", type=Path, default=RESULTS / "batch.json")
    options = parser.parse_args()
    skip = set(filter(None, options.skip.split(",")))

    rounds = []
    for number in range(options.repeat):
        print(f"round {number + 1} of {options.repeat}", file=sys.stderr)
        work = Path(tempfile.mkdtemp(prefix="synth-batch-bench-"))
        try:
            rounds.append(bench(work, options, skip))
        finally:
            shutil.rmtree(work, ignore_errors=True)
    result = {
        **{k: v for k, v in rounds[-1].items() if k not in ("runs", "benchmark_wall_s")},
        "command": "python benchmarks/batch.py " + " ".join(sys.argv[1:]),
        "summary": summarise_rounds(rounds),
        "rounds": rounds,
    }
    options.out.parent.mkdir(parents=True, exist_ok=True)
    options.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print_table(result)
    print(f"wrote {options.out}")
    return 0


def summarise_rounds(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """Median and range over the rounds of each run's figures."""
    summary: dict[str, Any] = {}
    for name in rounds[0]["runs"]:
        runs = [r["runs"][name] for r in rounds]
        figures: dict[str, Any] = {}
        for key in ("wall_s", "cpu_s", "peak_rss_mib", "server_cpu_s"):
            figures[key] = spread([run[key] for run in runs])
        figures["load_1min"] = spread([run["load_before"][0] for run in runs])
        if name == "batch":
            for phase in ("submit", "wait_and_collect", "reconcile_batch", "reports"):
                values = [run["phases_s"][phase] for run in runs]
                if None not in values:
                    figures[f"phase_{phase}_s"] = spread(values)
        figures["exits"] = sorted({run["exit"] for run in runs})
        for key in ("state_files", "state_bytes", "cache_bytes"):
            if key in runs[-1]:
                figures[key] = runs[-1][key]
        figures["server"] = runs[-1]["server"]
        figures["reports"] = runs[-1]["reports"]
        summary[name] = figures
    return summary


def spread(values: list[float]) -> dict[str, float]:
    return {
        "median": round(statistics.median(values), 3),
        "min": round(min(values), 3),
        "max": round(max(values), 3),
    }


def bench(work: Path, options: argparse.Namespace, skip: set[str]) -> dict[str, Any]:
    started = time.monotonic()
    folders = write_stories(work / "in", options.stories, options.articles)
    sizes = [len(p.read_text(encoding="utf-8")) for f in folders for p in f.iterdir()]
    prices = work / "prices.json"
    prices.write_text(json.dumps({MODEL_ID: list(PRICE)}), encoding="utf-8")
    env = {
        **os.environ,
        "SYNTH_PRICES": str(prices),
        "PYTHONPATH": str(ROOT),
        "OPENAI_API_KEY": KEY,
        "PYTHONUNBUFFERED": "1",
    }
    for name in ("SYNTH_MODEL", "SYNTH_BASE_URL", "SYNTH_CACHE_DIR"):
        env.pop(name, None)

    def command(server: FaultServer, name: str, *extra: str) -> list[str]:
        return [
            "summarise",
            "--each",
            "-o",
            str(work / "out" / name),
            "-f",
            "json",
            "-m",
            MODEL_ID,
            "--base-url",
            server.base_url,
            "--reconcile",
            options.reconcile,
            "--concurrency",
            str(options.concurrency),
            *extra,
            *(str(f) for f in folders),
        ]

    runs: dict[str, Any] = {}
    (work / "out").mkdir()

    def record(name: str, server: FaultServer, cache: str, *extra: str) -> dict[str, Any]:
        before = server_counts(server)
        own = resource.getrusage(resource.RUSAGE_SELF)
        run = run_synth(command(server, name, "--cache-dir", str(work / cache), *extra), env)
        run["server"] = delta(server_counts(server), before)
        now = resource.getrusage(resource.RUSAGE_SELF)
        # This process's CPU while synth ran: the loopback server's threads, and the readers.
        run["server_cpu_s"] = round(now.ru_utime + now.ru_stime - own.ru_utime - own.ru_stime, 3)
        run["reports"] = reports_usage(work / "out" / name)
        if run["exit"] != 0:
            print(
                f"{name}: exit {run['exit']}\n" + "\n".join(line for _, line in run["stderr_lines"][-10:]),
                file=sys.stderr,
            )
        runs[name] = run
        print(
            f"{name}: {run['wall_s']} s wall, {run['cpu_s']} s CPU, "
            f"{run['peak_rss_mib']} MiB, load {run['load_before'][0]}",
            file=sys.stderr,
        )
        return run

    wait = ("--batch", "--wait", "--poll-seconds", str(options.poll_seconds))
    with BatchServer(polls_to_complete=options.polls) as server:
        batch = record("batch", server, "cache-batch", *wait)
        batch_ids = list(server.batches)
        lines = server.input_lines(batch_ids[0]) if batch_ids else []
        uploaded = sum(len(server.files[server.batches[b]["input_file_id"]][1]) for b in batch_ids)
        submitted, completed = moment(batch, " submitted: "), moment(batch, " completed: ")
        # With --reconcile model, a second batch: from the first "completed" to the last.
        last = last_moment(batch, " completed: ")
        batch["phases_s"] = {
            "submit": None if submitted is None else round(submitted, 3),
            "wait_and_collect": None if None in (submitted, completed) else round(completed - submitted, 3),  # type: ignore[operator]
            "reconcile_batch": None if None in (completed, last) else round(last - completed, 3),  # type: ignore[operator]
            "reports": None if last is None else round(batch["wall_s"] - last, 3),
        }
        if "submit" not in skip:
            record("submit", server, "cache-split", "--batch")
            # What the submitting process leaves beside the cache for the next one to find.
            states = list((work / "cache-split" / "batches").glob("*.json"))
            runs["submit"]["state_files"] = len(states)
            runs["submit"]["state_bytes"] = sum(p.stat().st_size for p in states)
            record("collect", server, "cache-split", *wait)
        record("again", server, "cache-batch", *wait)
        runs["again"]["cache_bytes"] = sum(
            p.stat().st_size for p in (work / "cache-batch").rglob("*") if p.is_file()
        )
    if "live" not in skip:
        with FaultServer() as live_server:
            record("live", live_server, "cache-live")

    stories = options.stories
    tokens = batch["reports"]
    live_price_of_batch = (
        tokens["prompt_tokens"] * PRICE[0] + tokens["completion_tokens"] * PRICE[1]
    ) / 1_000_000
    for run in runs.values():
        run["stderr_tail"] = [f"{t:.2f}s {line}" for t, line in run.pop("stderr_lines")[-6:]]
    return {
        "benchmark": "many stories and the Batch API on loopback (issue #17)",
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "setup": {
            "stories": stories,
            "articles_per_story": options.articles,
            "article_chars": {"min": min(sizes), "max": max(sizes), "mean": round(sum(sizes) / len(sizes))},
            "polls_to_complete": options.polls,
            "poll_seconds": options.poll_seconds,
            "concurrency": options.concurrency,
            "reconcile": options.reconcile,
            "price_per_million": {"input": PRICE[0], "output": PRICE[1], "batch_share": PRICE[2]},
        },
        "batch": {
            "lines_uploaded": len(lines),
            "uploaded_bytes": uploaded,
            "requests_per_story": round(len(lines) / stories, 3),
            "batches": len(batch_ids),
            "custom_id_example": lines[0]["custom_id"] if lines else None,
            # With --reconcile model: the second batch, of the model reconcile's requests.
            "lines_per_batch": [len(server.input_lines(b)) for b in batch_ids],
            "custom_ids_by_batch": [server.input_lines(b)[0]["custom_id"] for b in batch_ids],
        },
        "cost": {
            "batch_reported_usd": tokens["estimated_cost_usd"],
            "live_price_of_the_same_tokens_usd": round(live_price_of_batch, 6),
            "live_run_reported_usd": runs["live"]["reports"]["estimated_cost_usd"]
            if "live" in runs
            else None,
            # The loopback server counts a request's JSON bytes / 4 as its prompt
            # tokens, and a batch line's body is serialised with spaces that the live
            # client's is not: the two runs' prompt tokens differ by that much.
            "batch_tokens": [tokens["prompt_tokens"], tokens["completion_tokens"]],
            "live_run_tokens": [
                runs["live"]["reports"]["prompt_tokens"],
                runs["live"]["reports"]["completion_tokens"],
            ]
            if "live" in runs
            else None,
            "batch_over_live": round(tokens["estimated_cost_usd"] / live_price_of_batch, 4)
            if live_price_of_batch
            else None,
        },
        "runs": runs,
        "benchmark_wall_s": round(time.monotonic() - started, 1),
        "self_rusage_cpu_s": round(sum(resource.getrusage(resource.RUSAGE_SELF)[:2]), 2),
    }


def print_table(result: dict[str, Any]) -> None:
    """Medians over the rounds, and the counts of the last round."""
    print(
        f"{'run':8} {'wall s':>7} {'cpu s':>6} {'srv cpu':>7} {'rss MiB':>7} {'load':>5} "
        f"{'chat':>5} {'upl':>3} {'bat':>3} {'polls':>5} {'batched':>7} {'cost $':>8}"
    )
    for name, run in result["summary"].items():
        server, reports = run["server"], run["reports"]
        print(
            f"{name:8} {run['wall_s']['median']:>7} {run['cpu_s']['median']:>6} "
            f"{run['server_cpu_s']['median']:>7} {run['peak_rss_mib']['median']:>7} "
            f"{run['load_1min']['median']:>5} {server['chat_requests']:>5} "
            f"{server.get('uploads', '-'):>3} {server.get('batches', '-'):>3} "
            f"{server.get('polls', '-'):>5} {reports['batched_requests']:>7} "
            f"{reports['estimated_cost_usd']:>8.4f}"
        )
    batch = result["summary"]["batch"]
    print("batch phases (median s):", {k: v["median"] for k, v in batch.items() if k.startswith("phase_")})
    print("batch:", result["batch"])
    print("cost:", result["cost"])


if __name__ == "__main__":
    sys.exit(main())
