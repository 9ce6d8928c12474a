"""Inputs that are not plain files in a folder (issue 14, point 2): files a folder holds that
are not articles are named with the reason, "-" reads one article from standard input, and
http(s) URLs are downloaded from a loopback server and read like a saved page.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from synth.load import load_sources
from tests.page_server import Page, PageServer
from tests.stories import flood_article, subprocess_env

BRIDGE_PAGE = """<!DOCTYPE html>
<html><head>
<title>Old bridge shut after inspectors find cracks | Lakeside Dispatch</title>
<meta property="og:title" content="Old bridge shut after inspectors find cracks">
<meta property="og:site_name" content="Lakeside Dispatch">
<meta property="article:published_time" content="2024-05-14T08:30:00+00:00">
</head><body>
<nav><a href="/">Home</a> <a href="/news">News</a></nav>
<article>
<h1>Old bridge shut after inspectors find cracks</h1>
<p>The Mill Street bridge was closed on Monday after inspectors found cracks in two of its
supports, the county roads office said.</p>
<p>About 14,000 vehicles cross the bridge each day, according to the roads office, and
drivers were sent on a detour of 6 km through the market district.</p>
<p>The county engineer said repairs would take at least three months.</p>
</article>
<footer>Copyright Lakeside Dispatch</footer>
</body></html>
"""


def synth(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "synth.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        input=stdin,
        env=subprocess_env(),
    )


def only_problem(paths: list[str], **options: object) -> str:
    result = load_sources(paths, **options)  # type: ignore[arg-type]
    assert result.sources == []
    [problem] = result.problems
    assert problem.path == (paths[0] if paths[0] != "-" else "<stdin>")
    return problem.reason


# --- URLs ---------------------------------------------------------------------------------


def test_a_page_is_read_like_a_saved_one_with_its_url_as_path_and_its_own_metadata():
    with PageServer({"/news/bridge": Page(BRIDGE_PAGE)}) as server:
        url = server.url("/news/bridge")
        result = load_sources([url])
    assert result.problems == []
    [source] = result.sources
    assert source.path == url and source.format == "html"
    assert source.title == "Old bridge shut after inspectors find cracks"
    assert source.outlet == "Lakeside Dispatch"
    assert source.published is not None and source.published.startswith("2024-05-14")
    assert "About 14,000 vehicles cross the bridge each day" in source.text
    assert "Home" not in source.text and "Copyright" not in source.text


def test_a_redirect_is_followed_and_the_url_given_is_the_path():
    with PageServer(
        {"/old": Page(status=301, location="/news/bridge"), "/news/bridge": Page(BRIDGE_PAGE)}
    ) as server:
        result = load_sources([server.url("/old")])
        assert server.requested == ["/old", "/news/bridge"]
    [source] = result.sources
    assert source.path == server.url("/old")
    assert source.outlet == "Lakeside Dispatch"


def test_a_page_that_is_not_there_is_one_problem_with_the_status():
    with PageServer({}) as server:
        assert only_problem([server.url("/gone")]) == "the server answered HTTP 404 (Not Found)"


def test_a_server_error_is_one_problem_with_the_status():
    with PageServer({"/broken": Page("oops", status=503, media_type="text/plain")}) as server:
        assert only_problem([server.url("/broken")]) == "the server answered HTTP 503 (Service Unavailable)"


def test_a_page_that_does_not_come_in_time_is_given_up():
    with PageServer({"/stalled": Page(BRIDGE_PAGE, stall=30)}) as server:
        assert only_problem([server.url("/stalled")], fetch_timeout=0.5) == "no complete page within 0.5 s"


def test_a_page_over_the_size_cap_is_given_up_at_the_cap():
    with PageServer(
        {"/endless": Page(stream_bytes=10_000_000), "/declared": Page("<p>" + "y" * 200_000 + "</p>")}
    ) as server:
        assert (
            only_problem([server.url("/endless")], max_bytes=50_000)
            == "the page is over the 49 KB limit for one article (raise it with --max-bytes)"
        )
        assert (
            only_problem([server.url("/declared")], max_bytes=50_000)
            == "the page is 195 KB, over the 49 KB limit for one article (raise it with --max-bytes)"
        )


def test_a_pdf_page_says_what_to_do():
    with PageServer({"/report.pdf": Page(b"%PDF-1.7 ...", media_type="application/pdf")}) as server:
        assert (
            only_problem([server.url("/report.pdf")])
            == "PDF is not supported; save the article as text or HTML"
        )


def test_only_http_and_https_are_fetched():
    assert only_problem(["ftp://example.com/story.html"]) == "only http and https URLs are fetched, not ftp"
    assert only_problem(["file:///etc/passwd"]) == "only http and https URLs are fetched, not file"


def test_a_server_that_is_not_there_is_one_problem():
    with PageServer({}) as server:
        url = server.url("/story")
    assert only_problem([url]) == "cannot connect (connection refused)"


def test_a_url_on_the_command_line_is_fetched_and_summarised():
    with PageServer({"/news/bridge": Page(BRIDGE_PAGE)}) as server:
        url = server.url("/news/bridge")
        result = synth("summarise", url, "-f", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert [s["path"] for s in report["sources"]] == [url]
    assert report["sources"][0]["outlet"] == "Lakeside Dispatch"
    assert any("14,000" in claim["quote"] for claim in report["claims"])
    assert report["problems"] == []


def test_a_url_on_the_command_line_that_fails_is_one_line_and_exit_1():
    with PageServer({}) as server:
        url = server.url("/gone")
        result = synth("summarise", url)
    assert result.returncode == 1
    assert f"synth: {url}: the server answered HTTP 404 (Not Found)" in result.stderr.splitlines()
    assert "Traceback" not in result.stderr


def test_a_page_over_max_bytes_on_the_command_line_is_one_line():
    with PageServer({"/long": Page("<p>" + "z" * 5_000 + "</p>")}) as server:
        url = server.url("/long")
        result = synth("summarise", url, "--max-bytes", "2000")
    assert result.returncode == 1
    assert (
        f"synth: {url}: the page is 5 KB, over the 2 KB limit for one article (raise it "
        "with --max-bytes)" in result.stderr.splitlines()
    )


def test_a_status_phrase_is_the_standards_not_the_servers():
    with PageServer(
        {
            "/teapot": Page("no", status=418, media_type="text/plain"),
            "/odd": Page("no", status=599, media_type="text/plain"),
        }
    ) as server:
        assert only_problem([server.url("/teapot")]) == "the server answered HTTP 418 (I'm a Teapot)"
        assert only_problem([server.url("/odd")]) == "the server answered HTTP 599"


# --- standard input -----------------------------------------------------------------------


def test_dash_reads_one_article_from_standard_input():
    result = synth("summarise", "-", "-f", "json", stdin=flood_article(1))
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    [source] = report["sources"]
    assert source["path"] == "<stdin>" and source["outlet"] == "Valley Courier"
    assert any("evacuated" in claim["quote"] for claim in report["claims"])


def test_standard_input_and_files_together_keep_their_order(tmp_path: Path):
    article = tmp_path / "flood.txt"
    article.write_text(flood_article(2), encoding="utf-8")
    result = load_sources([str(article), "-"], stdin=io.BytesIO(flood_article(1).encode()))
    assert [s.path for s in result.sources] == [str(article), "<stdin>"]


def test_empty_or_oversized_standard_input_is_one_problem():
    assert only_problem(["-"], stdin=io.BytesIO(b" \n")) == "standard input is empty"
    assert (
        only_problem(["-"], stdin=io.BytesIO(b"word " * 100), max_bytes=100)
        == "standard input is over the 100 bytes limit for one article (raise it with --max-bytes)"
    )


def test_empty_standard_input_on_the_command_line_is_exit_1():
    result = synth("summarise", "-", stdin="")
    assert result.returncode == 1
    assert "synth: <stdin>: standard input is empty" in result.stderr.splitlines()


# --- files a folder holds that are not articles ----------------------------------------------


@pytest.fixture
def mixed_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "story"
    folder.mkdir()
    (folder / "flood.txt").write_text(flood_article(0), encoding="utf-8")
    (folder / "report.pdf").write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    (folder / "notes.docx").write_bytes(b"PK\x03\x04 not really a document")
    (folder / "figures.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (folder / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    return folder


def test_files_a_folder_holds_that_are_not_articles_are_named_with_the_reason(mixed_folder: Path):
    result = load_sources([mixed_folder])
    assert [Path(s.path).name for s in result.sources] == ["flood.txt"]
    assert [(Path(p.path or "").name, p.reason) for p in result.problems] == [
        (
            "figures.csv",
            "a .csv file is not read from a folder (.txt, .md, .html and .htm "
            "are); name it to read it as text",
        ),
        ("notes.docx", "a Word document is not supported; save the article as text or HTML"),
        ("report.pdf", "PDF is not supported; save the article as text or HTML"),
    ]


def test_skipped_files_are_one_line_each_and_in_the_reports_problems(mixed_folder: Path):
    result = synth("summarise", str(mixed_folder), "-f", "json")
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert (
        f"synth: {mixed_folder / 'report.pdf'}: PDF is not supported; save the article as "
        "text or HTML" in lines
    )
    assert sum(str(mixed_folder) in line for line in lines) == 3
    assert lines[-1].startswith("synth: 1 source, ")
    problems = json.loads(result.stdout)["problems"]
    assert sorted(Path(p["path"]).name for p in problems) == ["figures.csv", "notes.docx", "report.pdf"]


def test_a_pdf_named_on_its_own_says_what_to_do(mixed_folder: Path):
    path = str(mixed_folder / "report.pdf")
    assert only_problem([path]) == "PDF is not supported; save the article as text or HTML"
