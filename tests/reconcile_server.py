"""Reconcile answers for tests: a loopback server that answers synth's reconcile requests
(test support, not a test module).

`ReconcileServer` is the fault server (same wire format, faults and counters) that answers a
request carrying a `<claims>` block with the next scripted answer, or, when none is queued,
with `careful_answer`: what a careful model would write (one fact per synth group, the right
status, every figure with who gave it, every source cited). Scripted answers are functions
of the request body, so they can cite the ids that request carries.
"""

from __future__ import annotations

import collections
import json
import re
from collections.abc import Callable
from typing import Any

from tests.fault_server import FaultServer

Answer = Callable[[list[dict[str, Any]]], dict[str, Any]]

_CLAIMS = re.compile(r"^<claims>[ \t]*\n(.*?)\n</claims>[ \t]*$", re.MULTILINE | re.DOTALL)


def claims_in_request(body: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The claim objects of a reconcile request (first user message), or None."""
    for message in body.get("messages") or []:
        if message.get("role") == "user" and isinstance(message.get("content"), str):
            match = _CLAIMS.search(message["content"])
            if match:
                return [json.loads(line) for line in match.group(1).splitlines()]
    return None


def figure(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:g}"


def careful_answer(claims: list[dict[str, Any]]) -> dict[str, Any]:
    by_group: dict[str, list[dict[str, Any]]] = collections.defaultdict(list)
    for item in claims:
        by_group[item["group"]].append(item)
    facts = []
    for members in by_group.values():
        independent = {m.get("republishes", m["source"]) for m in members}
        # Values of each kind of figure (unit and scope), claim by claim.
        values: dict[tuple[str, str | None], dict[str, set[float]]] = collections.defaultdict(
            lambda: collections.defaultdict(set))
        for m in members:
            for number in m.get("numbers", []):
                values[(number["unit"], number.get("scope"))][m["id"]].add(number["value"])
        in_conflict = [kind for kind, by_claim in values.items()
                       if len(by_claim) > 1 and len(set.union(*by_claim.values())) > 1]
        if any(m["stance"] == "denied" for m in members):
            status = "disputed"
        elif in_conflict:
            status = "conflicting"
        elif len(independent) > 1:
            status = "corroborated"
        else:
            status = "single_source"
        if status == "conflicting":
            unit, scope = in_conflict[0]
            givers = []
            for value in sorted(set.union(*values[(unit, scope)].values())):
                who = [m.get("by") or m["outlet"] for m in members
                       if value in values[(unit, scope)].get(m["id"], set())]
                givers.append(f"{figure(value)} ({', '.join(dict.fromkeys(who))})")
            statement = f"Sources give different figures for {unit}: " + "; ".join(givers) + "."
            explanation = "The sources count at different times and with different scopes."
        else:
            statement = members[0]["statement"]
            explanation = None
        facts.append({"statement": statement, "status": status,
                      "claim_ids": [m["id"] for m in members], "explanation": explanation})
    overview = [{"text": f["statement"], "claim_ids": f["claim_ids"]} for f in facts]
    return {"facts": facts, "overview": overview, "unused_sources": []}


class ReconcileServer(FaultServer):
    """The fault server, answering reconcile requests from a script (see module docstring)."""

    def __init__(self, *answers: Answer, **options: Any) -> None:
        super().__init__(**options)
        self.answers: collections.deque[Answer] = collections.deque(answers)
        self.reconcile_requests: list[list[dict[str, Any]]] = []

    def _claims_json(self, body: dict[str, Any]) -> str:
        claims = claims_in_request(body)
        if claims is None:
            return super()._claims_json(body)
        with self._lock:
            self.reconcile_requests.append(claims)
            answer = self.answers.popleft() if self.answers else careful_answer
        return json.dumps(answer(claims))
