"""How long the command-center wall's numbers take (`GET /api/v1/stats/overview`) as cases pile up.

The wall refreshes its overview after every case event (debounced) and once a minute, so its cost
bounds how many walls and events one server takes. Cases are inserted directly (copies of one real
case with statuses, times and places spread over 60 days); then the overview query (scope, fetch of
the window's rows, the pure KPI computation, overdue and sensitive lists) is timed against the bare
baseline of fetching the same columns of the same rows without computing anything.

    .venv/bin/python bench/wall.py [--cases 100000] [--backend sqlite|postgres|both]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert, or_, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.databases import database_url  # noqa: E402

from gridgov.adapters import tables as t  # noqa: E402
from gridgov.adapters.clock import SystemClock  # noqa: E402
from gridgov.bootstrap import bootstrap  # noqa: E402
from gridgov.domain.commands import ReportCase  # noqa: E402
from gridgov.queries import stats  # noqa: E402
from tests.conftest import make_settings, point_in, populate  # noqa: E402

STATUSES = ["reported", "dispatched", "in_progress", "handled", "closed", "rated", "rated", "rated", "closed", "rejected"]


def fill(platform, actors, n: int) -> None:
    lon, lat, _ = point_in(platform, "community")
    done = platform.bus.handle(ReportCase(actor=actors["ann"], description="路灯不亮", lon=lon, lat=lat, channel="resident_app", category="C0108"))
    with platform.engine.connect() as conn:
        template = dict(conn.execute(select(t.cases).where(t.cases.c.id == done.case_id)).one()._mapping)
        grids = [r.code for r in conn.execute(select(t.grid_nodes.c.code).where(t.grid_nodes.c.level == "grid"))]
        categories = [r.code for r in conn.execute(select(t.categories.c.code))]
    rng = random.Random(1)
    now = platform.clock.now()
    rows = []
    for _ in range(n):
        reported = now - timedelta(minutes=rng.randint(1, 60 * 24 * 60))
        status = rng.choice(STATUSES)
        closed = reported + timedelta(hours=rng.uniform(1, 96)) if status in ("closed", "rated") else None
        rows.append({**template, "id": uuid.uuid4().hex[:26], "status": status, "reported_at": reported,
                     "due_at": reported + timedelta(hours=rng.choice([2, 24, 72])), "closed_at": closed,
                     "handled_at": closed, "rating": rng.randint(1, 5) if status == "rated" else None,
                     "grid_code": rng.choice(grids), "category": rng.choice(categories), "sensitive": rng.random() < 0.01})  # fmt: skip
    with platform.engine.begin() as conn:
        for i in range(0, n, 5000):
            conn.execute(insert(t.cases), rows[i : i + 5000])


def timed(fn, runs: int = 7) -> float:
    fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def bench(backend: str, n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, database_url(backend) as url:
        platform = bootstrap(make_settings(Path(tmp), url), clock=SystemClock())
        try:
            actors = populate(platform)
            fill(platform, actors, n)
            now = platform.clock.now()
            c = t.cases.c
            since = now - timedelta(days=30)

            def overview():
                with platform.engine.connect() as conn:
                    return stats.overview(conn, actors["disp"], now)

            def bare():
                with platform.engine.connect() as conn:
                    query = select(*[c[k] for k in stats.FACT_COLUMNS]).where(or_(c.reported_at >= since, c.closed_at >= since, c.closed_at.is_(None)))
                    return conn.execute(query).fetchall()

            rows = len(bare())
            full, floor = timed(overview), timed(bare)
        finally:
            platform.engine.dispose()
    print(f"{backend}: {n} cases, {rows} in the window or open   overview {full * 1000:.1f} ms   "
          f"bare fetch of the same rows {floor * 1000:.1f} ms   ratio overview/bare {full / floor:.2f}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="sqlite")
    args = parser.parse_args()
    for backend in ("sqlite", "postgres") if args.backend == "both" else (args.backend,):
        bench(backend, args.cases)


if __name__ == "__main__":
    main()
