"""`mcu audit`: the log's tamper evidence for auditors — `verify` streams the whole log
against the signed checkpoints and names each record that is not what was committed to;
`keygen` makes the signing key (its public half beside it, to publish)."""

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
def verify(as_json: bool = typer.Option(False, "--json", help="Итог в JSON")) -> None:
    """Сверить весь журнал с подписанными контрольными точками службы аудита."""
    from aiokafka.errors import KafkaError

    from kit.topics import read_topic
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
        records = asyncio.run(read_topic(settings.kafka_bootstrap, settings.log_topic))
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
    if as_json:
        typer.echo(json.dumps({
            "records": report.records, "covered": report.covered,
            "checkpoints": report.checkpoints, "partitions": len(report.partitions),
            "discrepancies": [{"partition": d.partition, "offset": d.offset,
                               "appeal_id": d.appeal_id, "what": d.what} for d in found]},
            ensure_ascii=False, indent=2))
    else:
        typer.echo(f"записей в журнале: {report.records}; под подписанными контрольными "
                   f"точками: {report.covered}; разделов: {len(report.partitions)}; "
                   f"контрольных точек: {report.checkpoints}")
        for d in found:
            where = f"раздел {d.partition}" + (f", смещение {d.offset}" if d.offset is not None
                                               else "")
            typer.echo(f"  РАСХОЖДЕНИЕ — {where}"
                       + (f", обращение {d.appeal_id}" if d.appeal_id else "") + f": {d.what}")
        typer.echo("итог: " + ("расхождения найдены" if found else "журнал сходится с "
                               "контрольными точками"))
    raise typer.Exit(1 if found else 0)


WHY = ("reason", "rule_id", "rule_version", "basis", "policy_id", "authority", "comment",
       "legal_ground")


@audit.command("replay")
def replay(appeal: str = typer.Argument(..., help="Идентификатор обращения"),
           as_json: bool = typer.Option(False, "--json", help="История в JSON")) -> None:
    """История обращения из самого журнала: каждое событие с доказательством включения
    под подписанной контрольной точкой."""
    from contracts.catalog import CATALOG
    from services.audit.adapters import keys
    from services.audit.adapters.log_reader import read_at
    from services.audit.adapters.store import AuditStore
    from services.audit.application import replay_appeal
    from services.audit.bootstrap import key_path

    settings = Settings()
    store_path = settings.data_dir / "audit.sqlite"
    if not store_path.exists():
        fail(f"нет хранилища службы аудита ({store_path}): она ещё не запускалась")
    store = AuditStore(store_path)
    try:
        steps = replay_appeal(
            appeal, settings.log_topic, store, keys.public_keys(key_path(settings)),
            lambda places: asyncio.run(read_at(settings.kafka_bootstrap, settings.log_topic,
                                               places)))
    finally:
        store.close()
    if not steps:
        fail(f"обращения {appeal} нет в журнале, который заверяет служба аудита")
    if as_json:
        typer.echo(json.dumps({"appeal_id": appeal, "events": [
            {"partition": s.partition, "offset": s.offset, "proven": s.proven,
             "problem": s.problem, "envelope": s.envelope} for s in steps]},
            ensure_ascii=False, indent=2))
    else:
        for s in steps:
            e = s.envelope or {}
            spec = CATALOG.get(e.get("event_type", ""))
            what = spec.title_ru if spec else e.get("event_type", "нечитаемая запись")
            actor = e.get("actor") or {}
            why = "; ".join(f"{k}: {v}" for k, v in (e.get("payload") or {}).items()
                            if k in WHY and v not in (None, ""))
            mark = "✓" if s.proven else "✗"
            typer.echo(f"{mark} {e.get('occurred_at', '—')} · {what} · {actor.get('id', '—')}"
                       f" ({actor.get('role', '—')})" + (f" · {why}" if why else "")
                       + (f"   [{s.problem}]" if s.problem else ""))
        proven = sum(s.proven for s in steps)
        typer.echo(f"итог: событий {len(steps)}, заверено контрольными точками {proven}"
                   + ("; все события подлинны" if proven == len(steps)
                      else f"; не заверено или изменено: {len(steps) - proven}"))
    raise typer.Exit(0 if all(s.proven for s in steps) else 1)
