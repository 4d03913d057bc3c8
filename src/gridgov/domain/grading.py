"""Grading (分级) and sensitive topics (敏感事件): rules on text and source that set a case's grade.

The tables are data: each rule names the words it looks for, the grade it implies and why. The highest
grade (smallest number) any rule gives wins; the reasons are kept on the case. Words come from the
scenarios in the field reports (起火, 燃气泄漏, 坍塌, 触电, 老人跌倒 …) and common 12345 practice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gridgov.domain.taxonomy import Grade

# (pattern, grade, reason) — life and safety first.
TEXT_RULES: list[tuple[str, Grade, str]] = [
    (r"起火|着火|火灾|冒烟|浓烟|烧起来", Grade.CRITICAL, "fire (起火)"),
    (r"燃气|煤气|天然气|液化气", Grade.CRITICAL, "gas (燃气)"),
    (r"坍塌|倒塌|塌陷|垮塌", Grade.CRITICAL, "collapse (坍塌)"),
    (r"触电|漏电|电线掉落|电线裸露", Grade.CRITICAL, "electrocution (触电)"),
    (r"跌倒|摔倒|昏倒|晕倒|不省人事|呼救", Grade.CRITICAL, "person down (跌倒)"),
    (r"井盖(缺失|丢失|被盗)|没有井盖", Grade.CRITICAL, "open manhole (井盖缺失)"),
    (r"爆管|水管破裂|漏水|渗水|积水", Grade.URGENT, "water leak (漏水)"),
    (r"消防通道|堵塞通道", Grade.URGENT, "blocked fire lane (消防通道)"),
    (r"飞线充电|电动车.{0,6}充电", Grade.URGENT, "fire risk charging (飞线充电)"),
    (r"高空抛物", Grade.URGENT, "objects thrown from height (高空抛物)"),
]
SENSITIVE_TERMS = [
    "群体性", "上访", "维权", "安全事故", "聚集", "讨薪", "拉横幅", "堵路", "跳楼", "自杀", "死亡", "伤亡", "媒体曝光", "网络舆情",
]  # fmt: skip
# Alarm severities (sensors, cameras) map onto grades one to one.
SEVERITY_GRADES = {"critical": Grade.CRITICAL, "major": Grade.URGENT, "minor": Grade.NORMAL, "warning": Grade.ROUTINE}

_COMPILED = [(re.compile(p), g, why) for p, g, why in TEXT_RULES]


@dataclass(frozen=True)
class GradeDecision:
    grade: Grade
    because: tuple[str, ...]  # in English, as stored on cases before reason codes (kept for one release)
    sensitive_terms: tuple[str, ...]
    codes: tuple[dict, ...] = ()  # the same reasons as codes with parameters, which the pages translate

    @property
    def sensitive(self) -> bool:
        return bool(self.sensitive_terms)


def _words_code(why: str, grade: Grade) -> dict:
    rule, _, words = why.partition(" (")  # "fire (起火)": the rule's name and its Chinese word
    return {"code": "grade.words", "rule": rule, "words": words.rstrip(")"), "grade": int(grade)}


def grade_case(text: str, *, channel: str, default: Grade, severity: str | None = None) -> GradeDecision:
    grade = default
    because = [(f"default grade {int(default)} of the category", {"code": "grade.default", "grade": int(default)})]
    candidates: list[tuple[Grade, str, dict]] = []
    if channel == "sos_button":
        candidates.append((Grade.CRITICAL, "one-key SOS (一键呼)", {"code": "grade.sos", "grade": 1}))
    if severity in SEVERITY_GRADES:
        g = SEVERITY_GRADES[severity]
        candidates.append((g, f"alarm severity {severity}", {"code": "grade.severity", "severity": severity, "grade": int(g)}))
    for pattern, g, why in _COMPILED:
        if pattern.search(text or ""):
            candidates.append((g, why, _words_code(why, g)))
    for g, why, code in candidates:
        if g < grade:
            grade, because = g, [(why, code)]
        elif g == grade and candidates:
            because.append((why, code))
    terms = tuple(t for t in SENSITIVE_TERMS if t in (text or ""))
    kept = dict(because)  # first of each English reason, in order
    return GradeDecision(grade, tuple(kept), terms, tuple(kept.values()))
