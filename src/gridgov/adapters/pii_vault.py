"""Residents' personal numbers at rest: encrypted, and found again by a keyed hash.

A copy of the database (a backup, a replica, a support dump) must not be a list of ID numbers and phones.
So the register keeps each number as a Fernet token (AES-128-CBC with HMAC-SHA256, from `cryptography`)
and, beside it, an HMAC-SHA256 of the canonical number under a second key: equal numbers have equal
hashes, which makes "is this person registered?" and search by number one indexed lookup, while the hash
alone reveals nothing without the key.

Both keys are derived from one setting (`pii_key`, or `secret_key` when unset) with HKDF-SHA256 and
distinct labels, so one value is all an operator keeps. Rotation (docs/settings.md): the new key encrypts
and hashes; the old ones in `pii_old_keys` still decrypt, and searches look for the hash under every key,
until `rotate` has rewritten each row under the new key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def _derive(material: str, label: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"gridgov-pii", info=label).derive(material.encode())


@dataclass(frozen=True)
class _Key:
    fernet: Fernet
    search: bytes


class PiiVault:
    def __init__(self, material: str, old_materials: list[str] | tuple[str, ...] = ()) -> None:
        if not material:
            raise ValueError("the personal-data key is empty")
        self._keys = [
            _Key(Fernet(base64.urlsafe_b64encode(_derive(m, b"encrypt"))), _derive(m, b"search"))
            for m in (material, *old_materials)
        ]
        self._fernet = MultiFernet([k.fernet for k in self._keys])

    @classmethod
    def from_settings(cls, settings, secret_key: str) -> PiiVault:
        return cls(settings.pii_key or secret_key, list(settings.pii_old_keys))

    def seal(self, value: str) -> str:
        """The encrypted form kept in the database (under the current key)."""
        return self._fernet.encrypt(value.encode()).decode("ascii")

    def open(self, token: str) -> str:
        """The clear value of a sealed one, under whichever listed key sealed it."""
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode()
        except InvalidToken:
            raise ValueError("a personal number was sealed under a key this process does not hold") from None

    def digest(self, value: str) -> str:
        """The search hash under the current key: what new rows store."""
        return self._digest(self._keys[0], value)

    def digests(self, value: str) -> list[str]:
        """The search hash under every listed key: what a search looks for during a rotation."""
        return [self._digest(k, value) for k in self._keys]

    @staticmethod
    def _digest(key: _Key, value: str) -> str:
        return hmac.new(key.search, value.encode(), hashlib.sha256).hexdigest()

    def reseal(self, token: str) -> tuple[str, str]:
        """(token, hash) of a stored value under the current key, for the rotation."""
        clear = self.open(token)
        return self.seal(clear), self.digest(clear)
