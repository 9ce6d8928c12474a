"""The HTML renderer without a browser: escaping, self-containment, citations and the matrix."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import lxml.html
import pytest

from synth.cli import main
from synth.models import Claim, Fact, OverviewSentence, Problem, Report, Source, Usage, Variant
from synth.pipeline import summarise
from synth.render import FORMATS, render_html
from synth.render.html import majority_variants, markdown_as_text, source_segments
from tests.conftest import TROOPS

PAYLOAD = (
    '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=1">'
    '<a href="javascript:window.__pwned=1">go</a>{{ 7*7 }}'
)


@pytest.fixture(scope="module")
def troops() -> Report:
    return summarise([TROOPS], offline=True)


@pytest.fixture(scope="module")
def troops_page(troops: Report) -> str:
    return render_html(troops)


def _tree(page: str) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(page)


def _classes(element: lxml.html.HtmlElement) -> set[str]:
    return set((element.get("class") or "").split())


def _hostile_report() -> Report:
    """Every untrusted field carries markup that would run if it were inserted raw."""

    def field(name: str) -> str:
        return f"{name.upper()}-MARK {PAYLOAD}"

    text = f"Intro. {field('quote')} Tail {field('text')}"
    start = text.index("QUOTE-MARK")
    quote = field("quote")
    source = Source(
        id="S1",
        path=field("path"),
        title=field("title"),
        outlet=field("outlet"),
        published=field("published"),
        text=text,
        content_hash="0" * 64,
        format="txt",
        encoding="utf-8",
    )
    copy = source.model_copy(update={"id": "S2", "duplicate_of": "S1"})
    claim = Claim(
        id="C1",
        source_id="S1",
        statement=field("statement"),
        quote=quote,
        start=start,
        end=start + len(quote),
        attributed_to=field("attributed"),
    )
    denial = claim.model_copy(update={"id": "C2", "source_id": "S2", "stance": "denied"})
    variant = Variant(
        value=1,
        label=field("label"),
        time_refs=[field("timeref")],
        attributed_to=[field("variantwho")],
        source_ids=["S1"],
        claim_ids=["C1"],
    )
    other = variant.model_copy(update={"value": 2, "source_ids": ["S2"], "claim_ids": ["C2"]})
    facts = [
        Fact(
            id="F1",
            statement=field("fact"),
            status="conflicting",
            claim_ids=["C1", "C2"],
            source_ids=["S1", "S2"],
            variants=[variant, other],
        ),
        Fact(
            id="F2",
            statement=field("disputed"),
            status="disputed",
            claim_ids=["C1", "C2"],
            source_ids=["S1", "S2"],
        ),
    ]
    return Report(
        sources=[source, copy],
        claims=[claim, denial],
        facts=facts,
        overview=[OverviewSentence(text=field("overview"), claim_ids=["C1", "C2"])],
        problems=[Problem(path=field("problempath"), stage="load", reason=field("reason"))],
        usage=Usage(extractor="llm", model=field("model")),
    )


def test_every_untrusted_field_is_escaped_and_shown_as_text():
    page = render_html(_hostile_report())
    tree = _tree(page)
    scripts = tree.xpath("//script")
    assert len(scripts) == 1 and scripts[0].get("src") is None  # only the page's own script
    assert "__pwned" not in scripts[0].text_content()
    assert not tree.xpath("//img | //iframe | //object | //embed | //link")
    for element in tree.iter():
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), (element.tag, name)
            assert not value.strip().lower().startswith("javascript:"), (element.tag, name)
    text = tree.text_content() + "".join(t.text_content() for t in tree.xpath("//template"))
    for name in (
        "title",
        "outlet",
        "published",
        "path",
        "text",
        "quote",
        "attributed",
        "statement",
        "fact",
        "disputed",
        "label",
        "timeref",
        "variantwho",
        "overview",
        "problempath",
        "reason",
        "model",
    ):
        assert f"{name.upper()}-MARK {PAYLOAD}" in text, name
    assert "<script>window" not in page and 'onerror="window' not in page
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in page
    assert "{{ 7*7 }}" in text and "49" not in text  # article text is data, never template source


def test_page_is_self_contained_and_pins_its_script_by_hash(troops_page: str):
    tree = _tree(troops_page)
    for element in tree.iter():
        for name in ("src", "href", "action", "formaction", "poster", "srcset", "data"):
            value = element.get(name)
            if value is not None:
                assert value.startswith("#"), (element.tag, name, value)
    assert not tree.xpath("//link | //img | //iframe | //object | //embed | //base")
    style = "".join(s.text_content() for s in tree.xpath("//style"))
    assert "url(" not in style and "@import" not in style and "http" not in style
    policy = tree.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")[0]
    assert "default-src 'none'" in policy and "unsafe-inline" not in policy.split("script-src")[1]
    script = tree.xpath("//script")[0].text
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in policy
    assert "http://" not in script and "https://" not in script and "fetch(" not in script


def test_every_claim_cited_in_the_overview_is_a_marker(troops: Report, troops_page: str):
    tree = _tree(troops_page)
    items = tree.xpath("//section[@id='overview']//ol[@class='overview']/li")
    assert len(items) == len(troops.overview)
    for item, sentence in zip(items, troops.overview, strict=True):
        markers = [m for m in item.iter("a") if "cite" in _classes(m)]
        cited = [m.get("data-claims") for m in markers]
        assert sorted(cited) == sorted(set(sentence.claim_ids))
        for marker in markers:
            assert tree.xpath(f"//template[@id='card-{marker.get('data-claims')}']")
            assert marker.get("href") == f"#q-{marker.get('data-claims')}"


def test_matrix_has_a_row_per_fact_and_a_column_per_source(troops: Report, troops_page: str):
    tree = _tree(troops_page)
    matrix = tree.xpath("//table[@class='matrix']")[0]
    headers = matrix.xpath("./thead/tr/th")
    assert [h.xpath("./a")[0].text for h in headers[1:]] == [s.id for s in troops.sources]
    rows = matrix.xpath("./tbody/tr")
    assert len(rows) == len(troops.facts)
    for row, fact in zip(rows, troops.facts, strict=True):
        assert row.get("data-status") == fact.status
        assert len(row.xpath("./td")) == len(troops.sources)
    duplicate = next(s for s in troops.sources if s.duplicate_of)
    column = [s.id for s in troops.sources].index(duplicate.id)
    assert "dup" in _classes(headers[column + 1])
    assert f"copy of {duplicate.duplicate_of}" in headers[column + 1].text_content()
    assert all("dup" in _classes(row.xpath("./td")[column]) for row in rows)


def test_matrix_cells_say_supports_contradicts_or_silent(troops: Report, troops_page: str):
    rows = {
        r.xpath(".//a[@class='fref']")[0].text: r
        for r in _tree(troops_page).xpath("//table[@class='matrix']/tbody/tr")
    }
    disputed = next(f for f in troops.facts if f.status == "disputed")
    cells = rows[disputed.id].xpath("./td")
    # every source reports the denial, and the fact is the denial: each supports it
    assert all("c-supports" in _classes(c) for c in cells)
    single = next(f for f in troops.facts if f.status == "single_source" and len(f.source_ids) == 1)
    states = [next(c for c in _classes(td) if c.startswith("c-")) for td in rows[single.id].xpath("./td")]
    assert states.count("c-supports") == 1 and states.count("c-silent") == len(troops.sources) - 1
    conflicting = next(f for f in troops.facts if f.status == "conflicting")
    labels = {m.text for m in rows[conflicting.id].xpath(".//a") if "mk" in _classes(m)}
    assert labels == {v.label for v in conflicting.variants}


def test_a_source_giving_only_a_minority_value_contradicts():
    page = render_html(_hostile_report())
    row = _tree(page).xpath("//table[@class='matrix']/tbody/tr")[0]
    # F1: S1 gives one value and its own wire copy S2 the other: one independent source each.
    # With no majority the sources simply split, and each contradicts the other.
    assert [next(c for c in _classes(td) if c.startswith("c-")) for td in row.xpath("./td")] == [
        "c-contradicts",
        "c-contradicts",
    ]
    three = [object()] * 3
    assert majority_variants(three, {0: 3, 1: 1, 2: 3}) == {0, 2}  # type: ignore[arg-type]
    assert majority_variants(three, {0: 2, 1: 2, 2: 2}) == set()  # type: ignore[arg-type]
    report = _hostile_report()  # now an independent S3 backs S1's value, leaving S2's alone
    third = report.sources[0].model_copy(update={"id": "S3", "duplicate_of": None})
    claim = report.claims[0].model_copy(update={"id": "C3", "source_id": "S3"})
    fact = report.facts[0]
    variants = [
        fact.variants[0].model_copy(update={"source_ids": ["S1", "S3"], "claim_ids": ["C1", "C3"]}),
        fact.variants[1],
    ]
    report = report.model_copy(
        update={
            "sources": [*report.sources, third],
            "claims": [*report.claims, claim],
            "facts": [
                fact.model_copy(
                    update={
                        "variants": variants,
                        "claim_ids": ["C1", "C2", "C3"],
                        "source_ids": ["S1", "S2", "S3"],
                    }
                )
            ],
        }
    )
    row = _tree(render_html(report)).xpath("//table[@class='matrix']/tbody/tr")[0]
    assert [next(c for c in _classes(td) if c.startswith("c-")) for td in row.xpath("./td")] == [
        "c-supports",
        "c-contradicts",
        "c-supports",
    ]


def test_every_quote_is_highlighted_where_it_occurs(troops: Report, troops_page: str):
    tree = _tree(troops_page)
    # A Markdown source is shown as its words (links as their text, no heading marks).
    shown = {s.id: markdown_as_text if s.format == "md" else (lambda t: t) for s in troops.sources}
    for claim in troops.claims:
        article = tree.xpath(f"//article[@id='src-{claim.source_id}']")[0]
        marks = [m for m in article.iter("mark") if claim.id in (m.get("data-claims") or "").split()]
        assert "".join(m.text_content() for m in marks) == shown[claim.source_id](claim.quote)
        anchor = tree.xpath(f"//*[@id='q-{claim.id}']")
        assert len(anchor) == 1 and anchor[0].getparent().get("class") == "text"
    for source in troops.sources:
        text = tree.xpath(f"//article[@id='src-{source.id}']//div[@class='text']")[0]
        # nothing added to or lost from the article
        assert text.text_content() == shown[source.id](source.text)
    assert any(s.format == "md" for s in troops.sources)
    md = next(s for s in troops.sources if s.format == "md")
    shown_md = tree.xpath(f"//article[@id='src-{md.id}']//div[@class='text']")[0].text_content()
    assert "](" not in shown_md and not shown_md.lstrip().startswith("#")


def test_every_internal_link_lands_on_something(troops_page: str):
    tree = _tree(troops_page)
    ids = [e.get("id") for e in tree.iter() if e.get("id")]
    assert len(ids) == len(set(ids))
    targets = {a.get("href")[1:] for a in tree.iter("a") if (a.get("href") or "").startswith("#")}
    assert targets and targets <= set(ids)


def test_source_segments_handle_overlaps_and_bad_offsets():
    text = "0123456789"
    segments = source_segments(text, [("A", 2, 6), ("B", 4, 8), ("X", 5, 50), ("Y", 3, 3)])
    assert "".join(s.text for s in segments) == text
    assert [(s.text, s.claim_ids, s.starts) for s in segments] == [
        ("01", (), ()),
        ("23", ("A",), ("A",)),
        ("45", ("A", "B"), ("B",)),
        ("67", ("B",), ()),
        ("89", (), ()),
    ]
    assert source_segments("", []) == []


def test_rendering_is_pure_and_registered(troops: Report, troops_page: str):
    assert render_html(troops) == troops_page
    assert FORMATS["html"] is render_html
    empty = render_html(Report())
    assert "No sources could be read." in empty and '<table class="matrix"' not in empty


def test_cli_writes_an_html_file(tmp_path: Path):
    out = tmp_path / "report.html"
    assert main(["summarise", str(TROOPS), "--format", "html", "--out", str(out), "--quiet"]) == 0
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and re.search(r"<h1>[^<]+</h1>", page)


def test_facts_are_shown_from_their_fields_not_their_statements():
    from tests.test_render import fields_only_report

    report = fields_only_report()
    tree = _tree(render_html(report))
    rows = tree.xpath("//table[@id='facts-table']/tbody/tr")
    conflict, toll = rows
    assert conflict.xpath(".//p[@class='statement']")[0].text == "The number of arrests (in the capital)"
    assert [v.text for v in conflict.xpath(".//span[@class='vlabel']")] == ["400", "650"]
    assert toll.xpath(".//p[@class='statement']")[0].text == "The death toll rose from 40 to 61"
    assert [v.text for v in toll.xpath(".//span[@class='vlabel']")] == ["40", "52", "61"]
    assert "as of 1 May 2024, 08:00" in toll.xpath(".//p[@class='vwhen']")[0].text_content()
    assert not toll.xpath(".//span[@class='vtag']")  # no "most given" on a timeline
    labels = [
        r.xpath(".//span[@class='rl']")[0].text for r in tree.xpath("//table[@class='matrix']/tbody/tr")
    ]
    assert labels == ["The number of arrests (in the capital)", "The death toll rose from 40 to 61"]
    # Every source reports a point on the timeline: none contradicts another.
    toll_row = tree.xpath("//table[@class='matrix']/tbody/tr")[1]
    assert {next(c for c in _classes(td) if c.startswith("c-")) for td in toll_row.xpath("./td")} == {
        "c-supports"
    }


def test_a_model_s_statement_is_shown_under_the_subject():
    from tests.test_render import fields_only_report

    report = fields_only_report()
    report.facts[0] = report.facts[0].model_copy(update={"written_by": "model"})
    row = _tree(render_html(report)).xpath("//table[@id='facts-table']/tbody/tr")[0]
    assert row.xpath(".//p[@class='detail']")[0].text == report.facts[0].statement
