"""The live feed: Server-Sent Events of new and changed cases at /api/v1/stream.

The feed reads the outbox table, so it shows events committed by any process (several API workers on
PostgreSQL) and resumes after a reconnect from `Last-Event-ID`. A commit in this process wakes the
readers at once; events from other processes are picked up within `stream_poll_seconds`. An event
committed after a later one was already read is still sent (see `FeedCursor`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool

from gridgov.adapters import tables as t
from gridgov.api.security import (
    STREAM,
    Session,
    current_session,
    get_platform,
    issue_stream_ticket,
    oauth2,
    session_from_token,
    session_still_valid,
)
from gridgov.domain.scope import can_see_case

router = APIRouter(prefix="/api/v1", tags=["live"])

# How often an open feed checks that its token still stands (logout, disabled account, expiry): one
# indexed read per reader per period, and a revoked reader sees at most this much more.
SESSION_RECHECK_SECONDS = 15.0


class Wakeup:
    """Bridges commits (any thread) to waiting SSE readers (the event loop)."""

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self.waiters: set[asyncio.Event] = set()

    def notify(self, _events=None) -> None:
        loop = self.loop
        if loop is None:
            return
        for waiter in list(self.waiters):
            loop.call_soon_threadsafe(waiter.set)


class FeedCursor:
    """Where one reader of the feed stands in the outbox, and which ids it is still waiting for.

    Ids are taken when a transaction inserts its event, not when it commits: on PostgreSQL with several
    writers, event 41 may commit after event 42 has been read. A reader that only asked for ids above
    the newest it had seen would never show 41, and the wall would miss a case. So every id skipped
    over is remembered for `GAP_GRACE_SECONDS` and asked for again on each read; an id that never
    arrives (its transaction rolled back) is forgotten after that. On SQLite writers take turns and
    ids commit in order, so the gap list stays empty."""

    GAP_GRACE_SECONDS = 15.0
    MAX_GAP = 1000  # a larger jump (a sequence restarted higher) waits only for the ids just below it

    def __init__(self, after: int, monotonic=time.monotonic) -> None:
        self.after = after
        self.gaps: dict[int, float] = {}  # skipped id -> when to stop waiting for it
        self._monotonic = monotonic

    def watch_below(self, engine, span: int = 200) -> None:
        """At (re)connect: ids just below the starting point that are not committed yet may still be, so
        they are waited for like any other gap."""
        low = max(self.after - span, 0)
        with engine.connect() as conn:
            present = set(
                conn.execute(select(t.outbox.c.id).where(t.outbox.c.id > low, t.outbox.c.id <= self.after)).scalars()
            )
        until = self._monotonic() + self.GAP_GRACE_SECONDS
        self.gaps.update({i: until for i in range(low + 1, self.after + 1) if i not in present})

    def read(self, engine, limit: int = 200) -> list:
        """The next events in id order: new ones above `after`, and any late arrivals among the gaps."""
        now = self._monotonic()
        self.gaps = {gap: until for gap, until in self.gaps.items() if until > now}
        columns = (t.outbox.c.id, t.outbox.c.event_type, t.outbox.c.payload)
        with engine.connect() as conn:
            late = []
            if self.gaps:
                late = conn.execute(
                    select(*columns).where(t.outbox.c.id.in_(sorted(self.gaps))).order_by(t.outbox.c.id)
                ).fetchall()
            fresh = conn.execute(
                select(*columns).where(t.outbox.c.id > self.after).order_by(t.outbox.c.id).limit(limit)
            ).fetchall()
        for row in late:
            del self.gaps[row.id]
        for row in fresh:
            for skipped in range(max(self.after + 1, row.id - self.MAX_GAP), row.id):
                self.gaps[skipped] = now + self.GAP_GRACE_SECONDS
            self.after = row.id
        return [*late, *fresh]


def _last_id(platform) -> int:
    with platform.engine.connect() as conn:
        return conn.execute(select(func.coalesce(func.max(t.outbox.c.id), 0))).scalar_one()


class TicketOut(BaseModel):
    ticket: str
    expires_in: int


@router.post("/stream/ticket", response_model=TicketOut, responses={401: {"description": "Not logged in"}})
def stream_ticket(session: Session = Depends(current_session), platform=Depends(get_platform)) -> dict:
    """A ticket for `GET /api/v1/stream?ticket=…` (EventSource cannot send an Authorization header):
    good once, for 60 seconds, for the feed only (it is refused as a bearer token everywhere else).
    Take a new one for each (re)connection."""
    ticket, ttl = issue_stream_ticket(platform, session)
    return {"ticket": ticket, "expires_in": ttl}


def stream_session(
    request: Request,
    ticket: Annotated[str | None, Query(max_length=2048, description="From POST /api/v1/stream/ticket.")] = None,
    token: str | None = Depends(oauth2),
) -> Session:
    """A stream ticket in the query (browsers), or an access token in the Authorization header (other
    clients). An access token in the query (`?access_token=`) is not accepted."""
    if ticket:
        return session_from_token(get_platform(request), ticket, use=STREAM)
    return current_session(request, token)


@router.get("/stream", responses={200: {"content": {"text/event-stream": {}}}, 401: {"description": "Not logged in"}})
async def stream(request: Request, session: Session = Depends(stream_session), platform=Depends(get_platform)):
    """Case events you may see, as `text/event-stream`. Browsers connect with
    `new EventSource('/api/v1/stream?ticket=' + ticket)`, the ticket from `POST /api/v1/stream/ticket`.
    The feed closes when the token behind it is signed out, expires or its account is disabled."""
    actor = session.actor
    wakeup: Wakeup = request.app.state.wakeup
    wakeup.loop = asyncio.get_running_loop()
    header = request.headers.get("last-event-id")
    after = int(header) if header and header.isdigit() else await run_in_threadpool(_last_id, platform)
    cursor = FeedCursor(after)
    await run_in_threadpool(cursor.watch_below, platform.engine)
    poll = platform.settings.stream_poll_seconds

    async def events():
        sent_up_to = after
        checked_at = time.monotonic()
        waiter = asyncio.Event()
        wakeup.waiters.add(waiter)
        try:
            yield "retry: 2000\n: connected\n\n"
            while not await request.is_disconnected():
                if time.monotonic() - checked_at >= SESSION_RECHECK_SECONDS:
                    if not await run_in_threadpool(session_still_valid, platform, session):
                        yield "event: signed-out\ndata: {}\n\n"
                        return
                    checked_at = time.monotonic()
                rows = await run_in_threadpool(cursor.read, platform.engine)
                for row in rows:
                    # The id sent is the highest read so far: a reconnect resumes above everything
                    # shown, not from a late event's lower id (which would show later events twice).
                    sent_up_to = max(sent_up_to, row.id)
                    p = row.payload
                    if not can_see_case(
                        actor, grid_code=p.get("grid_code"), unit_id=p.get("unit_id"), reporter_id=p.get("reporter_id", "")
                    ):
                        continue
                    data = json.dumps({"type": row.event_type, **p}, ensure_ascii=False)
                    yield f"id: {sent_up_to}\nevent: {row.event_type}\ndata: {data}\n\n"
                if not rows:
                    yield ": keep-alive\n\n"
                    waiter.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(waiter.wait(), timeout=poll)
        finally:
            wakeup.waiters.discard(waiter)

    return StreamingResponse(
        events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    )
