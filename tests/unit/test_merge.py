"""Merging a duplicate and splitting it out again go through the aggregate: every change on both
timelines, with its event, and the report count back where it was."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gridgov.domain.cases import Case
from gridgov.domain.errors import InvalidInput
from gridgov.domain.roles import Actor, Role
from gridgov.domain.taxonomy import Channel
from gridgov.domain.workflow import CaseStatus

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
DISPATCHER = Actor(user_id="u-disp", role=Role.DISPATCHER, name="派遣员")


def _case(case_id: str) -> Case:
    case = Case.report(case_id=case_id, actor=Actor(user_id=f"r-{case_id}", role=Role.RESIDENT), now=NOW,
                       description="垃圾桶满溢", lon=114.06, lat=22.54, channel=Channel.RESIDENT_APP, grid_code="440304001001001")  # fmt: skip
    case.new_entries.clear()
    case.events.clear()
    return case


def test_a_split_undoes_a_merge_on_both_timelines_with_events():
    dup, kept = _case("C1"), _case("C2")
    dup.merge_into(kept, NOW, actor=DISPATCHER)
    assert (dup.status, dup.merged_into, kept.report_count) == (CaseStatus.REJECTED, "C2", 2)
    dup.split_from(kept, NOW + timedelta(minutes=5), actor=DISPATCHER)
    assert (dup.status, dup.merged_into, kept.report_count) == (CaseStatus.ACCEPTED, None, 1)
    assert [e.action for e in dup.new_entries] == ["reject", "reopen"]
    assert [e.action for e in kept.new_entries] == ["join", "split"]
    assert [e.name for e in kept.events] == ["CaseJoined", "CaseSplit"]
    assert kept.version == 3 and kept.new_entries[-1].data == {"case_id": "C1", "report_count": 1}


def test_a_case_that_was_not_merged_cannot_be_split_and_none_merges_into_itself():
    case = _case("C1")
    with pytest.raises(InvalidInput, match="not merged"):
        case.split_from(None, NOW, actor=DISPATCHER)
    with pytest.raises(InvalidInput, match="itself"):
        case.merge_into(case, NOW, actor=DISPATCHER)
    assert case.status is CaseStatus.REPORTED and not case.new_entries
