"""Personal data (个人信息) of residents and its masking by role.

Masking lives in the domain so every adapter (API, exports, screens) masks the same way; which roles
may see a field in clear is a policy table here, and every unmasked read is audited by the caller.
"""

from __future__ import annotations

import re
from typing import overload

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


# Personal numbers people type into free text ("请联系我13812345678"): resident ID numbers (18 digits, the
# last may be X; or the old 15), mainland mobiles (1[3-9] + 9 digits, also written 138-1234-5678 or
# 138 1234 5678) and landlines with an area code (0755-83561234). Digits glued to other digits are not
# matched, so order numbers and amounts stay as they are.
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_MOBILE_IN_TEXT = re.compile(r"(?<!\d)(?:\+?86[ \-]?)?1[3-9]\d(?:[ \-]?\d{4}){2}(?!\d)")
_LANDLINE_IN_TEXT = re.compile(r"(?<!\d)0\d{2,3}-\d{7,8}(?!\d)")


@overload
def redact_text(text: str) -> str: ...
@overload
def redact_text(text: None) -> None: ...
def redact_text(text: str | None) -> str | None:
    """Free text with the personal numbers in it masked the way the phone field is (138****5678), for
    every reader who does not see the reporter's phone in clear and for everything published."""
    if not text:
        return text
    text = _ID_IN_TEXT.sub(lambda m: mask_id_number(m.group(0)) or "", text)
    text = _MOBILE_IN_TEXT.sub(lambda m: mask_phone(m.group(0)) or "", text)
    return _LANDLINE_IN_TEXT.sub(lambda m: mask_phone(m.group(0)) or "", text)
