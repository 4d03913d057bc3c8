"""Machine channels: AI cameras (AI视频识别), IoT alarms (物联感知) and one-key SOS buttons (一键呼).

Each parser checks a raw payload and turns it into the fields of a `ReportCase`, or raises
`InvalidInput` saying what is wrong. Devices must be registered (with their place) first: a payload
from an unknown device is refused, never guessed.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gridgov.domain.deadlines import SHANGHAI
from gridgov.domain.errors import InvalidInput, NotFound
from gridgov.domain.instants import InstantError, parse_instant

# Which category a camera's scene type (出店经营, 垃圾满溢 …) or a sensor's metric (smoke, co …) files
# under is data: the `scenes` column of the category table (issue 11), handed to the parsers as
# `scenes` (anything with `by_scene(name) -> Category | None`, such as the CategoryTable). A scene the
# table does not know is still taken: the case waits in the triage queue with the scene's name.
SEVERITIES = ("critical", "major", "minor", "warning")
DEVICE_KINDS = ("camera", "sensor", "sos_button")


@dataclass(frozen=True)
class Intake:
    description: str
    lon: float
    lat: float
    channel: str
    category: str | None
    source_ref: str | None
    severity: str | None = None
    reporter_name: str | None = None
    reporter_phone: str | None = None
    address: str | None = None
    snapshot: bytes | None = None  # the camera's capture, stored as the case's photo
    scene: str | None = None  # the camera's scene type or the sensor's metric, as the device named it


MAX_SNAPSHOT_BYTES = 10 * 1024 * 1024


def _snapshot(payload: dict) -> bytes | None:
    """The capture as base64 (a bare string or a `data:image/...;base64,` URL), decoded.

    Cameras and video platforms send the picture inline; a URL to fetch is deliberately not taken, so
    an alert can never make the platform call into other networks. The image type is checked when it
    is stored (photo_store decodes it).
    """
    value = payload.get("snapshot")
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput("snapshot must be a base64 string (JPEG, PNG or WebP)")
    text = value.strip()
    if text.startswith("data:"):
        head, _, text = text.partition(",")
        if not head.endswith(";base64"):
            raise InvalidInput("a snapshot data URL must be base64-encoded")
    if len(text) > MAX_SNAPSHOT_BYTES * 4 // 3 + 4:
        raise InvalidInput(f"the snapshot is larger than {MAX_SNAPSHOT_BYTES} bytes")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("snapshot is not valid base64") from None


def _text(payload: dict, key: str, limit: int = 64) -> str:
    value = payload.get(key)
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise InvalidInput(f"{key} must be a non-empty string of at most {limit} characters")
    return value.strip()


def _time(payload: dict, key: str) -> datetime:
    try:  # the API's one date-time rule: aware, 2000-2100 (domain/instants.py)
        return parse_instant(str(payload.get(key)))
    except InstantError as exc:
        raise InvalidInput(f"{key}: {exc}") from None


def _device(devices, device_id: str, kind: str) -> dict[str, Any]:
    device = devices.get(device_id)
    if device is None or not device["active"]:
        raise NotFound(f"unknown {kind} {device_id!r}; register it first (PUT /api/v1/devices/{device_id})")
    if device["kind"] != kind:
        raise InvalidInput(f"device {device_id} is a {device['kind']}, not a {kind}")
    return device


def _filed_under(scenes, scene: str) -> str | None:
    category = scenes.by_scene(scene) if scenes is not None else None
    return category.code if category is not None else None


def parse_camera(payload: Any, devices, scenes=None) -> Intake:
    if not isinstance(payload, dict):
        raise InvalidInput("the alert must be a JSON object")
    camera = _device(devices, _text(payload, "camera_id"), "camera")
    event = _text(payload, "event_type")
    at = _time(payload, "captured_at")
    return Intake(
        description=f"AI识别：{event}（{camera['name']}，{at.astimezone(SHANGHAI).strftime('%m-%d %H:%M')}抓拍）",
        lon=camera["lon"], lat=camera["lat"], channel="ai_camera", category=_filed_under(scenes, event),
        source_ref=f"camera:{camera['id']}:{event}", snapshot=_snapshot(payload), scene=event,
    )  # fmt: skip


def parse_alarm(payload: Any, devices, scenes=None) -> Intake:
    if not isinstance(payload, dict):
        raise InvalidInput("the alarm must be a JSON object")
    sensor = _device(devices, _text(payload, "device_id"), "sensor")
    metric = _text(payload, "metric", 32)
    severity = payload.get("severity")
    if severity not in SEVERITIES:
        raise InvalidInput(f"severity must be one of {', '.join(SEVERITIES)}")
    value = payload.get("value")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput("value must be a number")
    _time(payload, "at")
    labels = {"smoke": "烟感报警", "co": "一氧化碳超标", "methane": "燃气（甲烷）泄漏报警", "water_level": "水位超限"}
    return Intake(
        description=f"物联感知：{labels.get(metric, metric)}，读数 {value}（{sensor['name']}）",
        lon=sensor["lon"], lat=sensor["lat"], channel="iot_alarm", category=_filed_under(scenes, metric),
        source_ref=f"sensor:{sensor['id']}:{metric}", severity=severity, scene=metric,
    )  # fmt: skip


def parse_sos(payload: Any, devices) -> Intake:
    if not isinstance(payload, dict):
        raise InvalidInput("the call must be a JSON object")
    button = _device(devices, _text(payload, "button_id"), "sos_button")
    _time(payload, "pressed_at")
    person = button.get("person") or {}
    return Intake(
        description=f"一键呼：{person.get('name', '独居老人')}按下求助按钮（{person.get('address') or button['name']}）",
        lon=button["lon"], lat=button["lat"], channel="sos_button", category="S01",
        source_ref=f"sos:{button['id']}", reporter_name=person.get("name"), reporter_phone=person.get("phone"),
        address=person.get("address"),
    )  # fmt: skip


def check_device(data: Any) -> dict[str, Any]:
    """A device registration: id, kind, name, lon/lat (WGS84); an SOS button carries its care person."""
    if not isinstance(data, dict):
        raise InvalidInput("the device must be a JSON object")
    problems = []
    if data.get("kind") not in DEVICE_KINDS:
        problems.append(f"kind must be one of {', '.join(DEVICE_KINDS)}")
    if not isinstance(data.get("name"), str) or not data["name"].strip():
        problems.append("name must not be empty")
    for key, bound in (("lon", 180), ("lat", 90)):
        v = data.get(key)
        if isinstance(v, bool) or not isinstance(v, int | float) or not -bound <= v <= bound:
            problems.append(f"{key} must be a number within ±{bound}")
    person = data.get("person")
    if data.get("kind") == "sos_button":
        if not isinstance(person, dict) or not person.get("name"):
            problems.append("an SOS button needs person.name (and phone, address, contacts)")
        elif not isinstance(person.get("contacts", []), list):
            problems.append("person.contacts must be a list of {name, phone}")
    if problems:
        raise InvalidInput("the device is not valid: " + "; ".join(problems), problems=problems)
    return data
