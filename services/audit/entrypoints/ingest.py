"""The audit service's consumer of the whole log (its own group, `mcu.audit`): it commits
to every record in log order, per partition, and signs a checkpoint over each partition
every `every` records or `interval` seconds, whichever comes first. The records' digests
and the checkpoints are stored in one transaction, then the Kafka offsets committed; on
(re)assignment it resumes after the last record it committed to. Each checkpoint is then
published on the checkpoints' own topic (`<log>.checkpoints`, key: its origin), where
anyone outside the service can keep them; one the broker did not take is sent again."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from kit.clock import Clock, SystemClock
from kit.outbox import make_producer
from kit.settings import Settings
from kit.topics import ensure_topic
from kit.log_consumer import Batch, LogConsumer
from kit.supervision import Health
from services.audit.adapters.store import AuditStore
from services.audit.domain.checkpoint import Checkpoint, key_id
from services.audit.domain.record import Frontier, content, leaf

log = logging.getLogger(__name__)


def origin(topic: str, partition: int) -> str:
    return f"{topic}/{partition}"


def partition_of(checkpoint: Checkpoint) -> int:
    return int(checkpoint.origin.rpartition("/")[2])


class AuditIngest(LogConsumer):
    def __init__(self, store: AuditStore, key: Ed25519PrivateKey, topic: str, dlq_topic: str,
                 bootstrap: str, *, every: int = 1000, interval: float = 10.0,
                 group: str = "mcu.audit", clock: Clock | None = None,
                 health: Health | None = None, checkpoint_topic: str | None = None):
        super().__init__(group, topic, dlq_topic, bootstrap, batch_size=2000,
                         batch_timeout_ms=200, health=health)
        self.store, self.key = store, key
        self.key_id = key_id(key.public_key())
        self.every, self.interval = every, interval
        self.clock = clock or SystemClock()
        self.trees: dict[int, Frontier] = {}
        self.signed_size: dict[int, int] = {}  # per partition, the latest checkpoint's size
        self._last_signed = time.monotonic()
        self.checkpoint_topic = checkpoint_topic or f"{topic}.checkpoints"
        self._producer: AIOKafkaProducer | None = None

    async def start(self) -> None:
        await asyncio.to_thread(self._rebuild)
        await super().start()
        await ensure_topic(Settings(kafka_bootstrap=self.bootstrap), self.checkpoint_topic)
        self._producer = make_producer(self.bootstrap)
        await self._producer.start()

    async def close(self) -> None:
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None
        await super().close()

    async def publish(self) -> int:
        """The checkpoints not yet on their topic, sent and marked; a broker away leaves
        them for the next batch."""
        pending = await asyncio.to_thread(self.store.unpublished)
        if not pending or self._producer is None:
            return 0
        try:
            sent = [await self._producer.send(self.checkpoint_topic, key=c.origin.encode(),
                                              value=c.text().encode()) for c in pending]
            await asyncio.gather(*sent)
        except KafkaError as exc:
            log.warning("checkpoints not published yet", extra={"error": str(exc)[:300]})
            return 0
        await asyncio.to_thread(self.store.mark_published, pending)
        return len(pending)

    def _rebuild(self) -> None:
        """The trees as the store holds them (a restart goes on from there): each from its
        kept subtrees; from every record only for a store kept before subtrees were."""
        self.trees = {}
        for partition in self.store.partitions():
            try:
                self.trees[partition] = Frontier.restored(
                    self.store.size(partition), self._subtree(partition))
            except LookupError:
                self.trees[partition] = self._replayed(partition)
        for checkpoint in self.store.checkpoints():
            if checkpoint.origin.rpartition("/")[0] == self.topic:
                partition = partition_of(checkpoint)
                self.signed_size[partition] = max(checkpoint.size,
                                                  self.signed_size.get(partition, 0))

    def _subtree(self, partition: int):
        def subtree(level: int, index: int) -> bytes:
            if level == 0:
                found = self.store.record_at(partition, index)
                if found is None:
                    raise LookupError((partition, level, index))
                return leaf(partition, *found)
            kept = self.store.node(partition, level, index)
            if kept is None:
                raise LookupError((partition, level, index))
            return kept
        return subtree

    def _replayed(self, partition: int) -> Frontier:
        """The tree from every record, its subtrees kept on the way."""
        tree, nodes = Frontier(), []
        for kept in self.store.kept(partition):
            nodes += [(partition, *n) for n in tree.append(
                leaf(partition, kept.offset, kept.content))]
        self.store.commit([], [], nodes)
        return tree

    def stored_positions(self, partitions: Sequence[int]) -> dict[int, int]:
        return self.store.next_offsets()

    async def handle(self, batch: Batch) -> int:
        rows, nodes = [], []
        for tp in sorted(batch, key=lambda t: t.partition):
            tree = self.trees.setdefault(tp.partition, Frontier())
            for record in batch[tp]:
                digest = content(record.key, record.value)
                rows.append((tp.partition, tree.size, record.offset, digest,
                             record.key.decode(errors="replace") if record.key else None))
                nodes += [(tp.partition, *n) for n in tree.append(
                    leaf(tp.partition, record.offset, digest))]
        checkpoints = self.due_checkpoints()
        await asyncio.to_thread(self.store.commit, rows, checkpoints, nodes)
        self._signed(checkpoints)
        if checkpoints:
            await self.publish()
        positions = {tp: recs[-1].offset + 1 for tp, recs in batch.items()}
        self.stored |= positions
        await self.commit(positions)
        return len(rows)

    async def idle(self) -> None:
        """Nothing new: sign what the interval left unsigned."""
        checkpoints = self.due_checkpoints()
        if checkpoints:
            await asyncio.to_thread(self.store.commit, [], checkpoints)
            self._signed(checkpoints)
        await self.publish()

    def due_checkpoints(self, now: datetime | None = None) -> list[Checkpoint]:
        """A signed checkpoint for each partition grown by `every` records, or for every
        partition grown at all once `interval` seconds have passed."""
        timed = time.monotonic() - self._last_signed >= self.interval
        due = [p for p, tree in self.trees.items()
               if tree.size - self.signed_size.get(p, 0) >= self.every
               or (timed and tree.size > self.signed_size.get(p, 0))]
        if timed:
            self._last_signed = time.monotonic()
        moment = now or self.clock.now()
        return [Checkpoint(origin(self.topic, p), self.trees[p].size, self.trees[p].root(),
                           moment, self.key_id).signed_by(self.key) for p in sorted(due)]

    def sign_now(self) -> list[Checkpoint]:
        """Checkpoints over everything committed to so far (tests, the memo's witness)."""
        self._last_signed -= self.interval
        checkpoints = self.due_checkpoints()
        self.store.commit([], checkpoints)
        self._signed(checkpoints)
        return checkpoints

    def _signed(self, checkpoints: list[Checkpoint]) -> None:
        """Stored: the sizes the next checkpoints count from."""
        for checkpoint in checkpoints:
            self.signed_size[partition_of(checkpoint)] = checkpoint.size

