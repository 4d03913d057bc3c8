"""What one request may carry, checked before any route reads it (an ASGI middleware).

- Size: a body larger than its route's limit is refused with 413 — by `Content-Length` before a byte
  is read, and by counting the bytes of a chunked body (or one that lies about its length) as they
  arrive. The default is the `max_body_bytes` setting (1 MiB); the few routes that take files have
  larger limits (`LARGER_BODIES`), each a little above what the route itself accepts, so the route
  answers the precise refusal.
- Text: no control character (other than tab and line breaks) and no lone surrogate in the path, the
  query, a form or a JSON body, and a JSON body nests at most 32 levels, holds no integer beyond 64 bits
  and no NaN/Infinity; refused with 422 naming the field (see domain/documents.py for why). This is
  one check at the door instead of one per field: `dict` bodies, form fields and query values are
  covered as well as the pydantic models.

Refusals are problem+json, except under /open311/ where they are the spec's own error list.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI
from starlette.exceptions import HTTPException

from gridgov.domain.documents import bad_character, check_value
from gridgov.domain.errors import InvalidInput

MiB = 1024 * 1024
# (method, path pattern) -> largest body; each a little above the route's own limit on the file
LARGER_BODIES: list[tuple[str, re.Pattern[str], int]] = [
    ("POST", re.compile(r"^/api/v1/photos$"), 11 * MiB),  # photos: at most 10 MB (routes/directory.py)
    ("POST", re.compile(r"^/api/v1/intake/hotline/import$"), 21 * MiB),  # 12345 exports: 20 MB (routes/hotline.py)
    ("POST", re.compile(r"^/api/v1/register/(residents|organisations)/import$"), 21 * MiB),  # register files: 20 MB (routes/register.py)
    ("POST", re.compile(r"^/api/v1/intake/camera$"), 14 * MiB),  # a 10 MB snapshot in base64 (channels/devices.py)
]
JSON_TYPES = re.compile(r"^application/([\w.+-]+\+)?json$")
FORM_TYPE = "application/x-www-form-urlencoded"

Send = Callable[[dict[str, Any]], Awaitable[None]]


class BodyTooLarge(HTTPException):
    """Raised from `receive` when a body without (or beyond) its Content-Length passes the limit; an
    HTTPException so FastAPI's body parsing lets it through to the problem handler unchanged."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than {limit} bytes")


class RequestLimits:
    def __init__(self, app, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    def limit_for(self, method: str, path: str) -> int:
        for verb, pattern, limit in LARGER_BODIES:
            if verb == method and pattern.match(path):
                return max(limit, self.max_body_bytes)
        return self.max_body_bytes

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path, method = scope.get("path", ""), scope.get("method", "GET")
        problem = _target_problem(scope)
        if problem:
            await refuse(scope, send, 422, "Invalid input", problem)
            return
        limit = self.limit_for(method, path)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        declared = headers.get("content-length")
        if declared is not None:
            if not declared.strip().isdigit():
                await refuse(scope, send, 400, "Bad request", "Content-Length must be a number of bytes")
                return
            if int(declared) > limit:
                await refuse(scope, send, 413, "Content too large", f"the request body is larger than {limit} bytes")
                return
        media = headers.get("content-type", "").split(";")[0].strip().lower()
        # FastAPI reads a body without Content-Type as JSON, so such a body is checked as JSON too
        inspect = JSON_TYPES.match(media) or media == FORM_TYPE or (not media and method in ("POST", "PUT", "PATCH"))
        if inspect:
            body = await _read_body(receive, limit)
            if body is None:  # the client went away
                return
            if body is False:
                await refuse(scope, send, 413, "Content too large", f"the request body is larger than {limit} bytes")
                return
            problem = _json_problem(body) if media != FORM_TYPE else _form_problem(body)
            if problem:
                await refuse(scope, send, 422, "Invalid input", problem)
                return
            receive = _replay(body, receive)
        else:
            receive = _counting(receive, limit)
        await self.app(scope, receive, send)


def install(app: FastAPI, max_body_bytes: int) -> None:
    app.add_middleware(RequestLimits, max_body_bytes=max_body_bytes)


def _target_problem(scope) -> str | None:
    problem = bad_character(scope.get("path", ""))
    if problem:
        return f"the path {problem}"
    raw = scope.get("query_string", b"").decode("latin-1")
    for name, value in parse_qsl(raw, keep_blank_values=True, encoding="utf-8", errors="replace"):
        problem = bad_character(name) or bad_character(value)
        if problem:
            return f"{name if not bad_character(name) else 'a query parameter name'}: {problem}"
    return None


def _json_problem(body: bytes) -> str | None:
    if not body:
        return None
    try:
        value = json.loads(body, parse_constant=_no_constant)
    except RecursionError:
        return "the JSON body is nested deeper than 32 levels"
    except _Constant as exc:
        return f"the JSON body holds {exc.args[0]}, which JSON does not allow"
    except ValueError:  # not JSON (or not UTF-8): FastAPI answers with the parser's position
        return None
    try:
        check_value(value)
    except InvalidInput as exc:
        return exc.detail
    return None


def _form_problem(body: bytes) -> str | None:
    text = body.decode("utf-8", "replace")
    for name, value in parse_qsl(text, keep_blank_values=True):
        problem = bad_character(name) or bad_character(value)
        if problem:
            return f"{name if not bad_character(name) else 'a form field name'}: {problem}"
    return None


class _Constant(ValueError):
    pass


def _no_constant(name: str):
    raise _Constant(name)


async def _read_body(receive, limit: int) -> bytes | bool | None:
    """The whole body, False past `limit`, None when the client disconnected."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return False
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive):
    sent = False

    async def replay():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # after the body: wait for the disconnect, as a server would

    return replay


def _counting(receive, limit: int):
    size = 0

    async def counted():
        nonlocal size
        message = await receive()
        if message["type"] == "http.request":
            size += len(message.get("body", b""))
            if size > limit:
                raise BodyTooLarge(limit)
        return message

    return counted


async def refuse(scope, send: Send, status: int, title: str, detail: str) -> None:
    """Answer without calling the app: problem+json, or the Open311 error list under /open311/."""
    path = scope.get("path", "")
    if path.startswith("/open311/"):
        status = 400 if status == 422 else status  # the spec's code for a bad parameter
        errors = [{"code": status, "description": detail}]
        if path.endswith(".xml"):
            from gridgov.channels.open311 import to_xml

            body, media = to_xml("errors", "error", errors), "text/xml; charset=utf-8"
        else:
            body, media = json.dumps(errors).encode(), "application/json; charset=utf-8"
    else:
        body = json.dumps({"type": "about:blank", "title": title, "status": status, "detail": detail}).encode()
        media = "application/problem+json"
    headers = [(b"content-type", media.encode()), (b"content-length", str(len(body)).encode())]
    if status == 413:
        headers.append((b"connection", b"close"))  # the rest of the body is never read
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
