"""The message bus: every command goes through `handle`, which runs its handler in a unit of work and
then tells the listeners (live feed, outbox relay) that new events were committed.

Event handlers do not run inline: they read the outbox (services/outbox.py) so a failed handler is
retried and visible instead of lost with the request.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from gridgov.domain.commands import Command

log = logging.getLogger(__name__)


class MessageBus:
    def __init__(
        self,
        uow_factory: Callable[[], Any],
        command_handlers: dict[type[Command], Callable[..., Any]],
        after_commit: list[Callable[[list], None]] | None = None,
    ) -> None:
        self.uow_factory = uow_factory
        self.command_handlers = command_handlers
        self.after_commit = after_commit or []

    def handle(self, command: Command) -> Any:
        handler = self.command_handlers[type(command)]
        uow = self.uow_factory()
        with uow:
            result = handler(command, uow)
        if uow.committed_events:
            for listener in self.after_commit:
                try:
                    listener(uow.committed_events)
                except Exception:  # a listener only wakes readers; the outbox keeps the events
                    log.exception("after-commit listener failed")
        return result
