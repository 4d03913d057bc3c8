"""The responsibility list (权责清单): which unit must act on a case, in which loop, within what limit.

Rules are data. Each has conditions over the case's facts (category, kind, grade, channel, grid code,
text …) and a target: a fixed unit, or a *unit type* resolved in the case's place ("the property company
of this micro-grid"). Resolution follows the territorial principle the kind asks for (DESIGN §4):
events (事件) go to the unit whose jurisdiction is the most local one covering the case's grid
("先属地、后属主"); components (部件) go to the owner unit first when the rule names one ("先属主、后属地"),
and to the most local unit of the type otherwise.

`route` is pure: it returns a `RoutingDecision` that says which rule and which clauses decided, or why
nothing matched, so the case can go to the human triage queue with a reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from gridgov.domain import conditions
from gridgov.domain.directory import UnitRecord
from gridgov.domain.errors import InvalidInput

# A rule whose unit_type is this routes to the unit type the case's category names (categories.csv).
BY_CATEGORY = "@category"
LOOPS = ("external", "internal")  # external: a social entity acts (外循环); internal: government (内循环)
FACT_FIELDS = {
    "category", "kind", "major", "grade", "channel", "grid_code", "text", "sensitive", "source_type", "owner_unit_id",
    "category_unit_type",
}  # fmt: skip


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    priority: int  # lower first
    when: dict[str, Any]
    unit_id: str | None = None
    unit_type: str | None = None
    loop: str = "internal"
    time_limit: str | None = None  # overrides the category's default (e.g. "30m", "3wd")
    ladder: str | None = None
    active: bool = True

    def __post_init__(self) -> None:
        problems = conditions.validate(self.when, FACT_FIELDS) if self.when else []
        if not self.code or len(self.code) > 64:
            problems.append("code must be 1-64 characters")
        if bool(self.unit_id) == bool(self.unit_type):
            problems.append("give exactly one of unit_id and unit_type")
        if self.loop not in LOOPS:
            problems.append(f"loop must be one of {', '.join(LOOPS)}")
        if problems:
            raise InvalidInput(f"rule {self.code!r} is not valid: " + "; ".join(problems), problems=problems)


@dataclass(frozen=True)
class RoutingDecision:
    unit_id: str | None
    rule_code: str | None
    because: tuple[str, ...]
    loop: str | None = None
    time_limit: str | None = None
    ladder: str | None = None
    tried: tuple[str, ...] = field(default_factory=tuple)

    @property
    def routed(self) -> bool:
        return self.unit_id is not None

    def explain(self) -> str:
        if self.routed:
            return f"rule {self.rule_code}: " + " and ".join(self.because)
        return "; ".join(self.because)


def resolve_unit_type(unit_type: str, grid_code: str | None, units: Iterable[UnitRecord]) -> UnitRecord | None:
    """The active unit of this type whose jurisdiction is the most local one containing the grid."""
    if not grid_code:
        return None
    best: tuple[int, str, UnitRecord] | None = None
    for unit in units:
        if not unit.active or unit.unit_type != unit_type:
            continue
        for code in unit.grid_codes:
            if grid_code.startswith(code):
                key = (-len(code), unit.id, unit)
                if best is None or key[:2] < best[:2]:
                    best = key
    return best[2] if best else None


def route(facts: Mapping[str, Any], rules: Iterable[Rule], units: Iterable[UnitRecord]) -> RoutingDecision:
    units = list(units)
    by_id = {u.id: u for u in units}
    tried: list[str] = []
    owner = by_id.get(facts.get("owner_unit_id") or "")
    if facts.get("kind") == "component" and owner is not None and owner.active:
        return RoutingDecision(owner.id, "owner-first", (f"component owned by {owner.id} (先属主)",), "internal")
    for rule in sorted((r for r in rules if r.active), key=lambda r: (r.priority, r.code)):
        outcome = conditions.evaluate(rule.when, facts)
        if not outcome.held:
            continue
        if rule.unit_id:
            unit = by_id.get(rule.unit_id)
            if unit is None or not unit.active:
                tried.append(f"rule {rule.code} names unit {rule.unit_id}, which is unknown or inactive")
                continue
        else:
            unit_type = facts.get("category_unit_type") if rule.unit_type == BY_CATEGORY else rule.unit_type
            unit = resolve_unit_type(unit_type, facts.get("grid_code"), units) if unit_type else None
            if unit is None:
                tried.append(f"rule {rule.code} matched but no {unit_type or 'unit type'} covers grid {facts.get('grid_code')}")
                continue
            outcome = conditions.Outcome(True, (*outcome.because, f"{unit.unit_type} of grid {facts.get('grid_code')} is {unit.id}"))
        return RoutingDecision(unit.id, rule.code, outcome.because, rule.loop, rule.time_limit, rule.ladder, tuple(tried))
    reason = tried or ["no rule of the responsibility list matches this case"]
    return RoutingDecision(None, None, tuple(reason), tried=tuple(tried))


def rule_from_dict(data: Mapping[str, Any]) -> Rule:
    try:
        return Rule(
            code=str(data["code"]).strip(),
            name=str(data.get("name") or data["code"]).strip(),
            priority=int(data.get("priority", 100)),
            when=dict(data.get("when") or {}),
            unit_id=(data.get("unit_id") or None),
            unit_type=(data.get("unit_type") or None),
            loop=str(data.get("loop") or "internal"),
            time_limit=(data.get("time_limit") or None),
            ladder=(data.get("ladder") or None),
            active=bool(data.get("active", True)),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInput(f"rule is not valid: {exc}") from None
