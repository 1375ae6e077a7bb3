"""Structured JSON logs that never carry personal data.

Only whitelisted context keys pass into a record; anything else given as `extra`
is dropped, so a careless call cannot leak a name, a phone or an appeal's text.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

# Identifiers and figures only: nothing here can hold personal data.
SAFE_KEYS = frozenset({
    "service", "appeal_id", "event_id", "event_type", "seq", "producer", "topic",
    "partition", "offset", "count", "position", "lag", "error_code", "consumer",
    "duration_ms", "port", "url", "path", "status", "method", "channel", "backlog",
    "positions", "store", "component", "seconds", "exit_code", "http_processes",
})
_STANDARD = set(vars(logging.makeLogRecord({})))


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str):
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key in SAFE_KEYS:
                entry[key] = value if isinstance(value, int | float | bool) else str(value)
        if record.exc_info and record.exc_info[0] is not None:
            entry["error"] = record.exc_info[0].__name__
        return json.dumps(entry, ensure_ascii=False)


class OncePerWindow(logging.Filter):
    """The same message of a library at most once per `seconds`: while the broker is away,
    aiokafka says "connection refused" ten times a second, which would bury everything
    (the service's own log says once that a component is degraded, and when it recovers)."""

    def __init__(self, library: str, seconds: float = 60.0):
        super().__init__()
        self.library = library
        self.seconds = seconds
        self._last: dict[tuple[str, str], float] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith(self.library):
            return True
        key = (record.name, str(record.msg))
        last = self._last.get(key)
        if last is not None and record.created - last < self.seconds:
            return False
        if len(self._last) > 1000:
            self._last.clear()
        self._last[key] = record.created
        return True


def configure(service: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    handler.addFilter(OncePerWindow("aiokafka"))  # on the handler: its child loggers too
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("aiokafka").setLevel(logging.WARNING)
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
