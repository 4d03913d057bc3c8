"""Event names are wire names (the outbox, the live feed's event types, webhooks' stored `event_types`):
they must not change by accident. And every event reaches the handlers it should, subscribed by class."""

from __future__ import annotations

import pytest

from gridgov.domain import events
from tests.conftest import make_settings

# Written out by hand: renaming an event class changes what integrators receive, so it must change here too.
WIRE_NAMES = [
    "CaseAccepted", "CaseAlarmChanged", "CaseClaimed", "CaseClosed", "CaseDispatched", "CaseEscalated", "CaseHandled", "CaseJoined",
    "CaseRated", "CaseRejected", "CaseReopened", "CaseReported", "CaseResumed", "CaseReturned",
    "CaseReworkRequested", "CaseSplit", "CaseSupervised", "CaseSuspended", "CaseTriaged", "CaseVerified", "CaseWarned",
    "ExtensionApproved", "ExtensionDenied", "ExtensionRequested", "SuspensionRequested",
]  # fmt: skip

# Which handlers each event has: triage runs on a new report; notices go out for these.
HANDLERS = {
    "CaseReported": ["triage_report", "notify"],  # notify: an SOS call pages the grid worker and the family
    "CaseTriaged": ["notify"],  # sensitive topics reach leaders
    "CaseDispatched": ["notify"],
    "CaseReturned": ["notify"],
    "CaseHandled": ["notify"],
    "CaseClosed": ["notify"],
    "CaseRejected": ["notify"],
    "CaseWarned": ["notify"],
    "CaseEscalated": ["notify"],
    "CaseSupervised": ["notify"],
}


def test_the_wire_names_of_events_are_stable():
    assert sorted(events.EVENT_TYPES) == WIRE_NAMES


def test_every_event_has_the_handlers_it_should(tmp_path):
    from gridgov.bootstrap import bootstrap

    platform = bootstrap(make_settings(tmp_path))
    try:
        got = {
            name: sorted("notify" if getattr(h, "func", None) is not None and h.func.__name__ == "_notify" else h.__name__
                         for h in handlers)  # fmt: skip
            for name, handlers in platform.relay.handlers.items()
        }
    finally:
        platform.engine.dispose()
    assert got == {name: sorted(kinds) for name, kinds in HANDLERS.items()}


def test_a_handler_cannot_subscribe_to_a_name_or_an_unregistered_class(tmp_path):
    from gridgov.bootstrap import bootstrap

    platform = bootstrap(make_settings(tmp_path))
    try:
        with pytest.raises(ValueError):
            platform.relay.subscribe("CaseReported", lambda *a: None)

        class CaseTeleported(events.CaseEvent):
            pass

        with pytest.raises(ValueError):
            platform.relay.subscribe(CaseTeleported, lambda *a: None)
    finally:
        platform.engine.dispose()
