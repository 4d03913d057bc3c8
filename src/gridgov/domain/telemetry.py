"""Sensor rules as data: which readings raise, escalate and clear an alarm, and why.

A device profile (smoke, co, ch4 ...) carries metrics with their units and physical ranges and a list
of rules; a rule is a ladder of *levels*, each a condition with the severity it gives, how long it must
hold ("CO > 50 ppm for 60 s") and how many readings in a row ("5 times in a row"). The highest level
that is on gives the alarm's severity, so an alarm rises when a stricter level comes on (a higher
limit, or the same limit held longer) and falls back when that level goes off, without clearing.

Every limit may carry a hysteresis band: a level comes on at the limit and goes off only once the
value is back past the band, so a value hovering at a limit does not flap. Under NOT the band is
mirrored (the inner condition is judged by its entry limit while the level is on).

The evaluator is pure: time comes in as the reading's `ts` or the caller's `now`, and the state of one
(device, rule) is a plain object with `to_data`/`from_data`, which the caller stores after each step so
the alarm's progress survives a restart. Each change says why as codes with parameters (which metric,
which value, which limit), for the alarm's record and the case's timeline.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from gridgov.domain.errors import InvalidInput

SEVERITIES = ("critical", "major", "minor", "warning", "indeterminate")
RANK = {"indeterminate": 0, "warning": 1, "minor": 2, "major": 3, "critical": 4}

Reason = dict[str, Any]


# --- conditions -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    """What a condition looks at: the latest value of each metric (this reading merged over the ones
    before), the previous value and time of each metric, the moment judged and when the device last
    reported."""

    values: dict[str, float]
    previous: dict[str, tuple[float, datetime]]
    now: datetime
    last_seen: datetime | None
    reading: bool  # True when judging a reading, False on a clock tick (silence)


@dataclass(frozen=True)
class Verdict:
    holds: bool
    reasons: tuple[Reason, ...] = ()


@dataclass(frozen=True)
class Threshold:
    """`metric` above (or below) `limit`; once on, it stays on until the value is `hysteresis` back."""

    metric: str
    limit: float
    above: bool = True
    hysteresis: float = 0.0

    def judge(self, ctx: Context, on: bool) -> Verdict:
        value = ctx.values.get(self.metric)
        if value is None:
            return Verdict(False)
        band = self.hysteresis if on else 0.0
        holds = value > self.limit - band if self.above else value < self.limit + band
        code = "telemetry.above" if self.above else "telemetry.below"
        return Verdict(
            holds,
            ({"code": code, "metric": self.metric, "value": value, "limit": self.limit},) if holds else (),
        )


@dataclass(frozen=True)
class Outside:
    """`metric` outside [low, high] (O2 below 19.5 % or above 23.5 %), with the same band inward."""

    metric: str
    low: float
    high: float
    hysteresis: float = 0.0

    def judge(self, ctx: Context, on: bool) -> Verdict:
        value = ctx.values.get(self.metric)
        if value is None:
            return Verdict(False)
        band = self.hysteresis if on else 0.0
        holds = value < self.low + band or value > self.high - band
        reason = {
            "code": "telemetry.outside",
            "metric": self.metric,
            "value": value,
            "low": self.low,
            "high": self.high,
        }
        return Verdict(holds, (reason,) if holds else ())


@dataclass(frozen=True)
class Rate:
    """`metric` changing faster than `per_minute` (rising, falling or either way) between two readings."""

    metric: str
    per_minute: float
    direction: str = "rise"  # rise | fall | either
    hysteresis: float = 0.0

    def judge(self, ctx: Context, on: bool) -> Verdict:
        value = ctx.values.get(self.metric)
        before = ctx.previous.get(self.metric)
        if value is None or before is None or not ctx.reading:
            return Verdict(False)
        seconds = (ctx.now - before[1]).total_seconds()
        if seconds <= 0:
            return Verdict(False)
        rate = (value - before[0]) * 60.0 / seconds
        seen = {"rise": rate, "fall": -rate, "either": abs(rate)}[self.direction]
        holds = seen > self.per_minute - (self.hysteresis if on else 0.0)
        reason = {
            "code": "telemetry.rate",
            "metric": self.metric,
            "per_minute": round(rate, 6),
            "limit": self.per_minute,
        }
        return Verdict(holds, (reason,) if holds else ())


@dataclass(frozen=True)
class Silent:
    """No reading for `seconds` (N missed report intervals): the device is offline."""

    seconds: float

    def judge(self, ctx: Context, on: bool) -> Verdict:
        if ctx.reading or ctx.last_seen is None:
            return Verdict(False)
        quiet = (ctx.now - ctx.last_seen).total_seconds()
        holds = quiet >= self.seconds
        reason = {"code": "telemetry.silent", "seconds": int(quiet), "limit": self.seconds}
        return Verdict(holds, (reason,) if holds else ())


@dataclass(frozen=True)
class All:
    parts: tuple[Condition, ...]

    def judge(self, ctx: Context, on: bool) -> Verdict:
        verdicts = [part.judge(ctx, on) for part in self.parts]
        if all(v.holds for v in verdicts):
            return Verdict(True, tuple(r for v in verdicts for r in v.reasons))
        return Verdict(False)


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Condition, ...]

    def judge(self, ctx: Context, on: bool) -> Verdict:
        verdicts = [part.judge(ctx, on) for part in self.parts]
        held = [r for v in verdicts if v.holds for r in v.reasons]
        return Verdict(True, tuple(held)) if any(v.holds for v in verdicts) else Verdict(False)


@dataclass(frozen=True)
class Not:
    part: Condition

    def judge(self, ctx: Context, on: bool) -> Verdict:
        inner = self.part.judge(ctx, not on)  # mirrored band: hard to break while on
        return (
            Verdict(False)
            if inner.holds
            else Verdict(True, ({"code": "telemetry.not", "of": describe(self.part)},))
        )


Condition = Threshold | Outside | Rate | Silent | All | AnyOf | Not


def describe(condition: Condition) -> dict[str, Any]:
    """The condition as data again (for a NOT's explanation and for profiles shown to people)."""
    match condition:
        case Threshold(metric, limit, above, _):
            return {"metric": metric, "above" if above else "below": limit}
        case Outside(metric, low, high, _):
            return {"metric": metric, "outside": [low, high]}
        case Rate(metric, per_minute, direction, _):
            return {
                "metric": metric,
                f"{direction}s_per_minute" if direction != "either" else "changes_per_minute": per_minute,
            }
        case Silent(seconds):
            return {"silent_for": seconds}
        case All(parts):
            return {"all": [describe(p) for p in parts]}
        case AnyOf(parts):
            return {"any": [describe(p) for p in parts]}
        case Not(part):
            return {"not": describe(part)}
    raise AssertionError(condition)


def _number(data: dict, key: str, where: str) -> float:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput(f"{where}: {key} must be a number")
    return float(value)


def parse_condition(data: Any, where: str = "condition") -> Condition:
    """A condition from its data form: {metric, above|below|outside|rises_per_minute|falls_per_minute|
    changes_per_minute, hysteresis?}, {silent_for: seconds}, {all: [...]}, {any: [...]}, {not: {...}}."""
    if not isinstance(data, dict):
        raise InvalidInput(f"{where} must be an object")
    if "all" in data or "any" in data:
        parts = data.get("all", data.get("any"))
        if not isinstance(parts, list) or not parts:
            raise InvalidInput(f"{where}: all/any takes a non-empty list")
        parsed = tuple(parse_condition(p, f"{where}[{i}]") for i, p in enumerate(parts))
        return All(parsed) if "all" in data else AnyOf(parsed)
    if "not" in data:
        return Not(parse_condition(data["not"], f"{where}.not"))
    if "silent_for" in data:
        return Silent(_number(data, "silent_for", where))
    metric = data.get("metric")
    if not isinstance(metric, str) or not metric:
        raise InvalidInput(f"{where}: metric must be a name")
    band = _number(data, "hysteresis", where) if "hysteresis" in data else 0.0
    if band < 0:
        raise InvalidInput(f"{where}: hysteresis must not be negative")
    if "above" in data or "below" in data:
        key = "above" if "above" in data else "below"
        return Threshold(metric, _number(data, key, where), key == "above", band)
    if "outside" in data:
        bounds = data["outside"]
        if (
            not (
                isinstance(bounds, list)
                and len(bounds) == 2
                and all(isinstance(b, int | float) and not isinstance(b, bool) for b in bounds)
            )
            or bounds[0] >= bounds[1]
        ):
            raise InvalidInput(f"{where}: outside takes [low, high] with low < high")
        return Outside(metric, float(bounds[0]), float(bounds[1]), band)
    for key, direction in (
        ("rises_per_minute", "rise"),
        ("falls_per_minute", "fall"),
        ("changes_per_minute", "either"),
    ):
        if key in data:
            return Rate(metric, _number(data, key, where), direction, band)
    raise InvalidInput(f"{where}: say above, below, outside, rises_per_minute, falls_per_minute, changes_per_minute, silent_for, all, any or not")  # fmt: skip


# --- rules ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Level:
    """One rung of a rule: its severity, its condition, how long and how many readings in a row."""

    severity: str
    when: Condition
    for_seconds: float = 0.0
    times: int = 1


@dataclass(frozen=True)
class Rule:
    """A named ladder of levels. `quiet_clear_seconds`: an alarm whose condition has not held for that
    long clears on a clock tick (event sensors that report only when triggered: "no new event within
    10 min clears")."""

    name: str
    levels: tuple[Level, ...]
    quiet_clear_seconds: float | None = None
    opens_case: bool = (
        True  # False: the alarm is listed and acknowledged, but no case (a device gone offline)
    )


def parse_rule(data: Any, where: str = "rule") -> Rule:
    """{name, levels: [{severity, when, for?, times?}], quiet_clear?, case?}; a single-level rule may put
    severity/when/for/times at the top."""
    if not isinstance(data, dict):
        raise InvalidInput(f"{where} must be an object")
    name = data.get("name")
    if not isinstance(name, str) or not name or len(name) > 64:
        raise InvalidInput(f"{where}: name must be a string of at most 64 characters")
    raw = data.get("levels", [data] if "when" in data else None)
    if not isinstance(raw, list) or not raw:
        raise InvalidInput(f"{where} {name}: levels must be a non-empty list")
    levels = []
    for i, item in enumerate(raw):
        at = f"{where} {name} level {i}"
        if not isinstance(item, dict) or item.get("severity") not in SEVERITIES:
            raise InvalidInput(f"{at}: severity must be one of {', '.join(SEVERITIES)}")
        seconds = _number(item, "for", at) if "for" in item else 0.0
        times = item.get("times", 1)
        if isinstance(times, bool) or not isinstance(times, int) or times < 1 or seconds < 0:
            raise InvalidInput(f"{at}: for must be >= 0 seconds and times a whole number >= 1")
        levels.append(Level(item["severity"], parse_condition(item.get("when"), at), seconds, times))
    quiet = _number(data, "quiet_clear", where) if "quiet_clear" in data else None
    opens_case = data.get("case", True)
    if not isinstance(opens_case, bool):
        raise InvalidInput(f"{where} {name}: case must be true or false")
    return Rule(name, tuple(levels), quiet, opens_case)


# --- state and evaluation --------------------------------------------------------------------------


@dataclass(frozen=True)
class LevelState:
    since: datetime | None = None  # when its condition began to hold (this run)
    streak: int = 0  # readings in a row it has held
    on: bool = False


@dataclass(frozen=True)
class RuleState:
    """The progress of one rule on one device; stored after each step, restored after a restart."""

    levels: tuple[LevelState, ...] = ()
    severity: str | None = None  # None: no alarm raised
    last_seen: datetime | None = None
    last_held: datetime | None = None
    previous: dict[str, tuple[float, datetime]] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        return self.severity is not None

    def to_data(self) -> dict[str, Any]:
        def at(moment: datetime | None) -> str | None:
            return moment.isoformat() if moment is not None else None

        return {
            "levels": [{"since": at(s.since), "streak": s.streak, "on": s.on} for s in self.levels],
            "severity": self.severity, "last_seen": at(self.last_seen), "last_held": at(self.last_held),
            "previous": {m: [v, t.isoformat()] for m, (v, t) in self.previous.items()},
        }  # fmt: skip

    @classmethod
    def from_data(cls, data: dict[str, Any] | None) -> RuleState:
        if not data:
            return cls()

        def at(text: str | None) -> datetime | None:
            return datetime.fromisoformat(text) if text else None

        return cls(
            levels=tuple(LevelState(at(s["since"]), int(s["streak"]), bool(s["on"])) for s in data.get("levels", [])),
            severity=data.get("severity"), last_seen=at(data.get("last_seen")), last_held=at(data.get("last_held")),
            previous={m: (float(v), datetime.fromisoformat(t)) for m, (v, t) in data.get("previous", {}).items()},
        )  # fmt: skip


@dataclass(frozen=True)
class Change:
    """What a step did to the alarm: raised, severity (rose or fell back) or cleared, and why."""

    kind: str  # raised | severity | cleared
    severity: str | None
    previous_severity: str | None
    at: datetime
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class Outcome:
    state: RuleState
    change: Change | None


def _step(rule: Rule, state: RuleState, ctx: Context) -> tuple[tuple[LevelState, ...], list[Reason], bool]:
    """Each level judged on `ctx`; also whether any condition held in this step (a new firing)."""
    olds = state.levels if len(state.levels) == len(rule.levels) else tuple(LevelState() for _ in rule.levels)
    news: list[LevelState] = []
    reasons: list[Reason] = []
    judged = False
    for level, old in zip(rule.levels, olds, strict=True):
        if not ctx.reading and not isinstance(level.when, Silent):
            news.append(old)  # a clock tick only judges silence; other levels wait for readings
            continue
        verdict = level.when.judge(ctx, old.on)
        if not verdict.holds:
            news.append(LevelState())
            continue
        judged = True
        since = old.since or ctx.now
        streak = old.streak + 1 if ctx.reading else max(old.streak, level.times)
        held = (ctx.now - since).total_seconds()
        on = old.on or (held >= level.for_seconds and streak >= level.times)
        news.append(LevelState(since, streak, on))
        if on:
            extra: list[Reason] = []
            if level.for_seconds:
                extra.append({"code": "telemetry.held", "seconds": int(held), "limit": level.for_seconds})
            if level.times > 1:
                extra.append({"code": "telemetry.times", "count": streak, "limit": level.times})
            reasons.append(
                {
                    "code": "telemetry.level",
                    "severity": level.severity,
                    "because": list(verdict.reasons) + extra,
                }
            )
    return tuple(news), reasons, judged


def _decide(
    rule: Rule,
    state: RuleState,
    levels: tuple[LevelState, ...],
    reasons: list[Reason],
    now: datetime,
    judged: bool,
    **changes: Any,
) -> Outcome:
    on = [lvl.severity for lvl, st in zip(rule.levels, levels, strict=True) if st.on]
    held = now if judged else state.last_held
    severity = max(on, key=RANK.__getitem__) if on else None
    if state.active and rule.quiet_clear_seconds is not None:
        # an event sensor's alarm stays until the quiet time has passed without a new firing, then clears
        quiet = (now - (held or now)).total_seconds()
        if quiet < rule.quiet_clear_seconds:
            severity = severity or state.severity
        else:
            severity, levels = None, tuple(LevelState() for _ in rule.levels)
            reasons = [{"code": "telemetry.quiet", "seconds": int(quiet), "limit": rule.quiet_clear_seconds}]
    new = replace(state, levels=levels, severity=severity, last_held=held, **changes)
    if severity == state.severity:
        return Outcome(new, None)
    if state.severity is None:
        kind = "raised"
    elif severity is None:
        kind = "cleared"
        reasons = reasons or [{"code": "telemetry.back_to_normal"}]
    else:
        kind = "severity"
    return Outcome(new, Change(kind, severity, state.severity, now, tuple(reasons)))


def on_reading(rule: Rule, state: RuleState, values: dict[str, float], ts: datetime) -> Outcome:
    """One reading (several metrics at `ts`) through the rule. A reading older than the last one seen
    changes nothing (late or replayed messages cannot re-raise or clear an alarm)."""
    if state.last_seen is not None and ts <= state.last_seen:
        return Outcome(state, None)
    merged = {m: v for m, (v, _) in state.previous.items()} | values
    ctx = Context(merged, state.previous, ts, state.last_seen, reading=True)
    levels, reasons, judged = _step(rule, state, ctx)
    previous = dict(state.previous) | {m: (v, ts) for m, v in values.items()}
    return _decide(rule, state, levels, reasons, ts, judged, last_seen=ts, previous=previous)


def on_tick(rule: Rule, state: RuleState, now: datetime) -> Outcome:
    """The clock at `now` with no reading: silence levels are judged, quiet alarms may clear."""
    values = {m: v for m, (v, _) in state.previous.items()}
    ctx = Context(values, state.previous, now, state.last_seen, reading=False)
    levels, reasons, judged = _step(rule, state, ctx)
    return _decide(rule, state, levels, reasons, now, judged)


# --- profiles -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Metric:
    unit: str
    low: float  # physical range: a reading outside it is a broken sensor or a forged message
    high: float


@dataclass(frozen=True)
class Profile:
    """A kind of device: its metrics, how often it reports, its rules and the category its alarms open."""

    name: str
    label: str
    metrics: dict[str, Metric]
    interval_seconds: float
    category: str
    rules: tuple[Rule, ...]

    def rule(self, name: str) -> Rule | None:
        return next((r for r in self.rules if r.name == name), None)

    def check(self, values: Any) -> tuple[dict[str, float], list[Reason]]:
        """The values this profile takes, and a reason for each one refused (unknown metric, not a
        number, outside the physical range). A refused value never reaches the rules."""
        if not isinstance(values, dict) or not values:
            return {}, [{"code": "telemetry.values_missing"}]
        kept: dict[str, float] = {}
        refused: list[Reason] = []
        for name, value in values.items():
            metric = self.metrics.get(name) if isinstance(name, str) else None
            if metric is None:
                refused.append({"code": "telemetry.unknown_metric", "metric": str(name)[:32]})
            elif isinstance(value, bool) or not isinstance(value, int | float) or value != value:
                refused.append({"code": "telemetry.not_a_number", "metric": name})
            elif not metric.low <= value <= metric.high:
                refused.append(
                    {
                        "code": "telemetry.out_of_range",
                        "metric": name,
                        "value": value,
                        "low": metric.low,
                        "high": metric.high,
                    }
                )
            else:
                kept[name] = float(value)
        return kept, refused


def parse_profile(name: str, data: Any) -> Profile:
    """A profile from its data form (device_profiles.yaml): label, interval, category, metrics
    {name: {unit, range: [low, high]}}, rules [...]; every rule's metrics must be the profile's."""
    if not isinstance(data, dict):
        raise InvalidInput(f"profile {name} must be an object")
    metrics: dict[str, Metric] = {}
    for metric, spec in (data.get("metrics") or {}).items():
        bounds = spec.get("range") if isinstance(spec, dict) else None
        if not (isinstance(bounds, list) and len(bounds) == 2 and bounds[0] < bounds[1]):
            raise InvalidInput(f"profile {name} metric {metric}: range must be [low, high]")
        metrics[metric] = Metric(str(spec.get("unit", "")), float(bounds[0]), float(bounds[1]))
    if not metrics:
        raise InvalidInput(f"profile {name}: metrics must not be empty")
    rules = tuple(parse_rule(r, f"profile {name} rule") for r in data.get("rules") or [])
    for rule in rules:
        for level in rule.levels:
            unknown = _metrics(level.when) - set(metrics)
            if unknown:
                raise InvalidInput(f"profile {name} rule {rule.name} names unknown metrics {sorted(unknown)}")
    interval = _number(data, "interval", f"profile {name}")
    category = data.get("category")
    if not isinstance(category, str) or not category:
        raise InvalidInput(f"profile {name}: category must be a category code")
    return Profile(name, str(data.get("label", name)), metrics, interval, category, rules)


def _metrics(condition: Condition) -> set[str]:
    match condition:
        case Threshold() | Outside() | Rate():
            return {condition.metric}
        case All(parts) | AnyOf(parts):
            return set().union(*(_metrics(p) for p in parts))
        case Not(part):
            return _metrics(part)
    return set()
