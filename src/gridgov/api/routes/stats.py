"""/api/v1/stats/overview: the numbers on the command-center wall (see domain/kpis.py for definitions)."""

from __future__ import annotations

import threading
import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from gridgov.api.authz import require
from gridgov.api.security import get_platform
from gridgov.domain.policy import Permission
from gridgov.domain.roles import Actor
from gridgov.queries import stats

router = APIRouter(prefix="/api/v1/stats", tags=["stats"])
# Every wall refreshes after each case event; one computation serves them all until the next event
# committed here (forget) or, for events committed by other processes, for at most FRESH_SECONDS.
FRESH_SECONDS = 2.0
_recent: dict[tuple, tuple[float, dict[str, Any]]] = {}
_lock = threading.Lock()


def forget(_events=None) -> None:
    """After-commit listener: the numbers changed."""
    with _lock:
        _recent.clear()


@router.get("/overview", responses={401: {"description": "Not logged in"}, 403: {"description": "Forbidden"}})
def overview(
    actor: Actor = Depends(require(Permission.VIEW_STATS)),
    platform=Depends(get_platform),
    window_days: Annotated[int, Query(ge=1, le=366)] = 30,
) -> dict[str, Any]:
    """Today's received and closed, open and overdue, 结案率, 按期结案率, 满意率, average handling time (the
    KPI registry's definitions, docs/kpis.md),
    the top categories, a 14-day trend, open/overdue per grid code, the overdue and sensitive lists;
    all within the caller's grid scope. One answer serves every wall until the next case event."""
    # district-wide center users share one answer; a user with a grid limit also sees their own reports
    key = (id(platform), window_days, "all" if actor.grid_code is None else actor.user_id)
    with _lock:
        hit = _recent.get(key)
        if hit and time.monotonic() - hit[0] < FRESH_SECONDS:
            return hit[1]
        with platform.engine.connect() as conn:
            result = stats.overview(conn, actor, platform.clock.now(), window_days=window_days, tz=platform.settings.timezone)
        if len(_recent) > 256:
            _recent.clear()
        _recent[key] = (time.monotonic(), result)
        return result
