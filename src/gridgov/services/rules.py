"""Use cases on the triage data: the category table and the responsibility list (权责清单)."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from gridgov.domain import policy
from gridgov.domain.commands import DeleteRule, ImportCategories, ImportRules, SaveRule
from gridgov.domain.deadlines import TimeLimit
from gridgov.domain.documents import check_value, read_csv
from gridgov.domain.errors import InvalidInput, NotFound
from gridgov.domain.recognition import references
from gridgov.domain.responsibility import BY_CATEGORY, Rule, rule_from_dict
from gridgov.domain.roles import Role
from gridgov.domain.taxonomy import CategoryTable, parse_category_csv, parse_category_yaml

MAX_RULES = 10_000  # a district's 权责清单 has hundreds of rules
RULE_COLUMNS = ("code", "name", "priority", "when", "unit_id", "unit_type", "loop", "time_limit", "ladder", "active")


def _require_editor(role: Role) -> None:
    policy.require(role, policy.Permission.EDIT_TRIAGE_DATA)


def import_categories(cmd: ImportCategories, uow) -> int:
    _require_editor(cmd.actor.role)
    table = parse_category_yaml(cmd.text) if cmd.fmt == "yaml" else parse_category_csv(cmd.text)
    uow.categories.replace_all(table)
    uow.commit()
    return len(table)


def save_rule(cmd: SaveRule, uow) -> Rule:
    _require_editor(cmd.actor.role)
    rule = rule_from_dict(cmd.data)
    problems = rule_problems(rule, uow, {u.unit_type for u in uow.units.list()})
    if problems:
        raise InvalidInput(f"rule {rule.code}: {'; '.join(problems)}", problems=problems)
    uow.rules.upsert(rule)
    uow.commit()
    return rule


def import_rules(cmd: ImportRules, uow) -> int:
    """Add or replace every rule of a file, or none: each row is checked against the stored units,
    unit types and grids first (every problem listed by line), then all are written in this one unit
    of work and committed once, so a failure on any row leaves the responsibility list as it was."""
    _require_editor(cmd.actor.role)
    unit_types = {u.unit_type for u in uow.units.list()}
    rules: list[Any] = []
    problems: list[str] = []
    for line, data in cmd.rows:
        rule = rule_from_dict(data)  # rows come from rules_from_csv: already sound as rules
        problems.extend(f"line {line}: {p}" for p in rule_problems(rule, uow, unit_types))
        rules.append(rule)
    codes = [r.code for r in rules]
    problems.extend(f"rule {c} appears more than once" for c in sorted({c for c in codes if codes.count(c) > 1}))
    if problems:
        raise InvalidInput(f"{len(problems)} problem(s) in the rule file; nothing was imported", problems=problems)
    for rule in rules:
        uow.rules.upsert(rule)
    uow.commit()
    return len(rules)


def rule_problems(rule: Rule, uow, unit_types: set[str]) -> list[str]:
    """What a rule refers to that does not exist: its unit, its unit type (no unit provides it), a grid
    its conditions name; and a time limit that could never be applied."""
    problems = []
    if rule.time_limit:
        try:
            TimeLimit.parse(rule.time_limit)
        except InvalidInput as exc:
            problems.append(exc.detail)
    if rule.unit_id and uow.units.get(rule.unit_id) is None:
        problems.append(f"unknown unit {rule.unit_id!r}")
    if rule.unit_type and rule.unit_type != BY_CATEGORY and rule.unit_type not in unit_types:
        problems.append(f"no unit is of type {rule.unit_type!r}")
    problems.extend(f"unknown grid {code!r}" for code in _grid_codes(rule.when) if not uow.grids.exists(code))
    return problems


def _grid_codes(when: dict[str, Any]) -> list[str]:
    """Grid codes named by the condition tree's grid_code leaves (iterative: trees are bounded anyway)."""
    found: list[str] = []
    stack: list[Any] = [when]
    while stack:
        node = stack.pop()
        if not isinstance(node, dict):
            continue
        for key in ("all", "any"):
            if isinstance(node.get(key), list):
                stack.extend(node[key])
        if "not" in node:
            stack.append(node["not"])
        if node.get("field") == "grid_code" and node.get("op") in ("eq", "in", "within_grid"):
            value = node.get("value")
            found.extend(str(v) for v in (value if isinstance(value, list) else [value]) if v is not None)
    return sorted(set(found))


def delete_rule(cmd: DeleteRule, uow) -> None:
    _require_editor(cmd.actor.role)
    if not uow.rules.delete(cmd.code):
        raise NotFound(f"no rule {cmd.code}")
    uow.commit()


def rules_from_csv(text: str) -> list[tuple[int, dict[str, Any]]]:
    """(line, row) pairs of a rule CSV (`when` holds JSON), read within the document bounds
    (domain/documents.py); every bad row is reported by line number."""
    header, table = read_csv(text, "the rule file", max_rows=MAX_RULES)
    missing = [c for c in ("code", "when") if c not in header]
    if missing:
        raise InvalidInput(f"the rule file lacks the columns: {', '.join(missing)}")
    rows, problems = [], []
    for line, row in table:
        try:
            data: dict[str, Any] = {k: (v if v != "" else None) for k, v in row.items() if k in RULE_COLUMNS}
            data["when"] = json.loads(row["when"]) if row.get("when") else {}
            check_value(data["when"], "when")
            data["active"] = (row.get("active") or "true").strip().lower() not in {"false", "0", "no"}
            rule_from_dict(data)
            rows.append((line, data))
        except (json.JSONDecodeError, RecursionError):
            problems.append(f"line {line}: `when` is not valid JSON")
        except InvalidInput as exc:
            problems.append(f"line {line}: {exc}")
    if problems:
        raise InvalidInput(f"{len(problems)} bad row(s) in the rule file; nothing was imported", problems=problems)
    return rows


def with_shipped_recognition(stored, shipped):
    """A table stored before categories had synonyms, phrasings and scenes (issue 11) gets the shipped
    ones for the codes it shares with the shipped table, once, at start-up, so an upgrade keeps
    recognising what the phrase rules in code recognised; its own rows are otherwise kept as they are.
    A phrasing that refers to a category the stored table lacks is left out."""
    from dataclasses import replace

    names = {c.name for c in stored} | {c.code for c in stored}
    rows = []
    for c in stored:
        ship = shipped.get(c.code)
        if ship is None or ship.name != c.name:
            rows.append(c)
            continue
        phrases = tuple(p for p in ship.phrases if references(p) <= names)
        rows.append(replace(c, synonyms=ship.synonyms, phrases=phrases, scenes=ship.scenes))
    return CategoryTable(rows)


def seed_defaults(uow) -> None:
    """A new database gets the shipped category table and responsibility list (package data)."""
    data = resources.files("gridgov.data")
    shipped = parse_category_csv(data.joinpath("categories.csv").read_text(encoding="utf-8"))
    if uow.categories.empty():
        uow.categories.replace_all(shipped)
    else:
        stored = uow.categories.table()
        if not any(c.synonyms or c.phrases or c.scenes for c in stored):
            uow.categories.replace_all(with_shipped_recognition(stored, shipped))
    if uow.rules.empty():
        for item in json.loads(data.joinpath("routing_rules.json").read_text(encoding="utf-8")):
            uow.rules.upsert(rule_from_dict(item))
    uow.commit()
