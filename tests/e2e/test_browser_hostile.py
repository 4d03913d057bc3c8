"""Hostile text stays text on every screen.

A resident may type `<img src=x onerror=…>` into a report; a unit's staff into a return reason or their
feedback; an administrator into a unit's or grid's name. Each of those is shown to a dispatcher whose
bearer token is in localStorage, so markup that became a live element could take it. This test puts
markup (an `<img onerror>`, a `<script>`, a `javascript:` link) into every such field, opens every screen
where the text appears (wall: feed, marker and grid tooltips, overdue and sensitive lists; desk: list,
detail, timeline; the phone pages), and fails on any of three signs:

- a dialog opened, or a console error (a CSP violation report means a page still has inline code);
- an element the hostile text would have made (`img[src=x]`, an inline `<script>`, a `javascript:` link)
  exists in the page: that checks the escaping itself, since the CSP would stop the handler anyway;
- the hostile text is not there to read, literally.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from urllib.parse import quote

import httpx
import pytest
from shapely.geometry import shape
from sqlalchemy import update

from gridgov.adapters import tables as t
from gridgov.api.app import create_app
from gridgov.demo.district import build_demo_geojson
from gridgov.demo.seed import build_demo
from tests.conftest import make_settings
from tests.e2e.conftest import serving
from tests.e2e.test_browser_flow import (  # noqa: F401
    PASSWORD,
    SHOTS,
    browser,
    first_community_point,
    wait_for_js,
)


def hostile(n: int) -> str:
    """Markup that alerts `n` wherever it is put in as HTML (the short `<img>` first: tooltips cut at 40)."""
    return f'<img src=x onerror=alert({n})><script>alert({n})</script><a href="javascript:alert({n})">x{n}</a>'


DESCRIPTION = hostile(1) + " 有个问题想反映一下，居民要集体上访"  # vague (waits for a dispatcher), sensitive (上访)
ADDRESS = hostile(2) + " 景华新村"
RESIDENT_NAME = "<img src=x onerror=alert(3)>居民"
STAFF_NAME = "<script>alert(4)</script>物业员"
UNIT_NAME = hostile(5) + " 物业"
RETURN_REASON = hostile(6) + " 不归我们管"
RESULT = hostile(7) + " 已处理"
REJECT_REASON = hostile(8) + " 重复上报"
GRID_NAME = "<img src=x onerror=alert(9)>网格"
SECOND = hostile(10) + " 第二件"
OWN_PASSWORD = "hostile-Tq7-zebra-lantern"  # the accounts this test makes (the demo's own use PASSWORD)


def password_of(username: str) -> str:
    return OWN_PASSWORD if username.startswith("hostile-") else PASSWORD


class Watch:
    """Dialogs and console errors of one page; `clean()` also checks the DOM for live hostile markup."""

    def __init__(self, page) -> None:
        self.page = page
        self.seen: list[str] = []
        page.on("dialog", self._dialog)
        page.on("pageerror", lambda exc: self.seen.append(f"{page.url}: script error {exc}"))
        page.on("console", self._console)

    def _dialog(self, dialog) -> None:
        self.seen.append(f"{self.page.url}: dialog {dialog.message!r}")
        dialog.dismiss()

    def _console(self, msg) -> None:
        if msg.type == "error":
            self.seen.append(f"{self.page.url}: console {msg.text}")

    def clean(self) -> None:
        live = self.page.evaluate(
            """() => [...document.querySelectorAll('img[src="x"], script:not([src]):not([type="application/json"]), '
                   + 'a[href^="javascript:" i], [onerror], [onclick]')].map((n) => n.outerHTML.slice(0, 80))"""
        )
        assert live == [], (self.page.url, live)
        assert self.seen == [], self.seen


def text_of(page, selector: str) -> str:
    return page.locator(selector).inner_text()


@pytest.fixture(scope="module")
def district(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    platform = build_demo(make_settings(tmp), password=PASSWORD, cases=12)
    with serving(create_app(platform=platform)) as base:
        yield base, platform
    platform.engine.dispose()


def client(base: str, username: str) -> httpx.Client:
    c = httpx.Client(base_url=base, timeout=20)
    r = c.post("/api/v1/auth/token", data={"username": username, "password": password_of(username)})
    assert r.status_code == 200, r.text
    c.headers["Authorization"] = "Bearer " + r.json()["access_token"]
    return c


def ok(r: httpx.Response) -> dict:
    assert r.status_code < 300, (r.request.url, r.status_code, r.text)
    return r.json()


def login(page, base: str, username: str, lang: str = "zh-CN") -> None:
    page.goto(f"{base}/login?lang={lang}")
    page.locator("#username").fill(username)
    page.locator("#password").fill(password_of(username))
    page.locator("#password").press("Enter")
    page.wait_for_url(lambda url: "/login" not in url)


def test_hostile_text_is_shown_as_text_on_every_screen(browser, district):  # noqa: F811
    base, platform = district
    admin, dispatcher = client(base, "admin"), client(base, "dispatcher")
    lon, lat = first_community_point()

    # a grid renamed by an administrator's import, a unit and two accounts with markup in their names
    geo = copy.deepcopy(build_demo_geojson())
    grids = [f for f in geo["features"] if f["properties"]["level"] == "grid"]
    here = next(f for f in grids if shape(f["geometry"]).contains(shape({"type": "Point", "coordinates": [lon, lat]})))
    renamed = next(f for f in grids if f is not here)
    renamed["properties"]["name"] = GRID_NAME
    ok(admin.post("/api/v1/grids/import", json=geo))
    community = here["properties"]["parent_code"]
    ok(admin.post("/api/v1/units", json={"id": "hostile-unit", "name": UNIT_NAME, "kind": "social_entity",
                                          "unit_type": "property_company", "grid_codes": [community]}))  # fmt: skip
    for username, role, name, unit in (("hostile-res", "resident", RESIDENT_NAME, None), ("hostile-staff", "entity_staff", STAFF_NAME, "hostile-unit")):
        ok(admin.post("/api/v1/users", json={"username": username, "password": OWN_PASSWORD, "role": role, "display_name": name, "unit_id": unit}))

    # the wall is open while it happens: the case arrives over the live feed
    wall = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
    wall_watch = Watch(wall)
    login(wall, base, "dispatcher")
    wall.goto(f"{base}/wall")
    wall.wait_for_selector("body[data-ready='1']")
    wall.wait_for_selector("#live.on")

    resident, staff = client(base, "hostile-res"), client(base, "hostile-staff")
    case = ok(resident.post("/api/v1/cases", json={"description": DESCRIPTION, "address": ADDRESS, "lat": lat, "lon": lon}))
    cid = case["id"]
    wait_for_js(wall, "(id) => GG.api('/api/v1/cases/' + id).then((c) => !!c.triage_reason)", arg=cid, timeout=15_000)
    c = ok(dispatcher.get(f"/api/v1/cases/{cid}"))
    assert c["status"] == "reported", c["status"]  # vague: left to a person
    c = ok(dispatcher.post(f"/api/v1/triage/{cid}", json={"version": c["version"], "unit_id": "hostile-unit"}))
    c = ok(staff.post(f"/api/v1/cases/{cid}/actions/return", json={"version": c["version"], "reason": RETURN_REASON}))
    c = ok(dispatcher.post(f"/api/v1/cases/{cid}/actions/dispatch", json={"version": c["version"], "unit_id": "hostile-unit"}))
    c = ok(staff.post(f"/api/v1/cases/{cid}/actions/claim", json={"version": c["version"]}))
    c = ok(staff.post(f"/api/v1/cases/{cid}/actions/handle", json={"version": c["version"], "result": RESULT}))
    # long overdue, so it heads the wall's overdue list (set in storage: no time limit is that short)
    with platform.engine.begin() as conn:
        conn.execute(update(t.cases).where(t.cases.c.id == cid).values(due_at=datetime(2020, 1, 1, tzinfo=UTC)))
    second = ok(resident.post("/api/v1/cases", json={"description": SECOND, "lat": lat, "lon": lon}))
    wait_for_js(wall, "(id) => GG.api('/api/v1/cases/' + id).then((c) => !!c.triage_reason)", arg=second["id"], timeout=15_000)
    s = ok(dispatcher.get(f"/api/v1/cases/{second['id']}"))
    assert s["status"] == "reported", s["status"]
    ok(dispatcher.post(f"/api/v1/triage/{second['id']}", json={"version": s["version"], "reject_reason": REJECT_REASON}))

    # --- the wall: feed, overdue and sensitive lists, the marker's and the grid's tooltips
    wall.wait_for_selector(f"#feed li[data-case='{cid}']", timeout=8000)
    wait_for_js(wall, "(d) => document.getElementById('overdue').textContent.includes(d)", arg=DESCRIPTION[:80], timeout=8000)  # the wall's lists cut at 80
    assert DESCRIPTION[:60] in text_of(wall, f"#feed li[data-case='{cid}']")
    assert UNIT_NAME in text_of(wall, "#overdue li:first-child")
    assert DESCRIPTION[:80] in text_of(wall, "#sensitive")
    x, y = wall.evaluate(
        """(id) => { const p = GG.wall.map.latLngToContainerPoint(GG.wall.markers.get(id).getLatLng());
             const r = document.getElementById('map').getBoundingClientRect(); return [r.left + p.x, r.top + p.y]; }""",
        cid,
    )
    wall.mouse.move(x, y)
    wall.wait_for_selector(".leaflet-tooltip:has-text('onerror=alert(1)')")
    assert text_of(wall, ".leaflet-tooltip:has-text('onerror=alert(1)')") == DESCRIPTION[:40]
    wall.mouse.move(5, 5)
    x, y = wall.evaluate(
        """(code) => { let poly; GG.wall.layer.eachLayer((l) => { if (l.feature.properties.code === code) poly = l; });
             const p = GG.wall.map.latLngToContainerPoint(poly.getCenter());
             const r = document.getElementById('map').getBoundingClientRect(); return [r.left + p.x, r.top + p.y]; }""",
        renamed["properties"]["code"],
    )
    wall.mouse.move(x, y)
    wall.wait_for_selector(".leaflet-tooltip:has-text('网格')")
    assert text_of(wall, ".leaflet-tooltip:has-text('网格')").startswith(GRID_NAME + "\n")
    SHOTS.mkdir(parents=True, exist_ok=True)
    wall.screenshot(path=str(SHOTS / "wall-hostile-1920x1080.png"))
    wall_watch.clean()

    # --- the desk: the list, the detail (address, reporter, unit, result) and the timeline (reasons)
    desk = browser.new_context(viewport={"width": 1600, "height": 1000}).new_page()
    desk_watch = Watch(desk)
    login(desk, base, "dispatcher")
    desk.wait_for_selector("body[data-ready='1']")
    desk.get_by_role("tab", name="案件列表").click()
    desk.wait_for_selector(f".case-row[data-case='{cid}']")
    assert text_of(desk, f".case-row[data-case='{cid}'] .desc") == DESCRIPTION[:70]
    assert text_of(desk, f".case-row[data-case='{second['id']}'] .desc") == SECOND[:70]
    desk.locator(f".case-row[data-case='{cid}'] button").click()
    desk.wait_for_selector("#detail .detail-head")
    head = text_of(desk, "#detail .detail-head")
    assert DESCRIPTION[:120] in head and ADDRESS in head and UNIT_NAME in head, head
    assert text_of(desk, "#detail p.result") == RESULT
    timeline = text_of(desk, "#detail .timeline")
    for said in (RETURN_REASON, RESULT, STAFF_NAME):
        assert said in timeline, (said, timeline)
    desk.wait_for_selector(".detail-place figcaption:not(:empty)")
    desk.locator(f".case-row[data-case='{second['id']}'] button").click()
    desk.wait_for_selector(f"#detail .timeline:has-text('{REJECT_REASON[-4:]}')")
    assert REJECT_REASON in text_of(desk, "#detail .timeline")
    desk_watch.clean()

    # --- the phone pages: the resident's own reports and the unit's orders, in both languages
    for lang in ("zh-CN", "en"):
        phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True).new_page()
        watch = Watch(phone)
        login(phone, base, "hostile-res", lang)
        phone.goto(f"{base}/m/mine")
        phone.wait_for_selector("body[data-ready='1']")
        assert text_of(phone, f".case-card[data-case='{cid}'] .desc") == DESCRIPTION
        assert ADDRESS in text_of(phone, f".case-card[data-case='{cid}']")
        assert text_of(phone, f".case-card[data-case='{second['id']}'] .desc") == SECOND
        assert text_of(phone, "#who").startswith(RESIDENT_NAME)
        phone.screenshot(path=str(SHOTS / f"mine-hostile-{lang}-390x844.png"))
        watch.clean()

        inbox = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True).new_page()
        watch = Watch(inbox)
        login(inbox, base, "hostile-staff", lang)
        assert inbox.url.endswith("/m/inbox")
        inbox.wait_for_selector("body[data-ready='1']")
        card = f".case-card[data-case='{cid}']"
        assert text_of(inbox, f"{card} .desc") == DESCRIPTION
        assert ADDRESS in text_of(inbox, card)
        assert text_of(inbox, "#who").startswith(STAFF_NAME)
        inbox.screenshot(path=str(SHOTS / f"inbox-hostile-{lang}-390x844.png"))
        watch.clean()


def test_a_login_link_sends_the_user_only_to_this_site(browser, district):  # noqa: F811
    """`/login?next=` is where a phishing link would point a dispatcher after a real login."""
    base, _ = district
    for evil in ("//evil.example/", "/\\evil.example/", "/\t/evil.example/", "javascript:alert(1)", "https://evil.example/"):
        page = browser.new_context().new_page()
        watch = Watch(page)
        page.goto(f"{base}/login?next={quote(evil)}")
        page.locator("#username").fill("dispatcher")
        page.locator("#password").fill(PASSWORD)
        page.locator("#password").press("Enter")
        page.wait_for_url(lambda url: "/login" not in url)
        assert page.url == f"{base}/desk", (evil, page.url)  # the role's home instead
        watch.clean()
