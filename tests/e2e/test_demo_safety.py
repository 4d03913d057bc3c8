"""The demo is not served beyond this machine by accident, never with the well-known password, and its
files are readable by their owner only (issue 10)."""

from __future__ import annotations

import re
import stat

from gridgov.bootstrap import bootstrap
from gridgov.cli import main
from tests.conftest import make_settings


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_demo_refuses_a_public_address_without_public(tmp_path, capsys):
    assert main(["demo", "--host", "0.0.0.0", "--no-serve", "--data-dir", str(tmp_path / "demo")]) == 2
    err = capsys.readouterr().err
    assert "refusing to serve the demo on 0.0.0.0" in err and "--public" in err
    assert not (tmp_path / "demo").exists()  # nothing was built


def test_a_public_demo_refuses_the_well_known_password(tmp_path, capsys):
    argv = ["demo", "--host", "0.0.0.0", "--public", "--password", "demo", "--no-serve", "--data-dir", str(tmp_path / "demo")]
    assert main(argv) == 2
    assert "may not use the well-known password 'demo'" in capsys.readouterr().err


def test_a_public_demo_gets_a_random_password_and_a_loud_warning(tmp_path, capsys):
    data = tmp_path / "demo"
    argv = ["demo", "--host", "0.0.0.0", "--public", "--cases", "3", "--no-serve", "--data-dir", str(data)]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    password = re.search(r"admin\s+/ (\S+)", out).group(1)
    assert password != "demo" and len(password) >= 16
    assert f"Anyone who reaches it can log in as admin / {password}" in err and "WARNING" in err
    # the random password is the one the accounts really have
    from fastapi.testclient import TestClient

    from gridgov.api.app import create_app
    from gridgov.config import Settings

    with TestClient(create_app(platform=bootstrap(Settings(data_dir=data)), run_relay=False)) as client:
        assert client.post("/api/v1/auth/token", data={"username": "admin", "password": password}).status_code == 200
        assert client.post("/api/v1/auth/token", data={"username": "admin", "password": "demo"}).status_code == 401


def test_the_data_directory_is_0700_and_the_database_files_0600(tmp_path):
    platform = bootstrap(make_settings(tmp_path))
    try:
        data = tmp_path / "var"
        with platform.engine.connect() as conn:  # WAL mode: -wal and -shm exist while a connection is open
            conn.exec_driver_sql("SELECT 1")
            assert mode(data) == 0o700
            for name in ("gridgov.db", "gridgov.db-wal", "gridgov.db-shm"):
                assert (data / name).exists(), name
                assert mode(data / name) == 0o600, name
    finally:
        platform.engine.dispose()


def test_a_world_readable_database_from_before_is_tightened(tmp_path):
    data = tmp_path / "var"
    bootstrap(make_settings(tmp_path)).engine.dispose()
    (data / "gridgov.db").chmod(0o644)
    platform = bootstrap(make_settings(tmp_path))
    platform.engine.dispose()
    assert mode(data / "gridgov.db") == 0o600
