"""The analytics consumer of the log (group `mcu.analytics`): batches into the projection,
then positions, then Kafka offsets.

Positions are stored after the tables and offsets committed after that; on (re)assignment
the consumer seeks to the stored positions, so ClickHouse, not Kafka, says where to resume.
A record the projection cannot read goes to the dead-letter topic with its reason and the
batch goes on; a batch that fails as a whole (ClickHouse or the broker away) is handled
again after a pause, without counting anything twice (projection/__init__.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from aiokafka import TopicPartition

from kit import metrics
from kit.log_consumer import Batch, LogConsumer
from kit.supervision import Health
from services.analytics.adapters.projection import Projector


# a batch's cost is mostly its own (each runs the projection's statements once): under a
# steady flow it waits up to a second for more, so indicators are at most ~1 s behind
LINGER_MS = 1000


class Ingestor(LogConsumer):
    def __init__(self, projector: Projector, topic: str, dlq_topic: str, bootstrap: str,
                 group: str = "mcu.analytics", batch_size: int = 5000, timeout_ms: int = 200,
                 health: Health | None = None, linger_ms: int = LINGER_MS):
        super().__init__(group, topic, dlq_topic, bootstrap, batch_size, timeout_ms, health,
                         linger_ms)
        self.projector = projector

    async def start(self) -> None:
        await asyncio.to_thread(self.projector.prepare)
        await super().start()

    def stored_positions(self, partitions: Sequence[int]) -> dict[int, int]:
        return self.projector.positions(self.topic)

    async def handle(self, batch: Batch) -> int:
        """Project the batch, then store positions, then commit offsets."""
        records = [r for tp in sorted(batch, key=lambda t: t.partition) for r in batch[tp]]
        result = await asyncio.to_thread(self.projector.project, records)
        await self.dead_letter(result.dead)
        positions = {tp.partition: recs[-1].offset + 1 for tp, recs in batch.items()}
        await asyncio.to_thread(self.projector.save_positions, self.topic, positions)
        self.stored |= {TopicPartition(self.topic, p): o for p, o in positions.items()}
        await self.commit({TopicPartition(self.topic, p): o for p, o in positions.items()})
        metrics.EVENTS_CONSUMED.labels(self.name).inc(result.inserted)
        metrics.EVENTS_DUPLICATE.labels(self.name).inc(result.duplicates)
        for tp, recs in batch.items():
            lag = self.lag(tp, recs[-1].offset + 1)
            if lag is not None:
                metrics.CONSUMER_LAG.labels(self.name, str(tp.partition)).set(lag)
        return len(records)
