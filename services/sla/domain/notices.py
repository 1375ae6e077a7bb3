"""What the responsible people are told, in Russian (pure: event + context -> message)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from contracts.envelope import Contract
from contracts.events import deadlines as ev

STAGE_RU = {"answer": "ответа", "first_reaction": "первой реакции", "registration": "регистрации",
            "forwarding": "переадресации", "registration_notice": "уведомления о регистрации",
            "forwarding_notice": "уведомления о переадресации",
            "extension_notice": "уведомления о продлении"}
ROLE_RU = {"executor": "исполнитель", "approver": "руководитель (согласующий)",
           "block_curator": "куратор отраслевого блока", "mcu_head": "руководитель МЦУ"}


@dataclass(frozen=True)
class Notice:
    to: tuple[str, ...]  # person ids
    subject: str
    body: str


@dataclass(frozen=True)
class AppealContext:
    appeal_id: str
    topic: str | None
    thematic_block: str | None
    executor: str | None
    approver: str | None


def _when(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%d.%m.%Y %H:%M")


def _about(ctx: AppealContext) -> str:
    return (f"Обращение: {ctx.appeal_id}\nТема: {ctx.topic or 'не определена'}\n"
            f"Отраслевой блок: {ctx.thematic_block or 'не определён'}\n")


def notice_for(event: Contract, ctx: AppealContext, zone: ZoneInfo,
               fallback: str | None) -> Notice | None:
    """The notice an SLA event calls for, or None if the event needs no mail."""
    stage = STAGE_RU.get(str(getattr(event, "stage", "")), str(getattr(event, "stage", "")))
    anyone = (fallback,) if fallback else ()
    match event:
        case ev.DeadlineReminderIssued():
            due = _when(event.due_at, zone)
            return Notice(tuple(event.recipients) or anyone,
                          f"Напоминание: срок {stage} истекает {due}",
                          f"{_about(ctx)}Срок {stage}: {due} (до срока {event.remind_before}).\n\n"
                          "Что сделать: подготовьте проект ответа и направьте его на согласование "
                          "до истечения срока. Если срок нельзя соблюсти, оформите продление с "
                          "указанием причины (для обращений по 59-ФЗ — не более одного раза).\n")
        case ev.DeadlineBreached():
            due = _when(event.due_at, zone)
            return Notice(tuple(p for p in (ctx.executor, ctx.approver) if p) or anyone,
                          f"Просрочено: срок {stage} истёк {due}",
                          f"{_about(ctx)}Срок {stage} истёк {due}, ответ не направлен.\n\n"
                          "Что сделать: направьте ответ заявителю немедленно и сообщите причину "
                          "нарушения срока руководителю. Обращение будет эскалировано по цепочке.\n")
        case ev.AppealEscalated():
            role = ROLE_RU.get(event.to_role.value, event.to_role.value)
            hours = event.overdue_seconds // 3600
            return Notice((event.to_person_id,) if event.to_person_id else anyone,
                          f"Эскалация (уровень {event.level}): просрочка {hours} ч",
                          f"{_about(ctx)}Исполнитель: {ctx.executor or 'не назначен'}\n"
                          f"Просрочка срока {stage}: {hours} ч.\n"
                          f"Вы получили это письмо как {role}.\n\n"
                          "Что сделать: возьмите обращение на контроль, добейтесь ответа заявителю "
                          "и примите меры к ответственным.\n")
    return None
