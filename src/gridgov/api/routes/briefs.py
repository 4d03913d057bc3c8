"""/api/v1/briefs/{YYYY-MM-DD}.pdf and .html: the morning brief of a day (it covers the day before), and
/api/v1/briefs?from=…&to=… for any range. The district brief for district-wide center users, the brief of
their street or community for the others (services/brief.py)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response

from gridgov.api.authz import require
from gridgov.api.security import get_platform
from gridgov.domain.errors import InvalidInput
from gridgov.domain.policy import Permission
from gridgov.domain.roles import Actor
from gridgov.services import brief

router = APIRouter(prefix="/api/v1/briefs", tags=["analytics"])

RESPONSES = {
    401: {"description": "Not logged in (problem+json)"},
    403: {"description": "Only the governance center sees the brief (problem+json)"},
    422: {"description": "Not a date (YYYY-MM-DD), a reversed or over-long range (problem+json)"},
}
MAX_RANGE_DAYS = 366
MEDIA = {"pdf": "application/pdf", "html": "text/html; charset=utf-8"}


def _day(text: str) -> date:
    try:
        if len(text) != 10:
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{text[:20]!r} is not a date; write YYYY-MM-DD") from None


def _answer(platform, actor: Actor, start: date, end: date, fmt: str, title_day: date | None = None) -> Response:
    if end < start:
        raise InvalidInput(f"the range is reversed: from {start} is after to {end}")
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise InvalidInput(f"a brief covers at most {MAX_RANGE_DAYS} days")
    if not (date(2000, 1, 1) <= start and end <= date(2100, 1, 1)):
        raise InvalidInput("dates must lie between 2000 and 2100")
    with platform.engine.connect() as conn:
        data = brief.build(conn, actor, start=start, end=end, tz=platform.settings.timezone, title_day=title_day)
    body = brief.render_pdf(data) if fmt == "pdf" else brief.render_html(data).encode("utf-8")
    name = f"brief-{data['day']}-{data['scope']['code'] or 'district'}.{fmt}"
    disposition = "attachment" if fmt == "pdf" else "inline"
    return Response(body, media_type=MEDIA[fmt], headers={"Content-Disposition": f'{disposition}; filename="{name}"'})


@router.get("/{day}.pdf", responses=RESPONSES, response_class=Response)
def brief_pdf(day: str, actor: Actor = Depends(require(Permission.VIEW_STATS)), platform=Depends(get_platform)) -> Response:
    """The brief of `day` (covering the day before) as PDF with an embedded CJK font subset."""
    d = _day(day)
    return _answer(platform, actor, d - timedelta(days=1), d - timedelta(days=1), "pdf", d)


@router.get("/{day}.html", responses=RESPONSES, response_class=Response)
def brief_html(day: str, actor: Actor = Depends(require(Permission.VIEW_STATS)), platform=Depends(get_platform)) -> Response:
    """The brief of `day` as HTML: every figure links to the case list behind it."""
    d = _day(day)
    return _answer(platform, actor, d - timedelta(days=1), d - timedelta(days=1), "html", d)


@router.get("", responses=RESPONSES, response_class=Response)
def brief_range(
    start: Annotated[date, Query(alias="from", description="First day, inclusive (YYYY-MM-DD).")],
    end: Annotated[date, Query(alias="to", description="Last day, inclusive.")],
    format: Annotated[Literal["html", "pdf"], Query()] = "html",
    actor: Actor = Depends(require(Permission.VIEW_STATS)),
    platform=Depends(get_platform),
) -> Response:
    """A brief on demand over any range (at most a year)."""
    return _answer(platform, actor, start, end, format)
