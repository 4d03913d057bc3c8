"""The register over HTTP on SQLite and PostgreSQL: a grid worker's resident file with bad rows, search by
name, ID number and phone with masking by role, audited clear reads, moves between grids, key rotation."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from gridgov.adapters import tables as t
from gridgov.adapters.pii_vault import PiiVault
from gridgov.services import register
from tests.conftest import http_client, populate

GRID_1 = "440304001001001"  # 景华社区第01网格, in the grid worker's community
GRID_2 = "440304001001002"  # 景华社区第02网格
OTHER = "440304001002001"  # 彩田社区第01网格, another community

FILE = (
    "姓名,身份证号,手机号,网格,楼栋,房号,人口类型,人户分离,备注\n"
    "张三丰,440304199001011233,138-1234-5678,440304001001001,景华新村3栋,501,常住,否,楼长\n"  # 2 good
    "李小红,11010519491231002x,0755-83561234,景华社区第02网格,,,流动,是,\n"  # 3 good: grid by name
    "王五,440304199001011234,,440304001001001,,,,,\n"  # 4 check character wrong
    "赵六,440304199001011233,,440304001001001,,,,,\n"  # 5 the ID number of line 2
    "钱七,330102199912310884,12812345678,440304001001001,,,,,\n"  # 6 no such mobile
    "孙八,310115197806153212,,999999,,,,,\n"  # 7 no such grid
    "周九,510107196603034128,,440304001002001,,,,,\n"  # 8 another community
    "吴十,330102991231088,,440304001001001,景华新村3栋,502,,,\n"  # 9 good: a 15-digit number
    ",120101194508150075,,440304001001001,,,,,\n"  # 10 no name
    "郑一,440304202612010015,,440304001001001,,,,,\n"  # 11 born after today (2026-11-23)
    "冯二,370202201010101023,,440304001001,,,,,\n"  # 12 a community, not a grid
    "陈三,420106198808088884,,440304001001001,,,暂住人口,,\n"  # 13 unknown residence word
)

REJECTED = [
    {"line": 4, "reason": "the check character does not match (a digit is mistyped)"},
    {"line": 5, "reason": "the same ID number as line 2"},
    {"line": 6, "reason": "a mobile number is 11 digits starting 13 to 19"},
    {"line": 7, "reason": "grid '999999' matches no grid of the district"},
    {"line": 8, "reason": "grid '440304001002001' is outside your area"},
    {"line": 10, "reason": "name is empty"},
    {"line": 11, "reason": "birth date 2026-12-01 is in the future"},
    {"line": 12, "reason": "grid '440304001001' is a community, not a grid: place residents in a grid or micro-grid"},
    {"line": 13, "reason": "residence '暂住人口' is neither 常住 nor 流动"},
]


@pytest.fixture
def api(any_platform):
    populate(any_platform)
    with http_client(any_platform) as client:
        yield client


def _import(api, user="gw", content=FILE.encode(), kind="text/csv"):
    return api.post("/api/v1/register/residents/import", content=content, headers={**api.login(user), "Content-Type": kind})


def test_a_grid_workers_file_imports_every_good_row_and_reports_each_bad_one(api):
    r = _import(api)
    assert r.status_code == 200, r.text
    report = r.json()
    assert [row["line"] for row in report["imported"]] == [2, 3, 9]
    assert report["rejected"] == REJECTED
    assert report["already_imported"] == []
    assert report["ignored_columns"] == ["备注"]


def test_importing_the_same_file_again_registers_nobody_twice(api):
    first = _import(api).json()
    again = _import(api).json()
    assert again["imported"] == []
    assert again["already_imported"] == first["imported"]
    with api.platform.engine.connect() as conn:
        assert conn.execute(select(t.register_residents.c.name).order_by(t.register_residents.c.name)).scalars().all() == [
            "吴十", "张三丰", "李小红",
        ]  # fmt: skip


def test_numbers_are_stored_sealed_never_in_clear(api):
    _import(api)
    with api.platform.engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(select(t.register_residents))]
    stored = repr(rows)
    for number in ("440304199001011233", "11010519491231002X", "13812345678", "83561234"):
        assert number not in stored
    masked = {r["name"]: (r["id_masked"], r["phone_masked"]) for r in rows}
    assert masked["张三丰"] == ("440304********1233", "138****5678")


def test_an_xlsx_file_sent_as_a_form_imports_the_same_way(api):
    book = Workbook()
    sheet = book.active
    for line in FILE.splitlines()[:4]:
        sheet.append(line.split(","))
    out = io.BytesIO()
    book.save(out)
    r = api.post(
        "/api/v1/register/residents/import", headers=api.login("gw"),
        files={"file": ("居民.xlsx", out.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")},
    )  # fmt: skip
    assert r.status_code == 200, r.text
    assert [row["line"] for row in r.json()["imported"]] == [2, 3]
    assert r.json()["rejected"] == REJECTED[:1]


def test_a_file_without_a_required_column_is_refused_whole(api):
    r = _import(api, content="姓名,手机号\n张三,13812345678\n".encode())
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["detail"].startswith("missing columns: id_number (身份证号")


def test_a_json_body_is_not_a_file(api):
    r = api.post("/api/v1/register/residents/import", json={"rows": []}, headers=api.login("gw"))
    assert r.status_code == 415


def test_search_masks_numbers_for_a_grid_worker_and_finds_by_id_number_and_phone(api):
    _import(api)
    by_id = api.get("/api/v1/register/residents", params={"q": "440304199001011233"}, headers=api.login("gw")).json()
    assert [(p["name"], p["id_number"], p["phone"]) for p in by_id["items"]] == [("张三丰", "440304********1233", "138****5678")]
    assert (by_id["items"][0]["building"], by_id["items"][0]["room"], by_id["items"][0]["sex"]) == ("景华新村3栋", "501", "male")
    by_phone = api.get("/api/v1/register/residents", params={"q": "0755 8356 1234"}, headers=api.login("gw")).json()
    assert [p["name"] for p in by_phone["items"]] == ["李小红"]
    by_name = api.get("/api/v1/register/residents", params={"q": "小红"}, headers=api.login("gw")).json()
    assert [(p["name"], p["residence"], p["separated"]) for p in by_name["items"]] == [("李小红", "floating", True)]
    upgraded = api.get("/api/v1/register/residents", params={"q": "330102199912310884"}, headers=api.login("gw")).json()
    assert [p["name"] for p in upgraded["items"]] == ["吴十"]


def test_an_admin_reads_numbers_in_clear_and_each_clear_read_is_audited(api):
    _import(api)
    admin = api.get("/api/v1/register/residents", params={"q": "张三丰"}, headers=api.login("root")).json()
    assert [(p["id_number"], p["phone"]) for p in admin["items"]] == [("440304199001011233", "13812345678")]
    dispatcher = api.get("/api/v1/register/residents", params={"q": "张三丰"}, headers=api.login("disp")).json()
    assert [(p["id_number"], p["phone"]) for p in dispatcher["items"]] == [("440304********1233", "13812345678")]
    api.get("/api/v1/register/residents", params={"q": "张三丰"}, headers=api.login("gw"))  # masked: not audited
    with api.platform.engine.connect() as conn:
        audit = conn.execute(
            select(t.audit_log.c.role, t.audit_log.c.fields, t.audit_log.c.purpose).where(t.audit_log.c.subject_type == "resident")
        ).all()
    assert [tuple(a) for a in audit] == [
        ("admin", ["id_number", "phone"], "register search"),
        ("dispatcher", ["phone"], "register search"),
    ]


def test_a_resident_and_a_role_outside_the_register_see_nothing(api):
    _import(api)
    assert api.get("/api/v1/register/residents", headers=api.login("ann")).status_code == 403
    assert api.get("/api/v1/register/residents", headers=api.login("cg")).status_code == 403
    assert _import(api, user="ann").status_code == 403


def test_a_grid_worker_does_not_see_residents_of_another_community(api):
    r = _import(api, user="disp")  # the district-wide dispatcher may register anywhere
    assert [row["line"] for row in r.json()["imported"]] == [2, 3, 8, 9]
    seen = api.get("/api/v1/register/residents", headers=api.login("gw")).json()
    assert sorted(p["name"] for p in seen["items"]) == ["吴十", "张三丰", "李小红"]
    outsider = next(row["resident_id"] for row in r.json()["imported"] if row["line"] == 8)
    assert api.get(f"/api/v1/register/residents/{outsider}", headers=api.login("gw")).status_code == 404


def test_a_move_to_another_grid_is_kept_in_the_history_and_stale_versions_are_refused(api):
    imported = _import(api).json()["imported"]
    resident = imported[0]["resident_id"]
    move = {"grid": GRID_2, "building": "彩田花园1栋", "room": "1203", "version": 1}
    r = api.post(f"/api/v1/register/residents/{resident}/move", json=move, headers=api.login("gw"))
    assert r.status_code == 200, r.text
    assert api.post(f"/api/v1/register/residents/{resident}/move", json=move, headers=api.login("gw")).status_code == 409
    detail = api.get(f"/api/v1/register/residents/{resident}", headers=api.login("gw")).json()
    assert (detail["grid_code"], detail["building"], detail["room"], detail["version"]) == (GRID_2, "彩田花园1栋", "1203", 2)
    assert [h["action"] for h in detail["history"]] == ["registered", "moved"]
    assert (detail["history"][1]["details"]["from_grid"], detail["history"][1]["details"]["to_grid"]) == (GRID_1, GRID_2)
    bad = api.post(f"/api/v1/register/residents/{resident}/move", json={**move, "grid": "nowhere", "version": 2},
                   headers=api.login("gw"))  # fmt: skip
    assert bad.status_code == 422


def test_after_a_key_rotation_people_are_still_found_and_then_resealed_under_the_new_key(api):
    _import(api)
    platform = api.platform
    old = platform.pii
    platform.pii = PiiVault("a-new-key-for-the-register-of-the-district", [platform.settings.secret_key])
    found = api.get("/api/v1/register/residents", params={"q": "440304199001011233"}, headers=api.login("root")).json()
    assert [p["phone"] for p in found["items"]] == ["13812345678"]  # old seals open, old hashes found
    with platform.uow() as uow:
        assert register.rotate_keys(uow, platform.pii) == 3
    platform.pii = PiiVault("a-new-key-for-the-register-of-the-district")  # the old key is gone
    found = api.get("/api/v1/register/residents", params={"q": "13812345678"}, headers=api.login("root")).json()
    assert [p["id_number"] for p in found["items"]] == ["440304199001011233"]
    platform.pii = old


ORGANISATIONS = (
    "单位名称,统一社会信用代码,网格,楼栋,地址,联系人,联系电话,经营范围\n"
    "景华便利店,92440304MA5F0A7B1C,440304001001001,景华新村3栋,景华新村3栋底商,陈老板,13712345678,日用百货\n"  # 2 good
    "彩田物业管理有限公司,91440304MA5D123407,景华社区第02网格,,,,,\n"  # 3 good
    "错码商行,9144030071526726XH,440304001001001,,,,,\n"  # 4 check character wrong
    "错组织码,91440300715267260G,440304001001001,,,,,\n"  # 5 embedded organisation code wrong
    "含字母O,91440300O15267260G,440304001001001,,,,,\n"  # 6 O is not in the alphabet
    "重复店,92440304MA5F0A7B1C,440304001001001,,,,,\n"  # 7 the code of line 2
    "远方公司,914403001922038216,440304001002001,,,,,\n"  # 8 another community
    ",91440300192181490G,440304001001001,,,,,\n"  # 9 no name
    "电话错,91440300192317458F,440304001001001,,,,0755-123,\n"  # 10 bad landline
)


def test_an_organisation_file_imports_good_rows_and_names_each_broken_credit_code(api):
    r = api.post("/api/v1/register/organisations/import", content=ORGANISATIONS.encode(),
                 headers={**api.login("gw"), "Content-Type": "text/csv"})  # fmt: skip
    assert r.status_code == 200, r.text
    report = r.json()
    assert [row["line"] for row in report["imported"]] == [2, 3]
    assert report["rejected"] == [
        {"line": 4, "reason": "the check character does not match (a character is mistyped)"},
        {"line": 5, "reason": "the embedded organisation code 715267260 fails its GB 11714 check"},
        {"line": 6, "reason": "a credit code has no O (GB 32100 alphabet)"},
        {"line": 7, "reason": "the same credit code as line 2"},
        {"line": 8, "reason": "grid '440304001002001' is outside your area"},
        {"line": 9, "reason": "name is empty"},
        {"line": 10, "reason": "a landline is an area code (010, 02X, 0XXX) and 7 or 8 digits"},
    ]
    assert report["ignored_columns"] == ["经营范围"]
    again = api.post("/api/v1/register/organisations/import", content=ORGANISATIONS.encode(),
                     headers={**api.login("gw"), "Content-Type": "text/csv"}).json()  # fmt: skip
    assert (again["imported"], [row["line"] for row in again["already_imported"]]) == ([], [2, 3])


def test_organisations_are_found_by_name_code_and_phone_with_the_phone_masked_by_role(api):
    api.post("/api/v1/register/organisations/import", content=ORGANISATIONS.encode(),
             headers={**api.login("gw"), "Content-Type": "text/csv"})  # fmt: skip
    found = api.get("/api/v1/register/organisations", params={"q": "13712345678"}, headers=api.login("gw")).json()["items"]
    assert [(o["name"], o["kind"], o["building"], o["phone"]) for o in found] == [
        ("景华便利店", "individual_business", "景华新村3栋", "137****5678"),
    ]  # fmt: skip
    by_code = api.get("/api/v1/register/organisations", params={"q": "91440304ma5d123407"}, headers=api.login("gw")).json()
    assert [(o["name"], o["kind"]) for o in by_code["items"]] == [("彩田物业管理有限公司", "enterprise")]
    clear = api.get("/api/v1/register/organisations", params={"q": "便利店"}, headers=api.login("disp")).json()["items"]
    assert [o["phone"] for o in clear] == ["13712345678"]


def test_a_correction_changes_the_record_and_the_history_names_only_the_fields(api):
    resident = _import(api).json()["imported"][0]["resident_id"]
    body = {"version": 1, "phone": "139 8765 4321", "residence": "floating", "household_no": "H-0501"}
    r = api.patch(f"/api/v1/register/residents/{resident}", json=body, headers=api.login("gw"))
    assert r.status_code == 200, r.text
    assert r.json() == {"id": resident, "version": 2, "changed": ["household_no", "phone", "residence"]}
    assert api.patch(f"/api/v1/register/residents/{resident}", json=body, headers=api.login("gw")).status_code == 409
    found = api.get("/api/v1/register/residents", params={"q": "13987654321"}, headers=api.login("gw")).json()["items"]
    assert [(p["id"], p["phone"], p["residence"], p["household_no"]) for p in found] == [(resident, "139****4321", "floating", "H-0501")]
    history = api.get(f"/api/v1/register/residents/{resident}", headers=api.login("gw")).json()["history"]
    assert history[-1]["details"] == {"fields": ["household_no", "phone", "residence"]}
    assert "13987654321" not in repr(history)
    bad = api.patch(f"/api/v1/register/residents/{resident}", json={"version": 2, "phone": "12345"}, headers=api.login("gw"))
    assert (bad.status_code, bad.json()["detail"]) == (422, "a mobile number is 11 digits starting 13 to 19")
    nothing = api.patch(f"/api/v1/register/residents/{resident}", json={"version": 2}, headers=api.login("gw"))
    assert nothing.status_code == 422


def test_an_import_racing_another_for_the_same_people_is_refused_whole_with_409(api, monkeypatch):
    from gridgov.adapters.register_repository import RegisterRepository

    _import(api)
    # as if another import had registered them between this import's lookup and its insert
    monkeypatch.setattr(RegisterRepository, "residents_with_id_hashes", lambda self, hashes: {})
    r = _import(api)
    assert r.status_code == 409
    assert r.headers["content-type"].startswith("application/problem+json")
    with api.platform.engine.connect() as conn:
        assert len(conn.execute(select(t.register_residents.c.id)).all()) == 3
