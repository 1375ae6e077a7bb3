"""The notices 59-ФЗ requires besides the answer, as the administrator words them: one
template (subject and text) per notice, with only the placeholders that notice has a value
for, checked when the file is read; filled without I/O."""

from __future__ import annotations

import string

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from contracts.vocabulary import Notice
from kit.reference_files import ReferenceFileError, load_yaml, problems

COMMON = frozenset({"municipality", "received_on", "number", "registered_on"})
PLACEHOLDERS: dict[Notice, frozenset[str]] = {
    Notice.REGISTRATION: COMMON,
    Notice.FORWARDING: COMMON | {"authority", "reason"},
    Notice.EXTENSION: COMMON | {"new_due", "reason"},
}


class Template(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    subject: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1, max_length=5000)


class NoticeTemplates(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    registration: Template
    forwarding: Template
    extension: Template

    def of(self, notice: Notice) -> Template:
        return getattr(self, notice.value)

    def fill(self, notice: Notice, values: dict[str, str]) -> tuple[str, str]:
        """The notice's subject and text with the values put in (each checked at load)."""
        template = self.of(notice)
        return template.subject.format(**values), template.text.strip().format(**values)


def _fields(text: str) -> set[str]:
    """The placeholders a text uses, as written: `{number:>9}` or `{number!r}` is not a
    placeholder of ours (and a width could make a text of any size)."""
    return {name + (f":{spec}" if spec else "") + (f"!{conv}" if conv else "")
            for _, name, spec, conv in string.Formatter().parse(text) if name is not None}


def parse(text: str, source: str = "уведомления") -> NoticeTemplates:
    """The templates from the file's YAML, every problem named in Russian: an unknown
    placeholder, a brace left open."""
    data = load_yaml(text, source)
    try:
        templates = NoticeTemplates.model_validate(data)
    except ValidationError as exc:
        raise ReferenceFileError(source, problems(exc)) from None
    found = []
    for notice, allowed in PLACEHOLDERS.items():
        for part in ("subject", "text"):
            try:
                unknown = _fields(getattr(templates.of(notice), part)) - allowed
            except ValueError as exc:
                found.append(f"{notice.value}.{part}: фигурные скобки не закрыты ({exc})")
                continue
            if unknown:
                found.append(f"{notice.value}.{part}: неизвестные подстановки "
                             + ", ".join(f"{{{u}}}" for u in sorted(unknown))
                             + " (допустимы: " + ", ".join(f"{{{a}}}" for a in sorted(allowed))
                             + ")")
    if found:
        raise ReferenceFileError(source, found)
    return templates
