"""/api/v1/devices and /api/v1/intake/{camera,alarm,sos}: the machine channels.

Intake endpoints take an integration key limited to the channel (`X-Api-Key`, created by an admin at
/api/v1/admin/api-keys) or a dispatcher's or admin's bearer token; devices have no login of their own.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Response

from gridgov.api.authz import require
from gridgov.api.problems import ApiProblem
from gridgov.api.security import get_platform, intake_actor
from gridgov.channels import devices as parse
from gridgov.domain.commands import ReportCase, StorePhoto
from gridgov.domain.policy import Permission
from gridgov.domain.privacy import mask_name, mask_phone
from gridgov.domain.roles import Actor
from gridgov.services.telemetry import shipped_profiles

router = APIRouter(prefix="/api/v1", tags=["intake"])
ERRORS = {401: {"description": "Not logged in"}, 403: {"description": "Forbidden"}, 404: {"description": "Unknown device"}, 422: {"description": "Invalid"}}


@router.put("/devices/{device_id}", responses=ERRORS)
def put_device(
    device_id: Annotated[str, Path(min_length=1, max_length=64)],
    body: Annotated[dict[str, Any], Body(...)],
    actor: Actor = Depends(require(Permission.MANAGE_INTEGRATIONS)),
    platform=Depends(get_platform),
) -> dict[str, Any]:
    """Register or update a camera, sensor or SOS button with its place (WGS84)."""
    data = parse.check_device({**body, "id": device_id})
    node = platform.grids.locate(data["lon"], data["lat"])
    if platform.grids.loaded and node is None:
        raise ApiProblem(422, "Invalid input", "the device lies outside every grid of this district")
    row = {"id": device_id, "kind": data["kind"], "name": data["name"].strip(), "lon": float(data["lon"]), "lat": float(data["lat"]),
           "grid_code": node.code if node else None, "person": data.get("person"), "active": bool(data.get("active", True)),
           "profile": _profile(data)}  # fmt: skip
    with platform.uow() as uow:
        uow.devices.put(row)
        uow.commit()
    return row


def _profile(data: dict[str, Any]) -> str | None:
    """A sensor's device profile (issue 16): one of the shipped profiles, whose rules its readings step."""
    name = data.get("profile")
    if name is None:
        return None
    profiles = shipped_profiles()
    if data["kind"] != "sensor" or name not in profiles:
        raise ApiProblem(422, "Invalid input", f"profile is for sensors, one of: {', '.join(profiles)}")
    return name


@router.get("/devices", responses=ERRORS)
def list_devices(actor: Actor = Depends(require(Permission.VIEW_DEVICES)), platform=Depends(get_platform)) -> list[dict[str, Any]]:
    """Registered devices; care persons' names and phones masked (the SOS case shows them to whom it may)."""
    with platform.uow() as uow:
        rows = uow.devices.list()
    for row in rows:
        if row.get("person"):
            p = row["person"]
            row["person"] = {"name": mask_name(p.get("name")), "phone": mask_phone(p.get("phone")),
                             "contacts": len(p.get("contacts") or [])}  # fmt: skip
    return rows


def _intake(platform, actor: Actor, intake: parse.Intake, response: Response) -> dict[str, Any]:
    photos: tuple[str, ...] = ()
    if intake.snapshot is not None:
        photos = (platform.bus.handle(StorePhoto(actor=actor, content=intake.snapshot))["id"],)
    result = platform.bus.handle(
        ReportCase(
            actor=actor, description=intake.description, lon=intake.lon, lat=intake.lat, channel=intake.channel,
            category=intake.category, source_ref=intake.source_ref, severity=intake.severity, scene=intake.scene,
            reporter_name=intake.reporter_name, reporter_phone=intake.reporter_phone, address=intake.address, photos=photos,
        )
    )  # fmt: skip
    response.status_code = result.status_code
    return result.body


def _scenes(platform):
    """The category table, which files each scene type and sensor metric (its `scenes` column)."""
    with platform.uow() as uow:
        return uow.categories.table()


def _devices(platform):
    class Lookup:
        def get(self, device_id):
            with platform.uow() as uow:
                return uow.devices.get(device_id)

    return Lookup()


@router.post("/intake/camera", status_code=201, responses=ERRORS)
def camera_alert(body: Annotated[Any, Body(...)], response: Response, actor: Actor = Depends(intake_actor("camera")), platform=Depends(get_platform)) -> dict[str, Any]:
    """An AI camera alert {camera_id, event_type, captured_at, snapshot?}; `snapshot` is the capture as
    base64 (or a data URL) and becomes the case's photo. Repeated captures of the same scene within two
    hours join the open case, adding their snapshot (201 new case, 200 joined)."""
    return _intake(platform, actor, parse.parse_camera(body, _devices(platform), _scenes(platform)), response)


@router.post("/intake/alarm", status_code=201, responses=ERRORS)
def iot_alarm(body: Annotated[Any, Body(...)], response: Response, actor: Actor = Depends(intake_actor("alarm")), platform=Depends(get_platform)) -> dict[str, Any]:
    """An IoT alarm {device_id, metric, value, severity, at}; one open case per (device, metric)."""
    return _intake(platform, actor, parse.parse_alarm(body, _devices(platform), _scenes(platform)), response)


@router.post("/intake/sos", status_code=201, responses=ERRORS)
def sos_call(body: Annotated[Any, Body(...)], response: Response, actor: Actor = Depends(intake_actor("sos")), platform=Depends(get_platform)) -> dict[str, Any]:
    """A one-key SOS call {button_id, pressed_at}: top grade, routed to the community; the person's
    contacts are sent to the SMS gateways."""
    return _intake(platform, actor, parse.parse_sos(body, _devices(platform)), response)

