"""The bounds every outside input is held to (issue 10): date-times, time limits, coordinates, and the
documents people upload (YAML, CSV, JSON values)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from gridgov.domain import geo
from gridgov.domain.deadlines import TimeLimit
from gridgov.domain.documents import bad_character, check_value, load_yaml, read_csv
from gridgov.domain.errors import InvalidInput
from gridgov.domain.instants import InstantError, check_instant, parse_instant

EAST8 = timezone(timedelta(hours=8))


# ---------------------------------------------------------------- date-times


def test_an_aware_date_time_comes_back_in_utc():
    assert check_instant(datetime(2026, 11, 23, 9, 0, tzinfo=EAST8)) == datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    ["0001-01-01T00:00:00+08:00", "9999-12-31T23:59:59-08:00", "1999-12-31T23:59:59Z", "2100-01-01T00:00:00Z"],
)
def test_date_times_outside_2000_to_2100_are_refused_without_overflowing(text):
    with pytest.raises(InstantError, match="between 2000-01-01 and 2100-01-01"):
        parse_instant(text)


def test_the_bounds_are_inclusive_below_and_exclusive_above():
    assert parse_instant("2000-01-01T00:00:00Z") == datetime(2000, 1, 1, tzinfo=UTC)
    assert parse_instant("2100-01-01T07:59:59+08:00") == datetime(2099, 12, 31, 23, 59, 59, tzinfo=UTC)


def test_a_naive_date_time_is_refused_with_the_form_we_want():
    with pytest.raises(InstantError, match=r"must carry a time zone, e\.g\. 2026-11-23T09:00:00\+08:00"):
        parse_instant("2026-11-23T09:00:00")


def test_text_that_is_no_date_time_is_refused():
    with pytest.raises(InstantError, match="ISO 8601"):
        parse_instant("yesterday")


# ---------------------------------------------------------------- time limits


@pytest.mark.parametrize("text", ["365d", "8760h", "525600m", "2000wh", "250wd"])
def test_limits_up_to_one_year_are_accepted(text):
    assert str(TimeLimit.parse(text)) == text


@pytest.mark.parametrize(("text", "longest"), [("366d", "365d"), ("999999999d", "365d"), ("2001wh", "2000wh"), ("251wd", "250wd")])
def test_limits_beyond_one_year_are_refused(text, longest):
    with pytest.raises(InvalidInput, match=f"longer than the longest allowed, {longest}"):
        TimeLimit.parse(text)


def test_a_limit_with_thousands_of_digits_is_refused_as_malformed():
    with pytest.raises(InvalidInput, match="must look like 30m"):
        TimeLimit.parse("9" * 5000 + "d")


# ---------------------------------------------------------------- coordinates


@pytest.mark.parametrize("crs", ["gcj02", "bd09"])
def test_chinese_map_coordinates_outside_china_are_refused(crs):
    with pytest.raises(geo.InvalidCoordinates, match=f"{crs} is defined for points in China only"):
        geo.to_wgs84(-180, -90, crs)


def test_wgs84_at_the_south_pole_is_a_valid_point():
    assert geo.to_wgs84(-180, -90, "wgs84") == (-180.0, -90.0)


def test_output_for_a_point_outside_china_stays_in_wgs84():
    assert geo.from_wgs84(2.35, 48.85, "gcj02") == (2.35, 48.85)


# ---------------------------------------------------------------- text


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("a\x00b", "contains a control character (U+0000) at position 2"),
        ("\x1b[31m", "contains a control character (U+001B) at position 1"),
        ("井盖\ud800", "contains a lone surrogate (U+D800) at position 3"),
        ("x\x7f", "contains a control character (U+007F) at position 2"),
    ],
)
def test_characters_that_cannot_be_stored_are_named(text, why):
    assert bad_character(text) == why


def test_tabs_line_breaks_and_chinese_text_are_fine():
    assert bad_character("第一行\n\t第二行\r\n😀") is None


def test_a_value_names_the_field_that_holds_a_bad_string():
    with pytest.raises(InvalidInput, match=r"^steps\[1\]\.target contains a control character"):
        check_value({"steps": [{"target": "ok"}, {"target": "\x00"}]})


def test_a_value_deeper_than_32_levels_is_refused():
    deep: list = []
    for _ in range(40):
        deep = [deep]
    with pytest.raises(InvalidInput, match="nested deeper than 32 levels"):
        check_value(deep)


@pytest.mark.parametrize("number", [2**63, -(2**63) - 1])
def test_integers_beyond_64_bits_are_refused(number):
    with pytest.raises(InvalidInput, match="version is too large a number"):
        check_value({"version": number})


def test_a_non_finite_float_is_refused():
    with pytest.raises(InvalidInput, match="lon must be a finite number"):
        check_value({"lon": float("inf")})


# ---------------------------------------------------------------- YAML


def test_yaml_nested_5000_deep_is_refused_with_its_line():
    with pytest.raises(InvalidInput, match="the table is not valid YAML at line 1: nested deeper than 32 levels"):
        load_yaml("[" * 5000 + "]" * 5000, "the table")


def test_yaml_aliases_are_refused_so_a_billion_laughs_cannot_expand():
    laughs = 'a: &a ["lol", "lol"]\nb: &b [*a, *a]\nc: [*b, *b]\n'
    with pytest.raises(InvalidInput, match="anchors and aliases"):
        load_yaml(laughs, "the table")


def test_a_nul_escaped_in_yaml_is_refused():
    with pytest.raises(InvalidInput, match="control character"):
        load_yaml('name: "a\\0b"\n', "the table")


def test_the_strings_only_loader_keeps_everything_as_text():
    assert load_yaml("holidays: [2027-01-01]\nyears: [2027]\n", "the calendar", strings_only=True) == {
        "holidays": ["2027-01-01"],
        "years": ["2027"],
    }


# ---------------------------------------------------------------- CSV


def test_csv_rows_come_with_their_line_numbers():
    header, rows = read_csv('code,name\nA1,"two\nlines"\n\nB2,x\n', "the table")
    assert header == ["code", "name"]
    assert rows == [(3, {"code": "A1", "name": "two\nlines"}), (5, {"code": "B2", "name": "x"})]


def test_csv_with_too_many_rows_is_refused():
    with pytest.raises(InvalidInput, match="the table has more than 3 rows"):
        read_csv("a\n1\n2\n3\n4\n", "the table", max_rows=3)


def test_a_csv_field_over_the_size_limit_is_refused_with_its_line():
    with pytest.raises(InvalidInput, match="the table, line 2: a field is longer than 20000 characters"):
        read_csv("a\n" + "x" * 50_000 + "\n", "the table")


def test_a_nul_in_a_csv_field_is_refused_with_its_line():
    with pytest.raises(InvalidInput, match="the table, line 3: a field contains a control character"):
        read_csv("a\nok\nb\x00d\n", "the table")


def test_a_category_with_a_limit_beyond_a_year_is_refused_when_imported():
    from gridgov.domain.taxonomy import parse_category_csv

    table = "code,kind,major,name,name_en,grade,time_limit,unit_type\nE0101,event,市容,暴露垃圾,garbage,3,999999999d,sanitation\n"
    with pytest.raises(InvalidInput) as refused:
        parse_category_csv(table)
    assert refused.value.extra["problems"] == ["line 2: time limit 999999999d is longer than the longest allowed, 365d (one year)"]
