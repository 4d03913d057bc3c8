"""The morning brief end to end on both backends: the PDF opens and holds the KPI API's numbers, the HTML
links every figure to its case list, the same data gives the same bytes, bad dates get 422."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from gridgov.api.app import create_app
from tests.analytics_data import GRID1, GRID2, case_row, insert, weekly
from tests.conftest import PASSWORD, START, populate

DAY = "2026-11-23"  # START's day: the brief covers 2026-11-22 (Shanghai)


@pytest.fixture
def client(any_platform):
    populate(any_platform)
    rows = weekly(START, [6] + [1] * 8, grid=GRID1) + weekly(START, [2] * 9, grid=GRID2)
    # on 2026-11-22 (Shanghai): 3 more cases, two closed, one of them rated 5, one sensitive
    at = START - timedelta(hours=20)  # 2026-11-22 13:00 Shanghai
    rows += [case_row(at, status="closed", closed_at=at + timedelta(hours=2), due_at=at + timedelta(hours=4), rating=5),
             case_row(at, status="closed", closed_at=at + timedelta(hours=6), due_at=at + timedelta(hours=4)),
             case_row(at, sensitive=True, description="小区门口有人聚集拉横幅", due_at=at + timedelta(hours=3))]  # fmt: skip
    insert(any_platform, rows)
    with TestClient(create_app(platform=any_platform, run_relay=False)) as c:
        r = c.post("/api/v1/auth/token", data={"username": "boss", "password": PASSWORD})
        c.headers.update({"Authorization": f"Bearer {r.json()['access_token']}"})
        yield c


def test_the_pdf_opens_and_holds_the_numbers_of_the_kpi_api(client):
    kpis = client.get("/api/v1/analytics/kpis?from=2026-11-22&to=2026-11-22&by=community").json()["total"]
    r = client.get(f"/api/v1/briefs/{DAY}.pdf")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(r.content)).pages)
    assert "民生诉求每日早报 · 全区" in text
    # the day's received: the 3 cases above plus the weekly ones falling on that day (the KPI API says how many)
    received = kpis["received"]["value"]
    assert received >= 3
    assert f"受理数 {received} " in text
    assert f"结案数 {kpis['closed']['value']} " in text
    assert kpis["closed"]["value"] == 2
    # rated 5 of one rated: 100.0 %; one of two due that day closed on time: 50.0 %
    assert f"满意率 {100 * kpis['satisfaction_rate']['value']:.1f}%" in text and kpis["satisfaction_rate"]["value"] == 1.0
    assert "小区门口有人聚集拉横幅" in text  # a notable (sensitive) case
    assert "占道经营" in text


def test_the_same_data_gives_the_same_bytes(client):
    first = client.get(f"/api/v1/briefs/{DAY}.pdf").content
    assert client.get(f"/api/v1/briefs/{DAY}.pdf").content == first
    assert client.get(f"/api/v1/briefs/{DAY}.html").content == client.get(f"/api/v1/briefs/{DAY}.html").content


def test_every_figure_in_the_html_links_to_its_case_list(client):
    html = client.get(f"/api/v1/briefs/{DAY}.html").text
    assert '<td class="n" data-kpi="received"><a href="/api/v1/cases?' in html
    assert "<script" not in html and "style=" not in html  # the CSP forbids inline script and style
    assert "<svg" in html


@pytest.mark.parametrize("day", ["2026-13-01", "2026-2-1", "yesterday", "1999-12-31", "2026-02-30"])
def test_a_bad_date_is_refused_with_422(client, day):
    r = client.get(f"/api/v1/briefs/{day}.pdf")
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")


def test_a_reversed_range_is_refused_and_a_range_on_demand_works(client):
    assert client.get("/api/v1/briefs?from=2026-11-22&to=2026-11-01").status_code == 422
    r = client.get("/api/v1/briefs?from=2026-11-01&to=2026-11-22&format=html")
    assert r.status_code == 200 and "统计范围 2026-11-01 至 2026-11-22" in r.text
