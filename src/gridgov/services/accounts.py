"""Use cases on accounts a hostile user must not be able to abuse: logging in, logging out, changing
one's password, and an administrator changing (or disabling) an account.

- Logging in is throttled per user name and per client address (domain/login_throttle.py, state in the
  database so every API process counts the same attempts), and takes the same time whether the name
  exists or not: an unknown or disabled account is still checked against a dummy hash made with the
  same Argon2 parameters. Every refusal is the same `WrongCredentials` or `TooManyAttempts`, whatever
  the reason, so the answer never tells which names exist.
- Tokens end early in two ways: one token by its id (`revoked_tokens`, logout), or all of an account's
  at once by bumping its token generation ("sign out everywhere", a password change, disabling).
- Every new password passes the one password policy (domain/passwords.py).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from gridgov.domain import login_throttle as lt
from gridgov.domain import policy
from gridgov.domain.directory import UserRecord
from gridgov.domain.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from gridgov.domain.passwords import PasswordPolicy
from gridgov.domain.roles import Actor, Role


class WrongCredentials(DomainError):
    """Unknown name, disabled account or wrong password: deliberately one refusal for all three."""

    title = "Unauthorized"


class TooManyAttempts(DomainError):
    """The name or the address used up its failed logins; `retry_after` seconds until the next try."""

    title = "Too many login attempts"

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"too many failed logins for this name or from this address; try again in {retry_after} seconds",
            retry_after=retry_after,
        )
        self.retry_after = retry_after


@dataclass(frozen=True)
class LoginLimits:
    per_name: lt.ThrottleRules
    per_address: lt.ThrottleRules


def login_limits(settings) -> LoginLimits:
    window = timedelta(minutes=settings.login_window_minutes)
    first, longest = timedelta(seconds=settings.login_lock_seconds), timedelta(seconds=settings.login_lock_max_seconds)
    return LoginLimits(
        per_name=lt.ThrottleRules(settings.login_max_failures, window, first, longest),
        per_address=lt.ThrottleRules(settings.login_max_failures_per_address, window, first, longest),
    )


def throttle_key(kind: str, value: str) -> str:
    """Rows are keyed by a hash: the table holds no user names or addresses in the clear."""
    return f"{kind}:{hashlib.sha256(value.encode()).hexdigest()}"


def normal_username(username: str) -> str:
    return username.strip().lower()


def log_in(new_uow, *, hasher, now: datetime, username: str, password: str, address: str, limits: LoginLimits) -> UserRecord:
    """The account `username`/`password` opens, or WrongCredentials / TooManyAttempts.

    Three short steps, so no transaction is held open while Argon2 runs (on SQLite that would stop
    every other writer): count the attempt and read the account; verify; record the outcome."""
    name = normal_username(username)
    keys = {throttle_key("name", name): limits.per_name, throttle_key("address", address or "unknown"): limits.per_address}
    with new_uow() as uow:
        begun = {key: lt.begin_attempt(uow.login_throttle.load_for_update(key, now), rules, now) for key, rules in keys.items()}
        wait = max(w for _state, w in begun.values())
        for key, (state, w) in begun.items():
            if not wait or w:  # refused: keep the locks, but count nothing on the other key
                uow.login_throttle.save(key, state, keys[key])
        user = None if wait else uow.users.by_username(name)
        uow.commit()
    if wait:
        raise TooManyAttempts(wait)
    usable = user is not None and user.active
    # the same Argon2 work for a name that does not exist or is disabled: the answer takes as long
    matches = hasher.verify(password, user.password_hash if user is not None and usable else hasher.dummy_hash)
    with new_uow() as uow:
        for key, rules in keys.items():
            state = uow.login_throttle.load_for_update(key, now)
            if matches and usable and rules is limits.per_name:
                uow.login_throttle.clear(key)
            elif matches and usable:
                uow.login_throttle.save(key, lt.attempt_succeeded(state, rules, now), rules)
            else:
                uow.login_throttle.save(key, lt.attempt_failed(state, rules, now), rules)
        if not (matches and usable):
            uow.login_throttle.purge(now)
        uow.commit()
    if not (matches and usable) or user is None:
        raise WrongCredentials("wrong user name or password")
    return user


def log_out(uow, *, user_id: str, jti: str, expires_at: datetime, now: datetime, everywhere: bool = False) -> None:
    """End the presented token (its id is revoked until it would have expired anyway), or, with
    `everywhere`, every token of the account on every device."""
    if everywhere:
        uow.users.end_sessions(user_id)
    else:
        uow.revoked_tokens.revoke(jti, user_id, expires_at)
    uow.revoked_tokens.purge(now)
    uow.commit()


def use_ticket(uow, *, jti: str, user_id: str, expires_at: datetime) -> bool:
    """Spend a single-use ticket; False when it was spent before (a replayed URL)."""
    fresh = uow.revoked_tokens.revoke(jti, user_id, expires_at)
    uow.commit()
    return fresh


def check_new_password(policy: PasswordPolicy, password: str, *, username: str, display_name: str) -> None:
    """InvalidInput naming the rule broken (`reason` carries its stable code for pages)."""
    problem = policy.problem(password, username=username, display_name=display_name)
    if problem is not None:
        raise InvalidInput(problem.message, reason=problem.code)


def change_password(
    new_uow, *, hasher, policy: PasswordPolicy, now: datetime, actor: Actor, old: str, new: str, address: str,
    limits: LoginLimits,
) -> UserRecord:  # fmt: skip
    """Set a new password after checking the current one (throttled like a login: a stolen token is
    not a way to guess the password). Every token of the account ends, the caller's included; the
    caller gets a fresh one from the route."""
    with new_uow() as uow:
        user = uow.users.get(actor.user_id)
    if user is None:
        raise NotFound("no such account")
    check_new_password(policy, new, username=user.username, display_name=user.display_name)
    if new == old:
        raise InvalidInput("the new password must differ from the current one", reason="unchanged")
    try:
        log_in(new_uow, hasher=hasher, now=now, username=user.username, password=old, address=address, limits=limits)
    except WrongCredentials:
        raise Forbidden("the current password is wrong") from None
    with new_uow() as uow:
        uow.users.update(user.id, password_hash=hasher.hash(new))
        uow.users.end_sessions(user.id)
        uow.audit.record(
            at=now, user_id=actor.user_id, role=str(actor.role), action="change_password",
            subject_type="user", subject_id=user.id, fields=["password"],
        )  # fmt: skip
        uow.commit()
        return uow.users.get(user.id)


EDITABLE = ("active", "role", "display_name", "unit_id", "grid_code")


def update_user(uow, *, actor: Actor, user_id: str, changes: dict, grids, now: datetime) -> UserRecord:
    """An administrator changes an account. Disabling it ends every one of its tokens at once (the next
    request of any of them, on any process, gets 401); a disabled account cannot log in. An admin
    cannot disable or demote their own account, so a district is never left without one by mistake."""
    policy.require(actor, policy.Permission.MANAGE_DIRECTORY)
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise InvalidInput(f"these fields cannot be changed here: {', '.join(unknown)}")
    user = uow.users.get(user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    values: dict = {}
    if "role" in changes:
        try:
            role = Role(changes["role"])
        except ValueError:
            raise InvalidInput(f"unknown role {changes['role']!r}") from None
        if role is Role.SYSTEM:
            raise InvalidInput("the system role cannot be given to an account")
        values["role"] = role
    if "active" in changes:
        if not isinstance(changes["active"], bool):
            raise InvalidInput("active must be true or false")
        values["active"] = changes["active"]
    if "display_name" in changes:
        name = (changes["display_name"] or "").strip()
        if not name:
            raise InvalidInput("display_name must not be empty")
        values["display_name"] = name
    if "unit_id" in changes:
        if changes["unit_id"] and uow.units.get(changes["unit_id"]) is None:
            raise InvalidInput(f"unknown unit {changes['unit_id']!r}")
        values["unit_id"] = changes["unit_id"] or None
    if "grid_code" in changes:
        if changes["grid_code"] and grids.get(changes["grid_code"]) is None:
            raise InvalidInput(f"unknown grid {changes['grid_code']!r}")
        values["grid_code"] = changes["grid_code"] or None
    role_after = values.get("role", user.role)
    if role_after in (Role.HANDLER, Role.ENTITY_STAFF) and not values.get("unit_id", user.unit_id):
        raise InvalidInput(f"a {role_after} account needs a unit_id")
    if user.id == actor.user_id and (values.get("active") is False or role_after is not user.role):
        raise Conflict("you cannot disable your own account or change your own role; ask another administrator")
    changed = [k for k, v in values.items() if v != getattr(user, k)]
    if changed:
        uow.users.update(user.id, **{k: values[k] for k in changed})
        if values.get("active") is False and user.active:
            uow.users.end_sessions(user.id)
        uow.audit.record(
            at=now, user_id=actor.user_id, role=str(actor.role), action="update_account",
            subject_type="user", subject_id=user.id, fields=sorted(changed),
        )  # fmt: skip
        uow.commit()
    return uow.users.get(user.id)
