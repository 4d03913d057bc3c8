"""Commands: orders given to the platform, plain dataclasses; handlers in services/ carry them out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gridgov.domain.roles import Actor, Role
from gridgov.domain.workflow import Action


@dataclass(frozen=True)
class Command:
    pass


@dataclass(frozen=True)
class ReportCase(Command):
    actor: Actor
    description: str
    lon: float
    lat: float
    channel: str | None  # None: the reporter's role decides (domain/policy.DEFAULT_CHANNEL)
    crs: str = "wgs84"
    address: str | None = None
    category: str | None = None
    grade: int | None = None
    reporter_name: str | None = None
    reporter_phone: str | None = None
    photos: tuple[str, ...] = ()
    idempotency_key: str | None = None
    request_hash: str | None = None
    source_ref: str | None = None  # device + event kind: repeats within the merge window join one case
    severity: str | None = None  # alarm severity (sensors, cameras)
    scene: str | None = None  # a camera's scene type or a sensor's metric; the category table files it
    address_only: bool = False  # no coordinates: place by the address text (gazetteer), or leave unplaced
    on_spot: dict[str, Any] | None = None  # a grid worker's 自行处置: {"result": …, "photos": […]}


@dataclass(frozen=True)
class ActOnCase(Command):
    actor: Actor
    case_id: str
    action: Action
    expected_version: int
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CreateUnit(Command):
    actor: Actor
    unit_id: str
    name: str
    kind: str
    unit_type: str
    grid_codes: tuple[str, ...] = ()
    phone: str | None = None


@dataclass(frozen=True)
class CreateUser(Command):
    actor: Actor
    username: str
    password: str
    role: Role
    display_name: str
    unit_id: str | None = None
    grid_code: str | None = None
    phone: str | None = None
    allow_demo_name: bool = False


@dataclass(frozen=True)
class ImportGrids(Command):
    actor: Actor
    feature_collection: dict[str, Any]


@dataclass(frozen=True)
class StorePhoto(Command):
    actor: Actor
    content: bytes


@dataclass(frozen=True)
class TriageCase(Command):
    """Classify, grade, place and route a newly reported case (run by the outbox relay)."""

    case_id: str


@dataclass(frozen=True)
class ResolveTriage(Command):
    """A dispatcher's one action on a case from the triage queue: correct and dispatch (or reject)."""

    actor: Actor
    case_id: str
    expected_version: int
    unit_id: str | None = None
    category: str | None = None
    grade: int | None = None
    reject_reason: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class ImportCategories(Command):
    actor: Actor
    text: str
    fmt: str = "csv"  # or "yaml"


@dataclass(frozen=True)
class SaveRule(Command):
    actor: Actor
    data: dict[str, Any]


@dataclass(frozen=True)
class ImportRules(Command):
    """Add or replace many rules at once: all of them, or none (services/rules.py)."""

    actor: Actor
    rows: tuple[tuple[int, dict[str, Any]], ...]  # (line in the file, rule data)


@dataclass(frozen=True)
class DeleteRule(Command):
    actor: Actor
    code: str


@dataclass(frozen=True)
class SweepTimers(Command):
    """Fire the timers that are due (warnings, ladder steps, supervision deadlines), each once."""

    limit: int = 500


@dataclass(frozen=True)
class MergeCases(Command):
    """A dispatcher folds a duplicate into the case it repeats (合并); `split` undoes it (拆分)."""

    actor: Actor
    case_id: str
    expected_version: int
    into: str | None = None  # merge into this case; None = split the case out again
