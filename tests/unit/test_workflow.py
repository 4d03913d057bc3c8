"""Every cell of the transition table: each (state, action, role) either works or is refused with the
error that names what is allowed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gridgov.domain.cases import Case, Extension
from gridgov.domain.errors import DomainError, Forbidden, InvalidInput, InvalidTransition
from gridgov.domain.roles import Actor, Role
from gridgov.domain.taxonomy import Channel
from gridgov.domain.workflow import TRANSITIONS, Action, CaseStatus, actions_for

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
UNIT = "wuye-1"
REPORTER = "u-reporter"

# Fields that make each action's own validation pass, so the table is what decides.
GOOD_FIELDS = {
    Action.ACCEPT: {},
    Action.REJECT: {"reason": "重复上报"},
    Action.DISPATCH: {"unit_id": UNIT},
    Action.CLAIM: {},
    Action.RETURN: {"reason": "不属于本单位"},
    Action.HANDLE: {"result": "已清理"},
    Action.VERIFY: {},
    Action.REWORK: {"reason": "仍有垃圾"},
    Action.CLOSE: {},
    Action.RATE: {"score": 5},
    Action.REOPEN: {"reason": "问题复发"},
    Action.REQUEST_EXTENSION: {"reason": "需要采购配件", "requested_due": NOW + timedelta(days=10)},
    Action.APPROVE_EXTENSION: {},
    Action.DENY_EXTENSION: {"reason": "理由不充分"},
    Action.REQUEST_SUSPENSION: {"reason": "等待产权单位确认"},
    Action.APPROVE_SUSPENSION: {},
    Action.RESUME: {"new_due": NOW + timedelta(days=2)},
    Action.SUPERVISE: {"reason": "请加快处置", "due_at": NOW + timedelta(days=1)},
    Action.HANDLE_ON_SPOT: {"result": "已劝离占道摊贩", "photos": ["p1"]},
}


def actor_for(role: Role, *, is_reporter: bool = False) -> Actor:
    user_id = REPORTER if is_reporter or role in (Role.RESIDENT, Role.GRID_WORKER) else f"u-{role}"
    return Actor(user_id=user_id, role=role, name=str(role), unit_id=UNIT if role in (Role.HANDLER, Role.ENTITY_STAFF) else None)


def case_in(status: CaseStatus, action: Action) -> Case:
    case = Case(
        id="C1",
        description="垃圾满溢",
        lon=114.06,
        lat=22.56,
        reported_at=NOW - timedelta(hours=1),
        reporter_id=REPORTER,
        status=status,
        unit_id=UNIT if status in (CaseStatus.DISPATCHED, CaseStatus.IN_PROGRESS, CaseStatus.HANDLED) else None,
        channel=Channel.GRID_APP if action is Action.HANDLE_ON_SPOT else Channel.RESIDENT_APP,
        due_at=NOW + timedelta(days=1),
    )
    if action in (Action.APPROVE_EXTENSION, Action.DENY_EXTENSION):
        case.pending_extension = Extension(NOW + timedelta(days=5), "配件", "u-handler", NOW)
    if action is Action.APPROVE_SUSPENSION:
        case.pending_suspension = {"reason": "等待", "requested_by": "u-handler", "requested_at": NOW.isoformat()}
    if action is Action.RESUME:
        case.suspended_since = NOW - timedelta(hours=3)
    if action is Action.HANDLE_ON_SPOT:
        case.unit_id = None  # in progress without a unit: an on-the-spot case sent back by verification
    return case


# The lifecycle as a person reviewed it (DESIGN §4 and the issues), written out, not read from TRANSITIONS:
# action: (the states it may start from, the state it leads to or None for "stays", the roles that may
# take it). SYSTEM is the platform itself and is left out. A change to the transition table must change
# this table too, by hand, which is the point.
REVIEWED = {
    "accept": ("reported", "accepted", "dispatcher admin"),
    "reject": ("reported", "rejected", "dispatcher admin"),
    "dispatch": ("accepted returned", "dispatched", "dispatcher admin"),
    "claim": ("dispatched", "in_progress", "handler entity_staff"),
    "return": ("dispatched in_progress", "returned", "handler entity_staff"),
    "handle": ("in_progress", "handled", "handler entity_staff"),
    "verify": ("handled", "verified", "supervisor admin"),
    "rework": ("handled", "in_progress", "supervisor admin"),
    "close": ("verified", "closed", "dispatcher supervisor admin"),
    "rate": ("closed", "rated", "resident grid_worker entity_staff handler"),
    "reopen": ("closed rated rejected", "accepted", "dispatcher supervisor admin"),
    "request_extension": ("dispatched in_progress", None, "handler entity_staff"),
    "approve_extension": ("dispatched in_progress", None, "dispatcher supervisor admin"),
    "deny_extension": ("dispatched in_progress", None, "dispatcher supervisor admin"),
    "request_suspension": ("dispatched in_progress", None, "handler entity_staff"),
    "approve_suspension": ("dispatched in_progress", None, "dispatcher supervisor admin"),
    "resume": ("dispatched in_progress", None, "handler entity_staff dispatcher supervisor admin"),
    "supervise": ("reported accepted dispatched in_progress returned handled", None, "supervisor leader"),
    "handle_on_spot": ("reported in_progress", "handled", "grid_worker"),
}


def test_the_reviewed_table_names_every_action():
    assert sorted(REVIEWED) == sorted(a.value for a in Action)


CELLS = [(s, a, r) for s in CaseStatus for a in Action for r in Role if r is not Role.SYSTEM]


@pytest.mark.parametrize(("status", "action", "role"), CELLS, ids=[f"{s}-{a}-{r}" for s, a, r in CELLS])
def test_transition_table_cell(status: CaseStatus, action: Action, role: Role) -> None:
    sources, target, roles = REVIEWED[action.value]
    case = case_in(status, action)
    actor = actor_for(role, is_reporter=action is Action.RATE)  # only the reporter rates (own test)
    before_version = case.version
    if status.value not in sources.split():
        with pytest.raises(InvalidTransition) as err:
            case.act(action, actor, NOW, GOOD_FIELDS[action])
        allowed_here = [a for a, (src, _, _) in REVIEWED.items() if status.value in src.split()]
        assert sorted(err.value.extra["allowed_actions"]) == sorted(allowed_here)
    elif role.value not in roles.split():
        with pytest.raises(Forbidden):
            case.act(action, actor, NOW, GOOD_FIELDS[action])
        assert action not in case.allowed_actions(actor)
    else:
        assert action in case.allowed_actions(actor)
        case.act(action, actor, NOW, GOOD_FIELDS[action])
        assert case.status.value == (target or status.value)
        assert case.version == before_version + 1
        assert case.new_entries[-1].action == action.value
        assert case.events[-1].case_id == "C1"
        return
    assert case.status is status and case.version == before_version and not case.new_entries


def test_unit_actions_need_membership_of_the_assigned_unit() -> None:
    case = case_in(CaseStatus.DISPATCHED, Action.CLAIM)
    outsider = Actor(user_id="u-x", role=Role.HANDLER, unit_id="dept-other")
    with pytest.raises(Forbidden, match="assigned unit"):
        case.act(Action.CLAIM, outsider, NOW)
    assert Action.CLAIM not in case.allowed_actions(outsider)


def test_only_the_reporter_rates() -> None:
    case = case_in(CaseStatus.CLOSED, Action.RATE)
    other_resident = Actor(user_id="u-neighbour", role=Role.RESIDENT)
    with pytest.raises(Forbidden, match="reporter"):
        case.act(Action.RATE, other_resident, NOW, {"score": 4})


@pytest.mark.parametrize("score", [0, 6, "5", 4.5, True, None])
def test_rating_outside_one_to_five_is_refused(score) -> None:
    case = case_in(CaseStatus.CLOSED, Action.RATE)
    with pytest.raises(InvalidInput):
        case.act(Action.RATE, actor_for(Role.RESIDENT), NOW, {"score": score})
    assert case.status is CaseStatus.CLOSED


@pytest.mark.parametrize("action", [a for a in Action if next(t for t in TRANSITIONS if t.action is a).needs_reason])
def test_actions_that_need_a_reason_refuse_an_empty_one(action: Action) -> None:
    transition = next(t for t in TRANSITIONS if t.action is action)
    status = sorted(transition.sources)[0]
    case = case_in(status, action)
    role = sorted(transition.roles - {Role.SYSTEM})[0]
    fields = {**GOOD_FIELDS[action], "reason": "  "}
    with pytest.raises(InvalidInput, match="reason"):
        case.act(action, actor_for(role), NOW, fields)


def test_failed_verification_sends_the_case_back_to_the_unit_and_counts_rework() -> None:
    case = case_in(CaseStatus.HANDLED, Action.REWORK)
    case.act(Action.REWORK, actor_for(Role.SUPERVISOR), NOW, {"reason": "现场仍有垃圾"})
    assert case.status is CaseStatus.IN_PROGRESS and case.rework_count == 1 and case.unit_id == UNIT


def test_return_clears_the_unit_so_the_dispatcher_can_reroute() -> None:
    case = case_in(CaseStatus.IN_PROGRESS, Action.RETURN)
    case.act(Action.RETURN, actor_for(Role.HANDLER), NOW, {"reason": "不属于本单位"})
    assert case.status is CaseStatus.RETURNED and case.unit_id is None and case.return_count == 1
    assert Action.DISPATCH in actions_for(CaseStatus.RETURNED, Role.DISPATCHER)


def test_approved_extension_moves_the_deadline_and_keeps_the_trail() -> None:
    case = case_in(CaseStatus.IN_PROGRESS, Action.REQUEST_EXTENSION)
    new_due = NOW + timedelta(days=7)
    case.act(Action.REQUEST_EXTENSION, actor_for(Role.HANDLER), NOW, {"reason": "等配件", "requested_due": new_due})
    case.act(Action.APPROVE_EXTENSION, actor_for(Role.DISPATCHER), NOW + timedelta(hours=1))
    assert case.due_at == new_due and case.pending_extension is None
    assert [e.action for e in case.new_entries] == ["request_extension", "approve_extension"]


def test_extension_into_the_past_is_refused() -> None:
    case = case_in(CaseStatus.IN_PROGRESS, Action.REQUEST_EXTENSION)
    with pytest.raises(InvalidInput, match="later"):
        case.act(Action.REQUEST_EXTENSION, actor_for(Role.HANDLER), NOW, {"reason": "x", "requested_due": NOW - timedelta(hours=1)})


def test_dispatch_without_a_unit_is_refused() -> None:
    case = case_in(CaseStatus.ACCEPTED, Action.DISPATCH)
    with pytest.raises(InvalidInput, match="unit_id"):
        case.act(Action.DISPATCH, actor_for(Role.DISPATCHER), NOW, {})


def test_dispatch_sets_a_deadline_from_the_grade_by_default() -> None:
    case = case_in(CaseStatus.ACCEPTED, Action.DISPATCH)
    case.act(Action.DISPATCH, actor_for(Role.DISPATCHER), NOW, {"unit_id": UNIT})
    assert case.due_at == NOW + timedelta(hours=72)


@pytest.mark.parametrize(
    ("description", "lon", "lat"),
    [("", 114.0, 22.5), ("   ", 114.0, 22.5), ("x" * 5001, 114.0, 22.5), ("ok", 181.0, 22.5),
     ("ok", 114.0, -91.0), ("ok", float("nan"), 22.5), ("ok", float("inf"), 22.5), ("ok", "114", 22.5)],
)  # fmt: skip
def test_report_refuses_bad_text_and_coordinates(description, lon, lat) -> None:
    with pytest.raises(DomainError):
        Case.report(
            case_id="C9", actor=actor_for(Role.RESIDENT), now=NOW, description=description, lon=lon, lat=lat,
            channel=Channel.RESIDENT_APP, grid_code=None,
        )  # fmt: skip


def test_report_records_a_timeline_entry_and_an_event() -> None:
    case = Case.report(
        case_id="C9", actor=actor_for(Role.RESIDENT), now=NOW, description=" 井盖破损 ", lon=114.0, lat=22.5,
        channel=Channel.RESIDENT_APP, grid_code="440304001001001",
    )  # fmt: skip
    assert case.description == "井盖破损" and case.status is CaseStatus.REPORTED and case.version == 1
    assert case.new_entries[0].action == "report" and case.events[0].name == "CaseReported"


def test_a_suspension_is_requested_approved_and_resumed_with_the_deadline_moved():
    case = case_in(CaseStatus.IN_PROGRESS, Action.REQUEST_SUSPENSION)
    case.act(Action.REQUEST_SUSPENSION, actor_for(Role.HANDLER), NOW, {"reason": "等待产权单位确认"})
    case.act(Action.APPROVE_SUSPENSION, actor_for(Role.DISPATCHER), NOW)
    assert case.suspended_since == NOW
    later = NOW + timedelta(hours=5)
    with pytest.raises(InvalidInput, match="shifted deadline"):
        case.act(Action.RESUME, actor_for(Role.HANDLER), later, {"new_due": case.due_at - timedelta(hours=1)})
    case.act(Action.RESUME, actor_for(Role.HANDLER), later, {"new_due": case.due_at + timedelta(hours=5)})
    assert case.suspended_since is None and case.due_at == NOW + timedelta(days=1, hours=5)
    assert [e.action for e in case.new_entries] == ["request_suspension", "approve_suspension", "resume"]


def test_supervision_needs_a_future_deadline():
    case = case_in(CaseStatus.IN_PROGRESS, Action.SUPERVISE)
    with pytest.raises(InvalidInput, match="future"):
        case.act(Action.SUPERVISE, actor_for(Role.LEADER), NOW, {"reason": "督办", "due_at": NOW})
    case.act(Action.SUPERVISE, actor_for(Role.LEADER), NOW, {"reason": "督办", "due_at": NOW + timedelta(hours=4)})
    assert case.supervisions[0]["note"] == "督办"
