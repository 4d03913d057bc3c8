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
from starlette.concurrency import run_in_threadpool

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
from gridgov.queries.feed import FeedCursor, last_event_id

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
    after = int(header) if header and header.isdigit() else await run_in_threadpool(last_event_id, platform.engine)
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
