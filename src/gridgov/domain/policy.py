"""Who may do what (权限): the one home of the platform's authorization decisions.

Every "may this caller …?" outside a case's own lifecycle is answered here, so that a reader (and the
reviewed table in tests/e2e/test_authorization_matrix.py) finds all of it in one file:

- **Permissions** on things that are not one case's workflow (manage the responsibility list, see the
  wall's statistics, merge duplicates …): `GRANTS`, asked through `allowed` / `require`. The API turns
  a permission into a route dependency (`api/authz.py`); services ask again, so the CLI and workers obey
  the same table.
- **What a reporter may declare** about a new report (`check_report`): the channel it arrived by and its
  grade. A resident's phone is the resident app; only machines (with an integration key) speak for
  cameras, sensors and SOS buttons, and only trained staff set a grade, because grade 1 pages people
  at night.
- **Which cases a caller may see** is data scope (`domain/scope.py`, and its SQL twin in
  `queries/cases.py`); **which lifecycle actions a role may take** is the transition table
  (`domain/workflow.py`); **which personal fields a role sees in clear** is `domain/privacy.py`. They
  are re-exported here under one name so callers need only this module.
"""

from __future__ import annotations

from enum import StrEnum

from gridgov.domain.errors import Forbidden
from gridgov.domain.roles import Actor, Role
from gridgov.domain.scope import can_see_case
from gridgov.domain.taxonomy import Channel

__all__ = [
    "GRANTS",
    "Permission",
    "allowed",
    "can_see_case",
    "check_report",
    "permissions_of",
    "require",
    "roles_with",
]


class Permission(StrEnum):
    VIEW_STATS = "view_stats"  # the wall's overview and KPIs
    VIEW_TRIAGE = "view_triage"  # the triage queue and the routing dry run
    RESOLVE_TRIAGE = "resolve_triage"  # correct a classification and dispatch from the queue
    MERGE_CASES = "merge_cases"  # 合并 / 拆分 duplicates
    EDIT_TRIAGE_DATA = "edit_triage_data"  # category table and responsibility list (权责清单)
    EDIT_LADDERS = "edit_ladders"  # escalation ladders
    EDIT_CALENDAR = "edit_calendar"  # working-calendar overrides
    MANAGE_DIRECTORY = "manage_directory"  # units, users, the grid tree
    MANAGE_INTEGRATIONS = "manage_integrations"  # integration keys, webhooks, devices
    VIEW_DEVICES = "view_devices"
    FEED_MACHINE_CHANNELS = "feed_machine_channels"  # post camera/alarm/SOS/12345 input while logged in
    VIEW_OPERATIONS = "view_operations"  # audit log, outbox, parked work
    VIEW_REGISTER = "view_register"  # the register (人房企) of one's grid; numbers masked by role
    EDIT_REGISTER = "edit_register"  # import, register and move residents
    VIEW_ALARMS = "view_alarms"  # sensor alarms of one's grid (issue 16)
    ACKNOWLEDGE_ALARMS = "acknowledge_alarms"  # say an alarm has been seen (确认告警)


_CENTER = frozenset({Role.DISPATCHER, Role.SUPERVISOR, Role.LEADER, Role.ADMIN})
_DISPATCH = frozenset({Role.DISPATCHER, Role.ADMIN})
_ADMIN = frozenset({Role.ADMIN})

# Role.SYSTEM is the platform itself (seeding, the ticker, integration keys); it holds every permission.
GRANTS: dict[Permission, frozenset[Role]] = {
    Permission.VIEW_STATS: _CENTER,
    Permission.VIEW_TRIAGE: _CENTER,
    Permission.RESOLVE_TRIAGE: _DISPATCH,
    Permission.MERGE_CASES: _DISPATCH,
    Permission.EDIT_TRIAGE_DATA: _DISPATCH,
    Permission.EDIT_LADDERS: _ADMIN,
    Permission.EDIT_CALENDAR: _ADMIN,
    Permission.MANAGE_DIRECTORY: _ADMIN,
    Permission.MANAGE_INTEGRATIONS: _ADMIN,
    Permission.VIEW_DEVICES: _DISPATCH,
    Permission.FEED_MACHINE_CHANNELS: _DISPATCH,
    Permission.VIEW_ALARMS: _CENTER,
    Permission.ACKNOWLEDGE_ALARMS: _DISPATCH,
    Permission.VIEW_OPERATIONS: _ADMIN,
    # Grid workers collect the register of their grid (双实信息采集); the center reads it, and its dispatchers
    # correct it. Which rows each sees is the register's data scope (domain/registry.py).
    Permission.VIEW_REGISTER: _CENTER | {Role.GRID_WORKER},
    Permission.EDIT_REGISTER: _DISPATCH | {Role.GRID_WORKER},
}

_DENIAL = {
    Permission.VIEW_STATS: "only the governance center sees the statistics",
    Permission.VIEW_TRIAGE: "only the governance center sees the triage queue",
    Permission.RESOLVE_TRIAGE: "only a dispatcher or an administrator resolves triage",
    Permission.MERGE_CASES: "only the command center merges and splits cases",
    Permission.EDIT_TRIAGE_DATA: "only an administrator or the command center may edit triage data",
    Permission.EDIT_LADDERS: "only an administrator changes escalation ladders",
    Permission.EDIT_CALENDAR: "only an administrator changes the working calendar",
    Permission.MANAGE_DIRECTORY: "only an administrator may change the directory",
    Permission.MANAGE_INTEGRATIONS: "only an administrator manages integration keys, webhooks and devices",
    Permission.VIEW_DEVICES: "only a dispatcher or an administrator sees the device registry",
    Permission.FEED_MACHINE_CHANNELS: "this needs an integration key for the channel, or a dispatcher or administrator",
    Permission.VIEW_OPERATIONS: "only an administrator sees the audit log and the platform's queues",
    Permission.VIEW_REGISTER: "only grid workers and the governance center see the register",
    Permission.EDIT_REGISTER: "only grid workers, dispatchers and administrators change the register",
    Permission.VIEW_ALARMS: "only the governance center sees the sensor alarms",
    Permission.ACKNOWLEDGE_ALARMS: "only a dispatcher or an administrator acknowledges an alarm",
}


def roles_with(permission: Permission) -> frozenset[Role]:
    return GRANTS[permission] | {Role.SYSTEM}


def allowed(role: Role, permission: Permission) -> bool:
    return role in roles_with(permission)


def permissions_of(role: Role) -> list[str]:
    """Every permission the role holds, by name: what `/api/v1/auth/me` tells the pages."""
    return sorted(p.value for p in Permission if allowed(role, p))


def require(who: Actor | Role, permission: Permission) -> None:
    """Raise Forbidden (403) naming who may, unless the actor's role holds the permission."""
    if not allowed(who.role if isinstance(who, Actor) else who, permission):
        roles = ", ".join(sorted(str(r) for r in GRANTS[permission]))
        raise Forbidden(f"{_DENIAL[permission]} (roles: {roles})")


# Channels a caller may name for a report it makes itself (POST /api/v1/cases). The machine channels
# (camera, alarm, SOS, 12345, Open311) enter through their own endpoints, which set the channel; a person
# may claim one only as the command center registering such a report by hand.
_MACHINE = frozenset({Channel.CAMERA, Channel.IOT, Channel.SOS, Channel.HOTLINE, Channel.OPEN311})
REPORT_CHANNELS: dict[Role, frozenset[Channel]] = {
    Role.RESIDENT: frozenset({Channel.RESIDENT_APP}),
    Role.ENTITY_STAFF: frozenset({Channel.RESIDENT_APP}),  # 社会主体 report through the same app as residents
    Role.HANDLER: frozenset({Channel.RESIDENT_APP}),
    Role.GRID_WORKER: frozenset({Channel.GRID_APP}),
    Role.SUPERVISOR: frozenset({Channel.GRID_APP, Channel.DESK}),  # 监督员 collect cases in the field
    Role.LEADER: frozenset({Channel.DESK}),
    Role.DISPATCHER: frozenset(Channel),
    Role.ADMIN: frozenset(Channel),
    Role.SYSTEM: frozenset(Channel),
}
# The channel a role's report gets when it names none.
DEFAULT_CHANNEL: dict[Role, Channel] = {
    Role.RESIDENT: Channel.RESIDENT_APP,
    Role.ENTITY_STAFF: Channel.RESIDENT_APP,
    Role.HANDLER: Channel.RESIDENT_APP,
    Role.GRID_WORKER: Channel.GRID_APP,
    Role.SUPERVISOR: Channel.GRID_APP,
    Role.LEADER: Channel.DESK,
    Role.DISPATCHER: Channel.DESK,
    Role.ADMIN: Channel.DESK,
    Role.SYSTEM: Channel.DESK,
}
# Who may set a report's grade (分级) by hand; everyone else's reports are graded from their content.
GRADE_SETTERS = frozenset({Role.GRID_WORKER, Role.SUPERVISOR, Role.DISPATCHER, Role.LEADER, Role.ADMIN, Role.SYSTEM})


def check_report(actor: Actor, channel: Channel, grade: int | None) -> None:
    """Refuse (403) a report that claims a channel or a grade its author may not declare."""
    if channel not in REPORT_CHANNELS.get(actor.role, frozenset()):
        mine = ", ".join(sorted(REPORT_CHANNELS.get(actor.role, frozenset()))) or "none"
        why = " (machine channels take an integration key at /api/v1/intake/…)" if channel in _MACHINE else ""
        raise Forbidden(f"role {actor.role} may not report on channel {channel}{why}; yours: {mine}")
    if grade is not None and actor.role not in GRADE_SETTERS:
        raise Forbidden(f"role {actor.role} may not set a grade; the platform grades the report from its content")
