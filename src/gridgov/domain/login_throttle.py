"""Login throttling: how many password guesses a user name, or a client address, gets.

Each key (a user name, whether or not it exists, and the client's address) has a counter of attempts in
a window. An attempt is counted when it starts, not when it fails: a burst of parallel requests cannot
all slip past the check before the first failure is written. A success gives the attempt back (the
name's counter is cleared; the address's loses one). When the counter reaches the limit, the key is
locked; each lock that follows within the window of the previous one lasts twice as long (60 s, 120 s,
240 s … up to the cap), so a slow, patient guesser is slowed further, while a user who mistyped five
times waits a minute. The state is stored in the database (adapters/repositories.py), so every API
process applies the same counts.

Pure: `now` comes in, nothing is read or written here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta


@dataclass(frozen=True)
class ThrottleRules:
    max_failures: int  # attempts allowed in one window before the key is locked
    window: timedelta
    first_lock: timedelta
    max_lock: timedelta


@dataclass(frozen=True)
class ThrottleState:
    """One key's standing; `lockouts` counts the locks in a row, which sets the next lock's length."""

    failures: int = 0
    window_started: datetime | None = None
    locked_until: datetime | None = None
    lockouts: int = 0

    def expires_at(self, rules: ThrottleRules) -> datetime | None:
        """When nothing of this state matters any more (the row may then be deleted)."""
        marks = [m for m in (self.window_started, self.locked_until) if m is not None]
        return max(marks) + rules.window if marks else None


FRESH = ThrottleState()


def current(state: ThrottleState, rules: ThrottleRules, now: datetime) -> ThrottleState:
    """The state as it stands at `now`: forgotten entirely once expired, a new window once the last ended."""
    expires = state.expires_at(rules)
    if expires is None or expires <= now:
        return FRESH
    if state.window_started is not None and state.window_started + rules.window <= now:
        return replace(state, failures=0, window_started=None)
    return state


def seconds_locked(state: ThrottleState, now: datetime) -> int:
    """Whole seconds until the key may try again (0: it may try now); what Retry-After says."""
    if state.locked_until is None or state.locked_until <= now:
        return 0
    return max(1, math.ceil((state.locked_until - now).total_seconds()))


def begin_attempt(state: ThrottleState, rules: ThrottleRules, now: datetime) -> tuple[ThrottleState, int]:
    """Count an attempt that is about to check a password. Returns the new state and how many seconds
    the caller must wait instead (0: go ahead; the attempt has been counted)."""
    state = current(state, rules, now)
    wait = seconds_locked(state, now)
    if wait:
        return state, wait
    if state.failures >= rules.max_failures:  # parallel attempts used the budget up: lock now
        state = lock(state, rules, now)
        return state, seconds_locked(state, now)
    return replace(state, failures=state.failures + 1, window_started=state.window_started or now), 0


def attempt_failed(state: ThrottleState, rules: ThrottleRules, now: datetime) -> ThrottleState:
    """After a counted attempt failed: lock the key at once if that was the last one allowed."""
    state = current(state, rules, now)
    return lock(state, rules, now) if state.failures >= rules.max_failures else state


def attempt_succeeded(state: ThrottleState, rules: ThrottleRules, now: datetime) -> ThrottleState:
    """A counted attempt turned out right: it is not a failure (one fewer on the counter)."""
    state = current(state, rules, now)
    return replace(state, failures=max(state.failures - 1, 0))


def lock(state: ThrottleState, rules: ThrottleRules, now: datetime) -> ThrottleState:
    doublings = min(state.lockouts, 20)  # 2**20 first locks is past any sensible cap; bounds the arithmetic
    length = min(rules.first_lock * (2**doublings), rules.max_lock)
    return ThrottleState(failures=0, window_started=None, locked_until=now + length, lockouts=state.lockouts + 1)
