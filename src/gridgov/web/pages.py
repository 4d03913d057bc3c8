"""Web pages served by the same app. For now the landing page: what to try, and a small live desk
(log in, see the newest cases, watch them change over the SSE feed). The full screens come with the
screens issue."""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape


def install(app: FastAPI) -> None:
    env = Environment(
        loader=FileSystemLoader(str(resources.files("gridgov.web") / "templates")),
        autoescape=select_autoescape(["html"]),
    )

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def landing(request: Request) -> str:
        platform = request.app.state.platform
        tree = platform.grids.tree
        return env.get_template("landing.html").render(
            grid_count=sum(1 for _ in tree) if tree else 0, base=str(request.base_url).rstrip("/")
        )
