"""Local working-calendar overrides an admin uploads (holidays, 调休 workdays, office hours): validated
whole, kept in the database (one row, replacing any earlier upload) with the shared version bumped, so
every process applies them within `shared_state_poll_seconds`."""

from __future__ import annotations

from sqlalchemy import insert

from gridgov.adapters import tables as t
from gridgov.adapters.calendar_source import apply_overrides, official_calendar, parse_overrides
from gridgov.services.shared_state import CALENDAR, bump


def save_overrides(uow, text: str, now, policy) -> dict:
    """Parse (InvalidInput on any problem, nothing stored), store, and apply in this process at once."""
    overrides = parse_overrides(text)
    uow.conn.execute(t.calendar_overrides.delete().where(t.calendar_overrides.c.name == "local"))
    uow.conn.execute(insert(t.calendar_overrides).values(name="local", text=text, updated_at=now))
    bump(uow.conn, CALENDAR, now)
    uow.commit()
    policy.calendar = apply_overrides(official_calendar(), overrides)
    return overrides
