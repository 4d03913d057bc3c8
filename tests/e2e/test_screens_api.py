"""What the screens stand on: the wall's overview numbers, the category suggestion, the pages in both
languages and the vendored libraries served locally."""

from __future__ import annotations

from tests.conftest import point_in


def test_the_overview_counts_a_new_case_and_only_the_center_may_read_it(api):
    h = api.login("disp")
    before = api.get("/api/v1/stats/overview", headers=h).json()
    lon, lat, _ = point_in(api.platform, "grid")
    r = api.post("/api/v1/cases", json={"description": "路灯不亮", "lon": lon, "lat": lat, "category": "C0108"}, headers=api.login("ann"))
    assert r.status_code == 201
    after = api.get("/api/v1/stats/overview", headers=h).json()
    assert after["today"]["received"] == before["today"]["received"] + 1 and after["open"] == before["open"] + 1
    grid = r.json()["grid_code"]
    assert after["per_grid"][grid]["open"] >= 1
    assert any(c["code"] == "C0108" and c["name"] == "路灯" for c in after["by_category"])
    assert {"closure_rate", "on_time_rate", "satisfaction_rate", "average_handling_hours", "trend", "overdue_list"} <= set(after)
    assert api.get("/api/v1/stats/overview", headers=api.login("ann")).status_code == 403


def test_the_report_page_suggests_categories_as_you_type(api):
    h = api.login("ann")
    found = api.get("/api/v1/categories/suggest", params={"text": "楼下垃圾桶满了，好臭"}, headers=h).json()
    assert (found[0]["code"], found[0]["by"]) == ("E0109", "named")  # what triage would take, first (issue 11)
    assert api.get("/api/v1/categories/suggest", params={"text": "x"}, headers=h).json() == []
    assert api.get("/api/v1/categories/suggest", params={"text": "路灯"}).status_code == 401


def test_pages_render_in_chinese_by_default_and_in_english_on_request(api):
    page = api.get("/wall")
    assert page.status_code == 200 and '<html lang="zh-CN">' in page.text and "指挥大屏" in page.text
    english = api.get("/m/report?lang=en")
    assert '<html lang="en">' in english.text and "Report a problem" in english.text
    assert "lang=en" in english.headers["set-cookie"]
    assert "Log in" in api.get("/login", cookies={"lang": "en"}).text


def test_map_and_chart_libraries_are_served_from_the_app(api):
    for path in ("/static/vendor/leaflet/leaflet.js", "/static/vendor/echarts/echarts.min.js", "/static/js/wall.js", "/static/app.css"):
        r = api.get(path)
        assert r.status_code == 200 and len(r.content) > 1000, path
    html = api.get("/wall").text
    assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html  # nothing from the internet
