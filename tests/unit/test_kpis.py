"""The KPI registry: ids the other tools rely on, the published page agrees with it, and the pure rules
of ranges, percentile ranks and periods."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from gridgov.domain import kpis
from gridgov.domain.errors import InvalidInput

DOCS = Path(__file__).resolve().parents[2] / "docs" / "kpis.md"


def test_the_promised_indicators_are_there_with_their_parts():
    promised = {"received", "closed", "due", "closed_on_time", "closure_rate", "on_time_rate", "rework_rate",
                "ontime_handling_rate", "accurate_dispatch_rate", "satisfaction_rate", "avg_handling_hours",
                "p90_handling_hours", "social_entity_share", "hotline_response_rate", "hotline_resolution_rate",
                "hotline_satisfaction_rate"}  # fmt: skip
    assert promised <= set(kpis.BY_ID)
    for ind in kpis.REGISTRY:
        assert ind.name_zh and ind.name_en and ind.formula and ind.numerator and ind.version >= 1
        assert ind.basis in kpis.BASES
        assert set(ind.population) | set(ind.numerator_when) <= set(kpis.CONDITIONS)
        assert (ind.denominator is None) == (ind.kind == "count")
    assert kpis.BY_ID["on_time_rate"].population == ("not_suspended",)  # 应结案数 less the suspended
    assert kpis.BY_ID["accurate_dispatch_rate"].numerator_when == ("not_returned",)  # 派遣数 − 退单数


def test_the_published_page_is_the_registry():
    assert DOCS.read_text(encoding="utf-8") == kpis.markdown(), (
        "docs/kpis.md differs from the registry; regenerate it (command at the top of the file)"
    )


def test_nearest_rank_is_the_ceiling_of_ninety_percent():
    assert [kpis.nearest_rank(n) for n in (1, 2, 5, 8, 9, 10, 11, 15, 20)] == [1, 2, 5, 8, 9, 9, 10, 14, 18]


def test_a_rate_over_nothing_is_none():
    assert kpis.share(0, 0) is None and kpis.share(1, 3) == 0.3333
    assert kpis.change(0.5, None) == {"delta": None, "change": None}
    assert kpis.change(7, 0) == {"delta": 7, "change": None}
    assert kpis.change(0.5, 1.0) == {"delta": -0.5, "change": -0.5}


def test_ranges_are_checked():
    assert kpis.check_range(date(2026, 11, 1), date(2026, 11, 30)) == 30
    assert kpis.check_range(date(2024, 1, 1), date(2026, 12, 31)) == 1096  # three years with a leap day
    with pytest.raises(InvalidInput, match="reversed"):
        kpis.check_range(date(2026, 11, 2), date(2026, 11, 1))
    with pytest.raises(InvalidInput, match="at most"):
        kpis.check_range(date(2024, 1, 1), date(2027, 1, 1))
    with pytest.raises(InvalidInput, match="unknown grouping"):
        kpis.check_grouping("planet")


def test_comparison_ranges():
    assert kpis.year_earlier(date(2024, 2, 29), date(2024, 3, 31)) == (date(2023, 2, 28), date(2023, 3, 31))
    assert kpis.previous_range(date(2026, 11, 1), date(2026, 11, 30)) == (date(2026, 10, 2), date(2026, 10, 31))


def test_time_rows_are_clipped_to_the_range():
    weeks = kpis.buckets(date(2026, 11, 1), date(2026, 11, 10), "week")
    assert weeks == [("2026-10-26", "2026-W44", date(2026, 11, 1), date(2026, 11, 1)),
                     ("2026-11-02", "2026-W45", date(2026, 11, 2), date(2026, 11, 8)),
                     ("2026-11-09", "2026-W46", date(2026, 11, 9), date(2026, 11, 10))]  # fmt: skip
    months = kpis.buckets(date(2026, 1, 15), date(2026, 3, 1), "month")
    assert [(m[0], m[2], m[3]) for m in months] == [("2026-01", date(2026, 1, 15), date(2026, 1, 31)),
                                                    ("2026-02", date(2026, 2, 1), date(2026, 2, 28)),
                                                    ("2026-03", date(2026, 3, 1), date(2026, 3, 1))]  # fmt: skip
    assert len(kpis.buckets(date(2026, 11, 1), date(2026, 11, 30), "day")) == 30
