"""create_app(settings): the FastAPI application over one bootstrapped Platform."""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI

from gridgov.api import headers, limits, live, problems
from gridgov.api.routes import (
    analytics,
    auth,
    briefs,
    care,
    cases,
    deadlines,
    directory,
    hotline,
    hotspots,
    intake,
    open311,
    register,
    stats,
    system,
    triage,
)
from gridgov.api.routes import routing as routing_routes
from gridgov.api.routes import telemetry as telemetry_routes
from gridgov.bootstrap import Platform, bootstrap
from gridgov.config import Settings
from gridgov.services.background import loops
from gridgov.web import pages


def create_app(settings: Settings | None = None, *, platform: Platform | None = None, run_relay: bool = True) -> FastAPI:
    platform = platform or bootstrap(settings or Settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # The `background` setting says which loops run beside the API (none: an API-only process);
        # run_relay=False (tests) runs none whatever the setting.
        which = platform.settings.background_loops if run_relay else set()
        running = loops(platform, which)
        if "relay" in which and platform.classifier is not None:
            # Load the model before serving: loaded lazily by the first triage, it would hold the
            # interpreter for seconds and stall the live feed just when the first report arrives.
            platform.classifier.predict("预热", "")
        if "relay" in which:
            platform.relay.start(platform.settings.relay_interval_seconds)
        for loop in running:
            loop.start()
        yield
        for loop in running:
            loop.stop()
        platform.relay.stop()

    app = FastAPI(
        title="gridgov",
        version="0.1.0",
        description="一网统管 — grid-based community governance. Errors are application/problem+json (RFC 9457).",
        lifespan=lifespan,
        docs_url=None, redoc_url=None,  # the API reference is served offline by web/pages.py (no CDN, no inline script)
    )
    app.state.platform = platform
    app.state.wakeup = live.Wakeup()
    platform.listeners.append(app.state.wakeup.notify)
    platform.listeners.append(stats.forget)
    limits.install(app, platform.settings.max_body_bytes)  # inside problems' catch-all (added after it)
    problems.install(app)
    headers.install(app)
    for module in (auth, cases, directory, system, triage, deadlines, intake, hotline, open311, stats, analytics, hotspots, briefs, register, care, live):
        app.include_router(module.router)
    app.include_router(routing_routes.router)  # issue 11: the history's alias tables
    app.include_router(telemetry_routes.router)  # issue 16: sensor readings and alarms
    pages.install(app)
    return app
