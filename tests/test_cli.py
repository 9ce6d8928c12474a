from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from synth.cli import main
from tests.conftest import TROOPS


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "synth.cli", *args], capture_output=True,
                          text=True, timeout=120)


def test_summarise_prints_markdown_and_says_it_ran_offline():
    result = run("summarise", str(TROOPS))
    assert result.returncode == 0
    assert result.stdout.startswith("# Fact sheet")
    assert "offline" in result.stderr.splitlines()[0]


def test_json_to_a_file(tmp_path: Path, capsys):
    out = tmp_path / "report.json"
    assert main(["summarise", str(TROOPS), "--format", "json", "--out", str(out),
                 "--quiet"]) == 0
    data = json.loads(out.read_text())
    assert len(data["sources"]) == 5
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_bad_inputs_get_one_line_each_and_no_traceback(tmp_path: Path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.txt").write_bytes(b"\x00\xff" * 64)
    result = run("summarise", str(tmp_path / "empty.txt"), str(tmp_path / "binary.txt"),
                 str(tmp_path / "nope.html"), str(TROOPS))
    assert result.returncode == 0
    assert "Traceback" not in result.stderr
    problem_lines = [line for line in result.stderr.splitlines() if line.startswith("synth: /")]
    assert len(problem_lines) == 3
    assert any("empty.txt: file is empty" in line for line in problem_lines)
    assert any("nope.html: no such file or folder" in line for line in problem_lines)


def test_exit_status_is_non_zero_only_when_nothing_could_be_processed(tmp_path: Path):
    result = run("summarise", str(tmp_path / "missing.txt"))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"{tmp_path / 'missing.txt'}: no such file or folder" in result.stderr


def test_bad_flag_values_are_one_line_errors():
    result = run("summarise", str(TROOPS), "--concurrency", "0")
    assert result.returncode == 2
    assert result.stderr.strip() == "synth: concurrency must be at least 1"


def test_schema_command_prints_json_schema():
    result = run("schema")
    assert json.loads(result.stdout)["title"] == "Report"


def test_cache_info_and_clear(tmp_path: Path):
    from synth.cache import ResponseCache

    cache = ResponseCache(tmp_path / "c")
    cache.set("k", {"claims": []})
    cache.close()
    info = run("cache", "info", "--cache-dir", str(tmp_path / "c"))
    assert "entries: 1" in info.stdout
    cleared = run("cache", "clear", "--cache-dir", str(tmp_path / "c"))
    assert "removed 1 entries" in cleared.stdout
    assert "entries: 0" in run("cache", "info", "--cache-dir", str(tmp_path / "c")).stdout


def test_a_model_run_against_a_refusing_server_is_one_line(tmp_path: Path):
    from tests.fault_server import FaultServer

    with FaultServer() as server:
        server.enqueue("401")
        result = run("summarise", str(TROOPS / "02-han-river-review-2024-10-24.md"),
                     "--model", "fault-model", "--base-url", server.base_url,
                     "--cache-dir", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith(
        f"synth: the API key was refused by {server.base_url} (HTTP 401)")
    assert "Traceback" not in result.stderr
