"""Deadlines on the working calendar with a fixed clock: holidays, 调休 Saturdays, office hours,
suspensions, warnings; and the calendar file's bad inputs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridgov.adapters.calendar_source import apply_overrides, official_calendar, parse_overrides
from gridgov.domain.deadlines import (
    SHANGHAI,
    LimitUnit,
    TimeLimit,
    Urgency,
    check_extension,
    shift_for_pause,
    urgency,
)
from gridgov.domain.errors import InvalidInput

CAL = official_calendar()


def local(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def test_two_working_hours_from_friday_evening_are_due_monday_morning():
    due = TimeLimit.parse("2wh").due_after(local(2025, 11, 21, 17, 30), CAL)  # Friday
    assert due == local(2025, 11, 24, 10, 30)  # 30 min on Friday, 90 min on Monday


def test_working_hours_skip_the_lunch_break():
    assert TimeLimit.parse("2wh").due_after(local(2025, 11, 24, 11, 0), CAL) == local(2025, 11, 24, 15, 0)


def test_working_days_skip_the_national_day_holiday():
    # 2025-09-30 is a Tuesday; 1-8 October are holidays (published by the State Council)
    due = TimeLimit.parse("1wd").due_after(local(2025, 9, 30, 10, 0), CAL)
    assert due == local(2025, 10, 9, 10, 0)


def test_a_make_up_saturday_counts_as_a_working_day():
    assert CAL.is_workday(local(2025, 9, 28).date())  # 调休: Sunday 28 Sept 2025 was a workday
    due = TimeLimit.parse("1wd").due_after(local(2025, 9, 26, 10, 0), CAL)  # Friday
    assert due == local(2025, 9, 28, 10, 0)


def test_calendar_limits_ignore_the_calendar():
    start = local(2025, 10, 1, 10, 0)
    assert TimeLimit.parse("30m").due_after(start, CAL) == start + timedelta(minutes=30)
    assert TimeLimit.parse("2d").due_after(start, CAL) == start + timedelta(days=2)


def test_a_year_without_published_holidays_is_provisional_and_uses_weekends_only():
    assert CAL.is_provisional(2031) and not CAL.is_provisional(2025)
    assert CAL.is_workday(local(2031, 1, 1).date())  # New Year not guessed
    assert not CAL.is_workday(local(2031, 1, 4).date())  # a Saturday


def test_a_suspension_moves_a_working_deadline_by_the_paused_office_time():
    due = local(2025, 11, 26, 10, 0)
    shifted = shift_for_pause(due, local(2025, 11, 24, 17, 0), local(2025, 11, 25, 10, 0), LimitUnit.WORKING_DAYS, CAL)
    assert CAL.working_minutes_between(local(2025, 11, 24, 17, 0), local(2025, 11, 25, 10, 0)) == 120
    assert shifted == local(2025, 11, 26, 12, 0)  # 10:00 + the 2 h of office time that were paused


def test_a_suspension_moves_a_calendar_deadline_by_the_paused_time():
    due = local(2025, 11, 26, 10, 0)
    assert shift_for_pause(due, local(2025, 11, 24), local(2025, 11, 25), LimitUnit.HOURS, CAL) == due + timedelta(days=1)


def test_yellow_at_eighty_percent_and_red_when_overdue():
    start, due = local(2025, 11, 24, 9, 0), local(2025, 11, 24, 19, 0)
    assert urgency(start, due, local(2025, 11, 24, 16, 59)) is Urgency.GREEN
    assert urgency(start, due, local(2025, 11, 24, 17, 0)) is Urgency.YELLOW
    assert urgency(start, due, local(2025, 11, 24, 19, 1)) is Urgency.RED


def test_an_extension_into_the_past_or_earlier_is_refused():
    now = datetime(2025, 11, 24, tzinfo=UTC)
    with pytest.raises(InvalidInput, match="past"):
        check_extension(now + timedelta(hours=1), now - timedelta(hours=1), now)
    with pytest.raises(InvalidInput, match="later"):
        check_extension(now + timedelta(hours=5), now + timedelta(hours=2), now)


@pytest.mark.parametrize("text", ["", "5", "0h", "-3h", "3 weeks", "wd"])
def test_bad_time_limits_are_refused(text):
    with pytest.raises(InvalidInput):
        TimeLimit.parse(text)


def test_limits_have_zh_labels():
    assert TimeLimit.parse("3wd").label_zh == "3个工作日" and str(TimeLimit.parse(" 30m ")) == "30m"


@settings(max_examples=200, deadline=None)
@given(st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2026, 12, 1)), st.integers(1, 40))
def test_a_working_hours_deadline_is_inside_office_hours_and_grows_with_the_limit(naive, hours):
    start = naive.replace(tzinfo=SHANGHAI)
    due = TimeLimit(hours, LimitUnit.WORKING_HOURS).due_after(start, CAL).astimezone(SHANGHAI)
    assert CAL.is_workday(due.date())
    assert any(a <= due.time() <= b for a, b in CAL.office_hours)
    assert TimeLimit(hours + 1, LimitUnit.WORKING_HOURS).due_after(start, CAL) > due


def test_an_override_file_adds_a_local_holiday_and_a_year():
    over = parse_overrides("holidays: [{from: 2027-02-06, to: 2027-02-12}]\nworkdays: [2027-02-14]\nyears: [2027]\n")
    cal = apply_overrides(CAL, over)
    assert not cal.is_workday(local(2027, 2, 8).date()) and cal.is_workday(local(2027, 2, 14).date())
    assert not cal.is_provisional(2027)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [("holidays: [2025-02-30]", "not a real date"),
     ("holidays: [{from: 2025-03-05, to: 2025-03-01}]", "ends"),
     ("holidays: [{from: 2025-03-01, to: 2025-03-05}, 2025-03-03]", "overlaps"),
     ("holidays: [2025-03-03]\nworkdays: [2025-03-03]", "both a holiday and a workday"),
     ("office_hours: [[\"12:00\", \"09:00\"]]", "office_hours"),
     ("colour: blue", "unknown keys"),
     ("- just a list", "mapping")],
)  # fmt: skip
def test_bad_calendar_files_are_refused_whole(text, fragment):
    with pytest.raises(InvalidInput) as err:
        parse_overrides(text)
    assert fragment in str(err.value) + " ".join(err.value.extra.get("problems", []))
