"""Notifications: who hears about what. Runs on committed events (outbox relay), writes each
recipient's in-app inbox and queues one delivery per subscribed webhook (SMS / WeChat gateways).

Idempotent by construction: every row is keyed by the event it came from, so the relay's at-least-once
delivery never notifies anyone twice. All members of a unit are notified at once ("in parallel"), so a
social entity's on-duty staff all see a dispatched case at the same moment.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select

from gridgov.adapters import tables as t
from gridgov.domain import events
from gridgov.domain.privacy import redact_text
from gridgov.domain.roles import Role
from gridgov.domain.scope import in_subtree

# The events someone is told about, with the title of the notice; keyed by event class (its name is the
# wire name the relay hands over).
_TITLES: dict[type[events.Event], str] = {
    events.CaseDispatched: "新派遣案件",
    events.CaseWarned: "案件时限预警",
    events.CaseEscalated: "案件升级",
    events.CaseSupervised: "领导督办",
    events.CaseReturned: "案件被退单",
    events.CaseHandled: "案件待核查",
    events.CaseClosed: "您反映的问题已办结",
    events.CaseRejected: "您反映的问题未予立案",
    events.CaseTriaged: "敏感事件",
    events.CaseReported: "一键呼求助",
}
NOTIFIED_EVENTS: tuple[type[events.Event], ...] = tuple(_TITLES)
TITLES = {cls.__name__: title for cls, title in _TITLES.items()}


def recipients(uow, event_type: str, p: dict[str, Any]) -> set[str]:
    """User ids to notify for one event."""
    kind = events.EVENT_TYPES.get(event_type)  # the wire name back to its class
    data = p.get("data") or {}
    users = [u for u in uow.users.list() if u.active]
    grid = p.get("grid_code")

    def unit_members(unit_id):
        return {u.id for u in users if unit_id and u.unit_id == unit_id}

    def role_in_scope(*roles):
        return {u.id for u in users if u.role in roles and in_subtree(grid, u.grid_code)}

    if kind in (events.CaseDispatched, events.CaseSupervised):
        return unit_members(p.get("unit_id"))
    if kind is events.CaseWarned:
        stage, level = data.get("stage"), data.get("level")
        if stage == "handle":
            extra = role_in_scope(Role.DISPATCHER) if level == "red" else set()
            return unit_members(p.get("unit_id")) | extra
        if stage == "verify":
            return role_in_scope(Role.SUPERVISOR)
        if stage == "supervision":
            return role_in_scope(Role.LEADER)
        return role_in_scope(Role.DISPATCHER)
    if kind is events.CaseEscalated:
        out = unit_members(data.get("unit_id"))
        if data.get("role"):
            out |= role_in_scope(Role(data["role"]))
        return out
    if kind is events.CaseReturned:
        return role_in_scope(Role.DISPATCHER)
    if kind is events.CaseHandled:
        return role_in_scope(Role.SUPERVISOR)
    if kind in (events.CaseClosed, events.CaseRejected):
        return {p["reporter_id"]} if p.get("reporter_id") in {u.id for u in users} else set()
    if kind is events.CaseTriaged and data.get("sensitive"):
        return role_in_scope(Role.LEADER, Role.DISPATCHER)
    if kind is events.CaseReported and data.get("channel") == "sos_button":
        return role_in_scope(Role.DISPATCHER, Role.GRID_WORKER)
    return set()


def body_for(event_type: str, p: dict[str, Any], description: str) -> str:
    kind = events.EVENT_TYPES.get(event_type)  # the wire name back to its class
    data = p.get("data") or {}
    extra = ""
    if kind is events.CaseWarned:
        extra = "（黄牌：时限将到）" if data.get("level") == "yellow" else "（红牌：已超期）"
    elif kind is events.CaseEscalated:
        extra = f"（{data.get('note') or data.get('action')}）"
    elif kind is events.CaseSupervised:
        extra = f"（{data.get('note')}，限 {data.get('due_at')}）"
    # inboxes and SMS gateways reach many readers: numbers typed into the description are masked
    return f"{(redact_text(description) or '')[:120]}{extra}"


def notify(uow, clock, event_type: str, payload: dict[str, Any], event_id: int) -> int:
    kind = events.EVENT_TYPES.get(event_type)  # the wire name back to its class
    if kind not in NOTIFIED_EVENTS:
        return 0
    if kind is events.CaseReported and (payload.get("data") or {}).get("channel") != "sos_button":
        return 0
    source = f"evt:{event_id}"
    users = recipients(uow, event_type, payload)
    conn = uow.conn
    description = conn.execute(select(t.cases.c.description).where(t.cases.c.id == payload.get("case_id"))).scalar() or ""
    body = body_for(event_type, payload, description)
    done = set(conn.execute(select(t.notifications.c.user_id).where(t.notifications.c.source == source)).scalars())
    now = clock.now()
    rows = [
        {"user_id": u, "source": source, "case_id": payload.get("case_id"), "kind": event_type,
         "title": TITLES[event_type], "body": body, "created_at": now}
        for u in sorted(users - done)
    ]  # fmt: skip
    if rows:
        conn.execute(insert(t.notifications), rows)
    _queue_webhooks(uow, event_type, payload, event_id, sorted(users), now)
    uow.commit()
    return len(rows)


def _queue_webhooks(uow, event_type, payload, event_id, user_ids, now) -> None:
    kind = events.EVENT_TYPES.get(event_type)  # the wire name back to its class
    conn = uow.conn
    hooks = [h for h in conn.execute(select(t.webhooks).where(t.webhooks.c.active.is_(True)))
             if "*" in h.event_types or event_type in h.event_types]  # fmt: skip
    if not hooks:
        return
    source = f"evt:{event_id}"
    queued = set(conn.execute(select(t.webhook_deliveries.c.webhook_id).where(t.webhook_deliveries.c.source == source)).scalars())
    people = {u.id: u for u in uow.users.list()}
    # The gateway needs the recipients' phones to send the SMS: that is the purpose of this data.
    recipients_out = [{"user_id": u, "name": people[u].display_name, "phone": people[u].phone} for u in user_ids if u in people]
    if kind is events.CaseReported:  # an SOS call: the care person's own contacts are told too
        ref = conn.execute(select(t.cases.c.source_ref).where(t.cases.c.id == payload.get("case_id"))).scalar() or ""
        device = uow.devices.get(ref.removeprefix("sos:")) if ref.startswith("sos:") else None
        for contact in ((device or {}).get("person") or {}).get("contacts") or []:
            recipients_out.append({"user_id": None, "name": contact.get("name"), "phone": contact.get("phone")})
    body = {"event": event_type, "event_id": event_id, "case": payload, "recipients": recipients_out}
    rows = [
        {"webhook_id": h.id, "source": source, "event_type": event_type, "payload": body, "status": "pending",
         "attempts": 0, "next_attempt_at": now, "created_at": now}
        for h in hooks if h.id not in queued
    ]  # fmt: skip
    if rows:
        conn.execute(insert(t.webhook_deliveries), rows)
