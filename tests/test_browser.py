"""The HTML report driven in a real headless Chromium: citations, the status filter, hostile
articles, phone width and print. Screenshots go to pytest's temporary folder for the run
(`screenshots0/` under `pytest --basetemp=DIR`, or the latest /tmp/pytest-of-$USER/), never
into the repository.

CI installs Debian's `chromium` (.ci/run) and the `playwright` package (the dev extra); the
browser cannot be downloaded here, so playwright launches that executable.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from synth.models import Report
from synth.pipeline import summarise
from synth.render import render_html
from tests.conftest import TROOPS

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is not installed (.ci/run installs it)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless=new",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

HOSTILE_ARTICLE = """\
Title: North Korean troops <script>window.__pwned=1</script> reach Russia
Outlet: The <img src=x onerror="window.__pwned=1"> Gazette
Date: 2024-10-30

SEOUL – About 3,000 North Korean troops <img src=x onerror="window.__pwned=1"> have been sent \
to Russia so far, South Korea's National Intelligence Service said on Wednesday.

<script>window.__pwned=1</script>

According to the agency, Pyongyang had decided to send up to 12,000 troops \
<a href="javascript:window.__pwned=1">in total</a>, drawn from four brigades of the Storm Corps.

Read the <a href="javascript:window.__pwned=1">full briefing</a> here.
"""


def _squash(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def troops() -> Report:
    return summarise([TROOPS], offline=True)


@pytest.fixture(scope="module")
def troops_url(troops: Report, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("html") / "report.html"
    path.write_text(render_html(troops), encoding="utf-8")
    return path.as_uri()


class Page:
    """A page that records console errors and uncaught exceptions."""

    def __init__(self, browser: Any, viewport: dict[str, int]) -> None:
        self.context = browser.new_context(viewport=viewport)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on(
            "request",
            lambda r: (
                None
                if r.url.startswith(("file:", "data:", "about:"))
                else self.errors.append(f"network request: {r.url}")
            ),
        )


@pytest.fixture
def open_page(browser: Any) -> Iterator[Any]:
    pages: list[Page] = []

    def open_(url: str, viewport: dict[str, int] = DESKTOP) -> Page:
        page = Page(browser, viewport)
        pages.append(page)
        page.page.goto(url)
        return page

    yield open_
    for page in pages:
        page.context.close()


def test_page_loads_without_errors_and_is_screenshotted(open_page: Any, troops_url: str, screenshots: Path):
    view = open_page(troops_url)
    page = view.page
    assert page.title().startswith("Fact sheet: North Korea")
    assert page.locator("html.js").count() == 1  # the script ran under the page's CSP
    for section in ("overview", "facts", "matrix", "sources", "run"):
        assert page.locator(f"section#{section}").is_visible()
    page.screenshot(path=str(screenshots / "report.png"), full_page=True)
    assert (screenshots / "report.png").stat().st_size > 10_000
    assert view.errors == []


def test_a_citation_click_shows_the_quote_and_leads_to_it_in_the_source(
    open_page: Any, troops_url: str, troops: Report
):
    view = open_page(troops_url)
    page = view.page
    popup = page.locator("#pop")
    assert popup.is_hidden()
    marker = page.locator("#overview a.cite").first
    claim = troops.claim(marker.get_attribute("data-claims"))
    source = troops.source(claim.source_id)
    marker.click()
    assert popup.is_visible()
    shown = _squash(popup.inner_text())
    assert _squash(claim.quote) in shown
    assert (claim.attributed_to or "unattributed") in shown and source.outlet in shown
    assert marker.get_attribute("aria-expanded") == "true"

    popup.get_by_role("link", name="Show in the source text").click()
    assert page.evaluate("location.hash") == f"#q-{claim.id}"
    assert popup.is_hidden()
    anchor = page.locator(f"#q-{claim.id}")
    assert anchor.is_visible() and page.locator(f"#src-{source.id} #q-{claim.id}").count() == 1
    page.wait_for_function(
        "id => { const r = document.getElementById(id).getBoundingClientRect();"
        " return r.top >= 0 && r.bottom <= innerHeight; }",
        arg=f"q-{claim.id}",
    )
    marks = page.locator(f"mark[data-claims~='{claim.id}']")
    assert marks.count() >= 1
    assert "".join(marks.all_text_contents()) == claim.quote
    assert all("flash" in (m.get_attribute("class") or "") for m in marks.all())
    assert view.errors == []


def test_hovering_a_matrix_cell_shows_its_quotes(open_page: Any, troops_url: str, troops: Report):
    page = open_page(troops_url).page
    cell_mark = page.locator("table.matrix a.mk").first
    ids = (cell_mark.get_attribute("data-claims") or "").split()
    cell_mark.hover()
    popup = page.locator("#pop")
    popup.wait_for(state="visible")
    assert page.locator("#pop .card").count() == len(ids)
    for claim_id in ids:
        assert _squash(troops.claim(claim_id).quote) in _squash(popup.inner_text())
    page.keyboard.press("Escape")
    assert popup.is_hidden()


def test_the_status_filter_hides_and_shows_rows(open_page: Any, troops_url: str, troops: Report):
    view = open_page(troops_url)
    page = view.page
    rows = page.locator("#facts-table tbody tr")
    assert rows.count() == len(troops.facts)
    statuses = [rows.nth(i).get_attribute("data-status") for i in range(rows.count())]
    for status in ("conflicting", "single_source"):
        page.locator(f"button[data-filter='{status}']").click()
        assert page.locator(f"button[data-filter='{status}']").get_attribute("aria-pressed") == "true"
        for i, row_status in enumerate(statuses):
            assert rows.nth(i).is_visible() == (row_status == status), (status, i)
        assert (
            f"Showing {statuses.count(status)} of {len(statuses)}"
            in page.locator("#filter-status").inner_text()
        )
    page.locator("button[data-filter='all']").click()
    assert all(rows.nth(i).is_visible() for i in range(len(statuses)))
    assert page.locator("#filter-status").is_hidden()

    page.locator("a.tile[data-filter-link='disputed']").click()  # the summary tiles filter too
    assert [rows.nth(i).is_visible() for i in range(len(statuses))] == [s == "disputed" for s in statuses]
    assert view.errors == []


def test_a_hostile_article_renders_as_text_and_runs_nothing(open_page: Any, tmp_path: Path):
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "00-hostile.txt").write_text(HOSTILE_ARTICLE, encoding="utf-8")
    shutil.copy(TROOPS / "01-seoul-morning-courier-2024-10-18.html", articles)
    report = summarise([articles], offline=True)
    hostile = report.sources[0]
    assert "<script>window.__pwned=1</script>" in hostile.text
    hostile_claims = [c for c in report.claims if c.source_id == hostile.id]
    assert any("onerror=" in c.quote for c in hostile_claims)
    assert any("javascript:" in c.quote for c in hostile_claims)
    path = tmp_path / "hostile.html"
    path.write_text(render_html(report), encoding="utf-8")

    view = open_page(path.as_uri())
    page = view.page
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert "<script>window.__pwned=1</script>" in page.locator("h1").inner_text()
    text = page.locator(f"#src-{hostile.id} .text").inner_text()
    assert _squash(text) == _squash(hostile.text)  # shown literally, markup and all
    assert page.locator("img").count() == 0
    assert page.locator("a[href^='javascript:' i], [onerror], [onclick], [onload]").count() == 0
    assert page.locator("script").count() == 1

    for claim in hostile_claims:  # the quote pop-ups show the markup as text, too
        page.locator(
            f"#overview a.cite[data-claims='{claim.id}'], #facts a.cite[data-claims='{claim.id}']"
        ).first.click()
        assert _squash(claim.quote) in _squash(page.locator("#pop").inner_text())
        page.keyboard.press("Escape")
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert view.errors == []


def test_phone_width_has_no_horizontal_overflow(open_page: Any, troops_url: str, screenshots: Path):
    view = open_page(troops_url, PHONE)
    page = view.page
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    assert page.locator("#facts-table thead").is_hidden()  # the table becomes cards
    page.locator("#overview a.cite").first.click()
    box = page.locator("#pop").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    page.keyboard.press("Escape")
    page.screenshot(path=str(screenshots / "report-phone.png"), full_page=True)
    assert view.errors == []


def test_print_hides_the_controls_and_shows_every_fact(open_page: Any, troops_url: str):
    page = open_page(troops_url).page
    page.locator("button[data-filter='disputed']").click()
    page.emulate_media(media="print")
    assert page.locator(".filters").is_hidden()
    assert page.locator("nav.topnav").is_hidden()
    rows = page.locator("#facts-table tbody tr")
    assert all(rows.nth(i).is_visible() for i in range(rows.count()))
    page.emulate_media(media="screen")
    assert page.locator(".filters").is_visible()


def test_phone_navigation_shows_every_section_link(open_page: Any, troops_url: str):
    view = open_page(troops_url, PHONE)
    page = view.page
    for name in ("Overview", "Facts", "Who says what", "Sources", "Run"):
        link = page.locator(".topnav a", has_text=name)
        box = link.bounding_box()
        assert link.is_visible() and box is not None, name
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], name  # not cut off
    assert view.errors == []


def test_the_matrix_header_is_short_and_a_denial_row_supports_the_denial(open_page: Any, tmp_path: Path):
    articles = tmp_path / "articles"
    articles.mkdir()
    # No outlet line: the header falls back to the title, cut short.
    (articles / "a.txt").write_text(
        "Title: Harbour authority says the new sea wall held through the night of the storm\n\n"
        "The harbour authority denied reports that the sea wall had failed during the storm.\n",
        encoding="utf-8",
    )
    (articles / "b.txt").write_text(
        "Title: Sea wall stands\nOutlet: The Coastal Courier\n\n"
        "The harbour authority also denied reports that the sea wall had failed during the "
        "storm.\n",
        encoding="utf-8",
    )
    report = summarise([articles], offline=True)
    path = tmp_path / "denial.html"
    path.write_text(render_html(report), encoding="utf-8")
    page = open_page(path.as_uri()).page
    headers = page.locator("table.matrix thead th.src .outlet")
    assert [headers.nth(i).inner_text() for i in range(headers.count())] == [
        "Harbour authority says the…",
        "The Coastal Courier",
    ]
    disputed = next(f for f in report.facts if f.status == "disputed")
    row = page.locator("table.matrix tbody tr", has=page.locator(f"a.fref:text-is('{disputed.id}')"))
    cells = row.locator("td")
    assert cells.count() == 2
    assert all("c-supports" in (cells.nth(i).get_attribute("class") or "") for i in range(cells.count()))
