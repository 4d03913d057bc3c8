"""National identifiers the register (人房企) keeps: resident ID numbers, unified social credit codes and
mainland phone numbers, each checked against the standard that defines it.

A register fills up from spreadsheets typed by hand; a number with one wrong digit would later match the
wrong person or none. So every number is checked here once, on the way in, and each refusal says which
rule the number broke (the import reports it on the row's line). Pure: "today" comes in as an argument.

- Resident ID numbers (公民身份号码), GB 11643-1999: 6-digit address code (GB/T 2260), birth date
  YYYYMMDD, 3-digit sequence (odd for men, even for women), one check character (ISO 7064 MOD 11-2).
  The first-generation 15-digit number (YYMMDD, no check) is upgraded to 18 by inserting "19" and
  computing the check, as the public-security offices did when the second-generation cards came in.
- Unified social credit codes (统一社会信用代码), GB 32100-2015: registration authority, organisation
  kind, 6-digit region code, the 9-character organisation code of GB 11714-1997 (with its own MOD 11
  check) and a MOD 31 check character over an alphabet without I, O, Z, S, V.
- Mainland phone numbers: mobiles (1[3-9] + 9 digits) and landlines with an area code (0755-83561234).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from gridgov.domain.errors import InvalidInput


class InvalidIdentifier(InvalidInput):
    """A number that breaks its standard; `code` names the rule (stable, for screens and tests)."""

    title = "Invalid identifier"

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail, code=code)
        self.code = code


# --- resident ID numbers (GB 11643-1999) --------------------------------------------------------------

# Weights W_i = 2^(17-i) mod 11 for the 17 body digits, and the check character for S mod 11 (ISO 7064 MOD 11-2).
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
# First two digits of a GB/T 2260 address code: the provinces, plus 71 台湾, 81 香港, 82 澳门 and 83, which
# the residence permits for Hong Kong, Macao and Taiwan residents (港澳台居民居住证, 2018) carry.
PROVINCE_CODES = frozenset(
    {"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42",
     "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82", "83"}
)  # fmt: skip
# No one alive was born earlier; GB 11643's own worked example is born in 1880, so that year must pass.
EARLIEST_BIRTH = date(1850, 1, 1)


class Sex(StrEnum):
    MALE = "male"
    FEMALE = "female"


@dataclass(frozen=True)
class ResidentId:
    """A checked 18-character ID number; `upgraded` says it was given in the old 15-digit form."""

    number: str
    region_code: str
    birth_date: date
    sex: Sex
    upgraded: bool = False


def id_check_character(body17: str) -> str:
    """The 18th character of an ID number whose first 17 digits are `body17`."""
    if len(body17) != 17 or not body17.isascii() or not body17.isdigit():
        raise InvalidIdentifier("id_shape", "an ID number body is 17 digits")
    total = sum(int(digit) * weight for digit, weight in zip(body17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def upgrade_id_number(number15: str) -> str:
    """The 18-character number of a first-generation 15-digit ID number (birth year 19YY)."""
    if len(number15) != 15 or not number15.isascii() or not number15.isdigit():
        raise InvalidIdentifier("id_shape", "a first-generation ID number is 15 digits")
    body = number15[:6] + "19" + number15[6:]
    return body + id_check_character(body)


def parse_resident_id(value: str, *, today: date) -> ResidentId:
    """Check an ID number (18 characters, or the old 15 digits) and return it in its 18-character form.

    Refused, each with its own code: a wrong length or character (`id_shape`), an address code whose
    province does not exist (`id_region`), a birth date that is no calendar date (`id_birth_date`), one
    after `today` or before 1850 (`id_birth_future`, `id_birth_past`), a wrong check character
    (`id_checksum`)."""
    text = value.strip().upper()
    upgraded = len(text) == 15
    if upgraded:
        if not (text.isascii() and text.isdigit()):
            raise InvalidIdentifier("id_shape", "a 15-digit ID number has digits only")
        birth_text = "19" + text[6:12]
    elif len(text) == 18:
        if not (text.isascii() and text[:17].isdigit() and (text[17].isdigit() or text[17] == "X")):
            raise InvalidIdentifier("id_shape", "an ID number is 17 digits and a digit or X")
        birth_text = text[6:14]
    else:
        raise InvalidIdentifier("id_shape", f"an ID number has 18 characters (or 15 digits), not {len(text)}")
    if text[:2] not in PROVINCE_CODES or text[2:6] == "0000" and text[:2] not in {"71", "81", "82", "83"}:
        raise InvalidIdentifier("id_region", f"address code {text[:6]} names no province, city or county")
    try:
        birth = date(int(birth_text[:4]), int(birth_text[4:6]), int(birth_text[6:8]))
    except ValueError:
        raise InvalidIdentifier("id_birth_date", f"birth date {birth_text} is not a calendar date") from None
    if birth > today:
        raise InvalidIdentifier("id_birth_future", f"birth date {birth.isoformat()} is in the future")
    if birth < EARLIEST_BIRTH:
        raise InvalidIdentifier("id_birth_past", f"birth date {birth.isoformat()} is before {EARLIEST_BIRTH.isoformat()}")
    if upgraded:
        text = upgrade_id_number(text)
    elif id_check_character(text[:17]) != text[17]:
        raise InvalidIdentifier("id_checksum", "the check character does not match (a digit is mistyped)")
    sex = Sex.MALE if int(text[16]) % 2 else Sex.FEMALE
    return ResidentId(number=text, region_code=text[:6], birth_date=birth, sex=sex, upgraded=upgraded)


# --- unified social credit codes (GB 32100-2015) and organisation codes (GB 11714-1997) ---------------

# The 31 characters of GB 32100 in the order of their values 0..30 (no I, O, Z, S, V: they read as 1, 0, 2, 5, U).
CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_VALUE = {ch: i for i, ch in enumerate(CREDIT_ALPHABET)}
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)  # 3^(i-1) mod 31
# GB 11714: body characters 0-9 = 0..9, A-Z = 10..35, weights below, check 11 - (S mod 11) with 10 -> X, 11 -> 0.
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
# Registration authorities (登记管理部门) of GB 32100 Table 1 and the organisation kinds each registers.
CREDIT_AUTHORITIES: dict[str, tuple[str, frozenset[str]]] = {
    "1": ("机构编制", frozenset("1239")),
    "2": ("外交", frozenset("19")),
    "3": ("司法行政", frozenset("123459")),
    "4": ("文化", frozenset("19")),
    "5": ("民政", frozenset("1239")),
    "6": ("旅游", frozenset("129")),
    "7": ("宗教", frozenset("129")),
    "8": ("工会", frozenset("19")),
    "9": ("工商", frozenset("123")),
    "A": ("中央军委改革和编制办公室", frozenset("19")),
    "N": ("农业", frozenset("129")),
    "Y": ("其他", frozenset("1")),
}
# The kinds of the market regulator (工商, authority 9), the ones merchants in a grid carry.
MARKET_KINDS = {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"}


@dataclass(frozen=True)
class CreditCode:
    code: str
    authority: str
    kind: str
    region_code: str
    organisation_code: str


def organisation_check_character(body8: str) -> str:
    """The 9th character of a GB 11714 organisation code whose first 8 characters are `body8`."""
    if len(body8) != 8 or not all(ch.isascii() and (ch.isdigit() or ch.isupper()) for ch in body8):
        raise InvalidIdentifier("org_shape", "an organisation code body is 8 digits or capital letters")
    total = sum(int(ch, 36) * weight for ch, weight in zip(body8, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def credit_check_character(body17: str) -> str:
    """The 18th character of a credit code whose first 17 characters are `body17`."""
    if len(body17) != 17 or any(ch not in _CREDIT_VALUE for ch in body17):
        raise InvalidIdentifier("credit_alphabet", "a credit code uses 0-9 and A-Y without I, O, Z, S, V")
    total = sum(_CREDIT_VALUE[ch] * weight for ch, weight in zip(body17, _CREDIT_WEIGHTS, strict=True))
    return CREDIT_ALPHABET[(31 - total % 31) % 31]


def parse_credit_code(value: str) -> CreditCode:
    """Check a unified social credit code. Refused, each with its own code: not 18 characters
    (`credit_length`), a character outside the GB 32100 alphabet (`credit_alphabet`), an unknown
    registration authority or kind (`credit_authority`, `credit_kind`), a region that is not six digits of
    an existing province (`credit_region`), a wrong organisation-code check (`org_checksum`) and a wrong
    check character (`credit_checksum`)."""
    code = value.strip().upper()
    if len(code) != 18:
        raise InvalidIdentifier("credit_length", f"a credit code has 18 characters, not {len(code)}")
    bad = sorted({ch for ch in code if ch not in _CREDIT_VALUE})
    if bad:
        raise InvalidIdentifier("credit_alphabet", f"a credit code has no {', '.join(bad)} (GB 32100 alphabet)")
    if code[0] not in CREDIT_AUTHORITIES:
        raise InvalidIdentifier("credit_authority", f"{code[0]} is no registration authority of GB 32100")
    authority, kinds = CREDIT_AUTHORITIES[code[0]]
    if code[1] not in kinds:
        raise InvalidIdentifier("credit_kind", f"authority {code[0]} ({authority}) registers no kind {code[1]}")
    region = code[2:8]
    if not region.isdigit() or region[:2] not in PROVINCE_CODES and region != "100000":
        raise InvalidIdentifier("credit_region", f"region {region} is not a GB/T 2260 code")
    organisation = code[8:17]
    if organisation_check_character(organisation[:8]) != organisation[8]:
        raise InvalidIdentifier("org_checksum", f"the embedded organisation code {organisation} fails its GB 11714 check")
    if credit_check_character(code[:17]) != code[17]:
        raise InvalidIdentifier("credit_checksum", "the check character does not match (a character is mistyped)")
    return CreditCode(code=code, authority=code[0], kind=code[1], region_code=region, organisation_code=organisation)


# --- mainland phone numbers -------------------------------------------------------------------------

class PhoneKind(StrEnum):
    MOBILE = "mobile"
    LANDLINE = "landline"


@dataclass(frozen=True)
class Phone:
    """`number` is the canonical form kept and hashed: 11 digits for a mobile, 0AREA-NUMBER for a landline."""

    number: str
    kind: PhoneKind


_SEPARATORS = re.compile(r"[\s\-()（）]")
# Area codes: 010 and 02X are three digits; the others 0 + three digits starting 3-9 (0755, 0371 …).
# Local numbers are 7 or 8 digits and never start with 0 or 1 (those are trunk and service prefixes).
_LANDLINE = re.compile(r"^(010|02\d|0[3-9]\d{2})([2-9]\d{6,7})$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def parse_phone(value: str) -> Phone:
    """Check a mainland number, written with spaces, dashes, brackets or a +86/0086 prefix as people do.
    Refused: characters other than digits and separators (`phone_characters`), a mobile not of 11 digits
    starting 13-19 (`phone_mobile`), a landline without a valid area code or local number (`phone_landline`)."""
    text = _SEPARATORS.sub("", value.strip())
    international = text.startswith(("+86", "0086"))
    if international:  # from abroad a landline drops its trunk 0: +86 755 8356 1234
        text = text.removeprefix("+86").removeprefix("0086")
        if text[:1].isdigit() and text[0] not in "01" or text.startswith("10"):  # 10 is Beijing, no mobile
            text = "0" + text
    if not text or not text.isascii() or not text.isdigit():
        raise InvalidIdentifier("phone_characters", "a phone number has digits, spaces and dashes only")
    if text[0] == "1":
        if not _MOBILE.match(text):
            raise InvalidIdentifier("phone_mobile", "a mobile number is 11 digits starting 13 to 19")
        return Phone(number=text, kind=PhoneKind.MOBILE)
    match = _LANDLINE.match(text)
    if not match:
        raise InvalidIdentifier("phone_landline", "a landline is an area code (010, 02X, 0XXX) and 7 or 8 digits")
    return Phone(number=f"{match.group(1)}-{match.group(2)}", kind=PhoneKind.LANDLINE)
