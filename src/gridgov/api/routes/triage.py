"""/api/v1/triage, /categories, /rules: the triage queue, the category table and the responsibility
list (权责清单), with a dry run that shows how a sample report would be routed."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any, Literal

import yaml
from fastapi import APIRouter, Body, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from gridgov.api.authz import require
from gridgov.api.problems import ApiProblem
from gridgov.api.routes.cases import get_case
from gridgov.api.security import current_actor, get_platform
from gridgov.domain import geo
from gridgov.domain.commands import DeleteRule, ImportCategories, ImportRules, ResolveTriage, SaveRule
from gridgov.domain.policy import Permission
from gridgov.domain.roles import Actor
from gridgov.domain.taxonomy import CATEGORY_COLUMNS, category_rows
from gridgov.queries import triage as triage_queries
from gridgov.services.rules import rules_from_csv
from gridgov.services.triage import ReportFacts, decide

router = APIRouter(prefix="/api/v1", tags=["triage"])
ERRORS = {401: {"description": "Not logged in"}, 403: {"description": "Forbidden"}, 422: {"description": "Invalid"}}


class ResolveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(..., ge=1)
    unit_id: str | None = Field(None, max_length=64)
    category: str | None = Field(None, max_length=64)
    grade: int | None = Field(None, ge=1, le=4)
    reject_reason: str | None = Field(None, max_length=500)
    note: str | None = Field(None, max_length=500)


class RuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(..., min_length=1, max_length=64)
    name: str = Field("", max_length=128)
    priority: int = Field(100, ge=0, le=100000)
    when: dict[str, Any] = Field(default_factory=dict, description="Condition set: all/any/not and leaves.")
    unit_id: str | None = Field(None, max_length=64)
    unit_type: str | None = Field(None, max_length=32, description="Resolved in the case's grid; '@category' = the category's.")
    loop: str = Field("internal", description="external (social entity) or internal (government)")
    time_limit: str | None = Field(None, max_length=16)
    ladder: str | None = Field(None, max_length=64)
    active: bool = True


class DryRunIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str = Field(..., max_length=5000)
    lon: float
    lat: float
    crs: str = "wgs84"
    category: str | None = Field(None, max_length=64)
    channel: str = Field("resident_app", max_length=32)
    severity: Literal["critical", "major", "minor", "warning"] | None = None
    scene: str | None = Field(None, max_length=64, description="A camera scene type or sensor metric")


@router.get("/triage", responses=ERRORS)
def triage_queue(
    actor: Actor = Depends(require(Permission.VIEW_TRIAGE)),
    platform=Depends(get_platform),
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[dict[str, Any]]:
    """Reported cases waiting for a person: low confidence, unplaced, unrouted, or not yet triaged;
    sensitive and urgent ones first."""
    with platform.engine.connect() as conn:
        return triage_queries.waiting_cases(conn, actor, platform.clock.now(), limit)


@router.post("/triage/{case_id}", responses=ERRORS | {404: {"description": "No such case"}, 409: {"description": "Stale"}})
def resolve(
    case_id: str,
    body: ResolveIn,
    response: Response,
    actor: Actor = Depends(require(Permission.RESOLVE_TRIAGE)),
    platform=Depends(get_platform),
):
    """One action: correct category/grade and dispatch to a unit, or reject with a reason. A corrected
    category is kept as training data for the classifier."""
    platform.bus.handle(
        ResolveTriage(
            actor=actor,
            case_id=case_id,
            expected_version=body.version,
            unit_id=body.unit_id,
            category=body.category,
            grade=body.grade,
            reject_reason=body.reject_reason,
            note=body.note,
        )
    )
    return get_case(case_id, response, actor, platform)


CATEGORY_BODY = {
    "requestBody": {
        "required": True,
        "description": "The whole table: CSV with a header row, or YAML (a list of mappings with the same keys).",
        "content": {"text/csv": {"schema": {"type": "string"}}, "application/yaml": {"schema": {"type": "string"}}},
    }
}
YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")


@router.get("/categories", responses=ERRORS)
def categories(
    actor: Actor = Depends(current_actor),
    platform=Depends(get_platform),
    fmt: Annotated[str, Query(alias="format", pattern="^(json|csv|yaml)$")] = "json",
) -> Any:
    """The category table; `format=csv|yaml` gives the file an admin edits and PUTs back."""
    with platform.uow() as uow:
        table = uow.categories.table()
    if fmt == "json":
        return [{**vars(c), "grade": int(c.grade), "label": c.label} for c in table]
    if fmt == "yaml":
        text = yaml.safe_dump(category_rows(table, lists=True), allow_unicode=True, sort_keys=False)
        return Response(text, media_type="application/yaml; charset=utf-8")
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CATEGORY_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(category_rows(table))
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8")


@router.get("/categories/suggest", responses=ERRORS)
def suggest_categories(
    text: Annotated[str, Query(max_length=2000, description="What the reporter has typed so far")],
    actor: Actor = Depends(current_actor),
    platform=Depends(get_platform),
) -> list[dict[str, Any]]:
    """Up to three categories the text probably means, best first (the report page's suggestion as you
    type, the desk's pre-fill): the candidates of the one triage decision (services/triage.decide), so
    the first is what triage would take (`by`: named, words or classifier)."""
    if len(text.strip()) < 2:
        return []
    with platform.uow() as uow:
        table = uow.categories.table()
    classifier = platform.classifier if len(text.strip()) >= 6 else None
    decision = decide(ReportFacts(text=text, channel=""), table=table, rules=(), units=(), classifier=classifier)
    return decision.candidates[:3]


@router.put("/categories", responses=ERRORS | {415: {"description": "Neither CSV nor YAML"}}, openapi_extra=CATEGORY_BODY)
async def import_categories(request: Request, actor: Actor = Depends(require(Permission.EDIT_TRIAGE_DATA)), platform=Depends(get_platform)) -> dict[str, int]:
    """Replace the category table (keys: code, kind, major, name, name_en, grade, time_limit, unit_type)
    from CSV (`Content-Type: text/csv`) or YAML (`application/yaml`); refused whole, each bad row named."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media in YAML_TYPES:
        fmt = "yaml"
    elif media in ("text/csv", "text/plain"):
        fmt = "csv"
    else:
        raise ApiProblem(415, "Unsupported media type", "send the table as text/csv or application/yaml")
    raw = await request.body()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ApiProblem(422, "Invalid input", "the table must be UTF-8 text") from None
    command = ImportCategories(actor=actor, text=text, fmt=fmt)
    return {"imported": await run_in_threadpool(platform.bus.handle, command)}


@router.get("/rules", responses=ERRORS)
def list_rules(actor: Actor = Depends(current_actor), platform=Depends(get_platform)) -> list[dict[str, Any]]:
    with platform.uow() as uow:
        return [vars(r) for r in uow.rules.list()]


@router.put("/rules/{code}", responses=ERRORS)
def save_rule(code: str, body: RuleIn, actor: Actor = Depends(require(Permission.EDIT_TRIAGE_DATA)), platform=Depends(get_platform)) -> dict[str, Any]:
    if body.code != code:
        raise ApiProblem(422, "Invalid input", "the code in the path and in the body differ")
    return vars(platform.bus.handle(SaveRule(actor=actor, data=body.model_dump())))


@router.delete("/rules/{code}", status_code=204, responses=ERRORS | {404: {"description": "No such rule"}})
def delete_rule(code: str, actor: Actor = Depends(require(Permission.EDIT_TRIAGE_DATA)), platform=Depends(get_platform)) -> Response:
    platform.bus.handle(DeleteRule(actor=actor, code=code))
    return Response(status_code=204)


@router.post("/rules/import", responses=ERRORS)
def import_rules(
    csv_text: Annotated[str, Body(media_type="text/csv", description="code,name,priority,when,unit_id,unit_type,loop,time_limit,ladder,active")],
    actor: Actor = Depends(require(Permission.EDIT_TRIAGE_DATA)),
    platform=Depends(get_platform),
) -> dict[str, int]:
    """Add or replace rules from CSV (`when` is JSON). Any bad row: nothing is imported, every row named."""
    rows = rules_from_csv(csv_text)
    return {"imported": platform.bus.handle(ImportRules(actor=actor, rows=tuple(rows)))}


@router.post("/rules/dry-run", responses=ERRORS)
def dry_run(body: DryRunIn, actor: Actor = Depends(require(Permission.VIEW_TRIAGE)), platform=Depends(get_platform)) -> dict[str, Any]:
    """How a sample report would be graded, placed and routed, and why; nothing is stored."""
    try:
        lon, lat = geo.to_wgs84(body.lon, body.lat, body.crs)
    except (geo.InvalidCoordinates, geo.UnsupportedCrs) as exc:
        raise ApiProblem(422, "Invalid input", str(exc)) from None
    node = platform.grids.locate(lon, lat)
    with platform.uow() as uow:
        table, rules, units = uow.categories.table(), uow.rules.list(), uow.units.list()
    if body.category and table.get(body.category) is None:
        raise ApiProblem(422, "Invalid input", f"unknown category {body.category!r}")
    facts = ReportFacts(text=body.description, channel=body.channel, grid_code=node.code if node else None,
                        category=body.category, severity=body.severity, scene=body.scene)  # fmt: skip
    decision = decide(facts, table=table, rules=rules, units=units, classifier=platform.classifier)
    category, grading, routing = decision.category, decision.grading, decision.routing
    found = {k: decision.findings[k] for k in ("named", "classification", "suggestions", "unknown_scene") if k in decision.findings}
    out: dict[str, Any] = {
        **found,
        "grid_code": node.code if node else None,
        "grade": int(grading.grade),
        "grade_because": list(grading.because),
        "sensitive_terms": list(grading.sensitive_terms),
        "category": category.code if category else None,
        "because": decision.because,
        "reasons": decision.blocking,
        "candidates": decision.candidates,
        "dispatches": decision.dispatches,
        "needs_person": decision.needs_person,
        "routing": None,
    }
    if routing is not None:
        out["routing"] = {"unit_id": routing.unit_id, "rule": routing.rule_code, "because": list(routing.because),
                          "loop": routing.loop, "time_limit": routing.time_limit or category.time_limit, "tried": list(routing.tried)}  # fmt: skip
    return out
