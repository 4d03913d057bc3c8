"""Composition root: Settings -> engine, unit of work, bus, relay, grid index, photo store, hasher.

Nothing is built at import time; tests call `bootstrap` with their own settings and clock.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from sqlalchemy import Engine

from gridgov.adapters.calendar_source import load_calendar
from gridgov.adapters.clock import SystemClock
from gridgov.adapters.database import make_engine, upgrade
from gridgov.adapters.password_list import load_common_passwords
from gridgov.adapters.passwords import PasswordHasher
from gridgov.adapters.photo_store import PhotoStore
from gridgov.adapters.unit_of_work import SqlUnitOfWork
from gridgov.config import Settings
from gridgov.domain import commands as c
from gridgov.domain.passwords import PasswordPolicy
from gridgov.services import cases, directory, notify, rules, schedule, triage
from gridgov.services.grid_index import GridIndex
from gridgov.services.ids import new_id
from gridgov.services.ladders import load_ladders
from gridgov.services.messagebus import MessageBus
from gridgov.services.outbox import OutboxRelay


@dataclass
class Platform:
    """Everything an entry point (API, CLI, worker, benchmark) needs, wired once."""

    settings: Settings
    engine: Engine
    clock: Any
    bus: MessageBus
    grids: GridIndex
    hasher: PasswordHasher
    photos: PhotoStore
    relay: OutboxRelay
    secret_key: str
    policy: Any = None
    classifier: Any = None  # the text classifier triage uses (None: every uncategorised case waits)
    password_policy: PasswordPolicy = field(default_factory=PasswordPolicy)
    listeners: list = field(default_factory=list)

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, self.clock)

    def reload_grids(self) -> None:
        with self.uow() as uow:
            self.grids.load(uow.grids.rows())


def bootstrap(settings: Settings | None = None, *, clock: Any = None, migrate: bool = True) -> Platform:
    settings = settings or Settings()
    clock = clock or SystemClock()
    engine = make_engine(settings.resolved_database_url)
    if migrate:
        upgrade(engine)
    grids = GridIndex()
    hasher = PasswordHasher(fast=settings.fast_password_hashing)
    password_policy = PasswordPolicy(settings.password_min_length, load_common_passwords())
    photos = PhotoStore(settings.photo_dir)
    relay = OutboxRelay(engine, clock)
    classifier = _load_classifier(settings)
    calendar = load_calendar(settings.calendar_file or _uploaded_calendar(settings))
    policy = schedule.DeadlinePolicy(calendar, load_ladders(settings.data_dir / "ladders.json"), settings.yellow_share)
    corrections = _corrections_writer(settings)
    handlers = {
        c.ReportCase: partial(cases.report_case, clock=clock, grids=grids, new_id=new_id, policy=policy),
        c.ActOnCase: partial(cases.act_on_case, clock=clock, policy=policy),
        c.MergeCases: partial(cases.merge_cases, clock=clock, policy=policy),
        c.CreateUnit: partial(directory.create_unit, grids=grids),
        c.CreateUser: partial(directory.create_user, hasher=hasher, clock=clock, grids=grids, new_id=new_id, password_policy=password_policy),
        c.ImportGrids: partial(directory.import_grids, grids=grids),
        c.StorePhoto: partial(directory.store_photo, photo_store=photos, clock=clock),
        c.TriageCase: partial(triage.triage_case, clock=clock, policy=policy, classifier=classifier),
        c.ResolveTriage: partial(triage.resolve_triage, clock=clock, policy=policy, corrections=corrections),
        c.SweepTimers: partial(schedule.sweep_timers, clock=clock, policy=policy),
        c.ImportCategories: rules.import_categories,
        c.SaveRule: rules.save_rule,
        c.ImportRules: rules.import_rules,
        c.DeleteRule: rules.delete_rule,
    }
    listeners: list = [relay.wake]
    bus = MessageBus(partial(SqlUnitOfWork, engine, clock), handlers, after_commit=listeners)
    platform = Platform(
        classifier=classifier,
        settings=settings,
        engine=engine,
        clock=clock,
        bus=bus,
        grids=grids,
        hasher=hasher,
        password_policy=password_policy,
        photos=photos,
        relay=relay,
        secret_key=_secret_key(settings),
        policy=policy,
        listeners=listeners,
    )
    relay.subscribe("CaseReported", lambda _type, payload, _id: bus.handle(c.TriageCase(payload["case_id"])))
    for event_type in notify.NOTIFIED_EVENTS:
        relay.subscribe(event_type, partial(_notify, platform))
    with platform.uow() as uow:
        rules.seed_defaults(uow)
    platform.reload_grids()
    return platform


def _uploaded_calendar(settings: Settings):
    """Overrides an admin uploaded over the API (kept in the data directory) apply again after a restart."""
    path = settings.data_dir / "calendar-overrides.yaml"
    return path if path.exists() else None


def _notify(platform: Platform, event_type: str, payload: dict, event_id: int) -> None:
    with platform.uow() as uow:
        notify.notify(uow, platform.clock, event_type, payload, event_id)


def _load_classifier(settings: Settings):
    """The deployment's classifier (setting `classifier_model`), else the shipped one; triage works
    without one (every uncategorised case then waits for a dispatcher)."""
    from gridgov.adapters.classifier import ClassifierError, load_classifier

    try:
        return load_classifier(settings.classifier_model)
    except ClassifierError as exc:
        raise ValueError(str(exc)) from None


def _corrections_writer(settings: Settings):
    """Dispatchers' corrections of the classifier, kept as new training data (title, detail, label)."""
    import csv

    path = settings.data_dir / "classifier-corrections.csv"

    def write(text: str, label: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        new = not path.exists()
        with path.open("a", newline="", encoding="utf-8") as f:
            out = csv.writer(f)
            if new:
                out.writerow(["title", "detail", "label"])
            out.writerow(["", text, label])

    return write


def _secret_key(settings: Settings) -> str:
    if settings.secret_key:
        return settings.secret_key
    path = settings.data_dir / "secret.key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key
