"""What an analyst's SQL may touch, judged on the engine's own parse (pure).

The analytics service asks ClickHouse for the statement's syntax tree (`EXPLAIN AST`)
and this module walks it: no text matching, so comments, quoting, case and Unicode
tricks cannot hide a construct from the check — what the engine would run is what is
checked. Everything is refused unless allowed:

* node kinds: only those of reading statements (SELECT, WITH, EXPLAIN, DESCRIBE, SHOW
  TABLES, SHOW CREATE TABLE, EXISTS); no SETTINGS, no INTO OUTFILE, no FORMAT;
* tables: the project's own (unqualified names resolve in its database or to a WITH
  name) and a few documented `system` tables; no table functions at all;
* functions: all but those that read files, the network, dictionaries, settings or the
  host, or sleep (`DENIED_FUNCTIONS`, plus every table function's name).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

# Kinds of node a reading statement is made of (EXPLAIN AST names). Anything else —
# Set (SETTINGS), InsertQuery, AlterQuery, ColumnsApplyTransformer (APPLY(f) hides the
# function's name from the tree) … — is refused by name.
ALLOWED_NODES = frozenset({
    "SelectWithUnionQuery", "SelectIntersectExceptQuery", "SelectQuery", "ExpressionList",
    "Identifier", "Literal", "Function", "Asterisk", "QualifiedAsterisk",
    "ColumnsRegexpMatcher", "ColumnsListMatcher", "QualifiedColumnsRegexpMatcher",
    "QualifiedColumnsListMatcher", "ColumnsTransformerList", "ColumnsExceptTransformer",
    "ColumnsReplaceTransformer", "ColumnsReplaceTransformer::Replacement",
    "TablesInSelectQuery", "TablesInSelectQueryElement", "TableExpression",
    "TableIdentifier", "TableJoin", "ArrayJoin", "Subquery", "WithElement",
    "OrderByElement", "WindowDefinition", "WindowListElement", "SampleRatio",
    "InterpolateElement", "Explain", "DescribeQuery", "ShowTables",
    "ShowCreateTableQuery", "ExistsTableQuery",
})
STATEMENTS = frozenset({"SelectWithUnionQuery", "Explain", "DescribeQuery", "ShowTables",
                        "ShowCreateTableQuery", "ExistsTableQuery"})
EXPLAIN_KINDS = frozenset({"EXPLAIN", "EXPLAIN AST", "EXPLAIN SYNTAX", "EXPLAIN PLAN",
                           "EXPLAIN PIPELINE", "EXPLAIN ESTIMATE", "EXPLAIN QUERY TREE"})

# `system` tables an analyst may read: constants and the engine's own vocabulary.
SYSTEM_TABLES = frozenset({"one", "numbers", "functions", "data_type_families",
                           "time_zones"})

# Functions that reach outside the data (files, network, dictionaries, the host, the
# server's settings) or only waste the engine's time. Compared case-insensitively;
# `dict` and `joinGet` prefixes cover their whole families.
DENIED_FUNCTIONS = frozenset(name.lower() for name in (
    "file", "fuzzQuery", "getSetting", "getSettingOrDefault", "getServerSetting",
    "getMergeTreeSetting", "getMacro", "globalVariable", "hostName", "FQDN",
    "fullHostName", "getServerPort", "serverUUID", "filesystemAvailable",
    "filesystemCapacity", "filesystemUnreserved", "sleep", "sleepEachRow",
    "addressToLine", "addressToLineWithInlines", "addressToSymbol", "demangle",
    "currentProfiles", "enabledProfiles", "defaultProfiles", "currentRequestURL",
    "getClientHTTPHeader", "catboostEvaluate", "hasColumnInTable", "currentUser",
    "currentRoles", "enabledRoles", "defaultRoles", "uptime", "buildId", "tcpPort",
    "getOSKernelVersion", "zookeeperSessionUptime", "shardNum", "shardCount",
    "connectionId", "initialQueryID", "queryID", "displayName", "revision",
))
DENIED_PREFIXES = ("dict", "joinget")
# table functions' names that are also harmless scalar functions
SCALAR_TWINS = frozenset({"format"})
IN_FUNCTIONS = frozenset({"in", "notin", "globalin", "globalnotin", "nullin", "notnullin",
                          "globalnullin", "globalnotnullin"})


class SqlRefused(ValueError):
    """The statement touches what analysts may not; the message names it, in Russian."""

    code = "sql_refused"

    def __init__(self, message: str, code: str = "sql_refused"):
        super().__init__(message)
        self.code = code


@dataclass
class Node:
    kind: str
    argument: str  # what follows the kind on its line: a name, a literal, an alias
    children: list[Node] = field(default_factory=list)

    @property
    def name(self) -> str:
        """A function's or identifier's name, without ` (alias …)` and child counts."""
        return self.argument.split(" (", 1)[0].strip()

    def walk(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            yield from child.walk()


def parse_tree(lines: Iterable[str]) -> Node:
    """The EXPLAIN AST output (one node per line, one space of indent per level) as a
    tree. Literals are printed escaped by the engine, so a line is always one node."""
    root: Node | None = None
    stack: list[tuple[int, Node]] = []
    for line in lines:
        if not line.strip():
            continue
        depth = len(line) - len(line.lstrip(" "))
        kind, _, argument = line.strip().partition(" ")
        node = Node(kind, argument)
        while stack and stack[-1][0] >= depth:
            stack.pop()
        if stack:
            stack[-1][1].children.append(node)
        elif root is None:
            root = node
        else:
            raise SqlRefused("допускается один запрос за раз", "sql_multiple_statements")
        stack.append((depth, node))
    if root is None:
        raise SqlRefused("пустой запрос", "sql_empty")
    return root


@dataclass(frozen=True)
class SandboxPolicy:
    """What the project's database holds and which names the engine knows as table
    functions (read from the engine once; they differ between versions)."""

    database: str
    tables: frozenset[str]
    table_functions: frozenset[str]

    def check(self, root: Node) -> None:
        """Nothing if the statement only reads what it may; else SqlRefused."""
        if root.kind not in STATEMENTS:
            raise SqlRefused(_statement_refused(root.kind), "read_only_sql")
        self._check_output(root)
        for node in root.walk():
            if node.kind not in ALLOWED_NODES:
                raise SqlRefused(_construct_refused(node.kind), _construct_code(node.kind))
            if node.kind == "Explain":
                self._check_explain(node)
            elif node.kind == "TableExpression":
                self._check_table_expression(node)
            elif node.kind == "TableIdentifier":
                self._check_table(node.name)
            elif node.kind == "Function":
                self._check_function(node)
            elif node.kind in ("ShowCreateTableQuery", "ExistsTableQuery"):
                self._check_table(node.name)
            elif node.kind == "ShowTables":
                self._check_show_tables(node)

    @staticmethod
    def _check_clauses(statement: Node) -> None:
        """A statement's own clauses (its children): INTO OUTFILE is a literal there,
        SETTINGS a Set node."""
        for node in statement.children:
            if node.kind == "Literal":
                raise SqlRefused("INTO OUTFILE запрещён: результат возвращается только в ответе",
                                 "sql_outfile_refused")
            if node.kind == "Set":
                raise SqlRefused(_construct_refused("Set"), "sql_settings_refused")

    def _check_output(self, root: Node) -> None:
        """The clauses of the statement, and its last child: the output format, which
        the client appends (Native) unless the text overrides it."""
        self._check_clauses(root)
        last = root.children[-1] if root.children else None
        if last is None or last.kind != "Identifier":
            # the client's own FORMAT clause, appended after the text, did not survive:
            # an unclosed comment or literal at the end would swallow the limits too
            raise SqlRefused("запрос должен заканчиваться полностью: незакрытый комментарий"
                             " или строка в конце", "sql_unterminated")
        if last.name != "Native":
            raise SqlRefused(f"FORMAT {last.name} не разрешён: формат ответа задаёт сервис",
                             "sql_format_refused")

    def _check_explain(self, node: Node) -> None:
        kind = node.argument.split(" (", 1)[0].strip()
        if kind not in EXPLAIN_KINDS:
            raise SqlRefused(f"{kind} не разрешён", "sql_construct_refused")
        inner = [c for c in node.children if c.kind != "Identifier"]
        if not inner or any(c.kind != "SelectWithUnionQuery" for c in inner):
            raise SqlRefused("EXPLAIN разрешён только для запросов SELECT", "read_only_sql")
        for child in inner:
            self._check_clauses(child)

    def _check_show_tables(self, node: Node) -> None:
        for child in node.children[:-1]:  # the last one is the output format
            if child.kind == "Identifier" and child.name != self.database:
                raise SqlRefused(f"SHOW TABLES показывает только таблицы базы {self.database}",
                                 "sql_table_refused")

    # -- where data comes from ----------------------------------------------------------
    def _check_table_expression(self, node: Node) -> None:
        for child in node.children:
            if child.kind == "Function":
                raise SqlRefused(f"табличные функции запрещены ({child.name}): читайте "
                                 "таблицы проекта", "sql_table_function_refused")

    def _check_table(self, name: str) -> None:
        database, dot, table = name.rpartition(".")
        if not dot:
            return  # unqualified: a table of the project's database or a WITH name
        if database == self.database and table in self.tables:
            return
        if database == "system" and table in SYSTEM_TABLES:
            return
        allowed = ", ".join(sorted(self.tables))
        raise SqlRefused(f"таблица {name} недоступна; доступны: {allowed} и system."
                         f"{{{', '.join(sorted(SYSTEM_TABLES))}}}", "sql_table_refused")

    def _check_function(self, node: Node) -> None:
        name = node.name.lower()
        if name in DENIED_FUNCTIONS or name.startswith(DENIED_PREFIXES) or (
                name in self.table_functions and name not in SCALAR_TWINS):
            raise SqlRefused(f"функция {node.name} запрещена: она обращается за пределы "
                             "данных аналитики", "sql_function_refused")
        if name in IN_FUNCTIONS:  # `x IN db.table` reads a table by an identifier
            arguments = node.children[0].children if node.children else []
            for argument in arguments[1:]:
                if argument.kind == "Identifier":
                    self._check_table(argument.name)


def _statement_refused(kind: str) -> str:
    return ("разрешены только запросы на чтение: SELECT, WITH, EXPLAIN, DESCRIBE, "
            f"SHOW TABLES, SHOW CREATE TABLE, EXISTS (получено: {kind})")


def _construct_refused(kind: str) -> str:
    if kind == "Set":
        return "SETTINGS в запросе запрещены: ограничения задаёт сервис"
    if kind == "ColumnsApplyTransformer":
        return "APPLY(…) не разрешён: вызовите функцию явно"
    return f"конструкция {kind} не разрешена в запросах аналитика"


def _construct_code(kind: str) -> str:
    return "sql_settings_refused" if kind == "Set" else (
        "read_only_sql" if kind.endswith("Query") else "sql_construct_refused")
