"""What an auditor reads of one appeal, in Russian, with names instead of ids and local
times beside UTC: the verified timeline, the state at the chosen moment, the decisions
re-checked, the checkpoints it was verified against. One model for the terminal, the JSON
door, the HTML and the PDF dossier (adapters.dossier_*)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from contracts.catalog import CATALOG
from contracts.vocabulary import (CHANNEL_RU, CLOSING_RU, KIND_RU, ROLE_RU, STAGE_RU, STATUS_RU,
                                  AppealStatus, Channel, Kind, Role)
from services.audit.domain.checkpoint import Checkpoint
from services.audit.domain.rechecks import RULE_RU, Recheck
from services.audit.domain.replay import Step
from services.audit.domain.state import AppealState, Event

ROLES = frozenset(r.value for r in Role)
STANDING_RU = {"in_time": "идёт, в срок", "met": "исполнен в срок",
               "late": "исполнен с нарушением срока", "overdue": "просрочен",
               "paused": "приостановлен"}


@dataclass(frozen=True)
class AppealAudit:
    """One appeal audited: its events from the log, each proven or flagged; the state at
    the chosen moment; the decisions re-checked; the checkpoints used."""

    appeal_id: str
    municipality: str | None
    at: datetime
    steps: tuple[Step, ...]
    state: AppealState
    rechecks: tuple[Recheck, ...]
    checkpoints: tuple[Checkpoint, ...]  # the latest valid one of each partition involved

    @property
    def verified(self) -> bool:
        """Every event of the log proven under a signed checkpoint."""
        return all(s.proven for s in self.steps)

    @property
    def complete(self) -> bool:
        """No event of a producer left out of the log (as far as `previous_seq` tells)."""
        return not any(r.rule == "complete_history" for r in self.rechecks)

    @property
    def consistent(self) -> bool:
        """No decision found to differ (one that could not be recomputed is not)."""
        return all(r.consistent is not False for r in self.rechecks)


@dataclass(frozen=True)
class Names:
    """How the reader's municipality names its people and organisations."""

    municipality: str
    zone: ZoneInfo
    person: Callable[[str], str | None]  # id → «Фамилия И. О., должность», None: unknown
    organization: Callable[[str], str | None]

    def who(self, person_id: str | None) -> str:
        return (self.person(person_id) or person_id) if person_id else "—"

    def org(self, org_id: str | None) -> str:
        return (self.organization(org_id) or org_id) if org_id else "—"

    def local(self, moment: datetime | None) -> str:
        return moment.astimezone(self.zone).strftime("%d.%m.%Y %H:%M") if moment else "—"


@dataclass(frozen=True)
class Line:
    """One event of the timeline."""

    proven: bool
    problem: str | None
    utc: str
    local: str
    what: str
    who: str
    role: str
    details: str
    place: str  # «раздел 3, смещение 1042»
    event_type: str


@dataclass(frozen=True)
class Dossier:
    appeal_id: str
    title: str  # «Обращение ОГ-00007/2026» or its id
    municipality: str
    zone: str
    at_local: str
    at_utc: str
    verified: bool
    verdict: str
    lines: tuple[Line, ...]
    state: tuple[tuple[str, str], ...]
    deadlines: tuple[tuple[str, str, str], ...]  # stage, due (local), standing
    rechecks: tuple[tuple[str, str, bool | None, str], ...]  # rule, when, consistent, detail
    checkpoints: tuple[tuple[str, str, str, str, str], ...]  # origin, size, root, time, key


def dossier(audit: AppealAudit, names: Names) -> Dossier:
    lines = tuple(_line(step, names) for step in audit.steps)
    s = audit.state
    bad = [line for line in lines if not line.proven]
    inconsistent = [r for r in audit.rechecks if r.consistent is False]
    unchecked = [r for r in audit.rechecks if r.consistent is None]
    checked = len(audit.rechecks) - len(unchecked)
    verdict = (f"Событий в журнале: {len(lines)}; подтверждены подписанными контрольными "
               f"точками: {len(lines) - len(bad)}"
               + (f"; не подтверждены или изменены: {len(bad)}" if bad else "")
               + ("" if audit.complete else ". История неполна: в журнале пропущено "
                  f"событий: {sum(r.rule == 'complete_history' for r in audit.rechecks)}")
               + f". Решений перепроверено: {checked}"
               + (f", с расхождением: {len(inconsistent)}" if inconsistent else
                  ", все согласуются с журналом" if checked else "")
               + (f"; не удалось пересчитать: {len(unchecked)}" if unchecked else "") + ".")
    return Dossier(
        appeal_id=audit.appeal_id,
        title=_title(audit),
        municipality=names.municipality, zone=str(names.zone),
        at_local=names.local(audit.at), at_utc=_utc(audit.at),
        verified=audit.verified and not inconsistent, verdict=verdict, lines=lines,
        state=_state(s, names),
        deadlines=tuple((STAGE_RU.get(c.stage, c.stage.value), names.local(c.due_at),
                         STANDING_RU[c.standing(audit.at)]
                         + (f", продлён {c.extensions} раз" if c.extensions else ""))
                        for c in s.deadlines.values()),
        rechecks=tuple((RULE_RU[r.rule], names.local(r.at), r.consistent, r.detail)
                       for r in audit.rechecks),
        checkpoints=tuple((c.origin, str(c.size), base64.b64encode(c.root).decode(),
                           _utc(c.time), c.key) for c in audit.checkpoints))


def _title(audit: AppealAudit) -> str:
    """By the registration number; else by the channel's number; else by the id."""
    s = audit.state
    if s.registration_number:
        return f"Обращение рег. № {s.registration_number}"
    if s.external_id and s.channel:
        return f"Обращение № {s.external_id} ({CHANNEL_RU[Channel(s.channel)]})"
    return f"Обращение {audit.appeal_id}"


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _state(s: AppealState, names: Names) -> tuple[tuple[str, str], ...]:
    rows = [("Состояние", STATUS_RU[s.status] if isinstance(s.status, AppealStatus) else
             "ещё не зарегистрировано"),
            ("Событий к этому моменту", str(s.events))]
    if s.registration_number:
        rows.append(("Регистрационный номер", s.registration_number))
    if s.kind:
        rows.append(("Вид", KIND_RU[Kind(s.kind)]))
    if s.channel:
        rows.append(("Канал", CHANNEL_RU[Channel(s.channel)]))
    if s.received_at:
        rows.append(("Поступило", names.local(s.received_at)))
    rows.append(("Получатель", names.org(s.recipient_id)))
    if s.subordinate_id:
        rows.append(("Передано в", names.org(s.subordinate_id)))
    rows.append(("Исполнитель", names.who(s.executor_id)))
    for until, reason in s.postponements:
        rows.append(("Отложено", f"до {until:%d.%m.%Y}: {reason}"))
    if s.reopenings:
        rows.append(("Переоткрывалось", f"{s.reopenings} раз"))
    if s.answered_at:
        rows.append(("Ответ опубликован", names.local(s.answered_at)))
    if s.delivered_at:
        rows.append(("Ответ доведён до заявителя", names.local(s.delivered_at)))
    if s.rating is not None:
        rows.append(("Оценка заявителя", f"{s.rating} из 5" + (
            "" if s.satisfied is None else "; удовлетворён" if s.satisfied
            else "; не удовлетворён")))
    return tuple(rows)


def _line(step: Step, names: Names) -> Line:
    place = f"раздел {step.partition}, смещение {step.offset}"
    if step.envelope is None:
        return Line(False, step.problem or "запись не читается", "—", "—",
                    "запись отсутствует или не читается", "—", "—", "", place, "")
    e = Event.of(step.envelope)
    spec = CATALOG.get(e.event_type)
    role = ROLE_RU.get(Role(e.actor_role), e.actor_role) if e.actor_role in ROLES else \
        e.actor_role
    system = e.actor_role == Role.SYSTEM
    return Line(step.proven, step.problem, _utc(e.occurred_at), names.local(e.occurred_at),
                spec.title_ru if spec else e.event_type,
                f"система ({e.actor_id})" if system else names.who(e.actor_id),
                "" if system else role,
                _details(e, names), place, e.event_type)


def _details(e: Event, names: Names) -> str:
    """What the event says, and why, as a person reads it."""
    p = e.payload
    if p is None:
        return ""
    found: list[str] = []
    match e.event_type:
        case "AppealRegistered":
            found.append(f"{KIND_RU[p.kind]}, {CHANNEL_RU[p.channel]}")
        case "AppealNumbered":
            found.append(f"№ {p.registration_number}")
        case "AppealRouted":
            found.append(f"получатель: {names.org(p.recipient_id)}")
            if p.rule_id:
                found.append(f"автоправило {p.rule_id}"
                             + (f", редакция {p.rule_version}" if p.rule_version else ""))
        case "AppealAssigned":
            found.append(f"исполнитель: {names.who(p.executor_id)}" if p.executor_id else
                         f"передано в {names.org(p.subordinate_recipient_id)}")
        case "DeadlineSet" | "DeadlineExtended" | "DeadlineResumed" | "DeadlineBreached":
            found.append(f"«{STAGE_RU.get(p.stage, p.stage.value)}»: срок "
                         f"{names.local(p.due_at)}")
        case "DeadlineReminderIssued":
            found.append(f"«{STAGE_RU.get(p.stage, p.stage.value)}»: срок "
                         f"{names.local(p.due_at)}, напоминание за {p.remind_before}")
        case "DeadlinePaused":
            found.append(f"«{STAGE_RU.get(p.stage, p.stage.value)}» приостановлен")
        case "DeadlineStopped":
            found.append(f"«{STAGE_RU.get(p.stage, p.stage.value)}»: "
                         + ("в срок" if p.met else "с нарушением срока"))
        case "AppealEscalated":
            found.append(f"«{STAGE_RU.get(p.stage, p.stage.value)}»: уровень {p.level}, кому: "
                         + (names.who(p.to_person_id) if p.to_person_id
                            else f"роль «{ROLE_RU[p.to_role]}»"))
        case "AnswerApproved" | "AnswerReturnedForRework":
            found.append(f"согласующий: {names.who(p.approver_id)}")
        case "AnswerDelivered" | "NoticeDelivered":
            way = CHANNEL_RU[p.channel]
            found.append(p.reference if p.reference.startswith(way) else
                         f"{way}: {p.reference}")
            if p.dispatched_at:
                found.append(f"отправлено {names.local(p.dispatched_at)}")
        case "AppealRated":
            found.append(f"оценка {p.score} из 5")
        case "AppealClosed":
            found.append(f"причина: {CLOSING_RU[p.reason]}")
    for field, label in (("reason", "причина"), ("basis", "основание"),
                         ("policy_id", "правило сроков"), ("authority", "орган"),
                         ("legal_ground", "основание"), ("comment", "комментарий"),
                         ("decision", "решение"), ("argument", "довод")):
        value = getattr(p, field, None)
        if value not in (None, "") and not (field == "reason" and e.event_type in (
                "AppealRated", "AppealClosed")):
            found.append(f"{label}: {getattr(value, 'value', value)}")
    return "; ".join(found)


def machine(audit: AppealAudit) -> dict:
    """The audit for programs (the JSON door, `--json`): ids and UTC, nothing named."""
    s = audit.state
    return {
        "appeal_id": audit.appeal_id, "municipality": audit.municipality,
        "at": audit.at.isoformat(), "verified": audit.verified,
        "complete": audit.complete, "consistent": audit.consistent,
        "events": [{"partition": x.partition, "offset": x.offset, "proven": x.proven,
                    "problem": x.problem, "envelope": x.envelope} for x in audit.steps],
        "state": {
            "status": s.status.value if s.status else None, "events": s.events,
            "registration_number": s.registration_number, "kind": s.kind,
            "channel": s.channel, "recipient_id": s.recipient_id,
            "executor_id": s.executor_id, "subordinate_id": s.subordinate_id,
            "deadlines": [{"stage": c.stage.value, "due_at": c.due_at.isoformat(),
                           "standing": c.standing(audit.at), "extensions": c.extensions}
                          for c in s.deadlines.values()],
            "postponements": [{"until": u.isoformat(), "reason": r}
                              for u, r in s.postponements],
            "reopenings": s.reopenings,
            "answered_at": s.answered_at.isoformat() if s.answered_at else None,
            "delivered_at": s.delivered_at.isoformat() if s.delivered_at else None,
            "rating": s.rating, "satisfied": s.satisfied},
        "rechecks": [{"rule": r.rule, "event_id": r.event_id, "at": r.at.isoformat(),
                      "consistent": r.consistent, "detail": r.detail}
                     for r in audit.rechecks],
        "checkpoints": [{"origin": c.origin, "size": c.size,
                         "root": base64.b64encode(c.root).decode(),
                         "time": c.time.isoformat(), "key": c.key}
                        for c in audit.checkpoints]}
