"""The triage pipeline (分拨): classify, grade, place and route each new case, or hand it to a person
with the reason. Runs as the handler of `CaseReported` events (via the outbox relay), so a report is
stored first and never lost to a triage failure; a failure is retried and visible to admins.
"""

from __future__ import annotations

from typing import Any

from gridgov.domain.commands import ResolveTriage, TriageCase
from gridgov.domain.errors import InvalidInput, NotFound, StaleVersion
from gridgov.domain.grading import grade_case
from gridgov.domain.responsibility import route
from gridgov.domain.roles import SYSTEM_ACTOR
from gridgov.domain.scope import can_see_case
from gridgov.domain.taxonomy import Grade, named_in
from gridgov.domain.workflow import Action, CaseStatus
from gridgov.services.schedule import prepare_dispatch, sync_timers


def choose_category(text: str, table, classifier=None) -> tuple[Any, dict[str, Any], list[str]]:
    """The category of a report that came without one: the event or component it names outright, else the
    classifier's class when it is sure enough. Returns (category or None, findings, reasons for a person)."""
    naming = named_in(text, table)
    if naming is not None:  # the fine category with its own grade, time limit and unit, not a broad class
        return naming.category, {"named": {"category": naming.category.code, "phrase": naming.phrase}}, []
    if classifier is None:
        return None, {}, []
    prediction = classifier.predict(text, "")
    found = {
        "classification": {
            "label": prediction.label,
            "confidence": round(float(prediction.confidence), 4),
            "runners_up": [[label, round(float(score), 4)] for label, score in prediction.runners_up],
        }
    }
    if prediction.needs_review:
        return None, found, [f"classifier unsure ({prediction.label}, confidence {prediction.confidence:.2f})"]
    return table.get(prediction.label), found, []


def triage_case(cmd: TriageCase, uow, *, clock, policy, classifier=None) -> str:
    case = uow.cases.get(cmd.case_id, for_update=True)
    if case is None or case.triaged_at is not None or case.status is not CaseStatus.REPORTED:
        return "skipped"
    now = clock.now()
    table = uow.categories.table()
    category = table.get(case.category) if case.category else None
    findings: dict[str, Any] = {}
    if case.triage and case.triage.get("placement"):
        findings["placement"] = case.triage["placement"]
    reasons: list[str] = []
    if case.category and category is None:
        findings["unknown_category"] = case.category
    if category is None:
        category, found, unsure = choose_category(case.description, table, classifier)
        findings.update(found)
        reasons.extend(unsure)
    if category is None and not reasons:
        reasons.append("no category")
    default_grade = category.grade if category else Grade(int(case.grade))
    severity = (case.triage or {}).get("severity") if case.triage else None
    grading = grade_case(case.description, channel=str(case.channel), default=default_grade, severity=severity)
    findings["grade_because"] = list(grading.because)
    if grading.sensitive:
        findings["sensitive_terms"] = list(grading.sensitive_terms)
    if case.grid_code is None:
        reasons.append("not placed in any grid")
    decision = None
    if case.grid_code is not None and category is not None:
        facts = {
            "category": category.code,
            "kind": category.kind,
            "major": category.major,
            "category_unit_type": category.unit_type,
            "grade": int(grading.grade),
            "channel": str(case.channel),
            "grid_code": case.grid_code,
            "text": case.description,
            "sensitive": grading.sensitive,
        }
        decision = route(facts, uow.rules.list(), uow.units.list())
        findings["routing"] = {
            "unit_id": decision.unit_id,
            "rule": decision.rule_code,
            "because": list(decision.because),
            "loop": decision.loop,
            "time_limit": decision.time_limit,
            "ladder": decision.ladder,
            "tried": list(decision.tried),
        }
        if not decision.routed:
            reasons.append("no responsible unit: " + decision.explain())
    needs_person = "; ".join(reasons) or None
    case.record_triage(
        now,
        grade=grading.grade,
        category=category.code if category else None,
        sensitive_terms=grading.sensitive_terms,
        findings=findings,
        needs_person=needs_person,
    )
    if needs_person is None and decision is not None:
        case.act(Action.ACCEPT, SYSTEM_ACTOR, now, {"grade": int(grading.grade), "category": category.code})
        fields = {"unit_id": decision.unit_id, "time_limit": decision.time_limit, "ladder": decision.ladder,
                  "note": f"自动派遣 {decision.explain()}"[:500]}  # fmt: skip
        prepare_dispatch(case, uow, fields, now, policy)
        case.act(Action.DISPATCH, SYSTEM_ACTOR, now, fields)
    sync_timers(uow, case, policy)
    uow.commit()
    return "dispatched" if needs_person is None else "queued"


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
