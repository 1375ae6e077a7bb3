"""Live updates: server-sent events to open pages when their municipality's appeals change.
(No `from __future__ import annotations`: FastAPI reads the dependencies as objects.)
"""

import asyncio
import json
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from services.console.entrypoints.web import Pages


def add(pages: APIRouter, web: Pages) -> None:
    Who = web.who

    @pages.get("/live")
    async def stream(request: Request, who: Who, appeal: UUID | None = None) -> Response:
        """Server-sent events: `changed` when an appeal of the person's municipality
        changes (the queue asks again); on a card, `appeal` when that one changes."""
        reach = frozenset({who.municipality} if who.municipality else ())
        listener = web.live.listen(reach)

        async def events():
            try:
                yield "retry: 2000\n\n"
                while not await request.is_disconnected():
                    try:
                        change = await asyncio.wait_for(listener.queue.get(), 15)
                    except TimeoutError:
                        yield ": keep-alive\n\n"
                        continue
                    if appeal is not None and change.appeal_id == str(appeal):
                        yield f"event: appeal\ndata: {json.dumps(change.event_type)}\n\n"
                    yield f"event: changed\ndata: {json.dumps(change.event_type)}\n\n"
            finally:
                web.live.leave(listener)

        return StreamingResponse(events(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
