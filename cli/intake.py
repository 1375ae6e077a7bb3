"""`mcu intake`: files into the running intake service, and the personal-data vault.

Files go through the service's own doors (HTTP, with the channel's key), so they are
validated, deduplicated and classified exactly as the channel's live traffic is.
"""

from __future__ import annotations

import json
import mailbox
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

import httpx
import typer

from cli.common import fail, problem_detail
from contracts.vocabulary import Channel
from kit.settings import Settings

intake = typer.Typer(help="Приём: выгрузки «Инцидент Менеджмент», почта, персональные данные",
                     no_args_is_help=True)
vault = typer.Typer(help="Хранилище персональных данных (152-ФЗ): каждое обращение к нему "
                         "записывается в журнал — кто и зачем", no_args_is_help=True)
intake.add_typer(vault, name="vault")

Url = typer.Option(None, help="Адрес сервиса приёма; по умолчанию — локальный")
Key = typer.Option(None, envvar="MCU_INTAKE_KEY",
                   help="Ключ канала; по умолчанию — из MCU_INTAKE_API_KEYS")


def _client(url: str | None, channel: Channel, key: str | None) -> httpx.Client:
    from services.intake.entrypoints.channel_keys import configured_keys

    settings = Settings()
    base = url or f"http://127.0.0.1:{settings.port_for('intake')}"
    key = key or configured_keys(settings.intake_api_keys).get(channel)
    if not key:
        fail(f"нет ключа канала «{channel.value}»: укажите --key или MCU_INTAKE_API_KEYS")
    return httpx.Client(base_url=base, headers={"X-API-Key": key}, timeout=60)


def _post(client: httpx.Client, path: str, **kwargs) -> httpx.Response:
    try:
        response = client.post(path, **kwargs)
    except httpx.HTTPError as exc:
        fail(f"сервис приёма {client.base_url} недоступен ({exc}); запустите mcu serve intake")
    if response.status_code in (401, 403):
        fail(problem_detail(response))
    return response


@intake.command("import")
def import_export(file: Path = typer.Argument(..., exists=True, dir_okay=False,
                                              help="Выгрузка .csv или .xlsx"),
                  timezone: str | None = typer.Option(
                      None, help="Часовой пояс времени в выгрузке (по умолчанию — муниципалитета)"),
                  url: str | None = Url, key: str | None = Key) -> None:
    """Загрузить выгрузку «Инцидент Менеджмент»: отчёт по строкам, повторы не дублируются."""
    with _client(url, Channel.INCIDENT, key) as client:
        response = _post(client, "/api/v1/channels/incident/imports", content=file.read_bytes(),
                         params={"filename": file.name,
                                 **({"timezone": timezone} if timezone else {})})
    if response.status_code >= 400:
        fail(problem_detail(response))
    body = response.json()
    typer.echo(f"{file.name}: принято {body['imported']}, уже были {body['duplicates']}, "
               f"с ошибками {len(body['errors'])}")
    for error in body["errors"]:
        typer.echo(f"  {error}", err=True)
    if body["errors"]:
        raise typer.Exit(1)


@dataclass(frozen=True)
class Letter:
    name: str
    read: Callable[[], bytes]
    mark_read: Callable[[], None] = lambda: None


def _maildir_letter(box: mailbox.Maildir, key: str, folder: str) -> Letter:
    def mark_read() -> None:  # as mail clients do: moved to cur/, flag S
        message = box[key]
        message.set_subdir("cur")
        message.add_flag("S")
        box[key] = message

    return Letter(f"{folder}/{key}", lambda: box.get_bytes(key), mark_read)


def _letters(paths: list[Path]) -> list[Letter]:
    """Every letter to send, found before any is read (so progress has a total): .eml
    files, folders of them, and the unread letters of Maildirs."""
    letters = []
    for path in paths:
        if (path / "new").is_dir() and (path / "cur").is_dir():
            box = mailbox.Maildir(path, factory=None, create=False)
            letters += [_maildir_letter(box, key, path.name) for key in box.iterkeys()
                        if "S" not in box.get_message(key).get_flags()]
        elif path.is_dir():
            letters += [Letter(f.name, f.read_bytes) for f in sorted(path.glob("*.eml"))]
        elif path.is_file():
            letters.append(Letter(path.name, path.read_bytes))
        else:
            fail(f"{path}: нет такого файла или папки")
    return letters


@intake.command("mail")
def mail(paths: list[Path] = typer.Argument(..., help="Файлы .eml, папки с ними или Maildir"),
         url: str | None = Url, key: str | None = Key) -> None:
    """Передать письма в приём (повторная передача того же письма ничего не меняет)."""
    from rich.progress import track

    counts = {"принято": 0, "уже были": 0, "не приняты": 0}
    letters = _letters(paths)
    with _client(url, Channel.EMAIL, key) as client:
        for letter in track(letters, description="письма", total=len(letters)):
            response = _post(client, "/api/v1/channels/email/messages", content=letter.read(),
                             headers={"Content-Type": "message/rfc822"})
            if response.status_code in (200, 201):
                counts["принято" if response.status_code == 201 else "уже были"] += 1
                letter.mark_read()
            else:
                counts["не приняты"] += 1
                typer.echo(f"  {letter.name}: {problem_detail(response)}", err=True)
    typer.echo(", ".join(f"{k} {v}" for k, v in counts.items()))
    if counts["не приняты"]:
        raise typer.Exit(1)


def _vault():
    from services.intake.bootstrap import open_vault

    return open_vault(Settings())


Who = typer.Option(..., help="Кто обращается (учётная запись сотрудника)")
Why = typer.Option(..., help="Зачем (основание, попадёт в журнал)")


@vault.command("read")
def vault_read(appeal_id: UUID = typer.Argument(..., help="Номер обращения (UUID)"),
               who: str = Who, why: str = Why) -> None:
    """Показать данные заявителя обращения (запись в журнале обращений к хранилищу)."""
    from services.intake.adapters.vault import VaultError

    store = _vault()
    try:
        person = store.read(appeal_id, who, why)
    except VaultError as exc:
        fail(str(exc))
    finally:
        store.close()
    if person is None:
        fail("данных заявителя нет (не переданы каналом или удалены)")
    typer.echo(json.dumps({k: v for k, v in vars(person).items() if v}, ensure_ascii=False,
                          indent=2))


@vault.command("erase")
def vault_erase(applicant: UUID | None = typer.Option(None, help="Псевдоним заявителя (UUID)"),
                appeal: UUID | None = typer.Option(None, help="…или номер его обращения"),
                who: str = Who, why: str = Why,
                yes: bool = typer.Option(False, "--yes", help="Без вопроса")) -> None:
    """Удалить ключ и данные заявителя по всем его обращениям безвозвратно (ст. 21 152-ФЗ);
    события журнала не меняются: в них только псевдоним."""
    from services.intake.adapters.vault import VaultError

    if (applicant is None) == (appeal is None):
        fail("укажите одно из двух: --applicant или --appeal")
    store = _vault()
    try:
        applicant = applicant or store.applicant_of(appeal)
        if applicant is None:
            fail(f"у обращения {appeal} нет данных заявителя в хранилище")
        if not yes:
            typer.confirm(f"Удалить персональные данные заявителя {applicant} безвозвратно?",
                          abort=True)
        covered = store.erase(applicant, who, why)
    except VaultError as exc:
        fail(str(exc))
    finally:
        store.close()
    typer.echo(f"удалено: данные заявителя {applicant} по {covered} обращениям")


@vault.command("log")
def vault_log(limit: int = typer.Option(50, min=1, help="Сколько последних записей")) -> None:
    """Журнал обращений к хранилищу: когда, кто, зачем, что сделано."""
    store = _vault()
    try:
        entries = store.access_log(limit)
    finally:
        store.close()
    actions = {"read": "чтение", "erase": "удаление"}
    for e in entries:
        subject = f"обращение {e['appeal_id']}" if e["appeal_id"] else f"заявитель {e['applicant_id']}"
        typer.echo(f"{e['at']}  {e['who']}  {actions.get(e['action'], e['action'])}  "
                   f"{subject}  «{e['why']}»")


@vault.command("new-secret")
def vault_new_secret() -> None:
    """Создать случайный секрет (32 байта, base64url): для MCU_VAULT_SECRET, MCU_VAULT_KEK
    или ключа канала. Храните его вне базы данных и её резервных копий."""
    import secrets

    typer.echo(secrets.token_urlsafe(32))
