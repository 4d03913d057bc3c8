"""Password hashing with Argon2id (pwdlib): the only place that sees a clear-text password."""

from __future__ import annotations

import secrets

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher


class PasswordHasher:
    def __init__(self, *, fast: bool = False) -> None:
        # `fast` lowers Argon2's cost for tests and demo seeding only; production keeps pwdlib's defaults.
        hasher = Argon2Hasher(time_cost=1, memory_cost=8192, parallelism=1) if fast else Argon2Hasher()
        self._hash = PasswordHash((hasher,))
        # made now, not at the first login: that first unknown name would otherwise pay for one hash
        # more than a real one, and show it
        self._dummy = self.hash(secrets.token_urlsafe(24))

    @property
    def dummy_hash(self) -> str:
        """A hash of a random password, made with the same parameters as real ones: verifying against it
        takes as long as verifying a real account, so a login for an unknown or disabled name answers
        in the same time as a wrong password (user names cannot be told apart by timing)."""
        return self._dummy

    def hash(self, password: str) -> str:
        return self._hash.hash(password)

    def verify(self, password: str, hashed: str) -> bool:
        try:
            return self._hash.verify(password, hashed)
        except Exception:
            return False
