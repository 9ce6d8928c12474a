"""What a model answers when it reconciles claims: the response schema (pure).

Its validators run the checks in checks.py against the claims of the request (a CheckContext
set with synth.validation_data.validating_against), so instructor sends a failed check back
to the model as a re-ask. Without one (a salvaged answer) only the shape is parsed, and the
caller checks each part itself.

The JSON schema of these models is part of every request and of its cache key: a changed
field, description or docstring changes what is sent (SCHEMA_VERSION, cassettes/README.md).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, model_validator

from synth.models import FactStatus
from synth.reconcile.checks import CheckContext, coverage_errors, fact_errors, sentence_errors
from synth.salvage import json_object, valid_items
from synth.validation_data import validation_data

SCHEMA_VERSION = "1"


class ReconciledFact(BaseModel):
    statement: str = Field(
        description="the fact in one sentence; for a conflict, each figure with who gave it and when"
    )
    status: FactStatus = Field(description="corroborated, single_source, conflicting or disputed")
    claim_ids: list[str] = Field(description="ids of every claim this fact rests on, e.g. C3")
    explanation: str | None = Field(
        default=None,
        description="for conflicting or disputed facts: why the figures differ "
        "(scope, timing, who counts), only as the cited claims say",
    )

    @model_validator(mode="after")
    def passes_checks(self) -> ReconciledFact:
        context = validation_data(CheckContext)
        if context is not None:
            _raise(f"fact {self.statement[:80]!r}", fact_errors(self, context))
        return self


class OverviewLine(BaseModel):
    text: str = Field(description="one sentence of the summary")
    claim_ids: list[str] = Field(description="ids of the claims this sentence rests on")

    @model_validator(mode="after")
    def passes_checks(self) -> OverviewLine:
        context = validation_data(CheckContext)
        if context is not None:
            _raise(f"overview sentence {self.text[:80]!r}", sentence_errors(self, context))
        return self


class UnusedSourceNote(BaseModel):
    source_id: str = Field(description="a source id such as S4")
    reason: str = Field(description="why none of its claims belongs in the summary")


class ReconcileResponse(BaseModel):
    """The reconciled facts and overview, each citing claim ids."""

    facts: list[ReconciledFact]
    overview: list[OverviewLine]
    unused_sources: list[UnusedSourceNote] = Field(default_factory=list)

    @model_validator(mode="after")
    def cites_every_source(self) -> ReconcileResponse:
        context = validation_data(CheckContext)
        if context is not None:
            _raise("the answer", coverage_errors(self, context))
        return self


def _raise(what: str, errors: list[str]) -> None:
    if errors:
        raise ValueError(f"{what}: {'; '.join(errors)}")


def parse_leniently(answer: Any) -> ReconcileResponse | None:
    """The parts of an answer that have the right shape, unchecked; None if there are none.

    Used on the last answer after the re-asks ran out, so each fact and sentence can be
    checked on its own and the good ones kept."""
    data = json_object(answer)
    if data is None:
        return None
    return ReconcileResponse(
        facts=valid_items(data, "facts", ReconciledFact),
        overview=valid_items(data, "overview", OverviewLine),
        unused_sources=valid_items(data, "unused_sources", UnusedSourceNote),
    )
