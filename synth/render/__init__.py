"""Renderers: pure functions from a Report to text (Markdown, JSON; HTML later)."""

from __future__ import annotations

from synth.render.json import render_json
from synth.render.markdown import render_markdown

FORMATS = {"md": render_markdown, "json": render_json}

__all__ = ["FORMATS", "render_json", "render_markdown"]
