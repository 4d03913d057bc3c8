"""12345 hotline orders: file import with a column mapping (valid rows in, each bad row reported),
JSON push, re-imports that change nothing, and the status exported back in the hotline's columns."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook, load_workbook

from tests.conftest import point_in

HEAD = ["工单编号", "诉求内容", "事发地址", "经度", "纬度", "来电人", "联系电话", "备注"]


def rows(api):
    lon, lat, _ = point_in(api.platform, "community")
    return [
        ["12345-001", "彩田路路灯不亮已经三天", "彩田路", lon, lat, "王先生", "13600001111", ""],
        ["12345-002", "", "景华新村", lon, lat, "", "", "空内容"],
        ["12345-003", "小区门口占道经营", "景华新村", "abc", lat, "", "", ""],
        ["12345-004", "楼下噪音扰民", "一个不认识的地方", "", "", "", "", ""],
        ["12345-006", "楼道堆满杂物", "景华新村5栋", "", "", "", "", ""],
        ["12345-007", "没有位置", "", "", "", "", "", ""],
        ["12345-005", "工地夜间施工扰民", "香梅路", lon + 0.001, lat, "", "", ""],
    ]


def as_csv(data, head=HEAD, encoding="utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(head)
    writer.writerows(data)
    return out.getvalue().encode(encoding)


def upload(api, content, name="orders.csv", mapping=None):
    data = {"mapping": mapping} if mapping else {}
    return api.post("/api/v1/intake/hotline/import", files={"file": (name, content)}, data=data, headers=api.login("disp"))


def test_valid_rows_are_imported_and_each_bad_row_is_reported_by_line(api):
    r = upload(api, as_csv(rows(api)))
    assert r.status_code == 200, r.text
    body = r.json()
    assert [x["order_no"] for x in body["imported"]] == ["12345-001", "12345-004", "12345-006", "12345-005"]
    assert {x["line"]: x["reason"] for x in body["rejected"]} == {
        3: "no description", 4: "lon 'abc' is not a number", 7: "no coordinates and no address"}  # fmt: skip
    assert body["ignored_columns"] == ["备注"]
    case = api.get(f"/api/v1/cases/{body['imported'][0]['case_id']}", headers=api.login("disp")).json()
    assert case["channel"] == "hotline_12345" and case["reporter_phone"] == "13600001111"
    api.platform.relay.deliver_pending()
    by_address = api.get(f"/api/v1/cases/{body['imported'][2]['case_id']}", headers=api.login("disp")).json()
    assert by_address["grid_code"] and by_address["timeline"][1]["data"]["placement"]["matched"] == "景华新村"
    unplaced = body["imported"][1]["case_id"]
    queue = {q["id"]: q for q in api.get("/api/v1/triage", headers=api.login("disp")).json()}
    assert "not placed in any grid" in queue[unplaced]["triage_reason"]


def test_a_second_import_of_the_same_file_opens_nothing_new(api):
    first = upload(api, as_csv(rows(api))).json()
    again = upload(api, as_csv(rows(api)), name="orders-gbk.csv").json()
    assert again["imported"] == [] and [x["case_id"] for x in again["already_imported"]] == [x["case_id"] for x in first["imported"]]


def test_gbk_files_xlsx_and_custom_mappings_are_read(api):
    data = rows(api)[:1]
    assert len(upload(api, as_csv(data, encoding="gbk")).json()["imported"]) == 1
    book = Workbook()
    sheet = book.active
    sheet.append(["编号", "内容", "X", "Y"])
    sheet.append(["A-9", "井盖缺失很危险", data[0][3], data[0][4]])
    buf = io.BytesIO()
    book.save(buf)
    mapping = '{"order_no": "编号", "description": "内容", "lon": "X", "lat": "Y"}'
    r = upload(api, buf.getvalue(), name="orders.xlsx", mapping=mapping)
    assert [x["order_no"] for x in r.json()["imported"]] == ["A-9"]


def test_a_file_missing_required_columns_is_refused_whole(api):
    r = upload(api, as_csv([["1", "x"]], head=["工单编号", "地址"]))
    assert r.status_code == 422 and "description (诉求内容)" in r.json()["detail"]
    assert upload(api, b"\xff\xfe\x00garbage", name="x.xlsx").status_code == 422
    assert upload(api, as_csv(rows(api)), mapping="[1,2]").status_code == 422


def test_json_push_and_export_back(api):
    lon, lat, _ = point_in(api.platform, "community")
    order = {"order_no": "P-1", "description": "路灯不亮", "lon": lon, "lat": lat, "category": "C0108"}
    first = api.post("/api/v1/intake/hotline", json=order, headers=api.login("disp"))
    assert first.status_code == 201
    assert api.post("/api/v1/intake/hotline", json=order, headers=api.login("disp")).status_code == 200
    assert api.post("/api/v1/intake/hotline", json={"order_no": "P-2"}, headers=api.login("disp")).status_code == 422
    api.platform.relay.deliver_pending()
    exported = api.get("/api/v1/intake/hotline/export", headers=api.login("disp"))
    table = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert table[0][0] == "工单编号" and table[1][:2] == ["P-1", first.json()["case_id"]]
    assert table[1][2] == "已派遣" and table[1][3] == "城管局"
    xlsx = api.get("/api/v1/intake/hotline/export?format=xlsx", headers=api.login("disp"))
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.cell(2, 1).value == "P-1"
    assert api.get("/api/v1/intake/hotline/export", headers=api.login("ann")).status_code == 403
