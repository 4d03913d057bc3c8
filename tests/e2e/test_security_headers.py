"""Every answer carries the security headers, and no page needs the inline script the policy forbids.

A page (HTML) gets the strict Content-Security-Policy that lets only this origin's script and style files
run, so hostile text that slipped into a page as markup still runs nothing; API answers get a policy
that allows nothing at all, and are not kept by caches. The pages are taken from the app's route
table, so a screen added later is checked without anyone remembering to list it here.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from gridgov.api.app import create_app
from gridgov.api.headers import tile_source
from gridgov.bootstrap import bootstrap
from tests.conftest import make_settings

PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
API_POLICY = "default-src 'none'; frame-ancestors 'none'"
NOT_PAGES = ("/api/", "/open311/", "/static", "/openapi.json")


def page_paths(app) -> list[str]:
    """The GET routes that are not the API: the screens, login, landing page, API reference, redirects."""
    return sorted(
        r.path
        for r in app.routes
        if isinstance(r, APIRoute) and "GET" in r.methods and not r.path.startswith(NOT_PAGES) and "{" not in r.path
    )


def assert_common_headers(r) -> None:
    assert r.headers["x-content-type-options"] == "nosniff", r.url
    assert r.headers["x-frame-options"] == "DENY", r.url
    assert r.headers["referrer-policy"] == "no-referrer", r.url


class InlineCode(HTMLParser):
    """Collects what a strict CSP would refuse: inline script with code, on…= handlers, style attributes
    and <style> elements, javascript: URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name, value in attrs.items():
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
            if name == "style":
                self.found.append(f"<{tag} style=…>")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}=javascript:…>")
        if tag == "style":
            self.found.append("<style>")
        # a data block (type application/json) is never executed; a script with src runs a file
        self._in_script = tag == "script" and "src" not in attrs and attrs.get("type") != "application/json"

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.found.append(f"inline <script>: {data.strip()[:60]}")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False


def test_the_app_has_the_pages_this_test_walks(api):
    # the route table is the list; this only guards against the filter losing the screens
    assert {"/", "/login", "/wall", "/desk", "/m/report", "/m/mine", "/m/inbox", "/docs"} <= set(page_paths(api.app))


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_every_page_sends_the_strict_policy_and_holds_no_inline_code(api, lang):
    for path in page_paths(api.app):
        r = api.get(path, params={"lang": lang}, follow_redirects=False)
        assert r.status_code in (200, 307), (path, r.status_code)
        assert_common_headers(r)
        if r.status_code == 307:
            continue
        assert r.headers["content-type"].startswith("text/html"), path
        assert r.headers["content-security-policy"] == PAGE_POLICY, path
        scan = InlineCode()
        scan.feed(r.text)
        assert scan.found == [], (path, scan.found)


def test_the_words_block_cannot_be_closed_by_its_contents(api):
    # the page's words travel in <script type="application/json">; "</script>" inside would end it early
    html = api.get("/login").text
    block = html.split('<script type="application/json" id="gg-boot">', 1)[1].split("</script>", 1)[0]
    assert "<" not in block and ">" not in block
    assert '"page": "login"' in block


def test_the_api_reference_is_served_from_this_site(api):
    html = api.get("/docs").text
    assert '<script src="/static/vendor/swagger-ui-dist/swagger-ui-bundle.js"></script>' in html
    assert "cdn" not in html.lower() and "https://" not in html
    assert api.get("/static/vendor/swagger-ui-dist/swagger-ui-bundle.js").status_code == 200
    assert api.get("/openapi.json").json()["info"]["title"] == "gridgov"
    moved = api.get("/redoc", follow_redirects=False)
    assert moved.status_code == 307 and moved.headers["location"] == "/docs"


def test_api_answers_allow_nothing_and_are_not_cached(api):
    headers = api.login("disp")
    answers = {
        "/api/v1/health": api.get("/api/v1/health"),
        "/api/v1/cases": api.get("/api/v1/cases", headers=headers),
        "/api/v1/units": api.get("/api/v1/units", headers=headers),
        "/api/v1/cases (no login)": api.get("/api/v1/cases"),
        "/api/v1/cases/nope": api.get("/api/v1/cases/nope", headers=headers),
        "/open311/v2/services.json": api.get("/open311/v2/services.json"),
    }
    assert answers["/api/v1/cases (no login)"].status_code == 401
    assert answers["/api/v1/cases/nope"].status_code == 404
    for name, r in answers.items():
        assert_common_headers(r)
        assert r.headers["content-security-policy"] == API_POLICY, name
        assert r.headers["cache-control"] == "no-store", name


def test_files_and_unknown_paths_carry_the_headers_too(api):
    for path in ("/static/js/common.js", "/static/app.css", "/openapi.json", "/no-such-page"):
        r = api.get(path)
        assert_common_headers(r)
        assert r.headers["content-security-policy"] == API_POLICY, path
    assert api.get("/no-such-page").status_code == 404


@pytest.mark.parametrize(
    ("template", "source"),
    [
        ("https://tiles.district.example/{z}/{x}/{y}.png", "https://tiles.district.example"),
        ("https://{s}.tile.example.org/{z}/{x}/{y}.png", "https://*.tile.example.org"),
        ("http://10.1.2.3:8080/tiles/{z}/{x}/{y}.png", "http://10.1.2.3:8080"),
        ("https://tile-{s}.example.org/{z}/{x}/{y}.png", "https://*.example.org"),
        (None, ""),
    ],
)
def test_the_map_may_load_tiles_from_the_configured_tile_server_only(template, source):
    assert tile_source(template) == source


def test_a_configured_tile_server_is_allowed_for_images_on_pages(tmp_path):
    settings = make_settings(tmp_path).model_copy(update={"map_tile_url": "https://tiles.district.example/{z}/{x}/{y}.png"})
    platform = bootstrap(settings)
    try:
        with TestClient(create_app(platform=platform, run_relay=False)) as client:
            policy = client.get("/wall").headers["content-security-policy"]
        assert "img-src 'self' data: blob: https://tiles.district.example;" in policy
        assert "connect-src 'self';" in policy
    finally:
        platform.engine.dispose()
