"""Visit plans of care files on the working calendar: the rhythm by tier, due dates moved off holidays
and weekends (and onto 调休 Saturdays), the categories that must be visited at least monthly."""

from __future__ import annotations

from datetime import date

import pytest

from gridgov.domain.care import (
    CareCategory,
    RiskTier,
    check_tier,
    days_overdue,
    next_visit_due,
    parse_category,
    parse_contacts,
    parse_tier,
)
from gridgov.domain.deadlines import WorkingCalendar
from gridgov.domain.errors import InvalidInput
from gridgov.domain.identifiers import InvalidIdentifier

PLAIN = WorkingCalendar()  # Monday to Friday, no holidays


def test_high_risk_is_visited_weekly() -> None:
    assert next_visit_due(RiskTier.HIGH, last_visit=None, opened=date(2026, 11, 23), calendar=PLAIN) == date(2026, 11, 30)
    assert next_visit_due(RiskTier.HIGH, last_visit=date(2026, 11, 25), opened=date(2026, 11, 23), calendar=PLAIN) == date(2026, 12, 2)


def test_key_groups_monthly_with_the_end_of_a_short_month_then_the_next_working_day() -> None:
    # 31 January + 1 month = 28 February 2026, a Saturday -> Monday 2 March
    assert next_visit_due(RiskTier.KEY, last_visit=date(2026, 1, 31), opened=date(2026, 1, 1), calendar=PLAIN) == date(2026, 3, 2)
    assert next_visit_due(RiskTier.KEY, last_visit=None, opened=date(2026, 11, 23), calendar=PLAIN) == date(2026, 12, 23)


def test_others_quarterly_across_the_year_end() -> None:
    assert next_visit_due(RiskTier.NORMAL, last_visit=None, opened=date(2026, 11, 23), calendar=PLAIN) == date(2027, 2, 23)


def test_a_due_date_in_a_holiday_moves_to_the_first_working_day_after_it() -> None:
    holidays = WorkingCalendar(holidays=frozenset({date(2026, 11, 30), date(2026, 12, 1), date(2026, 12, 2)}))
    assert next_visit_due(RiskTier.HIGH, last_visit=None, opened=date(2026, 11, 23), calendar=holidays) == date(2026, 12, 3)


def test_a_tiaoxiu_saturday_is_a_working_day_for_visits() -> None:
    opened = date(2026, 11, 28)  # a Saturday; a week later is Saturday 5 December
    assert next_visit_due(RiskTier.HIGH, last_visit=None, opened=opened, calendar=PLAIN) == date(2026, 12, 7)
    worked = WorkingCalendar(workdays=frozenset({date(2026, 12, 5)}))
    assert next_visit_due(RiskTier.HIGH, last_visit=None, opened=opened, calendar=worked) == date(2026, 12, 5)


def test_days_overdue_counts_from_the_day_after_the_due_date() -> None:
    assert days_overdue(date(2026, 11, 30), date(2026, 11, 30)) == 0
    assert days_overdue(date(2026, 11, 30), date(2026, 12, 3)) == 3
    assert days_overdue(date(2026, 11, 30), date(2026, 11, 1)) == 0


def test_elderly_people_in_special_difficulty_are_visited_at_least_monthly() -> None:
    with pytest.raises(InvalidInput, match="at least as often as tier key"):
        check_tier(CareCategory.ELDERLY_IN_DIFFICULTY, RiskTier.NORMAL)
    check_tier(CareCategory.ELDERLY_IN_DIFFICULTY, RiskTier.HIGH)
    check_tier(CareCategory.DISABLED, RiskTier.NORMAL)


def test_unknown_categories_and_tiers_are_named() -> None:
    with pytest.raises(InvalidInput, match="unknown care category 'orphan'"):
        parse_category("orphan")
    with pytest.raises(InvalidInput, match="unknown risk tier 'weekly'"):
        parse_tier("weekly")


def test_contacts_need_a_name_and_a_valid_phone() -> None:
    assert [(c.name, c.relation, c.phone) for c in parse_contacts([{"name": "王芳", "relation": "女儿", "phone": "139 1234 5678"}])] == [
        ("王芳", "女儿", "13912345678")
    ]
    with pytest.raises(InvalidIdentifier):
        parse_contacts([{"name": "王芳", "phone": "1391234"}])
    with pytest.raises(InvalidInput, match="contact 1"):
        parse_contacts([{"name": "", "phone": "13912345678"}])
    with pytest.raises(InvalidInput, match="at most 5"):
        parse_contacts([{"name": "a", "phone": "13912345678"}] * 6)
