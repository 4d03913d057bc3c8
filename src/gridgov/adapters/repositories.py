"""Repositories over one SQLAlchemy connection: rows in, domain objects out, and back.

Each repository is used inside a unit of work (adapters/unit_of_work.py) that owns the transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from gridgov.adapters import tables as t
from gridgov.domain.cases import Case, Extension, TimelineEntry
from gridgov.domain.directory import UnitRecord, UserRecord
from gridgov.domain.errors import StaleVersion
from gridgov.domain.roles import Role
from gridgov.domain.taxonomy import Channel, Grade
from gridgov.domain.workflow import CaseStatus

_CASE_FIELDS = [
    "id", "description", "lon", "lat", "address", "category", "grade", "channel", "grid_code",
    "reporter_id", "reporter_name", "reporter_phone", "photos", "status", "unit_id", "reported_at",
    "accepted_at", "dispatched_at", "due_at", "handled_at", "closed_at", "result", "result_photos",
    "rating", "rating_comment", "rework_count", "return_count", "version", "updated_at",
    "sensitive", "report_count", "triaged_at", "triage_reason", "triage",
    "ladder", "time_limit", "suspended_since", "pending_suspension", "supervisions", "source_ref",
    "timer_plan",
]  # fmt: skip


def case_to_row(case: Case) -> dict[str, Any]:
    row = {name: getattr(case, name) for name in _CASE_FIELDS}
    row["grade"] = int(case.grade)
    row["channel"] = str(case.channel)
    row["status"] = str(case.status)
    ext = case.pending_extension
    row["pending_extension"] = (
        None
        if ext is None
        else {
            "requested_due": ext.requested_due.isoformat(),
            "reason": ext.reason,
            "requested_by": ext.requested_by,
            "requested_at": ext.requested_at.isoformat(),
        }
    )
    return row


def case_from_row(row: Any) -> Case:
    m = dict(row._mapping)
    ext = m.pop("pending_extension")
    case = Case(**{k: m[k] for k in _CASE_FIELDS})
    case.grade = Grade(m["grade"])
    case.channel = Channel(m["channel"])
    case.status = CaseStatus(m["status"])
    case.photos = list(m["photos"] or [])
    case.supervisions = list(m["supervisions"] or [])
    case.result_photos = list(m["result_photos"] or [])
    if ext:
        case.pending_extension = Extension(
            requested_due=datetime.fromisoformat(ext["requested_due"]),
            reason=ext["reason"],
            requested_by=ext["requested_by"],
            requested_at=datetime.fromisoformat(ext["requested_at"]),
        )
    return case


def _entry_row(case_id: str, e: TimelineEntry) -> dict[str, Any]:
    return {
        "case_id": case_id,
        "at": e.at,
        "actor_id": e.actor_id,
        "actor_role": e.actor_role,
        "actor_name": e.actor_name,
        "action": e.action,
        "from_status": e.from_status,
        "to_status": e.to_status,
        "reason": e.reason,
        "data": e.data,
    }


# Statements built once: SQLAlchemy then reuses their compiled form, which keeps a transition to a few
# hundred microseconds (bench/lifecycle.py).
_SELECT_CASE = select(t.cases).where(t.cases.c.id == bindparam("case_id"))
_SELECT_CASE_FOR_UPDATE = _SELECT_CASE.with_for_update()
_INSERT_CASE = insert(t.cases)
_UPDATE_CASE = update(t.cases).where(
    t.cases.c.id == bindparam("where_id"), t.cases.c.version == bindparam("where_version")
)
_INSERT_ENTRIES = insert(t.case_timeline)
_MISSING = object()


def link_photos(conn: Connection, kind: str, ref: str, photo_ids: set[str]) -> None:
    """Record that `kind:ref` (a user, a case) shows these photos; links already there are kept."""
    link = t.photo_links.c
    known = set(
        conn.execute(
            select(link.photo_id).where(link.kind == kind, link.ref == ref, link.photo_id.in_(sorted(photo_ids)))
        ).scalars()
    )
    rows = [{"photo_id": p, "kind": kind, "ref": ref} for p in sorted(photo_ids - known)]
    if rows:
        conn.execute(insert(t.photo_links), rows)


def _photo_ids(row: dict[str, Any]) -> set[str]:
    return {p for key in ("photos", "result_photos") for p in (row.get(key) or ()) if isinstance(p, str)}


class CaseRepository:
    """Loads cases without their timeline and saves them with an optimistic version check."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.seen: dict[str, Case] = {}
        self._loaded_version: dict[str, int | None] = {}
        self._loaded_row: dict[str, dict[str, Any]] = {}

    def add(self, case: Case) -> None:
        self.seen[case.id] = case
        self._loaded_version[case.id] = None

    def get(self, case_id: str, *, for_update: bool = False) -> Case | None:
        if case_id in self.seen:  # one object per case per unit of work: changes are never lost
            return self.seen[case_id]
        locking = for_update and self.conn.dialect.name == "postgresql"
        row = self.conn.execute(_SELECT_CASE_FOR_UPDATE if locking else _SELECT_CASE, {"case_id": case_id}).first()
        if row is None:
            return None
        case = case_from_row(row)
        self.seen[case.id] = case
        self._loaded_version[case.id] = case.version
        self._loaded_row[case.id] = case_to_row(case)
        return case

    def try_lock(self, case_id: str) -> bool:
        """Lock the case's row unless another transaction holds it (PostgreSQL, SKIP LOCKED): a ticker
        then leaves that case for now instead of queueing behind it. SQLite writers queue anyway."""
        if self.conn.dialect.name != "postgresql":
            return True
        query = select(t.cases.c.id).where(t.cases.c.id == case_id).with_for_update(skip_locked=True)
        return self.conn.execute(query).first() is not None

    def flush(self) -> None:
        """Write every changed case: insert new ones, update loaded ones if nobody else changed them."""
        for case_id, case in self.seen.items():
            loaded = self._loaded_version[case_id]
            row = case_to_row(case)
            if loaded is None:
                self.conn.execute(_INSERT_CASE, [row])
            else:
                # Only the columns that changed: SQLite and PostgreSQL then leave the other indexes alone.
                before = self._loaded_row.get(case_id, {})
                changed = {k: v for k, v in row.items() if k != "id" and before.get(k, _MISSING) != v}
                if changed:
                    result = self.conn.execute(_UPDATE_CASE, {**changed, "where_id": case_id, "where_version": loaded})
                    if result.rowcount != 1:
                        raise StaleVersion(f"case {case_id} was changed by someone else; reload it and try again")
            before_photos = set() if loaded is None else _photo_ids(self._loaded_row.get(case_id, {}))
            new_photos = _photo_ids(row) - before_photos
            if new_photos:
                self._link_photos(case_id, new_photos)
            self._loaded_row[case_id] = row
            if case.new_entries:
                self.conn.execute(_INSERT_ENTRIES, [_entry_row(case_id, e) for e in case.new_entries])
                case.new_entries.clear()
            self._loaded_version[case_id] = case.version

    def _link_photos(self, case_id: str, photo_ids: set[str]) -> None:
        link_photos(self.conn, "case", case_id, photo_ids)

    def collect_events(self) -> list:
        out = []
        for case in self.seen.values():
            out.extend(case.events)
            case.events.clear()
        return out


class UnitRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, unit_id: str) -> UnitRecord | None:
        row = self.conn.execute(select(t.units).where(t.units.c.id == unit_id)).first()
        return UnitRecord(**row._mapping) if row else None

    def list(self) -> list[UnitRecord]:
        return [UnitRecord(**r._mapping) for r in self.conn.execute(select(t.units).order_by(t.units.c.id))]

    def add(self, unit: UnitRecord) -> None:
        self.conn.execute(insert(t.units), [vars(unit)])


class UserRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def _one(self, where) -> UserRecord | None:
        row = self.conn.execute(select(t.users).where(where)).first()
        if row is None:
            return None
        m = dict(row._mapping)
        m["role"] = Role(m["role"])
        return UserRecord(**m)

    def get(self, user_id: str) -> UserRecord | None:
        return self._one(t.users.c.id == user_id)

    def by_username(self, username: str) -> UserRecord | None:
        return self._one(t.users.c.username == username)

    def add(self, user: UserRecord) -> None:
        row = vars(user).copy()
        row["role"] = str(user.role)
        self.conn.execute(insert(t.users), [row])

    def list(self) -> list[UserRecord]:
        rows = self.conn.execute(select(t.users).order_by(t.users.c.username))
        return [UserRecord(**{**r._mapping, "role": Role(r.role)}) for r in rows]

    def members_of(self, unit_id: str) -> list[UserRecord]:
        return [u for u in self.list() if u.unit_id == unit_id]

    def for_token(self, user_id: str, jtis: tuple[str, ...]) -> tuple[UserRecord | None, bool]:
        """The account behind a token and whether any of its ids (the token's, a ticket's parent's) is
        revoked, in one indexed read: every authenticated request pays for this, so it stays one query."""
        revoked = select(t.revoked_tokens.c.jti).where(t.revoked_tokens.c.jti.in_(jtis)).exists()
        row = self.conn.execute(select(t.users, revoked.label("revoked")).where(t.users.c.id == user_id)).first()
        if row is None:
            return None, False
        m = dict(row._mapping)
        is_revoked = bool(m.pop("revoked"))
        m["role"] = Role(m["role"])
        return UserRecord(**m), is_revoked

    def update(self, user_id: str, **values: Any) -> None:
        if "role" in values:
            values["role"] = str(values["role"])
        self.conn.execute(update(t.users).where(t.users.c.id == user_id).values(**values))

    def end_sessions(self, user_id: str) -> None:
        """Every token of the account stops working (a new token generation)."""
        self.conn.execute(
            update(t.users).where(t.users.c.id == user_id).values(token_generation=t.users.c.token_generation + 1)
        )


class GridRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def rows(self) -> list[dict[str, Any]]:
        return [dict(r._mapping) for r in self.conn.execute(select(t.grid_nodes).order_by(t.grid_nodes.c.code))]

    def exists(self, code: str) -> bool:
        return self.conn.execute(select(t.grid_nodes.c.code).where(t.grid_nodes.c.code == code)).first() is not None

    def replace_all(self, rows: list[dict[str, Any]]) -> None:
        self.conn.execute(t.grid_nodes.delete())
        if rows:
            self.conn.execute(insert(t.grid_nodes), rows)


class IdempotencyRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, user_id: str, key: str) -> dict[str, Any] | None:
        row = self.conn.execute(
            select(t.idempotency_keys).where(
                t.idempotency_keys.c.user_id == user_id, t.idempotency_keys.c.key == key
            )
        ).first()
        return dict(row._mapping) if row else None

    def put(self, user_id: str, key: str, request_hash: str, status_code: int, response: Any, now: datetime) -> None:
        self.conn.execute(
            insert(t.idempotency_keys),
            [
                {
                    "user_id": user_id,
                    "key": key,
                    "request_hash": request_hash,
                    "status_code": status_code,
                    "response": response,
                    "created_at": now,
                }
            ],
        )


class AuditRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def record(
        self,
        *,
        at: datetime,
        user_id: str,
        role: str,
        action: str,
        subject_type: str,
        subject_id: str,
        fields: list[str],
        purpose: str | None = None,
    ) -> None:
        self.conn.execute(
            insert(t.audit_log),
            [
                {
                    "at": at,
                    "user_id": user_id,
                    "role": role,
                    "action": action,
                    "subject_type": subject_type,
                    "subject_id": subject_id,
                    "fields": fields,
                    "purpose": purpose,
                }
            ],
        )


class PhotoRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, photo_id: str) -> dict[str, Any] | None:
        row = self.conn.execute(select(t.photos).where(t.photos.c.id == photo_id)).first()
        return dict(row._mapping) if row else None

    def missing(self, ids: list[str]) -> list[str]:
        if not ids:
            return []
        found = {r.id for r in self.conn.execute(select(t.photos.c.id).where(t.photos.c.id.in_(ids)))}
        return [i for i in ids if i not in found]

    def not_uploaded_by(self, ids: list[str], user_id: str) -> list[str]:
        """Of these photo ids, those this user did not upload (or that do not exist): a report or a
        result may show only its author's own uploads, so a photo id learned elsewhere opens nothing."""
        if not ids:
            return []
        link = t.photo_links.c
        mine = set(
            self.conn.execute(
                select(link.photo_id).where(link.kind == "user", link.ref == user_id, link.photo_id.in_(ids))
            ).scalars()
        )
        return [i for i in ids if i not in mine]

    def add(self, row: dict[str, Any]) -> None:
        if self.get(row["id"]) is None:
            self.conn.execute(insert(t.photos), [row])
        link_photos(self.conn, "user", row["uploaded_by"], {row["id"]})


class CategoryRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    _cached: tuple[tuple, Any] = ((), None)  # (the rows read last, the table built from them)

    def table(self):
        """The table as stored now. Triage asks for it on every case, so the objects built from the
        rows are reused while the rows are unchanged (compared in full: safe across processes)."""
        from gridgov.domain.taxonomy import Category, CategoryTable, Grade

        rows = tuple(tuple(r) for r in self.conn.execute(select(t.categories).order_by(t.categories.c.code)))
        cached_rows, cached = CategoryRepository._cached
        if cached is not None and rows == cached_rows:
            return cached
        columns = [c.name for c in t.categories.columns]
        records = [dict(zip(columns, r, strict=True)) for r in rows]
        table = CategoryTable([Category(**{**rec, "grade": Grade(rec["grade"])}) for rec in records])
        CategoryRepository._cached = (rows, table)
        return table

    def replace_all(self, table) -> None:
        self.conn.execute(t.categories.delete())
        self.conn.execute(
            insert(t.categories),
            [{**vars(c), "grade": int(c.grade)} for c in table],
        )

    def empty(self) -> bool:
        return self.conn.execute(select(t.categories.c.code).limit(1)).first() is None


class RuleRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def list(self):
        from gridgov.domain.responsibility import rule_from_dict

        rows = self.conn.execute(select(t.routing_rules).order_by(t.routing_rules.c.priority, t.routing_rules.c.code))
        return [rule_from_dict(dict(r._mapping)) for r in rows]

    def get(self, code: str):
        return next((r for r in self.list() if r.code == code), None)

    def upsert(self, rule) -> None:
        self.conn.execute(t.routing_rules.delete().where(t.routing_rules.c.code == rule.code))
        self.conn.execute(insert(t.routing_rules), [vars(rule)])

    def delete(self, code: str) -> bool:
        return self.conn.execute(t.routing_rules.delete().where(t.routing_rules.c.code == code)).rowcount > 0

    def empty(self) -> bool:
        return self.conn.execute(select(t.routing_rules.c.code).limit(1)).first() is None


_TIMERS_OF_CASE = select(t.case_timers).where(t.case_timers.c.case_id == bindparam("case_id"))
_TIMER_KEYS_OF_CASE = select(t.case_timers.c.key, t.case_timers.c.due_at, t.case_timers.c.fired_at).where(
    t.case_timers.c.case_id == bindparam("case_id")
)
_DELETE_TIMERS = t.case_timers.delete().where(
    t.case_timers.c.case_id == bindparam("case_id"), t.case_timers.c.key.in_(bindparam("keys", expanding=True))
)
_INSERT_TIMERS = insert(t.case_timers)


class TimerRepository:
    """Durable timers of cases. The sweep claims due rows with SKIP LOCKED on PostgreSQL, so several
    tickers share the work and no timer is taken twice."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def for_case(self, case_id: str) -> list[dict[str, Any]]:
        return [dict(r._mapping) for r in self.conn.execute(_TIMERS_OF_CASE, {"case_id": case_id})]

    def replace_pending(self, case_id: str, planned: list[dict[str, Any]]) -> None:
        """Unfired timers become exactly `planned`; fired ones stay (a key that fired never comes back)."""
        existing = {r.key: r for r in self.conn.execute(_TIMER_KEYS_OF_CASE, {"case_id": case_id})}
        wanted = {p["key"]: p for p in planned}
        stale = [k for k, r in existing.items() if r.fired_at is None and (k not in wanted or r.due_at != wanted[k]["due_at"])]
        if stale:
            self.conn.execute(_DELETE_TIMERS, {"case_id": case_id, "keys": stale})
        fresh = [{"case_id": case_id, **p} for k, p in wanted.items() if k not in existing or k in stale]
        if fresh:
            self.conn.execute(_INSERT_TIMERS, fresh)

    def due(self, now: datetime, limit: int) -> list[dict[str, Any]]:
        """Due, unfired, unparked timers (id and case), earliest first; `claim` takes each one."""
        c = t.case_timers.c
        query = select(c.id, c.case_id).where(c.fired_at.is_(None), c.parked_at.is_(None), c.due_at <= now)
        return [dict(r._mapping) for r in self.conn.execute(query.order_by(c.due_at, c.id).limit(limit))]

    def claim(self, timer_id: int, now: datetime) -> dict[str, Any] | None:
        """The timer, locked for this transaction, if it is still due and nobody else holds it."""
        c = t.case_timers.c
        query = select(t.case_timers).where(c.id == timer_id, c.fired_at.is_(None), c.parked_at.is_(None), c.due_at <= now)
        if self.conn.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        row = self.conn.execute(query).first()
        return dict(row._mapping) if row else None

    def mark_fired(self, timer_id: int, now: datetime) -> None:
        self.conn.execute(update(t.case_timers).where(t.case_timers.c.id == timer_id).values(fired_at=now))

    def record_failure(self, timer_id: int, error: str, now: datetime, *, park_after: int) -> None:
        """Count a failed firing; the `park_after`-th one parks the timer until an admin retries it."""
        from sqlalchemy import case as when

        c = t.case_timers.c
        self.conn.execute(
            update(t.case_timers)
            .where(c.id == timer_id, c.fired_at.is_(None))
            .values(attempts=c.attempts + 1, last_error=error, parked_at=when((c.attempts + 1 >= park_after, now), else_=None))
        )

    def next_due(self) -> datetime | None:
        from sqlalchemy import func

        c = t.case_timers.c
        return self.conn.execute(select(func.min(c.due_at)).where(c.fired_at.is_(None), c.parked_at.is_(None))).scalar()


class DeviceRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, device_id: str) -> dict[str, Any] | None:
        row = self.conn.execute(select(t.devices).where(t.devices.c.id == device_id)).first()
        return dict(row._mapping) if row else None

    def list(self) -> list[dict[str, Any]]:
        return [dict(r._mapping) for r in self.conn.execute(select(t.devices).order_by(t.devices.c.id))]

    def put(self, row: dict[str, Any]) -> None:
        self.conn.execute(t.devices.delete().where(t.devices.c.id == row["id"]))
        self.conn.execute(insert(t.devices), [row])


class OpenCaseFinder:
    """Open cases that a new report may join: same source (device and event kind) or same category
    nearby and recent."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def by_source(self, source_ref: str, since: datetime) -> str | None:
        from gridgov.domain.workflow import OPEN_STATUSES

        c = t.cases.c
        return self.conn.execute(
            select(c.id).where(c.source_ref == source_ref, c.status.in_([s.value for s in OPEN_STATUSES]), c.reported_at >= since)
            .order_by(c.reported_at.desc()).limit(1)
        ).scalar()  # fmt: skip

    def nearby(self, category: str, lon: float, lat: float, meters: float, since: datetime) -> str | None:
        import math

        from gridgov.domain.workflow import OPEN_STATUSES

        c = t.cases.c
        dlat = meters / 111_000
        dlon = meters / (111_000 * max(0.1, math.cos(math.radians(lat))))
        rows = self.conn.execute(
            select(c.id, c.lon, c.lat).where(
                c.category == category, c.status.in_([s.value for s in OPEN_STATUSES]), c.reported_at >= since,
                c.lon.between(lon - dlon, lon + dlon), c.lat.between(lat - dlat, lat + dlat),
            ).order_by(c.reported_at.desc())
        ).fetchall()  # fmt: skip
        for row in rows:
            if math.hypot((row.lon - lon) / dlon, (row.lat - lat) / dlat) <= 1.0:
                return row.id
        return None


class ApiKeyRepository:
    """Integration keys, found by the sha256 of the presented key (the key itself is never stored)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, row: dict[str, Any]) -> None:
        self.conn.execute(insert(t.api_keys), [row])

    def by_hash(self, key_hash: str) -> dict[str, Any] | None:
        row = self.conn.execute(select(t.api_keys).where(t.api_keys.c.key_hash == key_hash)).first()
        return dict(row._mapping) if row else None

    def list(self) -> list[dict[str, Any]]:
        return [dict(r._mapping) for r in self.conn.execute(select(t.api_keys).order_by(t.api_keys.c.created_at))]

    def update(self, key_id: str, **values: Any) -> bool:
        return self.conn.execute(update(t.api_keys).where(t.api_keys.c.id == key_id).values(**values)).rowcount == 1
