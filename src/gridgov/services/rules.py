"""Use cases on the triage data: the category table and the responsibility list (权责清单)."""

from __future__ import annotations

import csv
import io
import json
from importlib import resources
from typing import Any

from gridgov.domain.commands import DeleteRule, ImportCategories, SaveRule
from gridgov.domain.errors import Forbidden, InvalidInput, NotFound
from gridgov.domain.responsibility import Rule, rule_from_dict
from gridgov.domain.roles import Role
from gridgov.domain.taxonomy import parse_category_csv, parse_category_yaml

_EDITORS = frozenset({Role.ADMIN, Role.SYSTEM, Role.DISPATCHER})
RULE_COLUMNS = ("code", "name", "priority", "when", "unit_id", "unit_type", "loop", "time_limit", "ladder", "active")


def _require_editor(role: Role) -> None:
    if role not in _EDITORS:
        raise Forbidden("only an administrator or the command center may edit triage data")


def import_categories(cmd: ImportCategories, uow) -> int:
    _require_editor(cmd.actor.role)
    table = parse_category_yaml(cmd.text) if cmd.fmt == "yaml" else parse_category_csv(cmd.text)
    uow.categories.replace_all(table)
    uow.commit()
    return len(table)


def save_rule(cmd: SaveRule, uow) -> Rule:
    _require_editor(cmd.actor.role)
    rule = rule_from_dict(cmd.data)
    if rule.unit_id and uow.units.get(rule.unit_id) is None:
        raise InvalidInput(f"rule {rule.code}: unknown unit {rule.unit_id!r}")
    uow.rules.upsert(rule)
    uow.commit()
    return rule


def delete_rule(cmd: DeleteRule, uow) -> None:
    _require_editor(cmd.actor.role)
    if not uow.rules.delete(cmd.code):
        raise NotFound(f"no rule {cmd.code}")
    uow.commit()


def rules_from_csv(text: str) -> list[dict[str, Any]]:
    """Rows of a rule CSV (`when` holds JSON); every bad row is reported by line number."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in ("code", "when") if c not in (reader.fieldnames or [])]
    if missing:
        raise InvalidInput(f"the rule file lacks the columns: {', '.join(missing)}")
    rows, problems = [], []
    for line, row in enumerate(reader, start=2):
        try:
            data = {k: (v if v != "" else None) for k, v in row.items() if k in RULE_COLUMNS}
            data["when"] = json.loads(row["when"]) if row.get("when") else {}
            data["active"] = (row.get("active") or "true").strip().lower() not in {"false", "0", "no"}
            rule_from_dict(data)
            rows.append(data)
        except (json.JSONDecodeError, InvalidInput) as exc:
            problems.append(f"line {line}: {exc}")
    if problems:
        raise InvalidInput(f"{len(problems)} bad row(s) in the rule file; nothing was imported", problems=problems)
    return rows


def seed_defaults(uow) -> None:
    """A new database gets the shipped category table and responsibility list (package data)."""
    data = resources.files("gridgov.data")
    if uow.categories.empty():
        uow.categories.replace_all(parse_category_csv(data.joinpath("categories.csv").read_text(encoding="utf-8")))
    if uow.rules.empty():
        for item in json.loads(data.joinpath("routing_rules.json").read_text(encoding="utf-8")):
            uow.rules.upsert(rule_from_dict(item))
    uow.commit()
