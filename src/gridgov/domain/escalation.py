"""Escalation ladders as data, and the timers a case needs now (warnings, ladder steps, stage limits).

A ladder is a list of steps: after a delay counted from the dispatch or from the deadline, do an action
(remind, add a supervisor, reassign, raise the grade) aimed at a target (the assigned unit, a unit type
resolved up the grid tree, or a role). `plan_timers` turns a case's state into the timers it should
have; the ticker (services/ticker.py) fires them when due, each at most once.

The default external-loop ladder follows Luohu's practice (context report 03): a camera case goes to
the social entity; not handled in 30 minutes it moves into the internal loop, reminding the community,
and then the street enforcement team steps in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from gridgov.domain.deadlines import DEFAULT_YELLOW_SHARE, TimeLimit, WorkingCalendar, yellow_at
from gridgov.domain.errors import InvalidInput
from gridgov.domain.roles import Role
from gridgov.domain.taxonomy import Grade
from gridgov.domain.workflow import CaseStatus


class EscalationAction(StrEnum):
    REMIND = "remind"  # 提醒
    ADD_SUPERVISOR = "add_supervisor"  # 加派督办
    REASSIGN = "reassign"  # 改派
    RAISE_GRADE = "raise_grade"  # 提级


TARGET_KINDS = ("assigned_unit", "unit_type", "role")
ANCHORS = ("dispatched", "due")


@dataclass(frozen=True)
class Target:
    kind: str
    value: str | None = None

    def describe(self) -> str:
        return self.kind if self.kind == "assigned_unit" else f"{self.kind}:{self.value}"


@dataclass(frozen=True)
class Step:
    index: int
    after: TimeLimit
    anchor: str
    target: Target
    action: EscalationAction
    note: str = ""


@dataclass(frozen=True)
class Ladder:
    code: str
    name: str
    steps: tuple[Step, ...] = field(default_factory=tuple)


def ladder_from_dict(data: Mapping[str, Any], *, known_unit_types: set[str] | None = None) -> Ladder:
    """Build a ladder from data, listing every problem at once (unknown action, target, anchor …)."""
    problems: list[str] = []
    code = str(data.get("code") or "").strip()
    if not code:
        problems.append("code is required")
    steps: list[Step] = []
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        problems.append("steps must be a non-empty list")
        raw_steps = []
    for i, raw in enumerate(raw_steps):
        where = f"steps[{i}]"
        if not isinstance(raw, dict):
            problems.append(f"{where} must be an object")
            continue
        try:
            after = TimeLimit.parse(str(raw.get("after", "")))
        except InvalidInput as exc:
            problems.append(f"{where}.after: {exc.detail}")
            after = None
        anchor = raw.get("anchor", "dispatched")
        if anchor not in ANCHORS:
            problems.append(f"{where}.anchor must be one of {', '.join(ANCHORS)}")
        try:
            action = EscalationAction(str(raw.get("action")))
        except ValueError:
            problems.append(f"{where}.action must be one of {', '.join(a.value for a in EscalationAction)}")
            action = None
        target = raw.get("target") or {}
        kind, value = target.get("kind"), target.get("value")
        if kind not in TARGET_KINDS:
            problems.append(f"{where}.target.kind must be one of {', '.join(TARGET_KINDS)}")
        elif kind == "role" and value not in {r.value for r in Role} - {"system"}:
            problems.append(f"{where}.target: no role {value!r}")
        elif kind == "unit_type" and (not value or (known_unit_types is not None and value not in known_unit_types)):
            problems.append(f"{where}.target: no unit type {value!r} in this district")
        if action is EscalationAction.REASSIGN and kind != "unit_type":
            problems.append(f"{where}: reassign needs a unit_type target")
        if after and action and kind in TARGET_KINDS:
            steps.append(Step(i, after, anchor, Target(kind, value), action, str(raw.get("note") or "")))
    if problems:
        raise InvalidInput(f"ladder {code or '?'} is not valid: " + "; ".join(problems), problems=problems)
    return Ladder(code, str(data.get("name") or code), tuple(steps))


DEFAULT_LADDERS: dict[str, Ladder] = {
    ladder.code: ladder
    for ladder in (
        ladder_from_dict(
            {
                "code": "luohu-external",
                "name": "外循环：物业30分钟未处置转社区、街道执法",
                "steps": [
                    {"after": "30m", "anchor": "dispatched", "action": "remind", "target": {"kind": "unit_type", "value": "community"},
                     "note": "物业30分钟未处置，转内循环：提醒社区"},
                    {"after": "60m", "anchor": "dispatched", "action": "reassign", "target": {"kind": "unit_type", "value": "street_enforcement"},
                     "note": "仍未处置，街道综合执法队介入"},
                ],
            }
        ),
        ladder_from_dict(
            {
                "code": "standard",
                "name": "标准：超期提醒指挥中心，超期一天领导督办",
                "steps": [
                    {"after": "1m", "anchor": "due", "action": "remind", "target": {"kind": "role", "value": "dispatcher"}},
                    {"after": "1d", "anchor": "due", "action": "add_supervisor", "target": {"kind": "role", "value": "leader"}},
                ],
            }
        ),
    )
}  # fmt: skip

# Stage limits besides handling (policy defaults; categories and routes set the handling limit):
# accept within …, verify within … after the unit's feedback.
ACCEPT_LIMITS = {Grade.CRITICAL: "5m", Grade.URGENT: "15m", Grade.NORMAL: "1h", Grade.ROUTINE: "4h"}
VERIFY_LIMITS = {Grade.CRITICAL: "2h", Grade.URGENT: "4h", Grade.NORMAL: "1wd", Grade.ROUTINE: "2wd"}


@dataclass(frozen=True)
class PlannedTimer:
    key: str
    due_at: datetime
    data: dict[str, Any]


def plan_timers(case, calendar: WorkingCalendar, ladders: Mapping[str, Ladder], yellow_share: float = DEFAULT_YELLOW_SHARE) -> list[PlannedTimer]:
    """The timers this case should have in its current state. Keys are stable, so a step that fired is
    recognised and never planned again (the caller keeps fired keys)."""
    if case.suspended_since is not None:
        return []
    out: list[PlannedTimer] = []
    status = case.status
    if status in (CaseStatus.REPORTED, CaseStatus.ACCEPTED, CaseStatus.RETURNED):
        start = case.reported_at if status is CaseStatus.REPORTED else (case.accepted_at or case.reported_at)
        due = TimeLimit.parse(ACCEPT_LIMITS[case.grade]).due_after(start, calendar)
        out.append(PlannedTimer(f"stage:{status.value}:red", due, {"kind": "warning", "level": "red", "stage": status.value}))
    elif status in (CaseStatus.DISPATCHED, CaseStatus.IN_PROGRESS) and case.due_at and case.dispatched_at:
        due_key = case.due_at.isoformat()  # a moved deadline (extension, suspension) arms new warnings
        out.append(PlannedTimer(f"handle:yellow:{due_key}", yellow_at(case.dispatched_at, case.due_at, yellow_share), {"kind": "warning", "level": "yellow", "stage": "handle"}))
        out.append(PlannedTimer(f"handle:red:{due_key}", case.due_at, {"kind": "warning", "level": "red", "stage": "handle"}))
        ladder = ladders.get(case.ladder or "standard")
        for step in ladder.steps if ladder is not None else ():
            assert ladder is not None
            anchor = case.dispatched_at if step.anchor == "dispatched" else case.due_at
            due = step.after.due_after(anchor, calendar)
            out.append(
                PlannedTimer(
                    f"ladder:{ladder.code}:{step.index}:{anchor.isoformat()}",
                    due,
                    {"kind": "escalation", "ladder": ladder.code, "step": step.index},
                )
            )
    elif status is CaseStatus.HANDLED and case.handled_at:
        due = TimeLimit.parse(VERIFY_LIMITS[case.grade]).due_after(case.handled_at, calendar)
        out.append(PlannedTimer(f"stage:verify:{case.handled_at.isoformat()}", due, {"kind": "warning", "level": "red", "stage": "verify"}))
    for i, sup in enumerate(case.supervisions):
        if status not in (CaseStatus.CLOSED, CaseStatus.RATED, CaseStatus.REJECTED, CaseStatus.VERIFIED):
            out.append(
                PlannedTimer(f"supervision:{i}", datetime.fromisoformat(sup["due_at"]), {"kind": "warning", "level": "red", "stage": "supervision"})
            )
    return out


def ladder_step(ladders: Mapping[str, Ladder], code: str, index: int) -> Step | None:
    ladder = ladders.get(code)
    return next((s for s in ladder.steps if s.index == index), None) if ladder else None

