"""Escalation ladders as data an admin can change: the shipped defaults plus the `escalation_ladders`
table, which every process reads (a change bumps the shared "ladders" version, so tickers and API
processes elsewhere reload within `shared_state_poll_seconds`, and a ticker before every sweep).

A ladder is checked against the district before it is accepted: a step aimed at a unit type must find
such a unit covering the scope the ladder is for (the whole district by default), so no step can fire
at nobody. Saving a ladder also re-plans the timers of the open cases on it, in the same transaction,
so a shorter or longer delay is obeyed by cases dispatched before the change too.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, insert, select

from gridgov.adapters import tables as t
from gridgov.domain import policy
from gridgov.domain.errors import InvalidInput
from gridgov.domain.escalation import DEFAULT_LADDERS, Ladder, ladder_from_dict
from gridgov.domain.scope import in_subtree
from gridgov.services import schedule
from gridgov.services.shared_state import LADDERS, bump

log = logging.getLogger(__name__)
OPEN_WORK = ("dispatched", "in_progress")  # the states whose plan holds ladder steps


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


def load_ladders(engine: Engine) -> dict[str, Ladder]:
    """The shipped ladders with the stored ones over them (a stored code replaces a shipped one)."""
    ladders = dict(DEFAULT_LADDERS)
    with engine.connect() as conn:
        rows = conn.execute(select(t.escalation_ladders).order_by(t.escalation_ladders.c.code)).fetchall()
        conn.rollback()
    for row in rows:
        try:
            ladders[row.code] = ladder_from_dict(row.definition)
        except InvalidInput:  # validated when saved; a hand-edited row must not stop every process
            log.error("stored escalation ladder %s is not valid and is ignored", row.code)
    return ladders


def import_ladder_file(conn: Connection, path: Path, now) -> int:
    """Take in `ladders.json` of a data directory from before ladders lived in the database."""
    items = json.loads(path.read_text(encoding="utf-8"))
    stored = set(conn.execute(select(t.escalation_ladders.c.code)).scalars())
    rows = [
        {"code": item["code"], "definition": ladder_to_dict(ladder_from_dict(item)), "updated_at": now}
        for item in items
        if item.get("code") not in stored
    ]
    if rows:
        conn.execute(insert(t.escalation_ladders), rows)
        bump(conn, LADDERS, now)
    return len(rows)


def save_ladder(platform, actor, data: dict[str, Any], scope: str | None) -> Ladder:
    policy.require(actor, policy.Permission.EDIT_LADDERS)
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
    now = platform.clock.now()
    ladders = {**platform.policy.ladders, ladder.code: ladder}
    with platform.uow() as uow:
        uow.conn.execute(t.escalation_ladders.delete().where(t.escalation_ladders.c.code == ladder.code))
        uow.conn.execute(insert(t.escalation_ladders).values(code=ladder.code, definition=ladder_to_dict(ladder), updated_at=now))
        bump(uow.conn, LADDERS, now)
        replan_cases_on(uow, ladder.code, schedule.DeadlinePolicy(platform.policy.calendar, ladders, platform.policy.yellow_share))
        uow.commit()
    platform.policy.ladders = ladders
    return ladder


def replan_cases_on(uow, code: str, policy) -> int:
    """Bring the pending timers of every open case on ladder `code` in line with `policy`."""
    c = t.cases.c
    on_ladder = c.ladder == code if code != "standard" else (c.ladder == code) | c.ladder.is_(None)
    ids = list(uow.conn.execute(select(c.id).where(c.status.in_(OPEN_WORK), c.suspended_since.is_(None), on_ladder)).scalars())
    for case_id in ids:
        case = uow.cases.get(case_id, for_update=True)
        if case is not None:
            schedule.sync_timers(uow, case, policy)
    return len(ids)
