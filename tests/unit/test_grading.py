import pytest

from gridgov.domain.grading import grade_case
from gridgov.domain.taxonomy import Grade


@pytest.mark.parametrize(
    ("text", "grade"),
    [("3栋楼道有人闻到燃气味", Grade.CRITICAL), ("楼下电动车起火了", Grade.CRITICAL), ("老人在家跌倒起不来", Grade.CRITICAL),
     ("路面塌陷一个大坑", Grade.CRITICAL), ("小区外水管破裂漏水", Grade.URGENT), ("消防通道被车堵住", Grade.URGENT),
     ("垃圾桶满了", Grade.NORMAL)],
)  # fmt: skip
def test_life_and_safety_words_raise_the_grade(text, grade):
    assert grade_case(text, channel="resident_app", default=Grade.NORMAL).grade is grade


def test_the_sos_button_is_always_top_grade_with_its_reason():
    d = grade_case("", channel="sos_button", default=Grade.ROUTINE)
    assert d.grade is Grade.CRITICAL and d.because == ("one-key SOS (一键呼)",)


def test_alarm_severity_maps_to_grade_but_text_can_raise_it_further():
    assert grade_case("烟感报警", channel="iot_alarm", default=Grade.NORMAL, severity="major").grade is Grade.URGENT
    assert grade_case("起火", channel="iot_alarm", default=Grade.NORMAL, severity="minor").grade is Grade.CRITICAL


def test_a_grade_is_never_lowered_below_the_category_default():
    assert grade_case("漏水", channel="desk", default=Grade.CRITICAL).grade is Grade.CRITICAL


def test_sensitive_topics_are_flagged_for_leaders():
    d = grade_case("工地几十名工人聚集讨薪，拉横幅", channel="hotline_12345", default=Grade.NORMAL)
    assert d.sensitive and set(d.sensitive_terms) == {"聚集", "讨薪", "拉横幅"}
    assert not grade_case("路灯不亮", channel="desk", default=Grade.NORMAL).sensitive
