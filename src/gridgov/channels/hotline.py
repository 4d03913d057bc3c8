"""12345 hotline work orders (工单): Excel/CSV files with a column mapping, or one order pushed as JSON.

A mapping names, for each of our fields, the column of the hotline system's export; the default fits
the common Chinese headers. Rows are checked one by one: valid rows are imported, every rejected row is
reported with its line number and reason, and a re-import of the same order never opens a second case
(the order number is the idempotency key).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from gridgov.domain.documents import bad_character, read_csv
from gridgov.domain.errors import InvalidInput

DEFAULT_MAPPING = {
    "order_no": "工单编号",
    "description": "诉求内容",
    "address": "事发地址",
    "lon": "经度",
    "lat": "纬度",
    "crs": "坐标系",
    "category": "诉求类别",
    "reporter_name": "来电人",
    "reporter_phone": "联系电话",
}
REQUIRED = ("order_no", "description")


@dataclass(frozen=True)
class Order:
    line: int
    order_no: str
    description: str
    lon: float | None
    lat: float | None
    crs: str
    address: str | None
    category: str | None
    reporter_name: str | None
    reporter_phone: str | None


def read_table(content: bytes, filename: str) -> list[dict[str, str]]:
    """Rows of a CSV (UTF-8 or GBK, as hotline systems export) or XLSX file."""
    return [row for _, row in read_numbered_table(content, filename)]


def read_numbered_table(
    content: bytes, filename: str, rejected: list[tuple[int, str]] | None = None
) -> list[tuple[int, dict[str, str]]]:
    """(line in the file, row) of a CSV or XLSX file: a CSV field may span lines (texts with line breaks),
    so a row's number is the line it ends on, as a text editor shows it; in a sheet, the row number.
    With `rejected`, CSV rows holding a character no text may hold are listed there, not fatal."""
    if filename.lower().endswith((".xlsx", ".xlsm")):
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(content), read_only=True).active
        except Exception:
            raise InvalidInput(f"{filename} is not a readable Excel file") from None
        values = list(sheet.iter_rows(values_only=True))
        if not values:
            raise InvalidInput(f"{filename} is empty")
        head = [str(h or "").strip() for h in values[0]]
        return [(n, {h: "" if v is None else str(v).strip() for h, v in zip(head, row, strict=False)})
                for n, row in enumerate(values[1:], start=2)]  # fmt: skip
    for encoding in ("utf-8-sig", "gbk"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InvalidInput(f"{filename} is neither UTF-8 nor GBK text")
    _, rows = read_csv(text, filename, rejected=rejected)  # bounded: rows, field size, characters (domain/documents.py)
    return [(n, {k.strip(): (v or "").strip() for k, v in row.items() if k}) for n, row in rows]


def check_columns(rows: list[dict[str, str]], mapping: dict[str, str]) -> list[str]:
    """Refuse a file missing a required column (naming them); return the columns we ignore."""
    if not rows:
        raise InvalidInput("the file has no rows")
    columns = set(rows[0])
    missing = [f"{field} ({mapping.get(field, '?')})" for field in REQUIRED if mapping.get(field) not in columns]
    if missing:
        raise InvalidInput(f"missing columns: {', '.join(missing)}; columns in the file: {', '.join(sorted(columns))}")
    return sorted(columns - set(mapping.values()))


def parse_order(row: dict[str, Any], mapping: dict[str, str], line: int) -> Order:
    def get(field: str) -> str:
        return str(row.get(mapping.get(field, field)) or "").strip()

    problems = [f"{field} {bad_character(get(field))}" for field in mapping if bad_character(get(field))]
    if not get("order_no"):
        problems.append("no order number")
    if not get("description"):
        problems.append("no description")
    coords: list[float | None] = []
    for field in ("lon", "lat"):
        if not get(field):
            coords.append(None)
            continue
        try:
            coords.append(float(get(field)))
        except ValueError:
            problems.append(f"{field} {get(field)!r} is not a number")
    if not problems and (coords[0] is None) != (coords[1] is None):
        problems.append("give both lon and lat, or neither (then the address places the order)")
    if not problems and coords[0] is None and not get("address"):
        problems.append("no coordinates and no address")
    if problems:
        raise InvalidInput("; ".join(problems))
    return Order(
        line=line, order_no=get("order_no"), description=get("description"), lon=coords[0], lat=coords[1],
        crs=get("crs") or "wgs84", address=get("address") or None, category=get("category") or None,
        reporter_name=get("reporter_name") or None, reporter_phone=get("reporter_phone") or None,
    )  # fmt: skip


EXPORT_COLUMNS = ["工单编号", "案件编号", "状态", "处置单位", "处置结果", "办结时间", "满意度评分"]
