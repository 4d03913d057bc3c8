"""The password policy: which new passwords an account may be given, and why one is refused.

One policy for every way a password is set (`gridgov users add`, `POST /api/v1/users`, a user changing
their own with `POST /api/v1/auth/password`), so no door is weaker than the others. The rules follow
NIST SP 800-63B §5.1.1.2: length matters most, a password on a list of commonly used ones is refused,
and so is one built from the account's own name; there are no composition rules ("one capital, one
symbol") and no expiry. The list of common passwords is passed in (the domain does no I/O; see
adapters/password_list.py for where it comes from).

Each refusal has a stable `code` (for pages to put into words) and an English `message` naming the rule.
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass

MAX_LENGTH = 256  # Argon2 takes any length; the bound keeps request bodies and hashing time small
NAME_MIN_LENGTH = 3  # shorter names ("gw") appear inside unrelated passwords by chance


@dataclass(frozen=True)
class PasswordProblem:
    code: str  # too_short | too_long | digits_only | one_character | common | contains_username | contains_display_name
    message: str


@dataclass(frozen=True)
class PasswordPolicy:
    min_length: int = 10
    common: Container[str] = frozenset()  # lowercased common passwords

    def problem(self, password: str, *, username: str = "", display_name: str = "") -> PasswordProblem | None:
        """The first rule `password` breaks, or None when the account may have it."""
        if len(password) < self.min_length:
            return PasswordProblem("too_short", f"the password must have at least {self.min_length} characters")
        if len(password) > MAX_LENGTH:
            return PasswordProblem("too_long", f"the password must have at most {MAX_LENGTH} characters")
        if password.isdigit():
            return PasswordProblem("digits_only", "a password of digits only is too easy to guess; add letters or words")
        if len(set(password)) == 1:
            return PasswordProblem("one_character", "a password of one repeated character is too easy to guess")
        folded = password.casefold()
        if folded in self.common or folded.strip() in self.common:
            return PasswordProblem("common", "this password is on a list of commonly used passwords; choose another")
        compact = "".join(folded.split())
        name = username.strip().casefold()
        if len(name) >= NAME_MIN_LENGTH and name in compact:
            return PasswordProblem("contains_username", "the password must not contain the user name")
        for part in _name_parts(display_name):
            if part in compact:
                return PasswordProblem("contains_display_name", "the password must not contain the display name")
        return None


def _name_parts(display_name: str) -> list[str]:
    """The display name as a whole (spaces removed) and each word of it, when long enough to matter."""
    words = display_name.casefold().split()
    parts = ["".join(words), *words]
    return [p for p in dict.fromkeys(parts) if len(p) >= NAME_MIN_LENGTH]
