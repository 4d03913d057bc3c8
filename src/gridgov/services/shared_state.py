"""What every process of a deployment must agree on, and how each learns that it changed.

Escalation ladders, the admin's calendar overrides and the grid tree decide behaviour; they live in the
database and each process keeps a copy in memory for speed. A change bumps the row of its kind in
`shared_versions` inside the same transaction; every process compares those few numbers at most every
`shared_state_poll_seconds` (on use, without a thread of its own) and reloads only what moved. So an
API process that changes a ladder and a ticker on another machine agree within seconds, and a process
that must be sure (the ticker before a sweep, a dispatch naming an unknown ladder) asks at once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from sqlalchemy import Connection, Engine, insert, select, update

from gridgov.adapters import tables as t

log = logging.getLogger(__name__)

LADDERS, CALENDAR, GRIDS = "ladders", "calendar", "grids"


def bump(conn: Connection, name: str, now) -> None:
    """Tell every process that `name` changed; call inside the transaction that changed it."""
    v = t.shared_versions.c
    done = conn.execute(update(t.shared_versions).where(v.name == name).values(version=v.version + 1, changed_at=now)).rowcount
    if not done:
        conn.execute(insert(t.shared_versions).values(name=name, version=1, changed_at=now))


class SharedState:
    """Reloads what changed elsewhere. Loaders are registered per name and run with no lock held by
    the caller; a failed check (database briefly away) keeps the copies in memory and is logged."""

    def __init__(self, engine: Engine, poll_seconds: float, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.engine = engine
        self.poll_seconds = poll_seconds
        self._monotonic = monotonic
        self._loaders: dict[str, Callable[[], None]] = {}
        self._seen: dict[str, int] = {}
        self._checked: float | None = None
        self._lock = threading.Lock()

    def watch(self, name: str, loader: Callable[[], None]) -> None:
        self._loaders[name] = loader

    def versions(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.shared_versions.c.name, t.shared_versions.c.version)).fetchall()
            conn.rollback()
        return {row.name: row.version for row in rows}

    def load_all(self) -> None:
        """Read every watched kind of state now (at start)."""
        with self._lock:
            versions = self.versions()
            for name, loader in self._loaders.items():
                loader()
                self._seen[name] = versions.get(name, 0)
            self._checked = self._monotonic()

    def refresh(self, force: bool = False) -> set[str]:
        """Reload the kinds whose version moved; returns their names. Without `force` this costs a
        clock read until `poll_seconds` have passed, and a thread that finds another one checking does
        not wait for it (it goes on with the copies it has)."""
        if not force and self._checked is not None and self._monotonic() - self._checked < self.poll_seconds:
            return set()
        if not self._lock.acquire(blocking=force):
            return set()
        try:
            self._checked = self._monotonic()
            versions = self.versions()
            changed = {name for name in self._loaders if versions.get(name, 0) != self._seen.get(name, 0)}
            for name in changed:
                self._loaders[name]()
                self._seen[name] = versions.get(name, 0)
            return changed
        except Exception:
            log.exception("checking shared state failed; keeping the copies in memory")
            return set()
        finally:
            self._lock.release()
