"""One service process: its store, outbox relay, tracked consumer and HTTP endpoints.

The FastAPI lifespan is the service's lifecycle: start-up ensures the log topics and
starts the relay and consumer; shutdown (SIGTERM via uvicorn) lets the consumer finish
the batch in hand and the relay save its position before the store closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from fastapi import APIRouter, FastAPI, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from kit import problems
from kit.consumer import Reaction, TrackedConsumer
from kit.outbox import OutboxRelay
from kit.settings import Settings
from kit.stores import ServiceApplication
from kit.topics import ensure_log_topics

log = logging.getLogger("mcu.runtime")


@dataclass
class Service:
    """What a service is made of; bootstrap.py of each service builds one."""

    name: str
    settings: Settings
    app: ServiceApplication | None = None
    reaction: Reaction | None = None  # None: this service does not consume the log
    publishes: bool = False  # True: its appeal events go to the log through the relay
    routers: Sequence[APIRouter] = ()
    title_ru: str = ""
    background: Sequence[Callable[[], Awaitable[None]]] = ()
    on_close: Callable[[], None] | None = None  # release what the service owns (an engine)
    relay: OutboxRelay | None = field(default=None, init=False)
    consumer: TrackedConsumer | None = field(default=None, init=False)
    ready: bool = field(default=False, init=False)
    _tasks: list[asyncio.Task] = field(default_factory=list, init=False)

    async def start(self) -> None:
        await ensure_log_topics(self.settings)
        s = self.settings
        if self.publishes and self.app is not None:
            self.relay = OutboxRelay(self.app, self.name, s.log_topic, s.kafka_bootstrap,
                                     s.relay_batch_size, s.relay_poll_interval_ms / 1000)
            await self.relay.start()
            self._tasks.append(asyncio.create_task(self.relay.run(), name="relay"))
        if self.reaction is not None and self.app is not None:
            self.consumer = TrackedConsumer(
                self.app, f"mcu.{self.name}", self.reaction, s.log_topic, s.dlq_topic,
                s.kafka_bootstrap, s.consumer_batch_size, s.consumer_batch_timeout_ms,
                own_producer=self.name if self.publishes else None)
            await self.consumer.start()
            self._tasks.append(asyncio.create_task(self.consumer.run(), name="consumer"))
        for job in self.background:
            self._tasks.append(asyncio.create_task(job(), name=job.__name__))
        self.ready = True
        log.info("service started", extra={"component": self.name})

    async def stop(self) -> None:
        self.ready = False
        if self.consumer is not None:
            self.consumer.stop()  # finish the batch in hand
        if self.relay is not None:
            self.relay.stop()
        for task in self._tasks:
            if task.get_name() not in ("consumer", "relay"):
                task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.consumer is not None:
            await self.consumer.close()
        if self.relay is not None:
            await self.relay.close()
        if self.app is not None:
            self.app.close()
        if self.on_close is not None:
            self.on_close()
        log.info("service stopped", extra={"component": self.name})

    def failed_task(self) -> str | None:
        for task in self._tasks:
            if task.done() and not task.cancelled() and task.exception() is not None:
                return task.get_name()
        return None


def http_app(service: Service) -> FastAPI:
    """The service's HTTP face: its API routers plus health, readiness and metrics."""

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await service.start()
        try:
            yield
        finally:
            await service.stop()

    api = FastAPI(title=service.title_ru or f"МЦУ: {service.name}", version="1.0.0",
                  lifespan=lifespan)

    @api.get("/health/live", tags=["ops"], summary="Процесс жив")
    async def live() -> dict:
        return {"status": "ok", "service": service.name}

    @api.get("/health/ready", tags=["ops"], summary="Готов принимать работу")
    async def ready(response: Response) -> dict:
        failed = service.failed_task()
        if not service.ready or failed:
            response.status_code = 503
            return {"status": "not_ready", "service": service.name, "failed": failed}
        return {"status": "ready", "service": service.name}

    @api.get("/metrics", tags=["ops"], summary="Метрики Prometheus")
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    problems.install(api)
    for router in service.routers:
        api.include_router(router)
    return api


def serve(service: Service) -> None:
    """Run the service until SIGTERM/SIGINT, then shut down gracefully and exit 0."""
    import uvicorn

    from kit.logging import configure

    class _Server(uvicorn.Server):
        # uvicorn re-raises the captured signal after shutdown, so a clean stop would
        # look like a kill to a service manager; finish and exit 0 instead.
        @contextlib.contextmanager
        def capture_signals(self):  # type: ignore[override]
            previous = {sig: signal.signal(sig, self.handle_exit)
                        for sig in (signal.SIGINT, signal.SIGTERM)}
            try:
                yield
            finally:
                for sig, handler in previous.items():
                    signal.signal(sig, handler)

    configure(service.name, service.settings.log_level)
    port = service.settings.port_for(service.name)
    log.info("listening", extra={"port": port, "component": service.name})
    config = uvicorn.Config(http_app(service), host=service.settings.http_host, port=port,
                            log_config=None, access_log=False, timeout_graceful_shutdown=20)
    _Server(config).run()
