"""A new version of a reference file takes effect without a restart: each process watches
the files it loaded and, when one changes (written from the console or by an operator on
disk), loads them again through the same checks as at start and swaps what it uses.

A version that does not pass is not used: the process keeps what it had, and its health
says which file was refused and why until a later version passes (like a refused
configuration reload in nginx or Prometheus). Decisions already made keep the revision
they cite; only what comes after uses the new one.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from kit.reference_files import ReferenceFileError
from kit.settings import ConfigError

log = logging.getLogger("mcu.reference")
COMPONENT = "reference"  # its name in the service's health
REFUSED = (ReferenceFileError, ConfigError, OSError)


class ReferenceWatch:
    """The files one process loaded (`paths`, asked again each time: a new calendar year
    is a new file) and how it loads them again (`reload` returns what changed, in
    Russian; it raises, changing nothing, when a version is refused; `by` is the person
    whose write from the console it follows, for the revision's record)."""

    def __init__(self, paths: Callable[[], Iterable[Path]],
                 reload: Callable[[str | None], list[str]]):
        self.paths = paths
        self.reload = reload
        self._lock = threading.Lock()
        self._seen = self._fingerprint()

    def _fingerprint(self) -> dict[Path, str | None]:
        found: dict[Path, str | None] = {}
        for path in self.paths():
            try:
                found[path] = hashlib.sha256(path.read_bytes()).hexdigest()
            except OSError:
                found[path] = None  # missing now: its reload says so
        return found

    def poll(self) -> list[str] | None:
        """None if nothing changed since the last look; else the reload's changes. A
        refused version is not tried again until the files change again."""
        with self._lock:
            now = self._fingerprint()
            if now == self._seen:
                return None
            self._seen = now
            return self.reload(None)

    def after(self, write: Callable[[], None], by: str) -> list[str]:
        """Write a file and load it at once, the new revision recorded as `by`'s (the
        watch waits meanwhile: it would record the same version as nobody's)."""
        with self._lock:
            write()
            self._seen = self._fingerprint()
            return self.reload(by)


def watching(watch: ReferenceWatch, every: float = 2.0):
    """A background job of the service (kit.runtime): look every `every` seconds."""

    async def watch_reference(run) -> None:
        while not await run.pause(every):
            try:
                changes = await asyncio.to_thread(watch.poll)
            except REFUSED as exc:
                run.health.failing(COMPONENT, exc)
                log.warning("reference refused", extra={"error": str(exc)[:500]})
                continue
            if changes is not None:
                run.health.ok(COMPONENT)
                for change in changes:
                    log.info(change)

    return watch_reference
