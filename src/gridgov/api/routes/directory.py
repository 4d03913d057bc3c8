"""/api/v1/units, /users, /grids, /photos: what a dispatcher picks from, and the admin's directory."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, File, Path, Query, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from gridgov.api.authz import require
from gridgov.api.problems import ApiProblem
from gridgov.api.routes.auth import user_out
from gridgov.api.schemas import GridOut, PhotoOut, UnitIn, UnitOut, UserIn, UserOut
from gridgov.api.security import current_actor, get_platform
from gridgov.domain import geo
from gridgov.domain.commands import CreateUnit, CreateUser, ImportGrids, StorePhoto
from gridgov.domain.documents import MAX_PHOTO_BYTES
from gridgov.domain.policy import Permission
from gridgov.domain.privacy import mask_phone
from gridgov.domain.roles import Actor, Role
from gridgov.services import accounts
from gridgov.services.grid_index import rows_to_feature_collection, tree_to_rows

router = APIRouter(prefix="/api/v1", tags=["directory"])
ERRORS = {401: {"description": "Not logged in"}, 403: {"description": "Forbidden"}, 422: {"description": "Invalid"}}


@router.get("/units", response_model=list[UnitOut], responses=ERRORS)
def list_units(
    actor: Actor = Depends(current_actor),
    platform=Depends(get_platform),
    kind: Annotated[str | None, Query(max_length=16)] = None,
):
    with platform.uow() as uow:
        units = uow.units.list()
    return [vars(u) for u in units if kind is None or u.kind == kind]


@router.get("/units/{unit_id}", responses=ERRORS | {404: {"description": "No such unit"}})
def get_unit(unit_id: str, actor: Actor = Depends(current_actor), platform=Depends(get_platform)) -> dict[str, Any]:
    """A unit with its members (who can be notified and who may act for it); phones masked."""
    with platform.uow() as uow:
        unit = uow.units.get(unit_id)
        members = uow.users.members_of(unit_id) if unit else []
    if unit is None:
        raise ApiProblem(404, "Not found", f"no unit {unit_id}")
    return {
        **vars(unit),
        "members": [
            {"id": m.id, "display_name": m.display_name, "role": str(m.role), "phone": mask_phone(m.phone)}
            for m in members
        ],
    }


@router.post("/units", response_model=UnitOut, status_code=201, responses=ERRORS | {409: {"description": "Exists"}})
def create_unit(body: UnitIn, actor: Actor = Depends(require(Permission.MANAGE_DIRECTORY)), platform=Depends(get_platform)):
    unit = platform.bus.handle(
        CreateUnit(
            actor=actor,
            unit_id=body.id,
            name=body.name,
            kind=body.kind,
            unit_type=body.unit_type,
            grid_codes=tuple(body.grid_codes),
            phone=body.phone,
        )
    )
    return vars(unit)


@router.get("/users", response_model=list[UserOut], responses=ERRORS)
def list_users(actor: Actor = Depends(require(Permission.MANAGE_DIRECTORY)), platform=Depends(get_platform)):
    with platform.uow() as uow:
        users = uow.users.list()
    return [{**user_out(u), "phone": mask_phone(u.phone)} for u in users]


@router.post("/users", response_model=UserOut, status_code=201, responses=ERRORS | {409: {"description": "Exists"}})
def create_user(body: UserIn, actor: Actor = Depends(require(Permission.MANAGE_DIRECTORY)), platform=Depends(get_platform)):
    try:
        role = Role(body.role)
    except ValueError:
        raise ApiProblem(422, "Invalid input", f"unknown role {body.role!r}") from None
    user = platform.bus.handle(
        CreateUser(
            actor=actor,
            username=body.username,
            password=body.password,
            role=role,
            display_name=body.display_name,
            unit_id=body.unit_id,
            grid_code=body.grid_code,
            phone=body.phone,
        )
    )
    return user_out(user)


class UserPatch(BaseModel):
    """Fields an admin may change; those left out stay as they are."""

    model_config = ConfigDict(extra="forbid")

    active: bool | None = Field(None, description="false disables the account and ends all its tokens at once.")
    role: str | None = Field(None, max_length=16)
    display_name: str | None = Field(None, min_length=1, max_length=64)
    unit_id: str | None = Field(None, max_length=64, description="An empty string removes the unit.")
    grid_code: str | None = Field(None, max_length=32, description="An empty string removes the grid.")


@router.patch(
    "/users/{user_id}",
    response_model=UserOut,
    responses=ERRORS | {404: {"description": "No such user"}, 409: {"description": "Your own account"}},
)
def update_user(
    user_id: Annotated[str, Path(max_length=64)],
    body: UserPatch,
    actor: Actor = Depends(require(Permission.MANAGE_DIRECTORY)),
    platform=Depends(get_platform),
):
    """Change an account: disable or enable it, its role, unit, grid or display name. Disabling ends
    every token of the account on every API process (its next request gets 401) and it cannot log
    in (the same 401 as a wrong password). You cannot disable your own account or change your role."""
    changes = body.model_dump(exclude_unset=True)
    if any(changes.get(k) is None for k in ("active", "role", "display_name") if k in changes):
        raise ApiProblem(422, "Invalid input", "active, role and display_name cannot be null")
    with platform.uow() as uow:
        user = accounts.update_user(
            uow, actor=actor, user_id=user_id, changes=changes, grids=platform.grids, now=platform.clock.now()
        )
    return {**user_out(user), "phone": mask_phone(user.phone)}


@router.get("/grids", response_model=list[GridOut], responses=ERRORS)
def list_grids(
    actor: Actor = Depends(current_actor),
    platform=Depends(get_platform),
    level: Annotated[str | None, Query(max_length=16)] = None,
    under: Annotated[str | None, Query(max_length=32, description="Only this code's subtree.")] = None,
):
    tree = platform.grids.tree
    if tree is None:
        return []
    return [
        {"code": n.code, "name": n.name, "level": str(n.level), "parent_code": n.parent_code}
        for n in tree
        if (level is None or str(n.level) == level) and (under is None or n.code.startswith(under))
    ]


@router.get("/grids/geojson", responses=ERRORS)
def export_grids(actor: Actor = Depends(current_actor), platform=Depends(get_platform)) -> dict[str, Any]:
    """The whole grid tree as a GeoJSON FeatureCollection (the format `POST /grids/import` takes)."""
    tree = platform.grids.tree
    return rows_to_feature_collection(tree_to_rows(tree) if tree else [])


@router.post("/grids/import", responses=ERRORS)
def import_grids(
    feature_collection: Annotated[dict[str, Any], Body(...)],
    actor: Actor = Depends(require(Permission.MANAGE_DIRECTORY)),
    platform=Depends(get_platform),
) -> dict[str, Any]:
    """Replace the grid tree. The file is validated as a whole: every problem is listed with its feature
    id, and nothing is written unless all features are sound."""
    count = platform.bus.handle(ImportGrids(actor=actor, feature_collection=feature_collection))
    return {"imported": count}


@router.get("/grids/locate", responses=ERRORS | {404: {"description": "Outside every grid"}})
def locate(
    lon: float,
    lat: float,
    crs: str = "wgs84",
    actor: Actor = Depends(current_actor),
    platform=Depends(get_platform),
) -> dict[str, Any]:
    try:
        wlon, wlat = geo.to_wgs84(lon, lat, crs)
    except (geo.InvalidCoordinates, geo.UnsupportedCrs) as exc:
        raise ApiProblem(422, "Invalid input", str(exc)) from None
    node = platform.grids.locate(wlon, wlat)
    if node is None:
        raise ApiProblem(404, "Not found", "the point lies outside every grid")
    tree = platform.grids.tree
    chain = [*tree.ancestors(node.code), node]
    return {
        "code": node.code,
        "name": node.name,
        "level": str(node.level),
        "lon": wlon,
        "lat": wlat,
        "path": [{"code": n.code, "name": n.name, "level": str(n.level)} for n in chain],
    }


@router.post("/photos", response_model=PhotoOut, status_code=201, responses=ERRORS | {413: {"description": "Too large"}})
async def upload_photo(
    file: Annotated[UploadFile, File(description="JPEG, PNG or WebP, at most 10 MB")],
    actor: Actor = Depends(current_actor),
    platform=Depends(get_platform),
):
    content = await file.read(MAX_PHOTO_BYTES + 1)
    if len(content) > MAX_PHOTO_BYTES:
        raise ApiProblem(413, "Photo too large", f"at most {MAX_PHOTO_BYTES} bytes are accepted")
    from starlette.concurrency import run_in_threadpool

    row = await run_in_threadpool(platform.bus.handle, StorePhoto(actor=actor, content=content))
    return {**{k: row[k] for k in ("id", "content_type", "size", "width", "height")}, "url": f"/api/v1/photos/{row['id']}"}


@router.get("/photos/{photo_id}", responses=ERRORS | {404: {"description": "No such photo that you may see"}})
def get_photo(photo_id: str, actor: Actor = Depends(current_actor), platform=Depends(get_platform)):
    from gridgov.queries.photos import photo_visible

    with platform.engine.connect() as conn:
        visible = photo_visible(conn, actor, photo_id)
    with platform.uow() as uow:
        meta = uow.photos.get(photo_id) if visible else None
    content = platform.photos.read(photo_id, meta["content_type"]) if meta else None  # the store every process shares
    if content is None:
        raise ApiProblem(404, "Not found", f"no photo {photo_id}")
    return Response(content, media_type=meta["content_type"], headers={"Cache-Control": "private, max-age=86400"})
