"""`mcu analytics …`: the memo, exports, analysts' SQL and the rebuild.

The analytics service owns the embedded engine (one process per chDB directory), so
these commands ask the running service over HTTP and open the engine themselves only
when the service is not running. With a ClickHouse server, analysts query it directly.
"""

from __future__ import annotations

import asyncio
import gc
import json
from pathlib import Path

import httpx
import typer

from cli.common import fail, problem_detail, reference_deployment
from kit.settings import Settings

analytics = typer.Typer(help="Аналитика: записка, выгрузки, SQL, пересборка", no_args_is_help=True)


def _service_url(settings: Settings) -> str | None:
    url = f"http://127.0.0.1:{settings.port_for('analytics')}"
    try:
        return url if httpx.get(f"{url}/health/ready", timeout=1).status_code == 200 else None
    except httpx.HTTPError:
        return None


def _ask(settings: Settings, method: str, url: str, **kwargs) -> httpx.Response:
    """A request to the running analytics service, as the person of MCU_STAFF_TOKEN; a
    refusal ends the command."""
    token = settings.staff_token
    if not token:
        fail("сервис аналитики запущен и отвечает только сотрудникам: укажите свой токен"
             " в MCU_STAFF_TOKEN (в демо: MCU_STAFF_TOKEN=demo-u-analyst)")
    try:
        response = httpx.request(method, url, headers={"Authorization": f"Bearer {token}"},
                                 timeout=120, **kwargs)
    except httpx.HTTPError as exc:
        fail(f"сервис аналитики {url} не ответил ({exc})")
    if response.status_code >= 400:
        fail(problem_detail(response))
    return response


def _local():
    from services.analytics.bootstrap import open_analytics

    deployment = reference_deployment()
    try:
        return open_analytics(Settings(), deployment)
    except Exception as exc:  # noqa: BLE001 - most often the lock of a running service
        fail(f"не удалось открыть хранилище аналитики: {str(exc)[:200]}")


MUNICIPALITY = typer.Option(None, help="Муниципалитет (id в дереве развёртывания)")
REGION = typer.Option(None, help="Регион: все его муниципалитеты (без сервиса; через "
                                 "сервис регион — тот, что видит сотрудник ЦУР по токену)")


def _scope(municipality: str | None, region: str | None) -> list[str] | None:
    """The municipalities a local memo or export covers (None: the whole deployment)."""
    tree = reference_deployment()
    if municipality is not None:
        if municipality not in tree.municipalities:
            fail(f"муниципалитета «{municipality}» нет в этом развёртывании; есть: "
                 + ", ".join(sorted(tree.municipalities)))
        return [municipality]
    if region is not None:
        if region not in tree.regions:
            fail(f"региона «{region}» нет в этом развёртывании; есть: "
                 + ", ".join(sorted(tree.regions)))
        return sorted(m.id for m in tree.municipalities.values() if m.region == region)
    return None


def _remote_params(municipality: str | None, region: str | None) -> dict:
    if region is not None:
        fail("сервис аналитики запущен: записку региона даёт токен сотрудника ЦУР "
             "(MCU_STAFF_TOKEN) без --region")
    return {"municipality": municipality} if municipality else {}


@analytics.command("memo")
def memo(week: str = typer.Option(..., help="ISO-неделя, например 2026-W47"),
         out: Path = typer.Option(..., help="Файл .html или .pdf"),
         municipality: str = MUNICIPALITY, region: str = REGION) -> None:
    """Еженедельная аналитическая записка для главы муниципалитета или для региона."""
    fmt = "pdf" if out.suffix.lower() == ".pdf" else "html"
    settings = Settings()
    if url := _service_url(settings):
        out.write_bytes(_ask(settings, "GET", f"{url}/api/v1/memo/{week}", params={
            "format": fmt, **_remote_params(municipality, region)}).content)
    else:
        from services.analytics.domain.indicators import IndicatorError
        from services.analytics.adapters.memo.render import render_html, render_pdf

        from services.analytics.adapters.witness import fetch_witness

        scope = _scope(municipality, region)
        local = _local()
        try:
            data = local.memo_data(week, scope=scope)
        except IndicatorError as exc:
            fail(str(exc))
        data["witness"] = fetch_witness(settings.address_of("audit"),
                                        local.week_end(week, scope))
        out.write_bytes(render_pdf(data) if fmt == "pdf" else render_html(data).encode())
    typer.echo(f"записка за {week}: {out}")


@analytics.command("export")
def export(week: str = typer.Option(..., help="ISO-неделя"),
           out: Path = typer.Option(..., help="Файл .xlsx (все таблицы) или .csv"),
           table: str = typer.Option("counts_by_topic", help="Таблица для CSV"),
           municipality: str = MUNICIPALITY, region: str = REGION) -> None:
    """Выгрузка показателей для регионального центра (ЦУР)."""
    fmt = "csv" if out.suffix.lower() == ".csv" else "xlsx"
    settings = Settings()
    if url := _service_url(settings):
        out.write_bytes(_ask(settings, "GET", f"{url}/api/v1/exports", params={
            "period": week, "format": fmt, "table": table,
            **_remote_params(municipality, region)}).content)
    else:
        from services.analytics.adapters import exports
        from services.analytics.domain.indicators import IndicatorError, Period

        try:
            period = Period.iso_week(week)
        except IndicatorError as exc:
            fail(str(exc))
        if fmt == "csv" and table not in exports.SHEETS:
            fail(f"неизвестная таблица {table!r}; есть: {', '.join(exports.SHEETS)}")
        scope, reports = _scope(municipality, region), _local().reports
        out.write_bytes(
            exports.to_csv(exports.tables(reports, period, [table], scope)[table]).encode()
            if fmt == "csv" else exports.to_xlsx(exports.tables(reports, period, scope=scope)))
    typer.echo(f"выгрузка: {out}")


@analytics.command("sql")
def sql(statement: str = typer.Argument(..., help="SELECT …")) -> None:
    """SQL аналитика (только чтение); результат — JSON-строки."""
    settings = Settings()
    if url := _service_url(settings):
        result = _ask(settings, "POST", f"{url}/api/v1/sql", json={"sql": statement}).json()
        columns, rows = result["columns"], result["rows"]
    else:
        from services.analytics.adapters.analyst_sql import AnalystSql, SqlFailed
        from services.analytics.domain.sql_sandbox import SqlRefused

        local = _local()
        try:
            answer = AnalystSql(local.ch).run(statement)
        except (SqlRefused, SqlFailed) as exc:
            fail(f"запрос отклонён: {exc}")
        columns, rows = answer.columns, answer.rows
    for row in rows:
        typer.echo(json.dumps(dict(zip(columns, row, strict=True)), ensure_ascii=False,
                              default=str))


@analytics.command("rebuild")
def rebuild() -> None:
    """Удалить и пересобрать все таблицы из журнала (сервис аналитики должен быть остановлен)."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from aiokafka.errors import KafkaError

    from services.analytics.entrypoints.rebuild import RebuildError
    from services.analytics.entrypoints.rebuild import rebuild as run_rebuild

    settings = Settings()
    if _service_url(settings):
        fail("сервис аналитики запущен и держит хранилище: остановите его и повторите")
    analytics_app = _local()
    with Progress(TextColumn("{task.description}"), BarColumn(),
                  TextColumn("{task.completed:,}/{task.total:,}"), TimeRemainingColumn()) as bar:
        task = bar.add_task("подключение к журналу", total=0)

        def progress(phase: str, done: int, total: int) -> None:
            bar.update(task, description=phase, completed=done, total=total)

        gc.freeze()  # what the command built lives until it ends: out of full collections
        try:
            events = asyncio.run(run_rebuild(analytics_app.projector, settings.kafka_bootstrap,
                                             settings.log_topic, progress))
        except RebuildError as exc:
            fail(str(exc))
        except KafkaError as exc:
            fail(f"связь с журналом Kafka прервалась во время пересборки ({exc}): таблицы"
                 " неполны, повторите mcu analytics rebuild")
        finally:
            analytics_app.ch.close()
    typer.echo(f"пересобрано из журнала: {events:,} событий")
