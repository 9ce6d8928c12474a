"""The report as JSON: the contract of README.md, "The JSON contract", field for field (pure)."""

from __future__ import annotations

from synth.models import Report


def render_json(report: Report) -> str:
    return report.model_dump_json(indent=2) + "\n"
