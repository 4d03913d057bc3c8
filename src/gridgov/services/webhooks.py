"""Outbound webhooks for SMS and WeChat gateways: signed with HMAC-SHA256, retried with backoff, and
kept as dead letters (visible to admins, retriable) when the gateway keeps failing.

Signature: `X-Gridgov-Signature: sha256=<hex>` over `<timestamp>.<body>` with the webhook's secret, and
`X-Gridgov-Timestamp` so a receiver can refuse old replays.

Any number of senders may run (`gridgov worker webhooks` on several machines): each batch is claimed
with a lease before it is sent, so one delivery is sent by one sender.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from urllib.parse import urlparse

from sqlalchemy import insert, select, update

from gridgov.adapters import tables as t
from gridgov.adapters.database import mark_write_transaction
from gridgov.domain import policy
from gridgov.domain.errors import InvalidInput, NotFound

# Waits after the 1st, 2nd … failed attempt; after the last one the delivery becomes a dead letter.
BACKOFF_SECONDS = (10, 60, 300, 1800, 7200, 21600)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def check_url(url: str) -> str:
    parsed = urlparse(url or "")
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise InvalidInput(f"a webhook URL must be http(s)://host/…, got {url!r}")
    return url


def create_webhook(engine, clock, actor, *, name: str, url: str, event_types: list[str], new_id) -> dict:
    policy.require(actor, policy.Permission.MANAGE_INTEGRATIONS)
    if not name.strip():
        raise InvalidInput("name must not be empty")
    if not event_types:
        raise InvalidInput("event_types must list at least one event type (or '*')")
    row = {
        "id": new_id(clock.now()),
        "name": name.strip(),
        "url": check_url(url),
        "secret": secrets.token_urlsafe(32),
        "event_types": list(event_types),
        "active": True,
        "created_at": clock.now(),
    }
    with engine.begin() as conn:
        conn.execute(insert(t.webhooks), [row])
    return row


LEASE_SECONDS = 120.0  # longer than a batch takes (10 s HTTP timeout per attempt, 8 in parallel)


def claim_due(engine, clock, *, batch: int = 50, name: str, wall=None) -> list:
    """Claim up to `batch` due deliveries for this sender (a lease on the wall clock, so two senders
    never send one delivery; a dead sender's claims expire after LEASE_SECONDS)."""
    d = t.webhook_deliveries.c
    now = clock.now()
    lease_now = (wall or _wall)()
    free = d.claimed_until.is_(None) | (d.claimed_until < lease_now)
    with engine.connect() as conn:
        ids = list(
            conn.execute(
                select(d.id).where(d.status == "pending", d.next_attempt_at <= now, free).order_by(d.id).limit(batch)
            ).scalars()
        )
        conn.rollback()
        if not ids:
            return []
        mark_write_transaction(conn)
        with conn.begin():
            claimed = list(
                conn.execute(
                    update(t.webhook_deliveries)
                    .where(d.id.in_(ids), d.status == "pending", free)
                    .values(claimed_by=name, claimed_until=lease_now + timedelta(seconds=LEASE_SECONDS))
                    .returning(d.id)
                ).scalars()
            )
            if not claimed:
                return []
            return conn.execute(
                select(t.webhook_deliveries, t.webhooks.c.url, t.webhooks.c.secret)
                .join(t.webhooks, t.webhooks.c.id == d.webhook_id)
                .where(d.id.in_(claimed))
                .order_by(d.id)
            ).fetchall()


def _wall() -> datetime:
    return datetime.now(UTC)


def deliver_due(engine, clock, post, *, batch: int = 50, workers: int = 8, name: str | None = None) -> int:
    """Send the deliveries this sender claimed, in parallel; returns how many were attempted."""
    from gridgov.services.outbox import worker_name

    now = clock.now()
    rows = claim_due(engine, clock, batch=batch, name=name or worker_name())
    if not rows:
        return 0

    def attempt(row):
        body = json.dumps(row.payload, ensure_ascii=False, default=str).encode()
        stamp = str(int(now.timestamp()))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "X-Gridgov-Event": row.event_type,
            "X-Gridgov-Delivery": str(row.id),
            "X-Gridgov-Timestamp": stamp,
            "X-Gridgov-Signature": sign(row.secret, stamp, body),
        }
        try:
            status = post(row.url, body, headers)
            return row, (None if 200 <= status < 300 else f"HTTP {status}")
        except Exception as exc:  # the gateway's failure is data for the retry, never a crash
            return row, f"{type(exc).__name__}: {exc}"[:500]

    with ThreadPoolExecutor(max_workers=min(workers, len(rows))) as pool:
        outcomes = list(pool.map(attempt, rows))
    with engine.begin() as conn:
        for row, error in outcomes:
            values: dict = {"attempts": row.attempts + 1, "last_error": error, "claimed_by": None, "claimed_until": None}
            if error is None:
                values.update(status="delivered", delivered_at=clock.now())
            elif row.attempts + 1 >= len(BACKOFF_SECONDS):
                values.update(status="dead")
            else:
                values.update(next_attempt_at=clock.now() + timedelta(seconds=BACKOFF_SECONDS[row.attempts]))
            conn.execute(update(t.webhook_deliveries).where(t.webhook_deliveries.c.id == row.id).values(**values))
    return len(rows)


def retry_dead(engine, clock, delivery_id: int) -> None:
    with engine.begin() as conn:
        n = conn.execute(
            update(t.webhook_deliveries)
            .where(t.webhook_deliveries.c.id == delivery_id, t.webhook_deliveries.c.status == "dead")
            .values(status="pending", attempts=0, next_attempt_at=clock.now())
        ).rowcount
    if not n:
        raise NotFound(f"no dead delivery {delivery_id}")
