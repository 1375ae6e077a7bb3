"""What the responsible people are told, in Russian (pure: event + context -> message)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

STAGE_RU = {"answer": "ответа", "first_reaction": "первой реакции", "registration": "регистрации",
            "forwarding": "переадресации"}
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


def _when(value: str, zone: ZoneInfo) -> str:
    return datetime.fromisoformat(value).astimezone(zone).strftime("%d.%m.%Y %H:%M")


def _about(ctx: AppealContext) -> str:
    return (f"Обращение: {ctx.appeal_id}\nТема: {ctx.topic or 'не определена'}\n"
            f"Отраслевой блок: {ctx.thematic_block or 'не определён'}\n")


def notice_for(event_type: str, payload: dict, ctx: AppealContext, zone: ZoneInfo,
               fallback: str | None) -> Notice | None:
    """The notice an SLA event calls for, or None if the event needs no mail."""
    stage = STAGE_RU.get(payload.get("stage", ""), payload.get("stage", ""))
    if event_type == "DeadlineReminderIssued":
        due = _when(payload["due_at"], zone)
        to = tuple(payload.get("recipients") or ()) or ((fallback,) if fallback else ())
        return Notice(to, f"Напоминание: срок {stage} истекает {due}",
                      f"{_about(ctx)}Срок {stage}: {due} (до срока {payload['remind_before']}).\n\n"
                      "Что сделать: подготовьте проект ответа и направьте его на согласование "
                      "до истечения срока. Если срок нельзя соблюсти, оформите продление с "
                      "указанием причины (для обращений по 59-ФЗ — не более одного раза).\n")
    if event_type == "DeadlineBreached":
        due = _when(payload["due_at"], zone)
        to = tuple(p for p in (ctx.executor, ctx.approver) if p) or ((fallback,) if fallback else ())
        return Notice(to, f"Просрочено: срок {stage} истёк {due}",
                      f"{_about(ctx)}Срок {stage} истёк {due}, ответ не направлен.\n\n"
                      "Что сделать: направьте ответ заявителю немедленно и сообщите причину "
                      "нарушения срока руководителю. Обращение будет эскалировано по цепочке.\n")
    if event_type == "AppealEscalated":
        role = ROLE_RU.get(payload["to_role"], payload["to_role"])
        hours = payload["overdue_seconds"] // 3600
        to = (payload["to_person_id"],) if payload.get("to_person_id") else (
            (fallback,) if fallback else ())
        return Notice(to, f"Эскалация (уровень {payload['level']}): просрочка {hours} ч",
                      f"{_about(ctx)}Исполнитель: {ctx.executor or 'не назначен'}\n"
                      f"Просрочка срока {stage}: {hours} ч.\n"
                      f"Вы получили это письмо как {role}.\n\n"
                      "Что сделать: возьмите обращение на контроль, добейтесь ответа заявителю "
                      "и примите меры к ответственным.\n")
    return None
