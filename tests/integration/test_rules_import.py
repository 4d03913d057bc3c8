"""A rule file is imported whole or not at all (issue 10): every row is checked against the stored
units, unit types and grids before anything is written, and all rows are written in one transaction."""

from __future__ import annotations

import pytest

from gridgov.domain.commands import ImportRules
from gridgov.domain.errors import InvalidInput
from gridgov.domain.roles import SYSTEM_ACTOR
from gridgov.services.rules import rules_from_csv
from tests.conftest import populate

HEADER = "code,name,priority,when,unit_id,unit_type,loop,time_limit\n"
# replaces a shipped rule, then adds one: both would be visible if rows were committed one by one
GOOD = (
    'sos-community,一键呼改派城管,1,"{""field"": ""channel"", ""op"": ""eq"", ""value"": ""sos_button""}",dept-chengguan,,internal,30m\n'
    'new-one,新规则,7,"{""field"": ""grade"", ""op"": ""eq"", ""value"": 1}",,property_company,external,2h\n'
)


def rule_table(platform) -> list[dict]:
    with platform.uow() as uow:
        return sorted((vars(r) for r in uow.rules.list()), key=lambda r: r["code"])


@pytest.mark.parametrize(
    ("last_row", "problem"),
    [
        ('last,末行,9,{},nobody,,internal,1d\n', "line 4: unknown unit 'nobody'"),
        ('last,末行,9,{},,drone_squad,internal,1d\n', "line 4: no unit is of type 'drone_squad'"),
        ('last,末行,9,"{""field"": ""grid_code"", ""op"": ""within_grid"", ""value"": ""440304999""}",dept-chengguan,,internal,1d\n',
         "line 4: unknown grid '440304999'"),
        ('last,末行,9,{},dept-chengguan,,internal,999999999d\n', "line 4: time limit 999999999d is longer"),
    ],
)
def test_a_bad_last_row_leaves_the_rule_table_exactly_as_it_was(any_platform, last_row, problem):
    populate(any_platform)
    before = rule_table(any_platform)
    rows = rules_from_csv(HEADER + GOOD + last_row)  # every row is a sound rule on its own
    with pytest.raises(InvalidInput) as refused:
        any_platform.bus.handle(ImportRules(actor=SYSTEM_ACTOR, rows=tuple(rows)))
    assert refused.value.detail == "1 problem(s) in the rule file; nothing was imported"
    assert refused.value.extra["problems"][0].startswith(problem)
    assert rule_table(any_platform) == before


def test_a_good_file_is_written_whole(any_platform):
    populate(any_platform)
    count = any_platform.bus.handle(ImportRules(actor=SYSTEM_ACTOR, rows=tuple(rules_from_csv(HEADER + GOOD))))
    assert count == 2
    table = {r["code"]: r for r in rule_table(any_platform)}
    assert table["sos-community"]["unit_id"] == "dept-chengguan" and table["sos-community"]["time_limit"] == "30m"
    assert table["new-one"]["unit_type"] == "property_company"


def test_the_same_code_twice_in_one_file_is_refused(any_platform):
    populate(any_platform)
    before = rule_table(any_platform)
    twice = HEADER + GOOD + GOOD.splitlines(keepends=True)[1]
    with pytest.raises(InvalidInput) as refused:
        any_platform.bus.handle(ImportRules(actor=SYSTEM_ACTOR, rows=tuple(rules_from_csv(twice))))
    assert refused.value.extra["problems"] == ["rule new-one appears more than once"]
    assert rule_table(any_platform) == before
