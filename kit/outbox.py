"""Outbox relay: the store's notification log -> the Kafka log, in order, at least once.

The service never writes Kafka directly (no dual writes). The relay reads notifications
after its saved position, wraps appeal events into envelopes, produces them with the
idempotent producer (acks=all) keyed by appeal_id, waits for every acknowledgement and
only then saves the new position. A clean stop saves it, so nothing is republished; a
crash between producing and saving republishes the tail, which consumers drop by the
event's identity.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiokafka import AIOKafkaProducer

from contracts import Envelope, encode, event_id_for
from kit import metrics
from kit.faults import FaultHook, reach
from kit.appeal_aggregate import AppealAggregate
from kit.stores import ServiceApplication

log = logging.getLogger("mcu.relay")



def envelope_of(producer: str, domain_event: Any) -> Envelope | None:
    """The log envelope of a stored event, or None for events that stay inside."""
    if not isinstance(domain_event, AppealAggregate.Opened | AppealAggregate.Recorded):
        return None
    appeal_id = domain_event.originator_id
    seq = domain_event.originator_version
    return Envelope(
        event_id=event_id_for(producer, appeal_id, seq),
        event_type=domain_event.event_type,
        schema_version=domain_event.schema_version,
        appeal_id=appeal_id,
        seq=seq,
        occurred_at=domain_event.timestamp,
        producer=producer,
        causation_id=domain_event.causation_id,
        correlation_id=domain_event.correlation_id or appeal_id,
        actor=domain_event.actor,
        payload=domain_event.payload,
    )


def make_producer(bootstrap: str) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        enable_idempotence=True,
        acks="all",
        linger_ms=5,
        max_batch_size=256 * 1024,
        compression_type=None,
    )


class OutboxRelay:
    """Moves one application's published events to the log topic."""

    def __init__(self, app: ServiceApplication, producer_name: str, topic: str,
                 bootstrap: str, batch_size: int = 1000, poll_interval: float = 0.05,
                 fault_hook: FaultHook | None = None):
        self.app = app
        self.producer_name = producer_name
        self.topic = topic
        self.bootstrap = bootstrap
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.position_name = f"relay->{topic}"
        self._fault_hook = fault_hook
        self._producer: AIOKafkaProducer | None = None
        self._stopping = asyncio.Event()
        self.position = 0

    async def start(self) -> None:
        self.position = await asyncio.to_thread(self.app.tracked_position, self.position_name) or 0
        self._producer = make_producer(self.bootstrap)
        await self._producer.start()
        log.info("relay started", extra={"position": self.position, "topic": self.topic})

    def stop(self) -> None:
        """Ask the loop to stop after the batch in hand."""
        self._stopping.set()

    async def close(self) -> None:
        self._stopping.set()
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None

    async def run(self) -> None:
        """Relay until stopped; the batch in hand is finished before returning."""
        while not self._stopping.is_set():
            moved = await self.relay_once()
            backlog = await asyncio.to_thread(self.app.max_notification_id) - self.position
            metrics.RELAY_BACKLOG.labels(self.producer_name).set(max(backlog, 0))
            if moved == 0:
                try:
                    await asyncio.wait_for(self._stopping.wait(), self.poll_interval)
                except TimeoutError:
                    pass

    async def relay_once(self) -> int:
        """Publish the next batch after the saved position; returns how many were read."""
        assert self._producer is not None, "start() first"
        notifications = await asyncio.to_thread(
            self.app.notifications_after, self.position, self.batch_size
        )
        if not notifications:
            return 0
        futures = []
        for notification in notifications:
            envelope = envelope_of(self.producer_name, self.app.domain_event(notification))
            if envelope is None:
                continue
            futures.append(await self._producer.send(
                self.topic,
                value=encode(envelope),
                key=str(envelope.appeal_id).encode(),
                headers=[
                    ("event_type", envelope.event_type.encode()),
                    ("producer", self.producer_name.encode()),
                    ("notification_id", str(notification.id).encode()),
                ],
            ))
        await asyncio.gather(*futures)
        await reach(self._fault_hook, "after_produce")
        last = notifications[-1].id
        await asyncio.to_thread(self.app.save_position, self.position_name, last)
        self.position = last
        metrics.EVENTS_PUBLISHED.labels(self.producer_name).inc(len(futures))
        return len(notifications)
