"""Care files (一人一档): residents the grid looks after, how often each must be visited, and when a visit
is overdue.

A grid worker keeps one file per care person (a resident of the register) with the category that makes
them vulnerable, a risk tier that sets the visit rhythm, and the family contacts to call. The rhythm is
policy, written here as data: weekly for high risk, monthly for key groups, quarterly for the others
(the districts' practice); visits fall due on working days of the official calendar, so a due date in the
Spring Festival holiday moves to the first working day after it. Some categories may never be visited
less than monthly: the national aim is a 100 % monthly visit rate for elderly people in special
difficulty (民政部等《关于开展特殊困难老年人探访关爱服务的指导意见》).

Pure: the calendar and "today" come in as arguments.
"""

from __future__ import annotations

import calendar as months
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any, Protocol

from gridgov.domain.errors import InvalidInput
from gridgov.domain.identifiers import parse_phone


class CareCategory(StrEnum):
    ELDERLY_ALONE = "elderly_alone"  # 独居老人
    ELDERLY_EMPTY_NEST = "elderly_empty_nest"  # 空巢老人
    ELDERLY_IN_DIFFICULTY = "elderly_in_difficulty"  # 特殊困难老年人 (特困、低保、失能)
    VERY_OLD = "very_old"  # 高龄老人 (80+)
    DISABLED = "disabled"  # 残疾人
    CHILD_IN_DIFFICULTY = "child_in_difficulty"  # 困境儿童
    LEFT_BEHIND_CHILD = "left_behind_child"  # 留守儿童
    SUBSISTENCE = "subsistence"  # 低保对象
    SERIOUS_ILLNESS = "serious_illness"  # 重病患者
    MENTAL_DISORDER = "mental_disorder"  # 严重精神障碍患者

    @property
    def label_zh(self) -> str:
        return CATEGORY_LABELS[self]


CATEGORY_LABELS = {
    CareCategory.ELDERLY_ALONE: "独居老人",
    CareCategory.ELDERLY_EMPTY_NEST: "空巢老人",
    CareCategory.ELDERLY_IN_DIFFICULTY: "特殊困难老年人",
    CareCategory.VERY_OLD: "高龄老人",
    CareCategory.DISABLED: "残疾人",
    CareCategory.CHILD_IN_DIFFICULTY: "困境儿童",
    CareCategory.LEFT_BEHIND_CHILD: "留守儿童",
    CareCategory.SUBSISTENCE: "低保对象",
    CareCategory.SERIOUS_ILLNESS: "重病患者",
    CareCategory.MENTAL_DISORDER: "严重精神障碍患者",
}


class RiskTier(StrEnum):
    HIGH = "high"  # 高风险: weekly
    KEY = "key"  # 重点关注: monthly
    NORMAL = "normal"  # 一般: quarterly

    @property
    def label_zh(self) -> str:
        return {RiskTier.HIGH: "高风险", RiskTier.KEY: "重点", RiskTier.NORMAL: "一般"}[self]


# How often each tier is visited: (days, months) added to the last visit (or to the file's opening).
VISIT_EVERY: dict[RiskTier, tuple[int, int]] = {RiskTier.HIGH: (7, 0), RiskTier.KEY: (0, 1), RiskTier.NORMAL: (0, 3)}
_RANK = {RiskTier.HIGH: 0, RiskTier.KEY: 1, RiskTier.NORMAL: 2}
# Categories that may not be visited less often than this tier (policy: the monthly visit aim above).
LEAST_TIER: dict[CareCategory, RiskTier] = {
    CareCategory.ELDERLY_IN_DIFFICULTY: RiskTier.KEY,
    CareCategory.ELDERLY_ALONE: RiskTier.KEY,
    CareCategory.MENTAL_DISORDER: RiskTier.KEY,
}
MAX_CONTACTS = 5


class Workdays(Protocol):
    def is_workday(self, day: date) -> bool: ...


@dataclass(frozen=True)
class Contact:
    name: str
    relation: str | None
    phone: str  # canonical (domain/identifiers.parse_phone)


def check_tier(category: CareCategory, tier: RiskTier) -> None:
    least = LEAST_TIER.get(category)
    if least is not None and _RANK[tier] > _RANK[least]:
        raise InvalidInput(
            f"{category.label_zh} ({category}) must be visited at least as often as tier {least} ({least.label_zh})"
        )


def parse_category(value: Any) -> CareCategory:
    try:
        return CareCategory(value)
    except ValueError:
        raise InvalidInput(f"unknown care category {value!r}; known: {', '.join(c.value for c in CareCategory)}") from None


def parse_tier(value: Any) -> RiskTier:
    try:
        return RiskTier(value)
    except ValueError:
        raise InvalidInput(f"unknown risk tier {value!r}; known: high, key, normal") from None


def parse_contacts(items: list[dict[str, Any]]) -> list[Contact]:
    if len(items) > MAX_CONTACTS:
        raise InvalidInput(f"at most {MAX_CONTACTS} family contacts")
    contacts = []
    for i, item in enumerate(items, start=1):
        name = str(item.get("name") or "").strip()
        if not name or len(name) > 64:
            raise InvalidInput(f"contact {i}: a name of 1-64 characters")
        relation = str(item.get("relation") or "").strip()[:16] or None
        contacts.append(Contact(name=name, relation=relation, phone=parse_phone(str(item.get("phone") or "")).number))
    return contacts


def _add_months(day: date, count: int) -> date:
    month = day.month - 1 + count
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, months.monthrange(year, month)[1]))


def next_visit_due(tier: RiskTier, *, last_visit: date | None, opened: date, calendar: Workdays) -> date:
    """The day the next visit is due: one interval of the tier after the last visit (or after the file was
    opened, for the first), moved forward to a working day."""
    days, month_count = VISIT_EVERY[tier]
    due = _add_months(last_visit or opened, month_count) + timedelta(days=days)
    for _ in range(60):  # the longest run of non-working days in any year is well under this
        if calendar.is_workday(due):
            return due
        due += timedelta(days=1)
    return due


def days_overdue(due: date, today: date) -> int:
    """0 while the visit is not late (due today is not late)."""
    return max(0, (today - due).days)
