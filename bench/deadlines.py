"""Deadline sweep at scale: 100,000 open cases whose deadlines are spread over a day.

Figures printed:
1. cost of one sweep when nothing is due, with all those timers pending (must not depend on the number
   of open cases: the sweep reads an index of unfired timers by due time);
2. cost of a sweep as a function of the number of steps due in it (0, 10, 100, 1,000);
3. lateness of every step fired in a 10-minute window, swept as the live ticker does (sleep until the
   next due time, at most `tick_seconds`): (sweep start - due time) + the sweep's own duration; every
   step must fire within one second;
4. baseline: a bare UPDATE marking one timer fired; ratio = sweep cost per due step ÷ that.

    .venv/bin/python bench/deadlines.py [--cases 100000] [--backend sqlite|postgres]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select, update

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gridgov.adapters import tables as t  # noqa: E402
from gridgov.adapters.clock import FixedClock  # noqa: E402
from gridgov.adapters.repositories import case_to_row  # noqa: E402
from gridgov.bootstrap import bootstrap  # noqa: E402
from gridgov.domain.cases import Case  # noqa: E402
from gridgov.domain.commands import SweepTimers  # noqa: E402
from gridgov.domain.escalation import plan_timers  # noqa: E402
from gridgov.domain.taxonomy import Channel  # noqa: E402
from gridgov.domain.workflow import CaseStatus  # noqa: E402
from tests.conftest import make_settings, point_in, populate  # noqa: E402

START = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)


def seed(platform, n: int, rng: random.Random) -> None:
    lon, lat, grid = point_in(platform, "community")
    policy = platform.policy
    batch_cases, batch_timers = [], []
    for i in range(n):
        due = START + timedelta(seconds=rng.uniform(600, 86_400))
        dispatched = due - timedelta(hours=rng.choice([2, 4, 24, 72]))
        case = Case(
            id=f"B{i:010d}", description="bench", lon=lon, lat=lat, reported_at=dispatched - timedelta(minutes=20),
            reporter_id="bench", channel=Channel.DESK, status=CaseStatus.IN_PROGRESS, grid_code=grid,
            unit_id="wuye-1", dispatched_at=dispatched, due_at=due, ladder="standard", time_limit="4h",
            updated_at=dispatched,
        )  # fmt: skip
        batch_cases.append(case_to_row(case))
        for p in plan_timers(case, policy.calendar, policy.ladders, policy.yellow_share):
            batch_timers.append({"case_id": case.id, "key": p.key, "due_at": p.due_at, "data": p.data})
        if len(batch_cases) == 5000 or i == n - 1:
            with platform.engine.begin() as conn:
                conn.execute(insert(t.cases), batch_cases)
                conn.execute(insert(t.case_timers), batch_timers)
            batch_cases, batch_timers = [], []


def pending_at(platform, when) -> int:
    with platform.engine.connect() as conn:
        return conn.execute(select(func.count()).where(t.case_timers.c.fired_at.is_(None), t.case_timers.c.due_at <= when)).scalar()


def timed_sweep(platform):
    start = time.perf_counter()
    fired = platform.bus.handle(SweepTimers(limit=1000))  # the live ticker takes 500 at a time
    return fired, time.perf_counter() - start


def run(backend: str, n: int) -> None:
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        url, schema = None, None
        if backend == "postgres":
            import psycopg

            schema = "bench_" + uuid.uuid4().hex[:8]
            with psycopg.connect("postgresql://postgres@127.0.0.1:5432/test", autocommit=True) as c:
                c.execute(f"CREATE SCHEMA {schema}")
            url = f"postgresql+psycopg://postgres@127.0.0.1:5432/test?options=-csearch_path%3D{schema}"
        clock = FixedClock(START)
        platform = bootstrap(make_settings(Path(tmp), url), clock=clock)
        try:
            populate(platform)
            t0 = time.perf_counter()
            seed(platform, n, rng)
            with platform.engine.connect() as conn:
                timers = conn.execute(select(func.count()).select_from(t.case_timers)).scalar()
            if backend == "postgres":  # what autovacuum does after a bulk load: fresh planner statistics
                with platform.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.exec_driver_sql("ANALYZE cases")
                    conn.exec_driver_sql("ANALYZE case_timers")
            print(f"[{backend}] seeded {n:,} open cases with {timers:,} pending timers in {time.perf_counter() - t0:.1f} s")

            drained = 0
            while True:  # warnings already due at the start (long limits dispatched days ago) fire first
                fired, _ = timed_sweep(platform)
                if not fired:
                    break
                drained += len(fired)
            print(f"  fired {drained:,} steps already due at the start")
            empty = [timed_sweep(platform)[1] for _ in range(20)]
            print(f"  sweep with nothing due: median {statistics.median(empty) * 1000:.2f} ms over {n:,} open cases")

            costs = []
            for k in (10, 100, 1000):
                # move the clock to the moment the next k timers are due
                with platform.engine.connect() as conn:
                    due = conn.execute(
                        select(t.case_timers.c.due_at).where(t.case_timers.c.fired_at.is_(None)).order_by(t.case_timers.c.due_at).offset(k - 1).limit(1)
                    ).scalar()
                clock.set(due)
                fired, secs = timed_sweep(platform)
                costs.append((len(fired), secs))
                print(f"  sweep firing {len(fired):5d} due steps: {secs * 1000:8.1f} ms  ({secs / max(1, len(fired)) * 1000:.2f} ms per step)")

            # The live ticker (services/background.py) sweeps, then sleeps until the next due time, at
            # most tick_seconds; the simulated clock does the same, and the sweep's own duration is added.
            window_end = clock.now() + timedelta(minutes=10)
            tick = timedelta(seconds=platform.settings.tick_seconds)
            lateness, worst_sweep, fired_total = [], 0.0, 0
            while clock.now() < window_end:
                fired, secs = timed_sweep(platform)
                worst_sweep = max(worst_sweep, secs)
                fired_total += len(fired)
                lateness.extend(f["late_seconds"] + secs for f in fired)
                with platform.uow() as uow:
                    nxt = uow.timers.next_due()
                wake = clock.now() + tick if nxt is None else min(clock.now() + tick, max(nxt, clock.now()))
                clock.set(wake + timedelta(seconds=secs))
            lateness.sort()
            p99 = lateness[int(0.99 * (len(lateness) - 1))] if lateness else 0.0
            print(
                f"  10-minute window, ticker policy: {fired_total} steps fired, lateness p50 "
                f"{statistics.median(lateness) if lateness else 0:.3f} s, p99 {p99:.3f} s, max {max(lateness, default=0):.3f} s; "
                f"longest sweep {worst_sweep * 1000:.1f} ms"
            )
            print(f"  within one second: {'yes' if max(lateness, default=0) < 1.0 else 'NO'}")

            with platform.engine.connect() as conn:
                ids = list(conn.execute(select(t.case_timers.c.id).where(t.case_timers.c.fired_at.is_(None)).limit(2000)).scalars())
            b0 = time.perf_counter()
            for timer_id in ids:
                with platform.engine.begin() as conn:
                    conn.execute(update(t.case_timers).where(t.case_timers.c.id == timer_id).values(fired_at=clock.now()))
            bare = (time.perf_counter() - b0) / len(ids)
            per_step = costs[-1][1] / max(1, costs[-1][0])
            print(f"  baseline, bare UPDATE of one timer in its own transaction: {bare * 1000:.3f} ms; "
                  f"ratio sweep cost per due step / bare update: {per_step / bare:.2f}")  # fmt: skip
        finally:
            platform.engine.dispose()
            if schema:
                import psycopg

                with psycopg.connect("postgresql://postgres@127.0.0.1:5432/test", autocommit=True) as c:
                    c.execute(f"DROP SCHEMA {schema} CASCADE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="sqlite")
    args = parser.parse_args()
    for backend in ("sqlite", "postgres") if args.backend == "both" else (args.backend,):
        run(backend, args.cases)


if __name__ == "__main__":
    main()
