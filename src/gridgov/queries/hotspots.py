"""Read side of hot spots: counts per grid (or H3 cell) × category over a window and the windows before it,
tested by domain/hotspots.py, within the caller's data scope.

Counts come from one GROUP BY per window on the indexed `reported_at` (nine small aggregates for the
default 8-window baseline), never from every case read into Python; only the H3 and repeat-address views
read points, and only those of the window. Voided cases (作废) are not counted: they were not events.
Sensitive cases (grading.SENSITIVE_TERMS, the ones that already alert leaders) are also counted per grid
as the pseudo-category `sensitive`, with a lower minimum of 2: a second sensitive case in a quiet grid is
worth a look.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Connection, case, func, select

from gridgov.adapters import tables as t
from gridgov.domain import hotspots as hs
from gridgov.domain.errors import InvalidInput
from gridgov.domain.privacy import redact_text
from gridgov.domain.roles import Actor
from gridgov.queries.cases import scope_clause

MAX_DAYS = 92
SENSITIVE_MIN = 2
SENSITIVE_NAME = ("敏感事件", "sensitive events")
MAX_IDS = 50


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _where(actor: Actor, lo: datetime, hi: datetime) -> list:
    c = t.cases.c
    where = [c.reported_at >= lo, c.reported_at < hi, c.status != "rejected"]
    scope = scope_clause(actor)
    if scope is not None:
        where.append(scope)
    return where


def _check(days: int, windows: int) -> None:
    if not 1 <= days <= MAX_DAYS:
        raise InvalidInput(f"days must be between 1 and {MAX_DAYS}")
    if not 2 <= windows <= 26:
        raise InvalidInput("the baseline needs between 2 and 26 windows")


def _names(conn: Connection) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    grids = dict(conn.execute(select(t.grid_nodes.c.code, t.grid_nodes.c.name)).all())
    cats = {r.code: (r.name, r.name_en) for r in conn.execute(select(t.categories.c.code, t.categories.c.name, t.categories.c.name_en))}
    return grids, cats


def grid_counts(conn: Connection, actor: Actor, now: datetime, days: int, windows: int):
    """(current, baselines) keyed by (grid code, category), plus (grid, SENSITIVE) for sensitive cases."""
    c = t.cases.c
    span = timedelta(days=days)
    current: dict[tuple[str, str], int] = {}
    baselines: dict[tuple[str, str], list[int]] = {}
    for w in range(windows + 1):
        hi = now - w * span
        query = (
            select(c.grid_code, c.category, func.count(), func.sum(case((c.sensitive.is_(True), 1), else_=0)))
            .where(*_where(actor, hi - span, hi), c.grid_code.is_not(None))
            .group_by(c.grid_code, c.category)
        )
        for grid, category, n, sensitive in conn.execute(query):
            keys = [((grid, category or "未分类"), int(n))]
            if sensitive:
                keys.append(((grid, hs.SENSITIVE), int(sensitive)))
            for key, count in keys:
                if w == 0:
                    current[key] = current.get(key, 0) + count
                else:
                    baselines.setdefault(key, [0] * windows)[w - 1] += count
    return current, baselines


def hotspots(conn: Connection, actor: Actor, now: datetime, *, days: int = 7, windows: int = hs.DEFAULT_WINDOWS,
             fdr: float = hs.DEFAULT_FDR, include_all: bool = False) -> list[dict[str, Any]]:  # fmt: skip
    """Hot grid × category cells of the last `days` days (the wall's list), most significant first.
    `include_all` also lists the cells tested and found not hot (for the brief's table and the bench)."""
    _check(days, windows)
    current, baselines = grid_counts(conn, actor, now, days, windows)
    cells = hs.detect(current, baselines, windows=windows, fdr=fdr, min_count_for={hs.SENSITIVE: SENSITIVE_MIN})
    chosen = [x for x in cells if x.hot or (include_all and x.count)]
    grids, cats = _names(conn)
    lo = now - timedelta(days=days)
    out = []
    for x in chosen:
        sensitive = x.category == hs.SENSITIVE
        name, name_en = SENSITIVE_NAME if sensitive else cats.get(x.category, (x.category, x.category))
        place = grids.get(x.place, x.place)
        exact_ratio = x.count / hs.expected_count(x.baseline)  # words from the unrounded ratio (5.647 → 5.6)
        item = {
            "grid_code": x.place, "grid_name": place, "category": x.category, "category_name": name,
            "category_name_en": name_en, "count": x.count, "expected": x.expected, "ratio": x.ratio,
            "p_value": float(f"{x.p_value:.4g}"), "q_value": float(f"{x.q_value:.4g}"), "method": x.method,
            "hot": x.hot, "sensitive": sensitive, "days": days,
            "sentence": hs.sentence(name, place, exact_ratio, x.p_value, days),
            "sentence_en": hs.sentence(name_en, place, exact_ratio, x.p_value, days, "en"),
        }  # fmt: skip
        if x.hot:
            item["case_ids"] = _ids(conn, actor, lo, now, x.place, x.category)
            query = {"grid": x.place, "since": _iso(lo), "until": _iso(now)}
            if not sensitive:
                query["category"] = x.category
            item["cases"] = "/api/v1/cases?" + urlencode(query)
        out.append(item)
    return out


def _ids(conn: Connection, actor: Actor, lo: datetime, hi: datetime, grid: str, category: str) -> list[str]:
    c = t.cases.c
    where = [*_where(actor, lo, hi), c.grid_code == grid]
    where.append(c.sensitive.is_(True) if category == hs.SENSITIVE else c.category == category)
    return list(conn.execute(select(c.id).where(*where).order_by(c.reported_at.desc(), c.id).limit(MAX_IDS)).scalars())


def cell_hotspots(conn: Connection, actor: Actor, now: datetime, *, days: int = 7, resolution: int = 9,
                  windows: int = hs.DEFAULT_WINDOWS) -> list[dict[str, Any]]:  # fmt: skip
    """The same test over H3 hexagons (resolution 7–10): hot spots that straddle grid borders."""
    _check(days, windows)
    if not 7 <= resolution <= 10:
        raise InvalidInput("resolution must be between 7 and 10")
    c = t.cases.c
    span = timedelta(days=days)
    rows = conn.execute(
        select(c.id, c.lat, c.lon, c.category, c.reported_at).where(*_where(actor, now - span * (windows + 1), now))
    ).all()
    cell_of = {r.id: hs.h3_cell(r.lat, r.lon, resolution) for r in rows}
    items = [(cell_of[r.id], r.category or "未分类", (now - r.reported_at).total_seconds()) for r in rows]
    current, baselines = hs.counts_by_window(items, span.total_seconds(), windows)
    _, cats = _names(conn)
    out = []
    for x in hs.detect(current, baselines, windows=windows):
        if not x.hot:
            continue
        name, name_en = cats.get(x.category, (x.category, x.category))
        ids = sorted((r for r in rows if cell_of[r.id] == x.place and (r.category or "未分类") == x.category
                      and now - r.reported_at < span), key=lambda r: r.reported_at, reverse=True)  # fmt: skip
        out.append({
            "h3": x.place, "resolution": resolution, "category": x.category, "category_name": name,
            "category_name_en": name_en, "count": x.count, "expected": x.expected, "ratio": x.ratio,
            "p_value": float(f"{x.p_value:.4g}"), "q_value": float(f"{x.q_value:.4g}"), "method": x.method,
            "case_ids": [r.id for r in ids[:MAX_IDS]],
        })  # fmt: skip
    return out


def repeat_addresses(conn: Connection, actor: Actor, now: datetime, *, days: int = 30, min_count: int = 3,
                     radius_m: float = 30.0, limit: int = 50) -> list[dict[str, Any]]:  # fmt: skip
    """Places reported at least `min_count` times in the last `days` days (same address text, or within
    `radius_m` metres), most reported first. Address texts are shown with typed numbers masked."""
    _check(days, hs.DEFAULT_WINDOWS)
    if not 2 <= min_count <= 1000:
        raise InvalidInput("min must be between 2 and 1000")
    c = t.cases.c
    rows = conn.execute(
        select(c.id, c.address, c.lat, c.lon, c.grid_code).where(*_where(actor, now - timedelta(days=days), now))
        .order_by(c.reported_at, c.id)
    ).all()  # fmt: skip
    grid_of = {r.id: r.grid_code for r in rows}
    grids, _ = _names(conn)
    out = []
    for place in hs.repeat_places([(r.id, r.address, r.lat, r.lon) for r in rows], min_count=min_count, radius_m=radius_m)[:limit]:
        grid = grid_of.get(place.case_ids[0])
        out.append({
            "kind": place.kind, "label": redact_text(place.label), "count": place.count, "lat": place.lat,
            "lon": place.lon, "grid_code": grid, "grid_name": grids.get(grid or "", grid),
            "case_ids": list(place.case_ids[:MAX_IDS]),
        })  # fmt: skip
    return out


def hot_topics(conn: Connection, actor: Actor, lo: datetime, hi: datetime, *, top: int = 10, min_size: int = 3) -> list[dict[str, Any]]:
    """Clusters of similar descriptions among the cases reported in [lo, hi) (the brief's 热点问题)."""
    c = t.cases.c
    rows = conn.execute(select(c.id, c.description).where(*_where(actor, lo, hi)).order_by(c.reported_at, c.id).limit(5000)).all()
    found = hs.topics([r.description or "" for r in rows], min_size=min_size, top=top)
    return [
        {"label": redact_text(x.label), "terms": list(x.terms), "count": len(x.members),
         "case_ids": [rows[i].id for i in x.members][:MAX_IDS]}
        for x in found
    ]  # fmt: skip
