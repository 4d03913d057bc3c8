"""Rows of a resident file: what enters the register, and who sees which part of it."""

from __future__ import annotations

from datetime import date

import pytest

from gridgov.domain.errors import InvalidInput
from gridgov.domain.identifiers import InvalidIdentifier
from gridgov.domain.imports import ImportReport
from gridgov.domain.registry import (
    REQUIRED_RESIDENT_COLUMNS,
    RESIDENT_COLUMNS,
    Residence,
    clear_fields,
    column_map,
    in_scope,
    parse_resident,
)
from gridgov.domain.roles import Actor, Role

TODAY = date(2026, 11, 23)
HEADERS = ["姓名", "身份证号", "手机号", "网格", "楼栋", "房号", "人口类型", "人户分离", "户号", "与户主关系"]
COLUMNS = column_map(HEADERS, RESIDENT_COLUMNS, REQUIRED_RESIDENT_COLUMNS)


def _row(**given: str) -> dict[str, str]:
    row = dict.fromkeys(HEADERS, "")
    row.update({"姓名": "张三丰", "身份证号": "440304199001011233", "网格": "440304001001001"})
    row.update(given)
    return row


def test_a_full_row_becomes_an_entry() -> None:
    entry = parse_resident(
        _row(手机号="138 1234 5678", 楼栋="景华新村3栋", 房号="501", 人口类型="流动", 人户分离="是", 户号="H0012", 与户主关系="户主"),
        COLUMNS, today=TODAY,
    )  # fmt: skip
    assert (entry.name, entry.id.number, entry.phone.number, entry.residence, entry.separated) == (
        "张三丰", "440304199001011233", "13812345678", Residence.FLOATING, True,
    )  # fmt: skip
    assert (entry.building, entry.room, entry.household_no, entry.relation) == ("景华新村3栋", "501", "H0012", "户主")


def test_blank_optional_fields_mean_a_permanent_resident_living_at_home() -> None:
    entry = parse_resident(_row(), COLUMNS, today=TODAY)
    assert (entry.phone, entry.residence, entry.separated, entry.building) == (None, Residence.PERMANENT, False, None)


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        ({"姓名": ""}, "name is empty"),
        ({"身份证号": ""}, "id_number is empty"),
        ({"网格": " "}, "grid is empty: every resident is placed in a grid (落格)"),
        ({"人口类型": "外来"}, "residence '外来' is neither 常住 nor 流动"),
        ({"人户分离": "也许"}, "separated (人户分离) '也许' is neither 是 nor 否"),
        ({"姓名": "张\x00三"}, "name contains a control character (U+0000) at position 2"),
        ({"姓名": "张" * 65}, "name is longer than 64 characters"),
    ],
)
def test_each_wrong_field_is_named(given: dict[str, str], reason: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_resident(_row(**given), COLUMNS, today=TODAY)
    assert refused.value.detail == reason


def test_identifier_rules_refuse_with_their_own_code() -> None:
    with pytest.raises(InvalidIdentifier) as refused:
        parse_resident(_row(手机号="12812345678"), COLUMNS, today=TODAY)
    assert refused.value.code == "phone_mobile"


def test_english_headers_work_and_missing_required_columns_are_listed() -> None:
    assert column_map(["name", "id_number", "grid"], RESIDENT_COLUMNS, REQUIRED_RESIDENT_COLUMNS) == {
        "name": "name", "id_number": "id_number", "grid": "grid",
    }  # fmt: skip
    with pytest.raises(InvalidInput) as refused:
        column_map(["姓名", "电话"], RESIDENT_COLUMNS, REQUIRED_RESIDENT_COLUMNS)
    assert refused.value.detail == (
        "missing columns: id_number (身份证号 / 公民身份号码 / 身份证号码 / id_number), grid (网格 / 网格编码 / grid); "
        "columns in the file: 姓名, 电话"
    )


def test_grid_workers_see_their_area_and_unit_staff_and_residents_none() -> None:
    worker = Actor("u1", Role.GRID_WORKER, grid_code="440304001001")
    assert in_scope(worker, "440304001001001")
    assert not in_scope(worker, "440304001002001")
    assert not in_scope(Actor("u2", Role.GRID_WORKER), "440304001001001")  # a grid worker without a grid
    assert in_scope(Actor("u3", Role.DISPATCHER), "440304001002001")  # district-wide
    assert not in_scope(Actor("u4", Role.HANDLER, unit_id="dept"), "440304001001001")
    assert not in_scope(Actor("u5", Role.RESIDENT), "440304001001001")


def test_only_the_roles_of_privacy_read_numbers_in_clear() -> None:
    assert clear_fields(Actor("a", Role.ADMIN)) == {"id_number", "phone"}
    assert clear_fields(Actor("d", Role.DISPATCHER)) == {"phone"}
    assert clear_fields(Actor("g", Role.GRID_WORKER, grid_code="440304001001")) == frozenset()
    assert clear_fields(Actor("l", Role.LEADER)) == frozenset()


def test_the_import_report_lists_rejections_by_line() -> None:
    report = ImportReport(ignored_columns=["备注"])
    report.reject(7, "b")
    report.add(2, resident_id="R1")
    report.reject(3, "a")
    report.again(4, resident_id="R0")
    assert report.as_dict() == {
        "imported": [{"line": 2, "resident_id": "R1"}],
        "already_imported": [{"line": 4, "resident_id": "R0"}],
        "rejected": [{"line": 3, "reason": "a"}, {"line": 7, "reason": "b"}],
        "ignored_columns": ["备注"],
    }
