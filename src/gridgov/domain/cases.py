"""The case aggregate (案件): one reported problem from report to rating.

State changes only go through `Case.act`, which checks the transition table (workflow.py), the
case-specific guards (the acting unit must be the assigned one, only the reporter rates), validates the
action's fields, appends a timeline entry and records an event. The aggregate holds only the timeline
entries it added in this unit of work (`new_entries`): the stored timeline is append-only, so nothing
earlier needs loading to change a case.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from gridgov.domain import events
from gridgov.domain.errors import Forbidden, InvalidInput, InvalidTransition
from gridgov.domain.events import CaseEvent
from gridgov.domain.roles import SYSTEM_ACTOR, Actor, Role
from gridgov.domain.taxonomy import DEFAULT_LIMIT_HOURS, Channel, Grade
from gridgov.domain.workflow import Action, CaseStatus, actions_for, actions_from, transition_for

MAX_DESCRIPTION = 5000  # issue #2: longer texts are refused, not truncated
MAX_SHORT_TEXT = 500
MAX_PHOTOS = 9  # the usual limit of Chinese mobile photo pickers


@dataclass
class TimelineEntry:
    """One append-only line of a case's history (who, when, what, why)."""

    at: datetime
    actor_id: str
    actor_role: str
    actor_name: str
    action: str
    from_status: str | None
    to_status: str
    reason: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Extension:
    requested_due: datetime
    reason: str
    requested_by: str
    requested_at: datetime


@dataclass
class Case:
    id: str
    description: str
    lon: float
    lat: float
    reported_at: datetime
    reporter_id: str
    channel: Channel
    status: CaseStatus = CaseStatus.REPORTED
    address: str | None = None
    category: str | None = None
    grade: Grade = Grade.NORMAL
    grid_code: str | None = None
    reporter_name: str | None = None
    reporter_phone: str | None = None
    photos: list[str] = field(default_factory=list)
    unit_id: str | None = None
    accepted_at: datetime | None = None
    dispatched_at: datetime | None = None
    due_at: datetime | None = None
    handled_at: datetime | None = None
    closed_at: datetime | None = None
    result: str | None = None
    result_photos: list[str] = field(default_factory=list)
    rating: int | None = None
    rating_comment: str | None = None
    rework_count: int = 0
    return_count: int = 0
    pending_extension: Extension | None = None
    sensitive: bool = False
    report_count: int = 1
    triaged_at: datetime | None = None
    triage_reason: str | None = None
    triage: dict[str, Any] | None = None
    ladder: str | None = None
    time_limit: str | None = None
    suspended_since: datetime | None = None
    pending_suspension: dict[str, Any] | None = None
    supervisions: list[dict[str, Any]] = field(default_factory=list)
    source_ref: str | None = None
    timer_plan: str | None = None
    version: int = 1
    updated_at: datetime | None = None
    new_entries: list[TimelineEntry] = field(default_factory=list, repr=False)
    events: list[events.Event] = field(default_factory=list, repr=False)

    # ----------------------------------------------------------------- creation
    @classmethod
    def report(
        cls,
        *,
        case_id: str,
        actor: Actor,
        now: datetime,
        description: str,
        lon: float,
        lat: float,
        channel: Channel,
        grid_code: str | None,
        address: str | None = None,
        category: str | None = None,
        grade: Grade = Grade.NORMAL,
        reporter_name: str | None = None,
        reporter_phone: str | None = None,
        photos: list[str] | None = None,
    ) -> Case:
        description = _required_text(description, "description", MAX_DESCRIPTION)
        _check_coordinates(lon, lat)
        photos = list(photos or [])
        if len(photos) > MAX_PHOTOS:
            raise InvalidInput(f"at most {MAX_PHOTOS} photos per report, got {len(photos)}")
        case = cls(
            id=case_id,
            description=description,
            lon=lon,
            lat=lat,
            reported_at=now,
            reporter_id=actor.user_id,
            channel=channel,
            address=_optional_text(address, "address", MAX_SHORT_TEXT),
            category=_optional_text(category, "category", 64),
            grade=grade,
            grid_code=grid_code,
            reporter_name=_optional_text(reporter_name or actor.name, "reporter_name", 64),
            reporter_phone=_optional_text(reporter_phone, "reporter_phone", 32),
            photos=photos,
            updated_at=now,
        )
        case._append(actor, now, "report", None, reason=None, data={"channel": str(channel)})
        case._record(events.CaseReported, actor, now, {"category": case.category, "grade": int(grade), "channel": str(channel)})
        return case

    def join(self, now: datetime, *, actor: Actor, channel: str, photos: list[str], note: str | None) -> None:
        """Another report of the same problem joins this case instead of opening a second one: the
        reporter is added to the timeline and the report count goes up (重复上报合并)."""
        self.report_count += 1
        self.photos = [*self.photos, *[p for p in photos if p not in self.photos]][:MAX_PHOTOS * 3]
        self.version += 1
        self.updated_at = now
        data = {"channel": channel, "report_count": self.report_count, "photos": photos}
        self._append(actor, now, "join", self.status, reason=note, data=data)
        self._record(events.CaseJoined, actor, now, data)

    def merge_into(self, kept: Case, now: datetime, *, actor: Actor) -> None:
        """合并: this case repeats `kept`. It is closed as 作废 with the link kept, and `kept` counts one
        report more and takes its photos; both timelines say so."""
        if kept.id == self.id:
            raise InvalidInput("a case cannot be merged into itself")
        self.act(Action.REJECT, actor, now, {"reason": f"合并到案件 {kept.id}（重复上报）"})
        self.source_ref = f"merged:{kept.id}"
        kept.join(now, actor=actor, channel="merge", photos=list(self.photos), note=f"合并案件 {self.id}")

    @property
    def merged_into(self) -> str | None:
        ref = self.source_ref or ""
        return ref.removeprefix("merged:") if ref.startswith("merged:") else None

    def split_from(self, kept: Case | None, now: datetime, *, actor: Actor) -> None:
        """拆分: this case was merged by mistake. It is reopened, and the case it was merged into counts
        one report less, with a timeline entry and an event of its own."""
        if self.merged_into is None:
            raise InvalidInput("this case was not merged into another")
        self.act(Action.REOPEN, actor, now, {"reason": "拆分：不是同一问题"})
        self.source_ref = None
        if kept is not None:
            kept.report_count = max(1, kept.report_count - 1)
            kept.version += 1
            kept.updated_at = now
            data = {"case_id": self.id, "report_count": kept.report_count}
            kept._append(actor, now, "split", kept.status, reason=f"拆分出案件 {self.id}", data=data)
            kept._record(events.CaseSplit, actor, now, data)

    # ----------------------------------------------------------------- triage
    def record_triage(
        self,
        now: datetime,
        *,
        grade: Grade,
        category: str | None,
        sensitive_terms: tuple[str, ...],
        findings: dict[str, Any],
        needs_person: str | None,
    ) -> None:
        """Keep what the triage pipeline decided and why. `needs_person` is the reason the case waits in
        the human triage queue (low confidence, unplaced, unrouted …), or None when it was routed."""
        if self.triaged_at is not None:
            raise InvalidTransition("this case was triaged already", allowed_actions=[])
        self.grade = grade
        self.category = category or self.category
        self.sensitive = self.sensitive or bool(sensitive_terms)
        self.triaged_at = now
        self.triage = findings
        self.triage_reason = needs_person
        self.version += 1
        self.updated_at = now
        self._append(SYSTEM_ACTOR, now, "triage", self.status, reason=needs_person, data=findings)
        self._record(
            events.CaseTriaged,
            SYSTEM_ACTOR,
            now,
            {"grade": int(grade), "category": self.category, "sensitive": self.sensitive, "needs_person": needs_person},
        )

    def clear_triage(self) -> None:
        """A person took the case out of the triage queue (accepted, dispatched or rejected it)."""
        self.triage_reason = None

    # ------------------------------------------------------------ transitions
    def allowed_actions(self, actor: Actor) -> list[Action]:
        """What this actor may do now: the table filtered by the case-specific guards."""
        return [a for a in actions_for(self.status, actor.role) if self._guard_failure(a, actor) is None]

    def act(self, action: Action, actor: Actor, now: datetime, fields: dict[str, Any] | None = None) -> None:
        fields = dict(fields or {})
        transition = transition_for(action)
        if self.status not in transition.sources:
            allowed = [str(a) for a in actions_from(self.status)]
            raise InvalidTransition(
                f"cannot {action} a case that is {self.status}; allowed now: {', '.join(allowed) or 'none'}",
                allowed_actions=allowed,
                case_status=str(self.status),
            )
        if actor.role not in transition.roles:
            allowed = [str(a) for a in self.allowed_actions(actor)]
            raise Forbidden(
                f"role {actor.role} may not {action}; allowed for you now: {', '.join(allowed) or 'none'}",
                allowed_actions=allowed,
            )
        failure = self._guard_failure(action, actor)
        if failure:
            raise Forbidden(failure, allowed_actions=[str(a) for a in self.allowed_actions(actor)])
        reason = _optional_text(fields.pop("reason", None), "reason", MAX_SHORT_TEXT)
        if transition.needs_reason and not reason:
            raise InvalidInput(f"{action} needs a reason")
        before = self.status
        data = getattr(self, f"_on_{action.value}")(actor, now, fields, reason)
        if action in (Action.ACCEPT, Action.REJECT, Action.DISPATCH):
            self.clear_triage()
        if transition.target is not None:
            self.status = transition.target
        self.version += 1
        self.updated_at = now
        self._append(actor, now, action.value, before, reason=reason, data=data or {})
        self._record(_EVENT_FOR[action], actor, now, {"action": action.value, "reason": reason, **(data or {})})

    # Each _on_<action> validates its fields, changes the case and returns the data worth keeping.
    def _on_accept(self, actor: Actor, now: datetime, f: dict, reason: str | None) -> dict:
        self.accepted_at = now
        if "grade" in f and f["grade"] is not None:
            self.grade = _grade(f["grade"])
        if f.get("category"):
            self.category = _optional_text(f["category"], "category", 64)
        return {"grade": int(self.grade), "category": self.category}

    def _on_reject(self, actor: Actor, now: datetime, f: dict, reason: str | None) -> dict:
        self.closed_at = now
        return {}

    def _on_dispatch(self, actor: Actor, now: datetime, f: dict, reason: str | None) -> dict:
        unit_id = f.get("unit_id")
        if not unit_id or not isinstance(unit_id, str):
            raise InvalidInput("dispatch needs a unit_id")
        due_at = f.get("due_at")
        if due_at is not None:
            if not isinstance(due_at, datetime):
                raise InvalidInput("due_at must be a date-time")
            if due_at <= now:
                raise InvalidInput("due_at must lie in the future")
        else:
            hours = f.get("time_limit_hours") or DEFAULT_LIMIT_HOURS[self.grade]
            if not isinstance(hours, int | float) or not 0 < hours <= 24 * 365:
                raise InvalidInput("time_limit_hours must be between 0 and 8760")
            due_at = now + timedelta(hours=hours)
        self.unit_id = unit_id
        self.dispatched_at = now
        self.due_at = due_at
        self.pending_extension = None
        self.ladder = _optional_text(f.get("ladder"), "ladder", 64)
        self.time_limit = _optional_text(f.get("time_limit"), "time_limit", 16)
        return {"unit_id": unit_id, "due_at": due_at.isoformat(), "note": _note(f), "ladder": self.ladder}

    def _on_claim(self, actor: Actor, now: datetime, f: dict, reason: str | None) -> dict:
        return {"note": _note(f)}

    def _on_return(self, actor: Actor, now: datetime, f: dict, reason: str | None) -> dict:
        previous = self.unit_id
        self.suspended_since = None
        self.pending_suspension = None
        self.return_count += 1
        self.unit_id = None
        self.pending_extension = None
        return {"unit_id": previous}

    def _on_handle(self, actor: Actor, now: datetime, f: dict, reason: str | None) -> dict:
        result = _required_text(f.get("result"), "result", MAX_DESCRIPTION)
        photos = f.get("photos") or []
        if not isinstance(photos, list) or len(photos) > MAX_PHOTOS:
            raise InvalidInput(f"photos must be a list of at most {MAX_PHOTOS} photo ids")
        self.result = result
        self.result_photos = list(photos)
        self.handled_at = now
        self.pending_extension = None
        return {"result": result, "photos": list(photos), "on_time": self.due_at is None or now <= self.due_at}

    def _on_handle_on_spot(self, actor: Actor, now: datetime, f: dict, reason: str | None) -> dict:
        data = self._on_handle(actor, now, f, reason)
        self.accepted_at = self.accepted_at or now  # the grid worker's own report is a case at once (立案)
        return {**data, "on_spot": True}

    def _on_verify(self, actor: Actor, now: datetime, f: dict, reason: str | None) -> dict:
        return {"note": _note(f)}

    def _on_rework(self, actor: Actor, now: datetime, f: dict, reason: str | None) -> dict:
        self.rework_count += 1
        self.handled_at = None
        return {"rework_count": self.rework_count}

    def _on_close(self, actor: Actor, now: datetime, f: dict, reason: str | None) -> dict:
        self.closed_at = now
        return {"on_time": self.due_at is None or (self.handled_at or now) <= self.due_at}

    def _on_rate(self, actor: Actor, now: datetime, f: dict, reason: str | None) -> dict:
        score = f.get("score")
        if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
            raise InvalidInput("score must be an integer from 1 to 5")
        self.rating = score
        self.rating_comment = _optional_text(f.get("comment"), "comment", MAX_SHORT_TEXT)
        return {"score": score, "comment": self.rating_comment}

    def _on_reopen(self, actor: Actor, now: datetime, f: dict, reason: str | None) -> dict:
        self.closed_at = None
        self.handled_at = None
        self.unit_id = None
        self.due_at = None
        self.rating = None
        self.rating_comment = None
        self.accepted_at = self.accepted_at or now
        return {}

    def _on_request_extension(self, actor: Actor, now: datetime, f: dict, reason: str | None) -> dict:
        if self.pending_extension is not None:
            raise InvalidInput("an extension request is already waiting for a decision")
        requested = f.get("requested_due")
        if not isinstance(requested, datetime):
            raise InvalidInput("requested_due must be a date-time")
        if requested <= now or (self.due_at and requested <= self.due_at):
            raise InvalidInput("requested_due must be later than both now and the current deadline")
        self.pending_extension = Extension(requested, reason or "", actor.user_id, now)
        return {"requested_due": requested.isoformat()}

    def _on_approve_extension(self, actor: Actor, now: datetime, f: dict, reason: str | None) -> dict:
        ext = self._pending_or_fail()
        if ext.requested_due <= now:
            raise InvalidInput("the requested deadline has already passed; deny it and ask for a new request")
        previous = self.due_at
        self.due_at = ext.requested_due
        self.pending_extension = None
        return {"previous_due": previous.isoformat() if previous else None, "due_at": self.due_at.isoformat()}

    def _on_deny_extension(self, actor: Actor, now: datetime, f: dict, reason: str | None) -> dict:
        ext = self._pending_or_fail()
        self.pending_extension = None
        return {"requested_due": ext.requested_due.isoformat()}

    def _on_request_suspension(self, actor: Actor, now: datetime, f: dict, reason: str | None) -> dict:
        if self.suspended_since is not None or self.pending_suspension is not None:
            raise InvalidInput("the case is already suspended or waiting for a suspension decision")
        self.pending_suspension = {"reason": reason, "requested_by": actor.user_id, "requested_at": now.isoformat()}
        return {}

    def _on_approve_suspension(self, actor: Actor, now: datetime, f: dict, reason: str | None) -> dict:
        if self.pending_suspension is None:
            raise InvalidInput("no suspension request is waiting for a decision")
        self.pending_suspension = None
        self.suspended_since = now
        return {"suspended_since": now.isoformat()}

    def _on_resume(self, actor: Actor, now: datetime, f: dict, reason: str | None) -> dict:
        if self.suspended_since is None:
            raise InvalidInput("the case is not suspended")
        new_due = f.get("new_due")
        if self.due_at is not None and (not isinstance(new_due, datetime) or new_due < self.due_at):
            raise InvalidInput("resuming needs the shifted deadline (computed by the service)")
        previous = self.due_at
        paused = {"from": self.suspended_since.isoformat(), "to": now.isoformat()}
        self.suspended_since = None
        self.due_at = new_due if self.due_at is not None else None
        return {"paused": paused, "previous_due": previous.isoformat() if previous else None,
                "due_at": self.due_at.isoformat() if self.due_at else None}  # fmt: skip

    def _on_supervise(self, actor: Actor, now: datetime, f: dict, reason: str | None) -> dict:
        due = f.get("due_at")
        if not isinstance(due, datetime) or due <= now:
            raise InvalidInput("supervision (督办) needs a due_at in the future")
        entry = {"by": actor.user_id, "name": actor.name, "note": reason, "at": now.isoformat(), "due_at": due.isoformat()}
        self.supervisions = [*self.supervisions, entry]
        return entry

    # -------------------------------------------------------- escalation
    def warn(self, now: datetime, *, level: str, stage: str) -> None:
        """A yellow or red warning fired (黄牌/红牌): kept on the timeline, announced by an event."""
        self.version += 1
        self.updated_at = now
        self._append(SYSTEM_ACTOR, now, f"warning_{level}", self.status, reason=None, data={"stage": stage})
        self._record(events.CaseWarned, SYSTEM_ACTOR, now, {"level": level, "stage": stage})

    def escalate(self, now: datetime, *, step: dict[str, Any], unit_id: str | None = None) -> None:
        """Apply one ladder step. Reassigning sends the case to a new unit, back to 'dispatched'."""
        action = step["action"]
        data: dict[str, Any] = {**step}
        if action == "reassign":
            if not unit_id:
                raise InvalidInput("reassign needs a unit")
            data["from_unit"] = self.unit_id
            self.unit_id = unit_id
            self.status = CaseStatus.DISPATCHED
        elif action == "raise_grade":
            self.grade = Grade(max(1, int(self.grade) - 1))
            data["grade"] = int(self.grade)
        self.version += 1
        self.updated_at = now
        self._append(SYSTEM_ACTOR, now, f"escalate_{action}", self.status, reason=step.get("note") or None, data=data)
        self._record(events.CaseEscalated, SYSTEM_ACTOR, now, data)

    def alarm_changed(
        self, now: datetime, *, alarm_id: str, kind: str, severity: str | None, reasons: list[dict[str, Any]], reading_at: datetime
    ) -> None:
        """The sensor alarm that opened this case rose, fell back or cleared (issue 16): written on the
        timeline with why, so whoever handles the case sees the gas is gone; the case's stage is not
        changed (closing it stays a person's decision)."""
        self.version += 1
        self.updated_at = now
        data = {"alarm_id": alarm_id, "kind": kind, "severity": severity, "reasons": reasons, "reading_at": reading_at.isoformat()}
        self._append(SYSTEM_ACTOR, now, f"alarm_{kind}", self.status, reason=None, data=data)
        self._record(events.CaseAlarmChanged, SYSTEM_ACTOR, now, data)

    # ---------------------------------------------------------------- helpers
    def _pending_or_fail(self) -> Extension:
        if self.pending_extension is None:
            raise InvalidInput("no extension request is waiting for a decision")
        return self.pending_extension

    def _guard_failure(self, action: Action, actor: Actor) -> str | None:
        if action in _UNIT_ACTIONS and actor.role is not Role.SYSTEM and self.unit_id not in actor.unit_ids:
            return f"only members of the assigned unit may {action} this case"
        if action is Action.RATE and actor.user_id != self.reporter_id:
            return "only the reporter may rate a case"
        if action is Action.HANDLE_ON_SPOT and actor.user_id != self.reporter_id:
            return "only the grid worker who reported a case handles it on the spot"
        if action is Action.HANDLE_ON_SPOT and self.unit_id is not None:
            return "this case is assigned to a unit, which handles it"
        if action in _EXTENSION_DECISIONS and self.pending_extension is None:
            return "no extension request is waiting for a decision"
        if action is Action.APPROVE_SUSPENSION and self.pending_suspension is None:
            return "no suspension request is waiting for a decision"
        if action is Action.RESUME and self.suspended_since is None:
            return "the case is not suspended"
        if action is Action.RESUME and actor.role in (Role.HANDLER, Role.ENTITY_STAFF) and self.unit_id not in actor.unit_ids:
            return "only members of the assigned unit may resume this case"
        return None

    def _append(
        self, actor: Actor, now: datetime, action: str, before: CaseStatus | None, *, reason: str | None, data: dict
    ) -> None:
        self.new_entries.append(
            TimelineEntry(
                at=now,
                actor_id=actor.user_id,
                actor_role=str(actor.role),
                actor_name=actor.name,
                action=action,
                from_status=str(before) if before else None,
                to_status=str(self.status),
                reason=reason,
                data=data,
            )
        )

    def _record(self, event_type: type[CaseEvent], actor: Actor, now: datetime, data: dict) -> None:
        self.events.append(
            event_type(
                case_id=self.id,
                at=now,
                actor_id=actor.user_id,
                status=str(self.status),
                version=self.version,
                grid_code=self.grid_code,
                unit_id=self.unit_id,
                reporter_id=self.reporter_id,
                data={k: v for k, v in data.items() if v is not None},
            )
        )

    def is_overdue(self, now: datetime) -> bool:
        return self.due_at is not None and self.closed_at is None and now > self.due_at


_UNIT_ACTIONS = frozenset({Action.CLAIM, Action.RETURN, Action.HANDLE, Action.REQUEST_EXTENSION, Action.REQUEST_SUSPENSION})
_EXTENSION_DECISIONS = frozenset({Action.APPROVE_EXTENSION, Action.DENY_EXTENSION})
_EVENT_FOR: dict[Action, type[events.CaseEvent]] = {
    Action.ACCEPT: events.CaseAccepted,
    Action.REJECT: events.CaseRejected,
    Action.DISPATCH: events.CaseDispatched,
    Action.CLAIM: events.CaseClaimed,
    Action.RETURN: events.CaseReturned,
    Action.HANDLE: events.CaseHandled,
    Action.VERIFY: events.CaseVerified,
    Action.REWORK: events.CaseReworkRequested,
    Action.CLOSE: events.CaseClosed,
    Action.RATE: events.CaseRated,
    Action.REOPEN: events.CaseReopened,
    Action.REQUEST_EXTENSION: events.ExtensionRequested,
    Action.APPROVE_EXTENSION: events.ExtensionApproved,
    Action.DENY_EXTENSION: events.ExtensionDenied,
    Action.REQUEST_SUSPENSION: events.SuspensionRequested,
    Action.APPROVE_SUSPENSION: events.CaseSuspended,
    Action.RESUME: events.CaseResumed,
    Action.SUPERVISE: events.CaseSupervised,
    Action.HANDLE_ON_SPOT: events.CaseHandled,
}


def _required_text(value: Any, name: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{name} must not be empty")
    value = value.strip()
    if len(value) > limit:
        raise InvalidInput(f"{name} is {len(value)} characters long; at most {limit} are accepted")
    return value


def _optional_text(value: Any, name: str, limit: int) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return _required_text(value, name, limit)


def _note(f: dict) -> str | None:
    return _optional_text(f.get("note"), "note", MAX_SHORT_TEXT)


def _grade(value: Any) -> Grade:
    try:
        return Grade(int(value))
    except (TypeError, ValueError):
        raise InvalidInput("grade must be 1, 2, 3 or 4") from None


def _check_coordinates(lon: Any, lat: Any) -> None:
    for name, value, bound in (("lon", lon, 180.0), ("lat", lat, 90.0)):
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise InvalidInput(f"{name} must be a finite number")
        if not -bound <= value <= bound:
            raise InvalidInput(f"{name} {value} is outside [-{bound}, {bound}]")
