"""Domain events: facts in the past tense, recorded by aggregates and carried by the message bus.

Every event is a plain dataclass that serialises to JSON (`to_dict`) for the outbox and the live feed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Event:
    def to_dict(self) -> dict[str, Any]:
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = value.isoformat() if isinstance(value, datetime) else value
        return out

    @property
    def name(self) -> str:
        return type(self).__name__


@dataclass(frozen=True)
class CaseEvent(Event):
    """Something happened to a case; carries enough for a live screen to update without a read."""

    case_id: str
    at: datetime
    actor_id: str
    status: str
    version: int
    grid_code: str | None = None
    unit_id: str | None = None
    reporter_id: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CaseReported(CaseEvent):
    pass


@dataclass(frozen=True)
class CaseJoined(CaseEvent):
    pass


@dataclass(frozen=True)
class CaseTriaged(CaseEvent):
    pass


@dataclass(frozen=True)
class CaseAccepted(CaseEvent):
    pass


@dataclass(frozen=True)
class CaseRejected(CaseEvent):
    pass


@dataclass(frozen=True)
class CaseDispatched(CaseEvent):
    pass


@dataclass(frozen=True)
class CaseClaimed(CaseEvent):
    pass


@dataclass(frozen=True)
class CaseReturned(CaseEvent):
    pass


@dataclass(frozen=True)
class CaseHandled(CaseEvent):
    pass


@dataclass(frozen=True)
class CaseVerified(CaseEvent):
    pass


@dataclass(frozen=True)
class CaseReworkRequested(CaseEvent):
    pass


@dataclass(frozen=True)
class CaseClosed(CaseEvent):
    pass


@dataclass(frozen=True)
class CaseRated(CaseEvent):
    pass


@dataclass(frozen=True)
class CaseReopened(CaseEvent):
    pass


@dataclass(frozen=True)
class ExtensionRequested(CaseEvent):
    pass


@dataclass(frozen=True)
class ExtensionApproved(CaseEvent):
    pass


@dataclass(frozen=True)
class ExtensionDenied(CaseEvent):
    pass


@dataclass(frozen=True)
class SuspensionRequested(CaseEvent):
    pass


@dataclass(frozen=True)
class CaseSuspended(CaseEvent):
    pass


@dataclass(frozen=True)
class CaseResumed(CaseEvent):
    pass


@dataclass(frozen=True)
class CaseSupervised(CaseEvent):
    pass


@dataclass(frozen=True)
class CaseWarned(CaseEvent):
    pass


@dataclass(frozen=True)
class CaseEscalated(CaseEvent):
    pass


@dataclass(frozen=True)
class CaseSplit(CaseEvent):
    """A case merged into this one by mistake was split out again: one report less."""


@dataclass(frozen=True)
class CaseAlarmChanged(CaseEvent):
    """The sensor alarm that opened this case changed: its severity rose or fell back, or it cleared."""


EVENT_TYPES: dict[str, type[Event]] = {
    cls.__name__: cls
    for cls in (
        CaseReported,
        CaseJoined,
        CaseTriaged,
        CaseAccepted,
        CaseRejected,
        CaseDispatched,
        CaseClaimed,
        CaseReturned,
        CaseHandled,
        CaseVerified,
        CaseReworkRequested,
        CaseClosed,
        CaseRated,
        CaseReopened,
        ExtensionRequested,
        ExtensionApproved,
        ExtensionDenied,
        SuspensionRequested,
        CaseSuspended,
        CaseResumed,
        CaseSupervised,
        CaseWarned,
        CaseEscalated,
        CaseSplit,
        CaseAlarmChanged,
    )
}
