"""Recognition of the category table's own categories in a report's words (issue 11).

Everything a category is recognised by is data in its row of the table, so `PUT /api/v1/categories`
changes recognition: its name, its `synonyms` (other names: 垃圾箱, 果皮箱 for 垃圾桶) and its `phrases`,
typical phrasings written as slots of alternatives: `[垃圾桶]+满溢/溢满/满了` is "a bin (by the name or any
synonym of the category 垃圾桶) and, in the same clause, a word saying it is full". The slots of a phrasing
may come in any order within one clause (between punctuation), a few characters apart, so "桌子摆到人行道"
and "人行道上摆桌子" are one phrasing.

What a naming decides is dispatched without a person, so it must be sure: a name used as a landmark
("路灯下…", "垃圾桶旁边…"), a qualifier ("火灾隐患"), denied ("不是火灾", "没有人乱摆摊"), a question about
a topic ("咨询一下违建怎么举报") or a problem already solved ("路灯已经修好了") names nothing. Among the rest
the phrasing that covers most characters of the report decides; two categories equally strong are a tie,
which a person settles.

No I/O, no imports of the rest of the domain at module level (domain/taxonomy.py imports this module).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import product
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gridgov.domain.taxonomy import Category, CategoryTable

# A phrasing: slots joined by "+", alternatives of a slot by "/", "[name]" = that category's name and
# synonyms. Bounded so a table cannot make recognition slow: 4 slots of at most 32 alternatives.
MAX_SLOTS = 4
MAX_ALTERNATIVES = 32
_REF = re.compile(r"^\[([^\[\]]{1,64})\]$")

# Phrasings and synonyms shorter than this are hints for the report page, not enough to decide alone
# ("吵", "垃圾", "充电" fit too many reports); a category's own name and its synonyms count at any length
# (路灯, 违停): they are names, not hints.
NAMING_PHRASE_MIN = 3
# At most this many characters between two slots of one phrasing ("垃圾桶都已经满了": 3).
MAX_GAP = 8
CATCH_ALL_NAMES = frozenset({"其他", "其它"})
# A long text (a letter to the board, a hotline order with a story) mentions many things; there a name
# alone decides only in its first sentence (at most SUBJECT_CHARS characters), where such texts state
# their subject. A phrasing (a thing and what is wrong with it) decides anywhere. Chosen on the Haikou
# orders and TipDM messages (docs/benchmarks.md): it halves the board letters named by a passing word.
LONG_REPORT = 80
SUBJECT_CHARS = 60
SENTENCE_END = re.compile(r"[。！？!?\n]")
CLAUSE_BREAK = re.compile(r"[，。！？；,.!?;\n：:]")
# Words right after a thing named alone that make it a landmark or a qualifier, not the problem:
# "路灯下有人摔倒", "公交站亭旁边有人摆摊", "火灾隐患", "火灾报警器误报", "负责路灯维修的公司"; 下沉/下陷 is
# what is wrong with the thing itself.
LANDMARK_AFTER = re.compile(r"^(旁|边|下(?![沉陷降])|附近|对面|前面|后面|周边|周围|隐患|报警器|报警|维修|公司|厂家)")
# Words before it, in the same clause, that deny it: "不是火灾", "并非起火", "这里没有人乱摆摊".
DENIED_BEFORE = ("不是", "并非", "没有", "并没", "未发现", "不存在")
# Words between two slots of a phrasing that deny the whole: "垃圾桶没有满".
DENIED_BETWEEN = ("没有", "没", "不是", "未", "并非")
# Words before a thing that make it another thing than the phrasing means (楼道灯 is the building's, 红绿灯
# the traffic police's): phrase -> qualifiers. Keyed by words, not by category codes.
OTHER_KIND_BEFORE = {"灯不亮": ("楼道", "楼梯", "电梯", "家里", "室内", "信号", "红绿", "车")}
# A report that says the problem is already solved names nothing to dispatch ("路灯已经修好了，谢谢").
SOLVED = re.compile(r"已经?(修好|修复|修理好|清理|清除|清运|处理|解决|拆除)|(修好|清理干净|处理好|解决)了|不用(清理|处理|管)")
# A question about a topic is a message for the broad classifier, not a report of it.
QUESTION = re.compile(r"(请问|咨询|想问).{0,20}(政策|怎么|如何|流程|规定|标准|是什么|哪里|哪个部门)|(怎么|如何)(举报|投诉|申请|办理)")


def parse_phrasing(text: str) -> list[list[str]]:
    """A phrasing's slots, each a list of alternatives (references kept as "[name]")."""
    return [[a.strip() for a in slot.split("/") if a.strip()] for slot in text.split("+")]


def references(text: str) -> set[str]:
    """The category names a phrasing refers to with [name]."""
    return {m.group(1) for slot in parse_phrasing(text) for a in slot if (m := _REF.match(a))}


def phrasing_problems(phrasings) -> list[str]:
    """What is wrong with a row's phrasings, each problem naming the phrasing."""
    problems = []
    for text in phrasings:
        slots = parse_phrasing(text)
        if any(not slot for slot in slots):
            problems.append(f"phrasing {text!r} has an empty slot")
        elif len(slots) > MAX_SLOTS:
            problems.append(f"phrasing {text!r} has more than {MAX_SLOTS} slots (joined by +)")
        elif any(len(slot) > MAX_ALTERNATIVES for slot in slots):
            problems.append(f"phrasing {text!r} has a slot of more than {MAX_ALTERNATIVES} alternatives (joined by /)")
    return problems


@dataclass(frozen=True)
class Naming:
    category: Category
    phrase: str  # the words of the report that named it, slots joined by "…" ("桌子…摆到…人行道")


@dataclass(frozen=True)
class _Pattern:
    slots: tuple[tuple[str, ...], ...]  # alternatives, longest first
    is_name: bool  # the category's name or a synonym: counts at any length


@lru_cache(maxsize=16)
def _patterns(table: CategoryTable) -> tuple[tuple[Category, tuple[_Pattern, ...]], ...]:
    """Each recognisable category with its compiled patterns; tables are reused by the repository while
    the stored rows are unchanged, so this runs once per version of the table."""
    names = {}
    for c in table:
        names[c.name] = names[c.code] = tuple(dict.fromkeys((c.name, *c.synonyms)))
    out = []
    for c in table:
        if c.kind not in ("event", "component") or c.name in CATCH_ALL_NAMES:
            continue
        patterns = [_Pattern(((w,),), True) for w in dict.fromkeys((c.name, *c.synonyms))]
        for text in c.phrases:
            slots = []
            for slot in parse_phrasing(text)[:MAX_SLOTS]:
                words: list[str] = []
                for a in slot[:MAX_ALTERNATIVES]:
                    m = _REF.match(a)
                    words.extend(names.get(m.group(1), ()) if m else (a,))
                slots.append(tuple(sorted(dict.fromkeys(words), key=len, reverse=True)))
            if slots and all(slots):
                patterns.append(_Pattern(tuple(slots), False))
        out.append((c, tuple(patterns)))
    return tuple(out)


def _clauses(text: str):
    start = 0
    for m in CLAUSE_BREAK.finditer(text):
        if m.start() > start:
            yield start, text[start : m.start()]
        start = m.end()
    if start < len(text):
        yield start, text[start:]


def _occurrences(clause: str, words: tuple[str, ...], limit: int = 8) -> list[tuple[int, int, str]]:
    """Where the slot's words occur, longest word first at each place, at most `limit` places."""
    found: dict[int, tuple[int, int, str]] = {}
    for w in words:
        i = clause.find(w)
        while i >= 0 and len(found) < limit:
            if not any(s <= i < e for s, e, _ in found.values()):
                found[i] = (i, i + len(w), w)
            i = clause.find(w, i + 1)
    return sorted(found.values())


@dataclass(frozen=True)
class _Hit:
    category: Category
    start: int
    end: int
    strength: int  # characters of the report the pattern covers
    phrase: str
    single: bool


def _match(pattern: _Pattern, offset: int, clause: str):
    """The best (tightest) placement of the pattern's slots in the clause that no denial or landmark
    undoes, as a _Hit without its category, or None."""
    places = [_occurrences(clause, slot) for slot in pattern.slots]
    if not all(places):
        return None
    best = None
    for combo in product(*places):
        pieces = sorted(combo)
        if any(a[1] > b[0] for a, b in zip(pieces, pieces[1:], strict=False)):
            continue  # two slots on the same characters
        gaps = [clause[a[1] : b[0]] for a, b in zip(pieces, pieces[1:], strict=False)]
        if any(len(g) > MAX_GAP or any(d in g for d in DENIED_BETWEEN) for g in gaps):
            continue
        start, end = pieces[0][0], pieces[-1][1]
        if clause[:start].endswith(DENIED_BEFORE) or any(d in clause[:start] for d in DENIED_BEFORE):
            continue
        if len(pieces) == 1:
            word = pieces[0][2]
            if LANDMARK_AFTER.match(clause[end:]) or clause[max(0, start - 4) : start].endswith(OTHER_KIND_BEFORE.get(word, ())):
                continue
        elif any(LANDMARK_AFTER.match(clause[e:]) for _, e, _ in pieces[:-1]):
            continue  # "路灯下面的护栏坏了": the lamp is where, not what broke
        strength = sum(e - s for s, e, _ in pieces)
        if best is None or strength > best[2] or (strength == best[2] and end - start < best[1] - best[0]):
            best = (offset + start, offset + end, strength, "…".join(w for _, _, w in pieces), len(pieces) == 1)
    return best


@lru_cache(maxsize=16)
def _words(table: CategoryTable) -> tuple[str, ...]:
    return tuple({w for _, patterns in _patterns(table) for p in patterns for slot in p.slots for w in slot})


def _hits(text: str, table: CategoryTable, *, hints: bool = False) -> list[_Hit]:
    """Every category's strongest match in the text; phrasings too short to decide only with `hints`."""
    out = []
    present = {w for w in _words(table) if w in text}  # one pass over the words: most patterns drop out here
    clauses = list(_clauses(text))
    for category, patterns in _patterns(table):
        top = None
        for pattern in patterns:
            if not all(any(w in present for w in slot) for slot in pattern.slots):
                continue
            for offset, clause in clauses:
                m = _match(pattern, offset, clause)
                if m is None or (not pattern.is_name and not hints and m[2] < NAMING_PHRASE_MIN):
                    continue
                if top is None or m[2] > top.strength:
                    top = _Hit(category, m[0], m[1], m[2], m[3], m[4])
        if top is not None:
            out.append(top)
    return out


def named_in(text: str, table: CategoryTable) -> Naming | None:
    """The event or component a report names outright, which triage takes without a person; None when
    nothing is named for sure (then the classifier and a person decide)."""
    text = (text or "").strip()
    if not text or SOLVED.search(text) or QUESTION.search(text):
        return None
    hits = _hits(text, table)
    if len(text) > LONG_REPORT:
        subject = min(len(SENTENCE_END.split(text, maxsplit=1)[0]), SUBJECT_CHARS)
        hits = [h for h in hits if not h.single or h.start < subject]
    # a thing named alone that begins inside another category's single name and runs past its end is
    # a misreading of it ("红绿灯不亮" is a traffic light, not 灯不亮)
    hits = [
        h for h in hits
        if not (h.single and any(o.single and o.category.code != h.category.code and o.start < h.start < o.end < h.end for o in hits))
    ]  # fmt: skip
    if not hits:
        return None
    strongest = max(h.strength for h in hits)
    winners = [h for h in hits if h.strength == strongest]
    if len(winners) > 1:
        return None
    return Naming(winners[0].category, winners[0].phrase)


def _partial(pattern: _Pattern, clause: str) -> int:
    """Characters covered when at least two slots of a phrasing, but not all, occur in the clause."""
    found = [max((e - s for s, e, _ in _occurrences(clause, slot)), default=0) for slot in pattern.slots]
    hit = [n for n in found if n]
    return sum(hit) if 2 <= len(hit) < len(found) else 0


def suggest(text: str, table: CategoryTable, limit: int = 3) -> list[tuple[Category, float]]:
    """Categories a reporter probably means, best first, with a score in (0, 1]: what the report page
    offers as the reporter types and what the desk sees beside an unsure case. The same patterns as
    `named_in`, also the short ones and phrasings of which two slots or more occur, plus the share of a
    category's name the text contains."""
    text = (text or "").strip()
    if len(text) < 2:
        return []
    scored: dict[str, float] = {}
    for hit in _hits(text, table, hints=True):
        if hit.strength >= 2:
            scored[hit.category.code] = round(min(1.0, 0.6 + 0.1 * hit.strength), 2)
    clauses = list(_clauses(text))
    present = {w for w in _words(table) if w in text}
    for category, patterns in _patterns(table):
        candidates = [p for p in patterns if sum(any(w in present for w in slot) for slot in p.slots) >= 2]
        partial = max((_partial(p, clause) for p in candidates for _, clause in clauses), default=0)
        if partial:  # two slots of a phrasing or more, not all: evidence for a person, never a decision
            scored[category.code] = max(scored.get(category.code, 0.0), round(min(0.55, 0.4 + 0.05 * partial), 2))
        name = category.name
        pairs = {name[i : i + 2] for i in range(len(name) - 1)} or {name}
        share = 0.8 * sum(p in text for p in pairs) / len(pairs)
        if share >= 0.4:
            scored[category.code] = max(scored.get(category.code, 0.0), round(share, 2))
    best = sorted(scored.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    found = [(table.get(code), score) for code, score in best]
    return [(c, score) for c, score in found if c is not None]
