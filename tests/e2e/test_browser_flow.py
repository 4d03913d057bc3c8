"""The screens in a real browser (Playwright driving Debian's Chromium, headless), over the demo district
served by uvicorn: a resident reports with a photo → the case is on the wall within one second → the
dispatcher dispatches it from the desk → the property company accepts it and feeds back with a photo →
the supervisor verifies → the dispatcher closes → the resident rates; the wall's numbers follow.

Screenshots land in var/screenshots/ (wall at 1920×1080, report page at 390×844, desk, inbox).
Without Chromium the tests skip on a laptop and fail under CI=true (`python3 dev.py test` installs it).
"""

from __future__ import annotations

import io
import os
import re
import shutil
import time
from pathlib import Path

import pytest
from PIL import Image

from gridgov.adapters.clock import SystemClock
from gridgov.api.app import create_app
from gridgov.demo.district import build_demo_geojson
from gridgov.demo.seed import build_demo
from tests.conftest import make_settings
from tests.e2e.conftest import serving

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
PASSWORD = "demo-test"


def chromium_path() -> str | None:
    return os.environ.get("GRIDGOV_CHROMIUM") or shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
    )


@pytest.fixture(scope="module")
def browser():
    path = chromium_path()
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is missing: browser tests must run in CI (python3 dev.py test installs it)")
        pytest.skip("Chromium is not installed (apt-get install chromium); browser tests skipped")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo district (with 60 days of history) over a real server; yields (base URL, platform)."""
    tmp = tmp_path_factory.mktemp("browser")
    platform = build_demo(make_settings(tmp), password=PASSWORD, cases=160)
    assert isinstance(platform.clock, SystemClock)
    with serving(create_app(platform=platform)) as base:
        yield base, platform
    platform.engine.dispose()


def first_community_point() -> tuple[float, float]:
    """A point inside 景华社区, where the demo's 景华物业 (wuye-1) is the property company."""
    from shapely.geometry import shape

    feature = next(f for f in build_demo_geojson()["features"] if f["properties"]["level"] == "community")
    p = shape(feature["geometry"]).representative_point()
    return p.x, p.y


def photo_file(tmp_path: Path, name: str, colour) -> Path:
    path = tmp_path / name
    buf = io.BytesIO()
    Image.new("RGB", (640, 480), colour).save(buf, "JPEG")
    path.write_bytes(buf.getvalue())
    return path


def login(page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/login" not in url)


def watch_errors(page, into: list) -> None:
    page.on("pageerror", lambda exc: into.append(f"{page.url}: {exc}"))
    page.on("console", lambda msg: into.append(f"{page.url}: {msg.text}") if msg.type == "error" else None)


def wait_for_js(page, expression: str, arg=None, timeout: float = 5000) -> None:
    """Wait until a JavaScript expression (or a function of `arg`, maybe async) is truthy in the page.

    Playwright's own wait_for_function evaluates its predicate with eval inside the page, which the
    pages' Content-Security-Policy (script-src 'self', no 'unsafe-eval') refuses; page.evaluate goes
    through the DevTools protocol, which the policy does not govern, so this polls with it."""
    deadline = time.monotonic() + timeout / 1000
    while not (page.evaluate(expression) if arg is None else page.evaluate(expression, arg)):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} ms: {expression}")
        page.wait_for_timeout(50)


def platform_case(page, case_id: str) -> dict:
    return page.evaluate("(id) => GG.api('/api/v1/cases/' + id)", case_id)


def tile(page, key: str) -> str:
    return page.locator(f'.tile[data-k="{key}"] .n').inner_text()


def test_report_to_rating_across_every_screen(browser, demo, tmp_path):
    base, platform = demo
    SHOTS.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    lon, lat = first_community_point()

    wall_ctx = browser.new_context(viewport={"width": 1920, "height": 1080})
    wall = wall_ctx.new_page()
    watch_errors(wall, errors)
    login(wall, base, "leader")
    assert wall.url.endswith("/wall")  # a leader lands on the wall
    wall.wait_for_selector("body[data-ready='1']")
    wall.wait_for_selector("#live.on")
    received_before = int(tile(wall, "today_received"))
    closed_before = int(tile(wall, "today_closed"))
    assert int(wall.locator("#map").get_attribute("data-polygons")) >= 20  # grid polygons drawn
    assert wall.locator("#chart-category canvas").count() == 1 and wall.locator("#feed li").count() >= 10

    phone = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True,
                                geolocation={"latitude": lat, "longitude": lon}, permissions=["geolocation"])  # fmt: skip
    resident = phone.new_page()
    watch_errors(resident, errors)
    login(resident, base, "resident")
    assert resident.url.endswith("/m/report")
    resident.wait_for_selector("body[data-ready='1']")
    # words that suggest a category without naming it (楼道里堆满纸箱杂物 names 乱堆物料 since issue 11)
    resident.get_by_label("问题描述").fill("景华新村5栋楼道里有杂物，没人管")
    resident.wait_for_selector("#suggestions button[data-code='E0110']")  # 乱堆物料 suggested as the resident types
    resident.get_by_label("现场照片").set_input_files(str(photo_file(tmp_path, "before.jpg", (150, 120, 90))))
    # the photo button speaks the page's language (the browser's own file button would say "Choose Files")
    assert resident.locator("label.pick").inner_text() == "拍照或选择照片"
    assert resident.locator(".file-pick .count").inner_text() == "已选 1 张"
    resident.get_by_role("button", name="使用当前位置").click()
    resident.wait_for_selector("#where:has-text('GPS')")
    resident.screenshot(path=str(SHOTS / "report-390x844.png"))
    with resident.expect_response(lambda r: r.url.endswith("/api/v1/cases") and r.request.method == "POST") as posted:
        resident.get_by_role("button", name="提交上报").click()
    reported_at = time.perf_counter()
    case_id = posted.value.json()["id"]
    wall.wait_for_selector(f"#feed li[data-case='{case_id}']", timeout=8000)  # on the wall within one second
    on_wall = time.perf_counter() - reported_at
    print(f"case on the wall {on_wall * 1000:.0f} ms after its report was accepted")
    assert on_wall < 1.0, (on_wall, errors)
    resident.wait_for_selector(f"#report-done[data-case-id='{case_id}']")
    wait_for_js(wall, f"document.querySelector('.tile[data-k=\"today_received\"] .n').textContent == '{received_before + 1}'")

    # the words suggest 乱堆物料 without naming it, so the case waits in the dispatcher's triage queue
    desk_ctx = browser.new_context(viewport={"width": 1600, "height": 1000})
    desk = desk_ctx.new_page()
    watch_errors(desk, errors)
    login(desk, base, "dispatcher")
    desk.wait_for_selector(f".case-row[data-case='{case_id}']")
    desk.locator(f".case-row[data-case='{case_id}'] button").click()
    desk.wait_for_selector(".detail-head")
    assert "类别不确定，可能是：乱堆物料" in desk.locator("#detail .routing").inner_text()  # the reason's code, in the page's language
    desk.locator("button[data-action='triage']").click()
    triage = desk.locator("form[data-action='triage']")
    triage.get_by_label("类别").select_option("E0110")
    triage.get_by_label("派遣至").select_option("wuye-1")
    desk.screenshot(path=str(SHOTS / "desk-triage-1600x1000.png"))
    desk.locator("form[data-action='triage'] button[type=submit]").click()
    desk.wait_for_selector("#detail .chip.status-dispatched")

    staff_phone = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True)
    entity = staff_phone.new_page()
    watch_errors(entity, errors)
    login(entity, base, "property")
    assert entity.url.endswith("/m/inbox")
    card = entity.locator(f".case-card[data-case='{case_id}']")
    dispatcher_name = next(e["actor_name"] for e in platform_case(entity, case_id)["timeline"] if e["action"] == "dispatch")
    why = card.locator(".why").inner_text()  # where the order is and who sent it to this unit
    assert f"{dispatcher_name} 派遣" in why and "所属网格: 景华社区" in why, why
    card.locator("button[data-action='claim']").click()
    card.locator("form[data-action='claim'] button[type=submit]").click()
    card = entity.locator(f".case-card[data-case='{case_id}']")
    card.locator(".chip.status-in_progress").wait_for()
    card.locator("button[data-action='handle']").click()
    card.get_by_label("处置结果").fill("已联系住户清理楼道杂物，通道恢复畅通")
    card.locator("form[data-action='handle'] input[type=file]").set_input_files(str(photo_file(tmp_path, "after.jpg", (90, 160, 110))))
    entity.screenshot(path=str(SHOTS / "inbox-390x844.png"))
    card.locator("form[data-action='handle'] button[type=submit]").click()
    entity.locator(f".case-card[data-case='{case_id}'] .chip.status-handled").wait_for()

    login(desk, base, "supervisor")
    desk.goto(f"{base}/desk#case={case_id}")
    desk.wait_for_selector("button[data-action='verify']")
    assert desk.locator("#detail .photos img").count() == 2  # the resident's photo and the feedback photo
    desk.locator("button[data-action='verify']").click()
    desk.locator("form[data-action='verify'] button[type=submit]").click()
    desk.wait_for_selector("#detail .chip.status-verified")
    login(desk, base, "dispatcher")
    desk.goto(f"{base}/desk#case={case_id}")
    desk.locator("button[data-action='close']").click()
    desk.locator("form[data-action='close'] button[type=submit]").click()
    desk.wait_for_selector("#detail .chip.status-closed")

    resident.goto(f"{base}/m/mine")
    rate = resident.locator(f".case-card[data-case='{case_id}'] form[data-action='rate']")
    rate.get_by_label("评分").select_option("5")
    rate.locator("button[type=submit]").click()
    resident.locator(f".case-card[data-case='{case_id}'] .chip.status-rated").wait_for()

    wait_for_js(wall, f"document.querySelector('.tile[data-k=\"today_closed\"] .n').textContent == '{closed_before + 1}'", timeout=5000)
    time.sleep(1.0)  # let the tile flash settle before the picture
    wall.screenshot(path=str(SHOTS / "wall-1920x1080.png"))
    with platform.uow() as uow:  # the stored case agrees with what the screens showed
        stored = uow.cases.get(case_id)
    assert str(stored.status) == "rated" and stored.rating == 5 and stored.unit_id == "wuye-1" and len(stored.result_photos) == 1
    assert stored.category == "E0110"  # the dispatcher's correction
    assert not errors, errors


def test_the_report_page_refuses_a_report_without_a_place_and_keeps_what_was_typed(browser, demo):
    base, _ = demo
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = ctx.new_page()
    login(page, base, "resident")
    page.get_by_label("问题描述").fill("路灯不亮")
    page.get_by_role("button", name="提交上报").click()
    assert page.locator("#report-error").inner_text() == "请选择位置"
    assert page.get_by_label("问题描述").input_value() == "路灯不亮"


def test_a_wrong_password_says_so_and_pages_need_a_login(browser, demo):
    base, _ = demo
    page = browser.new_context().new_page()
    page.goto(f"{base}/desk")
    page.wait_for_url(lambda url: "/login?next=" in url)
    page.get_by_label("用户名").fill("dispatcher")
    page.get_by_label("密码").fill("wrong")
    page.get_by_role("button", name="登录").click()
    assert page.locator("#login-error").inner_text() == "用户名或密码错误"
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: url.endswith("/desk"))  # back where they wanted to go


def test_the_english_interface_and_keyboard_use(browser, demo):
    base, _ = demo
    page = browser.new_context().new_page()
    page.goto(f"{base}/login?lang=en")
    assert page.evaluate("document.activeElement.id") == "username"  # the form is ready for the keyboard
    page.keyboard.type("dispatcher")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: url.endswith("/desk"))
    page.wait_for_selector("body[data-ready='1']")
    assert page.get_by_role("tab", name="Triage queue").is_visible()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("#who").inner_text().endswith("· Dispatcher")
    # categories read in English too: the table's English names under English class names
    options = page.locator("#f-category option").all_inner_texts()
    assert "Roads and traffic/traffic light" in options
    assert not any(re.search(r"[\u4e00-\u9fff]", o) for o in options), options


def test_the_desk_filters_searches_and_pages_the_case_list(browser, demo):
    base, _ = demo
    page = browser.new_context(viewport={"width": 1600, "height": 1000}).new_page()
    login(page, base, "dispatcher")
    page.wait_for_selector("body[data-ready='1']")
    page.get_by_role("tab", name="案件列表").click()
    page.wait_for_selector("li.more button")
    assert page.locator(".case-row").count() == 100
    page.locator("li.more button").click()
    wait_for_js(page, "document.querySelectorAll('.case-row').length > 100")
    page.get_by_label("状态").select_option("rated")
    wait_for_js(page, "[...document.querySelectorAll('.case-row .chip')].every(c => c.classList.contains('status-rated'))")
    assert page.locator(".case-row").count() > 0
    page.get_by_label("状态").select_option("")
    page.get_by_label("搜索描述或地址").fill("路灯")
    wait_for_js(page, "[...document.querySelectorAll('.case-row .desc')].every(d => d.textContent.includes('路灯'))")
    assert page.locator(".case-row").count() > 0


def test_the_case_map_names_the_grid_and_an_unplaced_order_still_opens(browser, demo):
    base, _ = demo
    page = browser.new_context(viewport={"width": 1600, "height": 1000}).new_page()
    errors: list[str] = []
    watch_errors(page, errors)
    login(page, base, "dispatcher")
    page.wait_for_selector("body[data-ready='1']")
    # a 12345 order whose address names no place in the district: kept, unplaced, in the triage queue
    order = {"order_no": "SZ12345-BROWSER-1", "description": "市民反映某处井盖松动，车辆经过声音很大", "address": "火星路1号"}
    pushed = page.evaluate("(order) => GG.api('/api/v1/intake/hotline', { method: 'POST', json: order })", order)
    case = page.evaluate("(id) => GG.api('/api/v1/cases/' + id)", pushed["case_id"])
    assert case["grid_code"] is None  # its point is only the district's centre, not to be drawn as a place
    page.reload()
    page.wait_for_selector(f".case-row[data-case='{case['id']}']")
    page.locator(f".case-row[data-case='{case['id']}'] button").click()
    page.wait_for_selector(".detail-map.unplaced")
    assert "未定位" in page.locator(".detail-map").inner_text()
    assert "未能定位到网格" in page.locator("#detail .routing").inner_text()
    assert "12345热线" in page.locator(".detail-head .meta").inner_text()  # the channel in words, not its code
    page.locator("button[data-action='triage']").click()
    triage = page.locator("form[data-action='triage']")
    triage.get_by_label("派遣至").select_option("wuye-1")
    triage.locator("button[type=submit]").click()
    page.wait_for_selector("#detail .chip.status-dispatched")
    assert "景华物业服务中心" in page.locator(".detail-head .meta").inner_text()  # the unit by name

    # a placed case: its own grid is drawn, filled and named on the detail map
    placed = page.evaluate("GG.api('/api/v1/cases?limit=50').then((r) => r.items.find((c) => c.grid_code))")
    page.goto(f"{base}/desk#case={placed['id']}")
    page.reload()
    grid_name = page.evaluate(
        "(code) => GG.grids().then((g) => g.features.find((f) => f.properties.code === code).properties.name)", placed["grid_code"]
    )
    wait_for_js(page, "(name) => (document.querySelector('.detail-place figcaption')?.textContent || '').endsWith(name)", arg=grid_name)
    assert errors == []


def test_the_desk_says_why_a_case_went_where_it_went_by_name_in_the_pages_language(browser, demo):
    """The API keeps routing clauses and grade reasons in English with codes; a dispatcher reads them as
    the rule's name, the category, grid, unit type and unit by name, in Chinese or in English."""
    base, _ = demo
    lon, lat = first_community_point()
    page = browser.new_context(viewport={"width": 1600, "height": 1000}).new_page()
    errors: list[str] = []
    watch_errors(page, errors)
    login(page, base, "dispatcher")
    page.wait_for_selector("body[data-ready='1']")
    body = {"description": "景华社区小区门口路灯不亮，晚上很黑", "lon": lon, "lat": lat}
    made = page.evaluate("(body) => GG.api('/api/v1/cases', { method: 'POST', json: body })", body)
    wait_for_js(  # triage runs on the relay a moment later
        page,
        "(id) => GG.api('/api/v1/cases/' + id).then((c) => c.status === 'dispatched')", arg=made["id"], timeout=10_000
    )
    case = page.evaluate("(id) => GG.api('/api/v1/cases/' + id)", made["id"])
    routing = next(e for e in case["timeline"] if e["action"] == "triage")["data"]["routing"]
    rule_name = next(r["name"] for r in page.evaluate("GG.api('/api/v1/rules')") if r["code"] == routing["rule"])
    unit_name = next(u["name"] for u in page.evaluate("GG.api('/api/v1/units')") if u["id"] == case["unit_id"])
    assert any(" of grid " in b for b in routing["because"])  # what the API says: codes, in English

    for lang, words, grade_word in (("zh-CN", ["权责清单规则", rule_name, unit_name, "城市管理部门"], "类别默认 4 级"),
                                    ("en", ["Rule", rule_name, unit_name, "urban management of"], "category default, grade 4")):  # fmt: skip
        page.goto(f"{base}/desk?lang={lang}#case={case['id']}")
        page.wait_for_selector("#detail .routing")
        shown = page.locator("#detail .routing").inner_text()
        for word in words:
            assert word in shown, (lang, word, shown)
        assert grade_word in shown, (lang, shown)
        assert case["unit_id"] not in shown and case["grid_code"] not in shown, shown  # names, not codes
        if lang == "zh-CN":
            page.screenshot(path=str(SHOTS / "desk-routing-1600x1000.png"))
            assert not re.search(r"\b(of grid|default grade|always)\b", shown), shown

    # a message the classifier is unsure of: its reason and its guesses read in English on an English page
    vague = page.evaluate("(body) => GG.api('/api/v1/cases', { method: 'POST', json: body })", {**body, "description": "有个问题想反映一下"})
    wait_for_js(page, "(id) => GG.api('/api/v1/cases/' + id).then((c) => !!c.triage_reason)", arg=vague["id"], timeout=10_000)
    page.goto(f"{base}/desk?lang=en#case={vague['id']}")
    page.wait_for_selector("#detail .routing .reason")
    reason, guesses = page.locator("#detail .routing .reason").inner_text(), page.locator("#detail .routing p.small").first.inner_text()
    assert reason.startswith("classifier unsure (") and guesses.startswith("AI: "), (reason, guesses)
    assert not re.search(r"[\u4e00-\u9fff]", reason + guesses), (reason, guesses)

    # the property company sees on its order which rule sent it there
    litter = page.evaluate("(body) => GG.api('/api/v1/cases', { method: 'POST', json: body })",
                           {**body, "description": "5栋楼道里堆满杂物", "category": "E0110"})  # fmt: skip
    wait_for_js(page, "(id) => GG.api('/api/v1/cases/' + id).then((c) => c.status === 'dispatched')", arg=litter["id"], timeout=10_000)
    routed = platform_case(page, litter["id"])
    assert routed["unit_id"] == "wuye-1"
    rule = next(e for e in routed["timeline"] if e["action"] == "triage")["data"]["routing"]["rule"]
    rule_name = next(r["name"] for r in page.evaluate("GG.api('/api/v1/rules')") if r["code"] == rule)
    phone = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    watch_errors(phone, errors)
    login(phone, base, "property")
    why = phone.locator(f".case-card[data-case='{litter['id']}'] .why").inner_text()
    assert f"按权责清单“{rule_name}”派至本单位" in why, why
    assert errors == []
