"""Time limits (时限) on a working calendar: workdays, public holidays, 调休 make-up workdays and office
hours. Pure functions: the time always comes in as an argument.

A limit is written `30m`, `4h`, `2d` (calendar time) or `8wh` (working hours: office time on workdays),
`3wd` (working days). Deadlines are aware datetimes; the calendar reasons in its local zone
(Asia/Shanghai by default) and answers in UTC.

Policy choices, documented because users quote them:
- A working day is one day's office time (7 h by default), so `1wd` from Monday 10:00 is due Tuesday
  10:00, and working time never runs outside office hours: a report at 20:00 on a Friday with `1wd` is
  due at Monday's close (or later, if Monday is a holiday).
- The yellow warning comes at a share (80 % by default) of the limit's span in calendar time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from gridgov.domain.errors import InvalidInput

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Office hours of Chinese government service centres: 09:00-12:00 and 14:00-18:00 (a common 政务服务
# schedule; local deployments override it).
DEFAULT_OFFICE_HOURS = ((time(9, 0), time(12, 0)), (time(14, 0), time(18, 0)))
DEFAULT_YELLOW_SHARE = 0.8  # issue #4: yellow warning at 80 % of the limit


@dataclass(frozen=True)
class WorkingCalendar:
    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()  # 调休: weekend days that are working days
    office_hours: tuple[tuple[time, time], ...] = DEFAULT_OFFICE_HOURS
    known_years: frozenset[int] = frozenset()
    zone: ZoneInfo = field(default=SHANGHAI)

    def is_workday(self, day: date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def is_provisional(self, year: int) -> bool:
        """True for a year whose official holidays are not published (weekends only are known)."""
        return year not in self.known_years

    def office_minutes_per_day(self) -> int:
        return sum(_minutes(b) - _minutes(a) for a, b in self.office_hours)

    def with_overrides(self, holidays: set[date], workdays: set[date], office_hours=None) -> WorkingCalendar:
        return WorkingCalendar(
            holidays=(self.holidays - workdays) | holidays,
            workdays=(self.workdays - holidays) | workdays,
            office_hours=tuple(office_hours) if office_hours else self.office_hours,
            known_years=self.known_years,
            zone=self.zone,
        )

    # ------------------------------------------------------------ office time
    def _intervals(self, day: date):
        if self.is_workday(day):
            for start, end in self.office_hours:
                yield datetime.combine(day, start, self.zone), datetime.combine(day, end, self.zone)

    def add_working_minutes(self, start: datetime, minutes: float) -> datetime:
        """The moment `minutes` of office time after `start` (a start outside office time counts from
        the next opening)."""
        local = start.astimezone(self.zone)
        remaining = timedelta(minutes=minutes)
        day = local.date()
        for _ in range(3660):  # ten years of days at most: a limit never spans more
            for a, b in self._intervals(day):
                if b <= local:
                    continue
                begin = max(a, local)
                if begin + remaining <= b:
                    return (begin + remaining).astimezone(UTC)
                remaining -= b - begin
            day += timedelta(days=1)
        raise InvalidInput("the time limit runs past ten years of working days")

    def working_minutes_between(self, a: datetime, b: datetime) -> float:
        if b <= a:
            return 0.0
        la, lb = a.astimezone(self.zone), b.astimezone(self.zone)
        total = timedelta()
        day = la.date()
        while day <= lb.date():
            for x, y in self._intervals(day):
                lo, hi = max(x, la), min(y, lb)
                if hi > lo:
                    total += hi - lo
            day += timedelta(days=1)
        return total.total_seconds() / 60

    def next_opening(self, moment: datetime) -> datetime:
        return self.add_working_minutes(moment, 0)


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


class LimitUnit(StrEnum):
    MINUTES = "m"
    HOURS = "h"
    DAYS = "d"
    WORKING_HOURS = "wh"
    WORKING_DAYS = "wd"

    @property
    def working(self) -> bool:
        return self in (LimitUnit.WORKING_HOURS, LimitUnit.WORKING_DAYS)


_LABELS = {"m": "分钟", "h": "小时", "d": "天", "wh": "个工作小时", "wd": "个工作日"}
_PATTERN = re.compile(r"^\s*(\d{1,9})\s*(wd|wh|m|h|d)\s*$")  # 9 digits: int() never meets a huge number
# The longest limit: one year. No 权责清单 gives more, and a longer one is a typo that would otherwise
# be saved and then fail at dispatch, or push a deadline past what dates can hold. Working time: a
# Chinese working year has about 250 working days of 8 hours.
MAX_LIMIT = {"m": 365 * 24 * 60, "h": 365 * 24, "d": 365, "wh": 2000, "wd": 250}


@dataclass(frozen=True)
class TimeLimit:
    amount: int
    unit: LimitUnit

    @classmethod
    def parse(cls, text: str) -> TimeLimit:
        match = _PATTERN.match(text or "")
        if not match or int(match.group(1)) <= 0:
            raise InvalidInput(f"time limit {str(text)[:32]!r} must look like 30m, 4h, 2d, 8wh or 3wd (a positive number)")
        amount, unit = int(match.group(1)), match.group(2)
        if amount > MAX_LIMIT[unit]:
            raise InvalidInput(f"time limit {amount}{unit} is longer than the longest allowed, {MAX_LIMIT[unit]}{unit} (one year)")
        return cls(amount, LimitUnit(unit))

    def __str__(self) -> str:
        return f"{self.amount}{self.unit.value}"

    @property
    def label_zh(self) -> str:
        return f"{self.amount}{_LABELS[self.unit.value]}"

    def due_after(self, start: datetime, calendar: WorkingCalendar) -> datetime:
        if self.unit is LimitUnit.MINUTES:
            return start + timedelta(minutes=self.amount)
        if self.unit is LimitUnit.HOURS:
            return start + timedelta(hours=self.amount)
        if self.unit is LimitUnit.DAYS:
            return start + timedelta(days=self.amount)
        if self.unit is LimitUnit.WORKING_HOURS:
            return calendar.add_working_minutes(start, self.amount * 60)
        return calendar.add_working_minutes(start, self.amount * calendar.office_minutes_per_day())


def shift_for_pause(due: datetime, pause_start: datetime, pause_end: datetime, unit: LimitUnit, calendar: WorkingCalendar) -> datetime:
    """Where the deadline goes after an approved suspension (挂起) from pause_start to pause_end: later by
    the paused time, measured the way the limit is measured (office time for working limits)."""
    if pause_end <= pause_start:
        return due
    if unit.working:
        return calendar.add_working_minutes(due, calendar.working_minutes_between(pause_start, pause_end))
    return due + (pause_end - pause_start)


class Urgency(StrEnum):
    GREEN = "green"
    YELLOW = "yellow"  # 黄牌预警
    RED = "red"  # 红牌: overdue


def yellow_at(start: datetime, due: datetime, share: float = DEFAULT_YELLOW_SHARE) -> datetime:
    return start + (due - start) * share


def urgency(start: datetime, due: datetime, now: datetime, share: float = DEFAULT_YELLOW_SHARE) -> Urgency:
    if now > due:
        return Urgency.RED
    if now >= yellow_at(start, due, share):
        return Urgency.YELLOW
    return Urgency.GREEN


def check_extension(current_due: datetime | None, new_due: datetime, now: datetime) -> None:
    if new_due <= now:
        raise InvalidInput("an extension cannot move the deadline into the past")
    if current_due is not None and new_due <= current_due:
        raise InvalidInput("an extension must move the deadline later than it is")
