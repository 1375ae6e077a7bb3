"""Reference files edited from the console: each service offers the files it owns (routing
the autorules, SLA the policies and calendars, intake the rubricator) to be read with
their revisions, checked as a candidate (the same parser as the `check` commands and the
start-up), compared with the version in force, and written.

Writing only replaces the file (atomically, on the version the administrator saw): every
process that loaded it notices and reloads it (`kit.reference_watch`), so two instances of
a service, intake's HTTP workers and an operator's edit on disk all take effect the same way.
Who may write a file follows whom it serves: the administrator (or MCU head) of the one
municipality that uses it, else only the deployment's administrator (a region's shared
policy, the federal calendar, the rubricator of the whole deployment).
"""

from __future__ import annotations

import difflib
import hashlib
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from contracts.vocabulary import Role
from kit.directory import Person
from kit.reference_files import ReferenceFileError, load_yaml

EDITORS = frozenset({Role.ADMINISTRATOR, Role.MCU_HEAD})  # of their own municipality's files
_ROOT = Path(__file__).resolve().parents[1]
SHIPPED = (_ROOT / "kit" / "data", _ROOT / "services")  # the files the platform ships
KEY = r"^[a-z]+(@[a-z0-9][a-z0-9.-]{0,80})?$"  # a file's key: `kind` or `kind@name`
MAX_TEXT = 500_000  # characters of one reference file (a directory of ~2,000 people)


class StaleBase(Exception):
    """The file changed since the administrator read it (another edit won)."""


class ShippedFile(Exception):
    """The file is one the platform ships (the demo's): never written in place."""


class Unwritable(Exception):
    """The file system refused the write (a read-only mount, a full disk)."""


@dataclass(frozen=True)
class EditableFile:
    """One reference file a service owns: where it is, whom it serves, and how the service
    checks a candidate (parsing it in the service's context: the autorules against the
    municipality's directory, a policy's escalation against its staff)."""

    key: str  # `kind` or `kind@name`: autorules@grozny, calendar@ru-2026, rubricator
    kind: str
    title: str  # Russian, for the page
    path: Path
    revision_name: str  # the record of its revisions (kit.revisions)
    municipalities: frozenset[str]  # whom it serves; empty: the whole deployment
    check: Callable[[str], object]  # the candidate's text → raises ReferenceFileError
    note: str = ""  # what a new version changes (and what it does not), in Russian
    read_only: str = ""  # why it is not written from the console, if it is not
    regional: bool = False  # set by a region's law (its calendar): the deployment's to write

    def text(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @property
    def shipped(self) -> bool:
        return any(self.path.resolve().is_relative_to(folder) for folder in SHIPPED)


def text_digest(text: str) -> str:
    """The version of a file as the administrator saw it (comments and layout included)."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def visible(person: Person, file: EditableFile, reach: frozenset[str]) -> bool:
    """A file the person may read: one serving their municipalities, or any file for the
    deployment's administrator."""
    if Role.DEPLOYMENT_ADMINISTRATOR in person.roles:
        return True
    return bool(person.roles & (EDITORS | {Role.REGIONAL_CURATOR})) and (
        not file.municipalities or bool(file.municipalities & reach))


def may_write(person: Person, file: EditableFile) -> bool:
    """The municipality's administrator or head for a file that serves only it; anything
    shared (a region's policy, the federal calendar) only the deployment's administrator."""
    if Role.DEPLOYMENT_ADMINISTRATOR in person.roles:
        return True
    return (bool(person.roles & EDITORS) and person.municipality is not None
            and not file.regional and file.municipalities == {person.municipality})


def normalized(text: str) -> str:
    """The text as a file keeps it: a browser's form sends its lines ended by CR LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def checked(file: EditableFile, text: str) -> object:
    """The candidate parsed and checked as the service would load it; ReferenceFileError
    naming each problem in Russian."""
    if not text.strip():
        raise ReferenceFileError(file.title, ["файл пуст"])
    return file.check(normalized(text))


def yaml_of(text: str, file: EditableFile) -> object:
    """For a service's `check`: the candidate's YAML, or the refusal naming the file."""
    return load_yaml(text, f"новая редакция: {file.title}")


def diff(current: str, candidate: str, name: str) -> str:
    """What the candidate changes, as a unified diff of the texts (empty: nothing)."""
    return "".join(difflib.unified_diff(
        normalized(current).splitlines(keepends=True),
        normalized(candidate).splitlines(keepends=True),
        fromfile=f"{name} (действует)", tofile=f"{name} (новая редакция)", n=2))


def write(file: EditableFile, text: str, base: str) -> None:
    """Replace the file by `text` if it still is the version `base` the administrator
    saw."""
    if file.shipped:
        raise ShippedFile(file.path)
    if text_digest(file.text()) != base:
        raise StaleBase(file.path)
    try:
        replace_file(file.path, normalized(text))
    except OSError as exc:
        raise Unwritable(f"{file.path.name}: {exc.strerror or exc}") from None


def replace_file(path: Path, text: str) -> None:
    """Atomically: a process watching the file reads the old one or the new, never a
    part of it (kit.reference_watch)."""
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, delete=False,
                                     prefix=f".{path.name}.", suffix=".new") as out:
        out.write(text if text.endswith("\n") else text + "\n")
        out.flush()
        os.fsync(out.fileno())
    try:
        os.chmod(out.name, path.stat().st_mode & 0o777)
        os.replace(out.name, path)
    except OSError:
        Path(out.name).unlink(missing_ok=True)
        raise
