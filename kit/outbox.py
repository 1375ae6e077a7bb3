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
import base64
import functools
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.errors import MessageSizeTooLargeError
from eventsourcing.persistence import Notification
from eventsourcing.utils import resolve_topic

from contracts import Envelope, encode, event_id_for
from contracts.dead_letter import DeadLetter
from kit import metrics
from kit.appeal_aggregate import AppealAggregate
from kit.faults import FaultHook
from kit.follower import StoreFollower
from kit.stores import ServiceApplication
from kit.supervision import Health


log = logging.getLogger("mcu.outbox")
_PUBLISHED = (AppealAggregate.Opened, AppealAggregate.Recorded)
QUARANTINED_BYTES = 256 * 1024  # of an event too large for the log, what its dead letter keeps


@functools.cache
def published(topic: str) -> bool:
    """Whether a stored event of this topic goes onto the log (answered once per topic, so
    the relay does not decode the events that stay inside, e.g. intake's repeat index)."""
    return issubclass(resolve_topic(topic), _PUBLISHED)


def envelope_of(producer: str, domain_event: Any) -> Envelope | None:
    """The log envelope of a stored event, or None for events that stay inside."""
    if not isinstance(domain_event, _PUBLISHED):
        return None
    appeal_id = domain_event.originator_id
    seq = domain_event.originator_version
    return Envelope(
        event_id=event_id_for(producer, appeal_id, seq),
        event_type=domain_event.event_type,
        schema_version=domain_event.schema_version,
        appeal_id=appeal_id,
        seq=seq,
        previous_seq=0 if seq == 1 else getattr(domain_event, "previous_seq", None),
        occurred_at=domain_event.timestamp.astimezone(UTC),
        producer=producer,
        municipality=getattr(domain_event, "municipality", None),
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
    )


class OutboxRelay(StoreFollower):
    """Moves one application's published events to the log topic."""

    def __init__(self, app: ServiceApplication, producer_name: str, topic: str,
                 bootstrap: str, batch_size: int = 1000, poll_interval: float = 0.05,
                 fault_hook: FaultHook | None = None, health: Health | None = None):
        super().__init__(app, f"relay->{topic}", batch_size, poll_interval, fault_hook, health)
        self.producer_name = producer_name
        self.topic = topic
        self.bootstrap = bootstrap
        self._producer: AIOKafkaProducer | None = None

    async def open(self) -> None:
        await self._drop_producer()  # one that failed to start, or failed since
        self._producer = make_producer(self.bootstrap)
        await self._producer.start()

    async def reopen(self) -> None:
        """A fault left the producer in doubt (an idempotent producer may be fenced after
        a broker restart): a new one; what was not acknowledged is sent again."""
        await self.open()

    async def close(self) -> None:
        await super().close()
        await self._drop_producer()

    async def _drop_producer(self) -> None:
        if self._producer is not None:
            producer, self._producer = self._producer, None
            try:
                await asyncio.wait_for(producer.stop(), 10)
            except Exception:  # noqa: BLE001 - it is being let go of anyway
                pass

    async def relay_once(self) -> int:
        return await self.follow_once()

    async def handle(self, notifications: Sequence[Notification]) -> None:
        assert self._producer is not None, "start() first"
        futures = []
        for notification in notifications:
            if not published(notification.topic):
                continue
            envelope = envelope_of(self.producer_name, self.app.domain_event(notification))
            if envelope is None:
                continue
            value = encode(envelope)
            try:
                futures.append(await self._producer.send(
                    self.topic,
                    value=value,
                    key=str(envelope.appeal_id).encode(),
                    headers=[
                        ("event_type", envelope.event_type.encode()),
                        ("producer", self.producer_name.encode()),
                        ("municipality", (envelope.municipality or "").encode()),
                        ("notification_id", str(notification.id).encode()),
                    ],
                ))
            except MessageSizeTooLargeError as exc:
                futures.append(await self._quarantine(notification.id, envelope, value, exc))
        await asyncio.gather(*futures)
        metrics.EVENTS_PUBLISHED.labels(self.producer_name).inc(len(futures))

    async def _quarantine(self, notification_id: int, envelope: Envelope, value: bytes,
                          error: Exception):
        """An event the log can never take (larger than the broker accepts) goes to the
        dead-letter topic, its start kept, instead of stopping every event after it. Its
        source is the service's store: topic `<producer>.outbox`, offset = notification."""
        letter = DeadLetter(
            consumer=f"relay:{self.producer_name}", error_code="event_too_large",
            error=f"{type(error).__name__}: {len(value)} байт; {envelope.event_type}"
                  f" seq {envelope.seq}; первые {QUARANTINED_BYTES} байт сохранены",
            source_topic=f"{self.producer_name}.outbox", source_partition=0,
            source_offset=notification_id, key=str(envelope.appeal_id),
            value_base64=base64.b64encode(value[:QUARANTINED_BYTES]).decode(),
            failed_at=datetime.now(UTC))
        metrics.DLQ_MESSAGES.labels(letter.consumer, letter.error_code).inc()
        log.error("event quarantined", extra={"error_code": letter.error_code,
                                              "position": notification_id})
        return await self._producer.send(f"{self.topic}.dlq", key=str(envelope.appeal_id).encode(),
                                         value=letter.model_dump_json().encode())

    async def after_batch(self, moved: int) -> None:
        # Idle means drained: the backlog is 0 without asking the store every poll.
        backlog = await asyncio.to_thread(self.app.max_notification_id) - self.position if moved else 0
        metrics.RELAY_BACKLOG.labels(self.producer_name).set(max(backlog, 0))
