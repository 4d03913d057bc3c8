"""The screens, served by the same app: the command-center wall, the dispatch desk and the mobile field
and resident pages, plus login and the landing page.

Pages are server-rendered shells in the chosen language (zh-CN by default, `?lang=en` or the `lang`
cookie); the data comes from the JSON API with the user's bearer token, which the browser keeps in
localStorage after login. Scripts and styles are static files; the map and chart libraries are
vendored (static/vendor, see VENDORED.md), so nothing is fetched from the internet.
"""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape

from gridgov.web import i18n

SCREENS = {
    "/login": ("login.html", "login"),
    "/wall": ("wall.html", "wall"),
    "/desk": ("desk.html", "desk"),
    "/m/report": ("report.html", "report"),
    "/m/mine": ("mine.html", "mine"),
    "/m/inbox": ("inbox.html", "inbox"),
}


def install(app: FastAPI) -> None:
    env = Environment(
        loader=FileSystemLoader(str(resources.files("gridgov.web") / "templates")),
        autoescape=select_autoescape(["html"]),
    )
    app.mount("/static", StaticFiles(directory=str(resources.files("gridgov.web") / "static")), name="static")

    def context(request: Request, page: str) -> dict:
        lang = i18n.pick(request.query_params.get("lang") or request.cookies.get("lang"))
        words = i18n.table(lang)
        settings = request.app.state.platform.settings
        return {
            "lang": lang,
            "other_lang": "en" if lang == "zh-CN" else "zh-CN",
            "w": words["words"],
            # read by common.js from a JSON data block (never executed, so the page's CSP needs no inline
            # script); Jinja's tojson escapes <, > and & so no value can close the block
            "boot": {"T": words, "page": page, "tile_url": settings.map_tile_url or ""},
            "page": page,
        }

    def render(template: str, page: str):
        def view(request: Request) -> HTMLResponse:
            ctx = context(request, page)
            response = HTMLResponse(env.get_template(template).render(**ctx))
            if request.query_params.get("lang"):
                response.set_cookie("lang", ctx["lang"], max_age=365 * 86400, samesite="lax")
            return response

        return view

    for path, (template, page) in SCREENS.items():
        app.add_api_route(path, render(template, page), methods=["GET"], response_class=HTMLResponse, include_in_schema=False)

    # The API reference: FastAPI's own /docs and /redoc load Swagger UI / ReDoc from a CDN with an inline
    # start-up script (blank offline, refused by the CSP); this one uses the vendored Swagger UI.
    @app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    def api_reference(request: Request) -> str:
        return env.get_template("docs.html").render(openapi_url=request.app.openapi_url)

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> RedirectResponse:
        return RedirectResponse("/docs")

    @app.get("/m", include_in_schema=False)
    def mobile_home() -> RedirectResponse:
        return RedirectResponse("/m/report")

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def landing(request: Request) -> str:
        platform = request.app.state.platform
        tree = platform.grids.tree
        return env.get_template("landing.html").render(
            grid_count=sum(1 for _ in tree) if tree else 0, base=str(request.base_url).rstrip("/")
        )
