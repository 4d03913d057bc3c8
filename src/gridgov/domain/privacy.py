"""Personal data (个人信息) of residents and its masking by role.

Masking lives in the domain so every adapter (API, exports, screens) masks the same way; which roles
may see a field in clear is a policy table here, and every unmasked read is audited by the caller.
"""

from __future__ import annotations

import re

from gridgov.domain.roles import Role

# Roles that must reach the reporter (call back, verify on site) see the phone number in clear.
PHONE_CLEAR_ROLES = frozenset({Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN})
ID_NUMBER_CLEAR_ROLES = frozenset({Role.ADMIN})

_PHONE = re.compile(r"^\+?[0-9][0-9 \-]{5,19}$")


def valid_phone(value: str) -> bool:
    return bool(_PHONE.match(value.strip()))


def mask_phone(phone: str | None) -> str | None:
    """Keep the first 3 and last 4 digits (138****5678), the form residents know from bank SMS."""
    if not phone:
        return phone
    digits = re.sub(r"\D", "", phone)
    if len(digits) <= 4:
        return "*" * len(digits)
    if len(digits) < 8:
        return "*" * (len(digits) - 2) + digits[-2:]
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_id_number(value: str | None) -> str | None:
    """Resident ID (身份证号): keep the first 6 (region) and last 4 characters."""
    if not value:
        return value
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_name(name: str | None) -> str | None:
    """Chinese names keep the surname (张**); others keep the first letter."""
    if not name:
        return name
    return name[0] + "*" * max(1, len(name) - 1)


def phone_visible_to(role: Role, *, is_self: bool = False) -> bool:
    return is_self or role in PHONE_CLEAR_ROLES
