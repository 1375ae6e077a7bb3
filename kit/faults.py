"""Named points where tests stop a relay or consumer as if the process died there."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

FaultHook = Callable[[str], Awaitable[None] | None]


async def reach(hook: FaultHook | None, point: str) -> None:
    """Call the hook (if any) at `point`; in production there is none."""
    if hook is not None:
        result = hook(point)
        if asyncio.iscoroutine(result):
            await result
