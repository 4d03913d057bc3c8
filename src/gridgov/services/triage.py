"""The triage pipeline (分拨): classify, grade, place and route each new case, or hand it to a person
with the reason. Runs as the handler of `CaseReported` events (via the outbox relay), so a report is
stored first and never lost to a triage failure; a failure is retried and visible to admins.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gridgov.domain.commands import ResolveTriage, TriageCase
from gridgov.domain.errors import InvalidInput, NotFound, StaleVersion
from gridgov.domain.grading import grade_case
from gridgov.domain.responsibility import route
from gridgov.domain.roles import SYSTEM_ACTOR
from gridgov.domain.scope import can_see_case
from gridgov.domain.taxonomy import Grade, named_in, suggest
from gridgov.domain.workflow import Action, CaseStatus
from gridgov.services.schedule import prepare_dispatch, sync_timers

# Every reason code `decide` gives (each has words in web/i18n.py as "reason." + code, both languages).
REASON_CODES = (
    "category.named", "category.given", "category.scene", "category.classified", "category.classifier_unsure",
    "category.unsure", "category.unknown", "category.none", "scene.unknown", "place.none", "routing.none",
    "routing.rule", "grade.default", "grade.severity", "grade.sos", "grade.words", "grade.sensitive",
)  # fmt: skip


@dataclass(frozen=True)
class ReportFacts:
    """What triage knows of a report: its words, how it came, what the device said and where it is."""

    text: str
    channel: str
    grid_code: str | None = None
    category: str | None = None  # chosen by the reporter, the desk or a device
    severity: str | None = None  # alarm severity (sensors, cameras)
    scene: str | None = None  # a camera's scene type or a sensor's metric, filed by the category table
    placement: dict[str, Any] | None = None  # how an address-only report was placed (gazetteer)
    grade: Grade = Grade.NORMAL  # the report's own grade, kept when no category says otherwise


@dataclass
class TriageDecision:
    """What triage does with a report, and why, as codes with parameters (`{"code": "category.named",
    "phrase": "垃圾箱满溢"}`) that the pages translate; `blocking` are the reasons a person must decide
    (empty: dispatched automatically)."""

    category: Any  # Category | None
    grading: Any  # GradeDecision
    routing: Any  # RoutingDecision | None
    findings: dict[str, Any]
    because: list[dict[str, Any]]
    blocking: list[dict[str, Any]]
    candidates: list[dict[str, Any]]  # categories a person would pick from, best first

    @property
    def dispatches(self) -> bool:
        return not self.blocking and self.routing is not None and self.routing.routed

    @property
    def needs_person(self) -> str | None:
        """The blocking reasons in English, as the API gave them before codes (kept for one release)."""
        return "; ".join(_english(r) for r in self.blocking) or None


def _english(reason: dict[str, Any]) -> str:
    code = reason["code"]
    if code == "category.classifier_unsure":
        return f"classifier unsure ({reason['label']}, confidence {reason['confidence']:.2f})"
    if code == "category.unsure":
        return "category unsure: " + ", ".join(reason["candidates"])
    if code == "scene.unknown":
        return f"unknown scene {reason['scene']!r}"
    if code == "place.none":
        return "not placed in any grid"
    if code == "routing.none":
        return "no responsible unit: " + "; ".join(reason["clauses"])
    return "no category"


def _candidate(category, score: float, by: str) -> dict[str, Any]:
    return {"code": category.code, "name": category.name, "name_en": category.name_en, "major": category.major,
            "score": round(float(score), 2), "by": by}  # fmt: skip


def recognise(facts: ReportFacts, table, classifier=None) -> tuple[Any, dict[str, Any], list, list, list]:
    """The category of a report: the one given (by the reporter, the desk, or a device's scene through
    the table's `scenes`), else the event or component the words name outright (domain/recognition.py),
    else, for a report whose words suggest no urban event at all, the broad message classifier when it
    is sure. Words that suggest events without naming one for sure go to a person with the suggestions:
    the 7-class message model never files an urban event.
    Returns (category or None, findings, because, blocking, candidates)."""
    findings: dict[str, Any] = {}
    because: list[dict[str, Any]] = []
    blocking: list[dict[str, Any]] = []
    words = [_candidate(c, score, "words") for c, score in suggest(facts.text, table)]
    category = table.get(facts.category) if facts.category else None
    if facts.category and category is None:
        findings["unknown_category"] = facts.category
        because.append({"code": "category.unknown", "category": facts.category})
    if category is not None:
        if facts.scene and table.by_scene(facts.scene) is category:  # filed by the device's scene at intake
            because.append({"code": "category.scene", "scene": facts.scene, "category": category.code})
        else:
            because.append({"code": "category.given", "category": category.code})
        return category, findings, because, blocking, words
    if facts.scene:
        category = table.by_scene(facts.scene)
        if category is None:
            findings["unknown_scene"] = facts.scene
            blocking.append({"code": "scene.unknown", "scene": facts.scene})
            return None, findings, because, blocking, words
        because.append({"code": "category.scene", "scene": facts.scene, "category": category.code})
        return category, findings, because, blocking, words
    naming = named_in(facts.text, table)
    if naming is not None:  # the fine category with its own grade, time limit and unit, not a broad class
        findings["named"] = {"category": naming.category.code, "phrase": naming.phrase}
        because.append({"code": "category.named", "category": naming.category.code, "phrase": naming.phrase})
        rest = [c for c in words if c["code"] != naming.category.code]
        return naming.category, findings, because, blocking, [_candidate(naming.category, 1.0, "named"), *rest][:3]
    if words:
        findings["suggestions"] = [[c["code"], c["score"]] for c in words]
        blocking.append({"code": "category.unsure", "candidates": [c["code"] for c in words]})
        return None, findings, because, blocking, words
    if classifier is None or len(facts.text.strip()) < 2:
        blocking.append({"code": "category.none"})
        return None, findings, because, blocking, words
    prediction = classifier.predict(facts.text, "")
    confidence = round(float(prediction.confidence), 4)
    findings["classification"] = {
        "label": prediction.label,
        "confidence": confidence,
        "runners_up": [[label, round(float(score), 4)] for label, score in prediction.runners_up],
    }
    guessed = table.get(prediction.label)
    candidates = [_candidate(guessed, confidence, "classifier")] if guessed is not None and confidence >= 0.5 else []
    if prediction.needs_review or guessed is None:
        blocking.append({"code": "category.classifier_unsure", "label": prediction.label, "confidence": confidence})
        return None, findings, because, blocking, candidates
    because.append({"code": "category.classified", "label": prediction.label, "confidence": confidence})
    return guessed, findings, because, blocking, candidates


def decide(facts: ReportFacts, *, table, rules, units, classifier=None) -> TriageDecision:
    """The one triage decision: category, grade, place and unit, with the reasons as codes. Triage
    (`triage_case`), the dry run (`POST /api/v1/rules/dry-run`) and the desk's suggestions
    (`GET /api/v1/categories/suggest`) all call this, so what the desk suggests and the dry run says is
    what triage does."""
    category, findings, because, blocking, candidates = recognise(facts, table, classifier)
    if facts.placement:
        findings["placement"] = facts.placement
    default_grade = category.grade if category else facts.grade
    grading = grade_case(facts.text, channel=facts.channel, default=default_grade, severity=facts.severity)
    findings["grade_because"] = list(grading.because)
    because.extend(grading.codes)
    if grading.sensitive:
        findings["sensitive_terms"] = list(grading.sensitive_terms)
        because.append({"code": "grade.sensitive", "terms": list(grading.sensitive_terms)})
    if facts.grid_code is None:
        blocking.append({"code": "place.none"})
    routing = None
    if facts.grid_code is not None and category is not None:
        routing = route(
            {
                "category": category.code, "kind": category.kind, "major": category.major,
                "category_unit_type": category.unit_type, "grade": int(grading.grade), "channel": facts.channel,
                "grid_code": facts.grid_code, "text": facts.text, "sensitive": grading.sensitive,
            },
            rules,
            units,
        )  # fmt: skip
        findings["routing"] = {
            "unit_id": routing.unit_id,
            "rule": routing.rule_code,
            "because": list(routing.because),
            "loop": routing.loop,
            "time_limit": routing.time_limit,
            "ladder": routing.ladder,
            "tried": list(routing.tried),
        }
        if routing.routed:
            because.append({"code": "routing.rule", "rule": routing.rule_code, "unit": routing.unit_id,
                            "clauses": list(routing.because)})  # fmt: skip
        else:
            blocking.append({"code": "routing.none", "clauses": list(routing.because)})
    if category is None and not blocking:
        blocking.append({"code": "category.none"})
    findings["because"] = because
    findings["reasons"] = blocking
    if candidates:
        findings["candidates"] = [[c["code"], c["score"], c["by"]] for c in candidates]
    return TriageDecision(category, grading, routing, findings, because, blocking, candidates)


def choose_category(text: str, table, classifier=None) -> tuple[Any, dict[str, Any], list[str]]:
    """The category of a report that came without one (kept for callers of the earlier interface):
    `recognise` on the text alone. Returns (category or None, findings, reasons for a person)."""
    category, findings, _, blocking, _ = recognise(ReportFacts(text=text, channel=""), table, classifier)
    return category, findings, [_english(r) for r in blocking]


def triage_case(cmd: TriageCase, uow, *, clock, policy, classifier=None) -> str:
    case = uow.cases.get(cmd.case_id, for_update=True)
    if case is None or case.triaged_at is not None or case.status is not CaseStatus.REPORTED:
        return "skipped"
    now = clock.now()
    stored = case.triage or {}
    facts = ReportFacts(
        text=case.description, channel=str(case.channel), grid_code=case.grid_code, category=case.category,
        severity=stored.get("severity"), scene=stored.get("scene"), placement=stored.get("placement"),
        grade=Grade(int(case.grade)),
    )  # fmt: skip
    decision = decide(facts, table=uow.categories.table(), rules=uow.rules.list(), units=uow.units.list(), classifier=classifier)
    category, grading, routing = decision.category, decision.grading, decision.routing
    needs_person = decision.needs_person[:500] if decision.needs_person else None  # the column's bound
    case.record_triage(
        now,
        grade=grading.grade,
        category=category.code if category else None,
        sensitive_terms=grading.sensitive_terms,
        findings=decision.findings,
        needs_person=needs_person,
    )
    if decision.dispatches:
        case.act(Action.ACCEPT, SYSTEM_ACTOR, now, {"grade": int(grading.grade), "category": category.code})
        fields = {"unit_id": routing.unit_id, "time_limit": routing.time_limit, "ladder": routing.ladder,
                  "note": f"自动派遣 {routing.explain()}"[:500]}  # fmt: skip
        prepare_dispatch(case, uow, fields, now, policy)
        case.act(Action.DISPATCH, SYSTEM_ACTOR, now, fields)
    sync_timers(uow, case, policy)
    uow.commit()
    return "dispatched" if decision.dispatches else "queued"


def resolve_triage(cmd: ResolveTriage, uow, *, clock, policy, corrections=None):
    """One action on a queued case: reject it, or set category/grade, accept and dispatch it."""
    case = uow.cases.get(cmd.case_id, for_update=True)
    if case is None or not can_see_case(cmd.actor, grid_code=case.grid_code, unit_id=case.unit_id, reporter_id=case.reporter_id):
        raise NotFound(f"no case {cmd.case_id} that you may see")
    if cmd.expected_version != case.version:
        raise StaleVersion(f"the case is at version {case.version}", current_version=case.version)
    now = clock.now()
    if cmd.reject_reason:
        case.act(Action.REJECT, cmd.actor, now, {"reason": cmd.reject_reason})
        sync_timers(uow, case, policy)
        uow.commit()
        return case
    if not cmd.unit_id:
        raise InvalidInput("give a unit_id to dispatch to, or a reject_reason")
    unit = uow.units.get(cmd.unit_id)
    if unit is None or not unit.active:
        raise InvalidInput(f"unknown unit {cmd.unit_id!r}")
    category = None
    if cmd.category:
        category = uow.categories.table().get(cmd.category)
        if category is None:
            raise InvalidInput(f"unknown category {cmd.category!r}")
    predicted = ((case.triage or {}).get("classification") or {}).get("label")
    case.act(Action.ACCEPT, cmd.actor, now, {"grade": cmd.grade, "category": category.code if category else None})
    fields: dict[str, Any] = {"unit_id": unit.id, "note": cmd.note}
    prepare_dispatch(case, uow, fields, now, policy)
    case.act(Action.DISPATCH, cmd.actor, now, fields)
    sync_timers(uow, case, policy)
    if corrections is not None and category is not None and predicted and category.kind == "message" and predicted != category.name:
        corrections(uow, case.description, category.name)  # training data, kept with the dispatch (one commit)
    uow.commit()
    return case
