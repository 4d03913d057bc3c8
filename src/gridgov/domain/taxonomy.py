"""Vocabulary shared by intake and triage: channels (来源渠道), grades (分级) and the category table
(大类/小类). The table is data (src/gridgov/data/categories.csv by default), parsed here without I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import IntEnum, StrEnum


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


_TIME_LIMIT = re.compile(r"^\d+(m|h|d|wh|wd)$")


_CODE = re.compile(r"^[A-Z][A-Z0-9]{1,15}$")
CATEGORY_COLUMNS = ("code", "kind", "major", "name", "name_en", "grade", "time_limit", "unit_type")


def parse_category_csv(text: str) -> CategoryTable:
    """Parse a category table from CSV; every bad row is reported (by line number) in one InvalidInput."""
    from gridgov.domain.documents import read_csv
    from gridgov.domain.errors import InvalidInput

    header, rows = read_csv(text, "the category table")  # bounded: rows, field size, characters
    missing = [c for c in CATEGORY_COLUMNS if c not in header]
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
        items.append((f"item {n}", {k: "" if item.get(k) is None else str(item[k]) for k in CATEGORY_COLUMNS}))
    return _category_table(items)


def category_rows(table: CategoryTable) -> list[dict[str, str | int]]:
    """The table as plain rows in CATEGORY_COLUMNS order, for CSV/YAML/JSON export."""
    return [{k: (int(v) if k == "grade" else v) for k, v in ((k, getattr(c, k)) for k in CATEGORY_COLUMNS)} for c in table]


def _category_table(items) -> CategoryTable:
    from gridgov.domain.deadlines import TimeLimit
    from gridgov.domain.errors import InvalidInput

    problems: list[str] = []
    rows: list[Category] = []
    seen: set[str] = set()
    for where, raw in items:
        row = {k: (raw.get(k) or "").strip() for k in CATEGORY_COLUMNS}
        code = row["code"]
        errors = []
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
                grade=Grade(int(row["grade"])), time_limit=row["time_limit"], unit_type=row["unit_type"],
            )
        )  # fmt: skip
    if problems:
        raise InvalidInput(f"{len(problems)} bad row(s) in the category table", problems=problems)
    if not rows:
        raise InvalidInput("the category table is empty")
    return CategoryTable(rows)


# Words residents use that a category's own name does not contain (category code -> words).
EVERYDAY_WORDS = {
    "E0109": ("垃圾桶满", "垃圾满", "满溢"), "E0102": ("垃圾", "异味", "臭"), "E0110": ("杂物", "堆放", "堆满", "纸箱", "建材"),
    "E0503": ("摆摊", "摊贩", "占道"), "E0501": ("小贩", "流动摊"), "E0502": ("出店", "桌椅摆"), "E0504": ("乱停", "违停", "停车"),
    "E0505": ("单车", "电动车乱放"), "E0506": ("消防通道", "堵住通道"), "E0507": ("噪音", "吵", "扰民", "音响"),
    "E0508": ("拉电线", "充电", "飞线"), "E0509": ("扔东西", "抛物", "楼上扔"), "E0301": ("施工", "工地"),
    "E0402": ("漏水", "水管", "爆管"), "E0404": ("下水道", "堵塞", "污水"), "E0405": ("积水", "水浸"),
    "E0406": ("着火", "起火", "冒烟"), "E0407": ("井盖没了", "井盖不见", "井盖被偷", "没有井盖"), "E0101": ("违建", "搭建", "加建"),
    "C0108": ("路灯", "灯不亮"), "C0103": ("井盖",), "C0201": ("红绿灯", "信号灯"), "E0201": ("小广告", "牛皮癣"), "E0601": ("群租", "合租"),
    "E0409": ("摔倒", "跌倒"),
}  # fmt: skip


def suggest(text: str, table: CategoryTable, limit: int = 3) -> list[tuple[Category, float]]:
    """Categories a reporter probably means, best first, with a score in (0, 1]: what the report page
    offers as the reporter types. The category's own name counts most, then everyday words."""
    text = text.strip()
    if len(text) < 2:
        return []
    scored: dict[str, float] = {}
    for category in table:
        if category.kind not in ("event", "component"):
            continue
        name = category.name
        pairs = {name[i : i + 2] for i in range(len(name) - 1)} or {name}
        score = 1.0 if name in text else 0.8 * sum(p in text for p in pairs) / len(pairs)
        hits = [w for w in EVERYDAY_WORDS.get(category.code, ()) if w in text]
        if hits:
            score = max(score, min(1.0, 0.6 + 0.1 * max(len(w) for w in hits)))
        if score >= 0.4:
            scored[category.code] = round(score, 2)
    best = sorted(scored.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    return [(table.get(code), score) for code, score in best]


# Phrases shorter than this are hints for the report page, not enough to decide a case's category alone
# ("吵", "垃圾", "充电" fit too many reports); a category's own name counts at any length (路灯, 火灾).
NAMING_PHRASE_MIN = 3
CATCH_ALL_NAMES = frozenset({"其他", "其它"})
# Everyday phrases long enough to count that still say too little to decide ("往河里扔东西" is not 高空抛物).
HINTS_ONLY = frozenset({"扔东西"})
# Words right after a named thing that make it a landmark or a qualifier, not the problem: "路灯下有人摔倒",
# "公交站亭旁边有人摆摊", "火灾隐患", "火灾报警器误报", "负责路灯维修的公司拖欠工资".
LANDMARK_AFTER = ("旁", "边", "下", "附近", "对面", "前面", "后面", "隐患", "报警器", "报警", "维修", "公司", "厂家")
# Words right before it that deny it: "不是火灾", "并非起火".
DENIED_BEFORE = ("不是", "并非", "没有发生")
# Words before a lamp that make it another lamp than a street lamp (楼道灯 is the building's, 红绿灯 the
# traffic police's); phrase -> qualifiers.
OTHER_KIND_BEFORE = {"灯不亮": ("楼道", "楼梯", "电梯", "家里", "室内", "信号", "红绿", "车")}
# A report that says the problem is already solved names nothing to dispatch ("路灯已经修好了，谢谢").
SOLVED = re.compile(r"已经?(修好|修复|修理好|清理|清除|处理|解决|拆除)|(修好|清理干净|处理好|解决)了")


@dataclass(frozen=True)
class Naming:
    category: Category
    phrase: str


def _hits(text: str, category: Category):
    """(start, end, phrase) of each phrase of the category found in the text where it is the subject."""
    phrases = [category.name] + [
        w for w in EVERYDAY_WORDS.get(category.code, ()) if len(w) >= NAMING_PHRASE_MIN and w not in HINTS_ONLY
    ]
    for phrase in dict.fromkeys(p for p in phrases if p):
        start = text.find(phrase)
        while start >= 0:
            end = start + len(phrase)
            before, after = text[max(0, start - 4) : start], text[end:]
            if not (
                after.startswith(LANDMARK_AFTER)
                or before.endswith(DENIED_BEFORE)
                or before.endswith(OTHER_KIND_BEFORE.get(phrase, ()))
            ):
                yield start, end, phrase
            start = text.find(phrase, start + 1)


def named_in(text: str, table: CategoryTable) -> Naming | None:
    """The event or component a report names outright, which triage takes before asking the classifier
    (whose labels are the seven broad message classes): the category's own name, or a telling everyday
    phrase of `NAMING_PHRASE_MIN` characters or more, found in the text as the thing reported.

    It must be sure, because a naming dispatches without a person. So a name used as a landmark
    ("路灯下…"), a qualifier ("火灾隐患"), denied ("不是火灾") or part of a longer name that another category
    owns ("红绿灯不亮" is a traffic light, not 灯不亮) does not count, and a report of something already
    solved names nothing. Among the rest the longest phrase decides ("垃圾桶满溢" is 垃圾满溢 by 垃圾桶满,
    not the bin 垃圾桶); equally long phrases of two categories are ambiguous, and the classifier and then
    a person decide."""
    if SOLVED.search(text):
        return None
    hits = [
        (start, end, phrase, category)
        for category in table
        if category.kind in ("event", "component") and category.name not in CATCH_ALL_NAMES
        for start, end, phrase in _hits(text, category)
    ]
    # a phrase that begins inside another category's phrase and runs past its end is a misreading of it
    hits = [
        h for h in hits if not any(o[3].code != h[3].code and o[0] < h[0] < o[1] < h[1] for o in hits)
    ]  # fmt: skip
    if not hits:
        return None
    best: dict[str, tuple[int, str]] = {}
    for start, end, phrase, category in hits:
        if end - start > best.get(category.code, (0, ""))[0]:
            best[category.code] = (end - start, phrase)
    longest = max(n for n, _ in best.values())
    winners = [code for code, (n, _) in best.items() if n == longest]
    if len(winners) > 1:
        return None
    return Naming(table.get(winners[0]), best[winners[0]][1])
