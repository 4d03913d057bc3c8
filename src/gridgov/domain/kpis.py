"""The KPI registry (指标库): every indicator the center publishes, as data, with its formula in words.

One definition serves the KPI table (`GET /api/v1/analytics/kpis`), the wall, the morning brief, the
exported sheets and `docs/kpis.md` (written from `markdown()`; a test keeps the file and the registry
equal). Each indicator names

- its *basis*: the case time that puts a case in a date range (reported, dispatched, handled, due,
  closed). A case counts in the range when that time lies in it; a case without that time never does.
- its *population*: the conditions a case of the range must meet to be counted (the denominator of a
  rate, the count itself of a count), and for a rate its *numerator* conditions on top of those.
  Conditions are names from `CONDITIONS`; the read side gives each name one SQL meaning, used both for
  the figure and for the drill-down list of cases behind it, so the list always holds exactly the
  cases counted.

Choices written down because people quote them (CJ/T 292 and GB/T 30428.4 leave them to the district):
- 受理数 counts every case reported in the range, also those later voided (作废): they were received.
- 应结案数 is the cases whose deadline (the current one, after extensions and suspension shifts) falls
  in the range. 按期结案率 leaves out the cases suspended (挂起) now: their clock stands still.
- 结案率 is the share of 应结案数 that is closed: measured on the same cases, it never exceeds 100 %.
- 返工率 counts cases (not rework rounds): handled cases in the range that went back at least once.
- 准确派遣率: our 退单 (return) is the misdirected dispatch; a case dispatched in the range that was ever
  returned counts as misdirected.
- 满意率: ratings of 4 or 5 (满意 and 基本满意) out of the rated cases closed in the range.
- Handling time runs from report to closure, in calendar hours; p90 is the nearest-rank percentile (the
  smallest duration that at least 90 % of the cases do not exceed).
A rate over no cases is None with the note "no data", never 0 and never a division by zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from gridgov.domain.errors import InvalidInput

CLOSED = frozenset({"closed", "rated"})
VOID = frozenset({"rejected"})
MAX_RANGE_DAYS = 3 * 365 + 1  # three years, with one leap day
SATISFIED_FROM = 4  # ratings 4 and 5: 满意 and 基本满意 on the five-point scale
P90_RANK = 0.9

# The time column that places a case in a range, with the case-list filters bounding it.
BASES = {
    "reported": ("since", "until"),
    "dispatched": ("dispatched_since", "dispatched_until"),
    "handled": ("handled_since", "handled_until"),
    "due": ("due_since", "due_until"),
    "closed": ("closed_since", "closed_until"),
}

# Condition name -> (case-list query parameter, value): the same words in the KPI query and the drill-down.
CONDITIONS = {
    "closed": ("closed", "true"),
    "closed_on_time": ("closed_on_time", "true"),  # closed, and handled (or else closed) by the deadline
    "handled_on_time": ("handled_on_time", "true"),  # handled by the deadline, closed or not
    "not_suspended": ("suspended", "false"),
    "dispatched": ("dispatched", "true"),
    "responded": ("responded", "true"),  # accepted (立案) or dispatched
    "reworked": ("reworked", "true"),  # sent back by verification at least once
    "returned": ("returned", "true"),  # returned (退单) by a unit at least once
    "not_returned": ("returned", "false"),
    "rated": ("rated", "true"),
    "satisfied": ("satisfied", "true"),  # rating of SATISFIED_FROM or more
    "hotline": ("channel", "hotline_12345"),
    "social_entity": ("unit_kind", "social_entity"),
}


@dataclass(frozen=True)
class Indicator:
    id: str
    name_zh: str
    name_en: str
    kind: str  # count | rate | hours
    basis: str  # a key of BASES
    formula: str
    numerator: str
    denominator: str | None
    population: tuple[str, ...] = ()  # condition names every counted case meets
    numerator_when: tuple[str, ...] = ()  # for rates: the further conditions of the numerator
    statistic: str = ""  # for hours: "mean" or "p90"
    version: int = 1


def _count(id, zh, en, basis, what, population=()):
    return Indicator(id, zh, en, "count", basis, what, what, None, tuple(population))


def _rate(id, zh, en, basis, formula, numerator, denominator, population, when):
    return Indicator(id, zh, en, "rate", basis, formula, numerator, denominator, tuple(population), tuple(when))


def _hours(id, zh, en, statistic, formula):
    return Indicator(id, zh, en, "hours", "closed", formula, "closed_at − reported_at of each case closed in the range",
                     "cases closed in the range", ("closed",), (), statistic)  # fmt: skip


REGISTRY: tuple[Indicator, ...] = (
    _count("received", "受理数", "Received", "reported", "cases reported in the range (voided ones included)"),
    _count("closed", "结案数", "Closed", "closed", "cases closed in the range", ["closed"]),
    _count("due", "应结案数", "Due", "due", "cases whose deadline falls in the range"),
    _count("closed_on_time", "按期结案数", "Closed on time", "due",
           "cases due in the range that are closed, handled (or else closed) no later than the deadline", ["closed_on_time"]),
    _rate("closure_rate", "结案率", "Closure rate", "due", "结案数 ÷ 应结案数 (over the cases due in the range)",
          "cases due in the range that are closed", "cases due in the range", [], ["closed"]),
    _rate("on_time_rate", "按期结案率", "On-time closure rate", "due", "按期结案数 ÷ (应结案数 − 挂起数)",
          "cases due in the range, not suspended, closed on time", "cases due in the range that are not suspended now",
          ["not_suspended"], ["closed_on_time"]),
    _rate("ontime_handling_rate", "按时处置率", "On-time handling rate", "due", "按时处置数 ÷ 应处置数",
          "dispatched cases due in the range, not suspended, handled no later than the deadline",
          "dispatched cases due in the range that are not suspended now (应处置数)",
          ["dispatched", "not_suspended"], ["handled_on_time"]),
    _rate("rework_rate", "返工率", "Rework rate", "handled", "返工数 ÷ 处置数",
          "cases handled in the range that were sent back by verification at least once",
          "cases handled in the range (last handling)", [], ["reworked"]),
    _rate("accurate_dispatch_rate", "准确派遣率", "Accurate dispatch rate", "dispatched", "(派遣数 − 退单数) ÷ 派遣数",
          "cases dispatched in the range (last dispatch) never returned (退单)", "cases dispatched in the range (派遣数)",
          ["dispatched"], ["not_returned"]),
    _rate("satisfaction_rate", "满意率", "Satisfaction rate", "closed", "满意数 ÷ 评价数",
          "rated cases closed in the range with a rating of 4 or 5", "rated cases closed in the range",
          ["closed", "rated"], ["satisfied"]),
    _hours("avg_handling_hours", "平均处置时长", "Average handling time", "mean",
           "mean of (closed_at − reported_at) in hours, calendar time"),
    _hours("p90_handling_hours", "处置时长P90", "p90 handling time", "p90",
           "nearest-rank 90th percentile of (closed_at − reported_at) in hours, calendar time"),
    _rate("social_entity_share", "社会主体参与率", "Social-entity share", "dispatched", "派给社会主体的案件数 ÷ 派遣数",
          "cases dispatched in the range to a social entity (物业, 企业 …)", "cases dispatched in the range",
          ["dispatched"], ["social_entity"]),
    _rate("hotline_response_rate", "12345响应率", "12345 response rate", "reported", "已响应 ÷ 12345受理数",
          "12345 cases reported in the range that were accepted (立案) or dispatched",
          "12345 cases reported in the range", ["hotline"], ["responded"]),
    _rate("hotline_resolution_rate", "12345解决率", "12345 resolution rate", "reported", "已解决 ÷ 12345受理数",
          "12345 cases reported in the range that are closed", "12345 cases reported in the range", ["hotline"], ["closed"]),
    _rate("hotline_satisfaction_rate", "12345满意率", "12345 satisfaction rate", "closed", "满意数 ÷ 评价数 (12345)",
          "rated 12345 cases closed in the range with a rating of 4 or 5", "rated 12345 cases closed in the range",
          ["hotline", "closed", "rated"], ["satisfied"]),
)
BY_ID = {i.id: i for i in REGISTRY}

# Groupings of the KPI table: grid levels by code length (GB/T 2260 prefix + 3 digits a level).
GRID_LEVELS = {"street": 9, "community": 12, "grid": 15}
GROUPINGS = ("street", "community", "grid", "unit", "category", "channel", "worker", "day", "week", "month")
TIME_GROUPINGS = ("day", "week", "month")


def share(part: int, whole: int) -> float | None:
    """A rate, or None when there is nothing to count."""
    return round(part / whole, 4) if whole else None


def nearest_rank(n: int, p: float = P90_RANK) -> int:
    """1-based rank of the p-th percentile among n sorted values (nearest-rank: ceil(p·n)), n > 0."""
    tenths = round(p * 10)
    return (tenths * n + 9) // 10  # integer ceil(p·n) for p in tenths, the same in SQL


def check_range(start: date, end: date) -> int:
    """Days in the inclusive range; refuses a reversed or over-long one."""
    if end < start:
        raise InvalidInput(f"the range is reversed: from {start} is after to {end}")
    days = (end - start).days + 1
    if days > MAX_RANGE_DAYS:
        raise InvalidInput(f"the range spans {days} days; at most {MAX_RANGE_DAYS} (three years)")
    return days


def check_grouping(by: str) -> str:
    if by not in GROUPINGS:
        raise InvalidInput(f"unknown grouping {by!r}; known: {', '.join(GROUPINGS)}")
    return by


def year_earlier(start: date, end: date) -> tuple[date, date]:
    """同比: the same dates a year earlier (29 February becomes the 28th)."""

    def back(d: date) -> date:
        return d.replace(year=d.year - 1, day=28) if (d.month, d.day) == (2, 29) else d.replace(year=d.year - 1)

    return back(start), back(end)


def previous_range(start: date, end: date) -> tuple[date, date]:
    """环比: the range of equal length that ends the day before `start`."""
    days = (end - start).days + 1
    return start - timedelta(days=days), start - timedelta(days=1)


def buckets(start: date, end: date, by: str) -> list[tuple[str, str, date, date]]:
    """The time rows of a range: (code, name, first day, last day), clipped to the range. A week is
    coded by its Monday (ISO weeks), a month as YYYY-MM."""
    out: list[tuple[str, str, date, date]] = []
    day = start
    while day <= end:
        if by == "day":
            first, last, code, name = day, day, day.isoformat(), day.isoformat()
        elif by == "week":
            first = day - timedelta(days=day.weekday())
            last = first + timedelta(days=6)
            iso = first.isocalendar()
            code, name = first.isoformat(), f"{iso.year}-W{iso.week:02d}"
        else:
            first = day.replace(day=1)
            last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
            code, name = first.strftime("%Y-%m"), first.strftime("%Y-%m")
        out.append((code, name, max(first, start), min(last, end)))
        day = last + timedelta(days=1)
    return out


def change(value: float | None, before: float | None) -> dict[str, float | None]:
    """同比/环比 figures: the absolute difference (percentage points for rates) and the relative change."""
    if value is None or before is None:
        return {"delta": None, "change": None}
    return {"delta": round(value - before, 4), "change": round((value - before) / before, 4) if before else None}


def markdown() -> str:
    """docs/kpis.md, written from the registry."""
    lines = [
        "# KPI registry (指标库)",
        "",
        "Written from `src/gridgov/domain/kpis.py` (`markdown()`); `tests/unit/test_kpis.py` fails when this file and",
        "the registry differ. Regenerate with",
        "`.venv/bin/python -c 'from gridgov.domain.kpis import markdown; print(markdown(), end=\"\")' > docs/kpis.md`.",
        "",
        "`GET /api/v1/analytics/kpis?from=YYYY-MM-DD&to=YYYY-MM-DD&by=…` answers one row per group with each",
        "indicator below as `{\"value\", \"n\", \"yoy\", \"mom\", \"cases\"}`: `n` is the number of cases the value is",
        "computed over (the denominator of a rate), `cases` the case list behind the figure, `yoy` (同比) the same",
        "range a year earlier and `mom` (环比) the previous range of equal length (time rows: the row of that",
        "range in the same place), each with its value, `delta` (difference; percentage points for rates),",
        "`change` (relative) and `cases`. Dates are whole days in the district's time zone (setting `timezone`).",
        "A rate or time over no cases is `null` with `\"note\": \"no data\"`.",
        "",
        "A case belongs to a range by the indicator's *basis* time: reported_at, dispatched_at (the last",
        "dispatch), handled_at (the last handling), due_at (the current deadline) or closed_at.",
        "Groupings (`by`): " + ", ".join(f"`{g}`" for g in GROUPINGS) + ". Street, community and grid group by",
        "the case's grid code prefix (9, 12, 15 digits); `worker` groups the cases grid workers reported",
        "(channel `grid_app`) by reporter; a case without the grouping's field (no grid, no unit, no category)",
        "counts in the `total` row only. Week rows are coded by their Monday; the first and last row of a",
        "range are clipped to it.",
        "",
        "| id | 指标 | name | formula | numerator | denominator | basis | version |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for i in REGISTRY:
        lines.append(f"| `{i.id}` | {i.name_zh} | {i.name_en} | {i.formula} | {i.numerator} | {i.denominator or '—'} "
                     f"| {i.basis} | {i.version} |")  # fmt: skip
    lines += ["", "## Conditions", "", "Each condition has one meaning, in the figure and in its drill-down list:", "",
              "| condition | case list filter |", "|---|---|"]  # fmt: skip
    for name, (param, value) in CONDITIONS.items():
        lines.append(f"| {name} | `{param}={value}` |")
    lines += ["", "## Choices", ""]
    lines += [line.strip() for line in __doc__.split("Choices written down")[1].split("\n")[1:] if line.strip()]
    return "\n".join(lines) + "\n"
