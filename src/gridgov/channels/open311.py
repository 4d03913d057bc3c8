"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2): the thin translation between the
spec's requests and ours. POST parameters become a `ReportCase`; cases become the spec's `request`
records. Errors are the spec's own list of {code, description}, in JSON or XML.

What is public: Open311 GETs are anonymous, so requests never carry the reporter's identity, and
sensitive cases and SOS calls are not listed at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from xml.etree import ElementTree as ET

from gridgov.domain.documents import bad_character
from gridgov.domain.privacy import redact_text
from gridgov.domain.workflow import OPEN_STATUSES, CaseStatus

HIDDEN_CHANNELS = ("sos_button",)


class Open311Error(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code, self.description = code, description


@dataclass(frozen=True)
class PostedRequest:
    service_code: str
    lat: float | None
    lon: float | None
    description: str
    address: str | None
    first_name: str | None
    last_name: str | None
    phone: str | None
    email: str | None
    media_url: str | None
    attributes: dict[str, str]


def _float(form: dict[str, str], key: str) -> float | None:
    if not form.get(key):
        return None
    try:
        return float(form[key])
    except ValueError:
        raise Open311Error(400, f"{key} must be a number") from None


def parse_post(form: dict[str, str]) -> PostedRequest:
    """Validate the POST Service Request parameters (form-encoded, attribute[code]=value)."""
    for key, value in form.items():  # a multipart form passes the door's check (api/limits.py) unread
        problem = bad_character(key) or bad_character(value)
        if problem:
            raise Open311Error(400, f"{key}: {problem}")
    code = (form.get("service_code") or "").strip()
    if not code:
        raise Open311Error(400, "service_code is required")
    lat, lon = _float(form, "lat"), _float(form, "long")
    if (lat is None or lon is None) and not form.get("address_string"):
        raise Open311Error(400, "lat and long, or address_string, are required")
    description = (form.get("description") or "").strip()
    if not description:
        raise Open311Error(400, "description is required")
    attributes = {k[len("attribute["):-1]: v for k, v in form.items() if k.startswith("attribute[") and k.endswith("]")}
    return PostedRequest(
        service_code=code,
        lat=lat,
        lon=lon,
        description=description,
        address=(form.get("address_string") or None),
        first_name=form.get("first_name") or None,
        last_name=form.get("last_name") or None,
        phone=form.get("phone") or None,
        email=form.get("email") or None,
        media_url=form.get("media_url") or None,
        attributes=attributes,
    )


def status_of(status: str) -> str:
    return "open" if CaseStatus(status) in OPEN_STATUSES else "closed"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def request_record(case, unit_name: str | None, category_name: str | None) -> dict[str, Any]:
    notes = {
        "reported": "已受理，等待分拨", "accepted": "已立案", "dispatched": "已派遣", "in_progress": "处置中",
        "returned": "重新分拨中", "handled": "已处置，待核查", "verified": "核查通过", "closed": "已办结",
        "rated": "已办结", "rejected": "未予立案",
    }  # fmt: skip
    text = notes.get(str(case.status), "")
    if case.status is CaseStatus.REJECTED and case.triage_reason:
        text += f"：{case.triage_reason}"
    return {
        "service_request_id": case.id,
        "status": status_of(case.status),
        "status_notes": text,
        "service_name": category_name,
        "service_code": case.category,
        "description": redact_text(case.description),  # published: numbers typed in are masked
        "agency_responsible": unit_name,
        "service_notice": None,
        "requested_datetime": _iso(case.reported_at),
        "updated_datetime": _iso(case.updated_at),
        "expected_datetime": _iso(case.due_at),
        "address": case.address,
        "address_id": None,
        "zipcode": None,
        "lat": case.lat,
        "long": case.lon,
        "media_url": None,
    }


def to_xml(root: str, item: str, rows: list[dict[str, Any]]) -> bytes:
    top = ET.Element(root)
    for row in rows:
        el = ET.SubElement(top, item)
        _fill(el, row)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(top, encoding="utf-8", xml_declaration=False)


def _fill(el: ET.Element, row: dict[str, Any]) -> None:
    for key, value in row.items():
        child = ET.SubElement(el, key)
        if isinstance(value, list):
            for entry in value:
                sub = ET.SubElement(child, key.rstrip("s") if key != "values" else "value")
                if isinstance(entry, dict):
                    _fill(sub, entry)
                else:
                    sub.text = str(entry)
        elif isinstance(value, dict):
            _fill(child, value)
        elif isinstance(value, bool):
            child.text = "true" if value else "false"
        elif value is not None:
            child.text = str(value)
