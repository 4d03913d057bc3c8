"""Escalation ladders as data an admin can change: the shipped defaults plus `<data_dir>/ladders.json`.

A ladder is checked against the district before it is accepted: a step aimed at a unit type must find
such a unit covering the scope the ladder is for (the whole district by default), so no step can fire
at nobody.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gridgov.domain.errors import Forbidden, InvalidInput
from gridgov.domain.escalation import DEFAULT_LADDERS, Ladder, ladder_from_dict
from gridgov.domain.roles import Role
from gridgov.domain.scope import in_subtree


def ladder_to_dict(ladder: Ladder) -> dict[str, Any]:
    return {
        "code": ladder.code,
        "name": ladder.name,
        "steps": [
            {"after": str(s.after), "anchor": s.anchor, "action": s.action.value,
             "target": {"kind": s.target.kind, "value": s.target.value}, "note": s.note}
            for s in ladder.steps
        ],
    }  # fmt: skip


def unit_types_covering(units, scope: str | None) -> set[str]:
    """Unit types that some active unit provides for the whole scope (or anywhere, without a scope)."""
    out = set()
    for unit in units:
        if not unit.active:
            continue
        if scope is None or any(scope.startswith(code) for code in unit.grid_codes):
            out.add(unit.unit_type)
    return out


def load_ladders(path: Path) -> dict[str, Ladder]:
    ladders = dict(DEFAULT_LADDERS)
    if path.exists():
        for item in json.loads(path.read_text(encoding="utf-8")):
            ladders[item["code"]] = ladder_from_dict(item)
    return ladders


def save_ladder(platform, actor, data: dict[str, Any], scope: str | None) -> Ladder:
    if actor.role not in (Role.ADMIN, Role.SYSTEM):
        raise Forbidden("only an administrator changes escalation ladders")
    if scope is not None and platform.grids.get(scope) is None:
        raise InvalidInput(f"unknown grid {scope!r}")
    with platform.uow() as uow:
        units, users = uow.units.list(), uow.users.list()
    ladder = ladder_from_dict(data, known_unit_types=unit_types_covering(units, scope))
    missing = [
        f"steps[{step.index}].target: nobody has the role {step.target.value!r} for grid {scope or 'the district'}"
        for step in ladder.steps
        if step.target.kind == "role"
        and not any(u.active and u.role.value == step.target.value and in_subtree(scope, u.grid_code) for u in users)
    ]
    if missing:
        raise InvalidInput(f"ladder {ladder.code} is not valid: " + "; ".join(missing), problems=missing)
    path = platform.settings.data_dir / "ladders.json"
    stored = json.loads(path.read_text(encoding="utf-8")) if path.exists() else []
    stored = [item for item in stored if item.get("code") != ladder.code] + [ladder_to_dict(ladder)]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(stored, ensure_ascii=False, indent=1), encoding="utf-8")
    platform.policy.ladders = {**platform.policy.ladders, ladder.code: ladder}
    return ladder
