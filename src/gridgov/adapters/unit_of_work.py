"""The SQL unit of work: one transaction, its repositories, and the outbox written in the same commit.

Events the aggregates recorded are inserted into `outbox` inside the transaction that changed the case,
so a crash can lose neither the change nor its event; the outbox relay (services/outbox.py) delivers
them to handlers afterwards and retries failures.
"""

from __future__ import annotations

from sqlalchemy import Engine, insert

from gridgov.adapters import account_repositories as ar
from gridgov.adapters import register_repository as reg
from gridgov.adapters import repositories as r
from gridgov.adapters import tables as t
from gridgov.adapters import telemetry_repository as tr
from gridgov.adapters.database import mark_write_transaction
from gridgov.adapters.retention import RetentionRepository

_INSERT_OUTBOX = insert(t.outbox)


class SqlUnitOfWork:
    def __init__(self, engine: Engine, clock) -> None:
        self.engine = engine
        self.clock = clock
        self.committed_events: list = []

    def __enter__(self) -> SqlUnitOfWork:
        self.conn = self.engine.connect()
        mark_write_transaction(self.conn)
        self.tx = self.conn.begin()
        self.cases = r.CaseRepository(self.conn)
        self.units = r.UnitRepository(self.conn)
        self.users = r.UserRepository(self.conn)
        self.grids = r.GridRepository(self.conn)
        self.idempotency = r.IdempotencyRepository(self.conn)
        self.audit = r.AuditRepository(self.conn)
        self.photos = r.PhotoRepository(self.conn)
        self.categories = r.CategoryRepository(self.conn)
        self.rules = r.RuleRepository(self.conn)
        self.timers = r.TimerRepository(self.conn)
        self.devices = r.DeviceRepository(self.conn)
        self.api_keys = r.ApiKeyRepository(self.conn)
        self.revoked_tokens = ar.RevokedTokenRepository(self.conn)
        self.login_throttle = ar.LoginThrottleRepository(self.conn)
        self.open_cases = r.OpenCaseFinder(self.conn)
        self.retention = RetentionRepository(self.conn)
        self.register = reg.RegisterRepository(self.conn)
        self.telemetry = tr.TelemetryRepository(self.conn)
        self.committed_events = []
        return self

    def __exit__(self, *exc) -> None:
        try:
            if self.tx.is_active:
                self.tx.rollback()
        finally:
            self.conn.close()

    def flush(self) -> None:
        self.cases.flush()

    def commit(self) -> None:
        self.cases.flush()
        events = self.cases.collect_events()
        if events:
            now = self.clock.now()
            self.conn.execute(
                _INSERT_OUTBOX,
                [
                    {
                        "event_type": e.name,
                        "case_id": getattr(e, "case_id", None),
                        "payload": e.to_dict(),
                        "created_at": now,
                        "attempts": 0,
                    }
                    for e in events
                ],
            )
        self.tx.commit()
        self.committed_events = events

    def rollback(self) -> None:
        self.tx.rollback()
