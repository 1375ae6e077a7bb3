"""Autorules: conditions on an appeal -> recipient (and optionally executor). Pure.

Rules are ordered and later rules override earlier ones: the LAST matching rule decides.
Every condition given must hold (AND); a list matches any of its values (OR); keywords
match as word prefixes in the lowercased text. No match: the MCU coordinators' queue.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kit.directory import MCU


@dataclass(frozen=True)
class AppealFacts:
    kind: str
    channel: str
    topic: str
    thematic_block: str
    territory: str
    text: str


@dataclass(frozen=True)
class Rule:
    id: str
    recipient: str
    executor: str | None = None
    topics: frozenset[str] | None = None
    blocks: frozenset[str] | None = None
    territories: frozenset[str] | None = None
    channels: frozenset[str] | None = None
    kinds: frozenset[str] | None = None
    keywords: tuple[str, ...] | None = None

    def why(self, facts: AppealFacts) -> list[str] | None:
        """The conditions that matched, in Russian, or None when the rule does not apply."""
        reasons = []
        for values, value, label in ((self.topics, facts.topic, "тема"),
                                     (self.blocks, facts.thematic_block, "блок"),
                                     (self.territories, facts.territory, "территория"),
                                     (self.channels, facts.channel, "канал"),
                                     (self.kinds, facts.kind, "вид")):
            if values is None:
                continue
            if value not in values:
                return None
            reasons.append(f"{label} «{value}»")
        if self.keywords is not None:
            found = [k for k in self.keywords if re.search(rf"(?<!\w){re.escape(k.lower())}",
                                                            facts.text.lower())]
            if not found:
                return None
            reasons.append("ключевые слова: " + ", ".join(f"«{k}»" for k in found))
        return reasons


@dataclass(frozen=True)
class Decision:
    recipient: str
    executor: str | None
    rule_id: str | None
    rule_version: int | None
    reason: str  # «почему сюда»


@dataclass(frozen=True)
class RuleBook:
    rules: tuple[Rule, ...]
    version: int = 1

    def decide(self, facts: AppealFacts) -> Decision:
        for rule in reversed(self.rules):  # later rules override earlier ones
            reasons = rule.why(facts)
            if reasons is not None:
                return Decision(rule.recipient, rule.executor, rule.id, self.version,
                                f"автоправило «{rule.id}» (версия {self.version}): "
                                + ("; ".join(reasons) or "без условий"))
        return Decision(MCU, None, None, self.version,
                        "нет подходящего автоправила: в очередь координатора МЦУ")
