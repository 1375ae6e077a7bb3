"""What people read on the console's pages: names instead of ids, times in the
municipality's zone in Russian format, an appeal's history as a timeline. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from contracts.catalog import CATALOG
from contracts.vocabulary import (CHANNEL_RU, CRITERION_RU, KIND_RU, NOTICE_RU, ROLE_RU, Channel,
                                 Kind, Notice, Role)

MONTHS = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
          "сентября", "октября", "ноября", "декабря")
# what of an event's payload says why, in the order it is shown
WHY_FIELDS = {"reason": "причина", "rule_id": "правило", "rule_version": "редакция правил",
              "argument": "обоснование", "decision": "решение", "legal_ground": "основание",
              "authority": "орган", "comment": "комментарий", "basis": "основание срока",
              "policy_id": "правило сроков", "registration_number": "регистрационный номер"}


def local_time(moment: str | datetime | None, zone: str, with_year: bool = True) -> str:
    """«2 декабря 2026, 14:05» in the municipality's zone."""
    if not moment:
        return ""
    at = moment if isinstance(moment, datetime) else datetime.fromisoformat(moment)
    at = at.astimezone(ZoneInfo(zone))
    year = f" {at.year}" if with_year else ""
    return f"{at.day} {MONTHS[at.month - 1]}{year}, {at:%H:%M}"


def kind_ru(kind: str) -> str:
    return KIND_RU.get(Kind(kind), kind) if kind in Kind._value2member_map_ else kind


def what_ru(what: str) -> str:
    """What goes to the applicant: the answer, or a 59-ФЗ notice, in Russian."""
    try:
        return "ответ" if what == "answer" else NOTICE_RU[Notice(what)]
    except ValueError:
        return what


def channel_ru(channel: str) -> str:
    return CHANNEL_RU[Channel(channel)] if channel in Channel._value2member_map_ else channel


def role_ru(role: str) -> str:
    return ROLE_RU[Role(role)] if role in Role._value2member_map_ else role


@dataclass(frozen=True)
class Names:
    """Ids of a municipality's directory by name."""

    people: dict[str, str]
    organizations: dict[str, str]
    blocks: dict[str, str]

    @classmethod
    def of(cls, directory: dict) -> Names:
        return cls({p["id"]: p["name"] for p in directory.get("people", ())},
                   {o["id"]: o["name"] for o in directory.get("organizations", ())},
                   {b["id"]: b["name"] for b in directory.get("blocks", ())})

    def person(self, pid: str | None) -> str:
        return self.people.get(pid or "", pid or "")

    def org(self, oid: str | None) -> str:
        return self.organizations.get(oid or "", oid or "")

    def block(self, bid: str | None) -> str:
        return self.blocks.get(bid or "", bid or "")


@dataclass(frozen=True)
class Step:
    at: str  # local, Russian
    at_utc: str
    what: str
    who: str
    role: str
    details: tuple[str, ...]


# the platform's own components as people read them in a history (their ids elsewhere)
SYSTEM_RU = {"routing/autorules": "автоправила", "sla": "контроль сроков",
             "intake/email-delivery": "доставка ответов по e-mail",  # before 1.3.0
             "intake/answer-delivery": "доставка ответов заявителям",
             "intake/open311": "Open311", "intake/rating-page": "страница оценки ответа"}


def timeline(history: list[dict], names: Names, zone: str) -> list[Step]:
    """Routing's history of the appeal as people read it: what, who in which role, when
    (local and UTC), and why."""
    steps = []
    for event in history:
        spec = CATALOG.get(event["event_type"])
        actor = event.get("actor") or {}
        pid = actor.get("id", "")
        who = SYSTEM_RU.get(pid, pid) if actor.get("role") == "system" or pid in SYSTEM_RU \
            else names.person(pid)
        what = spec.title_ru if spec else event["event_type"]
        steps.append(Step(local_time(event["at"], zone), event["at"], what, who,
                          role_ru(actor.get("role", "")),
                          tuple(_details(event.get("payload") or {}, names, zone))))
    return steps


def _delivery(payload: dict, zone: str) -> list[str]:
    """The answer's way to the applicant: the channel, what marks the delivery there,
    the attempt and when it is tried again (an operator's, if never)."""
    if "channel" not in payload or "attempt" not in payload:
        return []
    lines = [f"канал: {channel_ru(payload['channel'])}", f"попытка: {payload['attempt']}"]
    if payload.get("notice"):
        lines.insert(0, what_ru(payload["notice"]))
    if payload.get("reference"):
        lines.append(f"отметка доставки: {payload['reference']}")
    if "retry_at" in payload:
        lines.append(f"повтор: {local_time(payload['retry_at'], zone)}" if payload["retry_at"]
                     else "повтора не будет: решает оператор")
    return lines


PEOPLE_FIELDS = ("executor_id", "approver_id")  # the rest of the ids name organisations


def _details(payload: dict, names: Names, zone: str) -> list[str]:
    lines = _delivery(payload, zone)
    for key, label in (("recipient_id", "получатель"), ("executor_id", "исполнитель"),
                       ("subordinate_recipient_id", "поселение или учреждение"),
                       ("suggested_recipient_id", "предложен получатель"),
                       ("decided_recipient_id", "решено: получатель"),
                       ("approver_id", "согласующий")):
        value = payload.get(key)
        if value:
            named = names.person(value) if key in PEOPLE_FIELDS else names.org(value)
            lines.append(f"{label}: {named}")
    for key, label in WHY_FIELDS.items():
        if payload.get(key) not in (None, ""):
            lines.append(f"{label}: {payload[key]}")
    if payload.get("criteria"):
        lines.append("критерии: " + "; ".join(CRITERION_RU.get(c, c) for c in payload["criteria"]))
    if payload.get("score") is not None:
        lines.append(f"оценка: {payload['score']}")
    if payload.get("text"):
        lines.append(f"текст: {payload['text']}")
    return lines
