"""Security headers on every response: a strict Content-Security-Policy, no MIME sniffing, no framing, no
referrer, and no caching of API answers.

Why: the screens show text residents typed (descriptions, addresses, names) to dispatchers whose bearer
token sits in localStorage. The pages put that text in as text (static/js), and the policy is the second
wall: a page may run only scripts served from this origin as files, so markup that slipped through
anyway (`<img onerror=…>`, an injected `<script>`) runs nothing, and nothing can be sent elsewhere
(`connect-src 'self'`). The pages therefore hold no inline script, no `on…=` attribute and no `style=""`
attribute (tests/e2e/test_security_headers.py scans them). Leaflet, ECharts and Swagger UI set styles
through the CSSOM (`element.style`), which `style-src 'self'` allows, so no 'unsafe-inline' is needed.

A pure ASGI middleware rather than Starlette's BaseHTTPMiddleware, so the live feed's streamed answer
passes through untouched. A header a route set itself (the photo's Cache-Control, the feed's
no-cache) is kept.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# JSON, problem+json, files: nothing in them is meant to run or be framed.
API_POLICY = "default-src 'none'; frame-ancestors 'none'"

COMMON = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}

# Answers under these prefixes carry cases, names, phone numbers: a shared or proxy cache must not keep them.
PRIVATE_PREFIXES = ("/api/", "/open311/")


def tile_source(tile_url: str | None) -> str:
    """The CSP source that lets the map load tiles from the deployment's tile server (`map_tile_url`), or
    "" when none is set. A Leaflet template may put a subdomain placeholder in the host
    (`https://{s}.tile.example/{z}/{x}/{y}.png`): that label becomes CSP's leading wildcard."""
    if not tile_url:
        return ""
    parts = urlsplit(tile_url)
    scheme, host = parts.scheme or "https", parts.netloc
    if not host:
        return ""
    if "{" in host:
        first, _, rest = host.partition(".")
        if "{" in rest or not rest:
            return f"{scheme}:"  # a placeholder deeper in the host: any host of that scheme
        host = "*." + rest if "{" in first else host
    return f"{scheme}://{host}"


def page_policy(tile_url: str | None = None) -> str:
    """The policy for HTML pages: own scripts and styles only; images also from data:/blob: (photos are
    fetched with the token and shown from a blob; Leaflet and Swagger UI use data: icons)."""
    images = " ".join(filter(None, ["'self' data: blob:", tile_source(tile_url)]))
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        f"img-src {images}; connect-src 'self'; font-src 'self'; object-src 'none'; "
        "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    )


class SecurityHeaders:
    """Adds the headers to every HTTP response of the wrapped app."""

    def __init__(self, app: ASGIApp, tile_url: str | None = None) -> None:
        self.app = app
        self.page = page_policy(tile_url)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        private = scope.get("path", "").startswith(PRIVATE_PREFIXES)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                headers = MutableHeaders(scope=message)
                html = headers.get("content-type", "").startswith("text/html")
                headers.setdefault("Content-Security-Policy", self.page if html else API_POLICY)
                for name, value in COMMON.items():
                    headers.setdefault(name, value)
                if private:
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install(app) -> None:
    """Wrap the app (pages and API alike); the page policy admits the configured tile server."""
    app.add_middleware(SecurityHeaders, tile_url=app.state.platform.settings.map_tile_url)
