from __future__ import annotations

import json

from synth.models import Claim, Fact, Report, Source, Variant, report_json_schema
from synth.pipeline import summarise
from synth.render import render_json, render_markdown
from tests.conftest import TROOPS


def test_json_output_carries_the_contract_fields():
    report = summarise([TROOPS], offline=True)
    data = json.loads(render_json(report))
    assert Report.model_validate(data) == report
    source = data["sources"][0]
    assert {"id", "path", "title", "outlet", "published", "text"} <= source.keys()
    claim = data["claims"][0]
    assert {
        "id",
        "source_id",
        "statement",
        "quote",
        "start",
        "end",
        "attributed_to",
        "quantities",
        "stance",
    } <= claim.keys()
    assert {"id", "statement", "status", "claim_ids", "subject", "origins", "revision"} <= data["facts"][
        0
    ].keys()
    assert "as_of" in data["facts"][0]["variants"][0] and "cited_origin" in claim
    assert {"text", "claim_ids"} <= data["overview"][0].keys()
    assert {"requests", "prompt_tokens", "completion_tokens", "cache_hits", "claims_dropped"} <= data[
        "usage"
    ].keys()
    values = [q["value"] for c in data["claims"] for q in c["quantities"]]
    assert 12000 in values and all(isinstance(v, (int, float)) for v in values)


def test_schema_describes_the_report():
    schema = report_json_schema()
    assert set(schema["properties"]) >= {"sources", "claims", "facts", "overview", "problems", "usage"}
    definitions = schema["$defs"]
    assert {"subject", "origins", "revision"} <= definitions["Fact"]["properties"].keys()
    assert "as_of" in definitions["Variant"]["properties"]
    assert "cited_origin" in definitions["Claim"]["properties"]


def test_markdown_has_overview_facts_conflicts_and_numbered_sources():
    markdown = render_markdown(summarise([TROOPS], offline=True))
    for heading in ("## Overview", "## Facts", "## Conflicts and disputes", "## Sources"):
        assert heading in markdown
    assert "| F1 | **conflicting** |" in markdown
    assert "1. **North Korea begins sending special forces" in markdown
    assert "republishes [3]" in markdown


def test_markdown_escapes_article_text():
    from synth.render.markdown import escape

    assert (
        escape("[click](javascript:alert(1)) <img src=x onerror=alert(1)> *bold* | pipe")
        == r"\[click\](javascript:alert(1)) \<img src=x onerror=alert(1)\> \*bold\* \| pipe"
    )


def fields_only_report() -> Report:
    """Facts whose statements share no wording with the rules' own: renderers must read
    what is counted and its values from the fields."""

    def source(number: int, published: str) -> Source:
        return Source(
            id=f"S{number}",
            path=f"{number}.txt",
            outlet=f"Outlet {number}",
            published=published,
            text="x",
            content_hash="-",
            format="txt",
            encoding="utf-8",
        )

    def variant(value: int, number: int, as_of: str, who: list[str]) -> Variant:
        return Variant(
            value=value,
            label=f"{value:,}",
            as_of=as_of,
            attributed_to=who,
            source_ids=[f"S{number}"],
            claim_ids=[f"C{number}"],
        )

    sources = [source(1, "2024-05-01T08:00"), source(2, "2024-05-01T12:00"), source(3, "2024-05-01T18:00")]
    claims = [
        Claim(id=f"C{n}", source_id=f"S{n}", statement="x: y", quote="x", start=0, end=1) for n in (1, 2, 3)
    ]
    conflict = Fact(
        id="F1",
        statement="Nobody agrees: the ministry and the army differ.",
        status="conflicting",
        claim_ids=["C1", "C2"],
        source_ids=["S1", "S2"],
        subject="the number of arrests (in the capital)",
        unit="arrests",
        variants=[
            variant(400, 1, "2024-05-01T08:00", ["the ministry"]),
            variant(650, 2, "2024-05-01T12:00", ["the army"]),
        ],
    )
    # Listed highest first: the timeline must come from as_of, not from list order.
    toll = Fact(
        id="F2",
        statement="Deaths",
        status="conflicting",
        revision=True,
        claim_ids=["C1", "C2", "C3"],
        source_ids=["S1", "S2", "S3"],
        subject="the death toll",
        unit="deaths",
        variants=[
            variant(61, 3, "2024-05-01T18:00", ["police"]),
            variant(40, 1, "2024-05-01T08:00", ["police"]),
            variant(52, 2, "2024-05-01T12:00", ["police"]),
        ],
    )
    return Report(sources=sources, claims=claims, facts=[conflict, toll])


def test_markdown_renders_conflicts_and_revisions_from_their_fields():
    markdown = render_markdown(fields_only_report())
    assert "### F1 · The number of arrests (in the capital)" in markdown
    assert "- **400** — the ministry [1]" in markdown and "- **650** — the army [2]" in markdown
    assert "### F2 · The death toll" in markdown and "rose from 40 to 61" in markdown
    timeline = [line for line in markdown.splitlines() if line.startswith("- **")][2:]
    assert [line.split("**")[1] for line in timeline] == ["40", "52", "61"]
    assert "(as of 2024-05-01T08:00)" in timeline[0]
    assert "| F2 | **conflicting**, revised over time |" in markdown
