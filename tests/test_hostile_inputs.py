"""Every hostile input a user can name, in one run: nothing stops it (issue 16).

`synth summarise` over one folder of good articles and every kind of hostile file: bytes no
encoding reads, NUL and escape bytes, bidirectional overrides and tag characters, UTF-16
without a BOM, figures of hundreds of digits, a page nested 5,000 deep or of 30,000
elements, pages that are all navigation or have an empty body, a FIFO, a socket, a device,
links that loop or point nowhere, a file named with a newline or like a flag, and an
article saved as one line. Each bad path is named on one line of stderr and in `problems`;
each repaired file is a source and one line; the good articles are summarised; the JSON is
strict JSON; no traceback; exit status 0.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from synth.clean import clean_sources
from synth.extract.offline import MAX_PARSE_CHARS, body_blocks
from synth.load import load_sources
from synth.load.html import MAX_DEPTH
from synth.numbers import LARGEST_FIGURE
from synth.text import printable
from tests.stories import flood_article, subprocess_env

NINES = "9" * 320
SENTENCE = (
    "About 12,000 people were evacuated from Riverton after the river burst its banks, "
    "the regional governor said on Monday."
)


def html(body: str) -> str:
    return (
        "<!doctype html><html><head><title>Floods force evacuations in Riverton</title>"
        f"</head><body>{body}</body></html>"
    )


def paragraphs(*texts: str) -> str:
    return "".join(f"<p>{t}</p>" for t in texts)


# name → (bytes, what stderr and `problems` say: the reason, or the start of "loaded with
# repairs: …" for a file that loads).
FILES: dict[str, tuple[bytes, str]] = {
    "stray-0x81.txt": (
        "Riverton’s mayor said".encode() + b" \x81 " + SENTENCE.encode(),
        "loaded with repairs: 1 byte that is neither UTF-8 nor Windows-1252 replaced with U+FFFD",
    ),
    "nul-and-escapes.txt": (
        SENTENCE.encode() * 10 + b"\x00\x1b[2J\x1b]0;owned\x07\n",
        "loaded with repairs: 4 control characters removed",
    ),
    "bidi-and-tags.txt": (
        f"\u202e{SENTENCE}\u202c {chr(0xE0041)}\n".encode(),
        "loaded with repairs: 3 invisible formatting characters removed",
    ),
    "undecodable.md": (
        b"\x81\x8d\x8f\x90\x9d" * 40,
        "cannot decode: 200 bytes of 200 are neither UTF-8 nor Windows-1252",
    ),
    "deep.html": (
        html("<article>" + "<div>" * 5000 + paragraphs(SENTENCE) + "</div>" * 5000 + "</article>").encode(),
        f"loaded with repairs: HTML page is nested over {MAX_DEPTH} elements deep",
    ),
    "wide.html": (
        html(paragraphs(SENTENCE) + "<div>x</div>" * 30_000).encode(),
        "loaded with repairs: HTML page has 30,005 elements, over the budget",
    ),
    "empty-body.html": (html("").encode(), "HTML page has no article text"),
    "all-navigation.html": (
        html(
            "<nav><a href=/>Home</a> | <a href=/news>News</a></nav><footer>© Riverton Gazette</footer>"
        ).encode(),
        "HTML page has no article text",
    ),
    "new\nline.txt": (b"", "file is empty"),
}
# Files that load as they are: no line on stderr.
CLEAN_FILES: dict[str, bytes] = {
    "utf16-no-bom.txt": (SENTENCE + "\n").encode("utf-16-le"),
    "huge-figures.txt": (
        f"The mayor said {NINES} people were evacuated from Riverton on "
        f"Monday.\n\nAbout {NINES} homes were flooded, the fire service said."
        "\n"
    ).encode(),
    "-rf.txt": flood_article(7).encode(),
    "one-line.txt": " ".join(
        f"The mayor said {100 + i} people were evacuated from street {i} of Riverton on Monday."
        for i in range(400)
    ).encode(),
    "scripts.html": html(
        "<script>document.write('50,000 troops')</script><iframe>99,999 "
        "penguins</iframe><article>"
        + paragraphs(SENTENCE, SENTENCE[:-1] + " again.")
        + f"<img alt='{'x' * 200_000}'></article>"
    ).encode(),
}


def write_everything(folder: Path) -> dict[str, str]:
    """The hostile folder; returns each bad or repaired path → what its line says."""
    folder.mkdir()
    for number in range(3):
        (folder / f"good-{number}.txt").write_text(flood_article(number), encoding="utf-8")
    expected = {}
    for name, (data, said) in FILES.items():
        (folder / name).write_bytes(data)
        expected[str(folder / name)] = said
    for name, data in CLEAN_FILES.items():
        (folder / name).write_bytes(data)
    os.mkfifo(folder / "fifo.txt")
    expected[str(folder / "fifo.txt")] = "not a regular file but a FIFO (named pipe)"
    (folder / "loop.txt").symlink_to(folder / "loop.txt")
    expected[str(folder / "loop.txt")] = "symbolic link loop"
    (folder / "dangling.md").symlink_to(folder / "gone.md")
    expected[str(folder / "dangling.md")] = "broken symbolic link"
    (folder / "sub").mkdir()
    (folder / "sub" / "back-up").symlink_to(folder)  # a loop of folders
    return expected


@pytest.mark.skipif(os.name != "posix", reason="FIFOs, sockets and /dev/zero are POSIX")
def test_one_run_over_every_hostile_input(tmp_path: Path):
    folder = tmp_path / "story"
    expected = write_everything(folder)
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(str(folder / "socket.html"))
        expected[str(folder / "socket.html")] = "not a regular file but a socket"
        expected["/dev/zero"] = "not a regular file but a character device"
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "synth.cli",
                "summarise",
                "--format",
                "json",
                "--",
                str(folder),
                "/dev/zero",
            ],
            capture_output=True,
            text=True,
            timeout=300,
            env=subprocess_env(),
        )

    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    # Strict JSON: no NaN or Infinity anywhere.
    report = json.loads(result.stdout, parse_constant=lambda name: pytest.fail(name))
    problems = {p["path"]: p["reason"] for p in report["problems"]}
    assert len(problems) == len(report["problems"])
    assert set(problems) == set(expected)
    lines = result.stderr.splitlines()
    for path, said in expected.items():
        assert problems[path].startswith(said), (path, problems[path])
        # One line each, the path printable: a newline in a name cannot start a line of its own.
        assert lines.count(f"synth: {printable(path)}: {problems[path]}") == 1
    loaded = {Path(s["path"]).name for s in report["sources"]}
    repaired = {Path(p).name for p, reason in problems.items() if reason.startswith("loaded")}
    assert loaded == {"good-0.txt", "good-1.txt", "good-2.txt", *CLEAN_FILES, *repaired}
    for source in report["sources"]:
        assert printable(source["text"].replace("\n", "")) == source["text"].replace("\n", "")
    for claim in report["claims"]:
        text = next(s["text"] for s in report["sources"] if s["id"] == claim["source_id"])
        assert text[claim["start"] : claim["end"]] == claim["quote"]
        assert all(abs(q["value"]) < LARGEST_FIGURE for q in claim["quantities"])
    # The good articles are summarised.
    assert report["facts"] and report["overview"]


def test_figures_of_hundreds_of_digits_in_several_sources_are_no_figures(tmp_path: Path):
    from synth.pipeline import summarise
    from synth.render import render_html, render_json, render_markdown

    paths = []
    for number, figure in enumerate([NINES, "2,000", NINES + "," + "999" * 100]):
        path = tmp_path / f"{number}.txt"
        path.write_text(
            f"Quake kills {number} in the town\n\nAt least {figure} people were "
            "killed in the earthquake, the ministry said on Monday.\n\nThe death toll "
            f"rose to {figure} on Tuesday, officials said.\n",
            encoding="utf-8",
        )
        paths.append(path)
    report = summarise(paths, offline=True)
    values = [q.value for c in report.claims for q in c.quantities]
    assert values and all(v == 2000 for v in values)
    for render in (render_markdown, render_json, render_html):
        assert render(report)
    json.loads(render_json(report), parse_constant=lambda name: pytest.fail(name))


def test_an_article_saved_as_one_line_is_parsed_in_runs_spacy_accepts(tmp_path: Path):
    # spaCy refuses a text over a million characters: one such line used to end the run.
    path = tmp_path / "one-line.txt"
    path.write_text(
        SENTENCE + " " + " ".join([SENTENCE.replace("Monday", f"day {i}") for i in range(9_000)]),
        encoding="utf-8",
    )
    [document] = clean_sources(load_sources([path]).sources).documents
    blocks = body_blocks(document)
    assert len(document.source.text) > 1_000_000
    assert all(b.end - b.start <= MAX_PARSE_CHARS for b in blocks)
    assert blocks[0].start == 0 and blocks[-1].end == len(document.source.text)
    assert all(document.source.text[b.start : b.end].endswith(".") for b in blocks)
