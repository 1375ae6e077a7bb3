"""The event catalog: every event type, its versions, producer and upcasters.

A published schema never changes in place: a new version is added together with an
upcaster from the previous one, and consumers always see the latest version.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from contracts.envelope import Contract
from contracts.events import deadlines as dl
from contracts.events import delivery as dv
from contracts.events import registration as rg
from contracts.events import routing as rt
from contracts.events import workflow as wf

Upcaster = Callable[[Mapping[str, Any]], dict[str, Any]]

INTAKE, ROUTING, SLA = "intake", "routing", "sla"


@dataclass(frozen=True)
class EventSpec:
    event_type: str
    producer: str
    title_ru: str
    versions: Mapping[int, type[Contract]]
    upcasters: Mapping[int, Upcaster] = field(default_factory=dict)  # from N to N+1

    @property
    def latest_version(self) -> int:
        return max(self.versions)

    @property
    def model(self) -> type[Contract]:
        return self.versions[self.latest_version]


def _rated_v1_to_v2(payload: Mapping[str, Any]) -> dict[str, Any]:
    # satisfaction as v1 consumers read it from the score (ПОС: 4 and 5)
    return {**payload, "satisfied": wf.is_satisfied(int(payload["score"])), "comment": None}


def _spec(event_type: str, producer: str, title_ru: str, model: type[Contract]) -> EventSpec:
    return EventSpec(event_type, producer, title_ru, {1: model})


CATALOG: dict[str, EventSpec] = {
    s.event_type: s
    for s in (
        _spec("AppealRegistered", INTAKE, "Обращение зарегистрировано", rg.AppealRegistered),
        _spec("AppealClassified", ROUTING, "Классификация изменена", rt.AppealClassified),
        _spec("AppealMarkedRepeat", ROUTING, "Признано повторным", rt.AppealMarkedRepeat),
        _spec("AppealRouted", ROUTING, "Направлено получателю", rt.AppealRouted),
        _spec("AppealAssigned", ROUTING, "Назначено исполнителю", rt.AppealAssigned),
        _spec("AppealReturned", ROUTING, "Возвращено как ошибочно направленное", rt.AppealReturned),
        _spec("AppealDisputed", ROUTING, "Разногласие передано руководителю МЦУ", rt.AppealDisputed),
        _spec("DisputeResolved", ROUTING, "Разногласие разрешено", rt.DisputeResolved),
        _spec("AppealPostponed", ROUTING, "Отложено", rt.AppealPostponed),
        _spec("AppealTransferred", ROUTING, "Передано в другой орган", rt.AppealTransferred),
        _spec("AnswerDrafted", ROUTING, "Подготовлен проект ответа", wf.AnswerDrafted),
        _spec("AnswerSentForApproval", ROUTING, "Ответ на согласовании", wf.AnswerSentForApproval),
        _spec("AnswerApproved", ROUTING, "Ответ согласован", wf.AnswerApproved),
        _spec(
            "AnswerReturnedForRework", ROUTING, "Ответ возвращён на доработку",
            wf.AnswerReturnedForRework,
        ),
        _spec("AnswerPublished", ROUTING, "Ответ направлен заявителю", wf.AnswerPublished),
        EventSpec(
            "AppealRated", ROUTING, "Оценка заявителя",
            {1: wf.AppealRatedV1, 2: wf.AppealRated}, {1: _rated_v1_to_v2},
        ),
        _spec("AppealReopened", ROUTING, "Обращение переоткрыто", wf.AppealReopened),
        _spec(
            "AppealLeftWithoutAnswer", ROUTING, "Оставлено без ответа", wf.AppealLeftWithoutAnswer
        ),
        _spec("AppealClosed", ROUTING, "Обращение закрыто", wf.AppealClosed),
        _spec("DeadlineSet", SLA, "Установлен срок", dl.DeadlineSet),
        _spec("DeadlineExtended", SLA, "Срок продлён", dl.DeadlineExtended),
        _spec("DeadlinePaused", SLA, "Срок приостановлен", dl.DeadlinePaused),
        _spec("DeadlineResumed", SLA, "Срок возобновлён", dl.DeadlineResumed),
        _spec("DeadlineStopped", SLA, "Срок остановлен", dl.DeadlineStopped),
        _spec("DeadlineReminderIssued", SLA, "Напоминание о сроке", dl.DeadlineReminderIssued),
        _spec("DeadlineBreached", SLA, "Срок нарушен (просрочено)", dl.DeadlineBreached),
        _spec("AppealEscalated", SLA, "Эскалация", dl.AppealEscalated),
        _spec("AnswerDelivered", INTAKE, "Ответ доставлен заявителю", dv.AnswerDelivered),
        _spec("DeliveryFailed", INTAKE, "Ответ не доставлен", dv.DeliveryFailed),
        _spec("AnswerRatingReceived", INTAKE, "Оценка ответа по ссылке из письма",
              dv.AnswerRatingReceived),
        _spec("AppealNumbered", INTAKE, "Обращению присвоен регистрационный номер",
              dv.AppealNumbered),
        _spec("NoticeDelivered", INTAKE, "Уведомление доставлено заявителю",
              dv.NoticeDelivered),
        _spec("NoticeFailed", INTAKE, "Уведомление не доставлено", dv.NoticeFailed),
    )
}


class UnknownEventType(LookupError):
    code = "unknown_event_type"


class UnknownSchemaVersion(LookupError):
    code = "unknown_schema_version"


def spec_for(event_type: str) -> EventSpec:
    try:
        return CATALOG[event_type]
    except KeyError:
        raise UnknownEventType(f"unknown event type {event_type!r}") from None


_TYPE_OF: dict[type[Contract], str] = {spec.model: spec.event_type for spec in CATALOG.values()}


def event_type_of(payload: Contract) -> str:
    """The event type whose latest version the payload's class is: the class names it, so a
    producer never writes the type beside its class."""
    try:
        return _TYPE_OF[type(payload)]
    except KeyError:
        raise UnknownEventType(
            f"{type(payload).__name__} is not the latest version of any event type") from None


def typed(event_type: str, version: int, payload: Mapping[str, Any]) -> Contract:
    """A stored payload of any version as the latest version's model: what a service
    replaying its own events gets, as a consumer of the log does."""
    latest, data = upcast(event_type, version, payload)
    return spec_for(event_type).versions[latest].model_validate(data)


def upcast(event_type: str, version: int, payload: Mapping[str, Any]) -> tuple[int, dict]:
    """Bring a stored payload of any known version up to the latest one."""
    spec = spec_for(event_type)
    if version not in spec.versions:
        raise UnknownSchemaVersion(f"{event_type} has no schema version {version}")
    data = dict(payload)
    while version < spec.latest_version:
        data = spec.upcasters[version](data)
        version += 1
    return version, data
