"""Authored extraction answers, served over HTTP (test support, not a test module).

`tests/data/authored_extractions/<story>/<article file name>.json` holds, for each article of
some of the real evaluation stories (`../shared/eval/stories/`), the `ExtractionResponse` we
wrote the way a careful, strong model would answer synth's extraction prompt for the whole
article: every quote copied from the article, speakers, stances and figures with their units
and scopes. No strong model is reachable from this project's machines; see cassettes/README.md.

`AuthoredServer` is the loopback fault server (same wire format, counters and faults) that
answers an extraction request with the authored answer for the article it carries. The
article is named in the request's user message only by its source id ("Article S2, published
by …"), so the server is given the story's files in synth's source order. A model can quote
only what it was shown: each request is answered with the authored claims whose quotes are
in the text sent (the cleaned article, or one chunk of it), so a sentence that cleaning drops
is missing from the answer, as it would be from a real model's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from synth.extract.schema import ExtractionResponse
from tests.fault_server import FaultServer, find_article

AUTHORED = Path(__file__).resolve().parent / "data" / "authored_extractions"
# "Article S3, published by …" opens the user message of every extraction request.
_SOURCE_ID = re.compile(r"^Article (S\d+),", re.MULTILINE)


def authored_stories() -> list[str]:
    return sorted(p.name for p in AUTHORED.iterdir() if p.is_dir())


def authored_answers(story: str) -> dict[str, ExtractionResponse]:
    """Every authored answer of a story, by article file name."""
    return {
        p.name.removesuffix(".json"): ExtractionResponse.model_validate_json(p.read_text(encoding="utf-8"))
        for p in sorted((AUTHORED / story).glob("*.json"))
    }


def source_id_of(body: dict[str, Any]) -> str | None:
    """The source id (S1…) an extraction request names in its user message, or None."""
    for message in body.get("messages") or []:
        if message.get("role") == "user" and isinstance(message.get("content"), str):
            match = _SOURCE_ID.search(message["content"])
            if match:
                return match.group(1)
    return None


def answer_for(answer: ExtractionResponse, article: str) -> dict[str, Any]:
    """The authored claims whose quotes are in the text the request sent."""
    return {"claims": [c.model_dump() for c in answer.claims if c.quote in article]}


class AuthoredServer(FaultServer):
    """The fault server, answering extraction requests with authored answers.

    `answers` are the story's authored answers in synth's source order: the first answers
    S1, the second S2, and so on."""

    def __init__(self, answers: Sequence[ExtractionResponse], **options: Any) -> None:
        super().__init__(**options)
        self.answers = {f"S{number}": answer for number, answer in enumerate(answers, 1)}

    def _claims_json(self, body: dict[str, Any]) -> str:
        article = find_article(body)
        answer = self.answers.get(source_id_of(body) or "")
        if article is None or answer is None:
            return super()._claims_json(body)  # not an extraction request for this story
        return json.dumps(answer_for(answer, article))
