"""The KPI table on hand-built cases: every indicator by community, unit, worker and day, with answers
worked out by hand below (not by the code under test); each figure's drill-down lists exactly the
cases behind it; empty ranges give "no data"; bad input is a 422. On SQLite and PostgreSQL.

The district (times are Shanghai local, November 2026 unless said; "h" = handled, "c" = closed):

community A (the demo's first community)
  c01 resident  rep 2 09:00  disp 2 10:00 wuye   due 3 10:00  h 3 09:00  c 3 12:00  rated 5     27 h
  c02 hotline   rep 4 09:00  disp 4 10:00 wuye   due 5 10:00  h 5 12:00  c 5 14:00  rated 3     29 h  late
  c03 grid_app  rep 6 08:00  disp 6 09:00 cg     due 8 09:00  h 7 09:00  c 7 18:00  returned once, reworked once  34 h
  c04 hotline   rep 10 09:00 acc 10 09:10 disp 10 09:30 cg  due 12 09:30  h 11 09:00  (handled, open)
  c05 resident  rep 11 09:00 rejected
  c06 resident  rep 12 09:00 disp 12 10:00 wuye  due 14 10:00  suspended since 13 10:00
  c07 grid_app  rep 15 09:00 disp 15 10:00 sq    due 16 10:00  h 16 08:00  c 16 09:00  rated 4     24 h
  c08 resident  rep Oct 28 09:00 disp Oct 28 10:00 cg  due Nov 1 10:00  h 2 10:00  c 2 12:00  rated 2  123 h  late
community B (the second)
  c09 hotline   rep 3 09:00  acc 3 09:30 disp 3 10:00 sq  due 4 10:00  h 4 09:00  c 4 10:00  rated 5   25 h
  c10 resident  rep 5 09:00  returned once, disp again 5 12:00 sq  due 6 12:00  reworked twice, h 7 08:00
                c 7 09:00  rated 1   48 h  late
  c11 grid_app  rep 20 09:00 disp 20 10:00 wuye  due 21 10:00  h 21 09:00  c 21 11:00  not rated  26 h
  c12 hotline   rep 25 09:00 (untouched)
  c13 resident  rep 28 09:00 disp 28 10:00 sq  due Dec 1 10:00 (outside the range)
  c14 resident  rep 30 23:30 (the last half hour of the range)
  c15 resident  rep Dec 1 00:10 (outside)
a year earlier, A: c16 resident rep 2025-11-10 09:00 disp 10:00 wuye due 11-11 10:00 h 11-11 08:00 c 11-11 09:00 rated 5
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import insert

from gridgov.adapters import tables as t
from gridgov.api.app import create_app
from tests.conftest import PASSWORD, populate

SH = ZoneInfo("Asia/Shanghai")


def at(day, hour, minute=0, month=11, year=2026):
    return datetime(year, month, day, hour, minute, tzinfo=SH)


def _rows(grid_a: str, grid_b: str, gw: str) -> list[dict]:
    def row(id, grid, channel, reported, status, **kw):
        base = {"id": id, "description": "测试", "lon": 114.05, "lat": 22.55, "category": "E0109", "grade": 3,
                "channel": channel, "grid_code": grid, "reporter_id": gw if channel == "grid_app" else "someone",
                "photos": [], "status": status, "reported_at": reported, "result_photos": [], "rework_count": 0,
                "return_count": 0, "sensitive": False, "report_count": 1, "supervisions": [], "version": 1,
                "updated_at": reported, "unit_id": None, "accepted_at": None, "dispatched_at": None, "due_at": None,
                "handled_at": None, "closed_at": None, "rating": None, "suspended_since": None}  # fmt: skip
        return {**base, **kw}

    A, B = grid_a, grid_b
    return [
        row("c01", A, "resident_app", at(2, 9), "rated", unit_id="wuye-1", dispatched_at=at(2, 10), due_at=at(3, 10),
            handled_at=at(3, 9), closed_at=at(3, 12), rating=5),
        row("c02", A, "hotline_12345", at(4, 9), "rated", unit_id="wuye-1", dispatched_at=at(4, 10), due_at=at(5, 10),
            handled_at=at(5, 12), closed_at=at(5, 14), rating=3),
        row("c03", A, "grid_app", at(6, 8), "closed", unit_id="dept-chengguan", dispatched_at=at(6, 9), due_at=at(8, 9),
            handled_at=at(7, 9), closed_at=at(7, 18), return_count=1, rework_count=1),
        row("c04", A, "hotline_12345", at(10, 9), "handled", unit_id="dept-chengguan", accepted_at=at(10, 9, 10),
            dispatched_at=at(10, 9, 30), due_at=at(12, 9, 30), handled_at=at(11, 9)),
        row("c05", A, "resident_app", at(11, 9), "rejected"),
        row("c06", A, "resident_app", at(12, 9), "in_progress", unit_id="wuye-1", dispatched_at=at(12, 10),
            due_at=at(14, 10), suspended_since=at(13, 10)),
        row("c07", A, "grid_app", at(15, 9), "rated", unit_id="sq-1", dispatched_at=at(15, 10), due_at=at(16, 10),
            handled_at=at(16, 8), closed_at=at(16, 9), rating=4),
        row("c08", A, "resident_app", at(28, 9, month=10), "rated", unit_id="dept-chengguan",
            dispatched_at=at(28, 10, month=10), due_at=at(1, 10), handled_at=at(2, 10), closed_at=at(2, 12), rating=2),
        row("c09", B, "hotline_12345", at(3, 9), "rated", unit_id="sq-1", accepted_at=at(3, 9, 30), dispatched_at=at(3, 10),
            due_at=at(4, 10), handled_at=at(4, 9), closed_at=at(4, 10), rating=5),
        row("c10", B, "resident_app", at(5, 9), "rated", unit_id="sq-1", dispatched_at=at(5, 12), due_at=at(6, 12),
            handled_at=at(7, 8), closed_at=at(7, 9), rating=1, return_count=1, rework_count=2),
        row("c11", B, "grid_app", at(20, 9), "closed", unit_id="wuye-1", dispatched_at=at(20, 10), due_at=at(21, 10),
            handled_at=at(21, 9), closed_at=at(21, 11)),
        row("c12", B, "hotline_12345", at(25, 9), "reported"),
        row("c13", B, "resident_app", at(28, 9), "dispatched", unit_id="sq-1", dispatched_at=at(28, 10),
            due_at=at(1, 10, month=12)),
        row("c14", B, "resident_app", at(30, 23, 30), "reported"),
        row("c15", B, "resident_app", at(1, 0, 10, month=12), "reported"),
        row("c16", A, "resident_app", at(10, 9, year=2025), "rated", unit_id="wuye-1", dispatched_at=at(10, 10, year=2025),
            due_at=at(11, 10, year=2025), handled_at=at(11, 8, year=2025), closed_at=at(11, 9, year=2025), rating=5),
    ]  # fmt: skip


@pytest.fixture
def district(any_platform):
    """The platform with the cases above; yields (client, headers of the dispatcher, codes)."""
    actors = populate(any_platform)
    communities = [n for n in any_platform.grids.tree if str(n.level) == "community"]
    grid_a = next(n.code for n in any_platform.grids.tree if str(n.level) == "grid" and n.parent_code == communities[0].code)
    grid_b = next(n.code for n in any_platform.grids.tree if str(n.level) == "grid" and n.parent_code == communities[1].code)
    with any_platform.engine.begin() as conn:
        conn.execute(insert(t.cases), _rows(grid_a, grid_b, actors["gw"].user_id))
    with TestClient(create_app(platform=any_platform, run_relay=False)) as client:
        token = client.post("/api/v1/auth/token", data={"username": "disp", "password": PASSWORD}).json()["access_token"]
        codes = {"A": communities[0].code, "B": communities[1].code, "communities": [n.code for n in communities],
                 "gw": actors["gw"].user_id, "platform": any_platform}  # fmt: skip
        yield client, {"Authorization": f"Bearer {token}"}, codes


NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}


def values(row: dict) -> dict:
    return {key: cell["value"] for key, cell in row.items() if isinstance(cell, dict)}


def case_ids(client, headers, url: str) -> set[str]:
    assert url.startswith("/api/v1/cases?")
    r = client.get(url + "&limit=200", headers=headers)
    assert r.status_code == 200, r.text
    return {c["id"] for c in r.json()["items"]}


def test_every_indicator_by_community_matches_the_hand_count(district):
    client, h, codes = district
    r = client.get("/api/v1/analytics/kpis", params={**NOVEMBER, "by": "community"}, headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    rows = {row["code"]: row for row in body["rows"]}
    assert set(rows) == set(codes["communities"])  # every community, also those without a case
    a, b = values(rows[codes["A"]]), values(rows[codes["B"]])
    assert a == {
        "received": 7,  # c01-c07 (c05 voided still received; c08 was reported in October)
        "closed": 5,  # c01 c02 c03 c07 c08
        "due": 7,  # c01 c02 c03 c04 c06 c07 c08 (due 1 Nov)
        "closed_on_time": 3,  # c01 c03 c07; c02 and c08 handled late
        "closure_rate": 0.7143,  # 5 of the 7 due are closed
        "on_time_rate": 0.5,  # 3 / (7 due − c06 suspended)
        "ontime_handling_rate": 0.6667,  # dispatched, due, not suspended: c01 c02 c03 c04 c07 c08; in time: c01 c03 c04 c07
        "rework_rate": 0.1667,  # handled in range: c01 c02 c03 c04 c07 c08; reworked: c03
        "accurate_dispatch_rate": 0.8333,  # dispatched in range: c01 c02 c03 c04 c06 c07; returned: c03
        "satisfaction_rate": 0.5,  # rated and closed in range: c01(5) c02(3) c07(4) c08(2)
        "avg_handling_hours": 47.4,  # (27 + 29 + 34 + 24 + 123) / 5
        "p90_handling_hours": 123.0,  # n = 5, rank ceil(4.5) = 5: the largest
        "social_entity_share": 0.5,  # of c01 c02 c03 c04 c06 c07, wuye (a social entity) has c01 c02 c06
        "hotline_response_rate": 1.0,  # c02 dispatched, c04 accepted
        "hotline_resolution_rate": 0.5,  # c02 closed, c04 not
        "hotline_satisfaction_rate": 0.0,  # c02 rated 3
    }
    assert b == {
        "received": 6,  # c09-c14 (c14 at 23:30 on the 30th; c15 is December)
        "closed": 3,  # c09 c10 c11
        "due": 3,  # c09 c10 c11 (c13 is due in December)
        "closed_on_time": 2,  # c09 c11
        "closure_rate": 1.0,
        "on_time_rate": 0.6667,  # 2 / 3
        "ontime_handling_rate": 0.6667,  # c09 c11 of c09 c10 c11
        "rework_rate": 0.3333,  # c10 of c09 c10 c11
        "accurate_dispatch_rate": 0.75,  # dispatched: c09 c10 c11 c13; returned: c10
        "satisfaction_rate": 0.5,  # c09(5) c10(1); c11 not rated
        "avg_handling_hours": 33.0,  # (25 + 48 + 26) / 3
        "p90_handling_hours": 48.0,  # n = 3, rank 3
        "social_entity_share": 0.25,  # c11 of c09 c10 c11 c13
        "hotline_response_rate": 0.5,  # c09 yes, c12 no
        "hotline_resolution_rate": 0.5,  # c09 closed
        "hotline_satisfaction_rate": 1.0,  # c09 rated 5
    }
    total = values(body["total"])
    assert total["received"] == 13 and total["closed"] == 8 and total["due"] == 10 and total["closed_on_time"] == 5
    assert total["on_time_rate"] == 0.5556  # 5 / 9
    assert total["avg_handling_hours"] == 42.0  # 336 / 8
    assert total["p90_handling_hours"] == 123.0  # n = 8, rank ceil(7.2) = 8
    assert total["accurate_dispatch_rate"] == 0.8  # 8 / 10
    assert total["hotline_response_rate"] == 0.75  # 3 / 4
    # a community without cases: counts are 0, rates and times "no data"
    empty = rows[codes["communities"][2]]
    assert empty["received"] == {**empty["received"], "value": 0, "n": 0}
    assert empty["on_time_rate"]["value"] is None and empty["on_time_rate"]["note"] == "no data"
    assert empty["p90_handling_hours"]["value"] is None


def test_year_on_year_and_period_on_period(district):
    client, h, codes = district
    rows = {r["code"]: r for r in client.get("/api/v1/analytics/kpis", params={**NOVEMBER, "by": "community"}, headers=h).json()["rows"]}
    received = rows[codes["A"]]["received"]
    # 同比: Nov 2025 held c16 only; 环比: 2 Oct – 31 Oct held c08 only
    assert received["yoy"]["value"] == 1 and received["yoy"]["delta"] == 6 and received["yoy"]["change"] == 6.0
    assert received["mom"]["value"] == 1 and received["mom"]["change"] == 6.0
    on_time = rows[codes["A"]]["on_time_rate"]["yoy"]
    assert on_time["value"] == 1.0 and on_time["delta"] == -0.5  # c16 was closed on time
    assert rows[codes["B"]]["received"]["yoy"] == {**rows[codes["B"]]["received"]["yoy"], "value": 0, "change": None}
    assert case_ids(client, h, received["yoy"]["cases"]) == {"c16"}
    assert case_ids(client, h, received["mom"]["cases"]) == {"c08"}


def test_each_figure_lists_exactly_its_cases(district):
    client, h, codes = district
    body = client.get("/api/v1/analytics/kpis", params={**NOVEMBER, "by": "community"}, headers=h).json()
    a = next(r for r in body["rows"] if r["code"] == codes["A"])
    b = next(r for r in body["rows"] if r["code"] == codes["B"])
    assert case_ids(client, h, a["received"]["cases"]) == {"c01", "c02", "c03", "c04", "c05", "c06", "c07"}
    assert case_ids(client, h, a["closed_on_time"]["cases"]) == {"c01", "c03", "c07"}
    assert case_ids(client, h, a["on_time_rate"]["cases"]) == {"c01", "c02", "c03", "c04", "c07", "c08"}
    assert case_ids(client, h, a["on_time_rate"]["numerator_cases"]) == {"c01", "c03", "c07"}
    assert case_ids(client, h, a["ontime_handling_rate"]["numerator_cases"]) == {"c01", "c03", "c04", "c07"}
    assert case_ids(client, h, b["rework_rate"]["numerator_cases"]) == {"c10"}
    assert case_ids(client, h, b["accurate_dispatch_rate"]["numerator_cases"]) == {"c09", "c11", "c13"}
    assert case_ids(client, h, b["social_entity_share"]["numerator_cases"]) == {"c11"}
    assert case_ids(client, h, a["satisfaction_rate"]["numerator_cases"]) == {"c01", "c07"}
    assert case_ids(client, h, b["hotline_response_rate"]["cases"]) == {"c09", "c12"}
    assert case_ids(client, h, body["total"]["received"]["cases"]) == {f"c{i:02d}" for i in range(1, 15)} - {"c08"}
    # the link is an ordinary case-list query
    query = dict(parse_qsl(urlsplit(a["closed_on_time"]["cases"]).query))
    assert query == {"grid": codes["A"], "closed_on_time": "true", "due_since": "2026-10-31T16:00:00Z", "due_until": "2026-11-30T16:00:00Z"}


def test_by_unit_worker_channel_and_day(district):
    client, h, codes = district

    def table(by, **extra):
        r = client.get("/api/v1/analytics/kpis", params={**NOVEMBER, "by": by, **extra}, headers=h)
        assert r.status_code == 200, r.text
        return {row["code"]: row for row in r.json()["rows"]}

    units = table("unit")
    assert set(units) == {"wuye-1", "dept-chengguan", "sq-1"} and units["wuye-1"]["name"] == "景华物业"
    wuye = values(units["wuye-1"])
    assert wuye["closed"] == 3 and wuye["avg_handling_hours"] == 27.33  # c01 27, c02 29, c11 26: 82 / 3
    assert wuye["p90_handling_hours"] == 29.0  # n = 3, rank 3
    assert wuye["due"] == 4 and wuye["on_time_rate"] == 0.6667  # c01 c02 c06 c11; c06 suspended; c01 c11 on time
    workers = table("worker")
    assert list(workers) == [codes["gw"]] and workers[codes["gw"]]["name"] == "gw"
    assert values(workers[codes["gw"]])["received"] == 3  # c03 c07 c11
    assert case_ids(client, h, workers[codes["gw"]]["received"]["cases"]) == {"c03", "c07", "c11"}
    channels = table("channel")
    assert values(channels["hotline_12345"])["received"] == 4 and channels["hotline_12345"]["name"] == "12345热线"
    assert channels["grid_app"]["hotline_response_rate"]["value"] is None  # no 12345 case in that row
    days = table("day")
    assert len(days) == 30 and days["2026-11-02"]["received"]["value"] == 1 and days["2026-11-02"]["closed"]["value"] == 1
    assert days["2026-11-30"]["received"]["value"] == 1  # c14 at 23:30; c15 at 00:10 on 1 Dec is not in it
    assert days["2026-11-02"]["received"]["mom"]["value"] == 0  # 1 Nov: no report
    assert case_ids(client, h, days["2026-11-30"]["received"]["cases"]) == {"c14"}
    months = table("month")
    assert list(months) == ["2026-11"] and values(months["2026-11"])["received"] == 13
    assert months["2026-11"]["received"]["mom"]["value"] == 1  # October: c08
    weeks = table("week")
    assert list(weeks)[:2] == ["2026-10-26", "2026-11-02"] and weeks["2026-10-26"]["name"] == "2026-W44"
    only_a = table("community", grid=codes["A"])
    assert list(only_a) == [codes["A"]]


def test_an_empty_range_gives_zero_counts_and_no_rates(district):
    client, h, _ = district
    body = client.get("/api/v1/analytics/kpis", params={"from": "2030-01-01", "to": "2030-01-31", "by": "unit"}, headers=h).json()
    assert body["rows"] == []
    assert body["total"]["received"]["value"] == 0 and body["total"]["closure_rate"]["value"] is None
    assert body["total"]["closure_rate"]["note"] == "no data" and body["total"]["closure_rate"]["yoy"]["delta"] is None


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2026-11-30", "to": "2026-11-01"},  # reversed
        {"from": "2020-01-01", "to": "2023-01-02"},  # longer than three years
        {"from": "2026-11-01", "to": "2026-11-30", "by": "planet"},
        {"from": "2026-11-01", "to": "2026-11-30", "grid": "440304999"},
        {"from": "2026-11-01", "to": "2026-11-30", "unit": "no-such-unit"},
        {"from": "2026-11-31", "to": "2026-12-01"},
        {"to": "2026-12-01"},
        {"from": "2026-11-01", "to": "2026-11-30", "format": "pdf"},
    ],
)
def test_bad_input_is_a_422_problem(district, params):
    client, h, _ = district
    r = client.get("/api/v1/analytics/kpis", params={"by": "community", **params}, headers=h)
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json"), r.text


def test_only_the_center_may_read_and_a_limited_user_sees_their_part(district):
    client, h, codes = district
    token = client.post("/api/v1/auth/token", data={"username": "ann", "password": PASSWORD}).json()["access_token"]
    assert client.get("/api/v1/analytics/kpis", params=NOVEMBER, headers={"Authorization": f"Bearer {token}"}).status_code == 403
    assert client.get("/api/v1/analytics/kpis", params=NOVEMBER).status_code == 401
    # the supervisor limited to community A (see populate: "gw" is; make "sup" so too)
    platform = codes["platform"]
    with platform.engine.begin() as conn:
        conn.execute(t.users.update().where(t.users.c.username == "sup").values(grid_code=codes["A"]))
    token = client.post("/api/v1/auth/token", data={"username": "sup", "password": PASSWORD}).json()["access_token"]
    body = client.get("/api/v1/analytics/kpis", params={**NOVEMBER, "by": "street"}, headers={"Authorization": f"Bearer {token}"}).json()
    assert body["total"]["received"]["value"] == 7 and [r["code"] for r in body["rows"]] == [codes["A"][:9]]


def test_export_as_csv_and_xlsx(district):
    client, h, codes = district
    r = client.get("/api/v1/analytics/kpis", params={**NOVEMBER, "by": "community", "format": "csv"}, headers=h)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    lines = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    a = next(line for line in lines if line["code"] == codes["A"])
    assert a["received"] == "7" and a["on_time_rate"] == "0.5" and a["received_yoy"] == "1" and a["received_mom"] == "1"
    assert lines[-1]["code"] == "total" and lines[-1]["received"] == "13"
    x = client.get("/api/v1/analytics/kpis", params={**NOVEMBER, "by": "community", "format": "xlsx"}, headers=h)
    sheet = load_workbook(io.BytesIO(x.content)).active
    assert sheet.cell(1, 3).value == "受理数" and sheet.cell(2, 3).value == "received"
    found = [row for row in sheet.iter_rows(min_row=3, values_only=True) if row[0] == codes["A"]][0]
    assert found[2] == 7


def test_case_list_filters_alone(district):
    """The new case-list filters work on their own, for the desk too."""
    client, h, _ = district
    assert case_ids(client, h, "/api/v1/cases?reworked=true") == {"c03", "c10"}
    assert case_ids(client, h, "/api/v1/cases?returned=true") == {"c03", "c10"}
    assert case_ids(client, h, "/api/v1/cases?rated=true&satisfied=false") == {"c02", "c08", "c10"}
    assert case_ids(client, h, "/api/v1/cases?suspended=true") == {"c06"}
    assert case_ids(client, h, "/api/v1/cases?closed_since=2026-11-21T00:00:00Z") == {"c11"}


def test_the_wall_uses_the_registry_over_its_window(district):
    """At the test clock (23 Nov 09:00 Shanghai), the last 30 days run from 24 Oct 09:00."""
    client, h, codes = district
    wall = client.get("/api/v1/stats/overview", headers=h).json()
    assert wall["today"] == {"received": 0, "closed": 0}
    assert wall["open"] == 6 and wall["overdue"] == 2  # open: c04 c06 c12 c13 c14 c15; past due: c04 c06
    assert wall["closure_rate"] == 0.8  # due in the window: c01-c04 c06-c11 (10); closed: 8
    assert wall["on_time_rate"] == 0.5556  # c01 c03 c07 c09 c11 of the 9 not suspended
    assert wall["satisfaction_rate"] == 0.5  # c01 c07 c09 of the six rated
    assert wall["average_handling_hours"] == 42.0  # 336 h over 8 closed
    grids = sorted(wall["per_grid"].items())
    assert [cell for _, cell in grids] == [{"open": 2, "overdue": 2}, {"open": 4, "overdue": 0}]  # grid of A, grid of B
    trend = {d["day"]: d for d in wall["trend"]}
    assert len(trend) == 14 and trend["2026-11-10"] == {"day": "2026-11-10", "received": 1, "closed": 0}
    assert trend["2026-11-16"]["closed"] == 1 and trend["2026-11-23"]["received"] == 0
    assert [(c["code"], c["count"]) for c in wall["by_category"]] == [("E0109", 15)]  # c01-c15 reported since 24 Oct
    assert [c["id"] for c in wall["overdue_list"]] == ["c04", "c06"]
