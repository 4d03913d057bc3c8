"""Condition sets as data: the one evaluator behind routing rules (and later escalation and alarms).

A condition is JSON: `{"all": [...]}`, `{"any": [...]}`, `{"not": {...}}` or a leaf
`{"field": "category", "op": "in", "value": ["E0102", "E0109"]}`. Evaluation returns whether it held
and *why*: the leaves that decided, rendered as readable clauses, so every routing decision can be
explained to the dispatcher and stored with the case.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from gridgov.domain.errors import InvalidInput

OPS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "in": lambda a, b: a in b,
    "not_in": lambda a, b: a not in b,
    "gt": lambda a, b: a is not None and a > b,
    "gte": lambda a, b: a is not None and a >= b,
    "lt": lambda a, b: a is not None and a < b,
    "lte": lambda a, b: a is not None and a <= b,
    "contains": lambda a, b: isinstance(a, str) and b in a,
    "contains_any": lambda a, b: isinstance(a, str) and any(word in a for word in b),
    "regex": lambda a, b: isinstance(a, str) and re.search(b, a) is not None,
    "within_grid": lambda a, b: isinstance(a, str) and any(a.startswith(code) for code in _as_list(b)),
    "exists": lambda a, b: (a is not None) is bool(b),
}
LIST_OPS = {"in", "not_in", "contains_any"}


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


@dataclass(frozen=True)
class Outcome:
    held: bool
    because: tuple[str, ...]  # the clauses that decided, e.g. "category in [E0102, E0109]"


def describe(leaf: Mapping[str, Any]) -> str:
    value = leaf.get("value")
    shown = "[" + ", ".join(map(str, value)) + "]" if isinstance(value, list) else repr(value)
    return f"{leaf['field']} {leaf['op']} {shown}"


def validate(condition: Any, fields: set[str] | None = None, path: str = "$") -> list[str]:
    """Every problem of a condition tree, with its JSON path; an empty list means it is sound."""
    if not isinstance(condition, dict):
        return [f"{path}: a condition must be an object"]
    keys = set(condition)
    if keys & {"all", "any"}:
        (key,) = tuple(keys & {"all", "any"}) if len(keys & {"all", "any"}) == 1 else ("all",)
        children = condition.get(key)
        if len(keys) != 1 or not isinstance(children, list) or not children:
            return [f"{path}: '{key}' must be the only key and hold a non-empty list"]
        return [p for i, child in enumerate(children) for p in validate(child, fields, f"{path}.{key}[{i}]")]
    if keys == {"not"}:
        return validate(condition["not"], fields, f"{path}.not")
    problems = []
    if set(condition) - {"field", "op", "value"}:
        problems.append(f"{path}: unknown keys {sorted(set(condition) - {'field', 'op', 'value'})}")
    field, op = condition.get("field"), condition.get("op")
    if not isinstance(field, str) or (fields is not None and field not in fields):
        known = f"; known fields: {', '.join(sorted(fields))}" if fields else ""
        problems.append(f"{path}: unknown field {field!r}{known}")
    if op not in OPS:
        problems.append(f"{path}: unknown op {op!r}; known: {', '.join(OPS)}")
    elif op in LIST_OPS and not isinstance(condition.get("value"), list):
        problems.append(f"{path}: op {op} needs a list value")
    elif op == "regex":
        try:
            re.compile(condition.get("value") or "")
        except re.error as exc:
            problems.append(f"{path}: bad regex: {exc}")
    return problems


def check(condition: Any, fields: set[str] | None = None) -> None:
    problems = validate(condition, fields)
    if problems:
        raise InvalidInput("the condition is not valid: " + "; ".join(problems), problems=problems)


def evaluate(condition: Mapping[str, Any], facts: Mapping[str, Any]) -> Outcome:
    """Evaluate a validated condition against facts. An empty condition ({}) always holds."""
    if not condition:
        return Outcome(True, ("always",))
    if "all" in condition:
        reasons: list[str] = []
        for child in condition["all"]:
            out = evaluate(child, facts)
            if not out.held:
                return Outcome(False, out.because)
            reasons.extend(out.because)
        return Outcome(True, tuple(reasons))
    if "any" in condition:
        failed: list[str] = []
        for child in condition["any"]:
            out = evaluate(child, facts)
            if out.held:
                return out
            failed.extend(out.because)
        return Outcome(False, tuple(failed))
    if "not" in condition:
        out = evaluate(condition["not"], facts)
        return Outcome(not out.held, tuple(f"not ({b})" for b in out.because))
    held = OPS[condition["op"]](facts.get(condition["field"]), condition.get("value"))
    return Outcome(bool(held), (describe(condition),))
