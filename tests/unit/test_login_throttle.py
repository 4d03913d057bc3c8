"""Login throttling as a pure state machine: counted on the way in, locked after the limit, each lock
in a row twice as long, forgotten after a quiet window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gridgov.domain import login_throttle as lt

RULES = lt.ThrottleRules(
    max_failures=5, window=timedelta(minutes=15), first_lock=timedelta(seconds=60), max_lock=timedelta(seconds=3600)
)
T0 = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


def fail(state, now):
    state, wait = lt.begin_attempt(state, RULES, now)
    assert wait == 0
    return lt.attempt_failed(state, RULES, now)


def test_five_failures_lock_the_key_for_sixty_seconds() -> None:
    state = lt.FRESH
    for i in range(5):
        assert lt.seconds_locked(state, T0 + timedelta(seconds=i)) == 0
        state = fail(state, T0 + timedelta(seconds=i))
    # the fifth failure (at T0+4s) locked the key until T0+64s
    assert lt.begin_attempt(state, RULES, T0 + timedelta(seconds=5))[1] == 59
    assert lt.begin_attempt(state, RULES, T0 + timedelta(seconds=63, milliseconds=500))[1] == 1
    assert lt.begin_attempt(state, RULES, T0 + timedelta(seconds=64))[1] == 0


def test_each_lock_in_a_row_lasts_twice_as_long_up_to_the_cap() -> None:
    state, now, locks = lt.FRESH, T0, []
    for _ in range(8):
        for _ in range(5):
            state = fail(state, now)
        locks.append(lt.seconds_locked(state, now))
        now = state.locked_until
    assert locks == [60, 120, 240, 480, 960, 1920, 3600, 3600]


def test_a_quiet_window_after_the_lock_forgets_the_key() -> None:
    state = lt.FRESH
    for _ in range(5):
        state = fail(state, T0)
    later = T0 + timedelta(seconds=60) + timedelta(minutes=15)
    assert lt.current(state, RULES, later) == lt.FRESH
    for _ in range(5):
        state = fail(state, later)
    assert lt.seconds_locked(state, later) == 60  # a first lock again, not a second


def test_failures_older_than_the_window_no_longer_count() -> None:
    state = lt.FRESH
    for _ in range(4):
        state = fail(state, T0)
    state = fail(state, T0 + timedelta(minutes=16))
    assert state.failures == 1 and lt.seconds_locked(state, T0 + timedelta(minutes=16)) == 0


def test_attempts_in_flight_count_before_they_fail() -> None:
    # six parallel attempts: five are let through to the password check, the sixth is refused at once
    state, waits = lt.FRESH, []
    for _ in range(6):
        state, wait = lt.begin_attempt(state, RULES, T0)
        waits.append(wait)
    assert waits == [0, 0, 0, 0, 0, 60]


def test_a_success_gives_its_attempt_back() -> None:
    state = lt.FRESH
    for _ in range(3):
        state = fail(state, T0)
    state, _ = lt.begin_attempt(state, RULES, T0)
    assert lt.attempt_succeeded(state, RULES, T0).failures == 3


def test_lock_arithmetic_stays_bounded_after_very_many_locks() -> None:
    state = lt.ThrottleState(lockouts=10_000)
    assert lt.lock(state, RULES, T0).locked_until == T0 + timedelta(seconds=3600)
