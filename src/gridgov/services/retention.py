"""The purge job: what the outbox, the idempotency keys and the webhook deliveries keep, and for how long
(settings `outbox_keep_days`, `idempotency_keep_hours`, `webhook_keep_days`; docs/settings.md). Runs as
the `purge` background loop (hourly) or `gridgov worker purge`; several at once only repeat the same
deletes. Each batch is its own transaction, so a first purge of a large backlog holds no long locks."""

from __future__ import annotations

from datetime import timedelta

from gridgov.adapters.retention import BATCH

PURGE_EVERY_SECONDS = 3600.0


def purge(uow_factory, now, settings) -> dict[str, int]:
    plan = (
        ("outbox_events", "delivered_events_before", now - timedelta(days=settings.outbox_keep_days)),
        ("idempotency_keys", "idempotency_keys_before", now - timedelta(hours=settings.idempotency_keep_hours)),
        ("webhook_deliveries", "delivered_webhooks_before", now - timedelta(days=settings.webhook_keep_days)),
    )
    counts = {}
    for name, method, cutoff in plan:
        total = 0
        while True:
            with uow_factory() as uow:
                n = getattr(uow.retention, method)(cutoff)
                uow.commit()
            total += n
            if n < BATCH:
                break
        counts[name] = total
    return counts
