"""The loops that keep a deployment moving: the outbox relay, the deadline ticker and the webhook
sender. Embedded mode runs all three in the API process; `gridgov worker` runs any of them alone (on
PostgreSQL several tickers may run side by side: timers are claimed with SKIP LOCKED)."""

from __future__ import annotations

import logging
import threading

from gridgov.domain.commands import SweepTimers
from gridgov.services import webhooks

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
        return max(0.0, min(tick, (nxt - platform.clock.now()).total_seconds()))

    return step


def webhook_step(platform, post):
    def step():
        webhooks.deliver_due(platform.engine, platform.clock, post)
        return None

    return step


def loops(platform, which: set[str]) -> list[Loop]:
    from gridgov.adapters.http import post_bytes

    out = []
    if "ticker" in which:
        out.append(Loop("deadline-ticker", ticker_step(platform), platform.settings.tick_seconds))
    if "webhooks" in which:
        out.append(Loop("webhook-sender", webhook_step(platform, post_bytes), 1.0))
    return out
