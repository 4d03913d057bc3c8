"""/api/v1/routing/aliases: how the district's history names its units and categories, mapped onto the
directory and the category table (services/routing.py). Only who edits triage data may read or change it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from starlette.concurrency import run_in_threadpool

from gridgov.api.authz import require
from gridgov.api.security import get_platform
from gridgov.domain.policy import Permission
from gridgov.domain.roles import Actor
from gridgov.services import routing

router = APIRouter(prefix="/api/v1/routing", tags=["routing"])
ERRORS = {401: {"description": "Not logged in"}, 403: {"description": "Forbidden"}, 422: {"description": "Invalid"}}

Alias = Annotated[str, StringConstraints(min_length=1, max_length=128)]
Target = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Table = Annotated[dict[Alias, Target], Field(max_length=routing.MAX_ALIASES)]


class AliasesIn(BaseModel):
    """Each kind given replaces that kind's table whole; a kind left out stays as it is."""

    model_config = ConfigDict(extra="forbid")

    unit: Table | None = Field(None, description="history's unit name -> unit id of the directory")
    category: Table | None = Field(None, description="history's category name -> code of the category table")


@router.get("/aliases", responses=ERRORS)
def list_aliases(
    actor: Actor = Depends(require(Permission.EDIT_TRIAGE_DATA)),
    platform=Depends(get_platform),
    kind: Annotated[str | None, Query(pattern="^(unit|category)$")] = None,
) -> dict[str, dict[str, str]]:
    return routing.list_aliases(platform.engine, kind)


@router.put("/aliases", responses=ERRORS)
async def put_aliases(
    body: AliasesIn, actor: Actor = Depends(require(Permission.EDIT_TRIAGE_DATA)), platform=Depends(get_platform)
) -> dict[str, Any]:
    """Replace the alias tables given; refused whole (every problem listed) when a target is unknown."""
    tables = {k: v for k, v in body.model_dump().items() if v is not None}
    written = await run_in_threadpool(routing.put_aliases, platform.engine, actor, tables, platform.clock.now())
    return {"replaced": written, "aliases": routing.list_aliases(platform.engine)}
