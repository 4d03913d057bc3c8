"""The shipped device profiles: every one parses, files its alarms under a category the shipped table
has, and its rules behave on a typical incident (expected firings written out by hand)."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from importlib import resources

from gridgov.domain.telemetry import RuleState, on_reading, on_tick
from gridgov.services.telemetry import shipped_profiles

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def test_every_kind_the_issue_names_is_shipped_with_a_known_category_and_an_offline_rule():
    profiles = shipped_profiles()
    assert sorted(profiles) == ["ch4", "co", "electrical_leakage", "h2s", "humidity", "manhole", "o2", "smoke",
                                "temperature", "water_level"]  # fmt: skip
    text = resources.files("gridgov.data").joinpath("categories.csv").read_text(encoding="utf-8")
    codes = {row["code"] for row in csv.DictReader(text.splitlines())}
    assert {p.category for p in profiles.values()} <= codes
    assert {p.name: p.category for p in profiles.values()}["smoke"] == "E0406"  # 火灾
    assert all(p.rule("offline") is not None and not p.rule("offline").opens_case for p in profiles.values())


def run(profile: str, rule: str, timeline):
    r = shipped_profiles()[profile].rule(rule)
    state, fired = RuleState(), []
    for second, values in timeline:
        now = T0 + timedelta(seconds=second)
        out = on_tick(r, state, now) if values is None else on_reading(r, state, values, now)
        state = out.state
        if out.change:
            fired.append((second, out.change.kind, out.change.severity))
    return fired


def test_co_is_major_after_a_minute_over_50_ppm_and_critical_over_200_or_after_15_minutes():
    assert run("co", "co_high", [(0, {"co": 60}), (60, {"co": 60}), (900, {"co": 55}), (960, {"co": 35})]) == [
        (60, "raised", "major"), (900, "severity", "critical"), (960, "cleared", None)]  # fmt: skip


def test_a_manhole_cover_open_is_critical_at_once_and_a_tilt_needs_three_readings():
    timeline = [
        (0, {"tilt": 20, "cover_open": 0}),
        (600, {"tilt": 20}),
        (1200, {"tilt": 20}),
        (1800, {"cover_open": 1}),
    ]
    assert run("manhole", "cover_displaced", timeline) == [
        (1200, "raised", "major"),
        (1800, "severity", "critical"),
    ]


def test_a_co_sensor_is_offline_after_three_missed_minutes():
    assert run("co", "offline", [(0, {"co": 3}), (120, None), (180, None), (200, {"co": 3})]) == [
        (180, "raised", "warning"), (200, "cleared", None)]  # fmt: skip
