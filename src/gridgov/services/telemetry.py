"""Telemetry in, alarms out: readings are checked, stepped through their device profile's rules, and
an alarm that is raised opens one case through the intake pipeline (issue 16).

One reading is one transaction: the device row is locked, every rule of its profile steps on the
reading, the rules' states and the alarms are written together, so a restart resumes exactly where the
last committed reading left the rules. A raised alarm opens its case with `ReportCase` (category from
the profile, place and grid from the device, severity from the rule), keyed by the alarm so a retry
finds the same case; the alarm keeps that case however long it stays active. Severity changes and the
clearing are written on the case's timeline (Case.alarm_changed).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import cache
from importlib import resources
from typing import Any

import yaml

from gridgov.domain.commands import ReportCase
from gridgov.domain.errors import NotFound
from gridgov.domain.instants import InstantError, parse_instant
from gridgov.domain.roles import Actor
from gridgov.domain.telemetry import Profile, RuleState, on_reading, on_tick, parse_profile

log = logging.getLogger(__name__)

MAX_BATCH = 1000
# A reading stamped further ahead than clock drift allows, or older than a device's store-and-forward
# buffer would hold, is refused rather than let it rewrite the rules' history.
MAX_AHEAD = timedelta(minutes=5)
MAX_BEHIND = timedelta(days=7)


@cache
def shipped_profiles() -> dict[str, Profile]:
    """The profiles in gridgov/data/device_profiles.yaml, parsed and checked once."""
    text = resources.files("gridgov.data").joinpath("device_profiles.yaml").read_text(encoding="utf-8")
    return {name: parse_profile(name, data) for name, data in yaml.safe_load(text).items()}


def _reading(item: Any, now: datetime) -> tuple[str, datetime, Any] | dict[str, Any]:
    """(device_id, ts, values) or the reason the reading's shape is refused."""
    if not isinstance(item, dict):
        return {"code": "telemetry.not_an_object"}
    device_id = item.get("device_id")
    if not isinstance(device_id, str) or not 0 < len(device_id) <= 64:
        return {"code": "telemetry.device_id_missing"}
    try:
        ts = parse_instant(str(item.get("ts")))
    except InstantError:
        return {"code": "telemetry.bad_ts"}
    if ts > now + MAX_AHEAD:
        return {"code": "telemetry.ts_in_future", "ts": ts.isoformat()}
    if ts < now - MAX_BEHIND:
        return {"code": "telemetry.ts_too_old", "ts": ts.isoformat()}
    return device_id, ts, item.get("values")


def ingest(
    batch: list[Any], *, actor: Actor, uow_factory: Callable[[], Any], bus, now: datetime, new_id
) -> dict[str, Any]:
    """Every reading of `batch` is kept or refused with reasons; the answer lists both and the alarm
    changes. Readings are taken by device in time order, whatever order they came in, in one
    transaction, which is committed early only when an alarm is raised, so that its case is open
    before a later reading of the batch may change or clear it."""
    rejected: list[dict[str, Any]] = []
    good: list[tuple[int, str, datetime, Any]] = []
    for index, item in enumerate(batch):
        parsed = _reading(item, now)
        if isinstance(parsed, dict):
            rejected.append({"index": index, "reasons": [parsed]})
        else:
            good.append((index, *parsed))
    good.sort(key=lambda r: (r[1], r[2], r[0]))  # by device: locks are taken in one order by everyone
    accepted = 0
    changes: list[dict[str, Any]] = []
    while good:
        done, kept, made = _step_readings(good, rejected, uow_factory=uow_factory, now=now, new_id=new_id)
        good = good[done:]
        accepted += kept
        for change in made:
            if change["status"] == "active" and change.get("case_id") is None and _opens_case(change):
                change["case_id"] = _open_case(change, actor=actor, uow_factory=uow_factory, bus=bus)
            changes.append(change)
    rejected.sort(key=lambda r: r["index"])
    if rejected:  # codes and counts only: device ids and values stay out of the log
        codes = Counter(reason["code"] for r in rejected for reason in r["reasons"])
        log.warning("telemetry: %d readings kept, %d refused or partly kept (%s)", accepted, len(rejected),
                    ", ".join(f"{code} x{n}" for code, n in sorted(codes.items())))  # fmt: skip
    return {"accepted": accepted, "rejected": rejected, "alarms": changes}


def _step_readings(
    readings: list[tuple[int, str, datetime, Any]],
    rejected: list[dict[str, Any]],
    *,
    uow_factory,
    now: datetime,
    new_id,
) -> tuple[int, int, list[dict[str, Any]]]:
    """Step readings in one transaction until one raises an alarm that opens a case (inclusive);
    returns how many readings were taken, how many kept, and the alarm changes."""
    done = kept_count = 0
    changes: list[dict[str, Any]] = []
    with uow_factory() as uow:
        devices = uow.telemetry.lock_devices([r[1] for r in readings])
        raw = uow.telemetry.states_of(list(devices))
        stored = {d: set(rules) for d, rules in raw.items()}
        states = {
            d: {name: RuleState.from_data(data) for name, data in rules.items()} for d, rules in raw.items()
        }
        dirty: set[tuple[str, str]] = set()
        for index, device_id, ts, values in readings:
            done += 1
            device = devices.get(device_id)
            profile = shipped_profiles().get((device or {}).get("profile") or "")
            if device is None or not device["active"]:
                rejected.append(
                    {
                        "index": index,
                        "device_id": device_id,
                        "reasons": [{"code": "telemetry.unknown_device"}],
                    }
                )
                continue
            if profile is None:
                rejected.append(
                    {"index": index, "device_id": device_id, "reasons": [{"code": "telemetry.no_profile"}]}
                )
                continue
            kept, refused = profile.check(values)
            if not kept:
                rejected.append({"index": index, "device_id": device_id, "reasons": refused})
                continue
            kept_count += 1
            if refused:
                rejected.append(
                    {"index": index, "device_id": device_id, "reasons": refused, "partly_kept": True}
                )
            mine = states.setdefault(device_id, {})
            opened = False
            for rule in profile.rules:
                before = mine.get(rule.name, RuleState())
                out = on_reading(rule, before, kept, ts)
                if out.state != before:
                    mine[rule.name] = out.state
                    dirty.add((device_id, rule.name))
                if out.change is not None:
                    changes.append(_alarm_change(uow, device, profile, rule.name, out.change, now, new_id))
                    opened = opened or (out.change.kind == "raised" and rule.opens_case)
                if (
                    out.state.active
                    and out.state.last_held == ts
                    and (out.change is None or out.change.kind != "raised")
                ):
                    uow.telemetry.retrigger(device_id, rule.name, ts)
            if opened:
                break
        rows = [
            {"device_id": d, "rule": r, "state": states[d][r].to_data(), "updated_at": now}
            for d, r in sorted(dirty)
        ]
        uow.telemetry.put_states(
            [row for row in rows if row["rule"] not in stored.get(row["device_id"], set())],
            [row for row in rows if row["rule"] in stored.get(row["device_id"], set())],
        )
        uow.commit()
    return done, kept_count, changes


def sweep_silence(
    *, actor: Actor, uow_factory: Callable[[], Any], bus, now: datetime, new_id
) -> list[dict[str, Any]]:
    """The clock's turn: every rule of every reporting device is stepped with no reading at `now`, so
    a device that fell silent raises its offline alarm and an event sensor's quiet alarm clears. A
    device that never reported is not judged (it has no state yet). Returns the alarm changes."""
    with uow_factory() as uow:
        devices = uow.telemetry.devices_with_state()
    changes: list[dict[str, Any]] = []
    for device_id in devices:
        with uow_factory() as uow:
            device = uow.telemetry.lock_device(device_id)
            profile = shipped_profiles().get((device or {}).get("profile") or "")
            if device is None or not device["active"] or profile is None:
                continue
            stored = uow.telemetry.states(device_id)
            made = []
            for rule in profile.rules:
                if rule.name not in stored:
                    continue
                before = RuleState.from_data(stored[rule.name])
                out = on_tick(rule, before, now)
                if out.state != before:
                    uow.telemetry.put_state(device_id, rule.name, out.state.to_data(), now, existed=True)
                if out.change is not None:
                    made.append(_alarm_change(uow, device, profile, rule.name, out.change, now, new_id))
            uow.commit()
        for change in made:
            if change["status"] == "active" and change.get("case_id") is None and _opens_case(change):
                change["case_id"] = _open_case(change, actor=actor, uow_factory=uow_factory, bus=bus)
            changes.append(change)
    return changes


def _alarm_change(
    uow, device: dict, profile: Profile, rule: str, change, now: datetime, new_id
) -> dict[str, Any]:
    reasons = list(change.reasons)
    if change.kind == "raised":
        row = {"id": new_id(now), "device_id": device["id"], "rule": rule, "profile": profile.name,
               "severity": change.severity, "status": "active", "acknowledged": False, "grid_code": device.get("grid_code"),
               "case_id": None, "reasons": reasons, "raised_at": change.at, "updated_at": now,
               "triggers": 1, "last_triggered_at": change.at}  # fmt: skip
        uow.telemetry.add_alarm(row)
        return _summary(row, "raised")
    alarm = uow.telemetry.active_alarm(device["id"], rule)
    if alarm is None:  # the alarm was raised before a restore of older state: nothing to change
        return {
            "kind": change.kind,
            "device_id": device["id"],
            "rule": rule,
            "status": "none",
            "case_id": None,
        }
    if change.kind == "cleared":
        uow.telemetry.update_alarm(
            alarm["id"], status="cleared", cleared_at=change.at, updated_at=now, reasons=reasons
        )
        alarm |= {"status": "cleared"}
    else:
        uow.telemetry.update_alarm(alarm["id"], severity=change.severity, updated_at=now, reasons=reasons)
        alarm |= {"severity": change.severity}
    if alarm["case_id"]:
        case = uow.cases.get(alarm["case_id"], for_update=True)
        if case is not None:
            case.alarm_changed(
                now,
                alarm_id=alarm["id"],
                kind=change.kind,
                severity=change.severity,
                reasons=reasons,
                reading_at=change.at,
            )
    return _summary(alarm, change.kind)


def _summary(alarm: dict[str, Any], kind: str) -> dict[str, Any]:
    keys = ("id", "device_id", "rule", "profile", "severity", "status", "case_id", "grid_code", "reasons")
    return {"kind": kind, **{k: alarm.get(k) for k in keys}}


def _opens_case(change: dict[str, Any]) -> bool:
    rule = shipped_profiles()[change["profile"]].rule(change["rule"])
    return rule is not None and rule.opens_case


def _open_case(change: dict[str, Any], *, actor: Actor, uow_factory, bus) -> str | None:
    """The alarm's one case, through the intake pipeline; keyed by the alarm, so a retry after a crash
    between the two commits finds the case it opened."""
    with uow_factory() as uow:
        device = uow.devices.get(change["device_id"])
        alarm = uow.telemetry.get_alarm(change["id"])
    if device is None or alarm is None or alarm["case_id"]:
        return alarm["case_id"] if alarm else None
    profile = shipped_profiles()[alarm["profile"]]
    values = [r for level in alarm["reasons"] for r in level.get("because", []) if "value" in r]
    shown = (
        "，".join(f"{r['metric']} {r['value']:g}{profile.metrics[r['metric']].unit}" for r in values[:3])
        or alarm["rule"]
    )
    result = bus.handle(
        ReportCase(
            actor=actor, description=f"物联感知：{profile.label}告警（{alarm['rule']}），{shown}（{device['name']}）",
            lon=device["lon"], lat=device["lat"], channel="iot_alarm", category=profile.category,
            source_ref=f"alarm:{alarm['id']}", severity=alarm["severity"] if alarm["severity"] != "indeterminate" else "warning",
            idempotency_key=f"alarm:{alarm['id']}", request_hash="alarm",
        )
    )  # fmt: skip
    with uow_factory() as uow:
        uow.telemetry.update_alarm(alarm["id"], case_id=result.case_id)
        uow.commit()
    return result.case_id


def list_alarms(uow, actor: Actor, *, status: str | None, limit: int) -> list[dict[str, Any]]:
    """Alarms of the actor's grid subtree, newest first."""
    rows = uow.telemetry.list_alarms(grid_root=actor.grid_code, status=status, limit=limit)
    return [_view(r) for r in rows]


def acknowledge(uow, actor: Actor, alarm_id: str, now: datetime) -> dict[str, Any]:
    """Someone has seen the alarm (确认): it stays active until its readings clear it."""
    alarm = uow.telemetry.get_alarm(alarm_id)
    if alarm is None or (actor.grid_code and not (alarm["grid_code"] or "").startswith(actor.grid_code)):
        raise NotFound(f"no alarm {alarm_id}")
    if not alarm["acknowledged"]:
        uow.telemetry.update_alarm(
            alarm_id, acknowledged=True, acknowledged_by=actor.user_id, acknowledged_at=now, updated_at=now
        )
        uow.commit()
        alarm |= {"acknowledged": True, "acknowledged_by": actor.user_id, "acknowledged_at": now}
    return _view(alarm)


def _view(row: dict[str, Any]) -> dict[str, Any]:
    def at(value):
        return value.isoformat() if value is not None else None

    return {
        "id": row["id"], "device_id": row["device_id"], "rule": row["rule"], "profile": row["profile"],
        "severity": row["severity"], "status": row["status"], "acknowledged": bool(row["acknowledged"]),
        "acknowledged_by": row.get("acknowledged_by"), "acknowledged_at": at(row.get("acknowledged_at")),
        "case_id": row["case_id"], "grid_code": row["grid_code"], "reasons": row["reasons"],
        "raised_at": at(row["raised_at"]), "updated_at": at(row["updated_at"]), "cleared_at": at(row.get("cleared_at")),
        "triggers": row["triggers"], "last_triggered_at": at(row["last_triggered_at"]),
    }  # fmt: skip
