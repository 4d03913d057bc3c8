"""自行处置 in the aggregate: only the reporting grid worker handles their own report on the spot, never a
case a unit holds, and a failed verification gives it back to them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gridgov.domain.cases import Case
from gridgov.domain.errors import Forbidden, InvalidInput
from gridgov.domain.roles import Actor, Role
from gridgov.domain.taxonomy import Channel
from gridgov.domain.workflow import Action, CaseStatus

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
WORKER = Actor(user_id="u-gw", role=Role.GRID_WORKER, name="小韩", grid_code="440304001001")
SUPERVISOR = Actor(user_id="u-sup", role=Role.SUPERVISOR, name="核查员")


def _reported(by: Actor = WORKER) -> Case:
    return Case.report(case_id="C1", actor=by, now=NOW, description="车辆占用消防通道", lon=114.06, lat=22.56,
                       channel=Channel.GRID_APP, grid_code="440304001001001")  # fmt: skip


def test_the_reporting_grid_worker_handles_it_and_the_case_counts_as_accepted() -> None:
    case = _reported()
    case.act(Action.HANDLE_ON_SPOT, WORKER, NOW, {"result": "已联系车主挪车", "photos": ["p1"]})
    assert (case.status, case.unit_id, case.result, case.result_photos) == (CaseStatus.HANDLED, None, "已联系车主挪车", ["p1"])
    assert (case.accepted_at, case.handled_at, case.dispatched_at) == (NOW, NOW, None)
    assert case.new_entries[-1].data == {"result": "已联系车主挪车", "photos": ["p1"], "on_time": True, "on_spot": True}
    assert [e.name for e in case.events] == ["CaseReported", "CaseHandled"]


def test_another_grid_worker_may_not_claim_to_have_handled_it() -> None:
    case = _reported()
    colleague = Actor(user_id="u-gw2", role=Role.GRID_WORKER, grid_code="440304001001")
    with pytest.raises(Forbidden, match="the grid worker who reported"):
        case.act(Action.HANDLE_ON_SPOT, colleague, NOW, {"result": "已处理"})
    assert case.status is CaseStatus.REPORTED


def test_a_case_a_unit_holds_is_handled_by_the_unit() -> None:
    case = _reported()
    case.status, case.unit_id = CaseStatus.IN_PROGRESS, "wuye-1"
    with pytest.raises(Forbidden, match="assigned to a unit"):
        case.act(Action.HANDLE_ON_SPOT, WORKER, NOW, {"result": "已处理"})


def test_the_result_is_required() -> None:
    with pytest.raises(InvalidInput, match="result"):
        _reported().act(Action.HANDLE_ON_SPOT, WORKER, NOW, {"result": "  "})


def test_rework_gives_it_back_to_the_grid_worker_who_handles_it_again() -> None:
    case = _reported()
    case.act(Action.HANDLE_ON_SPOT, WORKER, NOW, {"result": "已劝离"})
    case.act(Action.REWORK, SUPERVISOR, NOW + timedelta(hours=1), {"reason": "摊贩仍在"})
    assert (case.status, case.unit_id, case.rework_count) == (CaseStatus.IN_PROGRESS, None, 1)
    assert Action.HANDLE_ON_SPOT in case.allowed_actions(WORKER)
    case.act(Action.HANDLE_ON_SPOT, WORKER, NOW + timedelta(hours=2), {"result": "再次劝离"})
    case.act(Action.VERIFY, SUPERVISOR, NOW + timedelta(hours=3))
    assert case.status is CaseStatus.VERIFIED
