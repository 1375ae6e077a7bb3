"""Helpers for the YAML files administrators edit (calendars, policies, directory, rules):
one error type naming every problem in Russian, one way to load and to report."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from kit.settings import ConfigError


class ReferenceFileError(ValueError):
    """A file that cannot be used; `problems` name each place and reason."""

    code = "invalid_reference_file"

    def __init__(self, source: str, problems: list[str]):
        super().__init__(f"{source}: " + "; ".join(problems))
        self.problems = problems


class Strict(BaseModel):
    """A part of such a file: unknown keys are refused (a typo must not pass silently)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@contextlib.contextmanager
def named_by(setting: str, path: Path) -> Iterator[None]:
    """Loading the file a setting names: a missing or broken file stops the service at start
    with a Russian message naming the setting (`ConfigError`, exit 2), not a traceback."""
    try:
        yield
    except OSError as exc:
        raise ConfigError(f"{setting}: не удалось прочитать {path}: {exc.strerror}") from None
    except ReferenceFileError as exc:
        raise ConfigError(f"{setting}: {exc}") from None


def load_yaml(text: str, source: str, error: type[ReferenceFileError] = ReferenceFileError):
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise error(source, [f"не YAML: {exc}"]) from None
    except ValueError as exc:  # a scalar YAML reads as a date or a number that is none
        raise error(source, [f"не YAML: значение не читается ({exc})"]) from None
    except RecursionError:
        raise error(source, ["не YAML: слишком глубокая вложенность"]) from None


RUSSIAN_REASONS = {
    "missing": "обязательное поле отсутствует",
    "extra_forbidden": "лишнее поле (опечатка в имени?)",
    "too_short": "слишком мало элементов или символов",
    "too_long": "слишком много элементов или символов",
    "string_type": "ожидается строка",
    "int_type": "ожидается целое число",
    "int_parsing": "ожидается целое число",
    "list_type": "ожидается список",
    "dict_type": "ожидается словарь (ключ: значение)",
    "model_type": "ожидается словарь (ключ: значение)",
    "greater_than_equal": "значение меньше допустимого",
    "bool_parsing": "ожидается да/нет (true/false)",
}


def problems(exc: ValidationError) -> list[str]:
    """pydantic's errors as «место: причина» lines, in Russian where the reason is known."""
    return [f"{'.'.join(str(p) for p in e['loc']) or 'файл'}: "
            f"{RUSSIAN_REASONS.get(e['type'], e['msg'].removeprefix('Value error, '))}"
            for e in exc.errors()]


def check_zone(value: str) -> str:
    """For validators: an IANA zone or a Russian error."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"неизвестный часовой пояс {value!r} (пример: Europe/Moscow)") from None
    return value
