"""The report model: sources, claims, facts, overview, problems and usage (pure, no I/O).

These Pydantic models are the JSON contract (README.md, "The JSON contract"; `synth schema`
prints it): outside tools read the field names, so fields may be added but never renamed
without bumping REPORT_VERSION.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

REPORT_VERSION = "1.0"

Stance = Literal["asserted", "reported", "hedged", "denied"]
FactStatus = Literal["corroborated", "single_source", "conflicting", "disputed"]
Qualifier = Literal["exact", "about", "at_least", "more_than", "up_to", "fewer_than"]
MatchKind = Literal["exact", "normalised", "fuzzy"]
WrittenBy = Literal["rules", "model"]


def id_order(item_id: str) -> tuple[int, str]:
    """Sort key for ids such as S2, C10, F3: by number (C2 before C10), unnumbered ids last."""
    digits = item_id[1:]
    return (int(digits), item_id) if digits.isdigit() else (1 << 30, item_id)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Source(_Model):
    """One input article, as loaded."""

    id: str = Field(description="S1…Sn in input order")
    path: str
    title: str | None = None
    outlet: str | None = Field(default=None, description="the publication that carried it")
    published: str | None = Field(default=None, description="ISO 8601 date or date-time")
    text: str = Field(description="decoded text with newlines normalised; offsets point here")
    content_hash: str = Field(description="sha256 of text")
    format: Literal["txt", "md", "html"]
    encoding: str = Field(description="how the bytes were decoded")
    duplicate_of: str | None = Field(
        default=None,
        description="id of an earlier source carrying the same story text (a wire story "
        "republished with edits, or a later version of one outlet's story)",
    )


class Quantity(_Model):
    """A number as a number, with what it counts and how it was qualified."""

    value: float = Field(description="10000, not '10,000'")
    value_max: float | None = Field(default=None, description="upper end of a range")
    unit: str = Field(description="normalised unit: troops, deaths, injured, km, magnitude, …")
    scope: str | None = Field(
        default=None, description="what subset is counted: 'special forces', 'officers', …"
    )
    qualifier: Qualifier = "exact"
    time_ref: str | None = Field(default=None, description="'so far', 'by December', …")
    text: str = Field(description="the number as written in the source")


class Claim(_Model):
    """One grounded claim: its quote is found verbatim in its source at [start, end)."""

    id: str
    source_id: str
    statement: str
    quote: str
    start: int
    end: int
    attributed_to: str | None = Field(
        default=None, description="who asserts it (agency or person), not the outlet"
    )
    stance: Stance = "reported"
    cited_origin: str | None = Field(
        default=None,
        description="the other outlet or agency whose report the claim relays "
        "('citing Yonhap'); it then counts as that origin's, not "
        "as its source's own",
    )
    quantities: list[Quantity] = Field(default_factory=list)
    dates: list[str] = Field(default_factory=list)
    match: MatchKind = "exact"
    extractor: str = "offline"
    flags: list[str] = Field(
        default_factory=list,
        description="'instruction': the quote addresses a model ('ignore previous "
        "instructions…'); it is reported, never followed, and gives no figure",
    )


class Variant(_Model):
    """One value given for a conflicting quantity, with who gave it."""

    value: float
    value_max: float | None = None
    qualifier: Qualifier = "exact"
    label: str = Field(description="the value as a reader sees it, e.g. 'about 3,000'")
    time_refs: list[str] = Field(default_factory=list)
    as_of: str | None = Field(
        default=None,
        description="when the value was given: the publication time of the "
        "earliest source giving it (ISO 8601), or the sentence's own "
        "time",
    )
    attributed_to: list[str] = Field(default_factory=list)
    source_ids: list[str]
    claim_ids: list[str]


class Fact(_Model):
    """A reconciled point: one group of claims about the same thing."""

    id: str
    statement: str
    status: FactStatus
    claim_ids: list[str]
    source_ids: list[str]
    origins: list[str] = Field(
        default_factory=list,
        description="the distinct independent origins of its claims: "
        "source ids, a copy counted as its original, and "
        "names of outlets or agencies its claims relay",
    )
    subject: str | None = Field(
        default=None,
        description="what is counted, with its scope ('the number of troops "
        "(special forces)'); None for a statement without figures",
    )
    unit: str | None = None
    scope: str | None = None
    variants: list[Variant] = Field(default_factory=list)
    revision: bool = Field(
        default=False,
        description="a running total revised over time: its variants are a "
        "timeline in `as_of` order (status stays conflicting)",
    )
    explanation: str | None = Field(
        default=None, description="why sources differ (scope, timing, who), from the cited claims"
    )
    written_by: WrittenBy = Field(
        default="rules",
        description="'model' when a language model wrote it and synth's checks "
        "passed; 'rules' for synth's deterministic reconcile",
    )


class OverviewSentence(_Model):
    text: str
    claim_ids: list[str]
    written_by: WrittenBy = "rules"


class UnusedSource(_Model):
    """A source with grounded claims that the summary does not cite, and why."""

    source_id: str
    reason: str


class Problem(_Model):
    """An input or step that failed; the rest of the run went on."""

    path: str | None = None
    source_id: str | None = None
    stage: str
    reason: str

    def line(self) -> str:
        """One line for a reader: a path with a newline or an escape in its name stays on it."""
        from synth.text import printable

        where = self.path or self.source_id or self.stage
        return printable(f"{where}: {self.reason}")


class Usage(_Model):
    extractor: str = "offline"
    model: str | None = None
    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cache_hits: int = 0
    retries: int = 0
    claims_extracted: int = 0
    claims_dropped: int = 0
    # Statements whose words their quote did not support (replaced by the quote), and
    # speakers the article does not name (dropped).
    statements_replaced: int = 0
    speakers_dropped: int = 0
    # Who wrote the facts and overview: "rules", "model", or "model and rules" after a fallback.
    reconciler: str = "rules"
    reconcile_requests: int = 0
    # Requests answered through the provider's batch service (`--batch`), at its price;
    # `requests` counts those sent one by one.
    batched_requests: int = 0
    estimated_cost_usd: float | None = None

    def add(self, other: Usage) -> None:
        """Accumulate counters from another Usage. Its cost, when estimated, adds to this one's
        (none so far counts as zero); an unknown cost leaves this one's as it is."""
        self.requests += other.requests
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens
        self.cache_hits += other.cache_hits
        self.retries += other.retries
        self.claims_extracted += other.claims_extracted
        self.claims_dropped += other.claims_dropped
        self.statements_replaced += other.statements_replaced
        self.speakers_dropped += other.speakers_dropped
        self.reconcile_requests += other.reconcile_requests
        self.batched_requests += other.batched_requests
        if other.estimated_cost_usd is not None:
            self.estimated_cost_usd = (self.estimated_cost_usd or 0.0) + other.estimated_cost_usd


class Report(_Model):
    version: str = REPORT_VERSION
    sources: list[Source] = Field(default_factory=list)
    claims: list[Claim] = Field(default_factory=list)
    facts: list[Fact] = Field(default_factory=list)
    overview: list[OverviewSentence] = Field(default_factory=list)
    unused_sources: list[UnusedSource] = Field(default_factory=list)
    problems: list[Problem] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)

    def source(self, source_id: str) -> Source:
        return next(s for s in self.sources if s.id == source_id)

    def claim(self, claim_id: str) -> Claim:
        return next(c for c in self.claims if c.id == claim_id)


def report_json_schema() -> dict[str, object]:
    return Report.model_json_schema()
