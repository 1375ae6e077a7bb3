"""The rubricator the administrator edits, and classification by its rules.

Thematic blocks hold topics; a topic has the names channels give it (aliases) and words
whose presence points to it; territories have the words that name them in a text. Words
are compared by Russian stems, phrases as consecutive stems. No I/O besides `load`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from kit.reference_files import ReferenceFileError, load_yaml, problems
from services.intake.classification.text import stems

DEFAULT_FILE = Path(__file__).resolve().parents[1] / "data" / "rubricator.yaml"
# confidence by the number of different rule words found (1, 2, 3 or more)
RULE_CONFIDENCE = (0.6, 0.75, 0.9)


class RubricatorError(ReferenceFileError):
    code = "invalid_rubricator"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TopicRule(_Strict):
    name: str = Field(min_length=1, max_length=300)
    open311_code: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$",
                                     description="service_code in Open311; none: not offered")
    aliases: list[str] = []
    keywords: list[str] = []


class Block(_Strict):
    name: str = Field(min_length=1, max_length=200)
    topics: list[TopicRule] = Field(min_length=1)


class Territory(_Strict):
    name: str = Field(min_length=1, max_length=200)
    words: list[str] = Field(min_length=1)


class RubricatorFile(_Strict):
    version: int = Field(ge=1)
    blocks: list[Block] = Field(min_length=1)
    territories: list[Territory] = []

    @model_validator(mode="after")
    def _unique(self) -> RubricatorFile:
        seen: dict[str, str] = {}
        codes: dict[str, str] = {}
        clashes = []
        for block in self.blocks:
            for topic in block.topics:
                if topic.open311_code in codes:
                    clashes.append(f"код Open311 «{topic.open311_code}» и у темы "
                                   f"«{codes[topic.open311_code]}», и у «{topic.name}»")
                elif topic.open311_code:
                    codes[topic.open311_code] = topic.name
                for name in (topic.name, *topic.aliases):
                    key = name.casefold()
                    if key in seen and seen[key] != topic.name:
                        clashes.append(f"«{name}» относится и к теме «{seen[key]}», и к «{topic.name}»")
                    seen[key] = topic.name
                for word in topic.keywords:
                    if not stems(word):
                        clashes.append(f"тема «{topic.name}»: в слове-признаке «{word}» нет букв")
        if clashes:
            raise ValueError("; ".join(clashes))
        return self


@dataclass(frozen=True)
class Match:
    name: str
    confidence: float
    words: tuple[str, ...]  # the rule words found, as written in the rubricator


def _phrase(text: str) -> str:
    return f" {stems(text)} "


class Rubricator:
    """Rules of one rubricator file, prepared for matching (stems computed once)."""

    def __init__(self, data: RubricatorFile, source: str = "рубрикатор"):
        self.data, self.source = data, source
        self.block_of: dict[str, str] = {}
        self.canonical: dict[str, str] = {}  # any name or alias, case-folded -> topic
        self._topic_rules: list[tuple[str, list[tuple[str, str]]]] = []
        for block in data.blocks:
            for topic in block.topics:
                self.block_of[topic.name] = block.name
                for name in (topic.name, *topic.aliases):
                    self.canonical[name.casefold().lstrip("★ ").strip()] = topic.name
                self._topic_rules.append(
                    (topic.name, [(w, _phrase(w)) for w in topic.keywords]))
        self._territory_rules = [(t.name, [(w, _phrase(w)) for w in t.words])
                                 for t in data.territories]

    def topic_named(self, name: str | None) -> str | None:
        """The rubricator's topic for a name a channel uses (ПОС, ИМ), if known."""
        if not name:
            return None
        return self.canonical.get(name.casefold().lstrip("★ ").strip())

    def topic_in(self, text: str) -> Match | None:
        return _best(self._topic_rules, _phrase(text))

    def territory_in(self, text: str) -> Match | None:
        return _best(self._territory_rules, _phrase(text))


def _best(rules: list[tuple[str, list[tuple[str, str]]]], phrase: str) -> Match | None:
    best: Match | None = None
    for name, words in rules:
        found = tuple(w for w, stemmed in words if stemmed in phrase)
        if found and (best is None or len(found) > len(best.words)):
            confidence = RULE_CONFIDENCE[min(len(found), len(RULE_CONFIDENCE)) - 1]
            best = Match(name, confidence, found)
    return best


def parse(text: str, source: str = "рубрикатор") -> Rubricator:
    raw = load_yaml(text, source, RubricatorError)
    try:
        return Rubricator(RubricatorFile.model_validate(raw), source)
    except ValidationError as exc:
        raise RubricatorError(source, problems(exc)) from None


def load(path: Path = DEFAULT_FILE) -> Rubricator:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RubricatorError(str(path), [f"файл не прочитан: {exc.strerror}"]) from None
    return parse(text, str(path))


def draft_from_topic_groups(topic_to_group: dict[str, str]) -> dict:
    """A rubricator draft from a «topic -> thematic group» reference (e.g. ПОС topics):
    blocks and topics without words; the administrator adds words and territories."""
    blocks: dict[str, list[dict]] = {}
    for topic, group in topic_to_group.items():
        blocks.setdefault(group.strip(), []).append(
            {"name": topic.lstrip("★ ").strip(), "aliases": [], "keywords": []})
    return {"version": 1, "blocks": [{"name": b, "topics": t} for b, t in blocks.items()],
            "territories": []}


def read_topic_groups(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RubricatorError(str(path), [f"не JSON-объект «тема: группа»: {exc}"]) from None
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise RubricatorError(str(path), ["ожидается JSON-объект «тема: группа»"])
    return data
