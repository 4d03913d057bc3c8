"""Full case lifecycles per second through the service layer, against bare inserts of the same rows.

A lifecycle is eight commands through the message bus, each its own transaction (report, accept,
dispatch, claim, handle, verify, close, rate), with domain checks, timeline entries and outbox events.
The baseline inserts the rows one lifecycle leaves behind (1 case, 8 timeline entries, 8 outbox
events) with plain SQLAlchemy Core in one transaction per lifecycle: the floor cost of storing them.

    .venv/bin/python bench/lifecycle.py [--n 2000] [--backend sqlite|postgres|both]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import insert, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gridgov.adapters import tables as t  # noqa: E402
from gridgov.adapters.clock import SystemClock  # noqa: E402
from gridgov.bootstrap import bootstrap  # noqa: E402
from gridgov.domain.commands import ActOnCase, ReportCase  # noqa: E402
from gridgov.domain.workflow import Action  # noqa: E402
from tests.conftest import make_settings, point_in, populate  # noqa: E402

STEPS = [
    ("disp", Action.ACCEPT, {}),
    ("disp", Action.DISPATCH, {"unit_id": "wuye-1"}),
    ("prop", Action.CLAIM, {}),
    ("prop", Action.HANDLE, {"result": "已清理"}),
    ("sup", Action.VERIFY, {}),
    ("disp", Action.CLOSE, {}),
    ("ann", Action.RATE, {"score": 5}),
]


def run_lifecycles(platform, actors, n: int) -> float:
    lon, lat, _ = point_in(platform, "community")
    bus = platform.bus
    start = time.perf_counter()
    for i in range(n):
        created = bus.handle(
            ReportCase(actor=actors["ann"], description=f"垃圾满溢 {i}", lon=lon, lat=lat, channel="resident_app")
        )
        version = 1
        for who, action, fields in STEPS:
            version = bus.handle(ActOnCase(actors[who], created.case_id, action, version, fields)).version
    return n / (time.perf_counter() - start)


def run_bare_inserts(platform, n: int) -> float:
    """Copy the rows of stored lifecycles under new ids, one transaction per lifecycle."""
    with platform.engine.connect() as conn:
        case = dict(conn.execute(select(t.cases).limit(1)).one()._mapping)
        entries = [dict(r._mapping) for r in conn.execute(select(t.case_timeline).where(t.case_timeline.c.case_id == case["id"]))]
        events = [dict(r._mapping) for r in conn.execute(select(t.outbox).where(t.outbox.c.case_id == case["id"]))]
    for row in entries + events:
        row.pop("id")
    start = time.perf_counter()
    for _ in range(n):
        new_id = uuid.uuid4().hex[:26]
        with platform.engine.begin() as conn:
            conn.execute(insert(t.cases), [{**case, "id": new_id}])
            conn.execute(insert(t.case_timeline), [{**e, "case_id": new_id} for e in entries])
            conn.execute(insert(t.outbox), [{**e, "case_id": new_id} for e in events])
    return n / (time.perf_counter() - start)


def bench(backend: str, n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = None
        schema = None
        if backend == "postgres":
            import psycopg

            schema = "bench_" + uuid.uuid4().hex[:8]
            with psycopg.connect("postgresql://postgres@127.0.0.1:5432/test", autocommit=True) as c:
                c.execute(f"CREATE SCHEMA {schema}")
            url = f"postgresql+psycopg://postgres@127.0.0.1:5432/test?options=-csearch_path%3D{schema}"
        platform = bootstrap(make_settings(Path(tmp), url), clock=SystemClock())
        try:
            actors = populate(platform)
            run_lifecycles(platform, actors, max(20, n // 20))  # warm-up
            lifecycles = run_lifecycles(platform, actors, n)
            bare = run_bare_inserts(platform, n)
        finally:
            platform.engine.dispose()
            if schema:
                import psycopg

                with psycopg.connect("postgresql://postgres@127.0.0.1:5432/test", autocommit=True) as c:
                    c.execute(f"DROP SCHEMA {schema} CASCADE")
    print(
        f"{backend:9s} lifecycles/s (8 commands each): {lifecycles:8.1f}   "
        f"bare inserts of the same rows, lifecycles/s: {bare:8.1f}   ratio: {lifecycles / bare:.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    for backend in ("sqlite", "postgres") if args.backend == "both" else (args.backend,):
        bench(backend, args.n)


if __name__ == "__main__":
    main()
