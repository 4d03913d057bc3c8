"""Open311 GeoReport v2 as clients use it: form-encoded POST with api_key, JSON and XML, the spec's
filters and its error format."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import pytest

from tests.conftest import point_in

KEY = "test-open311-key"


@pytest.fixture
def o311(api):
    api.platform.settings.open311_api_keys = [KEY]
    return api


def post(api, fmt="json", **fields):
    lon, lat, _ = point_in(api.platform, "community")
    data = {"api_key": KEY, "service_code": "E0109", "lat": str(lat), "long": str(lon), "description": "垃圾桶满溢", **fields}
    return api.post(f"/open311/v2/requests.{fmt}", data={k: v for k, v in data.items() if v is not None})


def test_service_list_and_definition_in_json_and_xml(o311):
    services = o311.get("/open311/v2/services.json").json()
    codes = {s["service_code"] for s in services}
    assert {"E0109", "C0108"} <= codes and "M01" not in codes
    assert all(s["type"] == "realtime" and s["metadata"] is False for s in services)
    xml = ET.fromstring(o311.get("/open311/v2/services.xml").content)
    assert xml.tag == "services" and xml.find("service/service_code").text
    assert o311.get("/open311/v2/services/E0109.json").json() == {"service_code": "E0109", "attributes": []}
    assert ET.fromstring(o311.get("/open311/v2/services/E0109.xml").content).find("service_code").text == "E0109"


def test_a_posted_request_becomes_a_case_and_can_be_read_back(o311):
    r = post(o311, service_code="C0108", description="路灯不亮", first_name="美华", last_name="林", phone="13912345678", address_string="景华新村3栋")
    assert r.status_code == 201, r.text
    (created,) = r.json()
    rid = created["service_request_id"]
    o311.platform.relay.deliver_pending()
    (one,) = o311.get(f"/open311/v2/requests/{rid}.json").json()
    assert one["status"] == "open" and one["service_code"] == "C0108" and one["agency_responsible"] == "城管局"
    assert "林" not in str(one) and "13912345678" not in str(one)  # nobody's identity in public answers
    listed = o311.get("/open311/v2/requests.json", params={"status": "open", "service_code": "C0108"}).json()
    assert rid in {x["service_request_id"] for x in listed}
    assert o311.get("/open311/v2/requests.json", params={"status": "closed"}).json() == []
    assert o311.get(f"/open311/v2/tokens/{rid}.json").json() == [{"service_request_id": rid, "token": rid}]
    xml = ET.fromstring(o311.get(f"/open311/v2/requests/{rid}.xml").content)
    assert xml.tag == "service_requests" and xml.find("request/service_request_id").text == rid
    case = o311.get(f"/api/v1/cases/{rid}", headers=o311.login("disp")).json()
    assert case["channel"] == "open311" and case["reporter_phone"] == "13912345678"


@pytest.mark.parametrize(
    ("fields", "code", "fragment"),
    [({"api_key": None}, 403, "api_key"), ({"api_key": "wrong"}, 403, "api_key"),
     ({"service_code": "NOPE"}, 404, "service_code"), ({"service_code": None}, 400, "service_code"),
     ({"lat": None, "long": None}, 400, "address_string"), ({"lat": "north"}, 400, "lat"),
     ({"description": None}, 400, "description"), ({"lat": "39.9", "long": "116.4"}, 400, "outside every grid"),
     ({"jurisdiction_id": "other.city"}, 404, "jurisdiction_id")],
)  # fmt: skip
def test_bad_posts_get_the_specs_error_list(o311, fields, code, fragment):
    r = post(o311, **fields)
    assert r.status_code == code
    (err,) = r.json()
    assert err["code"] == code and fragment in err["description"]


def test_errors_come_as_xml_for_xml_requests(o311):
    r = post(o311, fmt="xml", api_key="wrong")
    root = ET.fromstring(r.content)
    assert r.status_code == 403 and root.tag == "errors" and root.find("error/code").text == "403"


def test_get_filters_refuse_bad_dates_and_spans(o311):
    assert o311.get("/open311/v2/requests.json", params={"start_date": "yesterday"}).status_code == 400
    r = o311.get("/open311/v2/requests.json", params={"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"})
    assert r.status_code == 400 and "90 days" in r.json()[0]["description"]
    assert o311.get("/open311/v2/requests.json", params={"status": "pending"}).status_code == 400
    assert o311.get("/open311/v2/requests/nope.json").status_code == 404
    assert o311.get("/open311/v2/services.csv").status_code == 404


def test_sensitive_cases_are_not_public(o311):
    r = post(o311, description="工人聚集讨薪，拉横幅")
    rid = r.json()[0]["service_request_id"]
    o311.platform.relay.deliver_pending()
    assert o311.get(f"/open311/v2/requests/{rid}.json").status_code == 404


def test_an_address_string_alone_is_placed_by_the_gazetteer(o311):
    r = post(o311, lat=None, long=None, address_string="彩田花园东门", service_code="C0108", description="路灯不亮")
    assert r.status_code == 201, r.text
    rid = r.json()[0]["service_request_id"]
    o311.platform.relay.deliver_pending()
    case = o311.get(f"/api/v1/cases/{rid}", headers=o311.login("disp")).json()
    assert case["grid_code"] and case["timeline"][1]["data"]["placement"]["matched"] == "彩田花园"
