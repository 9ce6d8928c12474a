"""The fault tests' common ground (test_faults.py, test_request_faults.py): their bounds and
faults, their settings, the real pipeline run with a fast backoff, and what a run that met a
fault must still hold. Their `story` and `clean_report` fixtures are in conftest.py."""

from __future__ import annotations

import collections
from pathlib import Path

from synth.config import Settings, resolve_settings
from synth.extract.llm import MAX_REASKS, LLMExtractor
from synth.extract.schema import ExtractionResponse
from synth.llm import ModelClient, ModelRequest
from synth.models import Report
from synth.pipeline import summarise
from tests.fault_server import FaultServer
from tests.stories import article_ids

ARTICLES = 3
MAX_RETRIES = 2
ATTEMPTS = MAX_RETRIES + 1
ANSWERS = 1 + MAX_REASKS
# Retry-After of 0.1 s keeps a rate-limited test fast while still coming from the header.
RATE_LIMITED = "429:0.1"
# Longer than the client's timeout below: the request times out and is sent again.
TOO_SLOW = "slow:3"
TIMEOUT = 1.0
TRANSIENT = [RATE_LIMITED, "500", "503", "drop", TOO_SLOW]
BAD_ANSWERS = ["malformed", "schema", "invented"]
# What the one-line problem says for each transient fault once attempts run out.
TRANSIENT_REASONS = {
    RATE_LIMITED: "Rate limit reached",
    "500": "server had an error",
    "503": "server had an error",
    "drop": "Connection error",
    TOO_SLOW: "timed out",
}


def settings_for(server: FaultServer, cache_dir: Path, **overrides: object) -> Settings:
    # One article at a time: the fault queued first always hits S1's first request. The
    # faults here hit extraction; the model reconcile's are in test_reconcile_model.py.
    values: dict[str, object] = {
        "model": "fault-model",
        "base_url": server.base_url,
        "cache_dir": cache_dir,
        "timeout": TIMEOUT,
        "max_retries": MAX_RETRIES,
        "concurrency": 1,
        "reconcile": "rules",
    }
    return resolve_settings({}, **{**values, **overrides})


def run(settings: Settings, paths: list[Path], notes: list[str] | None = None) -> Report:
    """The real pipeline and extractor; only the backoff between retries is shortened."""
    lines = notes if notes is not None else []

    def fast_retrying_client() -> ModelClient:
        return ModelClient(settings, note=lines.append, retry_base_delay=0.01, retry_max_delay=0.05)

    extractor = LLMExtractor(settings, note=lines.append, client_factory=fast_retrying_client)
    return summarise(paths, settings=settings, extractor=extractor)


def claims_of(report: Report, source_id: str) -> list[tuple[str, str, int, int]]:
    return [(c.quote, c.statement, c.start, c.end) for c in report.claims if c.source_id == source_id]


def requests_per_article(server: FaultServer) -> dict[str, int]:
    return dict(collections.Counter(article_ids(server.requests)))


def assert_untouched(report: Report, clean: Report, *source_ids: str) -> None:
    for source_id in source_ids:
        assert claims_of(report, source_id) == claims_of(clean, source_id), source_id


def assert_every_article_kept(report: Report, story: list[Path]) -> None:
    assert [s.path for s in report.sources] == [str(p) for p in story]
    assert [s.id for s in report.sources] == ["S1", "S2", "S3"]


def one_word_request() -> ModelRequest:
    """The smallest extraction request, with no re-ask: for tests of one request's fate."""
    return ModelRequest(
        model="m",
        messages=[{"role": "user", "content": "x"}],
        response_model=ExtractionResponse,
        temperature=0.0,
        seed=None,
        max_tokens=100,
        max_reasks=0,
    )
