"""Marking notifications read: only one's own."""

from __future__ import annotations

from sqlalchemy import update

from gridgov.adapters import tables as t
from gridgov.domain.errors import NotFound


def mark_read(uow, user_id: str, notification_id: int, now) -> None:
    n = t.notifications.c
    done = uow.conn.execute(
        update(t.notifications).where(n.id == notification_id, n.user_id == user_id).values(read_at=now)
    ).rowcount
    if not done:
        raise NotFound(f"no notification {notification_id} of yours")
    uow.commit()


def mark_all_read(uow, user_id: str, now) -> int:
    n = t.notifications.c
    done = uow.conn.execute(
        update(t.notifications).where(n.user_id == user_id, n.read_at.is_(None)).values(read_at=now)
    ).rowcount
    uow.commit()
    return done or 0
