"""Decisions of an appeal's history re-checked from the log alone: the same-day return rule,
each deadline's stop (met or late) against the due moment in force when it stopped, each
breach against its due moment. Each is consistent or says the difference, in Russian."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from contracts.vocabulary import STAGE_RU, UNIT_RU, ReturnedBy
from services.audit.domain.state import Event

RULE_RU = {"one_history": "одна история: каждое событие службы — одно",
           "autorule": "решение автоправил пересчитано по их редакции",
           "deadline_term": "срок пересчитан по правилу и редакции календаря",
           "complete_history": "полнота: нет пропущенных событий",
           "same_day_return": "возврат исполнителем — только в день назначения",
           "deadline_stop": "срок остановлен в срок или с опозданием",
           "deadline_breach": "нарушение срока — не раньше срока"}


@dataclass(frozen=True)
class Recheck:
    rule: str  # RULE_RU's key
    event_id: str
    at: datetime
    consistent: bool | None  # None: the owner could not recompute it (said in `detail`)
    detail: str  # what was found, in Russian


def rewritten(events: Sequence[Event], envelopes: Sequence[dict], zone: ZoneInfo
              ) -> list[Recheck]:
    """An event number a producer published twice with different content: its history
    was written again (its store replaced or rewritten). The same event published again
    (after a crash, at-least-once) is not a finding. `envelopes` as decoded, in step with
    `events`."""
    first: dict[tuple[str, int], dict] = {}
    found = []
    for event, envelope in zip(events, envelopes):
        key = (event.producer, event.seq)
        if key not in first:
            first[key] = envelope
        elif envelope != first[key]:
            was = Event.of(first[key])
            found.append(Recheck(
                "one_history", event.event_id, event.occurred_at, False,
                f"служба «{event.producer}» выпустила событие № {event.seq} повторно и иначе: "
                f"было «{was.event_type}» от {_local(was.occurred_at, zone)}, стало "
                f"«{event.event_type}» от {_local(event.occurred_at, zone)} (история записана"
                " заново: хранилище службы пересоздано или изменено); учтено первое"))
    return found


def left_out(events: Sequence[Event], zone: ZoneInfo) -> list[Recheck]:
    """Each event whose `previous_seq` names an event of its producer the log does not
    have: one left out (never published, or removed before the audit service saw it).
    Events written before contracts 1.4.0 say nothing and are not judged; an event left
    out after the last one cannot be told until the next arrives."""
    seen = {(e.producer, e.seq) for e in events}
    found = []
    for e in events:
        if e.previous_seq and (e.producer, e.previous_seq) not in seen:
            found.append(Recheck(
                "complete_history", e.event_id, e.occurred_at, False,
                f"в журнале нет события № {e.previous_seq} службы «{e.producer}», "
                f"предшествующего событию № {e.seq} «{e.event_type}» от "
                f"{_local(e.occurred_at, zone)}: история неполна"))
    return found


def recheck(events: Sequence[Event], zone: ZoneInfo) -> list[Recheck]:
    """Every decision of these kinds in the history, in log order (each event once)."""
    found: list[Recheck] = []
    assigned_at: datetime | None = None
    due: dict[str, datetime] = {}
    by_id = {e.event_id: e for e in events}
    for e in events:
        p = e.payload
        if p is None:
            continue
        match e.event_type:
            case "AppealAssigned":
                assigned_at = e.occurred_at
            case "AppealReturned" if p.returned_by is ReturnedBy.EXECUTOR:
                found.append(_same_day(e, assigned_at, zone))
            case "DeadlineSet" | "DeadlineExtended" | "DeadlineResumed":
                due[p.stage.value] = p.due_at
            case "DeadlineStopped" if p.stage.value in due:
                found.append(_stop(e, due[p.stage.value], by_id.get(e.causation_id or ""),
                                   zone))
            case "DeadlineBreached":
                found.append(_breach(e, p.due_at, zone))
    return found


def _local(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%d.%m.%Y %H:%M")


def _same_day(e: Event, assigned_at: datetime | None, zone: ZoneInfo) -> Recheck:
    if assigned_at is None:
        return Recheck("same_day_return", e.event_id, e.occurred_at, False,
                       "возврат без назначения исполнителю в истории")
    same = assigned_at.astimezone(zone).date() == e.occurred_at.astimezone(zone).date()
    return Recheck("same_day_return", e.event_id, e.occurred_at, same,
                   f"назначено {_local(assigned_at, zone)}, возвращено "
                   f"{_local(e.occurred_at, zone)}" + ("" if same else ": не в тот же день"))


def _stop(e: Event, due_at: datetime, cause: Event | None, zone: ZoneInfo) -> Recheck:
    # a delivered letter meets its term by the posting day, recorded later (contracts 1.3.0)
    moment = getattr(cause.payload, "dispatched_at", None) if cause else None
    moment = moment or e.occurred_at
    met = moment <= due_at
    stage = STAGE_RU.get(e.payload.stage, e.payload.stage.value)
    said = "в срок" if e.payload.met else "с опозданием"
    detail = (f"«{stage}»: срок {_local(due_at, zone)}, исполнено {_local(moment, zone)}; "
              f"служба сроков: {said}")
    if met != e.payload.met:
        detail += f", по журналу — {'в срок' if met else 'с опозданием'}"
    return Recheck("deadline_stop", e.event_id, e.occurred_at, met == e.payload.met, detail)


def _breach(e: Event, due_at: datetime, zone: ZoneInfo) -> Recheck:
    stage = STAGE_RU.get(e.payload.stage, e.payload.stage.value)
    ok = e.occurred_at >= due_at
    return Recheck("deadline_breach", e.event_id, e.occurred_at, ok,
                   f"«{stage}»: срок {_local(due_at, zone)}, нарушение отмечено "
                   f"{_local(e.occurred_at, zone)}" + ("" if ok else ": раньше срока"))


def deadline_terms(events: Sequence[Event], answers: dict[str, dict | None], zone: ZoneInfo
                   ) -> list[Recheck]:
    """The SLA service's recomputation of each DeadlineSet (services.audit.adapters.
    sla_recheck) as findings: the named calendar revision gives the same moment or not;
    a different moment under today's calendar is said as «календарь изменён после», which
    is no fault of the deadline."""
    found = []
    for e in events:
        if e.event_id not in answers:
            continue
        answer, p = answers[e.event_id], e.payload
        stage = STAGE_RU.get(p.stage, p.stage.value)
        head = (f"«{stage}»: {p.term.amount} {UNIT_RU[p.term.unit]} от "
                f"{_local(p.counted_from, zone)}, срок {_local(p.due_at, zone)}")
        if answer is None:
            found.append(Recheck("deadline_term", e.event_id, e.occurred_at, None,
                                 head + "; служба сроков не ответила — не пересчитан"))
            continue
        if not answer["revision_known"]:
            found.append(Recheck("deadline_term", e.event_id, e.occurred_at, None,
                                 head + f"; редакции календаря {p.calendar_revision} служба "
                                 "сроков не хранит — не пересчитан"))
            continue
        recomputed = datetime.fromisoformat(answer["recomputed_due_at"])
        policy = ""
        if answer.get("policy_revision_known"):
            policy = (f"; правило «{p.policy_id}» в редакции политики {p.policy_revision}: "
                      + ("тот же срок" if answer["term_consistent"] else
                         f"{answer['policy_term']} — не тот срок, что в событии"))
        elif answer.get("policy_revision_known") is False:
            policy = f"; редакции политики {p.policy_revision} служба сроков не хранит"
        detail = head + policy + f"; по редакции календаря {p.calendar_revision}: " + (
            "тот же срок" if answer["consistent"] else
            f"{_local(recomputed, zone)} — срок не следует из правила и календаря")
        if answer["calendar_changed_since"]:
            now_due = datetime.fromisoformat(answer["due_at_with_current_calendar"])
            detail += ("; календарь изменён после (действующая редакция "
                       f"{answer['current_calendar_revision']}"
                       + (f": по ней срок был бы {_local(now_due, zone)})"
                          if now_due != recomputed else ": срок тот же)"))
        found.append(Recheck("deadline_term", e.event_id, e.occurred_at,
                             bool(answer["consistent"])
                             and answer.get("term_consistent") is not False, detail))
    return found


def autorule_decisions(events: Sequence[Event], answers: dict[str, dict | None],
                       zone: ZoneInfo, org=lambda org_id: org_id) -> list[Recheck]:
    """Routing's recomputation of each autorules decision as findings: the revision named
    gives the same recipient and rule, or the difference. `org(id)`: its name."""
    found = []

    def name(org_id: str | None) -> str:
        return (org(org_id) or org_id) if org_id else "—"

    for e in events:
        if e.event_id not in answers:
            continue
        answer, p = answers[e.event_id], e.payload
        head = (f"редакция {p.rule_version}: в журнале получатель «{name(p.recipient_id)}»"
                + (f" по правилу «{p.rule_id}»" if p.rule_id else " (правило не подошло)"))
        if answer is None:
            found.append(Recheck("autorule", e.event_id, e.occurred_at, None, head + "; "
                                 "не пересчитано: служба маршрутизации не спрошена (нужен "
                                 "токен аудитора этого муниципалитета) или не ответила"))
        elif not answer["revision_known"]:
            found.append(Recheck("autorule", e.event_id, e.occurred_at, None, head + "; "
                                 "этой редакции автоправил служба маршрутизации не хранит"
                                 + (f" ({answer['reason']})" if answer.get("reason") else "")
                                 + " — не пересчитано"))
        else:
            same = (answer["recipient_id"], answer["rule_id"]) == (p.recipient_id, p.rule_id)
            found.append(Recheck("autorule", e.event_id, e.occurred_at, same, head + (
                "; пересчёт: то же решение" if same else
                f"; пересчёт по этой редакции: получатель «{name(answer['recipient_id'])}»"
                + (f" по правилу «{answer['rule_id']}»" if answer["rule_id"] else "")
                + " — решение не следует из автоправил")))
    return found
