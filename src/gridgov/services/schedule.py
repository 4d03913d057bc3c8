"""Deadlines and escalation in the service layer: setting a dispatched case's deadline on the working
calendar, keeping each case's durable timers in step with its state, and the sweep that fires them.

Timers are rows (`case_timers`) written in the same transaction as the change that made them necessary,
so a restart loses nothing: a step that fell due while the process was down is simply due at the next
sweep, and fires once (its row is marked fired in the transaction that applied it).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from gridgov.domain.commands import SweepTimers
from gridgov.domain.deadlines import DEFAULT_YELLOW_SHARE, TimeLimit, WorkingCalendar, shift_for_pause
from gridgov.domain.errors import InvalidInput
from gridgov.domain.escalation import Ladder, ladder_step, plan_timers
from gridgov.domain.responsibility import resolve_unit_type
from gridgov.domain.taxonomy import Grade

log = logging.getLogger(__name__)


class DeadlinePolicy:
    """What deadline arithmetic needs: the working calendar, the ladders, the yellow-warning share.

    `calendar` and `ladders` are copies of what the database holds; reading either first lets the
    process's shared state check (at most every few seconds) whether another process changed them.
    Assigning one swaps a single attribute, which is safe across threads."""

    def __init__(self, calendar: WorkingCalendar, ladders: Mapping[str, Ladder], yellow_share: float = DEFAULT_YELLOW_SHARE, *, refresh=None) -> None:
        self._calendar, self._ladders, self.yellow_share = calendar, ladders, yellow_share
        self._refresh = refresh

    def refresh(self, force: bool = False) -> None:
        """Reload what another process changed (`force`: ask the database now, not in a while)."""
        if self._refresh is not None:
            self._refresh(force)

    @property
    def calendar(self) -> WorkingCalendar:
        self.refresh()
        return self._calendar

    @calendar.setter
    def calendar(self, value: WorkingCalendar) -> None:
        self._calendar = value

    @property
    def ladders(self) -> Mapping[str, Ladder]:
        self.refresh()
        return self._ladders

    @ladders.setter
    def ladders(self, value: Mapping[str, Ladder]) -> None:
        self._ladders = value


# Handling limit when neither the route nor the category gives one (policy defaults by grade).
GRADE_LIMITS = {Grade.CRITICAL: "2h", Grade.URGENT: "1wd", Grade.NORMAL: "3wd", Grade.ROUTINE: "5wd"}


def handling_limit(case, uow, explicit: str | None = None) -> str:
    if explicit:
        return str(TimeLimit.parse(explicit))
    if case.category:
        category = uow.categories.table().get(case.category)
        if category:
            return category.time_limit
    return GRADE_LIMITS[case.grade]


def prepare_dispatch(case, uow, fields: dict[str, Any], now: datetime, policy: DeadlinePolicy) -> None:
    """Fill in the deadline of a dispatch from its time limit on the working calendar."""
    ladder = fields.get("ladder")
    if ladder and ladder not in policy.ladders:
        policy.refresh(force=True)  # perhaps saved by another process a moment ago
    if ladder and ladder not in policy.ladders:
        raise InvalidInput(f"unknown ladder {ladder!r}; known: {', '.join(sorted(policy.ladders))}")
    if fields.get("due_at") is not None:
        return
    if fields.get("time_limit_hours"):
        return
    limit = handling_limit(case, uow, fields.get("time_limit"))
    fields["time_limit"] = limit
    fields["due_at"] = TimeLimit.parse(limit).due_after(now, policy.calendar)


def prepare_resume(case, fields: dict[str, Any], now: datetime, policy: DeadlinePolicy) -> None:
    """Resuming a suspended case moves the deadline by the paused time, in the limit's own unit."""
    if case.due_at is None or case.suspended_since is None:
        return
    unit = TimeLimit.parse(case.time_limit).unit if case.time_limit else TimeLimit.parse("1h").unit
    fields["new_due"] = shift_for_pause(case.due_at, case.suspended_since, now, unit, policy.calendar)


def _plan(case, policy: DeadlinePolicy):
    return plan_timers(case, policy.calendar, policy.ladders, policy.yellow_share)


def _steps_of_unknown_ladder(uow, case) -> list[dict[str, Any]]:
    """The case's stored, unfired steps of a ladder this process does not know. They are kept as they
    are (never dropped as "no longer planned"): the sweep parks each one with the reason when it falls
    due, so an admin sees the escalation that could not be applied instead of losing it."""
    code = case.ladder or "standard"
    return [
        {"key": r["key"], "due_at": r["due_at"], "data": r["data"]}
        for r in uow.timers.for_case(case.id)
        if r["fired_at"] is None and r["key"].startswith(f"ladder:{code}:")
    ]


def sync_timers(uow, case, policy: DeadlinePolicy) -> None:
    """Make the stored timers match the plan. Most transitions leave the plan as it was (a claim, a
    note …): a fingerprint kept on the case row then spares the timer table any reading or writing."""
    on_ladder = case.status.value in ("dispatched", "in_progress")
    if on_ladder and (case.ladder or "standard") not in policy.ladders:
        policy.refresh(force=True)  # perhaps saved by another process a moment ago
    planned = [{"key": p.key, "due_at": p.due_at, "data": p.data} for p in _plan(case, policy)]
    if on_ladder and (case.ladder or "standard") not in policy.ladders:
        planned += _steps_of_unknown_ladder(uow, case)
    fingerprint = hashlib.sha1(
        "|".join(f"{p['key']}@{p['due_at'].timestamp()}" for p in sorted(planned, key=lambda p: p["key"])).encode()
    ).hexdigest()
    if fingerprint == case.timer_plan:
        return
    uow.timers.replace_pending(case.id, planned)
    case.timer_plan = fingerprint


class ParkTimer(Exception):
    """A timer that cannot fire as it stands (its ladder is unknown): parked at once, with the reason."""


def sweep_timers(cmd: SweepTimers, uow, *, clock, policy: DeadlinePolicy, unit_of_work, park_after: int = 5) -> list[dict[str, Any]]:
    """Fire every due timer once, each in its own transaction; returns what fired with its lateness.

    One timer that fails (its case cannot take the step, a bug, a lost unit) is rolled back alone: its
    attempts and last error are kept, it is parked after `park_after` attempts (visible to admins at
    /api/v1/admin/timers?status=parked, retriable), and every other due timer fires. A step of a ladder
    this process does not know is never marked fired silently: the ladders are read again, and if the
    ladder is still unknown the timer is parked with that reason.

    The unit of work the bus opened only lists the due timers; each firing takes the case's row lock
    first and then its timer (SKIP LOCKED on PostgreSQL), the order every case change uses, so several
    tickers share the work without deadlocks and no timer fires twice."""
    now = clock.now()
    policy.refresh(force=True)  # a ladder or calendar changed elsewhere counts from this sweep on
    due = uow.timers.due(now, cmd.limit)
    uow.rollback()  # release the bus's transaction (on SQLite, the write lock) before the firings
    fired, events = [], []
    for candidate in due:
        try:
            with unit_of_work() as tuow:
                done = _fire_one(tuow, candidate, now, policy)
                if done is None:  # taken or re-planned by someone else meanwhile
                    continue
                tuow.commit()
                events.extend(tuow.committed_events)
                if done["fired"]:
                    fired.append(done["timer"])
        except ParkTimer as exc:
            log.error("timer %s of case %s parked: %s", candidate["id"], candidate["case_id"], exc)
            _record_failure(unit_of_work, candidate["id"], str(exc), now, park=True, park_after=park_after)
        except Exception as exc:
            log.exception("timer %s of case %s failed", candidate["id"], candidate["case_id"])
            _record_failure(unit_of_work, candidate["id"], f"{type(exc).__name__}: {exc}", now, park=False, park_after=park_after)
    uow.committed_events = events  # the bus tells its listeners (relay, live feed) once for the sweep
    return fired


def _fire_one(uow, candidate: dict[str, Any], now: datetime, policy: DeadlinePolicy) -> dict[str, Any] | None:
    """Apply one due timer inside `uow`; None when it is no longer there to fire."""
    if not uow.cases.try_lock(candidate["case_id"]):
        return None  # another ticker (or a person) is on this case: its timer stays due for the next sweep
    case = uow.cases.get(candidate["case_id"], for_update=True)
    timer = uow.timers.claim(candidate["id"], now)
    if timer is None:
        return None
    data = timer["data"]
    if case is not None and data.get("kind") == "escalation" and data.get("ladder") not in policy.ladders:
        policy.refresh(force=True)
        if data.get("ladder") not in policy.ladders:
            raise ParkTimer(f"escalation ladder {data.get('ladder')!r} is not known to this process; step {data.get('step')} was not applied")
    planned = {p.key: p for p in _plan(case, policy)} if case else {}
    plan = planned.get(timer["key"])
    later = plan is not None and plan.due_at > now  # its ladder now says later: planned again, not fired
    if case is not None and plan is not None and not later:
        if data["kind"] == "warning":
            case.warn(now, level=data["level"], stage=data["stage"])
        else:
            _escalate(uow, case, data, now, policy)
    if case is not None:
        if later:
            case.timer_plan = None  # make the sync rewrite this timer with its new due time
        sync_timers(uow, case, policy)
    if not later:
        uow.timers.mark_fired(timer["id"], now)
    done = {"case_id": timer["case_id"], "key": timer["key"], "due_at": timer["due_at"], "late_seconds": (now - timer["due_at"]).total_seconds()}
    return {"fired": not later, "timer": done}


def _escalate(uow, case, data: dict[str, Any], now: datetime, policy: DeadlinePolicy) -> None:
    step = ladder_step(policy.ladders, data["ladder"], data["step"])
    if step is None:  # the ladder lost this step: the plan no longer holds it either
        return
    units = uow.units.list()
    unit = None
    if step.target.kind == "unit_type":
        unit = resolve_unit_type(str(step.target.value), case.grid_code, units)
    elif step.target.kind == "assigned_unit":
        unit = next((u for u in units if u.id == case.unit_id), None)
    applied = {
        "action": step.action.value,
        "target": step.target.describe(),
        "unit_id": unit.id if unit else None,
        "role": step.target.value if step.target.kind == "role" else None,
        "ladder": data["ladder"],
        "step": data["step"],
        "note": step.note or None,
    }
    if step.action.value == "reassign" and unit is None:
        applied["action"] = "remind"
        applied["note"] = f"no {step.target.value} covers grid {case.grid_code}; the dispatcher is reminded instead"
        applied["role"] = "dispatcher"
    case.escalate(now, step=applied, unit_id=unit.id if unit else None)


def _record_failure(unit_of_work, timer_id: int, error: str, now: datetime, *, park: bool, park_after: int) -> None:
    try:
        with unit_of_work() as uow:
            uow.timers.record_failure(timer_id, error[:2000], now, park_after=1 if park else park_after)
            uow.commit()
    except Exception:  # the database itself is failing: the timer stays due and is tried again
        log.exception("could not record the failure of timer %s", timer_id)
