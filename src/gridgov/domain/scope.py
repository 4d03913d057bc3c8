"""Data scope (数据权限): which cases a user may see.

Grid codes nest by prefix (a grid's code starts with its community's, which starts with its street's),
so "in my grid subtree" is a prefix test here and a LIKE 'code%' in SQL (queries/cases.py).
"""

from __future__ import annotations

from gridgov.domain.roles import CENTER_ROLES, UNIT_ROLES, Actor, Role


def in_subtree(grid_code: str | None, root: str | None) -> bool:
    if root is None:
        return True
    return grid_code is not None and grid_code.startswith(root)


def can_see_case(actor: Actor, *, grid_code: str | None, unit_id: str | None, reporter_id: str) -> bool:
    if reporter_id == actor.user_id:
        return True
    if actor.role in CENTER_ROLES:
        return in_subtree(grid_code, actor.grid_code)
    if actor.role is Role.GRID_WORKER:
        return actor.grid_code is not None and in_subtree(grid_code, actor.grid_code)
    if actor.role in UNIT_ROLES:
        return unit_id is not None and unit_id in actor.unit_ids
    return False
