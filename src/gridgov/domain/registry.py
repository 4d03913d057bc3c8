"""The register (人房企): residents, the buildings and houses they live in, and organisations, each placed
in a grid (落格入楼), with the rules a row must pass to enter it.

The reference is GB/T 31000-2015 (社会治安综合治理基础数据规范), the "9+X" base data of grid governance:
实有人口 (registered population: 常住 permanent and 流动 floating, 人户分离 living away from the
household registration, the household), 实有房屋 (buildings and their houses) and 实有单位 (organisations
and merchants, by unified social credit code). Grid workers collect it from spreadsheets; a row is
either right as a whole or refused with a reason on its line, and the rest of the file still counts.

Pure: identifiers are checked in domain/identifiers.py; which grid a row names and whether the caller may
write there is decided with the grid tree the service passes in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from gridgov.domain.documents import bad_character
from gridgov.domain.errors import InvalidInput
from gridgov.domain.identifiers import Phone, ResidentId, parse_credit_code, parse_phone, parse_resident_id
from gridgov.domain.privacy import ID_NUMBER_CLEAR_ROLES, PHONE_CLEAR_ROLES
from gridgov.domain.roles import CENTER_ROLES, Actor, Role
from gridgov.domain.scope import in_subtree


class Residence(StrEnum):
    PERMANENT = "permanent"  # 常住人口 (户籍 or living here for six months or more)
    FLOATING = "floating"  # 流动人口 (暂住)

    @property
    def label_zh(self) -> str:
        return {Residence.PERMANENT: "常住", Residence.FLOATING: "流动"}[self]


_RESIDENCE_WORDS = {
    "常住": Residence.PERMANENT, "户籍": Residence.PERMANENT, "permanent": Residence.PERMANENT,
    "流动": Residence.FLOATING, "暂住": Residence.FLOATING, "floating": Residence.FLOATING,
}  # fmt: skip
_YES = {"是", "y", "yes", "true", "1"}
_NO = {"否", "n", "no", "false", "0", ""}

# The columns of a resident file: our field -> the headers people write (Chinese first, as in the
# district's templates; the English field names work too).
RESIDENT_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "name"),
    "id_number": ("身份证号", "公民身份号码", "身份证号码", "id_number"),
    "phone": ("手机号", "联系电话", "电话", "phone"),
    "grid": ("网格", "网格编码", "grid"),
    "building": ("楼栋", "楼栋名称", "building"),
    "room": ("房号", "门牌号", "room"),
    "residence": ("人口类型", "居住类型", "residence"),
    "separated": ("人户分离", "separated"),
    "household_no": ("户号", "household_no"),
    "relation": ("与户主关系", "relation"),
}
REQUIRED_RESIDENT_COLUMNS = ("name", "id_number", "grid")
MAX_NAME = 64
MAX_TEXT = 64


@dataclass(frozen=True)
class ResidentEntry:
    """One checked row of a resident file (or one resident sent as JSON)."""

    name: str
    id: ResidentId
    phone: Phone | None
    grid: str
    building: str | None
    room: str | None
    residence: Residence
    separated: bool
    household_no: str | None
    relation: str | None


def column_map(headers: list[str], columns: dict[str, tuple[str, ...]], required: tuple[str, ...]) -> dict[str, str]:
    """field -> the header of this file that carries it; a required field without a column is refused,
    naming the headers that would do."""
    present = {h.strip().lower(): h for h in headers}
    found = {}
    for name, aliases in columns.items():
        for alias in aliases:
            if alias.lower() in present:
                found[name] = present[alias.lower()]
                break
    missing = [f"{name} ({' / '.join(columns[name])})" for name in required if name not in found]
    if missing:
        raise InvalidInput(f"missing columns: {', '.join(missing)}; columns in the file: {', '.join(headers)}")
    return found


def _text(value: object, field: str, limit: int = MAX_TEXT) -> str | None:
    text = "" if value is None else str(value).strip()
    if not text:
        return None
    problem = bad_character(text)
    if problem:
        raise InvalidInput(f"{field} {problem}")
    if len(text) > limit:
        raise InvalidInput(f"{field} is longer than {limit} characters")
    return text


def parse_resident(row: dict[str, object], columns: dict[str, str], *, today: date) -> ResidentEntry:
    """A row -> a ResidentEntry, or InvalidInput naming the first field that is wrong."""

    def get(name: str) -> object:
        return row.get(columns[name]) if name in columns else None

    name = _text(get("name"), "name", MAX_NAME)
    if name is None:
        raise InvalidInput("name is empty")
    raw_id = _text(get("id_number"), "id_number", 32)
    if raw_id is None:
        raise InvalidInput("id_number is empty")
    resident_id = parse_resident_id(raw_id, today=today)
    raw_phone = _text(get("phone"), "phone", 32)
    phone = parse_phone(raw_phone) if raw_phone else None
    grid = _text(get("grid"), "grid")
    if grid is None:
        raise InvalidInput("grid is empty: every resident is placed in a grid (落格)")
    word = (_text(get("residence"), "residence") or "常住").lower()
    if word not in _RESIDENCE_WORDS:
        raise InvalidInput(f"residence {word!r} is neither 常住 nor 流动")
    flag = (_text(get("separated"), "separated") or "").lower()
    if flag not in _YES | _NO:
        raise InvalidInput(f"separated (人户分离) {flag!r} is neither 是 nor 否")
    return ResidentEntry(
        name=name,
        id=resident_id,
        phone=phone,
        grid=grid,
        building=_text(get("building"), "building"),
        room=_text(get("room"), "room"),
        residence=_RESIDENCE_WORDS[word],
        separated=flag in _YES,
        household_no=_text(get("household_no"), "household_no", 32),
        relation=_text(get("relation"), "relation", 16),
    )


# --- who sees and writes which part of the register ------------------------------------------------

def scope_root(actor: Actor) -> tuple[bool, str | None]:
    """(sees anything, the grid subtree seen): center roles see their subtree (all of it without one), a
    grid worker only the grid (or community) they are assigned to, and nobody else any of it."""
    if actor.role in CENTER_ROLES:
        return True, actor.grid_code
    if actor.role is Role.GRID_WORKER and actor.grid_code is not None:
        return True, actor.grid_code
    return False, None


def in_scope(actor: Actor, grid_code: str | None) -> bool:
    sees, root = scope_root(actor)
    return sees and in_subtree(grid_code, root)


def clear_fields(actor: Actor) -> frozenset[str]:
    """The personal numbers this actor reads in clear (each such read is audited); the rest is masked."""
    fields = set()
    if actor.role in ID_NUMBER_CLEAR_ROLES or actor.role is Role.SYSTEM:
        fields.add("id_number")
    if actor.role in PHONE_CLEAR_ROLES or actor.role is Role.SYSTEM:
        fields.add("phone")
    return frozenset(fields)


# --- organisations and merchants (实有单位) -----------------------------------------------------------

ORGANISATION_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("单位名称", "名称", "name"),
    "credit_code": ("统一社会信用代码", "信用代码", "credit_code"),
    "grid": ("网格", "网格编码", "grid"),
    "building": ("楼栋", "building"),
    "address": ("地址", "经营地址", "address"),
    "contact": ("联系人", "负责人", "contact"),
    "phone": ("联系电话", "电话", "手机号", "phone"),
}
REQUIRED_ORGANISATION_COLUMNS = ("name", "credit_code", "grid")
# What GB 32100's (authority, kind) pair makes an organisation, as the register shows it.
ORGANISATION_KINDS = {
    ("9", "1"): "enterprise", ("9", "2"): "individual_business", ("9", "3"): "farmers_cooperative",
    ("5", "1"): "social_group", ("5", "2"): "private_non_enterprise", ("5", "3"): "foundation",
    ("1", "1"): "government_body", ("1", "2"): "public_institution",
}  # fmt: skip


@dataclass(frozen=True)
class OrganisationEntry:
    name: str
    credit_code: str
    kind: str
    grid: str
    building: str | None
    address: str | None
    contact: str | None
    phone: Phone | None


def parse_organisation(row: dict[str, object], columns: dict[str, str]) -> OrganisationEntry:
    def get(name: str) -> object:
        return row.get(columns[name]) if name in columns else None

    name = _text(get("name"), "name", 128)
    if name is None:
        raise InvalidInput("name is empty")
    raw = _text(get("credit_code"), "credit_code", 32)
    if raw is None:
        raise InvalidInput("credit_code is empty")
    code = parse_credit_code(raw)
    grid = _text(get("grid"), "grid")
    if grid is None:
        raise InvalidInput("grid is empty: every organisation is placed in a grid (落格)")
    raw_phone = _text(get("phone"), "phone", 32)
    return OrganisationEntry(
        name=name,
        credit_code=code.code,
        kind=ORGANISATION_KINDS.get((code.authority, code.kind), "other"),
        grid=grid,
        building=_text(get("building"), "building"),
        address=_text(get("address"), "address", 200),
        contact=_text(get("contact"), "contact"),
        phone=parse_phone(raw_phone) if raw_phone else None,
    )
