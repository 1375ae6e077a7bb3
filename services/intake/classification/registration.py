"""Classification of an appeal at registration: kind, topic, thematic block, territory,
with a confidence and the reason shown to the coordinator («почему так»).

Order of evidence for the topic: the topic the applicant chose (when the rubricator knows
it), the rubricator's rules on the subject and text, the learned model (when one is
configured), otherwise the coordinator classifies by hand. The territory is the channel's
when it gives one, else a place the rubricator finds in the text.
"""

from __future__ import annotations

from contracts.events.registration import Classification
from contracts.vocabulary import ClassificationMethod, Kind
from services.intake.classification.model import AppealClassifier
from services.intake.classification.rubricator import Match, Rubricator

MODEL_MIN_CONFIDENCE = 0.35  # below it the model's guess is left to the coordinator


def _quoted(words: tuple[str, ...]) -> str:
    return ", ".join(f"«{w}»" for w in words)


class RegistrationClassifier:
    def __init__(self, rubricator: Rubricator, model: AppealClassifier | None = None):
        self.rubricator = rubricator
        self.model = model

    def classify(self, kind: Kind, text: str, subject: str | None = None,
                 applicant_topic: str | None = None,
                 territory: str | None = None) -> Classification:
        content = f"{subject or ''}\n{text}"
        topic, confidence, method, reason = self._topic(content, applicant_topic)
        place = territory or None
        if place is None and (found := self.rubricator.territory_in(content)):
            place = found.name
            reason += f"; территория по словам {_quoted(found.words)}"
        return Classification(kind=kind, topic=topic,
                              thematic_block=self.rubricator.block_of.get(topic or ""),
                              territory=place, confidence=confidence, method=method,
                              reason=reason)

    def _topic(self, content: str, applicant_topic: str | None):
        known = self.rubricator.topic_named(applicant_topic)
        if known:
            return known, 1.0, ClassificationMethod.APPLICANT, f"тема выбрана заявителем: «{applicant_topic}»"
        rule: Match | None = self.rubricator.topic_in(content)
        if rule:
            prefix = (f"тема заявителя «{applicant_topic}» не из рубрикатора; "
                      if applicant_topic else "")
            return (rule.name, rule.confidence, ClassificationMethod.RULE,
                    f"{prefix}правило рубрикатора «{rule.name}»: слова {_quoted(rule.words)}")
        if self.model is not None:
            guess = self.model.predict([content], top=3)[0]["topic"]
            if guess.confidence >= MODEL_MIN_CONFIDENCE:
                others = ", ".join(f"«{label}» {c:.2f}" for label, c in guess.alternatives)
                return (guess.label, guess.confidence, ClassificationMethod.MODEL,
                        f"модель {self.model.version}: уверенность {guess.confidence:.2f}"
                        + (f"; другие варианты: {others}" if others else ""))
        if applicant_topic:
            return (applicant_topic, 0.5, ClassificationMethod.APPLICANT,
                    f"тема выбрана заявителем («{applicant_topic}»), в рубрикаторе её нет: "
                    "уточните тему и блок")
        return None, 0.0, ClassificationMethod.MANUAL, "тема не определена: нужна классификация координатором"
