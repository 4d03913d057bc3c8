"""Sensor rules on literal timelines of readings: what fires, when, at which severity, and why.

Every expected firing is written out by hand from the timeline; the clock is the readings' own `ts`
(and `now` for ticks), so nothing here waits.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gridgov.domain.errors import InvalidInput
from gridgov.domain.telemetry import RuleState, on_reading, on_tick, parse_profile, parse_rule

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def at(second: int) -> datetime:
    return T0 + timedelta(seconds=second)


def run(rule, timeline, state=None):
    """Feed (second, values) readings or (second, None) ticks; return [(second, kind, severity)]."""
    state = state or RuleState()
    fired = []
    for second, values in timeline:
        out = (
            on_tick(rule, state, at(second))
            if values is None
            else on_reading(rule, state, values, at(second))
        )
        state = out.state
        if out.change:
            fired.append((second, out.change.kind, out.change.severity))
    return fired, state


CO = parse_rule({"name": "co_high", "levels": [
    {"severity": "major", "when": {"metric": "co", "above": 50, "hysteresis": 10}, "for": 60},
    {"severity": "critical", "when": {"metric": "co", "above": 200, "hysteresis": 20}},
]})  # fmt: skip


def test_threshold_for_a_duration_raises_only_after_it_held_that_long():
    fired, _ = run(
        CO, [(0, {"co": 87}), (30, {"co": 90}), (59, {"co": 91}), (60, {"co": 88}), (90, {"co": 70})]
    )
    assert fired == [(60, "raised", "major")]


def test_a_dip_below_the_limit_before_the_duration_restarts_the_count():
    fired, _ = run(
        CO, [(0, {"co": 87}), (30, {"co": 40}), (40, {"co": 60}), (90, {"co": 60}), (100, {"co": 60})]
    )
    assert fired == [(100, "raised", "major")]


def test_hysteresis_a_value_hovering_at_the_limit_does_not_flap():
    timeline = [(0, {"co": 55}), (60, {"co": 55}), (70, {"co": 49}), (80, {"co": 52}), (90, {"co": 45}), (100, {"co": 41}),
                (110, {"co": 40}), (120, {"co": 51})]  # fmt: skip
    fired, _ = run(CO, timeline)
    # on at 60; 49, 52, 45, 41 stay inside the band (> 40); 40 is out: cleared; 51 starts a new minute
    assert fired == [(60, "raised", "major"), (110, "cleared", None)]


def test_severity_rises_with_a_higher_level_and_falls_back_without_clearing():
    timeline = [(0, {"co": 80}), (60, {"co": 80}), (70, {"co": 250}), (80, {"co": 190}), (90, {"co": 170}),
                (100, {"co": 45}), (110, {"co": 30})]  # fmt: skip
    fired, _ = run(CO, timeline)
    # 190 stays critical (band 20: off below 180), 170 falls back to major, 45 stays major (> 40), 30 clears
    assert fired == [
        (60, "raised", "major"),
        (70, "severity", "critical"),
        (90, "severity", "major"),
        (110, "cleared", None),
    ]


def test_severity_rises_with_duration_alone():
    rule = parse_rule({"name": "ch4_long", "levels": [
        {"severity": "warning", "when": {"metric": "ch4", "above": 10}},
        {"severity": "major", "when": {"metric": "ch4", "above": 10}, "for": 300},
    ]})  # fmt: skip
    fired, _ = run(rule, [(0, {"ch4": 12}), (120, {"ch4": 12}), (300, {"ch4": 11}), (310, {"ch4": 5})])
    assert fired == [(0, "raised", "warning"), (300, "severity", "major"), (310, "cleared", None)]


def test_repeat_count_needs_that_many_readings_in_a_row():
    rule = parse_rule(
        {"name": "tilt", "severity": "minor", "when": {"metric": "tilt", "above": 15}, "times": 3}
    )
    timeline = [
        (0, {"tilt": 20}),
        (10, {"tilt": 20}),
        (20, {"tilt": 3}),
        (30, {"tilt": 20}),
        (40, {"tilt": 21}),
        (50, {"tilt": 22}),
    ]
    fired, state = run(rule, timeline)
    assert fired == [(50, "raised", "minor")]
    out = on_reading(rule, state, {"tilt": 23}, at(60))
    assert out.change is None  # a re-trigger while active is the same alarm


def test_range_outside_with_hysteresis_inward():
    rule = parse_rule(
        {
            "name": "o2",
            "severity": "major",
            "when": {"metric": "o2", "outside": [19.5, 23.5], "hysteresis": 0.5},
        }
    )
    fired, _ = run(
        rule,
        [(0, {"o2": 20.9}), (10, {"o2": 19.0}), (20, {"o2": 19.8}), (30, {"o2": 20.1}), (40, {"o2": 24.0})],
    )
    assert fired == [(10, "raised", "major"), (30, "cleared", None), (40, "raised", "major")]


def test_rate_of_change_between_two_readings():
    rule = parse_rule(
        {"name": "heat_rise", "severity": "major", "when": {"metric": "temperature", "rises_per_minute": 8}}
    )
    fired, _ = run(
        rule,
        [
            (0, {"temperature": 25}),
            (60, {"temperature": 30}),
            (90, {"temperature": 36}),
            (150, {"temperature": 37}),
        ],
    )
    # +5/min, then +12/min (raised), then +1/min (cleared)
    assert fired == [(90, "raised", "major"), (150, "cleared", None)]


def test_and_or_not_across_metrics_reported_separately():
    rule = parse_rule({"name": "fire", "severity": "critical", "when": {"all": [
        {"any": [{"metric": "smoke", "above": 0.5}, {"metric": "temperature", "above": 60}]},
        {"not": {"metric": "test_mode", "above": 0.5}},
    ]}})  # fmt: skip
    timeline = [(0, {"smoke": 0, "temperature": 25, "test_mode": 1}), (10, {"smoke": 1}), (20, {"test_mode": 0}),
                (30, {"smoke": 0}), (40, {"temperature": 65}), (50, {"temperature": 30})]  # fmt: skip
    fired, _ = run(rule, timeline)
    # smoke during a test does not fire; the end of the test does; smoke gone; heat alone fires again
    assert fired == [
        (20, "raised", "critical"),
        (30, "cleared", None),
        (40, "raised", "critical"),
        (50, "cleared", None),
    ]


def test_absence_raises_after_missed_intervals_and_a_reading_clears_it():
    rule = parse_rule({"name": "offline", "severity": "warning", "when": {"silent_for": 900}})
    fired, _ = run(
        rule, [(0, {"co": 3}), (600, None), (899, None), (900, None), (1200, None), (1300, {"co": 3})]
    )
    assert fired == [(900, "raised", "warning"), (1300, "cleared", None)]


def test_an_event_sensor_clears_when_no_new_event_comes_within_the_quiet_time():
    rule = parse_rule(
        {
            "name": "smoke",
            "severity": "critical",
            "when": {"metric": "smoke", "above": 0.5},
            "quiet_clear": 600,
        }
    )
    timeline = [
        (0, {"smoke": 1}),
        (10, {"smoke": 0}),
        (300, None),
        (400, {"smoke": 1}),
        (900, None),
        (1000, None),
    ]
    fired, _ = run(rule, timeline)
    # the 0 at 10 s does not clear; the new event at 400 s keeps it; 600 s after it, the tick clears
    assert fired == [(0, "raised", "critical"), (1000, "cleared", None)]


def test_each_firing_explains_which_reading_and_which_condition():
    state = RuleState()
    for second, co in ((0, 87.0), (60, 88.0)):
        out = on_reading(CO, state, {"co": co}, at(second))
        state = out.state
    assert out.change.reasons == ({"code": "telemetry.level", "severity": "major", "because": [
        {"code": "telemetry.above", "metric": "co", "value": 88.0, "limit": 50.0},
        {"code": "telemetry.held", "seconds": 60, "limit": 60.0},
    ]},)  # fmt: skip
    cleared = on_reading(CO, state, {"co": 12.0}, at(70)).change
    assert (cleared.kind, cleared.previous_severity, cleared.reasons) == (
        "cleared",
        "major",
        ({"code": "telemetry.back_to_normal"},),
    )


def test_state_survives_being_stored_and_restored_mid_duration():
    first, state = run(CO, [(0, {"co": 87}), (30, {"co": 90})])
    restored = RuleState.from_data(state.to_data())
    assert restored == state
    fired, _ = run(CO, [(60, {"co": 91})], state=restored)
    assert (first, fired) == ([], [(60, "raised", "major")])


def test_a_late_or_replayed_reading_changes_nothing():
    _, state = run(CO, [(0, {"co": 87}), (60, {"co": 90})])
    out = on_reading(CO, state, {"co": 5}, at(30))
    assert (out.change, out.state) == (None, state)


@pytest.mark.parametrize("bad", [
    {"name": "x", "severity": "loud", "when": {"metric": "co", "above": 1}},
    {"name": "x", "severity": "major", "when": {"metric": "co", "above": "50"}},
    {"name": "x", "severity": "major", "when": {"metric": "co", "outside": [5, 1]}},
    {"name": "x", "severity": "major", "when": {"metric": "co", "above": 1}, "times": 0},
    {"name": "x", "severity": "major", "when": {"any": []}},
    {"name": "x", "levels": []},
])  # fmt: skip
def test_a_malformed_rule_is_refused_with_what_is_wrong(bad):
    with pytest.raises(InvalidInput):
        parse_rule(bad)


def test_a_profile_refuses_values_outside_the_physical_range_and_keeps_the_rest():
    profile = parse_profile("co", {"interval": 60, "category": "E0602", "metrics": {"co": {"unit": "ppm", "range": [0, 1000]},
                                                                               "battery": {"unit": "%", "range": [0, 100]}},
                                   "rules": [{"name": "co_high", "severity": "major", "when": {"metric": "co", "above": 50}}]})  # fmt: skip
    kept, refused = profile.check({"co": 87, "battery": 140, "noise": 3, "tilt": "x"})
    assert kept == {"co": 87.0}
    assert refused == [
        {"code": "telemetry.out_of_range", "metric": "battery", "value": 140, "low": 0.0, "high": 100.0},
        {"code": "telemetry.unknown_metric", "metric": "noise"},
        {"code": "telemetry.unknown_metric", "metric": "tilt"},
    ]
    with pytest.raises(InvalidInput, match="unknown metrics"):
        parse_profile("co", {"interval": 60, "category": "E0602", "metrics": {"co": {"unit": "ppm", "range": [0, 1000]}},
                             "rules": [{"name": "r", "severity": "major", "when": {"metric": "h2s", "above": 10}}]})  # fmt: skip
