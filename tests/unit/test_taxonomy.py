"""What the category table says about a report's words: suggestions for the report page as the reporter
types, and the category a report names outright, which triage takes before the broad classifier."""

from __future__ import annotations

from importlib import resources

import pytest

from gridgov.domain.taxonomy import named_in, parse_category_csv, suggest


@pytest.fixture(scope="module")
def table():
    return parse_category_csv((resources.files("gridgov.data") / "categories.csv").read_text(encoding="utf-8"))


def test_suggestions_come_from_category_names_and_everyday_words(table):
    assert [c.code for c, _ in suggest("小区门口路灯不亮", table)][0] == "C0108"
    assert [c.code for c, _ in suggest("楼道里堆满纸箱杂物", table)] == ["E0110"]
    assert [c.code for c, _ in suggest("噪音", table)] == ["E0507"]  # a synonym as the reporter types
    assert "E0507" in [c.code for c, _ in suggest("楼上很吵，噪音到半夜", table)]
    assert suggest("今天天气不错", table) == [] and suggest("吵", table) == []


@pytest.mark.parametrize(
    "text, code, phrase",
    [
        ("小区门口路灯不亮，晚上很黑", "C0108", "路灯…不亮"),
        ("人行道上的路灯杆歪了", "C0108", "路灯…歪了"),
        ("景华新村门口垃圾桶满溢，垃圾散落一地", "E0109", "垃圾桶满溢"),  # the longer phrase beats the bin (垃圾桶)
        ("福中路有一个井盖缺失，很危险", "E0407", "井盖缺失"),  # the missing cover, not a kind of cover
        ("有居民从楼上拉电线给电动车充电", "E0508", "电动车…充电"),
        ("消防通道占用严重，车都停满了", "E0506", "消防通道占用"),
        ("十字路口红绿灯不亮了", "C0201", "红绿灯"),  # not 灯不亮: the lamp is a traffic light
        ("路灯下面的护栏坏了", "C0203", "护栏…坏了"),  # the lamp is only where the broken railing is
        ("路口的井盖没了", "E0407", "井盖没了"),
        ("路灯不亮，麻烦尽快维修，谢谢", "C0108", "路灯…不亮"),
        ("路灯杆上贴满了小广告", "E0201", "贴满…广告"),  # flyers on a lamp post, not the lamp
        ("楼道里堆满纸箱杂物", "E0110", "楼道…堆满…纸箱"),  # issue 11: a place, piled up, a thing piled
        ("垃圾箱满溢，周边散落垃圾", "E0109", "垃圾箱满溢"),  # issue 11: 垃圾箱 is a synonym of 垃圾桶
    ],
)
def test_a_report_that_names_its_category_gets_it_by_the_longest_phrase(table, text, code, phrase):
    naming = named_in(text, table)
    assert naming is not None and (naming.category.code, naming.phrase) == (code, phrase)


@pytest.mark.parametrize(
    "text",
    [
        "公司拖欠我们几十名工人三个月工资",  # a message for the classifier
        "楼上很吵",
        "其他问题想反映一下",  # the catch-all 其他 is never named
        "护栏和路灯都坏了",  # two things named equally long: a person splits or chooses
    ],
)
def test_hints_ties_and_the_catch_all_name_nothing(table, text):
    assert named_in(text, table) is None


@pytest.mark.parametrize(
    "text",
    [
        "小区火灾报警器一直误报",
        "楼下有人烧烤冒烟，不是火灾",  # denied
        "公交站亭旁边有人摆摊卖水果",
        "行道树下面有人摆摊",
        "负责路灯维修的公司拖欠我们工人三个月工资",  # a wage complaint, for the classifier
        "楼道灯不亮好几天了",  # the building's light, not a street lamp
        "有人往河里扔东西",  # throwing is not 高空抛物 unless from height
        "井盖缺了一个角",  # a damaged cover, not a missing one (grade 1)
        "路灯已经修好了，谢谢",  # already solved: nothing to dispatch
        "消防通道已经清理干净了，感谢",
    ],
)
def test_a_name_used_as_landmark_qualifier_denial_or_solved_problem_decides_nothing(table, text):
    """Triage dispatches a named category without a person, so a misreading sends the wrong unit: these
    reports go to the classifier (and a person when it is unsure) instead."""
    assert named_in(text, table) is None


@pytest.mark.parametrize(
    "text, code",
    [
        ("楼道里堆满纸箱，有火灾隐患", "E0110"),  # a qualifier: the risk of a fire, not a fire; the piled boxes are the problem
        ("垃圾桶旁边有位老人摔倒了", "E0409"),  # landmarks: the fall is the problem, not the bin or the lamp
        ("路灯下有人摔倒了，快来人", "E0409"),
    ],
)
def test_a_landmark_or_qualifier_never_decides_but_the_problem_beside_it_does(table, text, code):
    """These three named nothing while phrasings were exact strings of three characters or more; with
    the table's phrasings (issue 11) they name the problem itself, never the landmark or the qualifier."""
    naming = named_in(text, table)
    assert naming is not None and naming.category.code == code
