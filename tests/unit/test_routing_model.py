"""The routing model on a small labelled history written for these tests: it learns, suggests the right
unit with calibrated probabilities, keeps a cross-validated threshold, reports labels it cannot learn and
refuses a model file written by other library versions."""

from __future__ import annotations

import json

import pytest

from gridgov.adapters.routing_model import (
    RoutingModel,
    RoutingModelError,
    clean_text,
    coverage_at_precision,
    threshold_for_precision,
)

PLACES = ["海秀路", "龙昆南路", "国兴大道", "滨海大道", "白龙南路", "南沙路", "金盘路", "椰海大道", "万绿园", "大英山"]
PHRASES = {
    "交警支队": ["{}路口红绿灯坏了车辆乱行", "{}有车辆违停堵住路口", "{}机动车乱停放占用车道", "{}交通信号灯不亮"],
    "城管局": ["{}小吃店占道经营摆到人行道", "{}垃圾箱满溢无人清理", "{}夜间烧烤油烟扰民", "{}有流动摊贩占道"],
    "供电局": ["{}小区停电一整天", "{}电线杆倾斜电线垂落", "{}变压器冒火花", "{}频繁跳闸停电"],
    "水务局": ["{}水管爆裂路面积水", "{}小区停水没有通知", "{}自来水发黄有异味", "{}下水道堵塞污水外溢"],
}


def history() -> tuple[list[str], list[str]]:
    texts, labels = [], []
    for unit, phrases in PHRASES.items():
        for i, place in enumerate(PLACES):
            for phrase in phrases[i % 2 :: 2]:
                texts.append("市民来电反映：" + phrase.format(place) + "（请职能局按规定在30分钟内联系市民，响应处置）")
                labels.append(unit)
    return texts, labels


@pytest.fixture(scope="module")
def trained():
    texts, labels = history()
    texts += ["台风过后气象站损坏", "天气预报不准确"]
    labels += ["气象局", "气象局"]
    return RoutingModel.train(texts, labels, target_precision=0.9)


def test_the_hotline_boilerplate_and_digits_are_not_read():
    assert clean_text("市民来电反映: 工单编号：20180106179239 海秀路12号停电（请职能局按规定在30分钟内联系市民，响应处置）") == "市民来电反映:海秀路0号停电"


def test_suggests_the_unit_of_a_new_report_with_probabilities_most_likely_first(trained):
    model, _ = trained
    suggestions = model.suggest("龙华路口的红绿灯坏了", top=3)
    assert [label for label, _ in suggestions][0] == "交警支队"
    assert len(suggestions) == 3
    probabilities = [p for _, p in suggestions]
    assert probabilities == sorted(probabilities, reverse=True) and 0 < sum(probabilities) <= 1.0001
    assert model.suggest("小区停水了", top=1)[0][0] == "水务局"


def test_a_label_with_too_few_rows_is_reported_and_not_learned(trained):
    model, report = trained
    assert report.too_few_examples == {"气象局": 2}
    assert "气象局" not in model.labels and sorted(model.labels) == ["交警支队", "供电局", "城管局", "水务局"]
    assert report.rows == 80 and report.labels == 4


def test_decide_dispatches_alone_only_above_the_cross_validated_threshold(trained):
    model, report = trained
    assert report.threshold == model.meta["threshold"] and report.target_precision == 0.9
    for decision in model.decide_many(["海秀路红绿灯坏了", "路上有点问题", "停电"]):
        assert decision.auto == (decision.threshold is not None and decision.probability >= decision.threshold)
        assert len(decision.suggestions) == 3 and decision.suggestions[0] == (decision.label, decision.probability)
    assert model.decide("x", target_precision=0.5).threshold <= model.decide("x", target_precision=0.99).threshold


def test_threshold_is_the_lowest_confidence_that_keeps_the_precision():
    confidence, correct = [0.9, 0.8, 0.7, 0.6], [1, 1, 0, 1]
    assert threshold_for_precision(confidence, correct, 0.75) == 0.6  # 3 of 4 right
    assert threshold_for_precision(confidence, correct, 0.9) == 0.8  # 2 of 2
    assert threshold_for_precision([0.9, 0.8], [0, 1], 0.9) is None
    assert coverage_at_precision(confidence, correct, 0.9) == 0.5
    assert coverage_at_precision([0.9, 0.8], [0, 0], 0.9) == 0.0


def test_one_learnable_label_is_refused():
    with pytest.raises(RoutingModelError, match="two labels"):
        RoutingModel.train(["停电"] * 6 + ["停水"] * 2, ["供电局"] * 6 + ["水务局"] * 2)


def test_a_saved_model_loads_and_suggests_the_same(trained, tmp_path):
    model, _ = trained
    model.save(tmp_path / "m")
    again = RoutingModel.load(tmp_path / "m")
    assert again.suggest("水管爆裂") == model.suggest("水管爆裂")
    assert again.threshold(0.9) == model.threshold(0.9)


def test_a_model_from_other_library_versions_is_refused_with_what_differs(trained, tmp_path):
    model, _ = trained
    model.save(tmp_path / "m")
    meta = json.loads((tmp_path / "m" / "meta.json").read_text(encoding="utf-8"))
    meta["versions"]["scikit-learn"] = "0.24.2"
    (tmp_path / "m" / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(RoutingModelError, match=r"scikit-learn 0\.24\.2 \(running .*\).*gridgov routing train"):
        RoutingModel.load(tmp_path / "m")


def test_a_directory_without_a_model_is_refused(tmp_path):
    with pytest.raises(RoutingModelError, match="no routing model here"):
        RoutingModel.load(tmp_path)
    (tmp_path / "meta.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "model.joblib").write_bytes(b"")
    with pytest.raises(RoutingModelError, match="not a readable model description"):
        RoutingModel.load(tmp_path)


def test_a_decision_says_why_as_a_code_with_parameters():
    from gridgov.adapters.routing_model import Decision

    sure = Decision("交警支队", 0.97, True, 0.9, 0.98, [("交警支队", 0.97), ("城管局", 0.02), ("水务局", 0.01)])
    assert sure.reason() == {"code": "routing.learned", "label": "交警支队", "probability": 0.97, "threshold": 0.9, "target_precision": 0.98}
    unsure = Decision("城管局", 0.6, False, 0.9, 0.98, [("城管局", 0.6), ("交警支队", 0.3)])
    assert unsure.reason() == {
        "code": "routing.unsure", "label": "城管局", "probability": 0.6, "threshold": 0.9, "target_precision": 0.98,
        "suggestions": [{"label": "城管局", "probability": 0.6}, {"label": "交警支队", "probability": 0.3}],
    }
