"""/api/v1/stats/overview: the numbers on the command-center wall (see domain/kpis.py for definitions)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from gridgov.api.security import get_platform, require_roles
from gridgov.domain.roles import Actor, Role
from gridgov.queries import stats

router = APIRouter(prefix="/api/v1/stats", tags=["stats"])
CENTER = (Role.DISPATCHER, Role.SUPERVISOR, Role.LEADER, Role.ADMIN)


@router.get("/overview", responses={401: {"description": "Not logged in"}, 403: {"description": "Forbidden"}})
def overview(
    actor: Actor = Depends(require_roles(*CENTER)),
    platform=Depends(get_platform),
    window_days: Annotated[int, Query(ge=1, le=366)] = 30,
) -> dict[str, Any]:
    """Today's received and closed, open and overdue, 办结率, 按期结案率, 满意率, average handling time,
    the top categories, a 14-day trend, open/overdue per grid code, the overdue and sensitive lists;
    all within the caller's grid scope."""
    with platform.engine.connect() as conn:
        return stats.overview(conn, actor, platform.clock.now(), window_days=window_days)
