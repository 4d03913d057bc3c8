"""The wall's numbers: each rate counts what its definition says, and an empty rate is None, not 100 %."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gridgov.domain.kpis import CaseFacts, overview

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # 14:00 in Shanghai
H = timedelta(hours=1)


def case(i, status="dispatched", reported=-2 * H, due=None, handled=None, closed=None, rating=None, grid="4403040010010010", **kw):
    at = lambda d: NOW + d if d is not None else None  # noqa: E731
    return CaseFacts(id=str(i), status=status, category=kw.get("category", "E0109"), grid_code=grid, reported_at=NOW + reported,
                     due_at=at(due), handled_at=at(handled), closed_at=at(closed), rating=rating, sensitive=kw.get("sensitive", False))  # fmt: skip


def test_rates_follow_their_definitions():
    rows = [
        case(1, "rated", reported=-30 * H, due=-20 * H, handled=-21 * H, closed=-20 * H, rating=5),  # on time, satisfied
        case(2, "closed", reported=-30 * H, due=-25 * H, handled=-22 * H, closed=-21 * H),  # late
        case(3, "rated", reported=-5 * H, due=H, handled=-3 * H, closed=-H, rating=2),  # today, on time, unhappy
        case(4, "dispatched", reported=-3 * H, due=-H),  # open and overdue
        case(5, "rejected", reported=-H),  # void: not received, not open
        case(6, "in_progress", reported=-40 * 24 * H, due=-39 * 24 * H, sensitive=True),  # old, still open
    ]
    kpi = overview(rows, NOW)
    assert kpi["today"] == {"received": 3, "closed": 1}  # 3, 4 and 5 (a voided report was still received)
    assert kpi["open"] == 2 and kpi["overdue"] == 2 and kpi["sensitive_open"] == 1
    assert kpi["closure_rate"] == round(3 / 4, 4)  # 1-4 received in the window (5 void, 6 too old)
    assert kpi["on_time_rate"] == round(2 / 3, 4)
    assert kpi["satisfaction_rate"] == 0.5
    assert kpi["average_handling_hours"] == round((10 + 9 + 4) / 3, 1)
    assert kpi["per_grid"] == {"4403040010010010": {"open": 2, "overdue": 2}}
    assert kpi["trend"][-1] == {"day": "2026-11-23", "received": 3, "closed": 1} and len(kpi["trend"]) == 14


def test_nothing_to_count_gives_no_rate():
    kpi = overview([case(1, "dispatched")], NOW)
    assert kpi["on_time_rate"] is None and kpi["satisfaction_rate"] is None and kpi["average_handling_hours"] is None
    assert kpi["closure_rate"] == 0.0

