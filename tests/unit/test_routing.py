"""Conditions as data and the responsibility list: which rule routes a case, and why."""

from __future__ import annotations

import pytest

from gridgov.domain import conditions
from gridgov.domain.directory import UnitRecord
from gridgov.domain.errors import InvalidInput
from gridgov.domain.responsibility import Rule, route, rule_from_dict

UNITS = [
    UnitRecord("wuye-1", "景华物业", "social_entity", "property_company", grid_codes=["440304001001"]),
    UnitRecord("wuye-9", "街道托管物业", "social_entity", "property_company", grid_codes=["440304001"]),
    UnitRecord("dept-cg", "城管局", "department", "urban_management", grid_codes=["440304"]),
    UnitRecord("dept-sw", "水务局", "department", "water", grid_codes=["440304"], active=False),
]
GARBAGE = {"category": "E0109", "kind": "event", "grade": 3, "channel": "ai_camera", "grid_code": "440304001001003", "text": "垃圾桶满溢"}


def test_all_any_not_and_leaves_explain_what_decided():
    cond = {"all": [{"field": "category", "op": "in", "value": ["E0102", "E0109"]},
                    {"any": [{"field": "grade", "op": "lte", "value": 2}, {"field": "channel", "op": "eq", "value": "ai_camera"}]},
                    {"not": {"field": "text", "op": "contains", "value": "测试"}}]}  # fmt: skip
    out = conditions.evaluate(cond, GARBAGE)
    assert out.held
    assert out.because == ("category in [E0102, E0109]", "channel eq 'ai_camera'", "not (text contains '测试')")
    assert not conditions.evaluate(cond, {**GARBAGE, "channel": "desk"}).held


def test_within_grid_and_regex_ops():
    assert conditions.evaluate({"field": "grid_code", "op": "within_grid", "value": ["440304001001"]}, GARBAGE).held
    assert not conditions.evaluate({"field": "grid_code", "op": "within_grid", "value": "440304001002"}, GARBAGE).held
    assert conditions.evaluate({"field": "text", "op": "regex", "value": "满溢|暴露"}, GARBAGE).held


@pytest.mark.parametrize(
    "cond",
    [{"field": "colour", "op": "eq", "value": 1}, {"field": "grade", "op": "approx", "value": 1},
     {"field": "category", "op": "in", "value": "E0109"}, {"field": "text", "op": "regex", "value": "("},
     {"all": []}, {"all": [{"field": "grade", "op": "eq", "value": 1}], "x": 1}, "grade = 1"],
)  # fmt: skip
def test_bad_conditions_are_refused_with_their_path(cond):
    with pytest.raises(InvalidInput):
        conditions.check(cond, {"category", "grade", "text"})


def test_an_event_goes_to_the_most_local_unit_of_the_type_with_the_reason():
    rules = [Rule("garbage-property", "垃圾类先派物业", 10, {"field": "category", "op": "in", "value": ["E0109"]},
                  unit_type="property_company", loop="external", time_limit="30m")]  # fmt: skip
    decision = route(GARBAGE, rules, UNITS)
    assert decision.unit_id == "wuye-1" and decision.rule_code == "garbage-property" and decision.loop == "external"
    assert "property_company of grid 440304001001003 is wuye-1" in decision.explain()
    elsewhere = route({**GARBAGE, "grid_code": "440304001004002"}, rules, UNITS)
    assert elsewhere.unit_id == "wuye-9"  # only the street-wide property company covers that grid


def test_rules_are_tried_by_priority_and_inactive_or_unknown_units_fall_through():
    rules = [
        Rule("to-water", "水务", 1, {"field": "kind", "op": "eq", "value": "event"}, unit_id="dept-sw"),
        Rule("to-cg", "城管兜底", 50, {}, unit_id="dept-cg"),
    ]
    decision = route(GARBAGE, rules, UNITS)
    assert decision.unit_id == "dept-cg" and decision.because == ("always",)
    assert "dept-sw, which is unknown or inactive" in decision.tried[0]


def test_nothing_matching_sends_the_case_to_people_with_a_reason():
    rules = [Rule("only-fire", "消防", 1, {"field": "category", "op": "eq", "value": "E0406"}, unit_id="dept-cg")]
    decision = route(GARBAGE, rules, UNITS)
    assert not decision.routed and "no rule" in decision.explain()


def test_a_component_goes_to_its_owner_first():
    rules = [Rule("lamps", "路灯", 1, {"field": "category", "op": "eq", "value": "C0108"}, unit_id="dept-cg")]
    facts = {"category": "C0108", "kind": "component", "grid_code": "440304001001003", "owner_unit_id": "wuye-1"}
    assert route(facts, rules, UNITS).unit_id == "wuye-1"
    assert route({**facts, "owner_unit_id": None}, rules, UNITS).unit_id == "dept-cg"


@pytest.mark.parametrize(
    "data",
    [{"code": "x", "when": {}, "unit_id": "a", "unit_type": "b"}, {"code": "x", "when": {}},
     {"code": "x", "when": {}, "unit_id": "a", "loop": "sideways"}, {"code": "x", "when": {"field": "nope", "op": "eq", "value": 1}, "unit_id": "a"},
     {"when": {}, "unit_id": "a"}, {"code": "x", "priority": "high", "unit_id": "a"}],
)  # fmt: skip
def test_bad_rules_are_refused(data):
    with pytest.raises(InvalidInput):
        rule_from_dict(data)
