"""The gates CI holds the code to, run with the tests so that `python -m pytest` is the whole
of CI (issue 15, point 5): the import contracts in pyproject.toml (import-linter), ruff's
lint and mypy --strict. Each runs in its own process, with its caches in a temporary folder
rather than the repository.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

CONTRACTS = {
    "pure": "Pure stages do no I/O: they import no loader, cache, model client, settings or CLI",
    "openai": "Only synth.llm imports openai and instructor",
    "diskcache": "Only synth.cache imports diskcache",
    "httpx": "Only synth.load.fetch imports httpx",
    "cli": "synth.cli is imported by nothing",
    "cycles": "No cycles between packages",
}


def run(args: list[str], cwd: Path = ROOT, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, capture_output=True, text=True, timeout=600, env={**os.environ, **env}
    )


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    # The package under `root` is the one analysed: its folder goes first on the path.
    code = "import sys; from importlinter.cli import lint_imports_command; lint_imports_command()"
    return run(
        [sys.executable, "-c", code, "--no-cache", "--config", str(root / "pyproject.toml")],
        cwd=root,
        PYTHONPATH=str(root),
    )


def contract_lines(output: str) -> dict[str, str]:
    """'KEPT' or 'BROKEN' for each contract, from lint-imports' summary (which wraps long
    names: whitespace is flattened first, and a name's first mention is its summary line)."""
    flat = " ".join(output.split())
    found = {key: re.search(re.escape(name) + " (KEPT|BROKEN)", flat) for key, name in CONTRACTS.items()}
    return {key: match.group(1) if match else "missing" for key, match in found.items()}


def test_the_import_contracts_hold():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert set(contract_lines(result.stdout).values()) == {"KEPT"}


def test_the_import_contracts_catch_what_they_forbid(tmp_path: Path):
    """A copy of the package with three leaks: a pure stage importing openai, a renderer
    importing the CLI, and grounding imported back by the clean stage (a cycle)."""
    shutil.copytree(ROOT / "synth", tmp_path / "synth", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    leaks = {
        "synth/cluster.py": "import openai\n",
        "synth/render/json.py": "import synth.cli\n",
        "synth/extract/rules/syntax.py": "import synth.reconcile.rules\n",
        "synth/reconcile/origins.py": "import synth.extract.rules.syntax\n",
    }
    for path, line in leaks.items():
        module = tmp_path / path
        module.write_text(module.read_text() + line)
    result = lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert contract_lines(result.stdout) == {
        "pure": "BROKEN",
        "openai": "BROKEN",
        "diskcache": "KEPT",
        "httpx": "KEPT",
        "cli": "BROKEN",
        "cycles": "BROKEN",
    }


def test_ruff_finds_nothing():
    result = run([sys.executable, "-m", "ruff", "check", "--no-cache", "synth", "tests", "benchmarks"])
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_code_is_as_ruff_format_writes_it():
    result = run(
        [sys.executable, "-m", "ruff", "format", "--check", "--no-cache", "synth", "tests", "benchmarks"]
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_finds_nothing(tmp_path: Path):
    result = run([sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path), "synth"])
    assert result.returncode == 0, result.stdout + result.stderr
