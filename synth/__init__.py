"""synth: reconcile what several articles say about one story, every sentence cited."""

from __future__ import annotations

from synth.config import Settings, resolve_settings
from synth.errors import ConfigError, InputError, ModelError, ModelRefusedError, SynthError
from synth.many import StoryReports, summarise_many
from synth.models import (
    Claim,
    Fact,
    OverviewSentence,
    Problem,
    Quantity,
    Report,
    Source,
    Usage,
    Variant,
)
from synth.pipeline import summarise
from synth.render import render_html, render_json, render_markdown

__version__ = "0.1.0"

__all__ = [
    "Claim",
    "ConfigError",
    "Fact",
    "InputError",
    "ModelError",
    "ModelRefusedError",
    "OverviewSentence",
    "Problem",
    "Quantity",
    "Report",
    "Settings",
    "Source",
    "StoryReports",
    "SynthError",
    "Usage",
    "Variant",
    "render_html",
    "render_json",
    "render_markdown",
    "resolve_settings",
    "summarise",
    "summarise_many",
]
