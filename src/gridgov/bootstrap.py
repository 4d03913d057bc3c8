"""Composition root: Settings -> engine, unit of work, bus, relay, grid index, photo store, hasher.

Nothing is built at import time; tests call `bootstrap` with their own settings and clock.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError

from gridgov.adapters import tables as t
from gridgov.adapters.calendar_source import load_calendar, load_calendar_text
from gridgov.adapters.clock import SystemClock
from gridgov.adapters.database import make_engine, ping, upgrade
from gridgov.adapters.password_list import load_common_passwords
from gridgov.adapters.passwords import PasswordHasher
from gridgov.adapters.photo_store import DatabasePhotoStore, DirectoryPhotoStore, PhotoStore
from gridgov.adapters.pii_vault import PiiVault
from gridgov.adapters.unit_of_work import SqlUnitOfWork
from gridgov.config import Settings
from gridgov.domain import commands as c
from gridgov.domain import events
from gridgov.domain.passwords import PasswordPolicy
from gridgov.services import cases, directory, notify, rules, schedule, triage
from gridgov.services.grid_index import GridIndex
from gridgov.services.ids import new_id
from gridgov.services.ladders import import_ladder_file, load_ladders
from gridgov.services.messagebus import MessageBus
from gridgov.services.outbox import OutboxRelay
from gridgov.services.shared_state import CALENDAR, GRIDS, LADDERS, SharedState, bump

log = logging.getLogger(__name__)


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
    shared: SharedState | None = None  # tells this process what other processes changed
    pii: PiiVault | None = None  # seals and finds residents' personal numbers (the register)

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, self.clock)

    def database_answers(self) -> bool:
        """For /health: does the database answer a trivial query now?"""
        return ping(self.engine)

    def reload_grids(self) -> None:
        with self.engine.connect() as conn:
            rows = [dict(r._mapping) for r in conn.execute(select(t.grid_nodes).order_by(t.grid_nodes.c.code))]
            conn.rollback()
        self.grids.load(rows)

    def reload_calendar(self) -> None:
        self.policy.calendar = calendar_in_force(self.settings, self.engine)

    def reload_ladders(self) -> None:
        self.policy.ladders = load_ladders(self.engine)


def bootstrap(settings: Settings | None = None, *, clock: Any = None, migrate: bool = True) -> Platform:
    settings = settings or Settings()
    clock = clock or SystemClock()
    engine = make_engine(settings.resolved_database_url)
    if migrate:
        upgrade(engine)
    secret_key = _secret_key(settings)  # first: a shared database without a key refuses to start
    shared = SharedState(engine, settings.shared_state_poll_seconds)
    _import_files_once(settings, engine, clock)
    grids = GridIndex(refresh=shared.refresh)
    hasher = PasswordHasher(fast=settings.fast_password_hashing)
    password_policy = PasswordPolicy(settings.password_min_length, load_common_passwords())
    photos = _photo_store(settings, engine)
    relay = OutboxRelay(engine, clock, park_after=settings.park_after_attempts)
    classifier = _load_classifier(settings)
    policy = schedule.DeadlinePolicy(calendar_in_force(settings, engine), load_ladders(engine), settings.yellow_share, refresh=shared.refresh)
    corrections = _corrections_writer
    timer_uow = partial(SqlUnitOfWork, engine, clock)
    handlers = {
        c.ReportCase: partial(cases.report_case, clock=clock, grids=grids, new_id=new_id, policy=policy),
        c.ActOnCase: partial(cases.act_on_case, clock=clock, policy=policy),
        c.MergeCases: partial(cases.merge_cases, clock=clock, policy=policy),
        c.CreateUnit: partial(directory.create_unit, grids=grids),
        c.CreateUser: partial(directory.create_user, hasher=hasher, clock=clock, grids=grids, new_id=new_id, password_policy=password_policy),
        c.ImportGrids: partial(_import_grids, grids=grids, clock=clock),
        c.StorePhoto: partial(directory.store_photo, photo_store=photos, clock=clock),
        c.TriageCase: partial(triage.triage_case, clock=clock, policy=policy, classifier=classifier),
        c.ResolveTriage: partial(triage.resolve_triage, clock=clock, policy=policy, corrections=corrections),
        c.SweepTimers: partial(
            schedule.sweep_timers, clock=clock, policy=policy, unit_of_work=timer_uow, park_after=settings.park_after_attempts
        ),
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
        secret_key=secret_key,
        policy=policy,
        listeners=listeners,
        shared=shared,
        pii=PiiVault.from_settings(settings, secret_key),
    )
    def triage_report(_type: str, payload: dict, _id: int) -> None:
        bus.handle(c.TriageCase(payload["case_id"]))

    relay.subscribe(events.CaseReported, triage_report)
    for event in notify.NOTIFIED_EVENTS:
        relay.subscribe(event, partial(_notify, platform))
    with platform.uow() as uow:
        rules.seed_defaults(uow)
    shared.watch(LADDERS, platform.reload_ladders)
    shared.watch(CALENDAR, platform.reload_calendar)
    shared.watch(GRIDS, platform.reload_grids)
    shared.load_all()
    return platform


def calendar_in_force(settings: Settings, engine: Engine):
    """The official calendar with the overrides an admin uploaded (kept in the database, shared by every
    process), or else the deployment's `calendar_file`."""
    with engine.connect() as conn:
        text = conn.execute(select(t.calendar_overrides.c.text).where(t.calendar_overrides.c.name == "local")).scalar()
        conn.rollback()
    if text is not None:
        return load_calendar_text(text)
    return load_calendar(settings.calendar_file)


def _import_grids(cmd, uow, *, grids, clock) -> int:
    """Import the grid tree and tell every other process to load it again (same transaction)."""
    bump(uow.conn, GRIDS, clock.now())
    return directory.import_grids(cmd, uow, grids=grids)


def _photo_store(settings: Settings, engine: Engine) -> PhotoStore:
    """`photo_store`: auto keeps photos in the database when the database is shared (not SQLite), so
    every process on every machine reads the same photos; with SQLite, in `<data_dir>/photos`."""
    kind = settings.photo_store
    if kind == "auto":
        kind = "database" if settings.shared_database else "directory"
    if kind == "database":
        return DatabasePhotoStore(engine, settings.photo_max_pixels)
    return DirectoryPhotoStore(settings.photo_dir, settings.photo_max_pixels)


def _import_files_once(settings: Settings, engine: Engine, clock) -> None:
    """Files from before this state lived in the database (ladders.json, calendar-overrides.yaml,
    classifier-corrections.csv in the data directory) are taken in once, so an upgrade keeps them;
    a marker row records it, and the file is renamed `*.imported` so nobody edits it in vain."""
    importers = {
        "ladders.json": lambda conn, path, now: import_ladder_file(conn, path, now),
        "calendar-overrides.yaml": _import_calendar_file,
        "classifier-corrections.csv": _import_corrections_file,
    }
    for name, importer in importers.items():
        path = settings.data_dir / name
        if not path.exists():
            continue
        now = clock.now()
        marker = f"imported:{name}"
        try:
            with engine.begin() as conn:
                if conn.execute(select(t.shared_versions.c.name).where(t.shared_versions.c.name == marker)).first():
                    log.warning("%s was imported into the database before; this copy is ignored", path)
                    continue
                count = importer(conn, path, now)
                conn.execute(insert(t.shared_versions).values(name=marker, version=1, changed_at=now))
        except IntegrityError:  # another process imported it at the same moment
            continue
        log.warning("imported %s into the database (%s rows); renamed to %s.imported", path, count, name)
        path.rename(path.with_name(name + ".imported"))


def _import_calendar_file(conn, path, now) -> int:
    from gridgov.adapters.calendar_source import parse_overrides

    text = path.read_text(encoding="utf-8")
    parse_overrides(text)  # a broken file stops start-up with its problems, as it always did
    known = conn.execute(select(t.calendar_overrides.c.name).where(t.calendar_overrides.c.name == "local")).first()
    if known is None:
        conn.execute(insert(t.calendar_overrides).values(name="local", text=text, updated_at=now))
        bump(conn, CALENDAR, now)
    return 0 if known else 1


def _import_corrections_file(conn, path, now) -> int:
    import csv

    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = [
            {"title": r.get("title") or "", "detail": r.get("detail") or "", "label": (r.get("label") or "").strip(), "created_at": now}
            for r in csv.DictReader(f)
        ]
    rows = [r for r in rows if r["label"] and (r["title"] + r["detail"]).strip()]
    if rows:
        conn.execute(insert(t.classifier_corrections), rows)
    return len(rows)


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


def _corrections_writer(uow, text: str, label: str) -> None:
    """Dispatchers' corrections of the classifier, kept as new training data (title, detail, label) in
    the database, in the transaction of the correction: `gridgov classifier train --with-corrections`
    reads them from any machine."""
    uow.conn.execute(insert(t.classifier_corrections).values(title="", detail=text, label=label, created_at=uow.clock.now()))


def _secret_key(settings: Settings) -> str:
    """The token signing key. Generated once per data directory only with SQLite (one machine); with a
    shared database a per-machine key would make each process refuse the others' tokens."""
    if settings.secret_key:
        return settings.secret_key
    if settings.shared_database:
        raise ValueError(
            "GRIDGOV_SECRET_KEY must be set when the database is not SQLite: every process of the deployment "
            "signs and checks tokens with it (generate one with: python3 -c 'import secrets; print(secrets.token_urlsafe(48))')"
        )
    path = settings.data_dir / "secret.key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key
