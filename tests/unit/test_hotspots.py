"""Hot-spot statistics on hand-built counts: each expected value is worked out in the comment beside it."""

from __future__ import annotations

import pytest

from gridgov.domain import hotspots as hs


def test_a_cell_at_six_times_its_steady_baseline_is_tested_by_the_exact_poisson_comparison():
    # baseline 1 a week for 8 weeks, 6 this week: pooled n = 14, P(Bin(14, 1/9) >= 6) = 0.002554;
    # expected (8 + 0.5) / 8 = 1.0625, ratio 6 / 1.0625 = 5.65
    expected, p, method = hs.upper_tail(6, [1] * 8)
    assert method == "poisson"
    assert expected == pytest.approx(1.0625)
    assert p == pytest.approx(0.0025544, rel=1e-4)


def test_an_over_dispersed_baseline_uses_the_wider_negative_binomial():
    # 0,6,0,6…: mean 3, variance 10.29, dispersion index 7·10.29/3 = 24 (chi2(7) tail 0.0011 < 0.05);
    # size 9 / 7.29 = 1.235, mu 24.5 / 8 = 3.0625: P(NB >= 6) = 0.1791 (a plug-in Poisson would say 0.08)
    expected, p, method = hs.upper_tail(6, [0, 6] * 4)
    assert method == "negbin"
    assert p == pytest.approx(0.17911, rel=1e-3)


def test_one_case_in_a_cell_never_seen_before_is_no_hot_spot():
    # expected 0.5 / 8 = 0.0625 (the pseudo-count), ratio 16, p = 1/9: below every minimum
    [cell] = hs.detect({("g1", "E01"): 1}, {})
    assert (cell.count, cell.expected, cell.ratio, cell.hot) == (1, 0.062, 16.0, False)
    assert cell.p_value == pytest.approx(1 / 9)


def test_benjamini_hochberg_steps_up_from_the_largest_p():
    # m = 4: 0.2·4/4 = 0.2; 0.04·4/3 = 0.0533; 0.03·4/2 = 0.06 -> 0.0533; 0.01·4/1 = 0.04
    assert hs.benjamini_hochberg([0.01, 0.04, 0.03, 0.20]) == pytest.approx([0.04, 0.05333, 0.05333, 0.2], abs=1e-4)


def test_the_hot_cell_comes_first_and_quiet_cells_are_not_hot():
    current = {("g1", "E01"): 9, ("g2", "E01"): 2, ("g3", "E02"): 1}
    baselines = {("g1", "E01"): [1] * 8, ("g2", "E01"): [2] * 8, ("g3", "E02"): [1] * 8}
    cells = hs.detect(current, baselines)
    # g2: P(Bin(18, 1/9) >= 2) = 0.60 < g3: P(Bin(9, 1/9) >= 1) = 0.65
    assert [(c.key, c.hot) for c in cells] == [(("g1", "E01"), True), (("g2", "E01"), False), (("g3", "E02"), False)]


def test_sensitive_cases_may_have_a_lower_minimum():
    # two sensitive cases where none were in 8 weeks: n = 2, P(Bin(2,1/9) >= 2) = 1/81 = 0.0123
    current, baselines = {("g1", hs.SENSITIVE): 2}, {}
    assert not hs.detect(current, baselines)[0].hot
    assert hs.detect(current, baselines, min_count_for={hs.SENSITIVE: 2})[0].hot


def test_counts_fall_into_the_current_window_and_eight_before_it():
    week = 7 * 86400
    items = [("g1", "E01", 10), ("g1", "E01", week + 1), ("g1", "E01", 8 * week + 5), ("g1", "E01", 9 * week + 1), ("g1", "E01", -5)]
    current, baselines = hs.counts_by_window(items, week)
    assert current == {("g1", "E01"): 1}
    assert baselines == {("g1", "E01"): [1, 0, 0, 0, 0, 0, 0, 1]}


def test_a_daily_spike_signals_on_ewma_and_cusum_and_a_steady_series_does_not():
    # mu = 28.5/28 = 1.018; EWMA 0.3·8 + 0.7·1.018 = 3.11 > 1.018 + 3·0.424 = 2.29;
    # CUSUM 8·ln 2 − 1.018 = 4.53 > 4
    assert hs.watch_series([1] * 28 + [8]) == [hs.SeriesAlarm(28, 8, 1.02, "both")]
    assert hs.watch_series([1] * 60) == []


def test_the_same_address_written_three_ways_is_one_repeat_place():
    items = [("c1", "景华路 12号", 22.5400, 114.0500), ("c2", "景华路12号", 22.5410, 114.0500),
             ("c3", "景华路12号。", 22.5420, 114.0500), ("c4", "莲花路1号", 22.5600, 114.0600)]  # fmt: skip
    [place] = hs.repeat_places(items, min_count=3)
    assert (place.kind, place.label, place.count, place.case_ids) == ("address", "景华路 12号", 3, ("c1", "c2", "c3"))


def test_points_within_thirty_metres_cluster_whatever_their_text():
    # 0.0001° of latitude is 11 m: three points within 22 m, a fourth 1.1 km away
    items = [("c1", "门口", 22.54000, 114.05), ("c2", "楼下", 22.54010, 114.05), ("c3", None, 22.54020, 114.05),
             ("c4", None, 22.55000, 114.05)]  # fmt: skip
    [place] = hs.repeat_places(items, min_count=3)
    assert (place.kind, place.count, place.case_ids) == ("cluster", 3, ("c1", "c2", "c3"))


def test_similar_messages_form_a_topic_and_unrelated_ones_do_not():
    texts = ["小区旁边工地夜间施工噪音扰民", "工地夜间施工噪音太大扰民", "夜间施工噪音扰民严重", "投诉工地夜间施工噪音扰民",
             "学校违规收取补课费", "学校违规收取资料费", "投诉学校违规收取费用", "公交车站牌损坏", "路灯不亮"]  # fmt: skip
    found = hs.topics(texts, min_size=3)
    assert [t.members for t in found] == [(0, 1, 2, 3), (4, 5, 6)]
    assert "扰民" in found[0].terms


def test_the_wall_sentence_in_both_languages():
    assert hs.sentence("占道经营", "景华社区第03网格", 3.4, 0.004, 7, "en") == "占道经营 in 景华社区第03网格: 3.4× its usual weekly count, p < 0.01"
    assert hs.sentence("占道经营", "景华社区第03网格", 3.4, 0.004, 7) == "景华社区第03网格的占道经营：平常每周数量的 3.4 倍，p < 0.01"
    assert hs.p_text(0.2) == "p = 0.20"
