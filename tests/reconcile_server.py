"""Scripted reconcile answers for tests (test support, not a test module).

`ReconcileServer` is the fault server (same wire format, faults and counters) that answers a
request carrying a `<claims>` block with the next scripted answer, or, when none is queued,
with the fault server's own `careful_answer`. Scripted answers are functions of the claims in
the request, so they can cite the ids that request carries.
"""

from __future__ import annotations

import collections
import json
from collections.abc import Callable
from typing import Any

from tests.fault_server import FaultServer, careful_answer, claims_in_request

__all__ = ["ReconcileServer", "careful_answer", "claims_in_request"]

Answer = Callable[[list[dict[str, Any]]], dict[str, Any]]


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
