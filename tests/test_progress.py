"""Progress on a terminal, and none elsewhere (issue 14, point 4).

On a terminal the run shows what it reads and how many articles at once, a bar of articles
extracted with the model requests in flight, and a line of its own for the model
reconcile. With stderr not a terminal, the one-line summary is all. The CLI runs are real
subprocesses whose stderr is a pseudo-terminal (pty) or a pipe.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from synth.progress import Progress
from synth.terminal import LinesAboveProgress, TerminalProgress, inputs_label, progress_line
from tests.conftest import TROOPS
from tests.fault_server import FaultServer
from tests.stories import subprocess_env, write_story

pty = pytest.importorskip("pty")


def test_each_stage_has_its_line():
    assert (
        progress_line(Progress("read", 2, 5), seconds=0.3, inputs="story")
        == "synth: reading 5 articles from story [2/5]"
    )
    assert (
        progress_line(Progress("extract", 2, 5, in_flight=3), seconds=12.4, inputs="story")
        == "synth: extracting claims [####........] 2/5 articles, 3 requests in flight, 12 s"
    )
    assert (
        progress_line(Progress("extract", 0, 1), seconds=0.2, inputs="story")
        == "synth: extracting claims [............] 0/1 articles"
    )
    assert (
        progress_line(Progress("reconcile", 0, 1, in_flight=1, item="42 claims"), seconds=4, inputs="story")
        == "synth: reconciling 42 claims [0/1 batch], 1 request in flight, 4 s"
    )


def test_a_long_name_of_what_is_read_loses_its_start_not_the_counts():
    line = progress_line(
        Progress("read", 1, 5), seconds=0, inputs="/home/someone/" + "x" * 80 + "/nk-troops-russia", width=80
    )
    assert len(line) == 79
    assert line.startswith("synth: reading 5 articles from …")
    assert line.endswith("xx/nk-troops-russia [1/5]")


def test_what_is_read_is_named_in_a_few_words():
    assert inputs_label(["examples/story"]) == "examples/story"
    assert inputs_label(["-"]) == "standard input"
    assert inputs_label(["a.html", "https://example.com/b", "c.txt"]) == "a.html and 2 more"
    assert inputs_label(["bad\nname.txt"]) == "bad\\nname.txt"


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_stage_is_redrawn_in_place_and_ended_when_done():
    stream, clock = io.StringIO(), FakeClock()
    progress = TerminalProgress(stream, inputs="story", clock=clock)
    progress(Progress("read", 0, 2))
    progress(Progress("read", 2, 2))
    progress(Progress("extract", 0, 2))
    clock.now += 3
    progress(Progress("extract", 0, 2, in_flight=2))
    progress(Progress("extract", 2, 2))
    progress(Progress("extract", 2, 2, in_flight=1))  # a tick after the end: stale
    screen = stream.getvalue()
    assert screen.split("\n") == [
        "\rsynth: reading 2 articles from story [0/2]\x1b[K"
        "\rsynth: reading 2 articles from story [2/2]\x1b[K",
        "\rsynth: extracting claims [............] 0/2 articles\x1b[K"
        "\rsynth: extracting claims [............] 0/2 articles, 2 requests in flight, 3 s\x1b[K"
        "\rsynth: extracting claims [############] 2/2 articles, 3 s\x1b[K",
        "",
    ]


def test_other_lines_printed_meanwhile_appear_above_the_progress_line():
    stream = io.StringIO()
    progress = TerminalProgress(stream, inputs="story", clock=FakeClock())
    stderr = LinesAboveProgress(progress)
    progress(Progress("extract", 1, 3))
    print("synth: the server is slow", file=stderr)
    progress.end_line()
    assert stream.getvalue() == (
        "\rsynth: extracting claims [####........] 1/3 articles\x1b[K"
        "\r\x1b[Ksynth: the server is slow\n"
        "\rsynth: extracting claims [####........] 1/3 articles\x1b[K\n"
    )


def run_on_a_terminal(args: list[str], out: Path) -> tuple[int, str]:
    """Runs `synth` with stderr a pseudo-terminal; its exit status and what the terminal got."""
    controller, terminal = pty.openpty()
    with out.open("wb") as stdout:
        process = subprocess.Popen(
            [sys.executable, "-m", "synth.cli", *args],
            stdout=stdout,
            stderr=terminal,
            stdin=subprocess.DEVNULL,
            env=subprocess_env(),
        )
    os.close(terminal)
    received = bytearray()
    while True:
        try:
            data = os.read(controller, 65536)
        except OSError:  # the terminal's other end closed: the process is gone
            break
        if not data:
            break
        received += data
    os.close(controller)
    return process.wait(timeout=300), received.decode("utf-8", "replace")


def test_on_a_terminal_an_offline_run_shows_what_it_reads_and_each_article(tmp_path: Path):
    status, screen = run_on_a_terminal(["summarise", str(TROOPS)], tmp_path / "out.md")
    assert status == 0
    lines = screen.replace("\r\n", "\n").split("\n")
    # The terminal is 80 columns wide (a new pty says 0): the folder's name loses its start.
    assert lines[1].startswith("\rsynth: reading 5 articles from …") and "[0/5]" in lines[1]
    assert lines[1].endswith("/nk-troops-russia [5/5]\x1b[K")
    assert lines[2].startswith("\rsynth: extracting claims [............] 0/5 articles")
    assert "\rsynth: extracting claims [############] 5/5 articles" in lines[2]
    assert lines[3].startswith("synth: 5 sources, ")
    assert (tmp_path / "out.md").read_text().startswith("# Fact sheet")


def test_on_a_terminal_a_model_run_counts_requests_in_flight_and_shows_the_reconcile(tmp_path: Path):
    story = write_story(tmp_path / "story", 3)
    # Each answer takes a second: long enough for a progress tick to see it in flight.
    with FaultServer(latency=1.0) as server:
        status, screen = run_on_a_terminal(
            ["summarise", str(story[0].parent), "--model", "fault-model", "--base-url", server.base_url],
            tmp_path / "out.md",
        )
    assert status == 0
    extract_line = next(line for line in screen.split("\r\n") if "extracting claims" in line)
    assert "1 request in flight" in extract_line
    assert "\rsynth: extracting claims [############] 3/3 articles" in extract_line
    reconcile_line = next(line for line in screen.split("\r\n") if "reconciling" in line)
    assert "\rsynth: reconciling " in reconcile_line and "claims [0/1 batch]" in reconcile_line
    assert "[1/1 batch]" in reconcile_line
    assert screen.split("\r\n")[-2].startswith("synth: 3 sources, ")


def test_with_stderr_not_a_terminal_only_the_summary_line_is_printed(tmp_path: Path):
    story = write_story(tmp_path / "story", 3)
    with FaultServer(latency=0.3) as server:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "synth.cli",
                "summarise",
                str(story[0].parent),
                "--model",
                "fault-model",
                "--base-url",
                server.base_url,
            ],
            capture_output=True,
            text=True,
            timeout=300,
            env=subprocess_env(),
        )
    assert result.returncode == 0
    [summary] = result.stderr.splitlines()
    assert summary.startswith("synth: 3 sources, ") and "requests" in summary
