"""Read side of the KPI registry: the KPI table by group and period, with 同比/环比 and drill-down links.

Every figure is a SQL aggregate (one GROUP BY per basis time, conditional counts; p90 with a window
function), never a loop over cases in Python, so a table over a million cases costs a few scans of the
indexed time columns. The definitions are domain/kpis.py's; the conditions' SQL is queries/cases.py's
`condition_clause`, the same the case list uses, so each `cases` link lists exactly the cases counted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, and_, case, func, literal_column, or_, select

from gridgov.adapters import tables as t
from gridgov.domain import kpis as k
from gridgov.domain.errors import InvalidInput
from gridgov.domain.roles import Actor
from gridgov.domain.taxonomy import CHANNEL_LABELS, Channel
from gridgov.queries.cases import condition_clause, scope_clause

CASES_URL = "/api/v1/cases"


def local_start(day: date, tz: ZoneInfo) -> datetime:
    """The UTC instant a local calendar day begins."""
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def condition(name: str):
    param, value = k.CONDITIONS[name]
    c = t.cases.c
    if param == "channel":
        return c.channel == value
    if param == "unit_kind":
        return c.unit_id.in_(select(t.units.c.id).where(t.units.c.kind == value))
    return condition_clause(param, value == "true")


def _hours(conn: Connection):
    c = t.cases.c
    if conn.dialect.name == "postgresql":
        return func.extract("epoch", c.closed_at - c.reported_at) / 3600.0
    return (func.julianday(c.closed_at) - func.julianday(c.reported_at)) * 24.0


def period_code(conn: Connection, col, by: str, tz: ZoneInfo, at: datetime):
    """SQL for the local day/week(Monday)/month code of a time column. SQLite has no time zones: the
    zone's offset at `at` is used (exact for zones without daylight saving, such as Asia/Shanghai)."""
    if conn.dialect.name == "postgresql":
        local = func.timezone(tz.key, col)
        if by == "week":
            return func.to_char(func.date_trunc("week", local), "YYYY-MM-DD")
        return func.to_char(local, "YYYY-MM-DD" if by == "day" else "YYYY-MM")
    offset = at.astimezone(tz).utcoffset() or timedelta(0)
    shift = f"{int(offset.total_seconds() // 60):+d} minutes"
    if by == "week":
        return func.date(col, shift, "weekday 0", "-6 days")
    return func.strftime("%Y-%m-%d" if by == "day" else "%Y-%m", col, shift)


@dataclass
class Group:
    """How rows are formed: the SQL key of a case (given its basis column), extra conditions, and the
    case-list parameters that select one row's cases."""

    by: str | None
    key: Callable | None = None
    where: list = field(default_factory=list)


def _group(conn: Connection, by: str | None, tz: ZoneInfo, at: datetime) -> Group:
    c = t.cases.c
    if by is None:
        return Group(None)
    if by in k.GRID_LEVELS:
        n = k.GRID_LEVELS[by]
        return Group(by, lambda col: func.substr(c.grid_code, 1, n), [func.length(c.grid_code) >= n])
    if by in k.TIME_GROUPINGS:
        return Group(by, lambda col: period_code(conn, col, by, tz, at))
    column = {"unit": c.unit_id, "category": c.category, "channel": c.channel, "worker": c.reporter_id}[by]
    where = [column.is_not(None)] + ([c.channel == str(Channel.GRID_APP)] if by == "worker" else [])
    return Group(by, lambda col: column, where)


def measure(conn: Connection, actor: Actor, lo: datetime, hi: datetime, group: Group, filters: list,
            indicators=k.REGISTRY) -> dict[Any, dict[str, tuple[float | int | None, int]]]:  # fmt: skip
    """{row key: {indicator id: (value, n)}} over cases whose basis time lies in [lo, hi)."""
    return measure_many(conn, actor, [(lo, hi)], group, filters, indicators)[0]


def measure_many(conn: Connection, actor: Actor, windows: list[tuple[datetime, datetime]], group: Group, filters: list,
                 indicators=k.REGISTRY) -> list[dict[Any, dict[str, tuple[float | int | None, int]]]]:  # fmt: skip
    """`measure` for several windows (the range, 同比, 环比). Rows keyed by place, unit … take one scan for
    every window and basis (the union of the basis-time index ranges, conditional counts per slice);
    time rows take one per window and basis, since their key is the basis time itself."""
    c = t.cases.c
    scope = scope_clause(actor)
    base = [*filters, *group.where] + ([scope] if scope is not None else [])
    outs: list[dict[Any, dict[str, tuple]]] = [{} for _ in windows]
    hours = _hours(conn)
    slices = [(w, b) for w in range(len(windows)) for b in k.BASES if any(i.basis == b for i in indicators)]
    batches = [[s] for s in slices] if group.by in k.TIME_GROUPINGS else [slices]
    ordered_sets = conn.dialect.name == "postgresql"  # SQLite has no percentile_disc: a window function there
    for batch in batches:
        key = group.key(c[batch[0][1] + "_at"]).label("g") if group.key else literal_column("'all'").label("g")
        columns: list[Any] = []
        readers: list[Any] = []
        ranges: list[Any] = []
        for w, basis in batch:
            col = c[basis + "_at"]
            in_range = and_(col >= windows[w][0], col < windows[w][1])
            ranges.append(in_range)
            for ind in (i for i in indicators if i.basis == basis):
                pop = and_(in_range, *[condition(n) for n in ind.population])
                columns.append(func.sum(case((pop, 1), else_=0)))
                if ind.kind == "rate":
                    columns.append(func.sum(case((and_(pop, *[condition(n) for n in ind.numerator_when]), 1), else_=0)))
                elif ind.statistic == "mean":
                    columns.append(func.avg(case((pop, hours))))
                elif ind.statistic == "p90" and ordered_sets:  # percentile_disc is the nearest rank; it skips the NULLs of other cases
                    columns.append(func.percentile_disc(k.P90_RANK).within_group(case((pop, hours))))
                how = ind.kind if ind.kind != "hours" else ind.statistic
                readers.append((w, ind, how))
        query = select(key, *columns).where(or_(*ranges), *base)
        if group.key:
            query = query.group_by(key)
        for row in conn.execute(query):
            i = 1
            for w, ind, how in readers:
                cells = outs[w].setdefault(row[0], {})
                n = int(row[i] or 0)
                i += 1
                if how == "count":
                    cells[ind.id] = (n, n)
                elif how == "rate":
                    cells[ind.id] = (k.share(int(row[i] or 0), n), n)
                    i += 1
                elif how == "mean" or (how == "p90" and ordered_sets):
                    cells[ind.id] = (round(float(row[i]), 2) if n else None, n)
                    i += 1
                else:
                    cells[ind.id] = (None, n)  # p90: filled below
    for w, basis in [] if ordered_sets else slices:
        chosen = [i for i in indicators if i.basis == basis and i.statistic == "p90"]
        if chosen:
            col = c[basis + "_at"]
            _p90(conn, col, [col >= windows[w][0], col < windows[w][1], *base], group, hours, outs[w], chosen)
    return outs


def _p90(conn, col, where, group: Group, hours, out, chosen) -> None:
    """Nearest-rank p90 per row where there is no percentile_disc (SQLite): rank each case's duration
    within its row, keep rank ceil(0.9·n)."""
    for ind in chosen:
        pop = [condition(n) for n in ind.population]
        key = group.key(col) if group.key else literal_column("'all'")
        inner = select(
            key.label("g"),
            hours.label("h"),
            func.row_number().over(partition_by=key, order_by=hours).label("rn"),
            func.count().over(partition_by=key).label("n"),
        ).where(*where, *pop).subquery()
        rank = (inner.c.n * round(k.P90_RANK * 10) + 9) // 10
        query = select(inner.c.g, func.min(inner.c.h), func.min(inner.c.n)).where(inner.c.rn == rank).group_by(inner.c.g)
        for g, h, n in conn.execute(query):
            out.setdefault(g, {})[ind.id] = (round(float(h), 2), int(n))


# ------------------------------------------------------------------ the table


def _names(conn: Connection, by: str, keys) -> dict[str, str]:
    if by in k.GRID_LEVELS:
        return dict(conn.execute(select(t.grid_nodes.c.code, t.grid_nodes.c.name).where(t.grid_nodes.c.code.in_(keys))).all())
    if by == "unit":
        return dict(conn.execute(select(t.units.c.id, t.units.c.name).where(t.units.c.id.in_(keys))).all())
    if by == "category":
        return dict(conn.execute(select(t.categories.c.code, t.categories.c.name).where(t.categories.c.code.in_(keys))).all())
    if by == "worker":
        return dict(conn.execute(select(t.users.c.id, t.users.c.display_name).where(t.users.c.id.in_(keys))).all())
    if by == "channel":
        return {str(ch): label for ch, label in CHANNEL_LABELS.items()}
    return {}


def _check_filters(conn: Connection, grid: str | None, unit: str | None) -> None:
    if grid is not None and conn.execute(select(t.grid_nodes.c.code).where(t.grid_nodes.c.code == grid)).first() is None:
        raise InvalidInput(f"unknown grid {grid!r}")
    if unit is not None and conn.execute(select(t.units.c.id).where(t.units.c.id == unit)).first() is None:
        raise InvalidInput(f"unknown unit {unit!r}")


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _link(ind: k.Indicator, lo: datetime, hi: datetime, params: dict[str, str], numerator: bool = False) -> str | None:
    """The case list behind a figure; None when the row and the indicator ask for different values of
    one filter (12345 figures in a row of another channel count no case)."""
    since, until = k.BASES[ind.basis]
    query = {**params}
    for name in ind.population + (ind.numerator_when if numerator else ()):
        param, value = k.CONDITIONS[name]
        if query.get(param, value) != value:
            return None
        query[param] = value
    query[since], query[until] = _iso(lo), _iso(hi)
    return CASES_URL + "?" + urlencode(query)


def _cell(ind, current, lo, hi, params) -> dict[str, Any]:
    value, n = current.get(ind.id, (None, 0)) if current else (None, 0)
    if value is None and ind.kind == "count":
        value = 0
    cell: dict[str, Any] = {"value": value, "n": n, "cases": _link(ind, lo, hi, params)}
    if ind.kind == "rate":
        cell["numerator_cases"] = _link(ind, lo, hi, params, numerator=True)
    if value is None:
        cell["note"] = "no data"
    return cell


def _compare(cell: dict, ind, before, lo, hi, params) -> dict[str, Any]:
    prior = _cell(ind, before, lo, hi, params)
    return {"value": prior["value"], **k.change(cell["value"], prior["value"]), "cases": prior["cases"]}


def kpi_table(conn: Connection, actor: Actor, *, start: date, end: date, by: str, tz: ZoneInfo | str,
              grid: str | None = None, unit: str | None = None) -> dict[str, Any]:  # fmt: skip
    """The body of `GET /api/v1/analytics/kpis`: {"rows": [...], "total": {...}, ...} over the cases the
    actor may see, dates inclusive in `tz`. Each row has `code`, `name` and per indicator id
    {"value", "n", "cases", "yoy", "mom"} (see docs/kpis.md). Raises InvalidInput for a reversed or
    over-long range, an unknown grouping, grid or unit."""
    tz = ZoneInfo(tz) if isinstance(tz, str) else tz
    k.check_range(start, end)
    k.check_grouping(by)
    _check_filters(conn, grid, unit)
    c = t.cases.c
    filters: list[Any] = []
    params: dict[str, Any] = {}
    if grid:
        filters.append(c.grid_code.like(grid + "%"))
        params["grid"] = grid
    if unit:
        filters.append(c.unit_id == unit)
        params["unit"] = unit
    lo, hi = local_start(start, tz), local_start(end + timedelta(days=1), tz)
    yoy_range = k.year_earlier(start, end)
    mom_range = k.previous_range(start, end)
    yoy_lo, yoy_hi = local_start(yoy_range[0], tz), local_start(yoy_range[1] + timedelta(days=1), tz)
    mom_lo, mom_hi = local_start(mom_range[0], tz), local_start(mom_range[1] + timedelta(days=1), tz)

    total_group = _group(conn, None, tz, lo)
    totals = [m.get("all", {}) for m in measure_many(conn, actor, [(lo, hi), (yoy_lo, yoy_hi), (mom_lo, mom_hi)], total_group, filters)]
    total: dict[str, Any] = {"code": None, "name": "合计"}
    for ind in k.REGISTRY:
        cell = _cell(ind, totals[0], lo, hi, params)
        cell["yoy"] = _compare(cell, ind, totals[1], yoy_lo, yoy_hi, params)
        cell["mom"] = _compare(cell, ind, totals[2], mom_lo, mom_hi, params)
        total[ind.id] = cell

    group = _group(conn, by, tz, lo)
    rows = _time_rows(conn, actor, start, end, by, tz, group, filters, params) if by in k.TIME_GROUPINGS else \
        _key_rows(conn, actor, by, group, filters, params, ((lo, hi), (yoy_lo, yoy_hi), (mom_lo, mom_hi)), grid)  # fmt: skip
    return {
        "from": start.isoformat(), "to": end.isoformat(), "by": by, "timezone": tz.key,
        "indicators": [{"id": i.id, "name": i.name_zh, "name_en": i.name_en, "kind": i.kind, "version": i.version} for i in k.REGISTRY],
        "rows": rows,
        "total": total,
    }  # fmt: skip


def _key_rows(conn, actor, by, group, filters, params, ranges, grid) -> list[dict[str, Any]]:
    data = measure_many(conn, actor, list(ranges), group, filters)
    keys = set(data[0]) | set(data[1]) | set(data[2])
    if by in k.GRID_LEVELS:  # every place of the level in view, with or without cases
        prefix = max(filter(None, (grid, actor.grid_code)), key=len, default="")
        nodes = conn.execute(select(t.grid_nodes.c.code).where(t.grid_nodes.c.level == by)).scalars()
        keys |= {code for code in nodes if code.startswith(prefix) or prefix.startswith(code)}
    names = _names(conn, by, sorted(keys))
    rows = []
    for key in sorted(keys):
        row_params = dict(params)
        if by in k.GRID_LEVELS:
            row_params["grid"] = max(key, params.get("grid", ""), key=len)
        elif by == "worker":
            row_params.update({"reporter": key, "channel": str(Channel.GRID_APP)})
        else:
            row_params[by] = key
        row: dict[str, Any] = {"code": key, "name": names.get(key, key)}
        for ind in k.REGISTRY:
            (lo, hi), (ylo, yhi), (mlo, mhi) = ranges
            cell = _cell(ind, data[0].get(key), lo, hi, row_params)
            cell["yoy"] = _compare(cell, ind, data[1].get(key), ylo, yhi, row_params)
            cell["mom"] = _compare(cell, ind, data[2].get(key), mlo, mhi, row_params)
            row[ind.id] = cell
        rows.append(row)
    return rows


def _shift_code(by: str, code: str, back: str) -> str:
    """The code of the period before (`mom`) or a year before (`yoy`) a time row's period."""
    if by == "month":
        y, m = map(int, code.split("-"))
        if back == "yoy":
            return f"{y - 1:04d}-{m:02d}"
        return f"{y - (m == 1):04d}-{12 if m == 1 else m - 1:02d}"
    day = date.fromisoformat(code)
    if by == "week":
        return (day - timedelta(days=364 if back == "yoy" else 7)).isoformat()
    return (k.year_earlier(day, day)[0] if back == "yoy" else day - timedelta(days=1)).isoformat()


def _period(by: str, code: str) -> tuple[date, date]:
    """First and last day of the whole period a time code names."""
    if by == "month":
        first = date.fromisoformat(code + "-01")
        return first, (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    first = date.fromisoformat(code)
    return first, first + timedelta(days=6 if by == "week" else 0)


def _time_rows(conn, actor, start, end, by, tz, group, filters, params) -> list[dict[str, Any]]:
    """Time rows, clipped to the range; 环比 is the whole previous day/week/month, 同比 the whole same
    period a year earlier."""
    periods = k.buckets(start, end, by)
    lo, hi = local_start(start, tz), local_start(end + timedelta(days=1), tz)
    first_mom = _period(by, _shift_code(by, periods[0][0], "mom"))[0]
    last_whole = _period(by, periods[-1][0])[1]
    before = measure(conn, actor, local_start(first_mom, tz), local_start(last_whole + timedelta(days=1), tz), group, filters)
    # whole periods at both ends: the rows are already in `before` (which adds the period ahead of them)
    aligned = periods[0][2] == _period(by, periods[0][0])[0] and periods[-1][3] == last_whole
    current = before if aligned else measure(conn, actor, lo, hi, group, filters)
    y_first = _period(by, _shift_code(by, periods[0][0], "yoy"))[0]
    y_last = _period(by, _shift_code(by, periods[-1][0], "yoy"))[1]
    year = measure(conn, actor, local_start(y_first, tz), local_start(y_last + timedelta(days=1), tz), group, filters)
    rows = []
    for code, name, first, last in periods:
        row: dict[str, Any] = {"code": code, "name": name, "first_day": first.isoformat(), "last_day": last.isoformat()}
        a, b = local_start(first, tz), local_start(last + timedelta(days=1), tz)
        prior = {}
        for back, source in (("yoy", year), ("mom", before)):
            pcode = _shift_code(by, code, back)
            p_first, p_last = _period(by, pcode)
            prior[back] = (source.get(pcode), local_start(p_first, tz), local_start(p_last + timedelta(days=1), tz))
        for ind in k.REGISTRY:
            cell = _cell(ind, current.get(code), a, b, params)
            for back in ("yoy", "mom"):
                values, pa, pb = prior[back]
                cell[back] = _compare(cell, ind, values, pa, pb, params)
            row[ind.id] = cell
        rows.append(row)
    return rows


def totals(conn: Connection, actor: Actor, lo: datetime, hi: datetime, ids: tuple[str, ...]) -> dict[str, Any]:
    """Values of some indicators over [lo, hi) without groups (the wall)."""
    chosen = [k.BY_ID[i] for i in ids]
    cells = measure(conn, actor, lo, hi, Group(None), [], chosen).get("all", {})
    return {i: cells.get(i, (0 if k.BY_ID[i].kind == "count" else None, 0))[0] for i in ids}
