"""The `synth` command: parses flags, calls the pipeline, writes output (terminal I/O only).

Exit statuses: 0 when the report rests on at least one article; 1 when it rests on none (no
input could be read, every article's extraction failed, the model server cannot be reached
or refuses the requests), with one line saying why and what to do; 2 for a usage error (a
bad flag value, a setting that cannot work), as one usage line and one error line. Errors a
user can cause (SynthError) are one line; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from synth import __version__
from synth.config import MODES, RECONCILERS, Settings, resolve_settings
from synth.errors import ConfigError, SynthError
from synth.models import Report, Usage
from synth.terminal import LinesAboveProgress, TerminalProgress, inputs_label

if TYPE_CHECKING:
    from synth.batch_client import BatchRun

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


# Output formats by the extension of --out, when --format is not given.
FORMAT_BY_EXTENSION = {".json": "json", ".html": "html", ".htm": "html", ".md": "md", ".markdown": "md"}
ENVIRONMENT_HELP = """\
environment:
  OPENAI_API_KEY    API key for the model endpoint (never printed or stored)
  OPENAI_BASE_URL   OpenAI-compatible endpoint (default: https://api.openai.com/v1)
  SYNTH_MODEL       model name; without one, the offline rule-based extractor is used
  SYNTH_OFFLINE     1: use the offline rule-based extractor, as --offline does
  SYNTH_MODE        structured-output request format: tools, json_schema, json, md_json
  SYNTH_RECONCILE   who writes facts and overview: auto, model or rules
  SYNTH_CACHE_DIR   model-response cache folder (default: ~/.cache/synth)
  SYNTH_PRICES      JSON file of {"model": [input $/M tokens, output $/M tokens]}
"""
EXAMPLES_HELP = """\
examples:
  synth summarise examples/articles/nk-troops-russia
  synth summarise -m gpt-4o-mini -o report.html article1.html https://example.com/story
  synth summarise --each -o reports/ -f html stories/*/
  curl -s https://example.com/story | synth summarise -f json - notes/
"""
EXIT_HELP = """\
exit status: 0 the report rests on at least one article; 1 it rests on none (no input could
be read, every article failed, the model server cannot be reached); 2 a usage error.
With --each: 0 when at least one story got a report, 1 when none did.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="synth",
        description="Reconcile what several articles say about one story.",
        epilog=f"{ENVIRONMENT_HELP}\n{EXAMPLES_HELP}\n{EXIT_HELP}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"synth {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "summarise",
        aliases=["summarize"],
        help="summarise articles (files, folders, URLs) into a fact sheet",
        description="Summarise articles about one story into a fact "
        "sheet: what the sources agree on,\nwhere they "
        "disagree, and who says what, each point cited.",
        usage="synth summarise [options] [--] PATH...",
        epilog=f"{ENVIRONMENT_HELP}\n{EXAMPLES_HELP}\n{EXIT_HELP}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help=".txt, .md, .html files, folders of them, http(s) URLs, or - for one article on standard input",
    )
    run.add_argument(
        "-f",
        "--format",
        choices=["md", "json", "html"],
        help="output format (default: from --out's extension .json, .html or .md; else md)",
    )
    run.add_argument(
        "-o", "--out", type=Path, help="write to this file instead of stdout (its folder must exist)"
    )
    run.add_argument(
        "--offline",
        action="store_true",
        default=None,
        help="use the rule-based extractor even if a model is configured",
    )
    run.add_argument("-m", "--model", help="model name (default: $SYNTH_MODEL)")
    run.add_argument("--base-url", help="OpenAI-compatible endpoint (default: $OPENAI_BASE_URL)")
    run.add_argument("--mode", choices=MODES, help="force the structured-output request format (no fallback)")
    run.add_argument(
        "--timeout",
        type=float,
        help="seconds per model request, all of it (default: 60; 1800 for a server "
        "on this machine or a private network)",
    )
    run.add_argument(
        "--concurrency",
        type=int,
        help="model requests at once, at most (default: 4; fewer while the server is slow)",
    )
    run.add_argument("--chunk-chars", type=int, help="split longer articles (default: 6000)")
    run.add_argument(
        "--max-output-tokens",
        type=int,
        help="cap on each model answer (default: 4096; lower it for small contexts)",
    )
    run.add_argument(
        "--reconcile",
        choices=RECONCILERS,
        help="who writes facts and overview: auto (the model when one is configured), "
        "model, or rules (synth's deterministic reconcile)",
    )
    run.add_argument(
        "--reconcile-budget",
        type=int,
        metavar="TOKENS",
        help="claims per reconcile request, in estimated tokens (default: 6000); "
        "more are reconciled group by group",
    )
    run.add_argument(
        "--cache-dir", type=Path, help="cache folder (default: $SYNTH_CACHE_DIR or the user cache directory)"
    )
    run.add_argument("--no-cache", action="store_true", default=None, help="neither read nor write the cache")
    run.add_argument("--max-bytes", type=int, help="largest article file accepted (default: 10 MB)")
    run.add_argument("--quiet", action="store_true", help="no progress or notes on stderr")
    run.add_argument(
        "--batch",
        action="store_true",
        help="send the extraction requests the cache cannot answer as one batch "
        "to the provider's Batch API (half the price, done within 24 h), then the "
        "model reconcile's as a second; a later run with the same inputs collects "
        "each",
    )
    run.add_argument(
        "--wait",
        action="store_true",
        help="with --batch: wait for the batches, polling with backoff, then write the reports",
    )
    run.add_argument(
        "--poll-seconds",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="with --batch --wait: first wait between polls (default: 10; each "
        "next one half as long again, up to 5 minutes)",
    )
    run.add_argument(
        "--each",
        action="store_true",
        help="each PATH is a folder holding one story: write one report per story "
        "into the folder --out names (OUT/<story>.md, .json or .html by "
        "--format), then a table of them on stderr",
    )

    schema = commands.add_parser("schema", help="print the JSON Schema of the report")

    cache = commands.add_parser("cache", help="inspect or clear the model-response cache")
    cache.add_argument("action", choices=["info", "clear"])
    cache.add_argument("--cache-dir", type=Path)

    log = commands.add_parser(
        "log",
        help="list the model requests of past runs, or show one",
        usage="synth log [--limit N] [--json] [--cache-dir DIR]\n"
        "       synth log show ID [--json] [--cache-dir DIR]",
    )
    log_show = log.add_subparsers(dest="log_action", metavar="show ID").add_parser(
        "show",
        help="one request: what was sent and the reply",
        prog="synth log show",
        usage="synth log show ID [--json] [--cache-dir DIR]",
    )
    log_show.add_argument("id", type=_whole_number, metavar="ID", help="the request's number in the list")
    log.add_argument("--limit", type=_whole_number, metavar="N", help="the last N requests only")
    for command in (log, log_show):
        # Either place will do (`synth log --json show 3`): not given is no default to undo.
        command.add_argument(
            "--json",
            action="store_true",
            default=argparse.SUPPRESS,
            help="JSON (one object a line for a list)",
        )
        command.add_argument(
            "--cache-dir",
            type=Path,
            default=argparse.SUPPRESS,
            metavar="DIR",
            help="the cache folder the log is kept in",
        )
    # A setting that cannot work is a usage error of the command that was given.
    for command in (run, schema, cache, log, log_show):
        command.set_defaults(command_parser=command)
    return parser


def _whole_number(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number from 1")
    return int(text)


def main(argv: Sequence[str] | None = None) -> int:
    _quiet_instructor()
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:  # told with the usage of the command given, not synth's own
        args.command_parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    try:
        if args.command == "schema":
            from synth.models import report_json_schema

            print(json.dumps(report_json_schema(), indent=2))
            return EXIT_OK
        if args.command == "cache":
            return _cache_command(args)
        if args.command == "log":
            return _log_command(args)
        return _summarise_command(args)
    except ConfigError as error:
        # The command's usage line and one error line, as argparse gives for a bad value.
        command = getattr(args, "command_parser", parser)
        command.print_usage(sys.stderr)
        print(f"{command.prog}: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except SynthError as error:
        print(f"synth: {error}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("synth: interrupted", file=sys.stderr)
        return 130


def _quiet_instructor() -> None:
    """instructor logs each failed attempt at ERROR, and with no logging configured Python
    prints such records on stderr; the command reports every failure itself, in one line.
    A handler that drops them keeps that fallback away. It is set by the command, the
    application, and only here: a program that imports synth keeps its own logging, and one
    that configures logging and then calls main() still receives instructor's records."""
    logger = logging.getLogger("instructor")
    if not logger.handlers:
        logger.addHandler(logging.NullHandler())


def _summarise_command(args: argparse.Namespace) -> int:
    from synth.outcome import run_failure
    from synth.pipeline import summarise
    from synth.render import FORMATS

    settings = resolve_settings(
        offline=args.offline,
        model=args.model,
        base_url=args.base_url,
        mode=args.mode,
        timeout=args.timeout,
        concurrency=args.concurrency,
        chunk_chars=args.chunk_chars,
        max_output_tokens=args.max_output_tokens,
        reconcile=args.reconcile,
        reconcile_budget_tokens=args.reconcile_budget,
        cache_dir=args.cache_dir,
        use_cache=False if args.no_cache else None,
        max_bytes=args.max_bytes,
        show_progress=False if args.quiet else None,
    )
    batch_usage: dict[str, Usage] = {}
    if args.batch:
        batch_run = _batch_first(args, settings)
        if batch_run is None:
            return EXIT_OK
        batch_usage = batch_run.usage
    elif args.wait:
        raise ConfigError("--wait goes with --batch")
    if args.each:
        return _summarise_each_command(args, settings, batch_usage)
    output_format = args.format or output_format_for(args.out)
    if args.out is not None:
        check_output_path(args.out)
    say = _stderr_writer(args.quiet)
    if not settings.uses_model:
        reason = "--offline given" if settings.offline else "no model configured (set SYNTH_MODEL)"
        say(f"synth: using the offline rule-based extractor: {reason}")
    if "-" in args.paths and sys.stdin is not None and sys.stdin.isatty():
        say("synth: reading an article from standard input: type or paste it, then Ctrl-D")
    progress = _terminal_progress(settings, args.paths)
    stderr = sys.stderr
    if progress is not None:
        sys.stderr = LinesAboveProgress(progress)
    try:
        report = summarise(args.paths, settings=settings, progress=progress)
        if SINGLE_STORY in batch_usage:
            report.usage.add(batch_usage[SINGLE_STORY])
    finally:
        if progress is not None:
            progress.end_line()
            sys.stderr = stderr
    failure = run_failure(report)
    for problem in report.problems:
        if failure is None or problem not in failure.covered:
            print(f"synth: {problem.line()}", file=sys.stderr)
    if failure is not None:
        # No report: an empty fact sheet would read like a good one.
        print(f"synth: {failure.line}", file=sys.stderr)
        return EXIT_FAILED
    output = FORMATS[output_format](report)
    if args.out:
        try:
            args.out.write_text(output, encoding="utf-8")
        except OSError as error:
            raise SynthError(f"{args.out}: cannot write output ({error.strerror})") from None
        say(f"synth: wrote {args.out}")
    else:
        sys.stdout.write(output)
    say(summary_line(report))
    return EXIT_OK


# The name batch mode gives the one story of a run without --each.
SINGLE_STORY = "story"


def _batch_first(args: argparse.Namespace, settings: Settings) -> BatchRun | None:
    """Batch mode before the normal run: submits, finds, waits for and collects the batch of
    extraction requests. None when a batch is still running (said, with its id on stdout):
    the run ends there, and the same command later collects it."""
    if not settings.uses_model:
        raise ConfigError("--batch needs a model: set SYNTH_MODEL or pass --model, without --offline")
    if not settings.use_cache:
        raise ConfigError("--batch keeps its answers in the cache: drop --no-cache")
    if not args.poll_seconds > 0:
        raise ConfigError("--poll-seconds must be positive")
    if "-" in args.paths or any("://" in path for path in args.paths):
        raise ConfigError(
            "--batch reads its inputs twice (to plan, then to report): give files or folders, not - or URLs"
        )
    from synth.batch_client import run_batch
    from synth.many import Story, stories_from_paths

    stories = stories_from_paths(args.paths) if args.each else [Story(SINGLE_STORY, tuple(args.paths))]
    if args.each and args.out is None:
        raise ConfigError("--each needs --out FOLDER: one report per story is written there")
    # Where the reports go is checked before the batch is paid for, not after it is collected.
    if args.each:
        check_output_folder(args.out)
    elif args.out is not None:
        check_output_path(args.out)
    say = _stderr_writer(args.quiet)
    progress = _terminal_progress(settings, args.paths)
    stderr = sys.stderr
    if progress is not None:
        sys.stderr = LinesAboveProgress(progress)
    try:
        batch_run = run_batch(
            stories, settings, wait=args.wait, note=say, progress=progress, poll_seconds=args.poll_seconds
        )
    finally:
        if progress is not None:
            progress.end_line()
            sys.stderr = stderr
    if batch_run.done:
        return batch_run
    for line in batch_run.waiting:
        say(f"synth: {line}; run the same command again to collect it (or add --wait)")
        print(line.split()[1])  # the batch id, for a script
    return None


def _summarise_each_command(
    args: argparse.Namespace, settings: Settings, batch_usage: dict[str, Usage] | None = None
) -> int:
    """Each PATH its own story, one report per story in the folder --out names, a table at the
    end; a story that fails is a row of the table and the others go on."""
    from synth.many import StoryRow, stories_from_paths, summarise_many, summary_table
    from synth.outcome import run_failure
    from synth.render import FORMATS

    if args.out is None:
        raise ConfigError("--each needs --out FOLDER: one report per story is written there")
    stories = stories_from_paths(args.paths)  # a usage error before any work
    out_dir = check_output_folder(args.out)
    output_format = args.format or "md"
    say = _stderr_writer(args.quiet)
    if not settings.uses_model:
        reason = "--offline given" if settings.offline else "no model configured (set SYNTH_MODEL)"
        say(f"synth: using the offline rule-based extractor: {reason}")
    rows: list[StoryRow] = []

    def story_done(name: str, report: Report | None, failure: str | None) -> None:
        if report is not None:
            said = run_failure(report)
            for problem in report.problems:
                if said is None or problem not in said.covered:
                    print(f"synth: {name}: {problem.line()}", file=sys.stderr)
        if failure is not None or report is None:
            # No report: an empty fact sheet would read like a good one.
            print(f"synth: {name}: {failure}", file=sys.stderr)
            rows.append(StoryRow(name, None, f"no report: {str(failure).split(';')[0]}"))
            return
        if batch_usage and name in batch_usage:
            report.usage.add(batch_usage[name])  # what its batch answers cost
        target = out_dir / f"{name}.{output_format}"
        try:
            target.write_text(FORMATS[output_format](report), encoding="utf-8")
        except OSError as error:
            why = f"cannot write {target} ({error.strerror})"
            print(f"synth: {name}: {why}", file=sys.stderr)
            rows.append(StoryRow(name, None, f"no report: {why}"))
            return
        rows.append(StoryRow(name, report, f"wrote {target}"))

    progress = _terminal_progress(settings, args.paths)
    stderr = sys.stderr
    if progress is not None:
        sys.stderr = LinesAboveProgress(progress)
    try:
        summarise_many(
            [story.paths[0] for story in stories], settings=settings, progress=progress, on_story=story_done
        )
    finally:
        if progress is not None:
            progress.end_line()
            sys.stderr = stderr
    for line in summary_table(rows):
        say(f"synth: {line}")
    return EXIT_OK if any(row.report is not None for row in rows) else EXIT_FAILED


def check_output_folder(out: Path) -> Path:
    """The folder reports go into: made when its parent exists (a mistyped parent is not
    made), a usage error when it is a file."""
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out} is a file; with --each it names a folder")
    if not out.exists():
        if not out.parent.is_dir():
            raise ConfigError(f"--out {out}: the folder {out.parent} does not exist")
        try:
            out.mkdir()
        except OSError as error:
            raise ConfigError(f"--out {out}: cannot make the folder ({error.strerror})") from None
    return out


def summary_line(report: Report) -> str:
    """'synth: 5 sources, 80 claims (0 dropped by grounding), 49 facts; 0 requests, …'."""
    usage = report.usage
    return (
        f"synth: {_count(len(report.sources), 'source')}, "
        f"{_count(len(report.claims), 'claim')} ({usage.claims_dropped} dropped by "
        f"grounding), {_count(len(report.facts), 'fact')}; "
        f"{_requests_text(usage.requests, usage.retries)}, "
        + (f"{usage.batched_requests} in a batch, " if usage.batched_requests else "")
        + f"{usage.prompt_tokens + usage.completion_tokens} tokens, "
        f"{usage.cache_hits} cache hits"
        + (f"; facts by {usage.reconciler}" if usage.reconciler != "rules" else "")
        + (f", ~${usage.estimated_cost_usd:.4f}" if usage.estimated_cost_usd is not None else "")
    )


def output_format_for(out: Path | None) -> str:
    """The format --out's extension names (.json, .html, .md), else Markdown."""
    return FORMAT_BY_EXTENSION.get(out.suffix.lower(), "md") if out is not None else "md"


def check_output_path(out: Path) -> None:
    """A usage error, before any work, for an --out that cannot be written: its folder must
    exist (a mistyped folder is not created) and it must not be a folder itself."""
    folder = out.parent
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise ConfigError(f"--out {out}: the folder {folder} {what}")
    if out.is_dir():
        raise ConfigError(f"--out {out} is a folder; name a file in it")


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _requests_text(requests: int, retries: int) -> str:
    """'7 requests (2 retries)': how many requests went out, and how many repeated one that
    failed (a timeout, a 429, a 5xx)."""
    text = f"{requests} request{'' if requests == 1 else 's'}"
    if requests:
        text += f" ({retries} retr{'y' if retries == 1 else 'ies'})"
    return text


def _stderr_writer(quiet: bool) -> Callable[[str], None]:
    def say(line: str) -> None:
        if not quiet:
            print(line, file=sys.stderr)

    return say


def _terminal_progress(settings: Settings, paths: Sequence[str]) -> TerminalProgress | None:
    """Progress lines on stderr when it is a terminal (or --quiet is not given and the
    settings ask for them); nothing otherwise, where they would only clutter a log."""
    show = settings.show_progress if settings.show_progress is not None else sys.stderr.isatty()
    if not show:
        return None
    return TerminalProgress(sys.stderr, inputs=inputs_label(paths))


def _cache_command(args: argparse.Namespace) -> int:
    from synth.cache import ResponseCache
    from synth.request_log import RequestLog

    settings = resolve_settings(cache_dir=args.cache_dir)
    assert settings.cache_dir is not None
    cache = ResponseCache(settings.cache_dir)
    if args.action == "info":
        info = cache.info()
        print(
            f"cache: {info['directory']}\nentries: {info['entries']}\n"
            f"size: {info['bytes'] / 1_048_576:.2f} MB"
        )
    else:
        removed = cache.clear()
        print(f"cache: {settings.cache_dir}: removed {removed} entries")
        # The log holds the same requests and replies: it goes with them.
        forgotten = RequestLog(settings.cache_dir).clear()
        if forgotten:
            print(f"log: {settings.cache_dir}: forgot {forgotten} requests")
    return EXIT_OK


def _log_command(args: argparse.Namespace) -> int:
    from synth.pricing import estimate_cost
    from synth.request_log import RequestLog, list_line, shown

    settings = resolve_settings(cache_dir=getattr(args, "cache_dir", None))
    assert settings.cache_dir is not None
    log = RequestLog(settings.cache_dir)
    as_json = getattr(args, "json", False)
    prices = settings.prices  # today's prices: a past request is costed as it would be now
    try:
        if args.log_action == "show":
            entry = log.get(args.id)
            if entry is None:
                raise SynthError(
                    f"no request {args.id} in the log in {settings.cache_dir} (synth log lists them)"
                )
            cost = estimate_cost(entry.model, entry.prompt_tokens, entry.completion_tokens, prices)
            print(
                json.dumps({**entry.model_dump(), "cost_usd": cost}, ensure_ascii=False)
                if as_json
                else shown(entry, cost)
            )
            return EXIT_OK
        entries = log.recent(args.limit)
        if not entries:
            print(f"synth: no requests in the log in {settings.cache_dir}", file=sys.stderr)
        for entry in entries:
            cost = estimate_cost(entry.model, entry.prompt_tokens, entry.completion_tokens, prices)
            print(
                json.dumps(
                    {**entry.model_dump(exclude={"request", "reply"}), "cost_usd": cost}, ensure_ascii=False
                )
                if as_json
                else list_line(entry, cost)
            )
    finally:
        log.close()
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
