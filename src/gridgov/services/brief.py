"""The morning brief (民生诉求每日早报): yesterday's (or any range's) residents' requests on a few pages, as
HTML and as PDF, per district, street or community, archived each working day.

What is promised:
- Every figure comes from the KPI registry (queries/kpis.kpi_table), the hot-spot test (queries/hotspots)
  or a plain case list, and in the HTML every figure links to the query that lists the cases behind it.
- The same data gives the same bytes: the brief is computed "as of" the start of its day (never the
  wall clock), rows are sorted on stable keys, and the PDF's dates are the brief's own date.
- Charts are SVG drawn here (a PDF renderer runs no JavaScript); the PDF embeds a subset of a CJK font
  (Debian's fonts-wqy-microhei, which dev.py installs; WeasyPrint subsets it to the glyphs used).
The brief of day D covers the calendar day before D in the district's time zone (it is read at 07:30 on D).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from importlib import resources
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, select

from gridgov.adapters import tables as t
from gridgov.domain.errors import InvalidInput
from gridgov.domain.privacy import redact_text
from gridgov.domain.roles import Actor
from gridgov.queries import hotspots as hq
from gridgov.queries.cases import scope_clause
from gridgov.queries.kpis import kpi_table

TREND_DAYS = 14
HEADLINE = ("received", "closed", "due", "closed_on_time", "closure_rate", "on_time_rate", "rework_rate",
            "accurate_dispatch_rate", "satisfaction_rate", "avg_handling_hours", "p90_handling_hours")  # fmt: skip
OPEN = ("reported", "accepted", "dispatched", "in_progress", "handled", "suspended")
NEAR_HOURS = 24  # "nearly overdue": due within a day of the brief's moment
LIST_LIMIT = 20


@dataclass(frozen=True)
class BriefScope:
    code: str | None  # None: the whole district
    name: str


def scope_for(conn: Connection, actor: Actor) -> BriefScope:
    """The district brief for district-wide center users; the brief of their street or community else."""
    if actor.grid_code is None:
        return BriefScope(None, "全区")
    name = conn.execute(select(t.grid_nodes.c.name).where(t.grid_nodes.c.code == actor.grid_code)).scalar()
    return BriefScope(actor.grid_code, name or actor.grid_code)


def _local(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tz).astimezone(UTC)


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _cases_url(**query: str) -> str:
    return "/api/v1/cases?" + urlencode({k: v for k, v in query.items() if v is not None})


def build(conn: Connection, actor: Actor, *, start: date, end: date, tz: str, title_day: date | None = None) -> dict[str, Any]:
    """Everything the brief shows for the cases reported / closed / due in [start, end] (inclusive), as of
    the start of the day after `end`. Raises InvalidInput for a reversed or over-long range."""
    zone = ZoneInfo(tz)
    if end < start:
        raise InvalidInput(f"the range is reversed: from {start} is after to {end}")
    scope = scope_for(conn, actor)
    grid = scope.code
    now = _local(end + timedelta(days=1), zone)
    lo = _local(start, zone)
    table = {by: kpi_table(conn, actor, start=start, end=end, by=by, tz=zone, grid=grid)
             for by in ("street", "community", "unit", "channel", "category")}  # fmt: skip
    trend_start = min(start, end - timedelta(days=TREND_DAYS - 1))
    trend = kpi_table(conn, actor, start=trend_start, end=end, by="day", tz=zone, grid=grid)
    total = table["community"]["total"]
    days = max(1, min(hq.MAX_DAYS, (end - start).days + 1))
    spots = hq.hotspots(conn, actor, now, days=7 if days < 7 else days)
    if grid:
        spots = [h for h in spots if h["grid_code"].startswith(grid)]
    return {
        "scope": {"code": grid, "name": scope.name},
        "day": (title_day or end + timedelta(days=1)).isoformat(),
        "from": start.isoformat(), "to": end.isoformat(), "as_of": _iso(now), "timezone": tz,
        "indicators": {i["id"]: i for i in table["community"]["indicators"]},
        "headline": [(i, total[i]) for i in HEADLINE],
        "by_channel": _ranked(table["channel"]["rows"], "received"),
        "by_category": _ranked(table["category"]["rows"], "received")[:10],
        "streets": _ranked(table["street"]["rows"], "on_time_rate"),
        "communities": _ranked(table["community"]["rows"], "on_time_rate"),
        "units": _ranked(table["unit"]["rows"], "on_time_rate")[:15],
        "trend": [{"day": r["code"], "received": r["received"]["value"] or 0, "closed": r["closed"]["value"] or 0}
                  for r in sorted(trend["rows"], key=lambda r: r["code"])],  # fmt: skip
        "overdue": _open_cases(conn, actor, grid, now, overdue=True),
        "due_soon": _open_cases(conn, actor, grid, now, overdue=False),
        "hotspots": spots,
        "repeats": hq.repeat_addresses(conn, actor, now, days=min(30, hq.MAX_DAYS), min_count=3, limit=10),
        "topics": hq.hot_topics(conn, actor, lo, now, top=8),
        "notable": _notable(conn, actor, grid, lo, now),
    }


def _ranked(rows: list[dict], key: str) -> list[dict]:
    """Rows with any case first, best `key` first (no data last), then by code: a stable order."""
    def order(r):
        v = r[key]["value"]
        return (v is None, -(v or 0), r["code"] or "")

    return sorted((r for r in rows if r["received"]["value"] or r["closed"]["value"] or r["due"]["value"]), key=order)


def _where(actor: Actor, grid: str | None) -> list:
    c = t.cases.c
    where = [c.status.in_(OPEN)]
    scope = scope_clause(actor)
    if scope is not None:
        where.append(scope)
    if grid:
        where.append(c.grid_code.like(grid + "%"))
    return where


def _open_cases(conn: Connection, actor: Actor, grid: str | None, now: datetime, *, overdue: bool) -> list[dict]:
    c = t.cases.c
    where = _where(actor, grid) + ([c.due_at < now] if overdue else [c.due_at >= now, c.due_at < now + timedelta(hours=NEAR_HOURS)])
    rows = conn.execute(select(c.id, c.description, c.grid_code, c.category, c.due_at, c.unit_id).where(*where)
                        .order_by(c.due_at, c.id).limit(LIST_LIMIT)).all()  # fmt: skip
    return [{"id": r.id, "text": redact_text(r.description)[:60], "grid_code": r.grid_code, "category": r.category,
             "unit_id": r.unit_id, "due_at": _iso(r.due_at), "hours": round((now - r.due_at).total_seconds() / 3600, 1),
             "url": f"/api/v1/cases/{r.id}"} for r in rows]  # fmt: skip


def _notable(conn: Connection, actor: Actor, grid: str | None, lo: datetime, hi: datetime) -> list[dict]:
    """Sensitive or most urgent (grade 1) cases reported in the range."""
    c = t.cases.c
    where = [c.reported_at >= lo, c.reported_at < hi, (c.sensitive.is_(True)) | (c.grade <= 1)]
    scope = scope_clause(actor)
    if scope is not None:
        where.append(scope)
    if grid:
        where.append(c.grid_code.like(grid + "%"))
    rows = conn.execute(select(c.id, c.description, c.grid_code, c.status, c.sensitive, c.grade).where(*where)
                        .order_by(c.reported_at, c.id).limit(LIST_LIMIT)).all()  # fmt: skip
    return [{"id": r.id, "text": redact_text(r.description)[:80], "grid_code": r.grid_code, "status": r.status,
             "sensitive": r.sensitive, "grade": r.grade, "url": f"/api/v1/cases/{r.id}"} for r in rows]  # fmt: skip


# ---------------------------------------------------------------- drawing


def trend_svg(points: list[dict], width: int = 640, height: int = 180) -> str:
    """Received and closed per day as two polylines with day ticks: plain SVG, no script, no style sheet."""
    pad_l, pad_b, pad_t = 36, 24, 12
    n = max(len(points), 1)
    top = max([1] + [max(p["received"], p["closed"]) for p in points])
    step = (width - pad_l - 8) / max(n - 1, 1)

    def xy(i: int, v: int) -> str:
        return f"{pad_l + i * step:.1f},{height - pad_b - (height - pad_b - pad_t) * v / top:.1f}"

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="trend">',
             f'<line x1="{pad_l}" y1="{height - pad_b}" x2="{width - 4}" y2="{height - pad_b}" stroke="#888" stroke-width="1"/>',
             f'<text x="{pad_l - 4}" y="{pad_t + 4}" font-size="10" text-anchor="end" fill="#444">{top}</text>',
             f'<text x="{pad_l - 4}" y="{height - pad_b}" font-size="10" text-anchor="end" fill="#444">0</text>']  # fmt: skip
    for key, colour in (("received", "#1f6feb"), ("closed", "#2da44e")):
        line = " ".join(xy(i, p[key]) for i, p in enumerate(points))
        parts.append(f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="2"/>')
    for i, p in enumerate(points):
        if i % 2 == 0 or i == n - 1:
            parts.append(f'<text x="{pad_l + i * step:.1f}" y="{height - 8}" font-size="9" text-anchor="middle" fill="#444">{p["day"][5:]}</text>')
    parts.append("</svg>")
    return "".join(parts)


def bar_svg(items: list[tuple[str, int]], width: int = 640, bar: int = 16) -> str:
    """Horizontal bars (label, count), longest first as given."""
    height = 8 + bar * len(items) + 4 * len(items)
    top = max([1] + [v for _, v in items])
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="bars">']
    for i, (label, v) in enumerate(items):
        y = 4 + i * (bar + 4)
        w = (width - 220) * v / top
        parts.append(f'<text x="150" y="{y + bar - 4}" font-size="11" text-anchor="end" fill="#222">{_xml(label[:14])}</text>')
        parts.append(f'<rect x="156" y="{y}" width="{w:.1f}" height="{bar}" fill="#1f6feb"/>')
        parts.append(f'<text x="{160 + w:.1f}" y="{y + bar - 4}" font-size="11" fill="#222">{v}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


# ---------------------------------------------------------------- HTML and PDF


def _environment():
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("gridgov.web", "templates/brief"), autoescape=select_autoescape(["html"]))
    env.filters["pct"] = lambda v: "—" if v is None else f"{100 * v:.1f}%"
    env.filters["num"] = lambda v: "—" if v is None else (f"{v:,}" if isinstance(v, int) else f"{v:,.1f}")
    env.filters["signed"] = lambda v, rate=False: "—" if v is None else (f"{100 * v:+.1f}pt" if rate else f"{v:+,.4g}")
    env.filters["change"] = lambda v: "—" if v is None else f"{100 * v:+.1f}%"
    return env


def css() -> str:
    return (resources.files("gridgov.web") / "static" / "brief" / "brief.css").read_text(encoding="utf-8")


def render_html(data: dict[str, Any], *, stylesheet: str | None = "/static/brief/brief.css") -> str:
    """The brief as one HTML page; styles come from the linked sheet (no inline style: the CSP forbids it)."""
    names = {row["code"]: row["name"] for row in data["communities"]}
    charts = {
        "trend": trend_svg(data["trend"]),
        "channels": bar_svg([(r["name"], r["received"]["value"] or 0) for r in data["by_channel"]]),
        "categories": bar_svg([(r["name"], r["received"]["value"] or 0) for r in data["by_category"]]),
    }
    return _environment().get_template("brief.html").render(d=data, charts=charts, names=names, stylesheet=stylesheet)


def render_pdf(data: dict[str, Any]) -> bytes:
    """PDF of the brief with WeasyPrint; its dates are the brief's day and its identifier a hash of its
    content, so the same data gives the same bytes. Links stay links (relative to the API's address)."""
    from weasyprint import CSS, HTML

    day = data["day"]
    html = render_html(data, stylesheet=None)
    stamp = f'<meta name="dcterms.created" content="{day}T07:30:00+08:00"><meta name="dcterms.modified" content="{day}T07:30:00+08:00">'
    html = html.replace("<head>", "<head>" + stamp, 1)
    digest = hashlib.sha256(html.encode("utf-8")).hexdigest()[:32].encode()
    document = HTML(string=html, base_url="http://gridgov.invalid/")
    return document.write_pdf(stylesheets=[CSS(string=css())], pdf_identifier=digest)


def brief_day_range(day: date) -> tuple[date, date]:
    """The brief of day D covers the day before."""
    return day - timedelta(days=1), day - timedelta(days=1)
