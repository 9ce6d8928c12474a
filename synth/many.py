"""Many stories in one run: each folder is its own story and gets its own report.

Stories run one after another, each through `summarise` exactly as a run of that folder
alone would; a story that fails (nothing readable, every article's extraction failed, the
server refused it) is recorded with the one line that says why, and the next one starts.
With a model, the stories share one extractor, so the request format an endpoint rejects is
learned once for the whole run, not once per story.

Progress from the stages of the story under way is folded into one "stories" line (how
many stories are done, which one runs and where it is), so that a terminal shows one line
for the whole run rather than a burst of lines per story.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from synth.config import Settings, resolve_settings
from synth.errors import ConfigError, SynthError
from synth.extract import Extractor
from synth.models import Report
from synth.outcome import run_failure
from synth.progress import Progress, ProgressCallback


@dataclass(frozen=True)
class Story:
    """One story of a many-story run: its name (the folder's, made unique) and its inputs."""

    name: str
    paths: tuple[str, ...]


class StoryReports(dict[str, Report]):
    """Reports by story name, for the stories that rest on at least one article, in the order
    the stories were given; `failures` holds why each other story has none, as one line."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        super().__init__()
        self.names = list(names)  # every story, with a report or without, in order given
        self.failures: dict[str, str] = {}


StoryDone = Callable[[str, Report | None, str | None], None]
"""Told of each story as it ends: its name, its report (None when it has none) and why it
has none."""


def stories_from_paths(paths: Sequence[str | os.PathLike[str]]) -> list[Story]:
    """One story per folder, named after the folder; a name given twice (two folders called
    `day-1` in different places) gets `-2`, `-3` after it, so no report overwrites another.

    Only folders are stories: a file, a URL or `-` is a usage error, since it would be a
    story of one article whose name says nothing."""
    stories: list[Story] = []
    taken: set[str] = set()
    for given in paths:
        text = os.fspath(given)
        path = Path(text)
        if text == "-" or "://" in text or not path.is_dir():
            what = "does not exist" if not path.exists() and text != "-" else "is not a folder"
            raise ConfigError(f"--each takes one folder per story: {text} {what}")
        base = path.resolve().name or "story"
        name, number = base, 1
        while name.lower() in taken:  # case-blind: report files may land on such a disk
            number += 1
            name = f"{base}-{number}"
        taken.add(name.lower())
        stories.append(Story(name, (text,)))
    return stories


def summarise_many(
    paths: Sequence[str | os.PathLike[str]],
    *,
    settings: Settings | None = None,
    progress: ProgressCallback | None = None,
    on_story: StoryDone | None = None,
    extractor: Extractor | None = None,
    **options: object,
) -> StoryReports:
    """Summarise each folder in `paths` as its own story; reports by story name.

    Options are Settings fields, as for `summarise`. A story whose report would rest on no
    article, or whose requests the server refused, has no report: `failures[name]` says
    why in one line. `on_story` hears each story as it ends (to write its report at once);
    `progress` hears Progress("stories", stories done, stories, requests in flight,
    "<story>: <where it is>")."""
    from synth.pipeline import make_extractor, summarise

    stories = stories_from_paths(paths)
    settings = settings or resolve_settings(None, **options)
    results = StoryReports(story.name for story in stories)
    shared = extractor
    for index, story in enumerate(stories):
        relay = _story_progress(progress, index, len(stories), story.name)
        if relay is not None:
            relay(None)
        report: Report | None = None
        failure: str | None = None
        try:
            # Made once, after the first story's articles are read: the model client's
            # imports take a second, and reading comes first.
            shared = shared or make_extractor(settings)
            report = summarise(story.paths, settings=settings, extractor=shared, progress=relay)
        except ConfigError:
            raise  # a setting that cannot work fails every story alike
        except SynthError as error:
            failure = str(error)
        if report is not None:
            why = run_failure(report)
            if why is None:
                results[story.name] = report
            else:
                failure = why.line
        if failure is not None:
            results.failures[story.name] = failure
        if on_story is not None:
            on_story(story.name, report, failure)
    if progress is not None and stories:
        progress(Progress("stories", len(stories), len(stories)))
    return results


def _story_progress(
    progress: ProgressCallback | None, index: int, total: int, name: str
) -> Callable[[Progress | None], None] | None:
    """The callback a story's stages report to: each report becomes the run's one line."""
    if progress is None:
        return None

    def relay(inner: Progress | None) -> None:
        where = "starting" if inner is None else stage_words(inner)
        progress(Progress("stories", index, total, inner.in_flight if inner else 0, item=f"{name}: {where}"))

    return relay


def stage_words(progress: Progress) -> str:
    """Where a story is, in a few words: 'extracting 2/5 articles'."""
    done, total = progress.done, progress.total
    if progress.stage == "read":
        return f"reading {done}/{total}"
    if progress.stage == "extract":
        return f"extracting {done}/{total} article{'' if total == 1 else 's'}"
    if progress.stage == "reconcile":
        return f"reconciling {done}/{total} batch{'' if total == 1 else 'es'}"
    return f"{progress.stage} {done}/{total}"


@dataclass(frozen=True)
class StoryRow:
    """One line of the summary table: a story and what became of it."""

    name: str
    report: Report | None
    result: str  # "wrote out/x.md", or why there is no report


def summary_table(rows: Sequence[StoryRow]) -> list[str]:
    """The table printed after a many-story run, one line per story and a total (pure)."""
    header = ("story", "sources", "claims", "facts", "requests", "cost", "result")
    body: list[tuple[str, ...]] = []
    totals = [0, 0, 0, 0]
    cost_total: float | None = None
    for row in rows:
        report = row.report
        if report is None:
            body.append((row.name, "-", "-", "-", "-", "-", row.result))
            continue
        usage = report.usage
        numbers = [
            len(report.sources),
            len(report.claims),
            len(report.facts),
            usage.requests + usage.batched_requests,
        ]
        totals = [a + b for a, b in zip(totals, numbers, strict=True)]
        cost = usage.estimated_cost_usd
        if cost is not None:
            cost_total = (cost_total or 0.0) + cost
        body.append((row.name, *(str(n) for n in numbers), _cost(cost), row.result))
    done = sum(1 for row in rows if row.report is not None)
    body.append((f"{done} of {len(rows)} stories", *(str(n) for n in totals), _cost(cost_total), ""))
    widths = [max(len(line[i]) for line in (header, *body)) for i in range(len(header) - 1)]
    lines = []
    for line in (header, *body):
        cells = [line[0].ljust(widths[0])] + [cell.rjust(widths[i]) for i, cell in enumerate(line[1:-1], 1)]
        lines.append("  ".join([*cells, line[-1]]).rstrip())
    return lines


def _cost(cost: float | None) -> str:
    return "-" if cost is None else f"${cost:.4f}"
