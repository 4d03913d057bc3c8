"""Who acts on the platform (角色), and the actor value passed with every command."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    RESIDENT = "resident"
    GRID_WORKER = "grid_worker"
    ENTITY_STAFF = "entity_staff"
    HANDLER = "handler"
    DISPATCHER = "dispatcher"
    SUPERVISOR = "supervisor"
    LEADER = "leader"
    ADMIN = "admin"
    SYSTEM = "system"

    @property
    def label_zh(self) -> str:
        return _ROLE_LABELS[self]


_ROLE_LABELS = {
    Role.RESIDENT: "居民",
    Role.GRID_WORKER: "网格员",
    Role.ENTITY_STAFF: "社会主体人员",
    Role.HANDLER: "部门处置人员",
    Role.DISPATCHER: "指挥中心派遣员",
    Role.SUPERVISOR: "监督中心核查员",
    Role.LEADER: "领导",
    Role.ADMIN: "系统管理员",
    Role.SYSTEM: "系统",
}

# Roles that act for a unit: they see and work the cases assigned to their unit.
UNIT_ROLES = frozenset({Role.HANDLER, Role.ENTITY_STAFF})
# Roles of the governance center: they see every case in their grid scope (the whole district if unset).
CENTER_ROLES = frozenset({Role.DISPATCHER, Role.SUPERVISOR, Role.LEADER, Role.ADMIN, Role.SYSTEM})


@dataclass(frozen=True)
class Actor:
    """The authenticated caller: identity, role, the unit they belong to and the grid subtree they cover.

    `grid_code` of None means no territorial limit (a district-level center user).
    """

    user_id: str
    role: Role
    name: str = ""
    unit_id: str | None = None
    grid_code: str | None = None
    extra_units: frozenset[str] = field(default_factory=frozenset)

    @property
    def unit_ids(self) -> frozenset[str]:
        return self.extra_units | ({self.unit_id} if self.unit_id else frozenset())


SYSTEM_ACTOR = Actor(user_id="system", role=Role.SYSTEM, name="gridgov")
