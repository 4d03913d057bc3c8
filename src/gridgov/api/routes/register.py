"""/api/v1/register: the register (人房企) of residents, placed in grids, buildings and houses.

Imports answer in the one report shape of every import (domain/imports.py); searches mask personal
numbers by role and audit every clear read, as case details do.
"""

from __future__ import annotations

from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool

from gridgov.api.authz import require
from gridgov.api.problems import ApiProblem
from gridgov.api.security import get_platform
from gridgov.channels.hotline import read_table
from gridgov.domain.policy import Permission
from gridgov.domain.roles import Actor
from gridgov.queries.register import resident_detail, search_organisations, search_residents
from gridgov.services import register
from gridgov.services.ids import new_id

router = APIRouter(prefix="/api/v1/register", tags=["register"])
ERRORS = {
    401: {"description": "Not logged in"},
    403: {"description": "Forbidden"},
    404: {"description": "Not found"},
    413: {"description": "Too large"},
    415: {"description": "Not a CSV or XLSX file"},
    422: {"description": "Invalid"},
}
MAX_FILE = 20 * 1024 * 1024
# Birth dates on ID cards are dates in Beijing time, whatever the district's own zone.
_ID_ZONE = ZoneInfo("Asia/Shanghai")
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _one_import_at_a_time(run):
    """Two imports naming the same person (or credit code) at the same moment: the second's insert meets
    the first's unique key; it is refused whole with 409, and sending the file again reports those rows as
    imported before."""

    def guarded() -> dict[str, Any]:
        try:
            return run()
        except IntegrityError:
            raise ApiProblem(409, "Conflict", "another import registered some of these rows meanwhile; send the file again") from None

    return guarded


async def _file(request: Request) -> tuple[bytes, str]:
    """The uploaded file and a name telling its format: a multipart form's `file`, or the body itself
    (Content-Type text/csv or the XLSX type)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "multipart/form-data":
        form = await request.form(max_files=1, max_fields=10)
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise ApiProblem(422, "Invalid input", "the form has no file field named 'file'")
        content = await upload.read(MAX_FILE + 1)
        name = upload.filename or "upload.csv"
    elif kind in ("text/csv", "text/plain", _XLSX, "application/octet-stream"):
        content = await request.body()
        name = "upload.xlsx" if kind == _XLSX or content[:2] == b"PK" else "upload.csv"
    else:
        raise ApiProblem(415, "Unsupported media type", f"send CSV (text/csv) or XLSX ({_XLSX}), not {kind or 'nothing'}")
    if len(content) > MAX_FILE:
        raise ApiProblem(413, "File too large", f"at most {MAX_FILE} bytes")
    return content, name


@router.post("/residents/import", responses=ERRORS)
async def import_residents(
    request: Request,
    actor: Actor = Depends(require(Permission.EDIT_REGISTER)),
    platform=Depends(get_platform),
) -> dict[str, Any]:
    """Register the residents of a CSV (UTF-8/GBK) or XLSX file with the columns 姓名, 身份证号, 网格
    (code or name) and optionally 手机号, 楼栋, 房号, 人口类型 (常住/流动), 人户分离 (是/否), 户号, 与户主关系.
    Every good row is imported; each bad row is listed with its line and reason; a person registered
    before is listed under `already_imported`."""
    content, name = await _file(request)

    @_one_import_at_a_time
    def run() -> dict[str, Any]:
        rows = read_table(content, name)
        now = platform.clock.now()
        with platform.uow() as uow:
            report = register.import_residents(
                uow, rows, actor=actor, grids=platform.grids, vault=platform.pii,
                today=now.astimezone(_ID_ZONE).date(), now=now, new_id=new_id,
            )  # fmt: skip
        return report.as_dict()

    return await run_in_threadpool(run)


@router.get("/residents", responses=ERRORS)
def list_residents(
    actor: Actor = Depends(require(Permission.VIEW_REGISTER)),
    platform=Depends(get_platform),
    q: Annotated[str | None, Query(max_length=64, description="ID number, phone, part of a name, or a household number")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=26)] = None,
) -> dict[str, Any]:
    """Residents of your area matching `q`. ID numbers and phones are masked unless your role reads them
    in clear; each clear read is written to the audit log."""
    with platform.engine.connect() as conn:
        body, revealed = search_residents(conn, actor, q=q, vault=platform.pii, limit=limit, cursor=cursor)
    _audit(platform, actor, revealed, "register search")
    return body


@router.get("/residents/{resident_id}", responses=ERRORS)
def get_resident(
    resident_id: Annotated[str, Path(max_length=26)],
    actor: Actor = Depends(require(Permission.VIEW_REGISTER)),
    platform=Depends(get_platform),
) -> dict[str, Any]:
    """One resident of your area with the history of the record."""
    with platform.engine.connect() as conn:
        found = resident_detail(conn, actor, resident_id, vault=platform.pii)
    if found is None:
        raise ApiProblem(404, "Not found", f"no resident {resident_id} in your area")
    body, shown = found
    _audit(platform, actor, {resident_id: shown} if shown else {}, "register record")
    return body


class MoveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    grid: str = Field(min_length=1, max_length=64, description="code of the grid the resident now lives in")
    building: str | None = Field(None, min_length=1, max_length=64)
    room: str | None = Field(None, min_length=1, max_length=64)
    version: int = Field(ge=1, le=2**31, description="the version you saw")


@router.post("/residents/{resident_id}/move", responses=ERRORS)
def move_resident(
    resident_id: Annotated[str, Path(max_length=26)],
    body: MoveIn,
    actor: Actor = Depends(require(Permission.EDIT_REGISTER)),
    platform=Depends(get_platform),
) -> dict[str, Any]:
    """Move a resident of your area to another grid (and building and room); the history keeps both."""
    with platform.uow() as uow:
        return register.move_resident(
            uow, resident_id, actor=actor, grid=body.grid, building=body.building, room=body.room,
            version=body.version, grids=platform.grids, now=platform.clock.now(), new_id=new_id,
        )  # fmt: skip


class ChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int = Field(ge=1, le=2**31, description="the version you saw")
    name: str | None = Field(None, max_length=64)
    phone: str | None = Field(None, max_length=32, description="empty string: no phone")
    residence: str | None = Field(None, max_length=16, description="permanent or floating")
    separated: bool | None = None
    household_no: str | None = Field(None, max_length=32)
    relation: str | None = Field(None, max_length=16)


@router.patch("/residents/{resident_id}", responses=ERRORS)
def change_resident(
    resident_id: Annotated[str, Path(max_length=26)],
    body: ChangeIn,
    actor: Actor = Depends(require(Permission.EDIT_REGISTER)),
    platform=Depends(get_platform),
) -> dict[str, Any]:
    """Correct a resident's record (the fields sent); the history names the fields, not their values."""
    changes = body.model_dump(exclude_unset=True)
    version = changes.pop("version")
    with platform.uow() as uow:
        return register.change_resident(uow, resident_id, changes, actor=actor, version=version, vault=platform.pii,
                                        now=platform.clock.now())  # fmt: skip


@router.post("/organisations/import", responses=ERRORS)
async def import_organisations(
    request: Request,
    actor: Actor = Depends(require(Permission.EDIT_REGISTER)),
    platform=Depends(get_platform),
) -> dict[str, Any]:
    """Register the organisations and merchants (实有单位) of a CSV or XLSX file with the columns 单位名称,
    统一社会信用代码, 网格 and optionally 楼栋, 地址, 联系人, 联系电话; the same report as every import."""
    content, name = await _file(request)

    @_one_import_at_a_time
    def run() -> dict[str, Any]:
        rows = read_table(content, name)
        with platform.uow() as uow:
            report = register.import_organisations(
                uow, rows, actor=actor, grids=platform.grids, vault=platform.pii, now=platform.clock.now(), new_id=new_id
            )
        return report.as_dict()

    return await run_in_threadpool(run)


@router.get("/organisations", responses=ERRORS)
def list_organisations(
    actor: Actor = Depends(require(Permission.VIEW_REGISTER)),
    platform=Depends(get_platform),
    q: Annotated[str | None, Query(max_length=128, description="credit code, contact phone or part of the name")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=26)] = None,
) -> dict[str, Any]:
    """Organisations and merchants of your area matching `q`; contact phones masked by role."""
    with platform.engine.connect() as conn:
        body, revealed = search_organisations(conn, actor, q=q, vault=platform.pii, limit=limit, cursor=cursor)
    _audit(platform, actor, revealed, "register search", subject_type="organisation")
    return body


def _audit(platform, actor: Actor, revealed: dict[str, list[str]], purpose: str, *, subject_type: str = "resident") -> None:
    if not revealed:
        return
    with platform.uow() as uow:
        for subject_id, fields in revealed.items():
            uow.audit.record(
                at=platform.clock.now(), user_id=actor.user_id, role=str(actor.role), action="read_pii",
                subject_type=subject_type, subject_id=subject_id, fields=fields, purpose=purpose,
            )  # fmt: skip
        uow.commit()
