"""Password hashing with Argon2id (pwdlib): the only place that sees a clear-text password."""

from __future__ import annotations

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher


class PasswordHasher:
    def __init__(self, *, fast: bool = False) -> None:
        # `fast` lowers Argon2's cost for tests and demo seeding only; production keeps pwdlib's defaults.
        hasher = Argon2Hasher(time_cost=1, memory_cost=8192, parallelism=1) if fast else Argon2Hasher()
        self._hash = PasswordHash((hasher,))

    def hash(self, password: str) -> str:
        return self._hash.hash(password)

    def verify(self, password: str, hashed: str) -> bool:
        try:
            return self._hash.verify(password, hashed)
        except Exception:
            return False
