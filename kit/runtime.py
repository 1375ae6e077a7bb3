"""One service process: its store, outbox relay, tracked consumer and HTTP endpoints.

The FastAPI lifespan is the service's lifecycle: start-up ensures the log topics and
starts the relay and consumer; shutdown (SIGTERM via uvicorn) lets the consumer finish
the batch in hand and the relay save its position before the store closes.

A service whose HTTP API only writes to its store (intake) may answer HTTP in several
processes (MCU_HTTP_WORKERS): the main process claims the port and runs the relay and
consumer; each worker listens on the same port (SO_REUSEPORT, so the kernel spreads the
connections evenly) and shares the store, and runs HTTP only. One Python process is bound
by its GIL; processes use every core.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import httpx
from fastapi import APIRouter, FastAPI, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from kit import problems
from kit.body_limits import BodyLimits
from kit.consumer import Reaction, TrackedConsumer
from kit.outbox import OutboxRelay
from kit.settings import ConfigError, Settings
from kit.stores import ServiceApplication
from kit.supervision import Health, retrying
from kit.topics import TopicMismatch, ensure_log_topics

log = logging.getLogger("mcu.runtime")


@dataclass
class Running:
    """What a background job of a running service is given: where to report its faults
    and progress, and the signal to finish (it is awaited at shutdown, not cancelled, so a
    store call in a worker thread is never cut off under a closing store)."""

    health: Health
    stopping: asyncio.Event

    async def pause(self, seconds: float) -> bool:
        """Wait `seconds`; True if the service is stopping meanwhile."""
        try:
            await asyncio.wait_for(self.stopping.wait(), seconds)
            return True
        except TimeoutError:
            return False


Job = Callable[[Running], Awaitable[None]]


async def until_stopped(run: Running, worker) -> None:
    """A follower of the store or a consumer of the log (`start`, `run`, `stop`, `close`),
    reporting to the service's health, run until the service stops; then it finishes the
    batch in hand and closes."""
    worker.health = run.health
    await worker.start()
    try:
        working = asyncio.create_task(worker.run())
        stopping = asyncio.create_task(run.stopping.wait())
        await asyncio.wait({working, stopping}, return_when=asyncio.FIRST_COMPLETED)
        worker.stop()
        stopping.cancel()
        await working
    finally:
        await worker.close()


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
    startup: Sequence[Job] = ()  # work before the service is ready (index rebuilds)
    background: Sequence[Job] = ()  # work as long as it runs (timers, mail, ingestion)
    every_process: Sequence[Job] = ()  # background work of HTTP workers too (reloads)
    on_close: Callable[[], None] | None = None  # release what the service owns (an engine)
    http_workers_allowed: bool = False  # True: its HTTP API may run in several processes
    body_limits: Mapping[str, int] = field(default_factory=dict)  # path prefix -> bytes
    middleware: Sequence[tuple[type, dict]] = ()  # ASGI layers before the routes (outermost last)
    error_shapes: Mapping[str, problems.ErrorShape] = field(default_factory=dict)  # by path prefix
    exception_handlers: Mapping[type, Callable] = field(default_factory=dict)  # pages' own
    static: Mapping[str, str] = field(default_factory=dict)  # URL prefix -> folder of files
    relay: OutboxRelay | None = field(default=None, init=False)
    consumer: TrackedConsumer | None = field(default=None, init=False)
    ready: bool = field(default=False, init=False)
    fatal: str | None = field(default=None, init=False)  # a refusal that ends the process
    health: Health = field(init=False)
    _running: Running | None = field(default=None, init=False)
    _tasks: list[asyncio.Task] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        self.health = Health(self.name)

    def http_only(self) -> Service:
        """The same service without relay, consumer and background jobs: an HTTP worker."""
        return replace(self, reaction=None, publishes=False, startup=(), background=())

    async def start(self) -> None:
        """Starts everything in the background and returns at once: the HTTP doors open
        even while the broker is away (intake keeps accepting into its store). The
        service is ready once its start-up work is done."""
        self._running = Running(self.health, asyncio.Event())
        if self.publishes or self.reaction is not None:
            self._spawn("log", self._join_the_log)
        for job in (*self.background, *self.every_process):
            self._spawn(job.__name__, self._kept(job))
        self._spawn("startup", self._start_up)
        log.info("service starting", extra={"component": self.name})

    def _spawn(self, name: str, work: Callable[[], Awaitable[None]]) -> None:
        self._tasks.append(asyncio.create_task(work(), name=name))

    async def _done(self, component: str, attempt: Callable[[], Awaitable[object]],
                    **options) -> bool:
        """`attempt` retried until it succeeds (True) or the service stops (False)."""
        await retrying(component, self.health, attempt, self._running.stopping, **options)
        return not self._running.stopping.is_set()

    async def _start_up(self) -> None:
        for job in self.startup:
            if not await self._done(job.__name__, lambda job=job: job(self._running)):
                return
        self.ready = True
        log.info("service ready", extra={"component": self.name})

    def _kept(self, job: Job) -> Callable[[], Awaitable[None]]:
        """A background job that ends by a fault is started again, after a pause."""

        async def keep() -> None:
            await self._done(job.__name__, lambda: job(self._running))

        keep.__name__ = job.__name__
        return keep

    async def _join_the_log(self) -> None:
        """The log's topics (checked: another partition count is refused), then the relay
        and the consumer, each retried until the broker answers."""
        s = self.settings
        try:
            if not await self._done("topics", lambda: ensure_log_topics(s),
                                    fatal=(TopicMismatch,)):
                return
        except TopicMismatch as exc:
            self._refuse(f"MCU_LOG_PARTITIONS: {exc}")
            return
        if self.publishes and self.app is not None:
            self.relay = OutboxRelay(self.app, self.name, s.log_topic, s.kafka_bootstrap,
                                     s.relay_batch_size, s.relay_poll_interval_ms / 1000,
                                     health=self.health)
            if not await self._done("relay", self.relay.start):
                return
            self._spawn("relay", self.relay.run)
        if self.reaction is not None and self.app is not None:
            self.consumer = TrackedConsumer(
                self.app, f"mcu.{self.name}", self.reaction, s.log_topic, s.dlq_topic,
                s.kafka_bootstrap, s.consumer_batch_size, s.consumer_batch_timeout_ms,
                own_producer=self.name if self.publishes else None, health=self.health)
            if not await self._done("consumer", self.consumer.start):
                return
            self._spawn("consumer", self.consumer.run)

    def _refuse(self, message: str) -> None:
        """A setting the running system refuses: said once, and the process ends (exit 2)."""
        self.fatal = message
        log.error("refused: %s", message, extra={"component": self.name})
        os.kill(os.getpid(), signal.SIGTERM)

    async def stop(self) -> None:
        """Lets the work in hand finish: the consumer its batch, the relay its position,
        start-up and background jobs their store calls; then closes the store."""
        self.ready = False
        if self._running is not None:
            self._running.stopping.set()
        if self.consumer is not None:
            self.consumer.stop()
        if self.relay is not None:
            self.relay.stop()
        done, pending = await asyncio.wait(self._tasks, timeout=25) if self._tasks else ((), ())
        for task in pending:  # a job that does not listen: cut off, after the grace time
            log.warning("job did not stop in time", extra={"component": task.get_name()})
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
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


def http_app(service: Service, main_url: str | None = None) -> FastAPI:
    """The service's HTTP face: its API routers plus health, readiness and metrics.

    `main_url`: this process is an HTTP worker; readiness and metrics belong to the main
    process (its relay and consumer), so the worker answers them from there.
    """
    # a worker asks its main process over one loopback client, not one per request
    main = httpx.AsyncClient(base_url=main_url, timeout=5) if main_url else None

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await service.start()
        try:
            yield
        finally:
            await service.stop()
            if main is not None:
                await main.aclose()

    api = FastAPI(title=service.title_ru or f"МЦУ: {service.name}", version="1.0.0",
                  lifespan=lifespan)

    @api.get("/health/live", tags=["ops"], summary="Процесс жив")
    async def live() -> dict:
        return {"status": "ok", "service": service.name}

    async def from_main(path: str) -> Response:
        try:
            answer = await main.get(path)
        except httpx.HTTPError:
            return Response('{"status":"not_ready","failed":"main_process"}', 503,
                            media_type="application/json")
        return Response(answer.content, answer.status_code,
                        media_type=answer.headers.get("content-type"))

    @api.get("/health/ready", tags=["ops"], summary="Готов принимать работу", response_model=None,
             responses={503: {"description": "Не готов: идёт запуск, или фоновая работа упала",
                              "content": {"application/json": {}}}})
    async def ready(response: Response) -> dict | Response:
        if main_url:
            return await from_main("/health/ready")
        failed = service.failed_task()
        if not service.ready or failed:
            response.status_code = 503
            return {"status": "not_ready", "service": service.name, "failed": failed,
                    "degraded": service.health.report()}
        degraded = service.health.report()
        if degraded:  # the doors answer; some background work waits out a fault
            return {"status": "degraded", "service": service.name, "degraded": degraded}
        return {"status": "ready", "service": service.name}

    @api.get("/metrics", tags=["ops"], summary="Метрики Prometheus", response_class=Response,
             responses={200: {"content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}}}})
    async def metrics() -> Response:
        if main_url:
            return await from_main("/metrics")
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    problems.install(api, service.error_shapes)
    for kind, handler in service.exception_handlers.items():
        api.add_exception_handler(kind, handler)
    for router in service.routers:
        api.include_router(router)
    for prefix, folder in service.static.items():
        from fastapi.staticfiles import StaticFiles

        api.mount(prefix, StaticFiles(directory=folder), name=prefix.strip("/"))

    def openapi() -> dict:
        # what the service sends for a refusal: RFC 9457 problems (Open311 keeps its own)
        if api.openapi_schema is None:
            api.openapi_schema = problems.as_problem_documents(
                FastAPI.openapi(api), skip_prefixes=(*service.error_shapes, "/health/"))
        return api.openapi_schema

    api.openapi = openapi
    for layer, options in service.middleware:
        api.add_middleware(layer, **options)
    # outermost: no layer or route reads more of a body than its door allows
    api.add_middleware(BodyLimits, limits=service.body_limits)
    return api


def _run_http(api: FastAPI, sockets: list[socket.socket]) -> None:
    """uvicorn on the given sockets, exiting 0 after a graceful stop (no kill status)."""
    import uvicorn

    class Server(uvicorn.Server):
        # uvicorn re-raises the captured signal after shutdown; finish and exit 0 instead.
        @contextlib.contextmanager
        def capture_signals(self):  # type: ignore[override]
            previous = {sig: signal.signal(sig, self.handle_exit)
                        for sig in (signal.SIGINT, signal.SIGTERM)}
            try:
                yield
            finally:
                for sig, handler in previous.items():
                    signal.signal(sig, handler)

    config = uvicorn.Config(api, log_config=None, access_log=False, timeout_graceful_shutdown=20)
    # What start-up built (models, rubricator, routes) lives as long as the process: out of
    # the collector's sight, a full collection walks only what requests allocate.
    gc.freeze()
    Server(config).run(sockets=sockets)


class HttpWorkers:
    """The extra HTTP processes of a service: started, restarted if they die, stopped."""

    def __init__(self, name: str, port: int, main_port: int, count: int):
        self.name, self.port, self.main_port, self.count = name, port, main_port, count
        self.processes: list[subprocess.Popen] = []

    def _spawn(self) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "cli.main", "serve", self.name,
                                 "--worker-port", str(self.port),
                                 "--main-port", str(self.main_port),
                                 "--main-pid", str(os.getpid())])

    async def supervise(self, run: Running) -> None:
        """Runs with the service; when it stops, the workers are stopped first."""
        self.processes = [self._spawn() for _ in range(self.count)]
        try:
            while not await run.pause(1):
                for i, process in enumerate(self.processes):
                    if process.poll() is not None:
                        log.error("HTTP worker exited; restarting", extra={
                            "component": self.name, "exit_code": process.returncode})
                        self.processes[i] = self._spawn()
        finally:
            await asyncio.to_thread(self.stop)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=25)
            except subprocess.TimeoutExpired:
                process.kill()


def _exit_with_parent(parent: int) -> Job:
    """A worker whose main process died (even by SIGKILL, even while the worker started)
    stops: it must not hold the port, nor take appeals no relay would publish."""

    async def exit_with_parent(run: Running) -> None:
        while os.getppid() == parent:
            if await run.pause(1):
                return
        log.error("main process gone; HTTP worker stops")
        os.kill(os.getpid(), signal.SIGTERM)

    return exit_with_parent


def _listening_socket(host: str, port: int, shared: bool = False) -> socket.socket:
    """`shared`: other processes of ours may listen on the same port (SO_REUSEPORT). The
    kernel then hands each new connection to one of them by its address hash: an even
    spread, where processes accepting from one shared socket got whatever each grabbed
    first (kept-alive connections stay with their process, so one could serve nearly all)."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if shared:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ConfigError(f"MCU_HTTP_HOST/MCU_HTTP_PORT: не удаётся занять {host}:{port} "
                          f"({exc.strerror}): сервис уже запущен или порт занят") from None
    sock.listen(2048)
    return sock


def _claimed_shared_socket(host: str, port: int) -> socket.socket:
    """The main process's socket on a port its workers will share. A port that another
    running instance shares already is refused (a plain bind fails where a shared one would
    quietly split the traffic between two instances)."""
    with _listening_socket(host, port) as claim:
        port = claim.getsockname()[1]
    return _listening_socket(host, port, shared=True)


def serve(service: Service, worker_of: tuple[int, int] | None = None,
          port: int | None = None) -> None:
    """Run the service until SIGTERM/SIGINT, then shut down gracefully and exit 0.

    `worker_of` (main process id, its loopback port): run as an HTTP worker of that main
    process, listening on `port` beside it.
    """
    from kit.logging import configure

    configure(service.name, service.settings.log_level)
    host = service.settings.http_host
    if worker_of is not None:
        main_pid, main_port = worker_of
        worker = service.http_only()
        worker.background = (_exit_with_parent(main_pid),)
        _run_http(http_app(worker, f"http://127.0.0.1:{main_port}"),
                  [_listening_socket(host, port, shared=True)])
        return
    port = service.settings.port_for(service.name)
    extra = service.settings.http_workers - 1
    if extra and not service.http_workers_allowed:
        log.warning("MCU_HTTP_WORKERS ignored: this service answers HTTP in one process",
                    extra={"component": service.name})
        extra = 0
    workers = None
    if extra:
        listening = _claimed_shared_socket(host, port)
        port = listening.getsockname()[1]
        loopback = _listening_socket("127.0.0.1", 0)  # the main process, for its workers
        sockets = [listening, loopback]
        workers = HttpWorkers(service.name, port, loopback.getsockname()[1], extra)
        service.background = (*service.background, workers.supervise)
    else:
        sockets = [_listening_socket(host, port)]
    log.info("listening", extra={"port": port, "component": service.name,
                                 "http_processes": 1 + extra})
    try:
        _run_http(http_app(service), sockets)
    finally:
        if workers is not None:
            workers.stop()
    if service.fatal:
        raise ConfigError(service.fatal)  # `mcu` says it and exits 2
