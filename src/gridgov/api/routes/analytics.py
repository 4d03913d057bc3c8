"""/api/v1/analytics/kpis: the KPI table (docs/kpis.md) by place, unit, category, channel, worker or period,
as JSON with drill-down links, or as a CSV/XLSX sheet for the office."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response

from gridgov.api.authz import require
from gridgov.api.security import get_platform
from gridgov.domain import kpis as registry
from gridgov.domain.policy import Permission
from gridgov.domain.roles import Actor
from gridgov.queries.kpis import kpi_table

router = APIRouter(prefix="/api/v1/analytics", tags=["analytics"])

RESPONSES = {
    401: {"description": "Not logged in (problem+json)"},
    403: {"description": "Only the governance center sees the statistics (problem+json)"},
    422: {"description": "Reversed or over-long range, unknown grouping, grid or unit (problem+json)"},
}
SHEET_MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@router.get("/kpis", responses=RESPONSES)
def kpis(
    start: Annotated[date, Query(alias="from", description="First day, inclusive (YYYY-MM-DD, district time).")],
    end: Annotated[date, Query(alias="to", description="Last day, inclusive.")],
    actor: Actor = Depends(require(Permission.VIEW_STATS)),
    platform=Depends(get_platform),
    by: Annotated[str, Query(max_length=16, description=", ".join(registry.GROUPINGS))] = "community",
    grid: Annotated[str | None, Query(max_length=32, description="Only cases in this grid subtree.")] = None,
    unit: Annotated[str | None, Query(max_length=64, description="Only cases of this unit.")] = None,
    format: Annotated[Literal["json", "csv", "xlsx"], Query()] = "json",
) -> Any:
    """One row per group with every indicator as {value, n, cases, yoy (同比), mom (环比)}, plus the
    total; only over the cases you may see. `format=csv|xlsx` gives the same table as a sheet."""
    with platform.engine.connect() as conn:
        body = kpi_table(conn, actor, start=start, end=end, by=by, tz=platform.settings.timezone, grid=grid, unit=unit)
    if format == "json":
        return body
    name = f"kpis-{by}-{start.isoformat()}-{end.isoformat()}.{format}"
    content = _csv(body) if format == "csv" else _xlsx(body)
    return Response(content, media_type=SHEET_MEDIA[format], headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _table(body: dict[str, Any]) -> tuple[list[str], list[str], list[list[Any]]]:
    """Header of ids, header of Chinese names, and one line per row then the total: value, 同比, 环比."""
    ids, names = ["code", "name"], ["编码", "名称"]
    for i in registry.REGISTRY:
        ids += [i.id, i.id + "_yoy", i.id + "_mom"]
        names += [i.name_zh, i.name_zh + "(同期)", i.name_zh + "(上期)"]
    lines = []
    for row in [*body["rows"], body["total"]]:
        line = [row["code"] if row["code"] is not None else "total", row["name"]]
        for i in registry.REGISTRY:
            cell = row[i.id]
            line += [cell["value"], cell["yoy"]["value"], cell["mom"]["value"]]
        lines.append(line)
    return ids, names, lines


def _csv(body: dict[str, Any]) -> bytes:
    ids, _, lines = _table(body)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(ids)
    for line in lines:
        # a cell that starts with = + - @ is a formula to a spreadsheet: names come from imports
        writer.writerow(["'" + v if isinstance(v, str) and v[:1] in "=+-@" else ("" if v is None else v) for v in line])
    return ("\ufeff" + out.getvalue()).encode()  # the BOM makes Excel read UTF-8


def _xlsx(body: dict[str, Any]) -> bytes:
    from openpyxl import Workbook

    ids, names, lines = _table(body)
    book = Workbook()
    sheet = book.active
    sheet.title = f"{body['by']} {body['from']}~{body['to']}"[:31]
    sheet.append(names)
    sheet.append(ids)
    for line in lines:
        sheet.append([("'" + v if isinstance(v, str) and v[:1] in "=+-@" else v) for v in line])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
