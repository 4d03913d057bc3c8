"""Case states (案件状态) and the transition table: which action moves a case from which state to which,
and which roles may take it.

The table is data so that it can be shown (API `allowed_actions`, 409 bodies) and tested exhaustively;
`Case` consults it before every change.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from gridgov.domain.roles import Role


class CaseStatus(StrEnum):
    REPORTED = "reported"  # 信息收集
    ACCEPTED = "accepted"  # 立案
    REJECTED = "rejected"  # 作废
    DISPATCHED = "dispatched"  # 派遣
    IN_PROGRESS = "in_progress"  # 处置
    RETURNED = "returned"  # 退单 (back to the dispatcher)
    HANDLED = "handled"  # 处置反馈
    VERIFIED = "verified"  # 核查通过
    CLOSED = "closed"  # 结案
    RATED = "rated"  # 评价

    @property
    def label_zh(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    CaseStatus.REPORTED: "待受理",
    CaseStatus.ACCEPTED: "已立案",
    CaseStatus.REJECTED: "已作废",
    CaseStatus.DISPATCHED: "已派遣",
    CaseStatus.IN_PROGRESS: "处置中",
    CaseStatus.RETURNED: "已退单",
    CaseStatus.HANDLED: "待核查",
    CaseStatus.VERIFIED: "核查通过",
    CaseStatus.CLOSED: "已结案",
    CaseStatus.RATED: "已评价",
}

OPEN_STATUSES = frozenset(
    {
        CaseStatus.REPORTED,
        CaseStatus.ACCEPTED,
        CaseStatus.DISPATCHED,
        CaseStatus.IN_PROGRESS,
        CaseStatus.RETURNED,
        CaseStatus.HANDLED,
        CaseStatus.VERIFIED,
    }
)


class Action(StrEnum):
    ACCEPT = "accept"  # 立案
    REJECT = "reject"  # 作废
    DISPATCH = "dispatch"  # 派遣
    CLAIM = "claim"  # unit accepts the order (签收)
    RETURN = "return"  # 退单
    HANDLE = "handle"  # 处置反馈
    VERIFY = "verify"  # 核查通过
    REWORK = "rework"  # 核查不通过, 返工
    CLOSE = "close"  # 结案
    RATE = "rate"  # 评价
    REOPEN = "reopen"  # 重新打开
    REQUEST_EXTENSION = "request_extension"  # 申请延期
    APPROVE_EXTENSION = "approve_extension"  # 批准延期
    DENY_EXTENSION = "deny_extension"  # 驳回延期
    REQUEST_SUSPENSION = "request_suspension"  # 申请挂起
    APPROVE_SUSPENSION = "approve_suspension"  # 批准挂起 (the clock stops)
    RESUME = "resume"  # 恢复 (the clock runs again; the deadline moves by the paused time)
    SUPERVISE = "supervise"  # 督办
    HANDLE_ON_SPOT = "handle_on_spot"  # 自行处置: the reporting grid worker fixed it there and then

    @property
    def label_zh(self) -> str:
        return ACTION_LABELS[self]


ACTION_LABELS = {
    Action.ACCEPT: "立案",
    Action.REJECT: "作废",
    Action.DISPATCH: "派遣",
    Action.CLAIM: "签收",
    Action.RETURN: "退单",
    Action.HANDLE: "处置反馈",
    Action.VERIFY: "核查通过",
    Action.REWORK: "返工",
    Action.CLOSE: "结案",
    Action.RATE: "评价",
    Action.REOPEN: "重新打开",
    Action.REQUEST_EXTENSION: "申请延期",
    Action.APPROVE_EXTENSION: "批准延期",
    Action.DENY_EXTENSION: "驳回延期",
    Action.REQUEST_SUSPENSION: "申请挂起",
    Action.APPROVE_SUSPENSION: "批准挂起",
    Action.RESUME: "恢复",
    Action.SUPERVISE: "督办",
    Action.HANDLE_ON_SPOT: "自行处置",
}


@dataclass(frozen=True)
class Transition:
    action: Action
    sources: frozenset[CaseStatus]
    target: CaseStatus | None  # None: the state does not change (extension requests and decisions)
    roles: frozenset[Role]
    needs_reason: bool = False


S = CaseStatus
_CENTER = frozenset({Role.DISPATCHER, Role.ADMIN, Role.SYSTEM})
_UNIT = frozenset({Role.HANDLER, Role.ENTITY_STAFF})
_VERIFIERS = frozenset({Role.SUPERVISOR, Role.ADMIN})
_REPORTERS = frozenset({Role.RESIDENT, Role.GRID_WORKER, Role.ENTITY_STAFF, Role.HANDLER})
_LEADERS = frozenset({Role.LEADER, Role.SUPERVISOR})
_WORKING = frozenset({S.DISPATCHED, S.IN_PROGRESS})
_GRID_WORKER = frozenset({Role.GRID_WORKER})

TRANSITIONS: tuple[Transition, ...] = (
    Transition(Action.ACCEPT, frozenset({S.REPORTED}), S.ACCEPTED, _CENTER),
    Transition(Action.REJECT, frozenset({S.REPORTED}), S.REJECTED, _CENTER, needs_reason=True),
    Transition(Action.DISPATCH, frozenset({S.ACCEPTED, S.RETURNED}), S.DISPATCHED, _CENTER),
    Transition(Action.CLAIM, frozenset({S.DISPATCHED}), S.IN_PROGRESS, _UNIT),
    Transition(Action.RETURN, frozenset({S.DISPATCHED, S.IN_PROGRESS}), S.RETURNED, _UNIT, needs_reason=True),
    Transition(Action.HANDLE, frozenset({S.IN_PROGRESS}), S.HANDLED, _UNIT),
    Transition(Action.VERIFY, frozenset({S.HANDLED}), S.VERIFIED, _VERIFIERS),
    Transition(Action.REWORK, frozenset({S.HANDLED}), S.IN_PROGRESS, _VERIFIERS, needs_reason=True),
    Transition(Action.CLOSE, frozenset({S.VERIFIED}), S.CLOSED, _CENTER | _VERIFIERS),
    Transition(Action.RATE, frozenset({S.CLOSED}), S.RATED, _REPORTERS),
    Transition(
        Action.REOPEN,
        frozenset({S.CLOSED, S.RATED, S.REJECTED}),
        S.ACCEPTED,
        _CENTER | _VERIFIERS,
        needs_reason=True,
    ),
    Transition(
        Action.REQUEST_EXTENSION,
        frozenset({S.DISPATCHED, S.IN_PROGRESS}),
        None,
        _UNIT,
        needs_reason=True,
    ),
    Transition(Action.APPROVE_EXTENSION, frozenset({S.DISPATCHED, S.IN_PROGRESS}), None, _CENTER | _VERIFIERS),
    Transition(
        Action.DENY_EXTENSION,
        frozenset({S.DISPATCHED, S.IN_PROGRESS}),
        None,
        _CENTER | _VERIFIERS,
        needs_reason=True,
    ),
    Transition(Action.REQUEST_SUSPENSION, _WORKING, None, _UNIT, needs_reason=True),
    Transition(Action.APPROVE_SUSPENSION, _WORKING, None, _CENTER | _VERIFIERS),
    Transition(Action.RESUME, _WORKING, None, _UNIT | _CENTER | _VERIFIERS),
    Transition(
        Action.SUPERVISE,
        frozenset({S.REPORTED, S.ACCEPTED, S.DISPATCHED, S.IN_PROGRESS, S.RETURNED, S.HANDLED}),
        None,
        _LEADERS,
        needs_reason=True,
    ),
    # 自行处置: a grid worker who solved what they report (moved the bike, found the car's owner) reports it
    # handled, skipping dispatch; it is verified like any other. Verification that fails (rework) gives it
    # back to them, in progress without a unit, and they handle it on the spot again.
    Transition(Action.HANDLE_ON_SPOT, frozenset({S.REPORTED, S.IN_PROGRESS}), S.HANDLED, _GRID_WORKER),
)

_BY_ACTION = {t.action: t for t in TRANSITIONS}


def transition_for(action: Action) -> Transition:
    return _BY_ACTION[action]


def actions_from(status: CaseStatus) -> list[Action]:
    """Every action the state allows, whoever asks (for 409 bodies)."""
    return [t.action for t in TRANSITIONS if status in t.sources]


def actions_for(status: CaseStatus, role: Role) -> list[Action]:
    """Actions this role may take in this state, before case-specific guards (unit membership, reporter)."""
    return [t.action for t in TRANSITIONS if status in t.sources and role in t.roles]
