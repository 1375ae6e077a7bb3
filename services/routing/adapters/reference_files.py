"""The autorule file (YAML): parsing, validation, shipped demo data."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from pydantic import Field, ValidationError

from contracts.vocabulary import Role
from kit.deployment import Deployment, with_directory
from kit.directory import SHIPPED_DIRECTORY, Directory
from kit.reference_admin import EditableFile
from kit.reference_files import ReferenceFileError, Strict, load_yaml
from kit.reference_files import problems as problems_of
from services.routing.domain.autorules import Rule, RuleBook

SHIPPED_RULES = SHIPPED_DIRECTORY.parent / "autorules.yaml"  # the demo's first municipality


class _Rule(Strict):
    id: str = Field(min_length=1)
    recipient: str
    executor: str | None = None
    topics: list[str] | None = None
    blocks: list[str] | None = None
    territories: list[str] | None = None
    channels: list[str] | None = None
    kinds: list[str] | None = None
    keywords: list[str] | None = None


class _RulesFile(Strict):
    rules: list[_Rule]


def parse_rules(data: object, directory: Directory, version: int = 1,
                source: str = "автоправила") -> RuleBook:
    try:
        raw = _RulesFile.model_validate(data)
    except ValidationError as exc:
        raise ReferenceFileError(source, problems_of(exc)) from None
    found = []
    for r in raw.rules:
        if r.recipient not in directory.organizations:
            found.append(f"правило {r.id}: неизвестный получатель {r.recipient}")
        if r.executor and (r.executor not in directory.people
                           or Role.EXECUTOR not in directory.people[r.executor].roles):
            found.append(f"правило {r.id}: {r.executor} не исполнитель из справочника")
    if len({r.id for r in raw.rules}) != len(raw.rules):
        found.append("идентификаторы правил должны быть уникальны")
    if found:
        raise ReferenceFileError(source, found)

    def opt(values: list[str] | None) -> frozenset[str] | None:
        return frozenset(values) if values else None

    return RuleBook(tuple(Rule(
        r.id, r.recipient, r.executor, opt(r.topics), opt(r.blocks), opt(r.territories),
        opt(r.channels), opt(r.kinds), tuple(r.keywords) if r.keywords else None)
        for r in raw.rules), version)


def load_rules(directory: Directory, path: Path = SHIPPED_RULES) -> tuple[RuleBook, dict]:
    """The rules and the file's data as read (routing records its revisions)."""
    data = load_yaml(path.read_text(encoding="utf-8"), str(path))
    return parse_rules(data, directory, source=str(path)), data


NOTE_RULES = ("Новая редакция решает, куда направить обращения, поступившие после неё; уже "
              "направленные остаются у своих получателей.")
NOTE_DIRECTORY = ("Люди, роли, организации и блоки справочника знают все службы: новая "
                  "редакция действует в каждой через несколько секунд после записи (токены "
                  "выпускает mcu staff token). Обращения остаются у своих получателей и "
                  "исполнителей.")


def editable(deployment: Deployment, rules_data: Callable[[str], object]
             ) -> list[EditableFile]:
    """What routing offers the administrators: each municipality's autorules and its
    directory, each checked with the other in force."""
    found = []
    for m in deployment.municipalities.values():
        if m.autorules is not None:
            found.append(EditableFile(
                f"autorules@{m.id}", "autorules", f"Автоправила — {m.name}", m.autorules,
                deployment.revision_name("autorules", m.id), frozenset({m.id}),
                partial(_check_rules, m.directory, f"автоправила: {m.name}"), NOTE_RULES))
        if m.directory_file is not None:
            found.append(EditableFile(
                f"directory@{m.id}", "directory", f"Справочник — {m.name}", m.directory_file,
                deployment.revision_name("directory", m.id), frozenset({m.id}),
                partial(_check_directory, deployment, m.id, rules_data), NOTE_DIRECTORY))
    return found


def _check_rules(directory: Directory, source: str, text: str) -> RuleBook:
    return parse_rules(load_yaml(text, source), directory, source=source)


def _check_directory(deployment: Deployment, municipality: str,
                     rules_data: Callable[[str], object], text: str) -> Directory:
    """The candidate directory in its place in the tree, and the municipality's autorules
    in force still naming only its recipients and executors."""
    source = f"справочник: {deployment.municipality(municipality).name}"
    directory = with_directory(deployment, municipality, load_yaml(text, source), source)
    parse_rules(rules_data(municipality), directory, source="действующие автоправила")
    return directory
