"""Cases written straight into the real database for read-side tests (hot spots, the brief): the read side
is what is under test, and thousands of cases through the bus would take minutes."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import count

from gridgov.adapters import tables as t

GRID1, GRID2, GRID3 = "440304001001001", "440304001001002", "440304001001003"
_ids = count(1)


def case_row(reported_at: datetime, *, grid: str = GRID1, category: str = "E0503", status: str = "reported",
             sensitive: bool = False, address: str | None = None, lat: float = 22.55, lon: float = 114.05,
             description: str = "路口有人占道经营", channel: str = "resident_app", closed_at: datetime | None = None,
             due_at: datetime | None = None, handled_at: datetime | None = None, rating: int | None = None,
             unit_id: str | None = None) -> dict:  # fmt: skip
    n = next(_ids)
    return {
        "id": f"T{n:07d}", "description": description, "lon": lon, "lat": lat, "address": address,
        "category": category, "grade": 3, "channel": channel, "grid_code": grid, "reporter_id": "seed",
        "photos": [], "status": status, "unit_id": unit_id, "reported_at": reported_at, "due_at": due_at,
        "handled_at": handled_at, "closed_at": closed_at, "result_photos": [], "rating": rating,
        "rework_count": 0, "return_count": 0, "sensitive": sensitive, "report_count": 1,
        "supervisions": [], "version": 1, "updated_at": reported_at,
    }  # fmt: skip


def insert(platform, rows: list[dict]) -> None:
    with platform.engine.begin() as conn:
        conn.execute(t.cases.insert(), rows)


def weekly(now: datetime, per_week: list[int], **fields) -> list[dict]:
    """per_week[0] cases in the current week (the 7 days before `now`), per_week[1] in the week before …;
    each week's cases spread over its days, a day before the week's end at the latest."""
    rows = []
    for w, n in enumerate(per_week):
        for i in range(n):
            rows.append(case_row(now - timedelta(days=7 * w + 1 + (i % 6), hours=i), **fields))
    return rows
