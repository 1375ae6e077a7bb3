"""The dead-letter topic: a message that cannot be used is kept whole, with its error."""

from __future__ import annotations

import asyncio
import base64
import logging
from datetime import UTC, datetime

from aiokafka.structs import ConsumerRecord

from contracts.dead_letter import DeadLetter
from kit import metrics
from kit.outbox import make_producer

log = logging.getLogger("mcu.dlq")

Dead = tuple[ConsumerRecord, str, str]  # record, error code, detail
# header of a record put back on the log from the DLQ: the consumer group it is replayed for
REPLAY_FOR = "mcu-replay-for"


class DeadLetterSink:
    def __init__(self, bootstrap: str, topic: str, consumer: str):
        self.bootstrap = bootstrap
        self.topic = topic
        self.consumer = consumer
        self._producer = None

    async def start(self) -> None:
        self._producer = make_producer(self.bootstrap)
        await self._producer.start()

    async def close(self) -> None:
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None

    async def send(self, dead: list[Dead]) -> None:
        """Produce every dead letter and wait for the acknowledgements."""
        if not dead:
            return
        assert self._producer is not None, "start() first"
        futures = []
        for record, code, detail in dead:
            letter = DeadLetter(
                consumer=self.consumer, error_code=code, error=detail[:4000],
                source_topic=record.topic, source_partition=record.partition,
                source_offset=record.offset,
                key=record.key.decode(errors="replace") if record.key else None,
                value_base64=base64.b64encode(record.value or b"").decode(),
                failed_at=datetime.now(UTC),
            )
            futures.append(await self._producer.send(
                self.topic, value=letter.model_dump_json().encode(), key=record.key))
            metrics.DLQ_MESSAGES.labels(self.consumer, code).inc()
            log.error("message dead-lettered", extra={
                "error_code": code, "partition": record.partition, "offset": record.offset})
        await asyncio.gather(*futures)
