"""A stream of reports through intake → classify → grade → place → route → store, against bare inserts.

The stream mixes the channels as a district sees them (MIX): residents' raw messages with no category
(the shipped classifier decides), grid-worker reports with a category, 12345 orders placed by their
address alone (gazetteer), AI camera alerts (repeats of a scene join the open case), IoT alarms and SOS
calls, at points drawn over the demo district's grids (with hot spots). Every report takes the path a
live one takes: `ReportCase` through the message bus (checks, placement, duplicate search, store,
outbox), then the outbox relay runs triage (classification, grading, routing by the responsibility
list, automatic dispatch, deadline timers) and the notification handlers. A report's latency is from
the call until it is triaged and stored.

Baseline: the rows the reports left behind (case, timeline entries, outbox events, timers) inserted
again under new ids with plain SQLAlchemy Core, one transaction per report: the floor cost of storing
what the pipeline stores.

    .venv/bin/python bench/triage.py [--n 100000] [--backend sqlite|postgres|both] [--bare N]
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.databases import database_url  # noqa: E402

from gridgov.adapters import tables as t  # noqa: E402
from gridgov.adapters.classifier import load_default  # noqa: E402
from gridgov.adapters.clock import SystemClock  # noqa: E402
from gridgov.bootstrap import bootstrap  # noqa: E402
from gridgov.channels import devices as device_channel  # noqa: E402
from gridgov.demo.district import COMMUNITIES, ESTATES, demo_sample_points  # noqa: E402
from gridgov.demo.seed import CASE_TEMPLATES, seed_directory  # noqa: E402
from gridgov.domain.commands import ReportCase  # noqa: E402
from gridgov.domain.errors import DomainError  # noqa: E402
from gridgov.domain.taxonomy import parse_category_csv  # noqa: E402
from tests.conftest import make_settings  # noqa: E402

# The shipped category table files camera scenes and sensor metrics (its `scenes` column, issue 11).
SHIPPED_TABLE = parse_category_csv((ROOT / "src" / "gridgov" / "data" / "categories.csv").read_text(encoding="utf-8"))
CAMERA_SCENES = sorted({s for c in SHIPPED_TABLE if c.kind == "event" for s in c.scenes if not s.isascii()})
MIX = {"message": 0.35, "app": 0.25, "hotline_address": 0.15, "camera": 0.15, "alarm": 0.07, "sos": 0.03}
CAMERAS, SENSORS, BUTTONS = 40, 20, 30


def load_messages() -> list[str]:
    with (ROOT / "data/tipdm2020c/raw_labelled.csv").open(encoding="utf-8") as f:
        return [f"{row['title']}\n{row['detail']}"[:1000] for row in csv.DictReader(f)]


def register_devices(platform, rng: random.Random) -> dict[str, list[str]]:
    points = demo_sample_points(CAMERAS + SENSORS + BUTTONS, seed=7)
    kinds = ["camera"] * CAMERAS + ["sensor"] * SENSORS + ["sos_button"] * BUTTONS
    ids: dict[str, list[str]] = {"camera": [], "sensor": [], "sos_button": []}
    with platform.uow() as uow:
        for i, ((lon, lat, grid), kind) in enumerate(zip(points, kinds, strict=True)):
            device_id = f"{kind}-{i:03d}"
            person = None
            if kind == "sos_button":
                person = {"name": f"老人{i}", "phone": f"1370000{i:04d}", "address": f"{rng.choice(ESTATES)}{i % 9 + 1}栋", "contacts": []}
            uow.devices.put({"id": device_id, "kind": kind, "name": device_id, "lon": lon, "lat": lat, "grid_code": grid, "person": person, "active": True})  # fmt: skip
            ids[kind].append(device_id)
        uow.commit()
    return ids


class Devices:
    def __init__(self, platform) -> None:
        with platform.uow() as uow:
            self.rows = {d["id"]: d for d in uow.devices.list()}

    def get(self, device_id):
        return self.rows.get(device_id)


def build_stream(n: int, platform, reporter, intake_actor, rng: random.Random, resident=None) -> list[ReportCase]:
    messages = load_messages()
    device_ids = register_devices(platform, rng)
    registry = Devices(platform)
    points = demo_sample_points(2000, seed=3)
    kinds = rng.choices(list(MIX), weights=list(MIX.values()), k=n)
    now = datetime.now(UTC).isoformat()
    stream = []
    for i, kind in enumerate(kinds):
        lon, lat, _ = rng.choice(points)
        # spread same-category app reports so most do not count as repeats of one place
        lon, lat = lon + rng.uniform(-0.0015, 0.0015), lat + rng.uniform(-0.0015, 0.0015)
        if kind == "message":
            stream.append(ReportCase(actor=resident or reporter, description=rng.choice(messages), lon=lon, lat=lat, channel="resident_app"))
        elif kind == "app":
            category, _, texts = rng.choice(CASE_TEMPLATES)
            text = rng.choice(texts).format(place=rng.choice(ESTATES)) + f"（编号{i}）"
            stream.append(ReportCase(actor=reporter, description=text, lon=lon, lat=lat, channel="grid_app", category=category))
        elif kind == "hotline_address":
            category, _, texts = rng.choice(CASE_TEMPLATES)
            place = rng.choice(ESTATES + COMMUNITIES)
            stream.append(ReportCase(actor=intake_actor, description=rng.choice(texts).format(place=place), lon=None, lat=None,
                                     channel="hotline_12345", address=f"{place}{rng.randint(1, 12)}栋", address_only=True,
                                     source_ref=f"12345:{i}"))  # fmt: skip
        else:
            if kind == "camera":
                body = {"camera_id": rng.choice(device_ids["camera"]), "event_type": rng.choice(CAMERA_SCENES), "captured_at": now}
                intake = device_channel.parse_camera(body, registry, SHIPPED_TABLE)
            elif kind == "alarm":
                body = {"device_id": rng.choice(device_ids["sensor"]), "metric": rng.choice(["smoke", "co", "methane", "water_level"]),
                        "value": round(rng.uniform(1, 100), 1), "severity": rng.choice(device_channel.SEVERITIES), "at": now}  # fmt: skip
                intake = device_channel.parse_alarm(body, registry, SHIPPED_TABLE)
            else:
                intake = device_channel.parse_sos({"button_id": rng.choice(device_ids["sos_button"]), "pressed_at": now}, registry)
            stream.append(ReportCase(
                actor=intake_actor, description=intake.description, lon=intake.lon, lat=intake.lat, channel=intake.channel,
                category=intake.category, source_ref=intake.source_ref, severity=intake.severity,
                reporter_name=intake.reporter_name, reporter_phone=intake.reporter_phone, address=intake.address,
            ))  # fmt: skip
    return stream


def run_stream(platform, stream: list[ReportCase]) -> tuple[float, list[float], Counter, list[float]]:
    """Feed the stream one report at a time; returns (reports/s, latencies, outcomes, windowed rates)."""
    bus, relay = platform.bus, platform.relay
    latencies: list[float] = []
    outcomes: Counter = Counter()
    windows: list[float] = []
    window = max(1, len(stream) // 10)
    start = window_start = time.perf_counter()
    for i, cmd in enumerate(stream, start=1):
        t0 = time.perf_counter()
        try:
            result = bus.handle(cmd)
            outcomes["joined" if result.status_code == 200 else "new"] += 1
        except DomainError as exc:
            outcomes[f"refused: {type(exc).__name__}"] += 1
        while relay.deliver_pending():
            pass
        latencies.append(time.perf_counter() - t0)
        if i % window == 0:
            now = time.perf_counter()
            windows.append(window / (now - window_start))
            window_start = now
    return len(stream) / (time.perf_counter() - start), latencies, outcomes, windows


def triage_outcomes(platform) -> Counter:
    with platform.engine.connect() as conn:
        rows = conn.execute(select(t.cases.c.status, t.cases.c.triage_reason)).fetchall()
    out: Counter = Counter()
    for status, reason in rows:
        if status == "dispatched":
            out["auto-dispatched"] += 1
        elif reason:
            out["triage queue: " + reason.split(" (")[0].split(":")[0][:40]] += 1
        else:
            out[status] += 1
    return out


def run_bare_inserts(platform, n: int) -> float:
    """Copy what stored reports left behind under new ids, one transaction per report."""
    with platform.engine.connect() as conn:
        cases = [dict(r._mapping) for r in conn.execute(select(t.cases).limit(500))]
        ids = [c["id"] for c in cases]
        children = {}
        for table in (t.case_timeline, t.outbox, t.case_timers):
            rows = [dict(r._mapping) for r in conn.execute(select(table).where(table.c.case_id.in_(ids)))]
            for row in rows:
                row.pop("id", None)
            children[table] = rows
    samples = [(c, {tb: [r for r in rows if r["case_id"] == c["id"]] for tb, rows in children.items()}) for c in cases]
    start = time.perf_counter()
    for i in range(n):
        case, kids = samples[i % len(samples)]
        new_id = uuid.uuid4().hex[:26]
        with platform.engine.begin() as conn:
            conn.execute(insert(t.cases), [{**case, "id": new_id, "source_ref": None}])
            for table, rows in kids.items():
                if rows:
                    conn.execute(insert(table), [{**r, "case_id": new_id} for r in rows])
    return n / (time.perf_counter() - start)


def bench(backend: str, n: int, bare_n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, database_url(backend) as url:
        platform = bootstrap(make_settings(Path(tmp), url), clock=SystemClock())
        try:
            seed_directory(platform, "bench-password")
            with platform.uow() as uow:
                users = {u.username: u.as_actor() for u in uow.users.list()}
            rng = random.Random(2026)
            stream = build_stream(n, platform, users["gridworker"], users["dispatcher"], rng, resident=users["resident"])
            load_default().predict("预热", "")  # load the shipped model before the clock starts
            rate, latencies, outcomes, windows = run_stream(platform, stream)
            triaged = triage_outcomes(platform)
            bare = run_bare_inserts(platform, bare_n)
        finally:
            platform.engine.dispose()
    q = statistics.quantiles(latencies, n=100)
    print(f"{backend}: {n} reports ({', '.join(f'{k} {v}' for k, v in sorted(outcomes.items()))})")
    print(f"  cases: {', '.join(f'{k} {v}' for k, v in triaged.most_common())}")
    print(f"  pipeline: {rate:8.1f} reports/s   latency p50 {q[49] * 1000:.1f} ms  p95 {q[94] * 1000:.1f} ms  "
          f"p99 {q[98] * 1000:.1f} ms  max {max(latencies) * 1000:.1f} ms")  # fmt: skip
    print(f"  reports/s per tenth of the stream: {' '.join(f'{w:.0f}' for w in windows)}")
    print(f"  bare inserts of the same rows: {bare:8.1f} reports/s   ratio pipeline/bare: {rate / bare:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000, help="reports in the stream")
    parser.add_argument("--bare", type=int, default=10_000, help="reports for the bare-insert baseline")
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="sqlite")
    args = parser.parse_args()
    for backend in ("sqlite", "postgres") if args.backend == "both" else (args.backend,):
        bench(backend, args.n, min(args.bare, args.n))


if __name__ == "__main__":
    main()
