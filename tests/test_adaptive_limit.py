"""The AIMD limit on requests in flight, driven by hand with a made-up clock (no I/O)."""

from __future__ import annotations

import pytest

from synth.adaptive_limit import AdaptiveLimit, Outcome, Slot


def fill(limit: AdaptiveLimit, now: float = 0.0) -> list[Slot]:
    """Starts requests until no slot is free."""
    slots = []
    while limit.may_start():
        slots.append(limit.start(now))
    return slots


def test_it_starts_at_the_ceiling_and_refuses_a_request_over_it():
    limit = AdaptiveLimit(4)
    assert len(fill(limit)) == 4 and limit.in_flight == 4
    with pytest.raises(RuntimeError, match="no free slot"):
        limit.start(0.0)


def test_a_timeout_halves_the_limit_and_says_so_once_per_new_low():
    limit = AdaptiveLimit(4)
    slots = fill(limit)
    slowdown = limit.finish(slots[0], 60.0, Outcome.TIMED_OUT, detail="no answer within 60 s")
    assert limit.limit == 2
    assert slowdown is not None and (slowdown.limit, slowdown.reason) == (2, "no answer within 60 s")
    assert limit.in_flight == 3 and not limit.may_start()


@pytest.mark.parametrize("outcome", [Outcome.BUSY, Outcome.TIMED_OUT])
def test_signs_from_requests_started_under_the_old_limit_do_not_halve_it_again(outcome):
    limit = AdaptiveLimit(8)
    slots = fill(limit)
    limit.finish(slots[0], 1.0, outcome)
    for slot in slots[1:]:  # the same overload, seen by the other seven
        assert limit.finish(slot, 1.0, outcome) is None
    assert limit.limit == 4
    [fresh] = [limit.start(2.0)]
    assert limit.finish(fresh, 3.0, outcome) is not None  # a new sign, under the new limit
    assert limit.limit == 2


def test_the_limit_never_falls_below_one_and_a_repeated_low_is_not_announced_again():
    limit = AdaptiveLimit(2)
    announced = []
    for step in range(5):
        slot = limit.start(float(step))
        announced.append(limit.finish(slot, step + 0.5, Outcome.BUSY, detail="HTTP 429"))
    assert limit.limit == 1
    assert [s.limit for s in announced if s is not None] == [1]


def test_answers_grow_the_limit_by_one_per_window_back_to_the_ceiling_and_no_further():
    limit = AdaptiveLimit(4)
    limit.finish(limit.start(0.0), 1.0, Outcome.TIMED_OUT)
    limit.finish(limit.start(1.0), 2.0, Outcome.TIMED_OUT)
    assert limit.limit == 1
    seen = []
    for step in range(12):  # one request at a time, each answered as fast as the first
        limit.finish(limit.start(10.0 + step), 11.0 + step, Outcome.ANSWERED)
        seen.append(limit.limit)
    # One answer at limit 1 makes 2, two at 2 make 3, three at 3 make 4; then it stays.
    assert seen == [2, 2, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4]


def test_an_answer_twice_as_slow_as_the_fastest_while_sharing_the_server_halves_the_limit():
    limit = AdaptiveLimit(4, min_slow_seconds=5.0)
    limit.finish(limit.start(0.0), 60.0, Outcome.ANSWERED)  # alone: 60 s is the fastest
    first, second = limit.start(100.0), limit.start(100.0)
    assert limit.finish(first, 160.0, Outcome.ANSWERED) is None
    slowdown = limit.finish(second, 220.0, Outcome.ANSWERED)  # queued behind the first
    assert slowdown is not None and slowdown.limit == 2
    assert slowdown.reason == "an answer took 120 s, 2.0× the fastest pace"


def test_a_slow_answer_that_ran_alone_is_a_long_answer_not_a_busy_server():
    limit = AdaptiveLimit(4)
    limit.finish(limit.start(0.0), 10.0, Outcome.ANSWERED)
    assert limit.finish(limit.start(10.0), 100.0, Outcome.ANSWERED) is None
    assert limit.limit == 4


def test_slowness_is_measured_per_unit_of_work():
    limit = AdaptiveLimit(4)
    limit.finish(limit.start(0.0), 10.0, Outcome.ANSWERED, work=100)
    first, second = limit.start(10.0), limit.start(10.0)
    limit.finish(first, 15.0, Outcome.ANSWERED, work=50)
    # Three times as long, for three times the tokens: the same pace, no sign of a queue.
    assert limit.finish(second, 40.0, Outcome.ANSWERED, work=300) is None
    assert limit.limit == 4


def test_a_difference_under_the_noise_floor_is_not_a_slowdown():
    limit = AdaptiveLimit(4, min_slow_seconds=0.5)
    limit.finish(limit.start(0.0), 0.01, Outcome.ANSWERED)
    first, second = limit.start(1.0), limit.start(1.0)
    limit.finish(first, 1.01, Outcome.ANSWERED)
    assert limit.finish(second, 1.2, Outcome.ANSWERED) is None  # 20× the fastest, but 0.2 s
    assert limit.limit == 4


def test_failures_that_say_nothing_about_load_leave_the_limit_alone():
    limit = AdaptiveLimit(4)
    slots = fill(limit)
    for slot in slots:
        assert limit.finish(slot, 1.0, Outcome.FAILED) is None
    assert limit.limit == 4 and limit.in_flight == 0


def test_a_timed_out_request_goes_again_only_alone_and_no_new_request_overtakes_it():
    limit = AdaptiveLimit(4)
    slots = fill(limit)
    limit.finish(slots[0], 60.0, Outcome.TIMED_OUT)
    limit.retries_waiting += 1  # the timed-out request now waits to be sent again
    remaining = slots[1:]
    for slot in remaining:
        # Others still in flight: the retry waits, and so does every new request.
        assert not limit.may_start(after_timeout=True)
        assert not limit.may_start()
        limit.finish(slot, 61.0, Outcome.ANSWERED)
    assert limit.in_flight == 0 and limit.may_start(after_timeout=True)
    retry = limit.start(62.0, after_timeout=True)
    limit.retries_waiting -= 1
    assert not limit.may_start(after_timeout=True)  # a second timed-out request waits for it
    assert limit.may_start()  # a new one may join under the limit once no retry waits
    limit.finish(retry, 70.0, Outcome.ANSWERED)


def test_a_ceiling_under_one_is_refused():
    with pytest.raises(ValueError):
        AdaptiveLimit(0)
