"""Analysts' read-only SQL: one statement that reads, run with readonly=1.

The statement check gives a clear early refusal; the engine's readonly mode is what
actually enforces it (it refuses any write or DDL whatever the text looks like).
"""

from __future__ import annotations

import re

READ_STARTS = ("select", "with", "show", "describe", "desc", "explain", "exists")
READONLY = {"readonly": 1, "max_execution_time": 60, "max_result_rows": 100_000,
            "result_overflow_mode": "break"}


class ForbiddenSql(ValueError):
    code = "read_only_sql"


def _strip_comments(sql: str) -> str:
    sql = re.sub(r"/\*.*?\*/", " ", sql, flags=re.S)
    return re.sub(r"--[^\n]*", " ", sql)


def check(sql: str) -> str:
    """The statement to run, or ForbiddenSql with the reason in Russian."""
    text = _strip_comments(sql).strip().rstrip(";").strip()
    if not text:
        raise ForbiddenSql("пустой запрос")
    if ";" in text:
        raise ForbiddenSql("допускается один запрос за раз")
    if not text.lower().startswith(READ_STARTS):
        raise ForbiddenSql("разрешены только запросы на чтение: SELECT, WITH, SHOW, DESCRIBE, EXPLAIN")
    return text
