"""Vocabulary shared by intake and triage: channels (来源渠道), grades (分级) and the category table
(大类/小类). The table is data (src/gridgov/data/categories.csv by default), parsed here without I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Any

# Recognition of the table's categories in a report's words lives in domain/recognition.py; named_in,
# suggest and Naming stay importable from here for the callers that always found them here.
from gridgov.domain.recognition import Naming, named_in, phrasing_problems, references, suggest

__all__ = ["Naming", "named_in", "suggest"]


class Channel(StrEnum):
    GRID_APP = "grid_app"  # 网格员上报
    RESIDENT_APP = "resident_app"  # 居民/社会主体随手拍
    HOTLINE = "hotline_12345"  # 12345 热线
    OPEN311 = "open311"
    CAMERA = "ai_camera"  # AI 摄像头
    IOT = "iot_alarm"  # 物联感知
    SOS = "sos_button"  # 一键呼
    DESK = "desk"  # entered by a dispatcher

    @property
    def label_zh(self) -> str:
        return CHANNEL_LABELS[self]


CHANNEL_LABELS = {
    Channel.GRID_APP: "网格员上报",
    Channel.RESIDENT_APP: "居民随手拍",
    Channel.HOTLINE: "12345热线",
    Channel.OPEN311: "Open311",
    Channel.CAMERA: "AI视频识别",
    Channel.IOT: "物联感知",
    Channel.SOS: "一键呼",
    Channel.DESK: "指挥中心录入",
}


class Grade(IntEnum):
    """分级: 1 is the most urgent (life and safety), 4 routine."""

    CRITICAL = 1  # 特急
    URGENT = 2  # 紧急
    NORMAL = 3  # 一般
    ROUTINE = 4  # 常规

    @property
    def label_zh(self) -> str:
        return {1: "特急", 2: "紧急", 3: "一般", 4: "常规"}[int(self)]


# Default handling limits per grade until the working calendar and routing rules set them (issue 4):
# hours of calendar time; 2 h for life-and-safety mirrors the "emergency within hours" practice in the
# context reports, 3 days for ordinary urban-management events is the common 时限 in 数字城管 standards.
DEFAULT_LIMIT_HOURS = {Grade.CRITICAL: 2, Grade.URGENT: 24, Grade.NORMAL: 72, Grade.ROUTINE: 120}


CATEGORY_KINDS = ("component", "event", "message", "camera", "sos")


@dataclass(frozen=True)
class Category:
    """One line of the category table: 大类 (major) / 小类 (name) with its defaults."""

    code: str
    kind: str
    major: str
    name: str
    name_en: str
    grade: Grade
    time_limit: str
    unit_type: str
    # How reports say it, as data an admin edits with the table (issue 11): other names of the category
    # (垃圾箱, 果皮箱 for 垃圾桶), typical phrasings (slots of alternatives, see domain/recognition.py) and
    # the camera algorithms' scene types (and sensor metrics) filed under it.
    synonyms: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()
    scenes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for key in LIST_COLUMNS:  # stored rows give lists (JSON) or None; the domain keeps tuples
            value = getattr(self, key)
            object.__setattr__(self, key, tuple(value or ()))

    @property
    def label(self) -> str:
        return f"{self.major}/{self.name}"


class CategoryTable:
    """The categories a deployment uses, by code; parsed from CSV text so it stays data, not code."""

    def __init__(self, categories: list[Category]) -> None:
        self._by_code = {c.code: c for c in categories}
        self._by_name = {c.name: c for c in categories}

    def __iter__(self):
        return iter(self._by_code.values())

    def __len__(self) -> int:
        return len(self._by_code)

    def get(self, code_or_name: str) -> Category | None:
        return self._by_code.get(code_or_name) or self._by_name.get(code_or_name)

    def by_scene(self, scene: str) -> Category | None:
        """The category a camera scene type (or a sensor metric) is filed under, if the table has it."""
        return next((c for c in self._by_code.values() if scene in c.scenes), None)


_TIME_LIMIT = re.compile(r"^\d+(m|h|d|wh|wd)$")


_CODE = re.compile(r"^[A-Z][A-Z0-9]{1,15}$")
REQUIRED_COLUMNS = ("code", "kind", "major", "name", "name_en", "grade", "time_limit", "unit_type")
# Optional list columns: items separated by "|" in CSV, a list (or the same string) in YAML.
LIST_COLUMNS = ("synonyms", "phrases", "scenes")
CATEGORY_COLUMNS = REQUIRED_COLUMNS + LIST_COLUMNS
MAX_LIST_ITEMS = 64
MAX_ITEM_CHARS = 200  # a phrasing of four slots with their alternatives


def parse_category_csv(text: str) -> CategoryTable:
    """Parse a category table from CSV; every bad row is reported (by line number) in one InvalidInput."""
    from gridgov.domain.documents import read_csv
    from gridgov.domain.errors import InvalidInput

    header, rows = read_csv(text, "the category table")  # bounded: rows, field size, characters
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise InvalidInput(f"the category table lacks the columns: {', '.join(missing)}")
    return _category_table((f"line {n}", row) for n, row in rows)


def parse_category_yaml(text: str) -> CategoryTable:
    """Parse a category table from YAML: a list of mappings with the CSV's keys, or the same list under
    `categories:`; bad items are reported by their position (item 1 is the first)."""
    from gridgov.domain.documents import load_yaml
    from gridgov.domain.errors import InvalidInput

    data = load_yaml(text, "the category table")  # bounded: depth, size, no aliases
    if isinstance(data, dict) and "categories" in data:
        data = data["categories"]
    if not isinstance(data, list):
        raise InvalidInput("the YAML must be a list of categories (or have them under `categories:`)")
    items = []
    for n, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            raise InvalidInput(f"item {n} is not a mapping of {', '.join(CATEGORY_COLUMNS)}")
        items.append((f"item {n}", {k: _yaml_cell(item.get(k)) for k in CATEGORY_COLUMNS}))
    return _category_table(items)


def _yaml_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "|".join("" if v is None else str(v) for v in value)
    return str(value)


def category_rows(table: CategoryTable, *, lists: bool = False) -> list[dict[str, Any]]:
    """The table as plain rows in CATEGORY_COLUMNS order, for CSV/YAML/JSON export: list columns joined
    by "|" (what the CSV holds), or as lists with `lists=True` (YAML)."""
    def cell(c: Category, k: str):
        v = getattr(c, k)
        if k == "grade":
            return int(v)
        if k in LIST_COLUMNS:
            return list(v) if lists else "|".join(v)
        return v

    return [{k: cell(c, k) for k in CATEGORY_COLUMNS} for c in table]


def _list_cell(text: str, column: str, errors: list[str]) -> tuple[str, ...]:
    items = tuple(dict.fromkeys(i.strip() for i in text.split("|") if i.strip()))
    if len(items) > MAX_LIST_ITEMS:
        errors.append(f"{column} has more than {MAX_LIST_ITEMS} items")
    long = [i for i in items if len(i) > MAX_ITEM_CHARS]
    if long:
        errors.append(f"{column} item longer than {MAX_ITEM_CHARS} characters: {long[0][:20]}…")
    return items


def _category_table(items) -> CategoryTable:
    from gridgov.domain.deadlines import TimeLimit
    from gridgov.domain.errors import InvalidInput

    problems: list[str] = []
    rows: list[Category] = []
    seen: set[str] = set()
    for where, raw in items:
        row = {k: (raw.get(k) or "").strip() for k in CATEGORY_COLUMNS}
        code = row["code"]
        errors: list[str] = []
        lists = {k: _list_cell(row[k], k, errors) for k in LIST_COLUMNS}
        errors.extend(phrasing_problems(lists["phrases"]))
        if not _CODE.match(code):
            errors.append(f"bad code {code!r}")
        elif code in seen:
            errors.append(f"duplicate code {code}")
        if row["kind"] not in CATEGORY_KINDS:
            errors.append(f"kind must be one of {', '.join(CATEGORY_KINDS)}")
        if row["grade"] not in {"1", "2", "3", "4"}:
            errors.append("grade must be 1-4")
        if not _TIME_LIMIT.match(row["time_limit"]):
            errors.append("time_limit must look like 30m, 4h, 8wh or 3wd")
        else:
            try:  # bounded like every limit (at most a year), so no dispatch of the category fails later
                TimeLimit.parse(row["time_limit"])
            except InvalidInput as exc:
                errors.append(exc.detail)
        if not row["name"] or not row["major"]:
            errors.append("major and name must not be empty")
        if errors:
            problems.append(f"{where}: {'; '.join(errors)}")
            continue
        seen.add(code)
        rows.append(
            Category(
                code=code, kind=row["kind"], major=row["major"], name=row["name"], name_en=row["name_en"],
                grade=Grade(int(row["grade"])), time_limit=row["time_limit"], unit_type=row["unit_type"], **lists,
            )
        )  # fmt: skip
    problems.extend(_table_problems(rows))
    if problems:
        raise InvalidInput(f"{len(problems)} bad row(s) in the category table", problems=problems)
    if not rows:
        raise InvalidInput("the category table is empty")
    return CategoryTable(rows)


def _table_problems(rows: list[Category]) -> list[str]:
    """What only the whole table can say is wrong: a scene filed under two categories, a phrasing that
    refers to a category ([name]) the table lacks."""
    problems = []
    owner: dict[str, str] = {}
    for c in rows:
        for scene in c.scenes:
            if scene in owner and owner[scene] != c.code:
                problems.append(f"scene {scene!r} is filed under both {owner[scene]} and {c.code}")
            owner.setdefault(scene, c.code)
    known = {c.name for c in rows} | {c.code for c in rows}
    for c in rows:
        for ref in sorted({r for p in c.phrases for r in references(p)} - known):
            problems.append(f"{c.code}: a phrasing refers to [{ref}], which is no category of the table")
    return problems
