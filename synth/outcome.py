"""Whether a report rests on anything: what the exit status says (pure).

A run succeeds when at least one article was read and extracted: its claims (or its
finding that it has none) are what the report rests on. It fails when no input could be
read, or when every article's extraction failed (a model server that cannot be reached,
requests that kept failing); its report would be an empty fact sheet that looks like a
good one.
"""

from __future__ import annotations

from dataclasses import dataclass

from synth.models import Problem, Report

OFFLINE_ADVICE = "run with --offline to use the rule-based extractor"
READABLE_INPUTS = ".txt, .md and .html files, folders of them, http(s) URLs, and - for standard input"


@dataclass(frozen=True)
class RunFailure:
    """Why a run has nothing to report, as one line that also says what to do."""

    line: str
    # Problems the line already says, which need no line of their own.
    covered: tuple[Problem, ...] = ()


def failed_articles(report: Report) -> set[str]:
    """Ids of the sources whose extraction failed: a problem and not one grounded claim."""
    with_claims = {claim.source_id for claim in report.claims}
    return {
        p.source_id
        for p in report.problems
        if p.stage == "extract" and p.source_id and p.source_id not in with_claims
    }


def run_failure(report: Report) -> RunFailure | None:
    """None when the report rests on at least one article, else why it rests on none."""
    if not report.sources:
        problems = len(report.problems)
        return RunFailure(
            f"no article could be read ({problems} problem"
            f"{'' if problems == 1 else 's'} above); synth reads {READABLE_INPUTS}"
        )
    failed = failed_articles(report)
    if len(failed) < len(report.sources):
        return None
    extract_problems = tuple(p for p in report.problems if p.stage == "extract" and p.source_id in failed)
    reasons = list(dict.fromkeys(p.reason for p in extract_problems))
    if len(reasons) == 1:
        reason = reasons[0]
        # A reason that already says what to do (no model server: start it, or --offline)
        # is the whole line.
        line = (
            reason
            if "--offline" in reason
            else f"no article could be extracted: {reason}; fix that, or {OFFLINE_ADVICE}"
        )
        return RunFailure(line, extract_problems)
    return RunFailure(
        f"no article could be extracted ({len(extract_problems)} problems "
        f"above); fix them, or {OFFLINE_ADVICE}"
    )
