"""`mcu run`'s children: each restarted with backoff when it dies, all stopped together.

A service that crashes (even by SIGKILL) is started again after a pause that doubles with
each crash in a row (1 s … 30 s) and resets once it has run a minute; the supervisor says
so on its terminal. A child that exits with code 2 has refused its configuration: it
would refuse again, so the whole stack stops with its message. SIGTERM or SIGINT to the
supervisor is passed to every child, which is waited for (then killed after a grace
time); and every child asks the kernel to end it if the supervisor dies first
(PR_SET_PDEATHSIG), so no service outlives it holding its port. In production this is
the orchestrator's job (docs/operations.md: systemd units, compose restart policies).
"""

from __future__ import annotations

import ctypes
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field

CONFIG_ERROR = 2  # what `mcu` exits with on a setting it refuses
STABLE_AFTER = 60.0  # seconds of running that reset the backoff
GRACE = 30.0  # seconds a child has to stop before it is killed

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child, before exec: the kernel sends SIGTERM when the supervisor dies."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        pass  # not Linux: the signal forwarding still stops children on a clean exit


@dataclass
class Child:
    name: str
    command: list[str]
    env: dict[str, str] | None = None
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    crashes: int = 0  # in a row
    restart_at: float | None = None
    restarts: int = 0

    def start(self) -> None:
        self.process = subprocess.Popen(self.command, env=self.env,
                                        preexec_fn=_die_with_parent)
        self.started_at = time.monotonic()
        self.restart_at = None

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


@dataclass
class Supervisor:
    say: Callable[[str], None]
    children: list[Child] = field(default_factory=list)
    stopping: bool = False
    refused: Child | None = None  # a child that refused its configuration

    def add(self, name: str, command: list[str], env: dict[str, str] | None = None) -> Child:
        child = Child(name, command, env)
        self.children.append(child)
        child.start()
        return child

    def backoff(self, crashes: int) -> float:
        return min(30.0, 2.0 ** (crashes - 1))

    def watch_once(self) -> None:
        """Restart what died (when its pause is over); notice a refused configuration."""
        now = time.monotonic()
        for child in self.children:
            if child.process is None or self.stopping:
                continue
            code = child.process.poll()
            if code is None:
                if child.crashes and now - child.started_at > STABLE_AFTER:
                    child.crashes = 0
                continue
            if child.restart_at is None:
                if code == CONFIG_ERROR:
                    self.refused = child
                    return
                child.crashes += 1
                delay = self.backoff(child.crashes)
                child.restart_at = now + delay
                self.say(f"{child.name}: процесс завершился ({_exit_text(code)}), перезапуск"
                         f" через {delay:.0f} с")
            elif now >= child.restart_at:
                child.start()
                child.restarts += 1
                self.say(f"{child.name}: перезапущен (pid {child.process.pid})")

    def start_up(self, ready: Callable[[Child], bool], timeout: float,
                 poll: float = 0.5) -> str | None:
        """Supervise until every child is ready: one that dies meanwhile is restarted as it
        would be later (only a refused configuration stops the start). Returns what went
        wrong, in Russian, or None."""
        deadline = time.monotonic() + timeout
        waiting = list(self.children)
        while True:
            self.watch_once()
            if self.refused is not None:
                return (f"{self.refused.name}: настройки отклонены (код {CONFIG_ERROR}) —"
                        " см. сообщение выше")
            waiting = [c for c in waiting if not (c.alive and ready(c))]
            if not waiting:
                return None
            if time.monotonic() > deadline:
                return f"сервис {waiting[0].name} не готов за {timeout:.0f} с"
            time.sleep(poll)

    def run(self, poll: float = 0.5) -> int:
        """Supervise until told to stop (SIGTERM, SIGINT) or a child refuses its settings;
        returns the exit code for the supervisor."""
        previous = {s: signal.signal(s, self._stop_signal) for s in (signal.SIGTERM,
                                                                     signal.SIGINT)}
        try:
            while not self.stopping and self.refused is None:
                self.watch_once()
                time.sleep(poll)
        except KeyboardInterrupt:
            pass
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)
            self.stop()
        if self.refused is not None:
            self.say(f"{self.refused.name}: настройки отклонены (код {CONFIG_ERROR}); стенд"
                     " остановлен — см. сообщение выше")
            return CONFIG_ERROR
        return 0

    def _stop_signal(self, signum, frame) -> None:  # noqa: ARG002 - signal handler shape
        self.stopping = True

    def stop(self) -> None:
        """SIGTERM to every child still running, wait, then SIGKILL what is left."""
        self.stopping = True
        running = [c for c in self.children if c.alive]
        for child in running:
            child.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + GRACE
        for child in running:
            try:
                child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.say(f"{child.name}: не остановился за {GRACE:.0f} с, завершён принудительно")
                child.process.kill()
                child.process.wait()


def _exit_text(code: int) -> str:
    if code < 0:
        try:
            return f"сигнал {signal.Signals(-code).name}"
        except ValueError:
            return f"сигнал {-code}"
    return f"код {code}"
