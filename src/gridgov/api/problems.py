"""Errors as RFC 9457 problem details (`application/problem+json`), mapped once for the whole API."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from gridgov.domain import errors as e

log = logging.getLogger(__name__)
PROBLEM = "application/problem+json"

STATUS_FOR: list[tuple[type[e.DomainError], int]] = [
    (e.IdempotencyMismatch, 422),
    (e.TooLarge, 413),
    (e.InvalidInput, 422),
    (e.NotFound, 404),
    (e.Forbidden, 403),
    (e.InvalidTransition, 409),
    (e.StaleVersion, 409),
    (e.Conflict, 409),
]


def problem(status: int, title: str, detail: str | None = None, **extra: Any) -> JSONResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update({k: v for k, v in extra.items() if v is not None and k not in ("type", "title", "status", "detail")})
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


class ApiProblem(Exception):
    """Raised by routes for HTTP-only refusals (401, 428 ...) that have no domain meaning."""

    def __init__(self, status: int, title: str, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail or title)
        self.status, self.title, self.detail, self.extra = status, title, detail, extra


def install(app: FastAPI) -> None:
    @app.exception_handler(e.DomainError)
    async def domain_error(request: Request, exc: e.DomainError) -> JSONResponse:
        status = next((s for cls, s in STATUS_FOR if isinstance(exc, cls)), 400)
        return problem(status, exc.title, exc.detail, **exc.extra)

    @app.exception_handler(ApiProblem)
    async def api_problem(request: Request, exc: ApiProblem) -> JSONResponse:
        return problem(exc.status, exc.title, exc.detail, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [  # never the input itself: it may be personal data, and the client has it anyway
            {"loc": list(err.get("loc", ())), "msg": str(err.get("msg", "")).removeprefix("Value error, "), "type": err.get("type", "")}
            for err in exc.errors()
        ]
        first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
        where = ".".join(str(p) for p in first["loc"][1:] or first["loc"])
        return problem(422, "Invalid input", f"{where}: {first['msg']}" if where else first["msg"], errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        titles = {404: "Not found", 405: "Method not allowed", 401: "Unauthorized", 403: "Forbidden", 413: "Content too large"}
        detail = exc.detail if isinstance(exc.detail, str) else None
        return problem(exc.status_code, titles.get(exc.status_code, "Request refused"), detail)

    app.add_middleware(UnexpectedErrors)


class UnexpectedErrors:
    """The last line: an exception no handler maps becomes a 500 problem+json on a connection that
    stays usable. Starlette's own catch-all answers and then re-raises, and the server resets the
    connection after a re-raised error; this middleware sits inside it and never re-raises.

    Only the exception's type, the route and the line that raised are logged: never the message,
    the body or the query, which may hold a resident's name, phone or description (and a SQL error's
    message holds the statement's parameters)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:  # the point of this middleware
            route = getattr(scope.get("route"), "path", None) or scope.get("path", "?")
            log.error("unhandled %s on %s %s (%s)", type(exc).__name__, scope.get("method", "?"), route, _origin(exc))
            if started:  # a streaming answer broke half-way: nothing more can be said on it
                return
            body = b'{"type":"about:blank","title":"Internal error","status":500,"detail":"the server failed; the error was logged"}'
            await send({"type": "http.response.start", "status": 500,
                        "headers": [(b"content-type", PROBLEM.encode()), (b"content-length", str(len(body)).encode())]})  # fmt: skip
            await send({"type": "http.response.body", "body": body})


def _origin(exc: BaseException) -> str:
    """file:line of the innermost frame that raised (no message, no locals)."""
    tb = exc.__traceback__
    if tb is None:
        return "no traceback"
    while tb.tb_next is not None:
        tb = tb.tb_next
    return f"{tb.tb_frame.f_code.co_filename.rsplit('/', 1)[-1]}:{tb.tb_lineno}"
