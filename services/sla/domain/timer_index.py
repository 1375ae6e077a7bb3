"""Timer index: which appeal's deadline fires next, for up to millions of deadlines.

The store is the truth: an aggregate records which timers fired, so a timer fires once
even across restarts. This index only says *when to look*: a heap of (moment, appeal)
with stale entries skipped on pop, rebuilt from the store at start.
"""

from __future__ import annotations

import heapq
import threading
from datetime import datetime
from uuid import UUID


class TimerIndex:
    def __init__(self) -> None:
        self._heap: list[tuple[float, int]] = []
        self._next: dict[int, float] = {}  # appeal (as int) -> its current next moment
        self._lock = threading.Lock()  # the consumer, HTTP and timer threads all schedule

    def __len__(self) -> int:
        return len(self._next)

    def schedule(self, appeal_id: UUID, at: datetime | None) -> None:
        key = appeal_id.int
        with self._lock:
            if at is None:
                self._next.pop(key, None)
                return
            moment = at.timestamp()
            if self._next.get(key) == moment:
                return
            self._next[key] = moment
            heapq.heappush(self._heap, (moment, key))
            if len(self._heap) > 2 * len(self._next) + 1024:
                self._compact()

    def _compact(self) -> None:
        """Drop the stale entries of rescheduled or finished deadlines: the heap stays
        within twice the pending timers, however often they move."""
        self._heap = [(moment, key) for key, moment in self._next.items()]
        heapq.heapify(self._heap)

    def entries(self) -> int:
        """Heap entries, stale ones included (what the index costs in memory)."""
        with self._lock:
            return len(self._heap)

    def due(self, now: datetime, limit: int = 10_000) -> list[UUID]:
        """Appeals whose next timer is at or before `now` (removed from the index)."""
        cutoff, found = now.timestamp(), []
        with self._lock:
            while self._heap and self._heap[0][0] <= cutoff and len(found) < limit:
                moment, key = heapq.heappop(self._heap)
                if self._next.get(key) == moment:  # else: stale, rescheduled since
                    del self._next[key]
                    found.append(UUID(int=key))
        return found

    def next_moment(self) -> float | None:
        with self._lock:
            while self._heap and self._next.get(self._heap[0][1]) != self._heap[0][0]:
                heapq.heappop(self._heap)
            return self._heap[0][0] if self._heap else None
