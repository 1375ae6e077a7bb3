"""Analysts' SQL on a connection of its own, checked on the engine's parse, run with limits.

The statement's syntax tree comes from the engine (`EXPLAIN AST`, which only parses) and
is judged by `domain.sql_sandbox`; then the engine runs it read-only with limits on time,
memory, rows and bytes read and the size of the answer, on its own connection and with
one thread, so a heavy query neither stalls ingestion nor takes every core. With a
ClickHouse server the analyst's own user adds the server's grants (docs/analytics.md).
"""

from __future__ import annotations

from collections.abc import Sequence

import re
import threading
from dataclasses import dataclass

from services.analytics.adapters.clickhouse import DATABASE, ClickHouse
from services.analytics.domain.sql_sandbox import SandboxPolicy, SqlRefused, parse_tree

MAX_ROWS = 10_000
LIMITS = {
    "readonly": 1,
    "max_execution_time": 30,
    "timeout_overflow_mode": "throw",
    "max_memory_usage": 1_000_000_000,
    "max_rows_to_read": 200_000_000,
    "max_bytes_to_read": 20_000_000_000,
    "read_overflow_mode": "throw",
    "max_result_rows": MAX_ROWS + 1,  # one more tells that there was more
    "max_result_bytes": 50_000_000,
    "result_overflow_mode": "break",  # whole blocks: cut to MAX_ROWS, said by `truncated`
    "max_threads": 1,
    "max_ast_elements": 10_000,
    "max_expanded_ast_elements": 50_000,
    "max_subquery_depth": 20,
    "max_query_size": 65_536,
}
# an engine refusal that means "a limit was reached", named for the analyst
_LIMIT_ERRORS = {
    "TIMEOUT_EXCEEDED": "запрос выполнялся дольше отведённого времени (30 с)",
    "MEMORY_LIMIT_EXCEEDED": "запросу не хватило выделенной памяти (1 ГБ)",
    "TOO_MANY_ROWS": "запрос читает больше 200 млн строк",
    "TOO_MANY_BYTES": "запрос читает больше 20 ГБ",
    "TOO_BIG_AST": "запрос слишком сложен",
    "TOO_DEEP_SUBQUERIES": "слишком глубокая вложенность подзапросов",
}


class SqlFailed(ValueError):
    """The engine could not answer an allowed statement (a mistake in it, or a limit)."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class SqlAnswer:
    columns: list[str]
    rows: list[tuple]
    truncated: bool  # the answer stops at MAX_ROWS rows


# tables that hold no appeal's data: every analyst reads them whole
OPEN_TABLES = frozenset({"reference_revisions", "schema_migrations"})


def _quoted(municipality: str) -> str:
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,62}", municipality):
        raise ValueError(f"municipality id {municipality!r}")
    return f"'{municipality}'"


class AnalystSql:
    """Runs analysts' statements; at most `concurrent` at once, never on ingestion's
    connection."""

    def __init__(self, ch: ClickHouse, concurrent: int = 2, seconds: int = 30):
        self._ch = ch.another_connection()
        self._limits = LIMITS | {"max_execution_time": seconds}
        self._slots = threading.BoundedSemaphore(concurrent)
        tables = {name for (name,) in self._ch.query(
            "SELECT name FROM system.tables WHERE database = {db:String}", {"db": DATABASE})[1]}
        table_functions = {name.lower() for (name,) in self._ch.query(
            "SELECT name FROM system.table_functions")[1]}
        self.policy = SandboxPolicy(DATABASE, frozenset(tables), frozenset(table_functions))

    def check(self, sql: str) -> str:
        """The statement as it will run, or SqlRefused naming what is not allowed."""
        text = sql.strip().rstrip(";").strip()
        if not text:
            raise SqlRefused("пустой запрос", "sql_empty")
        if ";" in text:
            # before anything reaches the engine, which would run each statement of a
            # list: one statement per request (write char(59) for a semicolon in a string)
            raise SqlRefused("допускается один запрос за раз: точка с запятой внутри запроса"
                             " не разрешена", "sql_multiple_statements")
        try:
            _, lines = self._ch.query(f"EXPLAIN AST {text}")
        except Exception as exc:  # noqa: BLE001 - the engine's parser said no
            raise SqlFailed(_engine_message(exc), _engine_code(exc) or "sql_syntax") from None
        self.policy.check(parse_tree(line for (line,) in lines))
        return text

    def run(self, sql: str, scope: Sequence[str] | None = None) -> SqlAnswer:
        """The statement's answer; with a `scope`, only those municipalities' rows."""
        text = self.check(sql)
        limits = self._limits if scope is None else self._limits | {
            "additional_table_filters": self.scope_filters(scope)}
        with self._slots:
            try:
                columns, rows = self._ch.query(text, settings=limits)
            except Exception as exc:  # noqa: BLE001 - translated for the analyst
                raise SqlFailed(_engine_message(exc), _engine_code(exc) or "sql_error") from None
        return SqlAnswer(columns, rows[:MAX_ROWS], truncated=len(rows) > MAX_ROWS)

    def scope_filters(self, scope: Sequence[str]) -> dict[str, str]:
        """A filter on every table of the project's database, so a statement sees only the
        scope's rows however it names or joins them: a table with a `municipality` column
        shows the scope's rows; one without any appeal's data (`OPEN_TABLES`) all of its
        rows; any other (working tables, positions) none. Read at each statement: the
        projection's working tables appear after the service starts."""
        ids = ", ".join(_quoted(m) for m in sorted(scope))
        found = {}
        for table, columns in self._ch.query(
                "SELECT table, groupArray(name) FROM system.columns WHERE database = {db:String}"
                " GROUP BY table", {"db": DATABASE})[1]:
            if "municipality" in columns:
                found[table] = f"has([{ids}], municipality)"
            elif table not in OPEN_TABLES:
                found[table] = "0"
        return found

    def close(self) -> None:
        self._ch.close()


def _engine_code(exc: Exception) -> str | None:
    text = str(exc)
    for name in _LIMIT_ERRORS:
        if f"({name})" in text:
            return "sql_limit_exceeded"
    return None


def _engine_message(exc: Exception) -> str:
    text = str(exc)
    for name, russian in _LIMIT_ERRORS.items():
        if f"({name})" in text:
            return f"запрос остановлен: {russian}"
    return text.split("Stack trace")[0].strip()[:1000]
