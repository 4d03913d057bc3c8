"""Account security state lives in the database, so every process agrees (SQLite and PostgreSQL):
login attempts counted by one process lock the name in another, a logout or a disabled account ends
the token everywhere, and an unknown or disabled name costs the same password check as a real one."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from gridgov.adapters import tables as t
from gridgov.api.security import ApiProblem, issue_stream_ticket, issue_token, session_from_token
from gridgov.bootstrap import bootstrap
from gridgov.domain.roles import SYSTEM_ACTOR
from gridgov.services import accounts
from tests.conftest import PASSWORD, populate


class CountingHasher:
    """The platform's hasher, recording which hashes each verification ran against."""

    def __init__(self, real) -> None:
        self.real = real
        self.verified: list[str] = []
        self._lock = threading.Lock()

    @property
    def dummy_hash(self) -> str:
        return self.real.dummy_hash

    def verify(self, password: str, hashed: str) -> bool:
        with self._lock:
            self.verified.append(hashed)
        return self.real.verify(password, hashed)


def attempt(platform, username, password, *, hasher=None, address="10.0.0.7"):
    return accounts.log_in(
        platform.uow, hasher=hasher or platform.hasher, now=platform.clock.now(), username=username,
        password=password, address=address, limits=accounts.login_limits(platform.settings),
    )  # fmt: skip


def second_process(platform, clock):
    """Another API process over the same database (same settings, its own engine and memory)."""
    return bootstrap(platform.settings, clock=clock)


@pytest.fixture
def district(any_platform):
    populate(any_platform)
    return any_platform


def test_an_unknown_or_disabled_name_is_checked_against_the_dummy_hash(district) -> None:
    hasher = CountingHasher(district.hasher)
    with district.uow() as uow:
        sup = uow.users.by_username("sup")
        uow.users.update(sup.id, active=False)
        uow.commit()
    for name in ("nobody", "sup"):
        with pytest.raises(accounts.WrongCredentials):
            attempt(district, name, PASSWORD, hasher=hasher)
    with pytest.raises(accounts.WrongCredentials):
        attempt(district, "ann", "wrong-password-here", hasher=hasher)
    with district.uow() as uow:
        ann_hash = uow.users.by_username("ann").password_hash
    assert hasher.verified == [district.hasher.dummy_hash, district.hasher.dummy_hash, ann_hash]


def test_failures_counted_by_one_process_lock_the_name_in_another(district, clock) -> None:
    other = second_process(district, clock)
    for platform in (district, other, district, other, district):
        with pytest.raises(accounts.WrongCredentials):
            attempt(platform, "disp", "not-the-password")
    with pytest.raises(accounts.TooManyAttempts) as refused:
        attempt(other, "disp", PASSWORD)  # even the right password waits for the lock to end
    assert refused.value.retry_after == 60
    clock.advance(seconds=60)
    assert attempt(other, "disp", PASSWORD).username == "disp"
    other.engine.dispose()


def test_an_unknown_name_is_locked_exactly_like_a_real_one(district) -> None:
    for name in ("disp", "no-such-person"):
        for _ in range(5):
            with pytest.raises(accounts.WrongCredentials):
                attempt(district, name, "not-the-password", address=f"10.0.1.{len(name)}")
        with pytest.raises(accounts.TooManyAttempts) as refused:
            attempt(district, name, "not-the-password", address=f"10.0.1.{len(name)}")
        assert (refused.value.retry_after, refused.value.detail) == (
            60, "too many failed logins for this name or from this address; try again in 60 seconds"
        )


def test_a_successful_login_clears_the_names_count(district) -> None:
    for _ in range(4):
        with pytest.raises(accounts.WrongCredentials):
            attempt(district, "boss", "not-the-password")
    attempt(district, "boss", PASSWORD)
    for _ in range(4):  # four more wrong ones are again allowed before the fifth locks
        with pytest.raises(accounts.WrongCredentials):
            attempt(district, "boss", "not-the-password")
    assert attempt(district, "boss", PASSWORD).username == "boss"


def test_one_address_guessing_many_names_is_locked(district) -> None:
    for i in range(20):
        with pytest.raises(accounts.WrongCredentials):
            attempt(district, f"guess{i}", "Summer2026!", address="203.0.113.9")
    with pytest.raises(accounts.TooManyAttempts):
        attempt(district, "ann", PASSWORD, address="203.0.113.9")
    assert attempt(district, "ann", PASSWORD, address="198.51.100.1").username == "ann"


def test_parallel_guesses_get_no_more_password_checks_than_the_limit(district) -> None:
    hasher = CountingHasher(district.hasher)
    outcomes: list[str] = []

    def guess() -> None:
        try:
            attempt(district, "cg", "not-the-password", hasher=hasher)
        except accounts.WrongCredentials:
            outcomes.append("401")
        except accounts.TooManyAttempts:
            outcomes.append("429")

    threads = [threading.Thread(target=guess) for _ in range(12)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(hasher.verified) == 5
    assert sorted(outcomes) == ["401"] * 5 + ["429"] * 7


def test_the_throttle_table_holds_no_user_names_or_addresses(district) -> None:
    with pytest.raises(accounts.WrongCredentials):
        attempt(district, "disp", "not-the-password", address="192.0.2.44")
    with district.engine.connect() as conn:
        keys = list(conn.execute(select(t.login_throttle.c.key)).scalars())
    assert len(keys) == 2 and all(len(k.split(":", 1)[1]) == 64 for k in keys)
    assert not any("disp" in k or "192.0.2.44" in k for k in keys)


def _user(platform, name):
    with platform.uow() as uow:
        return uow.users.by_username(name)


def test_a_logout_in_one_process_ends_the_token_in_another_at_once(district, clock) -> None:
    other = second_process(district, clock)
    token, _ = issue_token(district, _user(district, "disp"))
    kept, _ = issue_token(district, _user(district, "disp"))
    session = session_from_token(other, token)
    with district.uow() as uow:
        accounts.log_out(uow, user_id=session.actor.user_id, jti=session.jti, expires_at=session.expires_at, now=clock.now())
    with pytest.raises(ApiProblem) as refused:
        session_from_token(other, token)
    assert (refused.value.status, refused.value.detail) == (401, "this token was signed out; log in again")
    assert session_from_token(other, kept).actor.user_id == session.actor.user_id  # only that one token
    other.engine.dispose()


def test_signing_out_everywhere_and_disabling_end_every_token(district, clock) -> None:
    tokens = [issue_token(district, _user(district, "sup"))[0] for _ in range(2)]
    session = session_from_token(district, tokens[0])
    with district.uow() as uow:
        accounts.log_out(uow, user_id=session.actor.user_id, jti=session.jti, expires_at=session.expires_at,
                         now=clock.now(), everywhere=True)  # fmt: skip
    for token in tokens:
        with pytest.raises(ApiProblem):
            session_from_token(district, token)
    fresh, _ = issue_token(district, _user(district, "sup"))
    assert session_from_token(district, fresh).actor.user_id == session.actor.user_id
    with district.uow() as uow:
        accounts.update_user(uow, actor=SYSTEM_ACTOR, user_id=session.actor.user_id, changes={"active": False},
                             grids=district.grids, now=clock.now())  # fmt: skip
    with pytest.raises(ApiProblem) as refused:
        session_from_token(district, fresh)
    assert refused.value.detail == "the account behind this token no longer exists or is disabled"


def test_a_stream_ticket_opens_once_and_expired_revocations_are_purged(district, clock) -> None:
    token, _ = issue_token(district, _user(district, "disp"))
    session = session_from_token(district, token)
    ticket, ttl = issue_stream_ticket(district, session)
    assert ttl == 60
    assert session_from_token(district, ticket, use="stream").actor.user_id == session.actor.user_id
    with pytest.raises(ApiProblem) as refused:
        session_from_token(district, ticket, use="stream")
    assert refused.value.detail == "this stream ticket was used already; take a new one"
    clock.advance(minutes=2)
    with district.uow() as uow:
        accounts.log_out(uow, user_id=session.actor.user_id, jti=session.jti, expires_at=session.expires_at, now=clock.now())
    with district.engine.connect() as conn:
        left = conn.execute(select(func.count()).select_from(t.revoked_tokens)).scalar_one()
    assert left == 1  # the spent ticket's row expired and went; the logged-out token's stays until it expires


def test_an_open_feed_learns_when_the_token_behind_its_ticket_is_signed_out(district, clock) -> None:
    from gridgov.api.security import session_still_valid

    token, _ = issue_token(district, _user(district, "disp"))
    parent = session_from_token(district, token)
    feed = session_from_token(district, issue_stream_ticket(district, parent)[0], use="stream")
    clock.advance(minutes=5)  # the ticket itself expired long ago; the feed it opened stands by its token
    assert session_still_valid(district, feed) is True
    with district.uow() as uow:
        accounts.log_out(uow, user_id=parent.actor.user_id, jti=parent.jti, expires_at=parent.expires_at, now=clock.now())
    assert session_still_valid(district, feed) is False


def test_an_open_feed_ends_when_its_token_expires_or_the_account_is_disabled(district, clock) -> None:
    from gridgov.api.security import session_still_valid

    token, _ = issue_token(district, _user(district, "sup"))
    parent = session_from_token(district, token)
    feed = session_from_token(district, issue_stream_ticket(district, parent)[0], use="stream")
    clock.advance(minutes=district.settings.token_ttl_minutes + 1)
    assert session_still_valid(district, feed) is False
    clock.advance(minutes=-(district.settings.token_ttl_minutes + 1))
    with district.uow() as uow:
        accounts.update_user(uow, actor=SYSTEM_ACTOR, user_id=parent.actor.user_id, changes={"active": False},
                             grids=district.grids, now=clock.now())  # fmt: skip
    assert session_still_valid(district, feed) is False
