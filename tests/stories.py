"""Short synthetic articles about one story, written into a test's folder (disk).

Each article is a few sentences with figures, so the offline extractor and the fault server
(which quotes sentences with digits) both find claims in every one. Articles differ in
outlet, date, speaker and figures, the way several outlets' reports of one flood would.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

OUTLETS = ("Riverton Gazette", "Valley Courier", "Northern Ledger", "Harbour Times", "Plains Daily")
SPEAKERS = ("the regional governor", "the fire service", "the Red Cross", "the mayor's office")
EVACUATED = (12_000, 15_000, 9_000)
DEAD = (3, 4, 5)
# "Article S3, published by …" opens the user message of every extraction request.
_ARTICLE_ID = re.compile(r"^Article (S\d+),")


def flood_article(number: int) -> str:
    """Article `number` of the story, as a plain-text file with a header."""
    outlet = OUTLETS[number % len(OUTLETS)]
    evacuated = EVACUATED[number % len(EVACUATED)]
    dead = DEAD[(number // 3) % len(DEAD)]
    speaker = SPEAKERS[(number // 9) % len(SPEAKERS)]
    return (
        f"Title: Floods force evacuations in Riverton\nOutlet: {outlet}\n"
        f"Date: 2024-03-{1 + number % 28:02d}\n\n"
        f"About {evacuated:,} people were evacuated from Riverton after the river burst its "
        f"banks, {speaker} said on Monday.\n\n"
        f"At least {dead} people have died in the floods so far, according to the health "
        "ministry.\n\n"
        f"The mayor said {30 + number % 20} schools would stay closed until Friday.\n"
    )


def write_story(folder: Path, count: int, start: int = 0) -> list[Path]:
    """`count` articles as folder/article-NNNN.txt; sorted names keep S1…Sn in this order."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number in range(start, start + count):
        path = folder / f"article-{number:04d}.txt"
        path.write_text(flood_article(number), encoding="utf-8")
        paths.append(path)
    return paths


def article_id(request_body: dict) -> str:
    """The source id (S1…) of the article an extraction request carries."""
    user = next(m["content"] for m in request_body["messages"] if m["role"] == "user")
    match = _ARTICLE_ID.match(user)
    assert match, f"not an extraction request: {user[:80]!r}"
    return match.group(1)


def is_reconcile_request(request_body: dict) -> bool:
    return any("\n<claims>\n" in str(m.get("content")) for m in request_body["messages"])


def article_ids(request_bodies: Sequence[dict]) -> list[str]:
    """The article ids of the extraction requests (a reconcile request carries none)."""
    return [article_id(body) for body in request_bodies if not is_reconcile_request(body)]


def subprocess_env(**extra: str) -> dict[str, str]:
    """The environment for a `synth` subprocess: this checkout's synth first on the path."""
    root = str(Path(__file__).resolve().parent.parent)
    path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path, **extra}


def run_synth_cli(
    paths: Sequence[Path],
    *options: str,
    cache_dir: Path,
    base_url: str | None = None,
    timeout: float = 60,
    **env: str,
) -> subprocess.CompletedProcess[str]:
    """`synth summarise PATHS --model fault-model [--base-url URL] --cache-dir DIR OPTIONS` in
    a subprocess, as a user runs it, with `env` added to the environment."""
    command = [sys.executable, "-m", "synth.cli", "summarise", *map(str, paths), "--model", "fault-model"]
    if base_url is not None:
        command += ["--base-url", base_url]
    command += ["--cache-dir", str(cache_dir), *options]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=subprocess_env(**env))
