"""Renderers: pure functions from a Report to text (Markdown, JSON, HTML)."""

from __future__ import annotations

from synth.render.html import render_html
from synth.render.json import render_json
from synth.render.markdown import render_markdown

FORMATS = {"md": render_markdown, "json": render_json, "html": render_html}

__all__ = ["FORMATS", "render_html", "render_json", "render_markdown"]
