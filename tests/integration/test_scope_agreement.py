"""Data scope is written twice: in Python (`domain/scope.can_see_case`, used by services and the live feed)
and in SQL (`queries/cases.scope_clause`, used by lists, counts, photos and KPIs). This test makes them
agree on every combination that matters, on both databases: every role, limited to nothing, a street, a
community, a grid or a grid elsewhere, with no unit, its own unit or another, reporter or not, against
cases at every level of the tree, assigned to no unit or to either unit, reported by the actor or not.
The combinations are enumerated, not sampled, so a disagreement anywhere is found on every run."""

from __future__ import annotations

import itertools
from datetime import timedelta

from sqlalchemy import select

from gridgov.adapters import tables as t
from gridgov.domain.cases import Case
from gridgov.domain.roles import Actor, Role
from gridgov.domain.scope import can_see_case
from gridgov.domain.taxonomy import Channel
from gridgov.queries.cases import scope_clause
from tests.conftest import START

STREET = "440304001"
COMMUNITY = STREET + "001"
GRID = COMMUNITY + "003"
ELSEWHERE = "440304002001001"  # a grid in another street
# A grid code that shares the street's digits as a prefix of a longer street code: 4403040010 is not in
# street 440304001's subtree by meaning, but is by a careless prefix test. Codes have fixed lengths per
# level, so this cannot occur in a valid tree; it stays out of the enumeration on purpose.
CASE_GRIDS = (None, STREET, COMMUNITY, GRID, COMMUNITY + "001", ELSEWHERE)
ACTOR_GRIDS = (None, STREET, COMMUNITY, GRID, ELSEWHERE)
UNITS = (None, "unit-a", "unit-b")
ME, SOMEONE = "u-me", "u-someone"


def _cases() -> list[Case]:
    out = []
    for n, (grid, unit, reporter) in enumerate(itertools.product(CASE_GRIDS, UNITS, (ME, SOMEONE))):
        out.append(
            Case(
                id=f"C{n:03d}", description="井盖破损", lon=114.06, lat=22.54, reported_at=START - timedelta(minutes=n),
                reporter_id=reporter, channel=Channel.RESIDENT_APP, grid_code=grid, unit_id=unit, updated_at=START,
            )
        )  # fmt: skip
    return out


def _actors() -> list[Actor]:
    roles = [r for r in Role]
    return [
        Actor(user_id=ME, role=role, grid_code=grid, unit_id=unit)
        for role, grid, unit in itertools.product(roles, ACTOR_GRIDS, UNITS)
    ]


def test_python_and_sql_data_scope_agree_on_every_combination(any_platform):
    cases = _cases()
    with any_platform.uow() as uow:
        for case in cases:
            uow.cases.add(case)
        uow.commit()
    disagreements = []
    with any_platform.engine.connect() as conn:
        for actor in _actors():
            query = select(t.cases.c.id)
            clause = scope_clause(actor)
            if clause is not None:
                query = query.where(clause)
            by_sql = set(conn.execute(query).scalars())
            by_python = {
                c.id
                for c in cases
                if can_see_case(actor, grid_code=c.grid_code, unit_id=c.unit_id, reporter_id=c.reporter_id)
            }
            if by_sql != by_python:
                disagreements.append((actor, sorted(by_sql ^ by_python)))
    assert disagreements == []


def test_the_enumeration_reaches_every_kind_of_answer():
    """Guard against a vacuous agreement: some actors see nothing but their own, some see a subtree, some a
    unit's orders, some everything."""
    cases = _cases()
    seen = {
        (a.role, a.grid_code, a.unit_id): sum(
            can_see_case(a, grid_code=c.grid_code, unit_id=c.unit_id, reporter_id=c.reporter_id) for c in cases
        )
        for a in _actors()
    }
    assert seen[(Role.RESIDENT, None, None)] == 18  # own reports only: 6 grids × 3 units
    assert seen[(Role.DISPATCHER, None, None)] == 36  # the whole district
    # a community's dispatcher: the community and its two grids (3 codes × 3 units × 2 reporters = 18) and
    # their own reports outside it (no grid, the street itself, elsewhere: 3 × 3 units = 9)
    assert seen[(Role.DISPATCHER, COMMUNITY, None)] == 27
    # unit-a's orders (6 grids × 2 reporters = 12) and their own reports not on unit-a (6 × 2 units = 12)
    assert seen[(Role.HANDLER, None, "unit-a")] == 24
    assert seen[(Role.GRID_WORKER, None, None)] == 18  # a grid worker without a grid: own reports only
