"""`mcu dlq`: the dead-letter topic for operators — what failed, where, why, and replay.

`list` counts the letters by consumer and error code and shows the latest; `show` prints
one letter with its original message; `replay` puts the originals of chosen letters back
on the log for the consumer that failed on them (header `mcu-replay-for`: the others skip
them). Replay is for after a fix and is idempotent by the event's identity: a consumer
that already applied an event drops it again, so replaying twice changes nothing.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections import Counter

import typer

from cli.common import fail
from kit.settings import Settings

dlq = typer.Typer(help="Очередь недоставленных (DLQ): что не обработано, почему; повтор",
                  no_args_is_help=True)


def _letters(settings: Settings):
    from aiokafka.errors import KafkaError

    from contracts.dead_letter import DeadLetter
    from kit.topics import read_topic

    try:
        records = asyncio.run(read_topic(settings.kafka_bootstrap, settings.dlq_topic))
    except KafkaError as exc:
        fail(f"журнал Kafka {settings.kafka_bootstrap} недоступен ({exc})")
    letters = []
    for record in records:
        try:
            letters.append((record, DeadLetter.model_validate_json(record.value or b"")))
        except ValueError:
            continue  # not a letter of ours
    return letters


def _where(record) -> str:
    return f"{record.partition}:{record.offset}"


@dlq.command("list")
def list_letters(limit: int = typer.Option(20, min=0, help="Сколько последних показать")) -> None:
    """Сколько писем по потребителям и кодам ошибок; последние из них."""
    settings = Settings()
    letters = _letters(settings)
    if not letters:
        typer.echo(f"{settings.dlq_topic}: пусто")
        return
    counts = Counter((letter.consumer, letter.error_code) for _, letter in letters)
    typer.echo(f"{settings.dlq_topic}: {len(letters)} писем")
    for (consumer, code), count in counts.most_common():
        typer.echo(f"  {consumer:<24} {code:<24} {count}")
    if limit:
        typer.echo("\nпоследние (позиция в DLQ · когда · потребитель · код · откуда · ошибка):")
        for record, letter in sorted(letters, key=lambda x: x[1].failed_at)[-limit:]:
            typer.echo(f"  {_where(record):<8} {letter.failed_at:%d.%m %H:%M:%S}  "
                       f"{letter.consumer}  {letter.error_code}  {letter.source_topic}"
                       f"/{letter.source_partition}/{letter.source_offset}  {letter.error[:120]}")


@dlq.command("show")
def show(position: str = typer.Argument(..., help="Позиция письма в DLQ: раздел:смещение")) -> None:
    """Одно письмо целиком, с исходным сообщением."""
    settings = Settings()
    for record, letter in _letters(settings):
        if _where(record) == position:
            typer.echo(json.dumps(letter.model_dump(mode="json", exclude={"value_base64"}),
                                  ensure_ascii=False, indent=2))
            original = base64.b64decode(letter.value_base64)
            try:
                typer.echo(json.dumps(json.loads(original), ensure_ascii=False, indent=2))
            except ValueError:
                typer.echo(f"исходное сообщение ({len(original)} байт, не JSON):"
                           f" {original[:500]!r}")
            return
    fail(f"в {settings.dlq_topic} нет письма на позиции {position}")


@dlq.command("replay")
def replay(consumer: str = typer.Option(None, help="Только письма этого потребителя"),
           code: str = typer.Option(None, help="Только с этим кодом ошибки"),
           position: list[str] = typer.Option(None, help="Только эти позиции (раздел:смещение)"),
           dry_run: bool = typer.Option(False, "--dry-run", help="Только показать")) -> None:
    """Вернуть исходные сообщения в журнал для потребителя, который на них упал."""
    settings = Settings()
    chosen = [(r, letter) for r, letter in _letters(settings)
              if (consumer is None or letter.consumer == consumer)
              and (code is None or letter.error_code == code)
              and (not position or _where(r) in position)]
    replayable = [(r, letter) for r, letter in chosen if letter.source_topic == settings.log_topic]
    for r, letter in chosen:
        if letter.source_topic != settings.log_topic:
            typer.echo(f"  {_where(r)}: не из журнала ({letter.source_topic}): "
                       + ("событие больше, чем принимает журнал; исправьте его в хранилище"
                          " сервиса" if letter.error_code == "event_too_large"
                          else "пропущено"))
    if dry_run or not replayable:
        typer.echo(f"к повтору: {len(replayable)} из {len(chosen)} выбранных"
                   + (" (ничего не отправлено)" if dry_run else ""))
        return
    sent = asyncio.run(_produce(settings, replayable))
    typer.echo(f"возвращено в журнал {settings.log_topic}: {sent}; потребители, уже"
               " применившие событие, пропустят его по идентичности")


async def _produce(settings: Settings, letters) -> int:
    from kit.dead_letters import REPLAY_FOR
    from kit.outbox import make_producer

    producer = make_producer(settings.kafka_bootstrap)
    await producer.start()
    try:
        futures = [await producer.send(
            settings.log_topic, value=base64.b64decode(letter.value_base64),
            key=(letter.key or "").encode() or None,
            headers=[(REPLAY_FOR, letter.consumer.encode()),
                     ("replayed_from", f"{settings.dlq_topic}:{_where(record)}".encode())])
            for record, letter in letters]
        await asyncio.gather(*futures)
        return len(futures)
    finally:
        await producer.stop()
