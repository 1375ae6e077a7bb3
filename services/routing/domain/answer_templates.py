"""Answer templates of a municipality: per topic, with placeholders filled from the appeal,
kept as a reference document with revisions (the administrator edits it). Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass

PLACEHOLDERS = {
    "номер": "номер обращения в канале", "дата": "дата поступления",
    "тема": "тема", "территория": "территория", "получатель": "получатель",
    "исполнитель": "исполнитель",
}
_FIELD = re.compile(r"\{([^{}]+)\}")


class TemplateError(ValueError):
    code = "invalid_templates"

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class AnswerTemplate:
    id: str
    title: str
    text: str
    topics: tuple[str, ...] = ()  # none: for every topic
    approved: bool = False  # approved wording: bulk answering may use it

    def fits(self, topic: str) -> bool:
        return not self.topics or topic in self.topics

    def render(self, values: dict[str, str]) -> str:
        return _FIELD.sub(lambda m: values.get(m.group(1).strip(), m.group(0)), self.text)

    def as_json(self) -> dict:
        return {"id": self.id, "title": self.title, "text": self.text,
                "topics": list(self.topics), "approved": self.approved}


def parse(data: object) -> list[AnswerTemplate]:
    """The templates document ({"templates": [...]}) checked: ids unique, titles and texts
    given, placeholders known (a typo would reach the applicant)."""
    if not isinstance(data, dict) or not isinstance(data.get("templates"), list):
        raise TemplateError(["ожидается {templates: [...]}"])
    found, problems = [], []
    for n, item in enumerate(data["templates"], 1):
        if not isinstance(item, dict):
            problems.append(f"шаблон {n}: ожидается объект")
            continue
        tid, title, text = (str(item.get(k) or "").strip() for k in ("id", "title", "text"))
        topics = item.get("topics") or []
        if not tid or not title or not text:
            problems.append(f"шаблон {n}: нужны id, title и text")
            continue
        if not isinstance(topics, list) or not all(isinstance(t, str) for t in topics):
            problems.append(f"шаблон {tid}: topics — список тем")
            continue
        unknown = sorted({m.strip() for m in _FIELD.findall(text)} - PLACEHOLDERS.keys())
        if unknown:
            problems.append(f"шаблон {tid}: неизвестные подстановки "
                            + ", ".join(f"{{{u}}}" for u in unknown)
                            + "; есть: " + ", ".join(f"{{{p}}}" for p in PLACEHOLDERS))
        if len(text) > 20_000:
            problems.append(f"шаблон {tid}: текст длиннее 20 000 символов")
        found.append(AnswerTemplate(tid, title, text, tuple(topics), item.get("approved") is True))
    if len({t.id for t in found}) != len(found):
        problems.append("идентификаторы шаблонов должны быть уникальны")
    if problems:
        raise TemplateError(problems)
    return found
