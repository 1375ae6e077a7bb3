"""Group commit: concurrent registrations share one store transaction.

Each request waits for the commit of the batch it joined, so nothing is answered before
it is durable; one writer means no SQLite lock contention between request threads.
"""

from __future__ import annotations

import asyncio
import logging

from eventsourcing.persistence import IntegrityError

from services.intake.application import IntakeApplication, Registration
from services.intake.domain.commands import RegisterAppeal

log = logging.getLogger("mcu.intake.batching")


class RegistrationBatcher:
    def __init__(self, app: IntakeApplication, max_batch: int = 500):
        self.app = app
        self.max_batch = max_batch
        self._queue: asyncio.Queue[tuple[RegisterAppeal, asyncio.Future]] = asyncio.Queue()
        self._worker: asyncio.Task | None = None

    async def submit(self, command: RegisterAppeal) -> Registration:
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._run(), name="registration-batcher")
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        await self._queue.put((command, future))
        return await future

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self.max_batch and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            commands = [c for c, _ in batch]
            try:
                results = await asyncio.to_thread(self._register, commands)
            except Exception as exc:  # noqa: BLE001 - every waiting request learns of it
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), result in zip(batch, results, strict=True):
                if future.done():
                    continue
                if isinstance(result, Exception):  # this item's own refusal or fault
                    future.set_exception(result)
                else:
                    future.set_result(result)

    def _register(self, commands: list[RegisterAppeal]) -> list[Registration | Exception]:
        try:
            return self.app.register_many(commands)
        except IntegrityError:
            # Another writer (a second instance) registered one of them meanwhile: retry
            # one by one, so only the clashing item is resolved as a duplicate.
            return [self._one(c) for c in commands]

    def _one(self, command: RegisterAppeal) -> Registration | Exception:
        try:
            return self.app.register_many([command])[0]
        except IntegrityError:
            return self.app.register_many([command])[0]
