"""Use cases on the directory: units (departments and social entities), user accounts, the grid tree,
and photos."""

from __future__ import annotations

import re

from gridgov.domain import policy
from gridgov.domain.commands import CreateUnit, CreateUser, ImportGrids, StorePhoto
from gridgov.domain.directory import UNIT_KINDS, UnitRecord, UserRecord
from gridgov.domain.errors import Conflict, InvalidInput
from gridgov.domain.grids import GridImportError, tree_from_geojson
from gridgov.domain.passwords import PasswordPolicy
from gridgov.domain.roles import Role
from gridgov.services.accounts import check_new_password
from gridgov.services.grid_index import tree_to_rows

# Accounts named after a role belong to the demo (issue #2): nobody else may create them.
DEMO_USERNAMES = frozenset(
    {"resident", "gridworker", "property", "handler", "dispatcher", "supervisor", "leader", "admin"}
)
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,63}$")


def create_unit(cmd: CreateUnit, uow, *, grids) -> UnitRecord:
    _require_admin(cmd.actor.role)
    if cmd.kind not in UNIT_KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(UNIT_KINDS)}")
    if not re.match(r"^[A-Za-z0-9_.-]{2,64}$", cmd.unit_id):
        raise InvalidInput("unit id must be 2-64 letters, digits, '_', '.', '-'")
    if not cmd.name.strip():
        raise InvalidInput("name must not be empty")
    unknown = [c for c in cmd.grid_codes if grids.get(c) is None]
    if unknown:
        raise InvalidInput(f"unknown grid codes: {', '.join(unknown)}")
    if uow.units.get(cmd.unit_id) is not None:
        raise Conflict(f"unit {cmd.unit_id} exists already")
    unit = UnitRecord(
        id=cmd.unit_id,
        name=cmd.name.strip(),
        kind=cmd.kind,
        unit_type=cmd.unit_type,
        phone=cmd.phone,
        grid_codes=list(cmd.grid_codes),
    )
    uow.units.add(unit)
    uow.commit()
    return unit


def create_user(cmd: CreateUser, uow, *, hasher, clock, grids, new_id, password_policy: PasswordPolicy) -> UserRecord:
    _require_admin(cmd.actor.role)
    username = cmd.username.strip().lower()
    if not _USERNAME.match(username):
        raise InvalidInput("username must be 2-64 lowercase letters, digits, '_', '.', '-'")
    if username in DEMO_USERNAMES and not cmd.allow_demo_name:
        raise InvalidInput(f"the name {username!r} is reserved for the demo district")
    # `allow_demo_name` is set only by gridgov/demo/seed.py: the demo's accounts keep the password
    # "demo" its landing page prints (a throwaway district on 127.0.0.1). Every other account, from
    # the CLI or the API, must pass the password policy.
    if not cmd.allow_demo_name:
        check_new_password(password_policy, cmd.password, username=username, display_name=cmd.display_name)
    if cmd.role is Role.SYSTEM:
        raise InvalidInput("the system role cannot be given to an account")
    if cmd.unit_id and uow.units.get(cmd.unit_id) is None:
        raise InvalidInput(f"unknown unit {cmd.unit_id!r}")
    if cmd.role in (Role.HANDLER, Role.ENTITY_STAFF) and not cmd.unit_id:
        raise InvalidInput(f"a {cmd.role} account needs a unit_id")
    if cmd.grid_code and grids.get(cmd.grid_code) is None:
        raise InvalidInput(f"unknown grid {cmd.grid_code!r}")
    if uow.users.by_username(username) is not None:
        raise Conflict(f"user {username} exists already")
    now = clock.now()
    user = UserRecord(
        id=new_id(now),
        username=username,
        display_name=cmd.display_name.strip() or username,
        role=cmd.role,
        password_hash=hasher.hash(cmd.password),
        unit_id=cmd.unit_id,
        grid_code=cmd.grid_code,
        phone=cmd.phone,
        active=True,
        created_at=now,
    )
    uow.users.add(user)
    uow.commit()
    return user


def import_grids(cmd: ImportGrids, uow, *, grids) -> int:
    """Validate the whole FeatureCollection first; write nothing unless every feature is sound."""
    _require_admin(cmd.actor.role)
    try:
        tree = tree_from_geojson(cmd.feature_collection)
    except GridImportError as exc:
        problems = [
            {"feature_id": p.feature_id, "code": p.code, "kind": p.kind, "message": p.message} for p in exc.problems
        ]
        raise InvalidInput(f"{len(problems)} problem(s) in the grid file; nothing was imported", problems=problems) from None
    rows = tree_to_rows(tree)
    uow.grids.replace_all(rows)
    uow.commit()
    grids.load(rows)
    return len(rows)


def store_photo(cmd: StorePhoto, uow, *, photo_store, clock) -> dict:
    meta = photo_store.put(cmd.content, uow)  # validates type, bytes and pixels by content; raises InvalidInput
    row = {**meta, "uploaded_by": cmd.actor.user_id, "uploaded_at": clock.now()}
    uow.photos.add(row)
    uow.commit()
    return row


def _require_admin(role: Role) -> None:
    policy.require(role, policy.Permission.MANAGE_DIRECTORY)
