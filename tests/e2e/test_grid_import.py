"""Grid import and export over the API and the CLI: a bad file is refused whole, with every problem."""

from __future__ import annotations

import json

from gridgov.cli import main as cli
from gridgov.demo.district import build_demo_geojson


def broken_district():
    data = build_demo_geojson()
    data["features"][5]["properties"]["parent_code"] = "440304001099"
    data["features"][7]["geometry"] = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    return data


def test_import_refuses_a_bad_file_whole_and_lists_every_problem(api):
    before = api.get("/api/v1/grids", headers=api.login("root")).json()
    r = api.post("/api/v1/grids/import", json=broken_district(), headers=api.login("root"))
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    kinds = {(p["feature_id"], p["kind"]) for p in r.json()["problems"]}
    ids = [f["id"] for f in build_demo_geojson()["features"]]
    assert (ids[5], "unknown_parent") in kinds and (ids[7], "invalid_polygon") in kinds
    assert api.get("/api/v1/grids", headers=api.login("root")).json() == before


def test_only_admins_import_grids(api):
    r = api.post("/api/v1/grids/import", json=build_demo_geojson(), headers=api.login("disp"))
    assert r.status_code == 403


def test_export_then_import_round_trips_and_locate_answers_the_path(api):
    h = api.login("root")
    exported = api.get("/api/v1/grids/geojson", headers=h).json()
    assert api.post("/api/v1/grids/import", json=exported, headers=h).json()["imported"] == len(exported["features"])
    grid = next(f for f in exported["features"] if f["properties"]["level"] == "grid")
    from shapely.geometry import shape

    p = shape(grid["geometry"]).representative_point()
    found = api.get(f"/api/v1/grids/locate?lon={p.x}&lat={p.y}", headers=h).json()
    assert found["code"].startswith(grid["properties"]["code"])
    assert [s["level"] for s in found["path"]][:3] == ["district", "street", "community"]
    assert api.get("/api/v1/grids/locate?lon=116.4&lat=39.9", headers=h).status_code == 404


def test_cli_import_prints_each_problem_and_exits_non_zero(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GRIDGOV_DATA_DIR", str(tmp_path / "var"))
    bad = tmp_path / "bad.geojson"
    bad.write_text(json.dumps(broken_district(), ensure_ascii=False), encoding="utf-8")
    assert cli(["grids", "import", str(bad)]) == 1
    err = capsys.readouterr().err
    ids = [f["id"] for f in build_demo_geojson()["features"]]
    assert "nothing was imported" in err and f"feature {ids[5]}:" in err and f"feature {ids[7]}:" in err
    good = tmp_path / "good.geojson"
    good.write_text(json.dumps(build_demo_geojson(), ensure_ascii=False), encoding="utf-8")
    assert cli(["grids", "import", str(good)]) == 0
    out_file = tmp_path / "out.geojson"
    assert cli(["grids", "export", str(out_file)]) == 0
    assert len(json.loads(out_file.read_text())["features"]) == len(build_demo_geojson()["features"])


def test_cli_refuses_a_file_that_is_not_json(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GRIDGOV_DATA_DIR", str(tmp_path / "var"))
    bad = tmp_path / "bad.geojson"
    bad.write_text("{not json", encoding="utf-8")
    assert cli(["grids", "import", str(bad)]) == 1
    assert "not valid JSON" in capsys.readouterr().err
