"""How long the analytics take over a district's history: the wall's overview and the KPI table.

Synthetic cases (default 1,000,000: about Futian's two years, 947,813 events) are spread over the last
730 days of the demo district's grids, units, categories and channels, with a life that matches their
age: old cases are mostly closed (some late, some returned or reworked, some rated), the last week's
mostly open. They are bulk-loaded (COPY on PostgreSQL, executemany on SQLite) and the tables
analysed, as autovacuum would. Then, each the median of several runs, beside a plain
`SELECT COUNT(*) FROM cases` timed in the same run (the ratio says how many full counts one answer costs):

- the wall overview (`queries/stats.overview`, the last 30 days and every open case),
- the KPI table by community over the last whole month, with 同比 and 环比,
- the KPI table by month over the last twelve whole months, with 同比 and 环比.

    .venv/bin/python bench/analytics.py [--cases 1000000] [--backend sqlite|postgres|both] [--runs 5]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.databases import database_url  # noqa: E402

from gridgov.adapters import tables as t  # noqa: E402
from gridgov.adapters.clock import SystemClock  # noqa: E402
from gridgov.bootstrap import bootstrap  # noqa: E402
from gridgov.queries import stats  # noqa: E402
from gridgov.queries.kpis import kpi_table  # noqa: E402
from tests.conftest import make_settings, populate  # noqa: E402

CHANNELS = ["resident_app"] * 4 + ["grid_app"] * 3 + ["hotline_12345"] * 2 + ["ai_camera"]
COLUMNS = ("id", "description", "lon", "lat", "category", "grade", "channel", "grid_code", "reporter_id", "photos",
           "status", "unit_id", "reported_at", "accepted_at", "dispatched_at", "due_at", "handled_at", "closed_at",
           "result_photos", "rating", "rework_count", "return_count", "sensitive", "report_count", "supervisions",
           "version", "updated_at")  # fmt: skip


def synthetic(n: int, now: datetime, grids, units, categories, reporter: str):
    """Tuples in COLUMNS order; times are aware UTC datetimes."""
    rng = random.Random(13)
    h = timedelta(hours=1)
    for _ in range(n):
        reported = now - timedelta(seconds=rng.randint(60, 730 * 86400))
        age_days = (now - reported).days
        roll = rng.random()
        dispatched = reported + h * rng.uniform(0.1, 4)
        due = dispatched + h * rng.choice((24, 72, 168))
        handled = closed = rating = accepted = None
        if roll < 0.03:
            status, dispatched, due = "rejected", None, None
        elif age_days > 7 and roll < 0.96 or age_days <= 7 and roll < 0.4:
            handled = dispatched + h * rng.uniform(1, 200)
            closed = handled + h * rng.uniform(0.5, 24)
            if closed > now:
                handled = closed = None
                status = "in_progress"
            else:
                status = "rated" if rng.random() < 0.6 else "closed"
                rating = rng.choice((5, 5, 5, 4, 4, 3, 2, 1)) if status == "rated" else None
        else:
            status = rng.choice(("reported", "dispatched", "in_progress", "handled"))
            if status == "reported":
                dispatched = due = None
            elif status == "handled":
                handled = dispatched + h * rng.uniform(1, 48)
                if handled > now:
                    handled, status = None, "in_progress"
        if rng.random() < 0.3:
            accepted = reported + h * 0.1
        channel = rng.choice(CHANNELS)
        yield (uuid.uuid4().hex[:26], "路灯不亮", 114.05, 22.55, rng.choice(categories), 3, channel, rng.choice(grids),
               reporter if channel == "grid_app" else "resident", "[]", status, rng.choice(units) if dispatched else None,
               reported, accepted, dispatched, due, handled, closed, "[]", rating, int(rng.random() < 0.05),
               int(rng.random() < 0.06), rng.random() < 0.01, 1, "[]", 1, closed or reported)  # fmt: skip


def load(platform, rows) -> None:
    """COPY into PostgreSQL; executemany into SQLite (timestamps in UTCDateTime's text layout)."""
    raw = platform.engine.raw_connection()
    try:
        if platform.engine.dialect.name == "postgresql":
            with raw.cursor() as cur, cur.copy(f"COPY cases ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            fmt = "%Y-%m-%d %H:%M:%S.%f"
            cur = raw.cursor()
            marks = ", ".join("?" for _ in COLUMNS)
            batch = []
            for row in rows:
                batch.append(tuple(v.astimezone(UTC).strftime(fmt) if isinstance(v, datetime) else v for v in row))
                if len(batch) == 20000:
                    cur.executemany(f"INSERT INTO cases ({', '.join(COLUMNS)}) VALUES ({marks})", batch)
                    batch = []
            if batch:
                cur.executemany(f"INSERT INTO cases ({', '.join(COLUMNS)}) VALUES ({marks})", batch)
        raw.commit()
    finally:
        raw.close()


def timed(fn, runs: int) -> float:
    fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def bench(backend: str, n: int, runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, database_url(backend) as url:
        platform = bootstrap(make_settings(Path(tmp), url), clock=SystemClock())
        try:
            actors = populate(platform)
            now = platform.clock.now()
            with platform.engine.connect() as conn:
                grids = list(conn.execute(select(t.grid_nodes.c.code).where(t.grid_nodes.c.level == "grid")).scalars())
                units = list(conn.execute(select(t.units.c.id)).scalars())
                categories = list(conn.execute(select(t.categories.c.code)).scalars())
            started = time.perf_counter()
            load(platform, synthetic(n, now, grids, units, categories, actors["gw"].user_id))
            loaded = time.perf_counter() - started
            with platform.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE cases" if backend == "postgres" else "ANALYZE"))
            disp = actors["disp"]
            today = now.astimezone(ZoneInfo("Asia/Shanghai")).date()
            month_end = today.replace(day=1) - timedelta(days=1)
            month_start = month_end.replace(day=1)
            back = month_start.year * 12 + month_start.month - 1 - 11
            year_start = date(back // 12, back % 12 + 1, 1)  # twelve whole months ending with month_end

            def count():
                with platform.engine.connect() as conn:
                    return conn.execute(select(func.count()).select_from(t.cases)).scalar()

            def overview():
                with platform.engine.connect() as conn:
                    return stats.overview(conn, disp, now)

            def by_community():
                with platform.engine.connect() as conn:
                    return kpi_table(conn, disp, start=month_start, end=month_end, by="community", tz="Asia/Shanghai")

            def by_month():
                with platform.engine.connect() as conn:
                    return kpi_table(conn, disp, start=year_start, end=month_end, by="month", tz="Asia/Shanghai")

            assert count() == n
            base = timed(count, runs)
            figures = [(name, timed(fn, runs)) for name, fn in
                       (("overview", overview), ("kpis by community, one month", by_community),
                        ("kpis by month, twelve months", by_month))]  # fmt: skip
            wall = overview()
        finally:
            platform.engine.dispose()
    print(f"{backend}: {n} cases loaded in {loaded:.0f} s; open {wall['open']}, overdue {wall['overdue']}")
    print(f"  SELECT COUNT(*) FROM cases: {base * 1000:.1f} ms")
    for name, secs in figures:
        print(f"  {name}: {secs * 1000:.1f} ms   ratio to COUNT(*) {secs / base:.2f}")
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    for backend in ("sqlite", "postgres") if args.backend == "both" else (args.backend,):
        bench(backend, args.cases, args.runs)


if __name__ == "__main__":
    main()
