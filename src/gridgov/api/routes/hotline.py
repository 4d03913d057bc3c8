"""/api/v1/intake/hotline: 12345 work orders in (file import with a column mapping, or JSON push) and
their status and result back out in the same shape, so the hotline system can sync."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, File, Form, Query, Response, UploadFile

from gridgov.api.problems import ApiProblem
from gridgov.api.security import get_platform, intake_actor
from gridgov.api.types import Instant
from gridgov.channels import hotline
from gridgov.domain.commands import ReportCase
from gridgov.domain.errors import DomainError
from gridgov.domain.imports import ImportReport
from gridgov.domain.roles import Actor
from gridgov.domain.workflow import STATUS_LABELS, CaseStatus
from gridgov.queries import hotline as hotline_queries

router = APIRouter(prefix="/api/v1/intake/hotline", tags=["intake"])
ERRORS = {401: {"description": "Not logged in"}, 403: {"description": "Forbidden"}, 422: {"description": "Invalid"}}
MAX_FILE = 20 * 1024 * 1024


def _submit(platform, actor: Actor, order: hotline.Order) -> tuple[str, bool]:
    with platform.engine.connect() as conn:  # an order imported before (by anyone, any time) is not repeated
        known = hotline_queries.case_of_order(conn, order.order_no)
    if known:
        return known, True
    digest = hashlib.sha256(json.dumps(vars(order) | {"line": 0}, sort_keys=True, default=str).encode()).hexdigest()
    result = platform.bus.handle(
        ReportCase(
            actor=actor, description=order.description, lon=order.lon or 0.0, lat=order.lat or 0.0, crs=order.crs,
            channel="hotline_12345", address_only=order.lon is None,
            address=order.address, category=order.category, reporter_name=order.reporter_name,
            reporter_phone=order.reporter_phone, idempotency_key=f"12345:{order.order_no}", request_hash=digest,
            source_ref=f"12345:{order.order_no}",
        )
    )  # fmt: skip
    return result.case_id, result.replayed or result.status_code == 200


@router.post("/import", responses=ERRORS)
async def import_orders(
    file: Annotated[UploadFile, File(description="CSV (UTF-8/GBK) or XLSX export of the hotline system")],
    mapping: Annotated[str | None, Form(description='JSON {"order_no": "工单编号", ...}; default: common headers')] = None,
    actor: Actor = Depends(intake_actor("hotline")),
    platform=Depends(get_platform),
) -> dict[str, Any]:
    """Import work orders: valid rows become cases (triaged as usual), each rejected row is listed with
    its line number and reason, and an order imported before is not imported again."""
    from starlette.concurrency import run_in_threadpool

    content = await file.read(MAX_FILE + 1)
    if len(content) > MAX_FILE:
        raise ApiProblem(413, "File too large", f"at most {MAX_FILE} bytes")
    try:
        given = json.loads(mapping) if mapping else {}
        if not isinstance(given, dict) or not all(isinstance(v, str) for v in given.values()):
            raise TypeError
        columns = {**hotline.DEFAULT_MAPPING, **given}
    except (ValueError, TypeError, RecursionError):  # JSONDecodeError is a ValueError
        raise ApiProblem(422, "Invalid input", "mapping must be a JSON object of field -> column") from None
    rows = hotline.read_table(content, file.filename or "upload.csv")
    report = ImportReport(ignored_columns=hotline.check_columns(rows, columns))
    for line, row in enumerate(rows, start=2):
        try:
            order = hotline.parse_order(row, columns, line)
            case_id, again = await run_in_threadpool(_submit, platform, actor, order)
        except DomainError as exc:
            report.reject(line, exc.detail)
            continue
        (report.again if again else report.add)(line, order_no=order.order_no, case_id=case_id)
    return report.as_dict()


@router.post("", status_code=201, responses=ERRORS)
def push_order(
    body: Annotated[dict[str, Any], Body(..., description="One order with our field names (order_no, description, lon, lat …)")],
    response: Response,
    actor: Actor = Depends(intake_actor("hotline")),
    platform=Depends(get_platform),
) -> dict[str, Any]:
    identity = {field: field for field in hotline.DEFAULT_MAPPING}
    order = hotline.parse_order(body, identity, 1)
    case_id, again = _submit(platform, actor, order)
    response.status_code = 200 if again else 201
    return {"order_no": order.order_no, "case_id": case_id, "already_imported": again}


@router.get("/export", responses=ERRORS)
def export_orders(
    actor: Actor = Depends(intake_actor("hotline")),
    platform=Depends(get_platform),
    since: Instant | None = None,
    fmt: Annotated[str, Query(alias="format", pattern="^(csv|xlsx)$")] = "csv",
) -> Response:
    """Status and result of every hotline order (changed since `since`), in the hotline's own columns."""
    with platform.engine.connect() as conn:
        rows = hotline_queries.exported_orders(conn, actor, since)
    table = [
        [r.source_ref.removeprefix("12345:"), r.id, STATUS_LABELS[CaseStatus(r.status)], r.unit_name or "", r.result or "",
         r.closed_at.isoformat() if r.closed_at else "", r.rating or ""]
        for r in rows
    ]  # fmt: skip
    if fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.append(hotline.EXPORT_COLUMNS)
        for row in table:
            sheet.append(row)
        out = io.BytesIO()
        book.save(out)
        return Response(out.getvalue(), media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": 'attachment; filename="gridgov-12345.xlsx"'})  # fmt: skip
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(hotline.EXPORT_COLUMNS)
    writer.writerows(table)
    return Response(text.getvalue().encode("utf-8-sig"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="gridgov-12345.csv"'})  # fmt: skip
