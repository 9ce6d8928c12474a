from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from synth.cli import build_parser, main
from tests.conftest import TROOPS


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "synth.cli", *args], capture_output=True, text=True, timeout=120
    )


def test_summarise_prints_markdown_and_says_it_ran_offline():
    result = run("summarise", str(TROOPS))
    assert result.returncode == 0
    assert result.stdout.startswith("# Fact sheet")
    assert "offline" in result.stderr.splitlines()[0]


def test_json_to_a_file(tmp_path: Path, capsys):
    out = tmp_path / "report.json"
    assert main(["summarise", str(TROOPS), "--format", "json", "--out", str(out), "--quiet"]) == 0
    data = json.loads(out.read_text())
    assert len(data["sources"]) == 5
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_bad_inputs_get_one_line_each_and_no_traceback(tmp_path: Path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.txt").write_bytes(b"\x00\xff" * 64)
    result = run(
        "summarise",
        str(tmp_path / "empty.txt"),
        str(tmp_path / "binary.txt"),
        str(tmp_path / "nope.html"),
        str(TROOPS),
    )
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


def test_bad_flag_values_are_a_usage_line_and_one_error_line():
    result = run("summarise", str(TROOPS), "--concurrency", "0")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "usage: synth summarise [options] [--] PATH...",
        "synth summarise: error: concurrency must be at least 1",
    ]


@pytest.mark.parametrize(
    "flag, value, message",
    [
        ("--timeout", "nan", "timeout must be a finite number, not nan"),
        ("--timeout", "inf", "timeout must be a finite number, not inf"),
        ("--timeout", "1e999", "timeout must be a finite number, not inf"),
        ("--timeout", "-inf", "timeout must be a finite number, not -inf"),
        ("--timeout", "-1", "timeout must be positive"),
        ("--timeout", "0", "timeout must be positive"),
        ("--concurrency", "0", "concurrency must be at least 1"),
        ("--concurrency", "-4", "concurrency must be at least 1"),
        ("--concurrency", "nan", "argument --concurrency: invalid int value: 'nan'"),
        ("--chunk-chars", "0", "chunk size must be at least 500 characters"),
        ("--chunk-chars", "-6000", "chunk size must be at least 500 characters"),
        ("--chunk-chars", "inf", "argument --chunk-chars: invalid int value: 'inf'"),
        ("--max-output-tokens", "0", "max output tokens must be at least 64"),
        ("--max-output-tokens", "-1", "max output tokens must be at least 64"),
        ("--reconcile-budget", "0", "the reconcile budget must be at least 500 tokens"),
        ("--reconcile-budget", "-500", "the reconcile budget must be at least 500 tokens"),
        ("--max-bytes", "0", "max bytes must be positive"),
        ("--max-bytes", "-1", "max bytes must be positive"),
        ("--max-bytes", "1e6", "argument --max-bytes: invalid int value: '1e6'"),
    ],
)
def test_bad_numeric_flag_values_are_refused_before_anything_runs(
    flag, value, message, capsys, tmp_path: Path
):
    try:
        status = main(["summarise", str(tmp_path / "never-read.txt"), f"{flag}={value}"])
    except SystemExit as exit:  # argparse's own refusal of a value that is not a number
        status = exit.code
    captured = capsys.readouterr()
    assert status == 2 and captured.out == ""
    assert captured.err.splitlines() == [
        "usage: synth summarise [options] [--] PATH...",
        f"synth summarise: error: {message}",
    ]


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
        result = run(
            "summarise",
            str(TROOPS / "02-han-river-review-2024-10-24.md"),
            "--model",
            "fault-model",
            "--base-url",
            server.base_url,
            "--cache-dir",
            str(tmp_path),
        )
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .startswith(f"synth: the API key was refused by {server.base_url} (HTTP 401)")
    )
    assert "Traceback" not in result.stderr


def test_short_flags_name_the_output_file_its_format_and_the_model(tmp_path: Path):
    out = tmp_path / "report.md"
    assert main(["summarise", str(TROOPS), "-f", "json", "-o", str(out), "--quiet"]) == 0
    assert json.loads(out.read_text())["usage"]["extractor"] == "offline"
    parsed = build_parser().parse_args(["summarise", "x", "-m", "gpt-4o-mini"])
    assert parsed.model == "gpt-4o-mini"


@pytest.mark.parametrize(
    "name, looks_like",
    [
        ("report.json", lambda text: json.loads(text)["sources"]),
        ("report.html", lambda text: text.startswith("<!DOCTYPE html>")),
        ("report.HTM", lambda text: text.startswith("<!DOCTYPE html>")),
        ("report.md", lambda text: text.startswith("# Fact sheet")),
        ("report.txt", lambda text: text.startswith("# Fact sheet")),
    ],
)
def test_the_format_follows_the_extension_of_out(name, looks_like, tmp_path: Path):
    out = tmp_path / name
    assert (
        main(["summarise", str(TROOPS / "02-han-river-review-2024-10-24.md"), "-o", str(out), "--quiet"]) == 0
    )
    assert looks_like(out.read_text())


def test_a_format_given_wins_over_the_extension(tmp_path: Path):
    out = tmp_path / "report.html"
    assert (
        main(
            [
                "summarise",
                str(TROOPS / "02-han-river-review-2024-10-24.md"),
                "-o",
                str(out),
                "--format",
                "md",
                "--quiet",
            ]
        )
        == 0
    )
    assert out.read_text().startswith("# Fact sheet")


def test_out_into_a_missing_folder_is_an_error_naming_it_and_creates_nothing(tmp_path: Path, capsys):
    out = tmp_path / "no" / "such" / "r.md"
    assert main(["summarise", str(TROOPS), "--out", str(out)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "usage: synth summarise [options] [--] PATH...",
        f"synth summarise: error: --out {out}: the folder {out.parent} does not exist",
    ]
    assert not (tmp_path / "no").exists()


def test_out_naming_a_folder_is_an_error(tmp_path: Path, capsys):
    assert main(["summarise", str(TROOPS), "--out", str(tmp_path)]) == 2
    assert (
        capsys.readouterr().err.splitlines()[-1]
        == f"synth summarise: error: --out {tmp_path} is a folder; name a file in it"
    )


@pytest.mark.parametrize(
    "args, error",
    [
        (
            ["summarise", "x", "--format", "xml"],
            "synth summarise: error: argument -f/--format: invalid choice: 'xml'",
        ),
        (["summarise", "x", "--nope"], "synth summarise: error: unrecognized arguments: --nope"),
        (["summarise"], "synth summarise: error: the following arguments are required: PATH"),
        (
            ["summarise", "x", "--reconcile", "maybe"],
            "synth summarise: error: argument --reconcile: invalid choice: 'maybe'",
        ),
    ],
)
def test_a_bad_value_is_one_usage_line_and_one_error_line(args, error, capsys):
    with pytest.raises(SystemExit) as exit:
        main(args)
    assert exit.value.code == 2
    usage, message = capsys.readouterr().err.splitlines()
    assert usage == "usage: synth summarise [options] [--] PATH..."
    assert message.startswith(error)


def test_help_lists_the_environment_variables_and_four_examples(capsys):
    with pytest.raises(SystemExit):
        main(["summarise", "--help"])
    help_text = capsys.readouterr().out
    for variable in (
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "SYNTH_MODEL",
        "SYNTH_MODE",
        "SYNTH_RECONCILE",
        "SYNTH_CACHE_DIR",
        "SYNTH_PRICES",
    ):
        assert f"\n  {variable} " in help_text
    examples = help_text.split("examples:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert len(examples) == 4 and all("synth summarise" in line for line in examples)
    for flag in ("-o OUT, --out OUT", "-m MODEL, --model MODEL", "-f {md,json,html}"):
        assert flag in help_text
