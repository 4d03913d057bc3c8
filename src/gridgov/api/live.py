"""The live feed: Server-Sent Events of new and changed cases at /api/v1/stream.

The feed reads the outbox table, so it shows events committed by any process (several API workers on
PostgreSQL) and resumes after a reconnect from `Last-Event-ID`. A commit in this process wakes the
readers at once; events from other processes are picked up within `stream_poll_seconds`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool

from gridgov.adapters import tables as t
from gridgov.api.security import current_actor, get_platform
from gridgov.domain.roles import Actor
from gridgov.domain.scope import can_see_case

router = APIRouter(prefix="/api/v1", tags=["live"])


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


def _fetch(platform, after: int, limit: int = 200) -> list:
    with platform.engine.connect() as conn:
        return conn.execute(
            select(t.outbox.c.id, t.outbox.c.event_type, t.outbox.c.payload)
            .where(t.outbox.c.id > after)
            .order_by(t.outbox.c.id)
            .limit(limit)
        ).fetchall()


def _last_id(platform) -> int:
    with platform.engine.connect() as conn:
        return conn.execute(select(func.coalesce(func.max(t.outbox.c.id), 0))).scalar_one()


@router.get("/stream", responses={200: {"content": {"text/event-stream": {}}}, 401: {"description": "Not logged in"}})
async def stream(request: Request, actor: Actor = Depends(current_actor), platform=Depends(get_platform)):
    """Case events you may see, as `text/event-stream`. EventSource clients pass `?access_token=`."""
    wakeup: Wakeup = request.app.state.wakeup
    wakeup.loop = asyncio.get_running_loop()
    header = request.headers.get("last-event-id")
    after = int(header) if header and header.isdigit() else await run_in_threadpool(_last_id, platform)
    poll = platform.settings.stream_poll_seconds

    async def events():
        nonlocal after
        waiter = asyncio.Event()
        wakeup.waiters.add(waiter)
        try:
            yield "retry: 2000\n: connected\n\n"
            while not await request.is_disconnected():
                rows = await run_in_threadpool(_fetch, platform, after)
                for row in rows:
                    after = row.id
                    p = row.payload
                    if not can_see_case(
                        actor, grid_code=p.get("grid_code"), unit_id=p.get("unit_id"), reporter_id=p.get("reporter_id", "")
                    ):
                        continue
                    data = json.dumps({"type": row.event_type, **p}, ensure_ascii=False)
                    yield f"id: {row.id}\nevent: {row.event_type}\ndata: {data}\n\n"
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
