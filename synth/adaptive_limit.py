"""How many model requests may be in flight, adapted to what the server shows (pure).

Additive increase, multiplicative decrease (AIMD), as TCP does with its window. The limit
starts at the configured concurrency. A sign that the server is saturated halves it, never
below one: a request timed out, HTTP 429/503/504, or an answer came at least SLOW_FACTOR
times slower than the fastest (per unit of work) while it shared the server, and took at
least `min_slow_seconds` (below that, the difference is the client's own noise). Every `limit`
answers in a row without such a sign add one, never above the start. One episode of
overload halves the limit once: signs from requests that started before the last halving
describe the old load.

A request that timed out is still being worked on by the server, which cannot tell that
nobody waits for it. Its retry therefore goes alone: it starts only when none of the run's
other requests is in flight, and no new request starts while it waits, so the server never
holds a timed-out request's copies on top of a queue.

The caller supplies the clock (`now`) and does the waiting; see synth.llm.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

# An answer this many times slower than the fastest so far (per unit of work, when the
# caller knows it), from a request that started while others were in flight, is read as
# queueing at the server rather than a longer answer.
SLOW_FACTOR = 2.0


class Outcome(enum.Enum):
    ANSWERED = "answered"  # a complete 2xx answer
    BUSY = "busy"  # HTTP 429/503/504, or no connection within the connect bound
    TIMED_OUT = "timed out"  # sent, but no complete answer within the request's bound
    FAILED = "failed"  # anything else (an error status, a dropped connection): no sign


@dataclass(frozen=True)
class Slot:
    """One request in flight: when it started, and under which limit."""

    started_at: float
    epoch: int  # how many times the limit had been halved when it started
    shared: bool  # other requests were in flight when it started


@dataclass(frozen=True)
class Slowdown:
    """The limit fell to a value it had not had before, and why."""

    limit: int
    reason: str


class AdaptiveLimit:
    def __init__(
        self, ceiling: int, *, min_slow_seconds: float = 0.0, slow_factor: float = SLOW_FACTOR
    ) -> None:
        if ceiling < 1:
            raise ValueError("the concurrency ceiling must be at least 1")
        self.ceiling = ceiling
        self.limit = ceiling
        self.in_flight = 0
        self.retries_waiting = 0  # timed-out requests waiting to be sent again, alone
        self.fastest: float | None = None  # the fastest answer so far, seconds per unit of work
        self._slow_factor = slow_factor
        self._min_slow_seconds = min_slow_seconds
        self._epoch = 0
        self._answers_in_a_row = 0
        self._lowest = ceiling

    def may_start(self, *, after_timeout: bool = False) -> bool:
        if after_timeout:
            return self.in_flight == 0
        return self.in_flight < self.limit and self.retries_waiting == 0

    def start(self, now: float, *, after_timeout: bool = False) -> Slot:
        if not self.may_start(after_timeout=after_timeout):
            raise RuntimeError("no free slot: wait until may_start() is true")
        slot = Slot(started_at=now, epoch=self._epoch, shared=self.in_flight > 0)
        self.in_flight += 1
        return slot

    def finish(
        self, slot: Slot, now: float, outcome: Outcome, *, detail: str = "", work: float | None = None
    ) -> Slowdown | None:
        """Frees the slot and adapts the limit; a Slowdown when it fell to a new low.

        `work` is the answer's size (e.g. its tokens), so that a long answer is not taken
        for a slow server; without it every answer counts as one unit."""
        self.in_flight -= 1
        seconds = now - slot.started_at
        if outcome is Outcome.ANSWERED:
            pace = seconds / work if work else seconds
            fastest = self.fastest
            self.fastest = pace if fastest is None else min(fastest, pace)
            if (
                slot.shared
                and fastest is not None
                and pace >= self._slow_factor * fastest
                and seconds >= self._min_slow_seconds
            ):
                return self._halve(
                    slot, f"an answer took {_seconds(seconds)}, {pace / fastest:.1f}× the fastest pace"
                )
            self._answers_in_a_row += 1
            if self.limit < self.ceiling and self._answers_in_a_row >= self.limit:
                self.limit += 1
                self._answers_in_a_row = 0
            return None
        if outcome is Outcome.TIMED_OUT:
            return self._halve(slot, detail or f"no answer within {_seconds(seconds)}")
        if outcome is Outcome.BUSY:
            return self._halve(slot, detail or "the server is busy")
        return None

    def _halve(self, slot: Slot, reason: str) -> Slowdown | None:
        self._answers_in_a_row = 0
        if slot.epoch != self._epoch:
            return None  # started under the old limit: this overload was already answered
        self._epoch += 1
        self.limit = max(1, self.limit // 2)
        if self.limit < self._lowest:
            self._lowest = self.limit
            return Slowdown(self.limit, reason)
        return None


def _seconds(value: float) -> str:
    return f"{value:.0f} s" if value >= 10 else f"{value:.1f} s"
