"""What one report costs the database, step by step from `POST /api/v1/cases` to the case on the wall:
the SQL statements and transactions of each step, counted by SQLAlchemy's own events (not estimated).

The steps are the path docs/architecture.md describes: the request (auth, report command), the relay's
pass that delivers CaseReported to triage, triage's own command (classify, place, route, dispatch),
the relay's pass for the events triage wrote (notifications), and the live feed's read. The baseline is
the bare insert of the rows the report leaves behind (one case, its timeline entries, its events) in
one transaction, counted the same way.

    .venv/bin/python bench/statements.py [--backend sqlite|postgres] [--reports 20]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.databases import database_url  # noqa: E402

from gridgov.adapters.clock import SystemClock  # noqa: E402
from gridgov.api.app import create_app  # noqa: E402
from gridgov.bootstrap import bootstrap  # noqa: E402
from gridgov.domain.commands import CreateUnit  # noqa: E402
from gridgov.domain.roles import SYSTEM_ACTOR  # noqa: E402
from gridgov.queries.feed import FeedCursor, last_event_id  # noqa: E402
from tests.conftest import PASSWORD, make_settings, point_in, populate  # noqa: E402


class Meter:
    """Counts statements by their first word, and transactions (COMMIT / ROLLBACK) on an engine."""

    def __init__(self, engine) -> None:
        self.counts: Counter[str] = Counter()
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "commit", lambda conn: self.counts.update(["COMMIT"]))
        event.listen(engine, "rollback", lambda conn: self.counts.update(["ROLLBACK"]))

    def _statement(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.counts[statement.lstrip().split(None, 1)[0].upper()] += 1

    def take(self) -> Counter[str]:
        out, self.counts = self.counts, Counter()
        return out


def _fmt(counts: Counter[str], n: int) -> str:
    statements = sum(v for k, v in counts.items() if k not in ("COMMIT", "ROLLBACK"))
    kinds = ", ".join(f"{k} {v / n:.1f}" for k, v in sorted(counts.items()) if k not in ("COMMIT", "ROLLBACK"))
    return f"{statements / n:5.1f} statements, {counts['COMMIT'] / n:.1f} commits ({kinds})"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--reports", type=int, default=20)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp, database_url(args.backend) as url:
        run(args.backend, args.reports, Path(tmp), url)


def run(backend: str, n: int, tmp: Path, url: str | None) -> None:
    platform = bootstrap(make_settings(tmp, url), clock=SystemClock())
    populate(platform)
    street = next(n for n in platform.grids.tree if str(n.level) == "street")
    # the test district lacks the unit the garbage rule names: add it, so triage dispatches by itself
    platform.bus.handle(CreateUnit(SYSTEM_ACTOR, "hw-1", "莲花街道环卫所", "department", "sanitation", (street.code,)))
    app = create_app(platform=platform, run_relay=False)
    meter = Meter(platform.engine)
    steps: dict[str, Counter[str]] = {name: Counter() for name in ("request", "relay: triage", "relay: notices", "live feed read")}
    with TestClient(app) as client:
        token = client.post("/api/v1/auth/token", data={"username": "ann", "password": PASSWORD}).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        for i in range(n):
            lon, lat, _ = point_in(platform, "grid", i % 20)
            cursor = FeedCursor(last_event_id(platform.engine))
            meter.take()
            r = client.post("/api/v1/cases", json={"description": f"小区门口垃圾桶满溢 {i}", "lon": lon, "lat": lat}, headers=headers)
            assert r.status_code == 201, r.text
            steps["request"] += meter.take()
            platform.relay.deliver_pending()  # CaseReported -> triage (its own command and transaction)
            steps["relay: triage"] += meter.take()
            platform.relay.deliver_pending()  # what triage wrote -> notifications
            steps["relay: notices"] += meter.take()
            cursor.read(platform.engine)
            steps["live feed read"] += meter.take()
    baseline = _bare_insert(platform, meter, r.json()["id"])
    with platform.engine.connect() as conn:
        from sqlalchemy import select

        from gridgov.adapters import tables as t

        statuses = Counter(conn.execute(select(t.cases.c.status).where(t.cases.c.reporter_id != "")).scalars())
    print(f"backend {backend}, {n} resident reports through the API (mean per report); after triage: {dict(statuses)}")
    total: Counter[str] = Counter()
    for name, counts in steps.items():
        total += counts
        print(f"  {name:16s} {_fmt(counts, n)}")
    print(f"  {'all':16s} {_fmt(total, n)}")
    print(f"  {'bare insert':16s} {_fmt(baseline, 1)}  (the rows one report leaves: case, timeline, events)")
    statements = sum(v for k, v in total.items() if k not in ("COMMIT", "ROLLBACK")) / n
    floor = sum(v for k, v in baseline.items() if k not in ("COMMIT", "ROLLBACK"))
    print(f"ratio: {statements / floor:.1f}x the statements of the bare insert")
    platform.engine.dispose()


def _bare_insert(platform, meter, case_id: str) -> Counter[str]:
    """Insert a copy of one finished report's rows (case, timeline entries, outbox events) with plain
    Core statements in one transaction, counted like the rest, then roll it back."""
    from sqlalchemy import insert, select

    from gridgov.adapters import tables as t

    with platform.engine.connect() as conn:
        case = dict(conn.execute(select(t.cases).where(t.cases.c.id == case_id)).one()._mapping)
        entries = [dict(r._mapping) for r in conn.execute(select(t.case_timeline).where(t.case_timeline.c.case_id == case_id))]
        events = [dict(r._mapping) for r in conn.execute(select(t.outbox).order_by(t.outbox.c.id.desc()).limit(len(entries)))]
    copy_id = "BARE" + case_id[4:]
    meter.take()
    with platform.engine.connect() as conn:
        tx = conn.begin()
        conn.execute(insert(t.cases), [{**case, "id": copy_id}])
        conn.execute(insert(t.case_timeline), [{**{k: v for k, v in e.items() if k != "id"}, "case_id": copy_id} for e in entries])
        conn.execute(insert(t.outbox), [{k: v for k, v in e.items() if k != "id"} for e in events])
        tx.rollback()
    counts = meter.take()
    counts["COMMIT"] += 1  # a real insert would commit once; the copy is rolled back instead
    counts["ROLLBACK"] = 0
    return counts


if __name__ == "__main__":
    main()
