"""/api/v1/analytics/hotspots (and its H3 and repeat-address views): where residents report more than
usual, tested against each place's own history (domain/hotspots.py), within the caller's data scope."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from gridgov.api.authz import require
from gridgov.api.security import get_platform
from gridgov.domain.policy import Permission
from gridgov.domain.roles import Actor
from gridgov.queries import hotspots as q

router = APIRouter(prefix="/api/v1/analytics", tags=["analytics"])

RESPONSES = {
    401: {"description": "Not logged in (problem+json)"},
    403: {"description": "Only the governance center sees the statistics (problem+json)"},
    422: {"description": "days, resolution or min out of range (problem+json)"},
}
Days = Annotated[int, Query(ge=1, le=q.MAX_DAYS, description="The window: the last N days, tested against the 8 windows of N days before.")]


@router.get("/hotspots", responses=RESPONSES)
def hotspots(days: Days = 7, actor: Actor = Depends(require(Permission.VIEW_STATS)), platform=Depends(get_platform)) -> list[dict[str, Any]]:
    """Hot grid × category cells, most significant first: `count` in the window, `expected` from the
    cell's own baseline, `ratio`, `p_value` (exact Poisson or negative binomial), `q_value`
    (Benjamini–Hochberg), `sensitive` for surges of sensitive cases, the wall's `sentence` (zh, en),
    and the cases behind it (`cases`, a case-list query; `case_ids`)."""
    with platform.engine.connect() as conn:
        return q.hotspots(conn, actor, platform.clock.now(), days=days)


@router.get("/hotspots/cells", responses=RESPONSES)
def hotspot_cells(
    days: Days = 7,
    resolution: Annotated[int, Query(ge=7, le=10, description="H3 resolution (9: ~0.1 km² hexagons).")] = 9,
    actor: Actor = Depends(require(Permission.VIEW_STATS)),
    platform=Depends(get_platform),
) -> list[dict[str, Any]]:
    """The same test over H3 hexagons: hot spots that straddle grid borders."""
    with platform.engine.connect() as conn:
        return q.cell_hotspots(conn, actor, platform.clock.now(), days=days, resolution=resolution)


@router.get("/repeat-addresses", responses=RESPONSES)
def repeat_addresses(
    days: Days = 30,
    min_count: Annotated[int, Query(alias="min", ge=2, le=1000, description="Reports at one place, at least.")] = 3,
    actor: Actor = Depends(require(Permission.VIEW_STATS)),
    platform=Depends(get_platform),
) -> list[dict[str, Any]]:
    """Places reported again and again: the same address text, or points within 30 m of each other."""
    with platform.engine.connect() as conn:
        return q.repeat_addresses(conn, actor, platform.clock.now(), days=days, min_count=min_count)
