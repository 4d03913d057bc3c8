"""Every word a screen shows exists in both languages: a status, action, role or category class that the
domain or the shipped table knows but the word table lacks would show its raw code to the user."""

from __future__ import annotations

import json
import re
from importlib import resources

import pytest

from gridgov.domain.conditions import OPS
from gridgov.domain.responsibility import FACT_FIELDS
from gridgov.domain.roles import Role
from gridgov.domain.taxonomy import CATEGORY_KINDS, parse_category_csv
from gridgov.domain.workflow import Action, CaseStatus
from gridgov.web import i18n

CJK = re.compile(r"[\u4e00-\u9fff]")


def shipped_categories():
    return parse_category_csv(resources.files("gridgov.data").joinpath("categories.csv").read_text(encoding="utf-8"))


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_every_status_action_and_role_has_a_word(lang):
    words = i18n.table(lang)
    assert set(words["statuses"]) >= {s.value for s in CaseStatus}
    assert set(words["actions"]) >= {a.value for a in Action}
    assert set(words["roles"]) >= {r.value for r in Role}


def test_every_class_of_the_shipped_category_table_reads_in_english():
    majors = i18n.table("en")["majors"]
    for category in shipped_categories():
        assert category.major in majors, category.major
        assert category.name_en and not CJK.search(category.name_en), category.code


def test_the_english_table_has_no_chinese_and_the_chinese_one_no_blanks():
    en, zh = i18n.table("en"), i18n.table("zh-CN")
    for group in ("words", "actions", "statuses", "majors", "roles", "channels", "fields", "ops", "kinds", "unit_types"):
        for key, text in en[group].items():
            assert text and not CJK.search(text.replace("中文", "")), (group, key, text)
        assert all(zh[group].values()), group


def test_an_unknown_language_falls_back_to_chinese():
    assert i18n.pick("fr") == "zh-CN"
    assert i18n.pick("en") == "en"


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_every_fact_operator_kind_and_shipped_unit_type_a_routing_reason_names_has_a_word(lang):
    """The desk renders the API's routing clauses ("urban_management of grid … is …", "channel eq
    'ai_camera'") with these tables; a missing entry would show the code to the dispatcher."""
    words = i18n.table(lang)
    assert set(words["fields"]) >= FACT_FIELDS
    assert set(words["ops"]) >= set(OPS)
    assert set(words["kinds"]) >= set(CATEGORY_KINDS)
    shipped = {c.unit_type for c in shipped_categories() if c.unit_type}
    rules = json.loads(resources.files("gridgov.data").joinpath("routing_rules.json").read_text(encoding="utf-8"))
    shipped |= {r["unit_type"] for r in rules if r.get("unit_type", "@").isidentifier()}
    assert set(words["unit_types"]) >= shipped


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_every_triage_reason_code_has_words_that_use_only_parameters_the_page_fills_in(lang):
    """The pages translate the API's reason codes (issue 11); a code without words would show raw."""
    from gridgov.services.triage import REASON_CODES

    given = {"category", "phrase", "scene", "label", "confidence", "candidates", "why", "rule", "unit", "grade",
             "severity", "words", "terms"}  # the parameters explain.js fills in  # fmt: skip
    words = i18n.table(lang)["words"]
    for code in REASON_CODES:
        key = "reason." + code
        assert words.get(key), key
        assert set(re.findall(r"{(\w+)}", words[key])) <= given, key
