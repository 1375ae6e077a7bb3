"""The letter that takes the log's witness outside the system: each week the MCU heads and
the region's staff get the value (SHA-256 over every partition's latest signed checkpoint)
and the checkpoints themselves, so that nobody with administrator rights can later rewrite
the log and the audit service's checkpoints together without the letters contradicting
them."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from services.audit.domain.checkpoint import Checkpoint, witness_digest

WEEK_ZONE = ZoneInfo("Europe/Moscow")  # the week a witness closes ends at Monday 00:00 МСК


def week_end(day: date) -> datetime:
    """The Monday 00:00 (Moscow) that ends the ISO week before `day`'s week."""
    monday = day - timedelta(days=day.weekday())
    return datetime.combine(monday, datetime.min.time(), WEEK_ZONE)


def letter(checkpoints: list[Checkpoint], until: datetime) -> tuple[str, str]:
    """Subject and body (Russian) of the witness letter."""
    digest = witness_digest(checkpoints)
    records = sum(c.size for c in checkpoints)
    week = (until - timedelta(days=1)).isocalendar()
    subject = f"Отпечаток журнала обращений за {week.year}-W{week.week:02d}: {digest[:17]}"
    body = "\n".join([
        "Здравствуйте.",
        "",
        f"Служба аудита МЦУ заверяет журнал обращений на {until:%d.%m.%Y %H:%M} "
        f"(UTC{until.strftime('%z')[:3]}).",
        "",
        f"Отпечаток журнала: {digest}",
        f"Записей под подписанными контрольными точками: {records}; разделов: "
        f"{len(checkpoints)}.",
        "",
        "Сохраните это письмо, не пересылая его в систему МЦУ. Отпечаток печатается и в "
        "еженедельной аналитической записке. Если когда-нибудь журнал или контрольные точки "
        "перепишут, пересчитанный из них отпечаток перестанет совпадать с этим письмом.",
        "",
        "Как проверить: GET /api/v1/audit/witness?until=" + until.isoformat()
        + " у службы аудита даёт тот же отпечаток и контрольные точки ниже; каждая "
        "проверяется открытым ключом (GET /api/v1/audit/keys); mcu audit verify сверяет с "
        "ними весь журнал.",
        "",
        "Контрольные точки (формат mcu-audit-checkpoint/1, подпись Ed25519):",
        "",
        *[c.text() for c in sorted(checkpoints, key=lambda c: c.origin)],
    ])
    return subject, body
