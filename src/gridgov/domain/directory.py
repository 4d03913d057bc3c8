"""The directory: units that act on cases and the people who log in.

Units are government departments (城管, 住建, 环保, 水务, 消防 …) and social entities (物业 property
companies, merchants, 楼栋长 building heads, sanitation contractors …); `grid_codes` is their jurisdiction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from gridgov.domain.roles import Actor, Role

UNIT_KINDS = ("department", "social_entity")


@dataclass
class UnitRecord:
    id: str
    name: str
    kind: str
    unit_type: str
    phone: str | None = None
    grid_codes: list[str] = field(default_factory=list)
    active: bool = True


@dataclass
class UserRecord:
    id: str
    username: str
    display_name: str
    role: Role
    password_hash: str
    unit_id: str | None
    grid_code: str | None
    phone: str | None
    active: bool
    created_at: datetime
    token_generation: int = 0  # tokens issued under an older generation no longer work

    def as_actor(self) -> Actor:
        return Actor(
            user_id=self.id, role=self.role, name=self.display_name, unit_id=self.unit_id, grid_code=self.grid_code
        )
