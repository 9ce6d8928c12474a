"""A thousand files, good and bad mixed, in one run (issue #6 point 5).

`synth summarise FOLDER` over 1,000 files: most are short articles about one story (some
saved as HTML pages, some in Windows-1252, with a BOM or with CRLF line ends), and the rest
are empty, blank, binary, undecodable, over `--max-bytes`, or pages with no text. Every bad
file is named once, on stderr and under `problems`, with its reason; every good file is a
source with claims; nothing else is lost.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.stories import flood_article, subprocess_env

FILES = 1000
MAX_BYTES = 1024 * 1024
# Bad files of each kind, and the words their problem must give as the reason.
BAD_KINDS = {
    "empty": (b"", "file is empty"),
    "blank": (b" \n\t\r\n  \n", "file is empty"),
    "nul-bytes": (b"Floods in Riverton\x00\x00\x01\x02" * 40, "binary file"),
    "png": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "binary file"),
    "undecodable": (
        b"Floods in Riverton: \x81\x8d\x8f\x90 people \x9d left.\n" * 20,
        "cannot decode: 100 bytes of 800 are neither UTF-8 nor Windows-1252",
    ),
    "bad-utf16": (
        b"\xff\xfe" + "Floods in Riverton.".encode("utf-16-le") + b"\x00\xdc" * 20,
        "cannot decode as UTF-16: 40 bytes of 78 are not UTF-16",
    ),
    "huge": (b"", "over the 1.0 MB limit"),  # a sparse file, written below
    "html-without-text": (
        b"<!doctype html><html><body><img src=photo.jpg></body></html>",
        "HTML page has no article text",
    ),
}
BAD_PER_KIND = 10
SUFFIXES = (".txt", ".md", ".html")
# A page is read as HTML when it is named .html, or is a .txt file that starts like one;
# markup in a .md file is Markdown's business.
HTML_SUFFIXES = (".html", ".txt")


def good_name(number: int) -> str:
    return f"{number:04d}-article" + (".html" if number % 25 == 0 else ".txt")


def write_good(path: Path, number: int) -> None:
    text = flood_article(number)
    if path.suffix == ".html":  # a saved page: its article among page furniture
        paragraphs = "".join(f"<p>{p}</p>" for p in text.split("\n\n")[1:])
        path.write_text(
            "<!doctype html><html><head><title>Floods force evacuations</title></head>"
            "<body><nav><a href='/'>Home</a> | <a href='/news'>News</a></nav>"
            f"<article><h1>Floods in Riverton</h1>{paragraphs}</article>"
            "<footer>Subscribe to our newsletter</footer></body></html>",
            encoding="utf-8",
        )
    elif number % 10 == 1:  # a Windows editor's file: CRLF and Windows-1252 quotes and dashes
        path.write_bytes(
            text.replace("Monday.", "Monday \u2013 \u201cearly\u201d.").replace("\n", "\r\n").encode("cp1252")
        )
    elif number % 10 == 2:
        path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    else:
        path.write_text(text, encoding="utf-8")


def write_bad(path: Path, kind: str) -> None:
    data, _reason = BAD_KINDS[kind]
    if kind == "huge":
        with path.open("wb") as handle:  # sparse: over the limit without writing 2 MB
            handle.truncate(2 * MAX_BYTES)
    else:
        path.write_bytes(data)


def test_a_thousand_files_mixing_good_and_bad_ones(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    bad: dict[str, str] = {}  # path -> the kind of bad file
    bad_count = BAD_PER_KIND * len(BAD_KINDS)
    # Bad files spread through the sorted order, so that they fall between good ones.
    bad_slots = {round(i * FILES / bad_count) + 3 for i in range(bad_count)}
    assert len(bad_slots) == bad_count
    kinds = [kind for kind in BAD_KINDS for _ in range(BAD_PER_KIND)]
    good: list[str] = []
    for number in range(FILES):
        if number in bad_slots:
            kind = kinds.pop()
            suffixes = HTML_SUFFIXES if kind == "html-without-text" else SUFFIXES
            path = folder / f"{number:04d}-{kind}{suffixes[number % len(suffixes)]}"
            write_bad(path, kind)
            bad[str(path)] = kind
        else:
            path = folder / good_name(number)
            write_good(path, number)
            good.append(str(path))
    assert len(good) + len(bad) == FILES

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "synth.cli",
            "summarise",
            str(folder),
            "--format",
            "json",
            "--max-bytes",
            str(MAX_BYTES),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=subprocess_env(),
    )

    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    # Every bad file is named once, with its reason, on stderr and in the report.
    problems = {p["path"]: p for p in report["problems"]}
    assert len(problems) == len(report["problems"]) == len(bad)
    assert set(problems) == set(bad)
    for path, kind in bad.items():
        assert problems[path]["stage"] == "load"
        assert BAD_KINDS[kind][1] in problems[path]["reason"], (kind, problems[path]["reason"])
        [line] = [line for line in result.stderr.splitlines() if line.startswith(f"synth: {path}: ")]
        assert line == f"synth: {path}: {problems[path]['reason']}"
    # Every good file is a source, in sorted order, numbered without gaps, and has claims.
    assert [s["path"] for s in report["sources"]] == good
    assert [s["id"] for s in report["sources"]] == [f"S{n}" for n in range(1, len(good) + 1)]
    with_claims = {c["source_id"] for c in report["claims"]}
    assert with_claims == {s["id"] for s in report["sources"]}
    texts = {s["id"]: s["text"] for s in report["sources"]}
    assert all(texts[c["source_id"]][c["start"] : c["end"]] == c["quote"] for c in report["claims"])
    assert any("\u201cearly\u201d" in text for text in texts.values())  # Windows-1252 decoded
    assert report["facts"] and report["overview"]  # and the good ones were summarised
