"""A run's progress on a terminal: one line per stage, redrawn in place (terminal I/O).

    synth: reading 5 articles from examples/articles/nk-troops-russia [5/5]
    synth: extracting claims [#####.......] 2/5 articles, 3 requests in flight, 12 s
    synth: reconciling 42 claims [0/1 batch], 1 request in flight, 4 s

Each fits in 80 columns; a line wider than the terminal is cut, since a line that wraps
cannot be redrawn in place.

The CLI draws this only when stderr is a terminal. Lines that other code prints to stderr
meanwhile (a note that the server is slow) go through `LinesAboveProgress`, which clears
the progress line, prints them, and draws the progress line again below them.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from typing import TextIO

from synth.progress import Progress
from synth.text import printable

BAR_WIDTH = 12
_CLEAR_TO_END = "\x1b[K"


def inputs_label(paths: Sequence[str]) -> str:
    """What is being read, in a few words: the one input, or the first and how many more."""
    if not paths:
        return "nothing"
    first = printable("standard input" if paths[0] == "-" else paths[0])
    return first if len(paths) == 1 else f"{first} and {len(paths) - 1} more"


def progress_line(progress: Progress, *, seconds: float, inputs: str, width: int = 80) -> str:
    """The line for where a stage is, within `width` columns where it can be (pure): what
    is read loses its start first ("…les/nk-troops-russia"), the counts never."""
    done, total = progress.done, progress.total
    if progress.stage == "read":
        head, tail = f"synth: reading {_count(total, 'article')} from ", f" [{done}/{total}]"
        room = max(width - 1 - len(head) - len(tail), 12)
        if len(inputs) > room:
            inputs = "…" + inputs[-(room - 1) :]
        return head + inputs + tail
    parts = []
    if progress.stage in ("stories", "batch"):
        return _run_line(progress, seconds=seconds, width=width)
    if progress.stage == "extract":
        filled = BAR_WIDTH * done // max(total, 1)
        head = (
            f"synth: extracting claims [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{total} articles"
        )
    else:
        head = (
            f"synth: reconciling {progress.item or 'claims'} "
            f"[{done}/{total} batch{'' if total == 1 else 'es'}]"
        )
    if progress.in_flight:
        parts.append(f"{_count(progress.in_flight, 'request')} in flight")
    if seconds >= 1:
        parts.append(f"{seconds:.0f} s")
    return ", ".join([head, *parts])


def _run_line(progress: Progress, *, seconds: float, width: int) -> str:
    """The one line of a many-story run or a provider batch: the bar and counts always, then
    what runs now, cut at its end to fit, then the time.

        synth: stories [####........] 2/6, quake-day-2: extracting 1/5 articles, 12 s
        synth: batch [######......] 500/1,000 requests, 3 failed, in_progress, 40 s"""
    done, total = progress.done, progress.total
    filled = BAR_WIDTH * done // max(total, 1)
    bar = f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}]"
    if progress.stage == "stories":
        head = f"synth: stories {bar} {done}/{total}"
    else:
        head = f"synth: batch {bar} {done:,}/{total:,} requests"
    tail = []
    if progress.in_flight:
        tail.append(f"{_count(progress.in_flight, 'request')} in flight")
    if seconds >= 1:
        tail.append(f"{seconds:.0f} s")
    tail_text = "".join(f", {part}" for part in tail)
    item = printable(progress.item)
    if item:
        room = max(width - 1 - len(head) - 2 - len(tail_text), 8)
        if len(item) > room:
            item = item[: room - 1] + "…"
        head += f", {item}"
    return head + tail_text


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


class TerminalProgress:
    """Draws each Progress on `stream`, one line per stage, each redrawn in place and ended
    when its stage is done (or the next one starts)."""

    def __init__(self, stream: TextIO, *, inputs: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream
        self._inputs = inputs
        self._clock = clock
        self._stage: str | None = None
        self._stage_started = 0.0
        self._ended: set[str] = set()  # stages whose line is finished: later ticks are stale
        self.shown = ""  # the progress line on screen now, not yet ended

    def __call__(self, progress: Progress) -> None:
        if progress.stage in self._ended:
            return
        if progress.total == 0:
            return  # nothing to read or extract: the problems say why
        if progress.stage != self._stage:
            self.end_line()
            self._stage, self._stage_started = progress.stage, self._clock()
        text = progress_line(
            progress,
            seconds=self._clock() - self._stage_started,
            inputs=self._inputs,
            width=_width(self.stream),
        )
        if text != self.shown:
            self._draw(text)
        if progress.done >= progress.total:
            self._ended.add(progress.stage)
            self.end_line()

    def end_line(self) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()
            self.shown = ""

    def clear(self) -> None:
        """Takes the progress line off the screen (it is drawn again by `redraw`)."""
        if self.shown:
            self.stream.write("\r" + _CLEAR_TO_END)

    def redraw(self) -> None:
        if self.shown:
            self._draw(self.shown)

    def _draw(self, text: str) -> None:
        self.shown = text[: max(_width(self.stream) - 1, 20)]
        self.stream.write("\r" + self.shown + _CLEAR_TO_END)
        self.stream.flush()


class LinesAboveProgress:
    """Stands in for stderr while progress is drawn: whatever else is printed appears above
    the progress line, which is drawn again below it."""

    def __init__(self, progress: TerminalProgress) -> None:
        self._progress = progress
        self._stream = progress.stream
        self._mid_line = False  # a line of someone else's was begun and not yet ended

    def write(self, text: str) -> int:
        if not text:
            return 0
        if not self._mid_line:
            self._progress.clear()
        self._stream.write(text)
        self._mid_line = not text.endswith("\n")
        if not self._mid_line:
            self._progress.redraw()
        return len(text)

    def flush(self) -> None:
        self._stream.flush()

    def isatty(self) -> bool:
        return self._stream.isatty()

    def fileno(self) -> int:
        return self._stream.fileno()

    def __getattr__(self, name: str) -> object:
        return getattr(self._stream, name)


def _width(stream: TextIO) -> int:
    try:
        columns = os.get_terminal_size(stream.fileno()).columns
    except (OSError, ValueError, AttributeError):
        return 80
    return columns or 80
