"""Rule progress and alarms in SQL (tables telemetry_states and alarms, migration 0014).

The rule state is stored as the domain's plain data (RuleState.to_data), one row per (device, rule);
an alarm row carries `active_key` while active so the database itself keeps one active alarm per
(device, rule).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, or_, select, update

from gridgov.adapters import tables as t


class TelemetryRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def lock_device(self, device_id: str) -> dict[str, Any] | None:
        """The device row, locked for this transaction on PostgreSQL, so two readings of one device
        step its rules one after the other (SQLite serialises writers anyway)."""
        row = self.conn.execute(
            select(t.devices).where(t.devices.c.id == device_id).with_for_update()
        ).first()
        return dict(row._mapping) if row else None

    def lock_devices(self, device_ids: list[str]) -> dict[str, dict[str, Any]]:
        """The rows of these devices, locked in id order (so two batches never wait on each other in a
        circle); unknown ids are missing from the answer."""
        query = select(t.devices).where(t.devices.c.id.in_(sorted(set(device_ids)))).order_by(t.devices.c.id)
        return {r.id: dict(r._mapping) for r in self.conn.execute(query.with_for_update())}

    def states_of(self, device_ids: list[str]) -> dict[str, dict[str, dict[str, Any]]]:
        table = t.telemetry_states
        out: dict[str, dict[str, dict[str, Any]]] = {}
        for r in self.conn.execute(select(table).where(table.c.device_id.in_(sorted(set(device_ids))))):
            out.setdefault(r.device_id, {})[r.rule] = r.state
        return out

    def put_states(self, new: list[dict[str, Any]], changed: list[dict[str, Any]]) -> None:
        """Insert the first states and update the others, each in one statement of many rows."""
        table = t.telemetry_states
        if new:
            self.conn.execute(insert(table), new)
        if changed:
            where = (table.c.device_id == bindparam("b_device")) & (table.c.rule == bindparam("b_rule"))
            self.conn.execute(update(table).where(where).values(state=bindparam("b_state"), updated_at=bindparam("b_at")),
                              [{"b_device": r["device_id"], "b_rule": r["rule"], "b_state": r["state"], "b_at": r["updated_at"]}
                               for r in changed])  # fmt: skip

    def states(self, device_id: str) -> dict[str, dict[str, Any]]:
        rows = self.conn.execute(
            select(t.telemetry_states).where(t.telemetry_states.c.device_id == device_id)
        )
        return {r.rule: r.state for r in rows}

    def devices_with_state(self) -> list[str]:
        """Devices whose rules have progress stored: the ones a silence sweep judges."""
        query = select(t.telemetry_states.c.device_id).distinct().order_by(t.telemetry_states.c.device_id)
        return list(self.conn.execute(query).scalars())

    def put_state(
        self, device_id: str, rule: str, state: dict[str, Any], now: datetime, *, existed: bool
    ) -> None:
        table = t.telemetry_states
        if existed:
            where = (table.c.device_id == device_id) & (table.c.rule == rule)
            self.conn.execute(update(table).where(where).values(state=state, updated_at=now))
        else:
            self.conn.execute(
                insert(table), [{"device_id": device_id, "rule": rule, "state": state, "updated_at": now}]
            )

    def active_alarm(self, device_id: str, rule: str) -> dict[str, Any] | None:
        row = self.conn.execute(
            select(t.alarms).where(t.alarms.c.active_key == f"{device_id}:{rule}")
        ).first()
        return dict(row._mapping) if row else None

    def add_alarm(self, row: dict[str, Any]) -> None:
        self.conn.execute(insert(t.alarms), [{**row, "active_key": f"{row['device_id']}:{row['rule']}"}])

    def retrigger(self, device_id: str, rule: str, at: datetime) -> None:
        """The active alarm's condition held again: the same alarm, one trigger more."""
        where = t.alarms.c.active_key == f"{device_id}:{rule}"
        self.conn.execute(
            update(t.alarms).where(where).values(triggers=t.alarms.c.triggers + 1, last_triggered_at=at)
        )

    def update_alarm(self, alarm_id: str, **values: Any) -> None:
        if values.get("status") == "cleared":
            values["active_key"] = None
        self.conn.execute(update(t.alarms).where(t.alarms.c.id == alarm_id).values(**values))

    def get_alarm(self, alarm_id: str) -> dict[str, Any] | None:
        row = self.conn.execute(select(t.alarms).where(t.alarms.c.id == alarm_id)).first()
        return dict(row._mapping) if row else None

    def list_alarms(self, *, grid_root: str | None, status: str | None, limit: int) -> list[dict[str, Any]]:
        """Newest first; `grid_root` limits to a grid subtree (alarms of unplaced devices only without one)."""
        query = select(t.alarms).order_by(t.alarms.c.id.desc()).limit(limit)
        if grid_root is not None:
            query = query.where(
                t.alarms.c.grid_code.like(grid_root.replace("%", "").replace("_", "\\_") + "%", escape="\\")
            )
        if status is not None:
            query = query.where(t.alarms.c.status == status)
        return [dict(r._mapping) for r in self.conn.execute(query)]

    def unacknowledged_or_active(self) -> list[dict[str, Any]]:
        query = select(t.alarms).where(or_(t.alarms.c.status == "active", t.alarms.c.acknowledged.is_(False)))
        return [dict(r._mapping) for r in self.conn.execute(query)]
