"""The shipped classifier: plausible answers on raw messages, calibrated confidences, review flags, and
clear refusals of files that are not its models."""

from __future__ import annotations

import random

import pytest

from gridgov.adapters.classifier import SHIPPED, ClassifierError, TextClassifier, _model, normalize


@pytest.fixture(scope="module")
def model():
    return _model(SHIPPED)


@pytest.mark.parametrize(
    ("title", "detail", "label"),
    [("小区门口道路常年积水，路面破损严重", "下雨天根本没法走路，希望城管和住建部门尽快修路", "城乡建设"),
     ("公司拖欠工资三个月不发", "我们几十名员工被拖欠工资，社保也没有交，请劳动部门帮忙", "劳动和社会保障"),
     ("学校乱收补课费", "孩子所在中学强制学生周末补课，每人收费两千元", "教育文体"),
     ("化工厂夜间偷排废气", "附近工厂晚上排放刺鼻气体，河里也有污水排放", "环境保护"),
     ("货车超载严重", "国道上大量超载货车，路面都压坏了", "交通运输")],
)  # fmt: skip
def test_obvious_raw_messages_get_the_right_label(model, title, detail, label):
    prediction = model.predict(title, detail)
    assert prediction.label == label


def test_confidence_is_a_probability_and_runners_up_are_ordered(model):
    p = model.predict("医院收费太高", "看个感冒花了八百元，医保也报销不了")
    assert 0.0 <= p.confidence <= 1.0
    scores = [s for _, s in p.runners_up]
    assert scores == sorted(scores, reverse=True) and all(s <= p.confidence for s in scores)
    assert p.label not in {label for label, _ in p.runners_up}


def test_below_the_threshold_a_person_looks(model):
    p = model.predict("你好", "")
    assert p.needs_review == (p.confidence < (model.heavy_threshold if p.second_pass else model.fast_threshold))
    assert model.fast_threshold > 0.5


def test_segmented_and_raw_text_look_the_same_to_the_model():
    assert normalize("道路 积水 严重", "") == normalize("道路积水严重", "")


def test_a_small_model_trains_saves_and_loads(tmp_path):
    rng = random.Random(1)
    words = {"a": ["修路", "积水", "拆迁", "物业"], "b": ["工资", "社保", "养老", "劳动"], "c": ["学校", "老师", "补课", "学生"]}
    texts, labels = [], []
    for label, pool in words.items():
        for _ in range(25):
            texts.append("".join(rng.choice(pool) for _ in range(6)))
            labels.append(label)
    model = TextClassifier.train(texts, labels)
    path = tmp_path / "m.joblib"
    model.save(path)
    again = TextClassifier.load(path)
    assert again.predict("补课老师学生学校").label == "c"


def test_a_corrupt_or_foreign_file_is_refused_clearly(tmp_path):
    bad = tmp_path / "bad.joblib"
    bad.write_bytes(b"not a model at all")
    with pytest.raises(ClassifierError, match="not a readable model"):
        TextClassifier.load(bad)
    import joblib

    joblib.dump({"format": "something-else"}, tmp_path / "other.joblib")
    with pytest.raises(ClassifierError, match="not a gridgov classifier"):
        TextClassifier.load(tmp_path / "other.joblib")
    joblib.dump({"format": "gridgov-classifier/1", "sklearn": "0.1"}, tmp_path / "old.joblib")
    with pytest.raises(ClassifierError, match="retrain"):
        TextClassifier.load(tmp_path / "old.joblib")
