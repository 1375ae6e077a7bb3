"""Live updates: the console follows the end of the log (no consumer group: every console
process sees every event) and tells the open pages what changed, within the time the
event takes to reach the log. A page asks again for what it shows; the feed itself
carries no appeal data, and an appeal's id only to a page that already shows it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer

from kit.runtime import Running

log = logging.getLogger("mcu.console.live")


@dataclass(frozen=True)
class Change:
    appeal_id: str
    municipality: str
    event_type: str


@dataclass(eq=False)
class Listener:
    """One open page: the municipalities it may hear of, and where its changes go."""

    reach: frozenset[str]
    queue: asyncio.Queue = field(default_factory=lambda: asyncio.Queue(maxsize=1000))


class LiveFeed:
    def __init__(self, bootstrap: str, topic: str, municipality_of: Callable[[str], str]):
        self.bootstrap, self.topic = bootstrap, topic
        self.municipality_of = municipality_of  # the header's value (empty: legacy) -> id
        self.listeners: set[Listener] = set()
        self.connected = False

    def listen(self, reach: frozenset[str]) -> Listener:
        listener = Listener(reach)
        self.listeners.add(listener)
        return listener

    def leave(self, listener: Listener) -> None:
        self.listeners.discard(listener)

    def publish(self, change: Change) -> None:
        for listener in list(self.listeners):
            if change.municipality in listener.reach:
                try:
                    listener.queue.put_nowait(change)
                except asyncio.QueueFull:
                    pass  # a page that does not read loses ticks, never the server's memory

    async def follow(self, run: Running) -> None:
        """From the end of the log, until the console stops; a broker fault ends it and the
        service starts it again after a pause (its health says so meanwhile)."""
        consumer = AIOKafkaConsumer(self.topic, bootstrap_servers=self.bootstrap,
                                    group_id=None, auto_offset_reset="latest",
                                    enable_auto_commit=False)
        await consumer.start()
        self.connected = True
        try:
            while not run.stopping.is_set():
                batches = await consumer.getmany(timeout_ms=200, max_records=1000)
                for records in batches.values():
                    for record in records:
                        self.publish(self._change(record))
        finally:
            self.connected = False
            await consumer.stop()

    def _change(self, record) -> Change:
        headers = {k: v.decode("utf-8", "replace") for k, v in record.headers or ()}
        return Change((record.key or b"").decode("utf-8", "replace"),
                      self.municipality_of(headers.get("municipality", "")),
                      headers.get("event_type", ""))
