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
    "positions", "store", "component",
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


def configure(service: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("aiokafka").setLevel(logging.WARNING)
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
