from __future__ import annotations

import json

from synth.models import Report, report_json_schema
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
    assert {"id", "source_id", "statement", "quote", "start", "end", "attributed_to",
            "quantities", "stance"} <= claim.keys()
    assert {"id", "statement", "status", "claim_ids"} <= data["facts"][0].keys()
    assert {"text", "claim_ids"} <= data["overview"][0].keys()
    assert {"requests", "prompt_tokens", "completion_tokens", "cache_hits",
            "claims_dropped"} <= data["usage"].keys()
    values = [q["value"] for c in data["claims"] for q in c["quantities"]]
    assert 12000 in values and all(isinstance(v, (int, float)) for v in values)


def test_schema_describes_the_report():
    schema = report_json_schema()
    assert set(schema["properties"]) >= {"sources", "claims", "facts", "overview", "problems",
                                         "usage"}


def test_markdown_has_overview_facts_conflicts_and_numbered_sources():
    markdown = render_markdown(summarise([TROOPS], offline=True))
    for heading in ("## Overview", "## Facts", "## Conflicts and disputes", "## Sources"):
        assert heading in markdown
    assert "| F1 | **conflicting** |" in markdown
    assert "1. **North Korea begins sending special forces" in markdown
    assert "republishes [3]" in markdown


def test_markdown_escapes_article_text():
    from synth.render.markdown import escape

    assert escape("[click](javascript:alert(1)) <img src=x onerror=alert(1)> *bold* | pipe") == \
        r"\[click\](javascript:alert(1)) \<img src=x onerror=alert(1)\> \*bold\* \| pipe"
