"""Shared fixtures: a fixed clock, platforms on SQLite and PostgreSQL, and a small populated district.

PostgreSQL tests need the service at GRIDGOV_TEST_POSTGRES_URL (default: the machine's 127.0.0.1:5432,
database `test`). Under CI=true a missing service fails the run; elsewhere those tests skip with the reason.
Each PostgreSQL test gets its own schema, dropped afterwards.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from datetime import UTC, datetime

import pytest

from gridgov.adapters.clock import FixedClock
from gridgov.bootstrap import Platform, bootstrap
from gridgov.config import Settings
from gridgov.demo.district import build_demo_geojson
from gridgov.domain.commands import CreateUnit, CreateUser, ImportGrids
from gridgov.domain.roles import SYSTEM_ACTOR, Role

PG_URL = os.environ.get("GRIDGOV_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
START = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # 09:00 in Shenzhen, a Monday


def postgres_or_skip() -> str:
    """The base URL of a reachable PostgreSQL, or skip (fail under CI=true) saying why."""
    import psycopg

    try:
        with psycopg.connect(PG_URL.replace("+psycopg", ""), connect_timeout=3):
            pass
    except Exception as exc:
        reason = f"PostgreSQL not reachable at {PG_URL}: {exc}".splitlines()[0]
        if IN_CI:
            pytest.fail(reason + " (CI=true: service tests must run)")
        pytest.skip(reason)
    return PG_URL


@pytest.fixture
def pg_schema_url():
    """A PostgreSQL URL whose search_path is a fresh schema of this test."""
    import psycopg

    base = postgres_or_skip()
    schema = "t_" + uuid.uuid4().hex[:12]
    raw = base.replace("+psycopg", "")
    with psycopg.connect(raw, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in base else "?"
    yield f"{base}{sep}options=-csearch_path%3D{schema}"
    with psycopg.connect(raw, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


def make_settings(tmp_path, database_url: str | None = None) -> Settings:
    return Settings(
        data_dir=tmp_path / "var",
        database_url=database_url,
        secret_key="test-secret-key-with-enough-length-for-hs256",
        fast_password_hashing=True,
        stream_poll_seconds=0.1,
    )


@pytest.fixture(params=["sqlite", "postgres"])
def any_platform(request, tmp_path, clock) -> Platform:
    """A migrated, empty platform on each backend."""
    url = request.getfixturevalue("pg_schema_url") if request.param == "postgres" else None
    platform = bootstrap(make_settings(tmp_path, url), clock=clock)
    yield platform
    platform.engine.dispose()


@pytest.fixture
def sqlite_platform(tmp_path, clock) -> Platform:
    platform = bootstrap(make_settings(tmp_path), clock=clock)
    yield platform
    platform.engine.dispose()


PASSWORD = "correct-horse-battery"
ACCOUNTS = {
    "ann": (Role.RESIDENT, None, None),
    "gw": (Role.GRID_WORKER, None, "community"),
    "prop": (Role.ENTITY_STAFF, "wuye-1", None),
    "cg": (Role.HANDLER, "dept-chengguan", None),
    "disp": (Role.DISPATCHER, None, None),
    "sup": (Role.SUPERVISOR, None, None),
    "boss": (Role.LEADER, None, None),
    "root": (Role.ADMIN, None, None),
}


def populate(platform: Platform) -> dict[str, object]:
    """Import the demo geography, two units and one account per role; return actors by username."""
    bus = platform.bus
    bus.handle(ImportGrids(actor=SYSTEM_ACTOR, feature_collection=build_demo_geojson()))
    tree = platform.grids.tree
    community = next(n for n in tree if str(n.level) == "community")
    street = next(n for n in tree if str(n.level) == "street")
    bus.handle(CreateUnit(SYSTEM_ACTOR, "wuye-1", "景华物业", "social_entity", "property_company", (community.code,)))
    bus.handle(CreateUnit(SYSTEM_ACTOR, "dept-chengguan", "城管局", "department", "urban_management", (street.code,)))
    bus.handle(CreateUnit(SYSTEM_ACTOR, "sq-1", "景华社区工作站", "department", "community", (community.code,)))
    bus.handle(CreateUnit(SYSTEM_ACTOR, "zhifa", "莲花街道综合执法队", "department", "street_enforcement", (street.code,)))
    for username, (role, unit, grid) in ACCOUNTS.items():
        bus.handle(
            CreateUser(
                actor=SYSTEM_ACTOR,
                username=username,
                password=PASSWORD,
                role=role,
                display_name=username,
                unit_id=unit,
                grid_code=community.code if grid == "community" else None,
            )
        )
    with platform.uow() as uow:
        return {u.username: u.as_actor() for u in uow.users.list()}


def point_in(platform: Platform, level: str = "grid", index: int = 0) -> tuple[float, float, str]:
    """A point well inside the index-th node of a level, with that node's code."""
    node = [n for n in platform.grids.tree if str(n.level) == level][index]
    p = node.geometry.representative_point()
    return p.x, p.y, node.code


def spread_points(platform: Platform, n: int, spacing_m: float = 80) -> list[tuple[float, float]]:
    """n points inside the first community, at least spacing_m apart (so they never count as one place)."""
    from shapely.geometry import Point

    node = [nd for nd in platform.grids.tree if str(nd.level) == "community"][0]
    x0, y0, x1, y1 = node.geometry.bounds
    step_lat, step_lon = spacing_m / 111_000, spacing_m / 102_800
    out = []
    y = y0 + step_lat
    while y < y1 and len(out) < n:
        x = x0 + step_lon
        while x < x1 and len(out) < n:
            if node.geometry.buffer(-step_lat / 2).contains(Point(x, y)):
                out.append((x, y))
            x += step_lon
        y += step_lat
    return out


@contextlib.contextmanager
def http_client(platform: Platform):
    """An HTTP client over create_app on this platform (no background loops). `client.login(name)` gives
    the Authorization header of a test account (one token per name, kept until `forget_tokens()`, e.g.
    after moving the clock past their expiry); `client.platform` is the platform."""
    from fastapi.testclient import TestClient

    from gridgov.api.app import create_app

    with TestClient(create_app(platform=platform, run_relay=False)) as client:
        tokens: dict[str, str] = {}

        def login(username: str) -> dict[str, str]:
            if username not in tokens:
                r = client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
                assert r.status_code == 200, r.text
                tokens[username] = r.json()["access_token"]
            return {"Authorization": f"Bearer {tokens[username]}"}

        client.login = login  # type: ignore[attr-defined]
        client.forget_tokens = tokens.clear  # type: ignore[attr-defined]
        client.platform = platform  # type: ignore[attr-defined]
        yield client
