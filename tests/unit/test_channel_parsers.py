"""Each channel's parser on its recorded sample payload (tests/fixtures/), and on what breaks it."""

from __future__ import annotations

import base64
import copy
import io
import json
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from PIL import Image

from gridgov.channels import devices, hotline, open311
from gridgov.domain.errors import InvalidInput, NotFound
from gridgov.domain.taxonomy import parse_category_csv

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def fixture(name: str):
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


class Registry:
    def __init__(self, *rows):
        self.rows = {r["id"]: {"active": True, "person": None, **r} for r in rows}

    def get(self, device_id):
        return self.rows.get(device_id)


SHIPPED = parse_category_csv((Path(devices.__file__).parents[1] / "data" / "categories.csv").read_text(encoding="utf-8"))
REGISTRY = Registry(
    {"id": "cam-jh-001", "kind": "camera", "name": "景华新村北门", "lon": 114.05, "lat": 22.56},
    {"id": "smoke-jh-5-302", "kind": "sensor", "name": "5栋302烟感", "lon": 114.05, "lat": 22.56},
    {"id": "sos-jh-0017", "kind": "sos_button", "name": "一键呼", "lon": 114.05, "lat": 22.56,
     "person": {"name": "陈伯", "phone": "13700001111", "address": "景华新村5栋302", "contacts": []}},
)  # fmt: skip


def test_a_camera_alert_names_the_scene_files_the_category_and_carries_its_snapshot():
    intake = devices.parse_camera(fixture("camera_alert.json"), REGISTRY, SHIPPED)
    assert (intake.category, intake.scene, intake.channel) == ("E0109", "垃圾满溢", "ai_camera")  # the table's scenes
    assert intake.source_ref == "camera:cam-jh-001:垃圾满溢"  # repeats of the scene find the open case by this
    assert "09:12" in intake.description  # capture time in Shanghai time, as the operator reads it
    with Image.open(io.BytesIO(intake.snapshot)) as img:
        assert img.format == "JPEG" and img.size == (160, 120)


def test_a_bare_base64_snapshot_is_taken_too_and_none_is_fine():
    alert = fixture("camera_alert.json")
    bare = alert["snapshot"].split(",", 1)[1]
    assert devices.parse_camera({**alert, "snapshot": bare}, REGISTRY).snapshot == base64.b64decode(bare)
    del alert["snapshot"]
    assert devices.parse_camera(alert, REGISTRY).snapshot is None


@pytest.mark.parametrize(
    ("change", "message"),
    [({"snapshot": "not base64 at all!"}, "not valid base64"),
     ({"snapshot": "data:image/jpeg,rawbytes"}, "base64-encoded"),
     ({"snapshot": 42}, "base64 string"),
     ({"snapshot": "http://10.0.0.8/snap.jpg"}, "not valid base64"),
     ({"captured_at": "2026-11-23 09:12"}, "time zone"),
     ({"camera_id": ""}, "camera_id")],
)  # fmt: skip
def test_bad_camera_alerts_are_refused_with_the_reason(change, message):
    with pytest.raises(InvalidInput, match=message):
        devices.parse_camera({**fixture("camera_alert.json"), **change}, REGISTRY)


def test_a_scene_the_category_table_does_not_file_is_taken_without_a_category():
    """Never a 422 that loses the event (issue 11): triage queues it for a person with the scene's name."""
    intake = devices.parse_camera({**fixture("camera_alert.json"), "event_type": "外星人"}, REGISTRY, SHIPPED)
    assert (intake.category, intake.scene) == (None, "外星人") and "外星人" in intake.description
    assert devices.parse_alarm(fixture("iot_alarm.json"), REGISTRY, SHIPPED).category == "E0602"  # smoke, as shipped


def test_an_unknown_camera_or_a_device_of_another_kind_is_refused():
    with pytest.raises(NotFound, match="register it first"):
        devices.parse_camera({**fixture("camera_alert.json"), "camera_id": "cam-404"}, REGISTRY)
    with pytest.raises(InvalidInput, match="is a sensor"):
        devices.parse_camera({**fixture("camera_alert.json"), "camera_id": "smoke-jh-5-302"}, REGISTRY)


def test_an_iot_alarm_keeps_its_severity_and_one_reference_per_device_and_metric():
    intake = devices.parse_alarm(fixture("iot_alarm.json"), REGISTRY)
    assert intake.severity == "critical" and intake.source_ref == "sensor:smoke-jh-5-302:smoke"
    assert "烟感报警" in intake.description
    with pytest.raises(InvalidInput, match="severity"):
        devices.parse_alarm({**fixture("iot_alarm.json"), "severity": "panic"}, REGISTRY)


def test_an_sos_call_carries_the_care_person_as_reporter():
    intake = devices.parse_sos(fixture("sos_call.json"), REGISTRY)
    assert intake.category == "S01" and intake.reporter_phone == "13700001111"
    assert intake.address == "景华新村5栋302"


def test_a_gbk_hotline_export_is_read_and_each_row_checked():
    rows = hotline.read_table((FIXTURES / "hotline_orders.csv").read_bytes(), "orders.csv")
    assert hotline.check_columns(rows, hotline.DEFAULT_MAPPING) == []
    first = hotline.parse_order(rows[0], hotline.DEFAULT_MAPPING, 2)
    assert first.crs == "gcj02" and first.category == "E0110" and first.lon == pytest.approx(114.05723312371363)
    second = hotline.parse_order(rows[1], hotline.DEFAULT_MAPPING, 3)
    assert second.lon is None and second.address == "景华社区景华新村北门"
    with pytest.raises(InvalidInput, match="no description"):
        hotline.parse_order(rows[2], hotline.DEFAULT_MAPPING, 4)


def test_a_hotline_file_without_its_required_columns_is_refused_naming_them():
    rows = [{"编号": "1", "内容": "x"}]
    with pytest.raises(InvalidInput, match="missing columns: order_no"):
        hotline.check_columns(rows, hotline.DEFAULT_MAPPING)


def test_a_pushed_hotline_order_with_half_a_coordinate_is_refused():
    order = {**fixture("hotline_push.json"), "lon": "114.05"}
    with pytest.raises(InvalidInput, match="both lon and lat"):
        hotline.parse_order(order, {f: f for f in hotline.DEFAULT_MAPPING}, 1)


def test_an_open311_post_is_parsed_as_the_spec_names_its_fields():
    form = dict(parse_qsl((FIXTURES / "open311_post.txt").read_text().strip()))
    request = open311.parse_post(form)
    assert request.service_code == "E0501" and request.lon == pytest.approx(114.052125)
    assert request.email == "alex@example.org"
    broken = copy.copy(form)
    broken["long"] = "east"
    with pytest.raises(open311.Open311Error, match="long must be a number"):
        open311.parse_post(broken)
