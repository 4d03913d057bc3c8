"""Where the working calendar comes from: the `chinese-calendar` package (official holidays and 调休
make-up workdays as published by the State Council, one release per year) plus a local override file.

Years the package does not cover are provisional: weekends only, flagged as such in the API, never
guessed. The overrides (YAML or JSON; an admin's upload kept in the database, or the deployment's
`calendar_file`) are local knowledge:

    holidays: [2027-01-01, {from: 2027-02-06, to: 2027-02-12}]
    workdays: [2027-02-14]                 # 调休 Saturdays/Sundays that are working days
    office_hours: [["09:00", "12:00"], ["14:00", "18:00"]]
    years: [2027]                          # years this file fully covers (no longer provisional)

Every problem of a file (impossible dates, ranges that end before they start, overlapping ranges, a day
that is both a holiday and a workday, bad office hours) is reported at once and nothing is applied.
"""

from __future__ import annotations

from datetime import date, time, timedelta
from pathlib import Path
from typing import Any

from chinese_calendar import constants

from gridgov.domain.deadlines import WorkingCalendar
from gridgov.domain.documents import load_yaml
from gridgov.domain.errors import InvalidInput


def official_calendar() -> WorkingCalendar:
    years = frozenset(d.year for d in constants.holidays)
    return WorkingCalendar(
        holidays=frozenset(constants.holidays), workdays=frozenset(constants.workdays), known_years=years
    )


def _day(value: Any, where: str, problems: list[str]) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        problems.append(f"{where}: {value!r} is not a real date (YYYY-MM-DD)")
        return None


def _days(entries: Any, key: str, problems: list[str]) -> list[tuple[date, date, str]]:
    out = []
    if entries is None:
        return out
    if not isinstance(entries, list):
        problems.append(f"{key} must be a list")
        return out
    for i, entry in enumerate(entries):
        where = f"{key}[{i}]"
        if isinstance(entry, dict):
            a, b = _day(entry.get("from"), where + ".from", problems), _day(entry.get("to"), where + ".to", problems)
            if a and b:
                if b < a:
                    problems.append(f"{where}: the range ends ({b}) before it starts ({a})")
                else:
                    out.append((a, b, where))
        else:
            d = _day(entry, where, problems)
            if d:
                out.append((d, d, where))
    ranges = sorted(out)
    for (_a1, b1, w1), (a2, _b2, w2) in zip(ranges, ranges[1:], strict=False):
        if a2 <= b1:
            problems.append(f"{w2} overlaps {w1}")
    return out


def parse_overrides(text: str) -> dict[str, Any]:
    # strings only (we check every date ourselves), bounded in depth and size (domain/documents.py)
    data = load_yaml(text, "the calendar file", strings_only=True) or {}
    if not isinstance(data, dict):
        raise InvalidInput("the calendar file must be a mapping with holidays, workdays, office_hours, years")
    problems: list[str] = []
    unknown = set(data) - {"holidays", "workdays", "office_hours", "years"}
    if unknown:
        problems.append(f"unknown keys: {', '.join(sorted(map(str, unknown)))}")
    holidays = {a + timedelta(days=i) for a, b, _ in _days(data.get("holidays"), "holidays", problems) for i in range((b - a).days + 1)}
    workdays = {a + timedelta(days=i) for a, b, _ in _days(data.get("workdays"), "workdays", problems) for i in range((b - a).days + 1)}
    for d in sorted(holidays & workdays):
        problems.append(f"{d} is both a holiday and a workday")
    office = None
    if data.get("office_hours") is not None:
        office = []
        for i, pair in enumerate(data["office_hours"] if isinstance(data["office_hours"], list) else [None]):
            try:
                a, b = (time.fromisoformat(str(x)) for x in pair)
                if b <= a:
                    raise ValueError
                office.append((a, b))
            except (TypeError, ValueError):
                problems.append(f"office_hours[{i}] must be [\"HH:MM\", \"HH:MM\"] with the end after the start")
        office.sort()
        for (_a1, b1), (a2, _) in zip(office, office[1:], strict=False):
            if a2 < b1:
                problems.append("office_hours overlap")
    years = data.get("years") or []
    try:
        years = [int(y) for y in years] if isinstance(years, list) else None
    except ValueError:
        years = None
    if years is None or not all(1900 < y < 2200 for y in years):
        problems.append("years must be a list of years")
        years = []
    if problems:
        raise InvalidInput(f"{len(problems)} problem(s) in the calendar file; nothing was applied", problems=problems)
    return {"holidays": holidays, "workdays": workdays, "office_hours": office, "years": set(years)}


def apply_overrides(calendar: WorkingCalendar, overrides: dict[str, Any]) -> WorkingCalendar:
    merged = calendar.with_overrides(overrides["holidays"], overrides["workdays"], overrides["office_hours"])
    return WorkingCalendar(
        holidays=merged.holidays,
        workdays=merged.workdays,
        office_hours=merged.office_hours,
        known_years=merged.known_years | frozenset(overrides["years"]),
        zone=merged.zone,
    )


def load_calendar(override_path: Path | None) -> WorkingCalendar:
    calendar = official_calendar()
    if override_path and override_path.exists():
        calendar = apply_overrides(calendar, parse_overrides(override_path.read_text(encoding="utf-8")))
    return calendar


def load_calendar_text(text: str) -> WorkingCalendar:
    """The official calendar with overrides given as text (an admin's upload, kept in the database)."""
    return apply_overrides(official_calendar(), parse_overrides(text))
