"""Follows a service's notification log from a saved position (outbox pattern).

Subclasses act on each batch (produce to Kafka, send e-mail…) and the position is saved
only after the action succeeded: at-least-once, and nothing repeated on a clean restart.
A fault (the broker or the mail server away, the store locked) is retried with backoff
from the same position, after the subclass reopens what it holds; the follower never
ends before the service does.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from eventsourcing.persistence import Notification

from kit.faults import FaultHook, reach
from kit.stores import ServiceApplication
from kit import leadership
from kit.supervision import Health, retrying

log = logging.getLogger("mcu.follower")


class StoreFollower:
    position_name: str

    def __init__(self, app: ServiceApplication, position_name: str, batch_size: int = 1000,
                 poll_interval: float = 0.05, fault_hook: FaultHook | None = None,
                 health: Health | None = None):
        self.app = app
        self.position_name = position_name
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self._fault_hook = fault_hook
        self._stopping = asyncio.Event()
        self.position = 0
        self.health = health or Health(app.name)
        self._reopen = False  # a fault left what `handle` holds in doubt
        # one follower per store and name, across the processes sharing the store
        self.leadership = leadership.acquire(dict(getattr(app, "env", {}) or {}),
                                             f"{app.name}/{position_name}")
        self._leading = not self.leadership.shared

    async def start(self) -> None:
        self.position = await asyncio.to_thread(self.app.tracked_position, self.position_name) or 0
        await self.open()
        log.info("follower started", extra={"position": self.position,
                                            "component": self.position_name})

    async def open(self) -> None:
        """Acquire what `handle` needs (a producer, a connection)."""

    async def reopen(self) -> None:
        """After a fault: let go of what `handle` holds and acquire it anew."""

    async def close(self) -> None:
        self._stopping.set()
        self.leadership.release()

    def stop(self) -> None:
        """Ask the loop to stop after the batch in hand."""
        self._stopping.set()

    async def run(self) -> None:
        while not self._stopping.is_set():
            moved = await retrying(self.position_name, self.health, self._step, self._stopping)
            if moved is None:
                return  # stopping while it waited out a fault
            # Only a full batch means a backlog to chase at once. Coming back at once for
            # the few stored meanwhile made a Kafka request and a position write per handful
            # of events: under steady intake the broker took three times the CPU.
            if moved < self.batch_size:
                try:
                    await asyncio.wait_for(self._stopping.wait(), self.poll_interval)
                except TimeoutError:
                    pass

    async def _step(self) -> int:
        if not await asyncio.to_thread(self.leadership.held):
            self._leading = False
            return 0  # another process follows this store now
        if not self._leading:  # taken over: go on from where the last leader stopped
            self.position = await asyncio.to_thread(
                self.app.tracked_position, self.position_name) or 0
            self._leading = True
        if self._reopen:
            await self.reopen()
            self._reopen = False
        try:
            moved = await self.follow_once()
        except Exception:
            self._reopen = True
            raise
        await self.after_batch(moved)
        return moved

    async def follow_once(self) -> int:
        """Act on the next batch after the saved position; returns how many were read."""
        notifications = await asyncio.to_thread(
            self.app.notifications_after, self.position, self.batch_size)
        if not notifications:
            return 0
        await self.handle(notifications)
        await reach(self._fault_hook, "after_handle")
        last = notifications[-1].id
        await asyncio.to_thread(self.app.save_position, self.position_name, last)
        self.position = last
        return len(notifications)

    async def handle(self, notifications: Sequence[Notification]) -> None:
        raise NotImplementedError

    async def after_batch(self, moved: int) -> None:
        """Hook for metrics between batches (`moved`: notifications just handled)."""
