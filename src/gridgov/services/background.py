"""The loops that keep a deployment moving: the outbox relay, the deadline ticker and the webhook
sender. `gridgov serve` runs those named by the `background` setting (all by default: the embedded
mode) beside the API; `gridgov worker` runs any of them alone. Any number of each may run at once, on
any machine: timers are taken one by one with SKIP LOCKED (PostgreSQL), outbox events and webhook
deliveries are claimed with a lease, so nothing is done twice."""

from __future__ import annotations

import logging
import threading

from gridgov.domain.commands import SweepTimers
from gridgov.services import webhooks
from gridgov.services.retention import PURGE_EVERY_SECONDS

log = logging.getLogger(__name__)


class Loop:
    def __init__(self, name: str, step, interval: float) -> None:
        self.name, self.step, self.interval = name, step, interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        def run() -> None:
            while not self._stop.is_set():
                try:
                    wait = self.step()
                except Exception:  # logged and retried on the next turn; the rows stay due
                    log.exception("%s failed", self.name)
                    wait = self.interval
                self._stop.wait(self.interval if wait is None else wait)

        self._thread = threading.Thread(target=run, name=self.name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)


def ticker_step(platform):
    """Fire what is due, then sleep until the next due time (at most tick_seconds)."""
    tick = platform.settings.tick_seconds

    def step():
        while platform.bus.handle(SweepTimers()):
            pass
        with platform.uow() as uow:
            nxt = uow.timers.next_due()
        if nxt is None:
            return tick
        wait = (nxt - platform.clock.now()).total_seconds()
        # Still due after the sweep: failing (counted, parked after a few tries) or held by another
        # ticker. Try again after a tick rather than at once.
        return tick if wait <= 0 else min(tick, wait)

    return step


def webhook_step(platform, post):
    from gridgov.services.outbox import worker_name

    name = worker_name()  # who holds this sender's claims

    def step():
        webhooks.deliver_due(platform.engine, platform.clock, post, name=name)
        return None

    return step


def purge_step(platform):
    from gridgov.services.retention import purge

    def step():
        counts = purge(platform.uow, platform.clock.now(), platform.settings)
        if any(counts.values()):
            log.info("purged %s", ", ".join(f"{n} {name}" for name, n in counts.items() if n))
        return PURGE_EVERY_SECONDS

    return step


def silence_step(platform):
    """Judge silence once a minute: offline sensors raise their alarm, quiet event alarms clear (issue 16)."""
    from gridgov.domain.roles import SYSTEM_ACTOR
    from gridgov.services import telemetry
    from gridgov.services.ids import new_id

    def step():
        telemetry.sweep_silence(actor=SYSTEM_ACTOR, uow_factory=platform.uow, bus=platform.bus, now=platform.clock.now(), new_id=new_id)
        return SILENCE_EVERY_SECONDS

    return step


SILENCE_EVERY_SECONDS = 60.0
KINDS = ("relay", "ticker", "webhooks", "purge", "telemetry")


def loops(platform, which: set[str]) -> list[Loop]:
    """The ticker and webhook loops among `which` (the relay has its own thread: OutboxRelay.start)."""
    from gridgov.adapters.http import post_bytes

    out = []
    if "ticker" in which:
        out.append(Loop("deadline-ticker", ticker_step(platform), platform.settings.tick_seconds))
    if "webhooks" in which:
        out.append(Loop("webhook-sender", webhook_step(platform, post_bytes), 1.0))
    if "purge" in which:
        out.append(Loop("purge", purge_step(platform), PURGE_EVERY_SECONDS))
    if "telemetry" in which:
        out.append(Loop("telemetry-silence", silence_step(platform), SILENCE_EVERY_SECONDS))
    return out
