"""The command center's numbers (大屏指标), computed from plain case rows so the rules are in one place.

Definitions, as the districts we model report them:
- received / closed today: by the Shanghai calendar day of `reported_at` / `closed_at`.
- 办结率 (closure rate): of the cases received in the window and not voided, the share closed.
- 按期结案率 (on-time rate): of the cases closed in the window that had a deadline, the share whose
  handling (处置反馈) came no later than the deadline.
- 满意率 (satisfaction): of the cases rated in the window, the share rated 4 or 5.
- average handling time: report to closure, hours, over the cases closed in the window.
A rate with nothing to count is None (shown as "—"), never a made-up 100 %.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from gridgov.domain.deadlines import SHANGHAI

CLOSED = frozenset({"closed", "rated"})
VOID = frozenset({"rejected"})


@dataclass(frozen=True)
class CaseFacts:
    id: str
    status: str
    category: str | None
    grid_code: str | None
    reported_at: datetime
    due_at: datetime | None
    handled_at: datetime | None
    closed_at: datetime | None
    rating: int | None
    sensitive: bool


def _day(at: datetime) -> str:
    return at.astimezone(SHANGHAI).date().isoformat()


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def overview(rows: Iterable[CaseFacts], now: datetime, *, window_days: int = 30, trend_days: int = 14) -> dict:
    rows = list(rows)
    today = _day(now)
    since = now - timedelta(days=window_days)
    open_rows = [r for r in rows if r.status not in CLOSED | VOID]
    late = {r.id for r in open_rows if r.due_at is not None and r.due_at < now}
    received = [r for r in rows if r.reported_at >= since and r.status not in VOID]
    closed = [r for r in rows if r.closed_at is not None and r.closed_at >= since]
    with_deadline = [r for r in closed if r.due_at is not None]
    on_time = [r for r in with_deadline if (r.handled_at or r.closed_at) <= r.due_at]
    rated = [r for r in rows if r.rating is not None and (r.closed_at or r.reported_at) >= since]
    hours = [(r.closed_at - r.reported_at).total_seconds() / 3600 for r in closed]
    days = [_day(now - timedelta(days=i)) for i in range(trend_days - 1, -1, -1)]
    got = Counter(_day(r.reported_at) for r in rows)
    done = Counter(_day(r.closed_at) for r in rows if r.closed_at is not None)
    per_grid: dict[str, dict[str, int]] = {}
    for r in open_rows:
        if r.grid_code:
            cell = per_grid.setdefault(r.grid_code, {"open": 0, "overdue": 0})
            cell["open"] += 1
            cell["overdue"] += r.id in late
    return {
        "today": {"received": got[today], "closed": done[today]},
        "open": len(open_rows),
        "overdue": len(late),
        "sensitive_open": sum(1 for r in open_rows if r.sensitive),
        "window_days": window_days,
        "closure_rate": _share(sum(1 for r in received if r.status in CLOSED), len(received)),
        "on_time_rate": _share(len(on_time), len(with_deadline)),
        "satisfaction_rate": _share(sum(1 for r in rated if r.rating >= 4), len(rated)),
        "average_handling_hours": round(sum(hours) / len(hours), 1) if hours else None,
        "by_category": Counter(r.category or "未分类" for r in received).most_common(10),
        "trend": [{"day": d, "received": got[d], "closed": done[d]} for d in days],
        "per_grid": per_grid,
    }
