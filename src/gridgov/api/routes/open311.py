"""Open311 GeoReport v2 under /open311/v2: service list, service definition, POST/GET requests, one
request, request id from token; `.json` or `.xml`; `jurisdiction_id`; `api_key` for POST; errors in the
spec's format (never problem+json here: Open311 clients parse their own)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from gridgov.api.security import get_platform
from gridgov.channels.open311 import HIDDEN_CHANNELS, Open311Error, parse_post, request_record, to_xml
from gridgov.domain.commands import ReportCase
from gridgov.domain.errors import DomainError
from gridgov.domain.instants import InstantError, parse_instant
from gridgov.domain.roles import Actor, Role
from gridgov.queries import open311 as open311_queries

router = APIRouter(prefix="/open311/v2", tags=["open311"])
FORMATS = ("json", "xml")
MAX_SPAN = timedelta(days=90)  # the spec's default window and largest span for GET requests
MAX_RESULTS = 1000


def render(fmt: str, root: str, item: str, rows: list[dict[str, Any]], status: int = 200) -> Response:
    if fmt == "xml":
        return Response(to_xml(root, item, rows), status_code=status, media_type="text/xml; charset=utf-8")
    return Response(json.dumps(rows, ensure_ascii=False), status_code=status, media_type="application/json; charset=utf-8")


def error(fmt: str, exc: Open311Error) -> Response:
    return render(fmt if fmt in FORMATS else "json", "errors", "error", [{"code": exc.code, "description": exc.description}], exc.code)


def _check(platform, fmt: str, jurisdiction_id: str | None) -> None:
    if fmt not in FORMATS:
        raise Open311Error(404, "format must be json or xml")
    expected = platform.settings.open311_jurisdiction_id
    if jurisdiction_id and jurisdiction_id != expected:
        raise Open311Error(404, f"jurisdiction_id {jurisdiction_id} not found; this endpoint serves {expected}")


def _services(platform) -> list[dict[str, Any]]:
    with platform.uow() as uow:
        table = uow.categories.table()
    return [
        {"service_code": c.code, "service_name": c.name, "description": f"{c.major}/{c.name} ({c.name_en})",
         "metadata": False, "type": "realtime", "keywords": c.name_en, "group": c.major}
        for c in table if c.kind in ("event", "component")
    ]  # fmt: skip


@router.get("/services.{fmt}")
def service_list(fmt: str, platform=Depends(get_platform), jurisdiction_id: str | None = None) -> Response:
    """GET Service List: the categories residents may report."""
    try:
        _check(platform, fmt, jurisdiction_id)
        return render(fmt, "services", "service", _services(platform))
    except Open311Error as exc:
        return error(fmt, exc)


@router.get("/services/{service_code}.{fmt}")
def service_definition(service_code: str, fmt: str, platform=Depends(get_platform), jurisdiction_id: str | None = None) -> Response:
    """GET Service Definition. Our services need no extra attributes, so the list is empty."""
    try:
        _check(platform, fmt, jurisdiction_id)
        if service_code not in {s["service_code"] for s in _services(platform)}:
            raise Open311Error(404, f"service_code {service_code} not found")
        body = {"service_code": service_code, "attributes": []}
        if fmt == "xml":
            return Response(_definition_xml(body), media_type="text/xml; charset=utf-8")
        return Response(json.dumps(body), media_type="application/json; charset=utf-8")
    except Open311Error as exc:
        return error(fmt, exc)


def _definition_xml(body: dict[str, Any]) -> bytes:
    from xml.etree import ElementTree as ET

    root = ET.Element("service_definition")
    ET.SubElement(root, "service_code").text = body["service_code"]
    ET.SubElement(root, "attributes")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="utf-8", xml_declaration=False)


def _key_actor(platform, key: str | None) -> Actor:
    """The client system behind an api_key: a key from settings (`open311_api_keys`) or an integration
    key allowed the open311 channel. Its id names the key by position or record, never by its
    characters: timelines are read by many and a key's prefix narrows the search for it."""
    if key and key in platform.settings.open311_api_keys:
        position = platform.settings.open311_api_keys.index(key) + 1
        return Actor(user_id=f"open311:settings-{position}", role=Role.SYSTEM, name="Open311")
    if key and key.startswith("ggk_"):
        from gridgov.domain.errors import DomainError
        from gridgov.services.api_keys import actor_for_key

        try:
            with platform.uow() as uow:
                return actor_for_key(uow, key, "open311", platform.clock.now())
        except DomainError:
            pass
    raise Open311Error(403, "a valid api_key is required to post a service request")


@router.post("/requests.{fmt}")
async def post_request(
    fmt: str,
    request: Request,
    platform=Depends(get_platform),
    api_key: Annotated[str | None, Form()] = None,
    service_code: Annotated[str | None, Form()] = None,
    lat: Annotated[str | None, Form()] = None,
    long: Annotated[str | None, Form()] = None,
    description: Annotated[str | None, Form()] = None,
) -> Response:
    """POST Service Request (form-encoded): a new case on the `open311` channel, triaged like any other."""
    from starlette.concurrency import run_in_threadpool

    try:
        form = {k: str(v) for k, v in (await request.form()).items()}
        _check(platform, fmt, form.get("jurisdiction_id"))
        actor = _key_actor(platform, form.get("api_key"))
        posted = parse_post(form)
        if posted.service_code not in {s["service_code"] for s in _services(platform)}:
            raise Open311Error(404, f"service_code {posted.service_code} not found")
        name = " ".join(p for p in (posted.last_name, posted.first_name) if p) or None
        command = ReportCase(
            actor=actor, description=posted.description, lon=posted.lon or 0.0, lat=posted.lat or 0.0, channel="open311",
            address_only=posted.lat is None or posted.lon is None,
            category=posted.service_code, address=posted.address, reporter_name=name, reporter_phone=posted.phone,
        )  # fmt: skip
        try:
            result = await run_in_threadpool(platform.bus.handle, command)
        except DomainError as exc:
            raise Open311Error(400, exc.detail) from None
        return render(fmt, "service_requests", "request", [{"service_request_id": result.case_id, "service_notice": "已受理", "account_id": None}], 201)
    except Open311Error as exc:
        return error(fmt, exc)


def _parse_time(value: str | None, name: str) -> datetime | None:
    """The API's one date-time rule (aware, 2000-2100: domain/instants.py), refused in Open311's format."""
    if not value:
        return None
    try:
        return parse_instant(value)
    except InstantError as exc:
        raise Open311Error(400, f"{name}: {exc}") from None


def _records(platform, cases) -> list[dict[str, Any]]:
    with platform.uow() as uow:
        units, table = open311_queries.names(uow)
    out = []
    for case in cases:
        category = table.get(case.category) if case.category else None
        out.append(request_record(case, units.get(case.unit_id), category.name if category else None))
    return out


def _find(platform, **filters) -> list:
    with platform.engine.connect() as conn:
        return open311_queries.public_cases(conn, HIDDEN_CHANNELS, limit=MAX_RESULTS, **filters)


@router.get("/requests.{fmt}")
def get_requests(
    fmt: str,
    platform=Depends(get_platform),
    jurisdiction_id: str | None = None,
    service_request_id: str | None = None,
    service_code: str | None = None,
    start_date: str | None = None,
    end_date: str | None = None,
    status: str | None = None,
) -> Response:
    """GET Service Requests with the spec's filters; `service_request_id` (comma list) overrides the rest."""
    try:
        _check(platform, fmt, jurisdiction_id)
        if service_request_id:
            ids = [i.strip() for i in service_request_id.split(",") if i.strip()][:MAX_RESULTS]
            cases = _find(platform, ids=ids)
        else:
            end = _parse_time(end_date, "end_date") or datetime.now(UTC)
            start = _parse_time(start_date, "start_date") or end - MAX_SPAN
            if end < start:
                raise Open311Error(400, "end_date is before start_date")
            if end - start > MAX_SPAN:
                raise Open311Error(400, "start_date and end_date may span at most 90 days")
            wanted = {s.strip() for s in status.split(",")} if status else set()
            if not wanted <= {"open", "closed"}:
                raise Open311Error(400, "status must be open or closed")
            codes = [s.strip() for s in service_code.split(",")] if service_code else None
            open_only = True if wanted == {"open"} else False if wanted == {"closed"} else None
            cases = _find(platform, start=start, end=end, service_codes=codes, open_only=open_only)
        return render(fmt, "service_requests", "request", _records(platform, cases))
    except Open311Error as exc:
        return error(fmt, exc)


@router.get("/requests/{request_id}.{fmt}")
def get_request(request_id: str, fmt: str, platform=Depends(get_platform), jurisdiction_id: str | None = None) -> Response:
    """GET Service Request: a list with the one request."""
    try:
        _check(platform, fmt, jurisdiction_id)
        cases = _find(platform, ids=[request_id])
        if not cases:
            raise Open311Error(404, f"service_request_id {request_id} not found")
        return render(fmt, "service_requests", "request", _records(platform, cases))
    except Open311Error as exc:
        return error(fmt, exc)


@router.get("/tokens/{token}.{fmt}")
def get_token(token: str, fmt: str, platform=Depends(get_platform), jurisdiction_id: str | None = None) -> Response:
    """GET request id from a token. Requests are created at once, so a token is the request id itself."""
    try:
        _check(platform, fmt, jurisdiction_id)
        if not _find(platform, ids=[token]):
            raise Open311Error(404, f"token {token} not found")
        return render(fmt, "service_requests", "request", [{"service_request_id": token, "token": token}])
    except Open311Error as exc:
        return error(fmt, exc)
