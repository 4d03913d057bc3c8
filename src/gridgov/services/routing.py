"""The alias tables that map a district's history onto the platform: how the history names a unit
(街道办, 街道办事处, 龙华区住建局 …) -> the directory's unit id, and how it names a category -> the category
table's code. An admin edits them; training applies them to the history's labels before anything is
learned or measured, so near-synonyms become one label on both sides of any split.

Kept in the database (table `routing_aliases`) so every process and `gridgov routing train
--aliases-from-db` on any machine read the same mapping.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Engine

from gridgov.adapters import tables as t
from gridgov.domain import policy
from gridgov.domain.errors import InvalidInput
from gridgov.domain.roles import Actor

KINDS = ("unit", "category")
MAX_ALIASES = 5_000  # per kind: a city's history names a few hundred units, each a few ways


def normalize_name(name: str) -> str:
    """A name as the alias table keys it: inner and outer whitespace removed (exports pad and wrap)."""
    return "".join((name or "").split())


def list_aliases(engine: Engine, kind: str | None = None) -> dict[str, dict[str, str]]:
    """{kind: {alias: target}} for every kind (or the one asked for), aliases in name order."""
    c = t.routing_aliases.c
    query = select(c.kind, c.alias, c.target).order_by(c.kind, c.alias)
    if kind is not None:
        query = query.where(c.kind == kind)
    out: dict[str, dict[str, str]] = {k: {} for k in KINDS if kind in (None, k)}
    with engine.connect() as conn:
        for row in conn.execute(query):
            out.setdefault(row.kind, {})[row.alias] = row.target
    return out


def put_aliases(engine: Engine, actor: Actor, tables: dict[str, dict[str, str]], now: datetime) -> dict[str, int]:
    """Replace the alias table of each kind given, whole, or none of them: every target must be a unit
    of the directory (kind unit) or a code of the category table (kind category); all problems are
    listed at once and nothing is written when there is one."""
    policy.require(actor.role, policy.Permission.EDIT_TRIAGE_DATA)
    problems: list[str] = []
    cleaned: dict[str, dict[str, str]] = {}
    with engine.connect() as conn:
        units = set(conn.execute(select(t.units.c.id)).scalars())
        categories = set(conn.execute(select(t.categories.c.code)).scalars())
    for kind, table in tables.items():
        if kind not in KINDS:
            problems.append(f"unknown kind {kind!r} (known: {', '.join(KINDS)})")
            continue
        if len(table) > MAX_ALIASES:
            problems.append(f"{kind}: more than {MAX_ALIASES} aliases")
            continue
        known, what = (units, "unit") if kind == "unit" else (categories, "category code")
        cleaned[kind] = {}
        for alias, target in table.items():
            name = normalize_name(alias)
            if not name:
                problems.append(f"{kind}: an empty alias (for {target!r})")
            elif name in cleaned[kind] and cleaned[kind][name] != target:
                problems.append(f"{kind} {name!r}: given twice, for {cleaned[kind][name]!r} and {target!r}")
            elif target not in known:
                problems.append(f"{kind} {name!r}: no {what} {target!r}")
            cleaned[kind][name] = target
    if problems:
        raise InvalidInput(f"{len(problems)} problem(s) in the alias table; nothing was changed", problems=problems)
    c = t.routing_aliases.c
    with engine.begin() as conn:
        for kind, table in cleaned.items():
            conn.execute(delete(t.routing_aliases).where(c.kind == kind))
            if table:
                conn.execute(insert(t.routing_aliases), [
                    {"kind": kind, "alias": a, "target": v, "updated_by": actor.user_id, "updated_at": now}
                    for a, v in sorted(table.items())
                ])  # fmt: skip
    return {kind: len(table) for kind, table in cleaned.items()}


def apply_aliases(aliases: dict[str, str], labels: list[str]) -> list[str]:
    """Each label as the platform names it: its alias target when the table has one, else itself."""
    return [aliases.get(normalize_name(label), label) for label in labels]
