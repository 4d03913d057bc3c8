"""Deadlines and escalation in the service layer: setting a dispatched case's deadline on the working
calendar, keeping each case's durable timers in step with its state, and the sweep that fires them.

Timers are rows (`case_timers`) written in the same transaction as the change that made them necessary,
so a restart loses nothing: a step that fell due while the process was down is simply due at the next
sweep, and fires once (its row is marked fired in the transaction that applied it).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gridgov.domain.commands import SweepTimers
from gridgov.domain.deadlines import DEFAULT_YELLOW_SHARE, TimeLimit, WorkingCalendar, shift_for_pause
from gridgov.domain.errors import InvalidInput
from gridgov.domain.escalation import Ladder, ladder_step, plan_timers
from gridgov.domain.responsibility import resolve_unit_type
from gridgov.domain.taxonomy import Grade


@dataclass
class DeadlinePolicy:
    """What deadline arithmetic needs: the working calendar, the ladders, the yellow-warning share.
    An admin's calendar upload swaps `calendar` (a single attribute assignment, safe across threads)."""

    calendar: WorkingCalendar
    ladders: Mapping[str, Ladder]
    yellow_share: float = DEFAULT_YELLOW_SHARE


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


def sync_timers(uow, case, policy: DeadlinePolicy) -> None:
    """Make the stored timers match the plan. Most transitions leave the plan as it was (a claim, a
    note …): a fingerprint kept on the case row then spares the timer table any reading or writing."""
    planned = [{"key": p.key, "due_at": p.due_at, "data": p.data} for p in _plan(case, policy)]
    fingerprint = hashlib.sha1(
        "|".join(f"{p['key']}@{p['due_at'].timestamp()}" for p in sorted(planned, key=lambda p: p["key"])).encode()
    ).hexdigest()
    if fingerprint == case.timer_plan:
        return
    uow.timers.replace_pending(case.id, planned)
    case.timer_plan = fingerprint


def sweep_timers(cmd: SweepTimers, uow, *, clock, policy: DeadlinePolicy) -> list[dict[str, Any]]:
    """Fire every due timer once; returns what fired with its lateness (for the ticker and benchmark)."""
    now = clock.now()
    fired = []
    units = None
    for timer in uow.timers.claim_due(now, cmd.limit):
        case = uow.cases.get(timer["case_id"], for_update=True)
        current = {p.key for p in _plan(case, policy)} if case else set()
        if case is not None and timer["key"] in current:
            data = timer["data"]
            if data["kind"] == "warning":
                case.warn(now, level=data["level"], stage=data["stage"])
            else:
                step = ladder_step(policy.ladders, data["ladder"], data["step"])
                if step is not None:
                    if units is None:
                        units = uow.units.list()
                    unit = None
                    if step.target.kind == "unit_type":
                        unit = resolve_unit_type(step.target.value, case.grid_code, units)
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
            sync_timers(uow, case, policy)
        uow.timers.mark_fired(timer["id"], now)
        fired.append({"case_id": timer["case_id"], "key": timer["key"], "due_at": timer["due_at"], "late_seconds": (now - timer["due_at"]).total_seconds()})
    uow.commit()
    return fired
