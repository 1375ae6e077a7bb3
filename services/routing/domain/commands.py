"""Staff commands on an appeal, each defined once: its body, who may give it, its door.

A command is its HTTP body (validated, staff's free text masked as it is read), and it
says which roles may give it (`roles`), where its door is (`path`) and what it does in
Russian (`summary`). The HTTP layer makes one route per command of `COMMANDS`, access
checks the command's roles, and the application dispatches on its type.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from contracts.vocabulary import Kind, ReworkCriterion, Role
from kit.privacy import FreeText
from kit.validation import Count

R = Role


class Command(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: ClassVar[str]  # stable name: the OpenAPI operation id
    path: ClassVar[str]  # /api/v1/appeals/{id}/<path>
    summary: ClassVar[str]
    roles: ClassVar[frozenset[Role]]


class Assign(Command):
    name, path = "assign", "assignment"
    summary = "Назначить исполнителя или поселение (переназначить)"
    roles = frozenset({R.MCU_HEAD, R.COORDINATOR, R.SUBORDINATE_COORDINATOR})
    executor_id: str | None = Field(default=None, description="Исполнитель")
    subordinate_id: str | None = Field(default=None, description="Поселение или учреждение")
    recipient_id: str | None = Field(default=None, description="Получатель (по умолчанию текущий)")


class Reroute(Command):
    name, path, summary = "reroute", "routing", "Направить другому получателю"
    roles = frozenset({R.MCU_HEAD, R.COORDINATOR})
    recipient_id: str = Field(description="Новый получатель")
    reason: FreeText() = Field(description="Почему направляется другому получателю")


class ReturnByExecutor(Command):
    name, path = "return_executor", "executor-return"
    summary = "Исполнитель возвращает ошибочно направленное (в день назначения)"
    roles = frozenset({R.EXECUTOR})
    reason: FreeText() = Field(description="Почему обращение направлено ошибочно")
    suggested_recipient_id: str | None = Field(default=None, description="Компетентный получатель")


class ReturnBySubordinate(Command):
    name, path = "return_subordinate", "subordinate-return"
    summary = "Поселение возвращает в администрацию"
    roles = frozenset({R.SUBORDINATE_COORDINATOR})
    reason: FreeText() = Field(description="Почему возвращается в администрацию")


class Dispute(Command):
    name, path, summary = "dispute", "dispute", "Разногласие — на решение руководителя МЦУ"
    roles = frozenset({R.COORDINATOR, R.SUBORDINATE_COORDINATOR, R.EXECUTOR})
    argument: FreeText() = Field(description="Обоснование: почему обращение не ваше")


class ResolveDispute(Command):
    name, path = "resolve_dispute", "dispute-resolution"
    summary = "Решение руководителя МЦУ (окончательное)"
    roles = frozenset({R.MCU_HEAD})
    recipient_id: str = Field(description="Компетентный получатель")
    decision: FreeText() = Field(description="Решение и его основание")


class Draft(Command):
    name, path, summary = "draft", "answer-draft", "Проект ответа"
    roles = frozenset({R.EXECUTOR})
    text: FreeText(20_000) = Field(description="Текст ответа заявителю")
    attachments: Count(ge=0, le=100) = Field(default=0, description="Число приложений")


class SendForApproval(Command):
    name, path = "send_for_approval", "approval-request"
    summary = "Направить ответ на согласование"
    roles = frozenset({R.EXECUTOR})
    approver_id: str | None = Field(default=None, description="Согласующий (по умолчанию —"
                                    " руководитель получателя)")


class Approve(Command):
    name, path, summary = "approve", "approval", "Согласовать ответ"
    roles = frozenset({R.APPROVER})


class ReturnForRework(Command):
    name, path, summary = "return_for_rework", "rework", "Вернуть ответ на доработку с критериями"
    roles = frozenset({R.APPROVER})
    criteria: list[ReworkCriterion] = Field(min_length=1, description="Что доработать")
    comment: FreeText() | None = Field(default=None, description="Комментарий исполнителю")


class Publish(Command):
    name, path, summary = "publish", "publication", "Направить ответ заявителю"
    roles = frozenset({R.APPROVER})


class Reclassify(Command):
    name, path = "reclassify", "classification"
    summary = "Уточнить классификацию: вид, тема, тематический блок, территория"
    roles = frozenset({R.MCU_HEAD, R.COORDINATOR})
    kind: Kind | None = Field(default=None, description="Вид обращения")
    topic: str | None = Field(default=None, min_length=1, max_length=300, description="Тема")
    thematic_block: str | None = Field(default=None, description="Тематический блок справочника")
    territory: str | None = Field(default=None, min_length=1, max_length=300,
                                  description="Территория")
    reason: FreeText() = Field(description="Почему классификация меняется")


class MarkRepeat(Command):
    name, path = "mark_repeat", "repeat"
    summary = "Отметить как повторное (повтор более раннего обращения)"
    roles = frozenset({R.MCU_HEAD, R.COORDINATOR})
    repeat_of: UUID = Field(description="Более раннее обращение (номер)")
    reason: FreeText() = Field(description="Почему это повтор")


class Postpone(Command):
    name, path, summary = "postpone", "postponement", "Отложить с причиной и датой"
    roles = frozenset({R.MCU_HEAD, R.COORDINATOR, R.APPROVER})
    reason: FreeText() = Field(description="Причина")
    until: date = Field(description="Отложить до")


class Transfer(Command):
    name, path = "transfer", "transfer"
    summary = "Передать в другой орган (вне муниципалитета)"
    roles = frozenset({R.MCU_HEAD, R.COORDINATOR})
    authority: str = Field(min_length=1, max_length=500, description="Орган, в который передаётся")
    reason: FreeText() = Field(description="Почему вопрос не в компетенции муниципалитета")


class LeaveWithoutAnswer(Command):
    name, path, summary = "leave_without_answer", "no-answer", "Оставить без ответа по закону"
    roles = frozenset({R.MCU_HEAD, R.COORDINATOR})
    legal_ground: FreeText() = Field(description="Основание по закону (ст. 11 59-ФЗ)")


class Rate(Command):
    name, path, summary = "rate", "rating", "Оценка заявителя (отрицательная переоткрывает)"
    roles = frozenset({R.APPLICANT})
    score: Count(ge=1, le=5) = Field(description="Оценка от 1 до 5")
    comment: FreeText() | None = Field(default=None, description="Комментарий заявителя")


class Reopen(Command):
    name, path, summary = "reopen", "reopening", "Переоткрыть обращение"
    roles = frozenset({R.MCU_HEAD, R.COORDINATOR})
    reason: FreeText() = Field(description="Почему обращение переоткрывается")


COMMANDS: tuple[type[Command], ...] = (
    Assign, Reroute, ReturnByExecutor, ReturnBySubordinate, Dispute, ResolveDispute, Draft,
    SendForApproval, Approve, ReturnForRework, Publish, Reclassify, MarkRepeat, Postpone,
    Transfer, LeaveWithoutAnswer, Rate, Reopen)
BY_NAME: dict[str, type[Command]] = {c.name: c for c in COMMANDS}

# who may read an appeal's state and history (within their reach)
VIEWERS = frozenset({R.MCU_HEAD, R.COORDINATOR, R.SUBORDINATE_COORDINATOR, R.EXECUTOR,
                     R.APPROVER, R.AUDITOR, R.ANALYST, R.BLOCK_CURATOR, R.DEADLINE_CONTROLLER,
                     R.REGIONAL_CURATOR, R.REGIONAL_AUDITOR, R.REGIONAL_ANALYST})
