"""HTML pages read with budgets: deep, wide or hostile pages lose no article text and cannot
hold up a run (synth/load/html.py, through the load stage)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from synth.load import load_sources
from synth.load.html import MAX_DEPTH, MAX_ELEMENTS, html_to_article, plain_text

FIRST = "Officials said 3,000 troops arrived in Kursk on Monday, the ministry said."
SECOND = "The Pentagon said 10,000 troops were in Russia by Friday, a spokesman told reporters."
LAST = "Ukraine's intelligence agency said the first units had crossed the border on Sunday."


def page(body: str, title: str = "Troops arrive in Kursk as fighting goes on") -> str:
    return f"<!doctype html><html><head><title>{title}</title></head><body>{body}</body></html>"


def load_page(tmp_path: Path, html: str, name: str = "page.html"):
    path = tmp_path / name
    path.write_text(html, encoding="utf-8")
    result = load_sources([path])
    problems = [p.reason for p in result.problems]
    return (result.sources[0] if result.sources else None), problems


@pytest.mark.parametrize("depth", [300, 5_000, 60_000])
def test_text_nested_deeper_than_the_parser_goes_is_kept_with_a_note(tmp_path: Path, depth):
    # The parser stops at 256 levels (2,048 at most) and drops the rest of the page.
    deep = "<div>" * depth + f"<p>{SECOND}</p>" + "</div>" * depth
    source, problems = load_page(tmp_path, page(f"<article><p>{FIRST}</p>{deep}<p>{LAST}</p></article>"))
    assert source is not None
    assert source.text == f"{FIRST}\n\n{SECOND}\n\n{LAST}"
    assert source.title == "Troops arrive in Kursk as fighting goes on"
    assert problems == [
        f"loaded with repairs: HTML page is nested over {MAX_DEPTH} elements "
        "deep: read as plain text, without article detection"
    ]


def test_a_page_over_the_element_budget_is_read_as_plain_text_with_a_note(tmp_path: Path):
    rows = "".join(f"<div>Row {i} of the table</div>" for i in range(MAX_ELEMENTS))
    source, problems = load_page(tmp_path, page(f"<p>{FIRST}</p>{rows}<p>{LAST}</p>"))
    assert source is not None
    assert source.text.startswith(f"{FIRST}\n\nRow 0 of the table\n\nRow 1 of the table")
    assert source.text.endswith(f"Row {MAX_ELEMENTS - 1} of the table\n\n{LAST}")
    [problem] = problems
    assert problem.startswith(
        f"loaded with repairs: HTML page has {MAX_ELEMENTS + 6:,} elements, "
        f"over the budget of {MAX_ELEMENTS:,}: read as plain text"
    )


def test_a_hundred_thousand_inline_elements_are_unwrapped_and_read_in_seconds(tmp_path: Path):
    # trafilatura took about a minute over 100,000 pieces of text in one paragraph.
    letters = "<b>a</b><i>b</i>" * 50_000
    started = time.perf_counter()
    source, problems = load_page(
        tmp_path, page(f"<article><p>{FIRST}</p><p>{letters}</p><p>{LAST}</p></article>")
    )
    assert time.perf_counter() - started < 30
    assert source is not None and problems == []  # nothing lost: no note
    assert source.text == f"{FIRST}\n\n{'ab' * 50_000}\n\n{LAST}"


@pytest.mark.parametrize(
    "body",
    [
        "",
        "<img src=photo.jpg>",
        "<nav><a href=/>Home</a> | <a href=/world>World</a> | <a href=/sport>Sport</a></nav>"
        "<header><ul><li>News</li><li>Sport</li></ul></header><footer>© 2024 The Paper</footer>",
    ],
)
def test_a_page_without_article_text_is_refused_not_read_as_its_title_or_menu(tmp_path, body):
    source, problems = load_page(tmp_path, page(body))
    assert source is None
    assert problems == ["HTML page has no article text"]


def test_scripts_iframes_templates_and_huge_attributes_stay_out_of_the_text(tmp_path: Path):
    data_url = "data:image/png;base64," + "A" * 3_000_000
    body = (
        f"<script>var x = '</p><p>50,000 troops were sent to the Moon.';</script>"
        "<iframe src='https://example.com/'>Iframe text: 99,999 penguins</iframe>"
        "<noscript>Enable scripts to read 77 more articles</noscript>"
        "<template><p>Template text about volcanoes</p></template>"
        f"<article><p>{FIRST}</p><img src='{data_url}' alt='{'x' * 100_000}'>"
        f"<p style='display:none'>Hidden text says 12 people died.</p><p>{LAST}</p></article>"
    )
    started = time.perf_counter()
    source, problems = load_page(tmp_path, page(body))
    assert time.perf_counter() - started < 30
    assert source is not None and problems == []
    assert source.text == f"{FIRST}\n\n{LAST}"


def test_entities_cannot_bring_controls_or_overrides_back(tmp_path: Path):
    source, problems = load_page(
        tmp_path,
        page(
            f"<article><p>{FIRST} &#x1b;[2J&#x202e;000,3&#x202c;</p><p>{LAST}</p></article>",
            title="Troops &#x202e;arrive&#x202c; in Kursk&#7; region",
        ),
    )
    assert source is not None
    assert "\x1b" not in source.text and "\u202e" not in source.text
    assert source.text.startswith(f"{FIRST} [2J000,3")
    assert source.title == "Troops arrive in Kursk region"
    # (The parser drops the escape and the bell itself: XML has no place for them.)
    assert problems == [
        "loaded with repairs: 2 invisible formatting characters removed "
        "(bidirectional overrides, tag characters)"
    ]


def test_a_title_of_a_megabyte_is_no_title(tmp_path: Path):
    source, _ = load_page(
        tmp_path, page(f"<article><p>{FIRST}</p><p>{LAST}</p></article>", title="Troops arrive " * 80_000)
    )
    assert source is not None and source.title is None


def test_an_xhtml_page_with_an_encoding_declaration_is_read(tmp_path: Path):
    xhtml = (
        '<?xml version="1.0" encoding="iso-8859-1"?>\n<!DOCTYPE html>\n'
        '<html xmlns="http://www.w3.org/1999/xhtml"><head><title>Troops arrive in Kursk'
        f" region</title></head><body><article><p>{FIRST}</p><p>{LAST}</p></article>"
        "</body></html>"
    )
    source, problems = load_page(tmp_path, xhtml, "page.xhtml.html")
    assert source is not None and problems == []
    assert source.text == f"{FIRST}\n\n{LAST}"


@pytest.mark.parametrize(
    "junk", ["<" * 200_000, "<nav>" * 100_000, "<a href='" * 100_000, "<!--" + "x" * 100_000]
)
def test_plain_text_takes_one_pass_over_malformed_markup(junk):
    started = time.perf_counter()
    text = plain_text(f"<p>{FIRST}</p>{junk}<p>{LAST}</p>")
    assert time.perf_counter() - started < 10
    assert text.startswith(FIRST)


def test_plain_text_keeps_blocks_apart_and_drops_furniture():
    assert (
        plain_text(
            f"<head><title>T</title></head><nav>Menu</nav><div>{FIRST}</div>"
            f"<aside>Most read</aside><p>{SECOND}<br>{LAST}</p>"
            "<footer>Footer</footer>"
        )
        == f"{FIRST}\n{SECOND}\n{LAST}"
    )


def test_an_ordinary_page_goes_through_trafilatura_without_notes():
    article = html_to_article(
        page(
            f"<nav><a href=/>Home</a></nav><article><h1>Troops arrive"
            f"</h1><p>{FIRST}</p><p>{SECOND}</p></article>"
        )
    )
    assert article.notes == []
    assert article.text.endswith(f"{FIRST}\n\n{SECOND}")
