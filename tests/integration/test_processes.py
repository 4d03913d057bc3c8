"""Several processes over one database agree: a ticker started before a ladder changed obeys the new
ladder; ladders, calendar overrides and the grid tree changed in one process are in force in another;
a shared database needs one signing key; `background` decides which loops an API process runs."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from gridgov.adapters import tables as t
from gridgov.adapters.clock import FixedClock
from gridgov.api.app import create_app
from gridgov.bootstrap import bootstrap
from gridgov.demo.district import build_demo_geojson
from gridgov.domain.commands import ImportGrids
from gridgov.domain.roles import SYSTEM_ACTOR
from tests.conftest import PASSWORD, make_settings, point_in, populate


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request, tmp_path):
    """One database two processes share: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "postgres":
        return request.getfixturevalue("pg_schema_url")
    return f"sqlite:///{tmp_path / 'shared.db'}"


@contextlib.contextmanager
def client(platform):
    with TestClient(create_app(platform=platform, run_relay=False)) as api:
        tokens: dict[str, str] = {}

        def login(username: str) -> dict[str, str]:
            if username not in tokens:
                r = api.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
                assert r.status_code == 200, r.text
                tokens[username] = r.json()["access_token"]
            return {"Authorization": f"Bearer {tokens[username]}"}

        api.login = login
        yield api


@contextlib.contextmanager
def worker(settings, data_dir, *kinds):
    """`gridgov worker KINDS` as a real second process over the same database; stopped with SIGTERM."""
    env = {
        **os.environ,
        "GRIDGOV_DATABASE_URL": settings.resolved_database_url,
        "GRIDGOV_DATA_DIR": str(data_dir),
        "GRIDGOV_SECRET_KEY": settings.secret_key,
        "GRIDGOV_TICK_SECONDS": "0.2",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "gridgov.cli", "worker", *kinds], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(proc.stdout.readline, "")), daemon=True)
    reader.start()
    try:
        wait_until(lambda: any("gridgov worker running" in line for line in lines) or proc.poll() is not None, 90)
        assert proc.poll() is None, "".join(lines)
        yield proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_until(condition, seconds: float = 30) -> None:
    """Poll (bounded) for what another process does; fails the test when it never happens."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError("the other process did not do it in time")


def case_row(platform, case_id):
    with platform.engine.connect() as conn:
        return conn.execute(select(t.cases).where(t.cases.c.id == case_id)).one()


def actions(platform, case_id) -> list[str]:
    with platform.engine.connect() as conn:
        c = t.case_timeline.c
        return list(conn.execute(select(c.action).where(c.case_id == case_id).order_by(c.id)).scalars())


def dispatched_case(api, platform, ladder: str) -> str:
    lon, lat, _ = point_in(platform, "community")
    r = api.post("/api/v1/cases", json={"description": "小区门口垃圾堆积", "lat": lat, "lon": lon}, headers=api.login("ann"))
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    for action, body in (("accept", {}), ("dispatch", {"unit_id": "wuye-1", "ladder": ladder})):
        version = api.get(f"/api/v1/cases/{cid}", headers=api.login("disp")).json()["version"]
        r = api.post(f"/api/v1/cases/{cid}/actions/{action}", json={"version": version, **body}, headers=api.login("disp"))
        assert r.status_code == 200, r.text
    return cid


def test_a_ticker_started_before_a_ladder_changed_obeys_the_new_ladder(database_url, tmp_path):
    # The API process works 30 minutes in the past, so the 20-minute steps below are due at once for the
    # ticker (real time) while nothing else about the cases is.
    clock = FixedClock(datetime.now(UTC) - timedelta(minutes=30))
    platform = bootstrap(make_settings(tmp_path, database_url), clock=clock)
    populate(platform)
    ladder = {"code": "fast", "name": "快速", "steps": [
        {"after": "20m", "action": "reassign", "target": {"kind": "unit_type", "value": "street_enforcement"}}]}  # fmt: skip
    try:
        with worker(platform.settings, tmp_path / "worker", "ticker"), client(platform) as api:
            root = api.login("root")
            # a ladder the ticker has never seen: created after it started
            assert api.put("/api/v1/ladders/fast", json=ladder, headers=root).status_code == 200
            first = dispatched_case(api, platform, "fast")
            wait_until(lambda: case_row(platform, first).unit_id == "zhifa")
            # the same ladder changed: its step now goes to the community work station
            ladder["steps"][0]["target"]["value"] = "community"
            assert api.put("/api/v1/ladders/fast", json=ladder, headers=root).status_code == 200
            second = dispatched_case(api, platform, "fast")
            wait_until(lambda: case_row(platform, second).unit_id == "sq-1")
        assert actions(platform, first).count("escalate_reassign") == 1
        assert actions(platform, second).count("escalate_reassign") == 1
        assert case_row(platform, first).unit_id == "zhifa"  # the change did not move the case already escalated
    finally:
        platform.engine.dispose()


def test_ladders_calendar_and_grids_changed_in_one_process_are_in_force_in_another(database_url, tmp_path, clock):
    from gridgov.services.ladders import save_ladder

    one = bootstrap(make_settings(tmp_path / "one", database_url), clock=clock)
    other_settings = make_settings(tmp_path / "two", database_url).model_copy(update={"shared_state_poll_seconds": 0})
    populate(one)
    two = bootstrap(other_settings, clock=clock)
    try:
        assert "fast" not in two.policy.ladders
        save_ladder(one, SYSTEM_ACTOR, {"code": "fast", "name": "快速", "steps": [
            {"after": "10m", "action": "remind", "target": {"kind": "unit_type", "value": "community"}}]}, None)  # fmt: skip
        assert str(two.policy.ladders["fast"].steps[0].after) == "10m"

        with client(one) as api:
            r = api.put("/api/v1/calendar/overrides", content="holidays: [2027-03-03]\nyears: [2027]\n",
                        headers={**api.login("root"), "Content-Type": "application/yaml"})  # fmt: skip
            assert r.status_code == 200, r.text
        assert not two.policy.calendar.is_workday(datetime(2027, 3, 3).date())
        assert two.policy.calendar.is_workday(datetime(2027, 3, 4).date())

        geo = build_demo_geojson()
        kept = [f for f in geo["features"] if f["properties"]["level"] in ("district", "street")]
        one.bus.handle(ImportGrids(actor=SYSTEM_ACTOR, feature_collection={**geo, "features": kept}))
        assert len(list(two.grids.tree)) == len(kept)
    finally:
        one.engine.dispose()
        two.engine.dispose()


def test_a_shared_database_without_a_secret_key_refuses_to_start(pg_schema_url, tmp_path):
    settings = make_settings(tmp_path, pg_schema_url).model_copy(update={"secret_key": None})
    with pytest.raises(ValueError, match="GRIDGOV_SECRET_KEY must be set when the database is not SQLite"):
        bootstrap(settings)
    assert not (tmp_path / "var" / "secret.key").exists()


def test_sqlite_keeps_a_generated_key_only_its_owner_reads(tmp_path, clock):
    settings = make_settings(tmp_path).model_copy(update={"secret_key": None})
    first = bootstrap(settings, clock=clock)
    second = bootstrap(settings, clock=clock)
    key = tmp_path / "var" / "secret.key"
    assert first.secret_key == second.secret_key == key.read_text().strip()
    assert key.stat().st_mode & 0o777 == 0o600
    first.engine.dispose()
    second.engine.dispose()


def running_loops() -> set[str]:
    return {th.name for th in threading.enumerate()} & {"outbox-relay", "deadline-ticker", "webhook-sender", "telemetry-silence"}


@pytest.mark.parametrize(
    ("background", "loops"),
    [("none", set()), ("ticker", {"deadline-ticker"}), ("relay, webhooks", {"outbox-relay", "webhook-sender"}),
     ("telemetry", {"telemetry-silence"}), ("all", {"outbox-relay", "deadline-ticker", "webhook-sender", "telemetry-silence"})],
)  # fmt: skip
def test_the_background_setting_decides_which_loops_serve_runs(background, loops, tmp_path, clock):
    settings = make_settings(tmp_path).model_copy(update={"background": background})
    platform = bootstrap(settings, clock=clock)
    assert running_loops() == set()
    with TestClient(create_app(platform=platform)):
        assert running_loops() == loops
    assert running_loops() == set()
    platform.engine.dispose()


def test_files_from_before_the_database_kept_this_state_are_imported_once(tmp_path, clock):
    import json

    data = tmp_path / "var"
    data.mkdir()
    (data / "ladders.json").write_text(json.dumps([{"code": "old", "name": "旧", "steps": [
        {"after": "15m", "action": "remind", "target": {"kind": "role", "value": "dispatcher"}}]}]), encoding="utf-8")  # fmt: skip
    (data / "calendar-overrides.yaml").write_text("holidays: [2027-05-06]\nyears: [2027]\n", encoding="utf-8")
    (data / "classifier-corrections.csv").write_text("title,detail,label\n,楼道灯坏了,城乡建设\n", encoding="utf-8")
    platform = bootstrap(make_settings(tmp_path), clock=clock)
    assert str(platform.policy.ladders["old"].steps[0].after) == "15m"
    assert not platform.policy.calendar.is_workday(datetime(2027, 5, 6).date())
    assert sorted(p.name for p in data.iterdir() if p.suffix == ".imported") == [
        "calendar-overrides.yaml.imported", "classifier-corrections.csv.imported", "ladders.json.imported"]  # fmt: skip
    platform.engine.dispose()
    (data / "classifier-corrections.csv").write_text("title,detail,label\n,楼道灯坏了,城乡建设\n", encoding="utf-8")
    again = bootstrap(make_settings(tmp_path), clock=clock)  # a copy put back is not taken in twice
    with again.engine.connect() as conn:
        rows = conn.execute(select(t.classifier_corrections.c.detail, t.classifier_corrections.c.label)).fetchall()
    assert [tuple(r) for r in rows] == [("楼道灯坏了", "城乡建设")]
    again.engine.dispose()
