"""Triage over HTTP: each report is graded, placed and routed with the reason shown, or queued for a
dispatcher whose one action corrects and dispatches it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import point_in


def report(api, who="ann", **extra):
    lon, lat, _ = point_in(api.platform, "community")
    body = {"description": "小区门口垃圾桶满溢", "lat": lat, "lon": lon, **extra}
    r = api.post("/api/v1/cases", json=body, headers=api.login(who))
    assert r.status_code == 201, r.text
    api.platform.relay.deliver_pending()  # what the relay thread does right after the commit
    return api.get(f"/api/v1/cases/{r.json()['id']}", headers=api.login("disp")).json()


def test_a_camera_capture_goes_to_the_property_company_with_the_rule_that_decided(api):
    case = report(api, "disp", category="E0109", channel="ai_camera")  # a camera case registered at the desk
    assert case["status"] == "dispatched" and case["unit_id"] == "wuye-1"
    assert [e["action"] for e in case["timeline"]] == ["report", "triage", "accept", "dispatch"]
    routing = case["timeline"][1]["data"]["routing"]
    assert routing["rule"] == "camera-property-first" and routing["loop"] == "external"
    assert "property_company of grid" in " ".join(routing["because"])
    assert "camera-property-first" in case["timeline"][3]["data"]["note"]


def test_a_category_without_a_special_rule_goes_to_its_unit_type_in_place(api):
    case = report(api, description="路灯不亮", category="C0108")
    assert case["status"] == "dispatched" and case["unit_id"] == "dept-chengguan"
    assert case["timeline"][1]["data"]["routing"]["rule"] == "by-category"


def test_life_and_safety_words_raise_the_grade_and_sensitive_topics_are_flagged(api):
    case = report(api, description="楼下电动车起火，有人聚集围观", category="E0508")
    assert case["grade"] == 1
    assert "fire (起火)" in case["timeline"][1]["data"]["grade_because"]
    assert case["timeline"][1]["data"]["sensitive_terms"] == ["聚集"]


def test_a_case_nobody_can_route_waits_in_the_queue_and_one_action_dispatches_it(api):
    case = report(api, description="有个问题想反映一下")
    assert case["status"] == "reported"
    queue = api.get("/api/v1/triage", headers=api.login("disp")).json()
    queued = next(q for q in queue if q["id"] == case["id"])
    # the classifier cannot tell what this vague message is about, so a person decides
    assert queued["triage_reason"].startswith("classifier unsure")
    assert queued["triage"]["classification"]["runners_up"]
    r = api.post(
        f"/api/v1/triage/{case['id']}",
        json={"version": case["version"], "unit_id": "dept-chengguan", "category": "E0699", "grade": 2},
        headers=api.login("disp"),
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "dispatched" and r.json()["grade"] == 2 and r.json()["category"] == "E0699"
    assert all(q["id"] != case["id"] for q in api.get("/api/v1/triage", headers=api.login("disp")).json())


def test_resolving_with_a_stale_version_or_unknown_unit_is_refused(api):
    case = report(api, description="有个问题想反映一下")
    h = api.login("disp")
    assert api.post(f"/api/v1/triage/{case['id']}", json={"version": 1, "unit_id": "wuye-1"}, headers=h).status_code == 409
    r = api.post(f"/api/v1/triage/{case['id']}", json={"version": case["version"], "unit_id": "nobody"}, headers=h)
    assert r.status_code == 422
    r = api.post(f"/api/v1/triage/{case['id']}", json={"version": case["version"], "unit_id": "wuye-1", "category": "Z999"}, headers=h)
    assert r.status_code == 422
    assert api.post(f"/api/v1/triage/{case['id']}", json={"version": case["version"]}, headers=h).status_code == 422
    assert api.post(f"/api/v1/triage/{case['id']}", json={"version": case["version"], "unit_id": "wuye-1"}, headers=api.login("ann")).status_code == 403


def test_the_dry_run_explains_without_storing(api):
    lon, lat, _ = point_in(api.platform, "community")
    h = api.login("disp")
    before = api.get("/api/v1/cases", headers=h).json()["items"]
    r = api.post("/api/v1/rules/dry-run", json={"description": "垃圾满溢", "lon": lon, "lat": lat, "category": "E0109", "channel": "ai_camera"}, headers=h)
    assert r.status_code == 200 and r.json()["routing"]["unit_id"] == "wuye-1" and r.json()["routing"]["time_limit"] == "30m"
    assert api.get("/api/v1/cases", headers=h).json()["items"] == before
    far = api.post("/api/v1/rules/dry-run", json={"description": "x", "lon": 116.4, "lat": 39.9, "category": "E0109"}, headers=h)
    assert far.json()["needs_person"] == "not placed in any grid"
    vague = api.post("/api/v1/rules/dry-run", json={"description": "有个问题想反映一下", "lon": lon, "lat": lat}, headers=h)
    assert vague.json()["needs_person"].startswith("classifier unsure")  # the same reason triage would give


def test_rules_are_edited_over_the_api_and_bad_ones_are_refused(api):
    h = api.login("root")
    rule = {"code": "lamps-cg", "name": "路灯归城管", "priority": 5, "when": {"field": "category", "op": "eq", "value": "C0108"}, "unit_id": "dept-chengguan"}
    assert api.put("/api/v1/rules/lamps-cg", json=rule, headers=h).status_code == 200
    assert any(r["code"] == "lamps-cg" for r in api.get("/api/v1/rules", headers=h).json())
    bad = {**rule, "when": {"field": "category", "op": "approx", "value": "C0108"}}
    r = api.put("/api/v1/rules/lamps-cg", json=bad, headers=h)
    assert r.status_code == 422 and "unknown op" in r.json()["detail"]
    assert api.put("/api/v1/rules/lamps-cg", json={**rule, "unit_id": "nobody"}, headers=h).status_code == 422
    assert api.put("/api/v1/rules/other", json=rule, headers=h).status_code == 422
    assert api.put("/api/v1/rules/lamps-cg", json=rule, headers=api.login("ann")).status_code == 403
    assert api.delete("/api/v1/rules/lamps-cg", headers=h).status_code == 204
    assert api.delete("/api/v1/rules/lamps-cg", headers=h).status_code == 404


def test_a_rule_file_with_a_bad_row_imports_nothing_and_names_the_row(api):
    h = {**api.login("root"), "Content-Type": "text/csv"}
    good = 'code,name,priority,when,unit_id\nr1,一,5,"{""field"": ""grade"", ""op"": ""eq"", ""value"": 1}",dept-chengguan\n'
    bad = good + 'r2,二,5,"{not json",dept-chengguan\n'
    r = api.post("/api/v1/rules/import", content=bad.encode(), headers=h)
    assert r.status_code == 422 and r.json()["problems"][0].startswith("line 3")
    assert all(x["code"] != "r1" for x in api.get("/api/v1/rules", headers=h).json())
    assert api.post("/api/v1/rules/import", content=good.encode(), headers=h).json() == {"imported": 1}


def test_the_category_table_is_data_and_a_bad_table_is_refused_whole(api):
    h = api.login("root")
    cats = api.get("/api/v1/categories", headers=h).json()
    assert {"E0109", "C0108", "M01"} <= {c["code"] for c in cats}
    bad = "code,kind,major,name,name_en,grade,time_limit,unit_type\nX1,event,市容,测试,t,7,1d,x\n"
    r = api.put("/api/v1/categories", content=bad.encode(), headers={**h, "Content-Type": "text/csv"})
    assert r.status_code == 422 and "line 2" in r.json()["problems"][0]
    assert len(api.get("/api/v1/categories", headers=h).json()) == len(cats)


def test_the_category_table_round_trips_through_yaml_and_csv_exports(api):
    h = api.login("root")
    exported = api.get("/api/v1/categories?format=yaml", headers=h)
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("application/yaml")
    edited = exported.text.replace("time_limit: 2h\n  unit_type: sanitation", "time_limit: 3h\n  unit_type: sanitation", 1)
    assert edited != exported.text
    r = api.put("/api/v1/categories", content=edited.encode(), headers={**h, "Content-Type": "application/yaml"})
    assert r.status_code == 200, r.text
    cats = {c["code"]: c for c in api.get("/api/v1/categories", headers=h).json()}
    assert cats["E0102"]["time_limit"] == "3h" and r.json()["imported"] == len(cats)
    as_csv = api.get("/api/v1/categories?format=csv", headers=h)
    assert as_csv.text.splitlines()[0] == "code,kind,major,name,name_en,grade,time_limit,unit_type,synonyms,phrases,scenes"
    again = api.put("/api/v1/categories", content=as_csv.content, headers={**h, "Content-Type": "text/csv"})
    assert again.json() == {"imported": len(cats)}


@pytest.mark.parametrize(
    ("body", "content_type", "status", "says"),
    [("- code: X1\n  kind: event\n  major: 市容\n  name: 测试\n  grade: 9\n  time_limit: 1d\n", "application/yaml", 422, "item 1"),
     ("- code: [unclosed\n", "application/yaml", 422, "not valid YAML at line"),
     ("just a string", "text/yaml", 422, "list of categories"),
     ("code,kind\n", "application/json", 415, "text/csv or application/yaml")],
)  # fmt: skip
def test_a_bad_yaml_table_or_media_type_is_refused_and_the_table_kept(api, body, content_type, status, says):
    h = api.login("root")
    before = api.get("/api/v1/categories", headers=h).json()
    r = api.put("/api/v1/categories", content=body.encode(), headers={**h, "Content-Type": content_type})
    assert r.status_code == status and r.headers["content-type"] == "application/problem+json"
    assert says in (r.json()["detail"] + " ".join(r.json().get("problems", [])))
    assert api.get("/api/v1/categories", headers=h).json() == before


def test_a_message_without_a_category_is_classified_and_the_prediction_kept(api):
    case = report(api, description="公司拖欠我们几十名工人三个月工资，社保也没交")
    found = case["timeline"][1]["data"]["classification"]
    assert found["label"] == "劳动和社会保障" and found["confidence"] > 0.9
    assert case["category"] == "M02"


def test_a_report_that_names_its_event_gets_that_category_its_limit_and_its_unit(api):
    case = report(api, description="小区门口路灯不亮，晚上很黑")  # no category chosen by the reporter
    triaged = case["timeline"][1]["data"]
    assert triaged["named"] == {"category": "C0108", "phrase": "路灯…不亮"} and "classification" not in triaged
    assert case["category"] == "C0108" and case["status"] == "dispatched", case["triage_reason"]
    assert case["unit_id"] == "dept-chengguan" and case["due_at"] is not None  # the street lamp's unit and 时限
    body = {"description": "小区门口垃圾桶满溢", "lon": case["lon"], "lat": case["lat"]}
    dry = api.post("/api/v1/rules/dry-run", json=body, headers=api.login("disp")).json()
    assert dry["named"] == {"category": "E0109", "phrase": "垃圾桶满溢"} and dry["category"] == "E0109"


def test_a_dispatcher_merges_a_duplicate_and_can_split_it_again(api):
    keep = report(api, "disp", description="垃圾桶满溢", category="E0109", channel="ai_camera")
    lon, lat, _ = point_in(api.platform, "grid", 5)
    dup = api.post("/api/v1/cases", json={"description": "这里垃圾很多", "lat": lat, "lon": lon}, headers=api.login("ann")).json()
    h = api.login("disp")
    r = api.post(f"/api/v1/cases/{dup['id']}/merge", json={"version": dup["version"], "into": keep["id"]}, headers=h)
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    kept = api.get(f"/api/v1/cases/{keep['id']}", headers=h).json()
    assert kept["timeline"][-1]["action"] == "join"
    assert api.post(f"/api/v1/cases/{dup['id']}/merge", json={"version": r.json()["version"], "into": None}, headers=api.login("ann")).status_code == 403
    split = api.post(f"/api/v1/cases/{dup['id']}/merge", json={"version": r.json()["version"], "into": None}, headers=h)
    assert split.status_code == 200 and split.json()["status"] == "accepted"
    assert api.post(f"/api/v1/cases/{dup['id']}/merge", json={"version": split.json()["version"], "into": dup["id"]}, headers=h).status_code == 422
    assert api.post(f"/api/v1/cases/{dup['id']}/merge", json={"version": split.json()["version"], "into": "nope"}, headers=h).status_code == 422


def test_the_cli_exports_and_imports_the_category_table_as_yaml(tmp_path, monkeypatch, capsys):
    from gridgov.cli import main as cli

    monkeypatch.setenv("GRIDGOV_DATA_DIR", str(tmp_path / "var"))
    table = tmp_path / "categories.yaml"
    assert cli(["categories", "export", str(table)]) == 0
    text = table.read_text(encoding="utf-8")
    assert "name: 垃圾满溢" in text
    table.write_text(text.replace("name: 垃圾满溢", "name: 垃圾桶满溢"), encoding="utf-8")
    assert cli(["categories", "import", str(table)]) == 0
    assert "imported" in capsys.readouterr().out
    assert cli(["categories", "export"]) == 0
    assert ",垃圾桶满溢," in capsys.readouterr().out
    table.write_text("- code: bad code\n  kind: event\n", encoding="utf-8")
    assert cli(["categories", "import", str(table)]) == 1
    err = capsys.readouterr().err
    assert "item 1: bad code 'bad code'" in err
    assert cli(["categories", "export"]) == 0 and ",垃圾桶满溢," in capsys.readouterr().out  # nothing lost


def test_dispatchers_corrections_retrain_a_model_the_platform_then_loads(api, tmp_path, monkeypatch, capsys):
    import csv
    from collections import defaultdict

    from sqlalchemy import select

    from gridgov.adapters import tables as t
    from gridgov.bootstrap import bootstrap
    from gridgov.cli import main as cli
    from tests.conftest import make_settings

    case = report(api, description="有个问题想反映一下")  # the classifier is unsure: it waits in the queue
    predicted = case["timeline"][1]["data"]["classification"]["label"]
    corrected = "M03" if predicted != "教育文体" else "M04"
    r = api.post(f"/api/v1/triage/{case['id']}", json={"version": case["version"], "unit_id": "sq-1", "category": corrected},
                 headers=api.login("disp"))  # fmt: skip
    assert r.status_code == 200, r.text
    data_dir = api.platform.settings.data_dir
    with api.platform.engine.connect() as conn:  # kept in the database, which every process reads
        c = t.classifier_corrections.c
        kept = [dict(r._mapping) for r in conn.execute(select(c.title, c.detail, c.label))]
    assert kept == [{"title": "", "detail": "有个问题想反映一下", "label": {"M03": "教育文体", "M04": "商贸旅游"}[corrected]}]

    by_label = defaultdict(list)
    source = Path(__file__).resolve().parents[2] / "data/tipdm2020c/raw_labelled.csv"
    for row in csv.DictReader(source.open(encoding="utf-8")):
        by_label[row["label"]].append({k: row[k] for k in ("title", "detail", "label")})
    small = tmp_path / "small.csv"
    with small.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["title", "detail", "label"])
        writer.writeheader()
        writer.writerows(r for rows in by_label.values() for r in rows[:20])
    monkeypatch.setenv("GRIDGOV_DATA_DIR", str(data_dir))
    model = tmp_path / "retrained.joblib"
    assert cli(["classifier", "train", str(small), "--with-corrections", "--out", str(model)]) == 0
    out = capsys.readouterr().out
    assert "with 1 dispatchers' corrections" in out and f"trained on {7 * 20 + 1} messages" in out

    settings = make_settings(tmp_path / "deployment").model_copy(update={"classifier_model": model})
    platform = bootstrap(settings)
    assert platform.classifier.predict("小区门口的路灯坏了", "").label in by_label
    missing = make_settings(tmp_path / "other").model_copy(update={"classifier_model": tmp_path / "nope.joblib"})
    with pytest.raises(ValueError, match="no model file at"):
        bootstrap(missing)
