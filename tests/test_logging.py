"""instructor's logging is the application's (issue 15, point 4): importing synth changes no
logger, and the `synth` command, an application, keeps instructor's per-attempt ERROR
records off its stderr, where it reports every failure itself in one line.

Each check runs in a fresh interpreter: the test process has long imported everything, and
pytest's own log capture would hide Python's fallback of printing records on stderr.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.fault_server import FaultServer
from tests.stories import subprocess_env, write_story

# A server error on the first request: instructor logs the failed attempt at ERROR.
RUN_WITH_A_FAILED_ATTEMPT = ("--concurrency", "1", "--reconcile", "rules", "--format", "json")


def run_python(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=300, env=subprocess_env()
    )


def run_against_a_failing_server(tmp_path: Path, code: str) -> subprocess.CompletedProcess[str]:
    story = write_story(tmp_path / "story", 2)
    with FaultServer() as server:
        server.enqueue("500")
        result = run_python(
            code,
            "summarise",
            *map(str, story),
            "--model",
            "fault-model",
            "--base-url",
            server.base_url,
            "--cache-dir",
            str(tmp_path / "cache"),
            *RUN_WITH_A_FAILED_ATTEMPT,
        )
        assert server.served["500"] == 1  # the attempt failed, so instructor had it to log
    assert result.returncode == 0, result.stderr
    return result


def test_importing_synth_changes_no_logger():
    probe = (
        "import json, logging; import synth, synth.llm, synth.extract.llm, "
        "synth.reconcile.model; logger = logging.getLogger('instructor'); "
        "print(json.dumps([len(logger.handlers), logger.propagate, logger.level]))"
    )
    result = run_python(probe)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [0, True, 0]


def test_the_command_shows_no_instructor_log_line_for_a_failed_attempt(tmp_path: Path):
    cli = "import sys; from synth.cli import main; sys.exit(main(sys.argv[1:]))"
    result = run_against_a_failing_server(tmp_path, cli)
    lines = result.stderr.splitlines()
    assert lines and all(line.startswith("synth: ") for line in lines), result.stderr
    assert "1 retry" in lines[-1]


def test_an_application_that_configures_logging_receives_instructors_records(tmp_path: Path):
    cli = (
        "import logging, sys; logging.basicConfig(level=logging.ERROR, format='%(name)s: "
        "%(message)s'); from synth.cli import main; sys.exit(main(sys.argv[1:]))"
    )
    result = run_against_a_failing_server(tmp_path, cli)
    assert any(line.startswith("instructor.") and "500" in line for line in result.stderr.splitlines()), (
        result.stderr
    )
