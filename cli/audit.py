"""`mcu audit`: the log's tamper evidence for auditors — `verify` streams the whole log
against the signed checkpoints and names each record that is not what was committed to;
`replay` and `dossier` show one appeal's history from the log, proven, as it stood at a
moment, its decisions re-checked; `keygen` makes the signing key (its public half beside
it, to publish)."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import typer

from cli.common import fail
from kit.settings import Settings

audit = typer.Typer(help="Аудит журнала: проверка по подписанным контрольным точкам, ключи",
                    no_args_is_help=True)


@audit.command("keygen")
def keygen(path: Path = typer.Argument(..., help="Куда записать ключ подписи (PEM)")) -> None:
    """Создать ключ подписи контрольных точек (Ed25519); открытый ключ — рядом."""
    from services.audit.adapters import keys
    from services.audit.domain.checkpoint import key_id

    if path.exists():
        fail(f"{path} уже есть: ключ не перезаписывается (старые контрольные точки "
             "проверяются его открытой частью)")
    key = keys.generate(path)
    typer.echo(f"ключ {key_id(key.public_key())}: {path}; открытый ключ — "
               f"{path.parent / (key_id(key.public_key()) + '.pub.pem')}")


@audit.command("verify")
def verify(as_json: bool = typer.Option(False, "--json", help="Итог в JSON"),
           analytics: bool = typer.Option(False, "--analytics", help="Сверить и таблицу "
                                          "событий ClickHouse с журналом")) -> None:
    """Сверить весь журнал с подписанными контрольными точками службы аудита (и, с
    --analytics, таблицу событий ClickHouse с журналом)."""
    from aiokafka.errors import KafkaError

    from services.audit.adapters import keys
    from services.audit.adapters.store import AuditStore
    from services.audit.application import verify_log
    from services.audit.bootstrap import key_path

    settings = Settings()
    store_path = settings.data_dir / "audit.sqlite"
    if not store_path.exists():
        fail(f"нет хранилища службы аудита ({store_path}): она ещё не запускалась")
    typer.echo(f"читаю журнал {settings.log_topic} ({settings.kafka_bootstrap})…", err=True)
    try:
        records = asyncio.run(_digests(settings))
    except KafkaError as exc:
        fail(f"брокер недоступен: {exc}")
    store = AuditStore(store_path)
    try:
        with typer.progressbar(length=len(records), label="сверка с контрольными точками",
                               file=sys.stderr) as bar:
            report = verify_log(settings.log_topic, records, store,
                                keys.public_keys(key_path(settings)),
                                progress=lambda done, _total: bar.update(done - bar.pos))
    finally:
        store.close()
    found = report.discrepancies
    rows = _analytics_check(settings) if analytics else None
    if as_json:
        typer.echo(json.dumps({
            "records": report.records, "covered": report.covered,
            "checkpoints": report.checkpoints, "partitions": len(report.partitions),
            "discrepancies": [{"partition": d.partition, "offset": d.offset,
                               "appeal_id": d.appeal_id, "what": d.what} for d in found],
            **({"analytics": {"rows": rows.rows, "events": rows.events, "discrepancies": [
                {"event_id": d.event_id, "appeal_id": d.appeal_id, "partition": d.partition,
                 "offset": d.offset, "what": d.what} for d in rows.discrepancies]}}
               if rows else {})}, ensure_ascii=False, indent=2))
    else:
        typer.echo(f"записей в журнале: {report.records}; под подписанными контрольными "
                   f"точками: {report.covered}; разделов: {len(report.partitions)}; "
                   f"контрольных точек: {report.checkpoints}")
        for d in found:
            where = f"раздел {d.partition}" + (f", смещение {d.offset}" if d.offset is not None
                                               else "")
            typer.echo(f"  РАСХОЖДЕНИЕ — {where}"
                       + (f", обращение {d.appeal_id}" if d.appeal_id else "") + f": {d.what}")
        if rows is not None:
            typer.echo(f"ClickHouse: строк в таблице событий {rows.rows}; событий журнала "
                       f"{rows.events}")
            for d in rows.discrepancies:
                where = (f"раздел {d.partition}, смещение {d.offset}, "
                         if d.partition is not None else "")
                typer.echo(f"  РАСХОЖДЕНИЕ ClickHouse — {where}событие {d.event_id}, "
                           f"обращение {d.appeal_id}: {d.what}")
        bad = found or (rows is not None and rows.discrepancies)
        typer.echo("итог: " + ("расхождения найдены" if bad else "журнал сходится с "
                               "контрольными точками" + (", ClickHouse — с журналом"
                                                          if rows is not None else "")))
    raise typer.Exit(1 if found or (rows is not None and rows.discrepancies) else 0)


async def _digests(settings: Settings) -> list:
    """The log streamed by, each record kept as its place, key and digest (a progress bar
    over the records as they come)."""
    from kit.topics import stream_topic
    from services.audit.application import Digested

    found, bar = [], None

    def total(n: int) -> None:
        nonlocal bar
        bar = typer.progressbar(length=n, label="чтение журнала", file=sys.stderr)
        bar.__enter__()

    try:
        async for record in stream_topic(settings.kafka_bootstrap, settings.log_topic, total):
            found.append(Digested.of(record))
            if bar is not None and len(found) % 1000 == 0:
                bar.update(1000)
    finally:
        if bar is not None:
            bar.update(len(found) % 1000)
            bar.__exit__(None, None, None)
    return found


def _analytics_check(settings: Settings):
    """ClickHouse's events table against the log (its own engine: stop the analytics
    service first when the engine is the embedded chDB; the log is read again, its
    envelopes needed this time)."""
    from kit.staff import read_deployment
    from kit.topics import read_topic
    from services.analytics.adapters.event_rows import event_rows, loaded_up_to
    from services.analytics.bootstrap import open_analytics
    from services.audit.domain.analytics_check import compare, envelopes_of

    try:
        ch = open_analytics(settings, read_deployment(settings)).ch
    except Exception as exc:  # noqa: BLE001 - most often the lock of a running service
        fail("не удалось открыть ClickHouse аналитики (встроенный chDB занят запущенной "
             f"службой аналитики? остановите её или укажите сервер): {str(exc)[:200]}")
    typer.echo("читаю таблицу событий ClickHouse…", err=True)
    rows, loaded = event_rows(ch), loaded_up_to(ch, settings.log_topic)
    records = asyncio.run(read_topic(settings.kafka_bootstrap, settings.log_topic))
    return compare(envelopes_of(records), rows, loaded)


def _audit(appeal: str, at: str | None):
    """The appeal audited at `at` (ISO; without an offset: the municipality's local time),
    with the names its reader sees."""
    import logging
    from datetime import datetime

    from kit.staff import read_deployment
    from services.audit.adapters.names import names_for
    from services.audit.adapters.store import AuditStore

    logging.getLogger("services.audit").setLevel(logging.ERROR)  # said in the findings
    moment = None
    if at is not None:
        try:
            moment = datetime.fromisoformat(at)
        except ValueError:
            fail(f"--at {at}: ожидается дата и время ISO 8601, например 2026-11-20T12:00+03:00")
    settings = Settings()
    store_path = settings.data_dir / "audit.sqlite"
    if not store_path.exists():
        fail(f"нет хранилища службы аудита ({store_path}): она ещё не запускалась")
    deployment = read_deployment(settings)
    store = AuditStore(store_path)
    try:
        found = asyncio.run(_audited(appeal, settings, store, moment, deployment))
    finally:
        store.close()
    if found is None:
        fail(f"обращения {appeal} нет в журнале, который заверяет служба аудита")
    return found, names_for(deployment, found.municipality)


async def _audited(appeal: str, settings: Settings, store, moment, deployment):
    """One appeal's audit, its owners asked through clients closed afterwards."""
    from services.audit.adapters import keys
    from services.audit.adapters.log_reader import read_at
    from services.audit.adapters.names import names_for
    from services.audit.adapters.owner_client import OwnerClient
    from services.audit.adapters.routing_recheck import RoutingRecheck
    from services.audit.adapters.sla_recheck import SlaRecheck
    from services.audit.application import audit_appeal
    from services.audit.bootstrap import key_path

    sla, routing = OwnerClient(settings.address_of("sla")), OwnerClient(settings.routing_address)
    try:
        return await audit_appeal(
            appeal, settings.log_topic, store, keys.public_keys(key_path(settings)),
            lambda places: read_at(settings.kafka_bootstrap, settings.log_topic, places),
            lambda m: names_for(deployment, m), moment, SlaRecheck(sla),
            RoutingRecheck(routing, f"Bearer {settings.staff_token}"
                           if settings.staff_token else None))
    finally:
        await sla.close()
        await routing.close()


AT_HELP = "Состояние на момент (ISO 8601; без смещения — местное время муниципалитета)"


@audit.command("replay")
def replay(appeal: str = typer.Argument(..., help="Идентификатор обращения"),
           at: str = typer.Option(None, "--at", help=AT_HELP),
           as_json: bool = typer.Option(False, "--json", help="История в JSON")) -> None:
    """История обращения из самого журнала: каждое событие с доказательством включения
    под подписанной контрольной точкой, состояние на момент, перепроверенные решения."""
    from services.audit.domain.dossier import dossier, machine

    found, names = _audit(appeal, at)
    if as_json:
        typer.echo(json.dumps(machine(found), ensure_ascii=False, indent=2))
        raise typer.Exit(0 if found.verified and found.consistent else 1)
    d = dossier(found, names)
    typer.echo(f"{d.title} · {d.municipality} · время местное ({d.zone})")
    for line in d.lines:
        typer.echo(f"{'✓' if line.proven else '✗'} {line.local} · {line.what} · {line.who}"
                   + (f" ({line.role})" if line.role and not line.who.startswith("система")
                      else "") + (f" · {line.details}" if line.details else "")
                   + (f"   [{line.problem}]" if line.problem else ""))
    typer.echo(f"\nсостояние на {d.at_local}:")
    for label, value in d.state:
        typer.echo(f"  {label}: {value}")
    for stage, due, standing in d.deadlines:
        typer.echo(f"  срок «{stage}»: до {due} — {standing}")
    if d.rechecks:
        typer.echo("перепроверенные решения:")
        for rule, when, ok, detail in d.rechecks:
            typer.echo(f"  {'·' if ok is None else '✓' if ok else '✗'} {rule} ({when}): {detail}")
    typer.echo("итог: " + d.verdict)
    raise typer.Exit(0 if d.verified else 1)


@audit.command("dossier")
def make_dossier(appeal: str = typer.Argument(..., help="Идентификатор обращения"),
                 out: Path = typer.Option(..., "--out", help="Файл справки: .pdf или .html"),
                 at: str = typer.Option(None, "--at", help=AT_HELP)) -> None:
    """Справка аудитора по обращению (PDF или HTML): проверенная история, состояние на
    момент, перепроверенные решения, контрольные точки."""
    from services.audit.adapters.dossier_render import render_html, render_pdf
    from services.audit.domain.dossier import dossier

    if out.suffix.lower() not in (".pdf", ".html"):
        fail(f"{out}: справка сохраняется в .pdf или .html")
    found, names = _audit(appeal, at)
    d = dossier(found, names)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".pdf":
        out.write_bytes(render_pdf(d))
    else:
        out.write_text(render_html(d), encoding="utf-8")
    typer.echo(f"{out}: {d.title}; {d.verdict}")


@audit.command("witness")
def witness_cmd(until: str = typer.Option(None, "--until", help="Момент (ISO 8601); по "
                                          "умолчанию — сейчас"),
                send: bool = typer.Option(False, "--send", help="Отправить письмом "
                                          "руководителям МЦУ и ЦУР (MCU_SMTP_HOST)")) -> None:
    """Отпечаток журнала на момент: SHA-256 последних подписанных контрольных точек всех
    разделов — для заверения вне системы (записка, письмо руководителям)."""
    from datetime import UTC, datetime

    from kit.mail import Mailer, SmtpSettings
    from kit.staff import read_deployment
    from services.audit.adapters.store import AuditStore
    from services.audit.application import send_witness, witness_recipients
    from services.audit.domain.checkpoint import witness_digest

    settings = Settings()
    try:
        moment = datetime.fromisoformat(until) if until else datetime.now(UTC)
    except ValueError:
        fail(f"--until {until}: ожидается дата и время ISO 8601")
    if moment.tzinfo is None:
        fail("--until: укажите смещение, например 2026-12-07T00:00+03:00")
    store_path = settings.data_dir / "audit.sqlite"
    if not store_path.exists():
        fail(f"нет хранилища службы аудита ({store_path}): она ещё не запускалась")
    store = AuditStore(store_path)
    try:
        checkpoints = store.checkpoints_until(moment)
        if not checkpoints:
            fail(f"до {moment.isoformat()} не подписано ни одной контрольной точки")
        typer.echo(f"отпечаток журнала на {moment.isoformat()}: {witness_digest(checkpoints)}")
        typer.echo(f"записей: {sum(c.size for c in checkpoints)}; разделов: {len(checkpoints)}")
        if send:
            if not settings.smtp_host:
                fail("MCU_SMTP_HOST не задан: отправить письмо некуда")
            deployment = read_deployment(settings)
            if not witness_recipients(deployment):
                fail("ни у руководителей МЦУ, ни у сотрудников ЦУР нет адреса почты")
            _, sent = send_witness(store, deployment, Mailer(
                SmtpSettings.of(settings), sender_name="МЦУ: служба аудита"), moment)
            typer.echo(f"письмо отправлено: получателей {sent}")
    finally:
        store.close()
