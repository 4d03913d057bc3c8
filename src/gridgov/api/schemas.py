"""Request and response bodies of the public API (pydantic); the shapes clients rely on."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from gridgov.api.types import Instant


class OnSpotIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    result: str = Field(..., min_length=1, max_length=5000, description="What you did.")
    photos: list[str] = Field(default_factory=list, max_length=9, description="Photos of the result (POST /api/v1/photos).")


class CaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str = Field(..., description="What is wrong, 1-5000 characters.")
    lat: float = Field(..., description="Latitude in the given crs.")
    lon: float = Field(..., description="Longitude in the given crs.")
    crs: str = Field("wgs84", description="wgs84 (default), gcj02 (Amap/Tencent/WeChat) or bd09 (Baidu).")
    address: str | None = Field(None, max_length=500)
    category: str | None = Field(None, max_length=64)
    channel: str | None = Field(
        None,
        max_length=32,
        description="Intake channel; default by role (resident_app, grid_app for grid workers, desk for the "
        "center). Which channels a role may name is policy (domain/policy.py): machine channels need their "
        "intake endpoint and an integration key.",
    )
    grade: int | None = Field(
        None, ge=1, le=4, description="1 most urgent ... 4 routine; default from the content. Staff only."
    )
    reporter_name: str | None = Field(None, max_length=64)
    reporter_phone: str | None = Field(None, max_length=32)
    photos: list[str] = Field(default_factory=list, max_length=9, description="Ids from POST /api/v1/photos.")
    on_spot: OnSpotIn | None = Field(
        None,
        description="Grid workers only (自行处置): handled there and then. The case skips dispatch and waits for "
        "verification, with you as its handler.",
    )


class CaseCreated(BaseModel):
    id: str
    status: str
    version: int
    grid_code: str | None = None


class ActionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int | None = Field(None, ge=1, description="The case version you saw (or send If-Match).")
    reason: str | None = Field(None, max_length=500)
    note: str | None = Field(None, max_length=500)
    unit_id: str | None = Field(None, max_length=64, description="dispatch: the unit that must act.")
    due_at: Instant | None = Field(None, description="dispatch: deadline; default from the grade.")
    time_limit_hours: float | None = Field(None, gt=0, le=8760, description="dispatch: calendar hours (prefer time_limit).")
    time_limit: str | None = Field(None, max_length=16, description="dispatch: 30m, 4h, 2d, 8wh or 3wd on the working calendar.")
    ladder: str | None = Field(None, max_length=64, description="dispatch: escalation ladder code (default: standard).")
    result: str | None = Field(None, description="handle: what was done.")
    photos: list[str] | None = Field(None, max_length=9, description="handle: photo ids.")
    passed: bool | None = Field(None, description="verify: false sends the case back for rework (返工).")
    score: int | None = Field(None, description="rate: 1-5.")
    comment: str | None = Field(None, max_length=500)
    requested_due: Instant | None = Field(None, description="request_extension: the new deadline asked for.")
    grade: int | None = Field(None, ge=1, le=4, description="accept: grade to set.")
    category: str | None = Field(None, max_length=64, description="accept: category to set.")


class MergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(..., ge=1)
    into: str | None = Field(None, max_length=32, description="The case this one repeats; null splits it out again.")


class TimelineEntryOut(BaseModel):
    at: datetime
    actor_id: str
    actor_role: str
    actor_name: str
    action: str
    from_status: str | None
    to_status: str
    reason: str | None
    data: dict[str, Any]


class CaseSummary(BaseModel):
    id: str
    status: str
    status_label: str
    version: int
    description: str
    address: str | None
    lon: float
    lat: float
    category: str | None
    grade: int
    channel: str
    grid_code: str | None
    unit_id: str | None
    reported_at: datetime
    due_at: datetime | None
    closed_at: datetime | None
    rating: int | None
    overdue: bool


class CaseOut(CaseSummary):
    reporter_name: str | None
    reporter_phone: str | None
    photos: list[str]
    result: str | None
    result_photos: list[str]
    rating_comment: str | None
    accepted_at: datetime | None
    dispatched_at: datetime | None
    handled_at: datetime | None
    rework_count: int
    return_count: int
    pending_extension: dict[str, Any] | None
    allowed_actions: list[str]
    triage_reason: str | None = None
    sensitive: bool = False
    report_count: int = 1
    timeline: list[TimelineEntryOut]


class CasePage(BaseModel):
    items: list[CaseSummary]
    next_cursor: str | None


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    user: dict[str, Any]


class UnitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(..., max_length=64)
    name: str = Field(..., max_length=128)
    kind: str = Field(..., description="department | social_entity")
    unit_type: str = Field(..., max_length=32, description="e.g. urban_management, property_company")
    grid_codes: list[str] = Field(default_factory=list, description="Jurisdiction: grid nodes covered.")
    phone: str | None = Field(None, max_length=32)


class UnitOut(BaseModel):
    id: str
    name: str
    kind: str
    unit_type: str
    grid_codes: list[str]
    phone: str | None
    active: bool


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(..., max_length=64)
    password: str = Field(..., max_length=256)
    role: str
    display_name: str = Field("", max_length=64)
    unit_id: str | None = Field(None, max_length=64)
    grid_code: str | None = Field(None, max_length=32)
    phone: str | None = Field(None, max_length=32)


class UserOut(BaseModel):
    id: str
    username: str
    display_name: str
    role: str
    role_label: str
    unit_id: str | None
    grid_code: str | None
    phone: str | None
    active: bool = True  # false: disabled by an admin, cannot log in
    permissions: list[str] = Field(
        default_factory=list, description="What this account may do (domain/policy.py), for showing and hiding screens."
    )


class GridOut(BaseModel):
    code: str
    name: str
    level: str
    parent_code: str | None


class PhotoOut(BaseModel):
    id: str
    content_type: str
    size: int
    width: int
    height: int
    url: str
