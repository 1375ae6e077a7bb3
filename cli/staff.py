"""`mcu staff`: the staff directory's credentials, issued by its administrator.

A token is shown once and only its SHA-256 is written into the directory file (the file's
comments and order kept), with the day after which it opens no door. The services read
the directory at start: restart them after issuing or revoking a token.
"""

from __future__ import annotations

import hashlib
import io
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import typer

from cli.common import fail
from kit.reference_admin import replace_file

staff = typer.Typer(help="Сотрудники: выпуск и отзыв токенов доступа", no_args_is_help=True)


def _load(path: Path):
    from ruamel.yaml import YAML

    yaml = YAML()  # round trip: the administrator's comments and layout stay
    yaml.preserve_quotes = True
    try:
        return yaml, yaml.load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        fail(f"не удалось прочитать справочник {path}: {exc.strerror}")


@dataclass(frozen=True)
class Holder:
    """The file that keeps a person: a directory, or the deployment file (a region's staff,
    the deployment's administrators), and how to check it before it is written."""

    path: Path
    section: str = "people"
    municipality: object | None = None  # the deployment's Municipality, for its defaults

    def check(self, data) -> None:
        """Never write a file the services would refuse at start."""
        from kit.deployment import parse_deployment
        from kit.directory import parse_directory
        from kit.reference_files import ReferenceFileError

        try:
            if self.section == "staff":
                parse_deployment(data, self.path.parent, str(self.path))
            elif self.municipality is not None:
                m = self.municipality
                parse_directory({**data, "municipality": m.name, "timezone": m.timezone},
                                str(self.path), municipality_id=m.id, region=m.region)
            else:
                parse_directory(data, str(self.path))
        except ReferenceFileError as exc:
            fail(str(exc))


def _holder(person_id: str, directory: Path | None) -> Holder:
    """The file given, else the one of the deployment (MCU_DEPLOYMENT) that keeps the
    person."""
    if directory is not None:
        return Holder(directory)
    from cli.common import reference_deployment

    tree = reference_deployment()
    person = tree.people.get(person_id)
    if person is None:
        fail(f"в развёртывании «{tree.name}» нет сотрудника {person_id}")
    if person.municipality is not None:
        m = tree.municipality(person.municipality)
        if m.directory_file is None:  # one municipality, from MCU_ROUTING_DIRECTORY
            fail("укажите --directory: файл справочника (MCU_ROUTING_DIRECTORY)")
        return Holder(m.directory_file, municipality=m)
    if tree.source is None:
        fail("укажите --directory")
    return Holder(tree.source, section="staff")


def _person(data, person_id: str, holder: Holder):
    for person in data.get(holder.section) or []:
        if person.get("id") == person_id:
            return person
    fail(f"в файле {holder.path} нет сотрудника {person_id}")


def _save(yaml, data, holder: Holder) -> None:
    """Checked, then written whole: the running services load the new file by themselves
    (kit.reference_watch) and must never read half of it."""
    holder.check(data)
    text = io.StringIO()
    yaml.dump(data, text)
    replace_file(holder.path, text.getvalue())


@staff.command("token")
def token(person_id: str = typer.Argument(..., help="Идентификатор сотрудника в справочнике"),
          directory: Path = typer.Option(
              None, help="Файл справочника; по умолчанию тот файл развёртывания "
                         "(MCU_DEPLOYMENT), где записан сотрудник"),
          days: int = typer.Option(90, min=1, max=730, help="Срок действия, дней")) -> None:
    """Выпустить новый токен сотрудника (прежний перестаёт действовать)."""
    holder = _holder(person_id, directory)
    yaml, data = _load(holder.path)
    person = _person(data, person_id, holder)
    value = secrets.token_urlsafe(32)
    expires = (datetime.now(UTC) + timedelta(days=days)).date()
    person["token_sha256"] = hashlib.sha256(value.encode()).hexdigest()
    person["token_expires"] = expires
    _save(yaml, data, holder)
    typer.echo(f"Токен сотрудника {person_id} (действует по {expires:%d.%m.%Y}; показан один"
               " раз, в справочнике только его хеш):")
    typer.echo(value)
    typer.echo("Работающие службы прочитают справочник сами в течение нескольких секунд.",
               err=True)


@staff.command("revoke")
def revoke(person_id: str = typer.Argument(..., help="Идентификатор сотрудника"),
           directory: Path = typer.Option(
               None, help="Файл справочника; по умолчанию тот файл развёртывания, где "
                          "записан сотрудник")) -> None:
    """Отозвать токен сотрудника."""
    holder = _holder(person_id, directory)
    yaml, data = _load(holder.path)
    person = _person(data, person_id, holder)
    person.pop("token_sha256", None)
    person.pop("token_expires", None)
    _save(yaml, data, holder)
    typer.echo(f"Токен сотрудника {person_id} отозван: работающие службы перестанут его "
               "принимать в течение нескольких секунд.")
