"""Helpers for the YAML files administrators edit (calendars, policies, directory, rules):
one error type naming every problem in Russian, one way to load and to report."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import ValidationError


class ReferenceFileError(ValueError):
    """A file that cannot be used; `problems` name each place and reason."""

    code = "invalid_reference_file"

    def __init__(self, source: str, problems: list[str]):
        super().__init__(f"{source}: " + "; ".join(problems))
        self.problems = problems


def load_yaml(text: str, source: str, error: type[ReferenceFileError] = ReferenceFileError):
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise error(source, [f"не YAML: {exc}"]) from None


def problems(exc: ValidationError) -> list[str]:
    """pydantic's errors as «место: причина» lines."""
    return [f"{'.'.join(str(p) for p in e['loc']) or 'файл'}: "
            f"{e['msg'].removeprefix('Value error, ')}" for e in exc.errors()]


def check_zone(value: str) -> str:
    """For validators: an IANA zone or a Russian error."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"неизвестный часовой пояс {value!r} (пример: Europe/Moscow)") from None
    return value
