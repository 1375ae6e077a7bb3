"""One realistic example payload per event type and version.

Every consumer's tests run over these; the JSON Schema files embed them.
"""

from __future__ import annotations

from typing import Any

_UTC = "+00:00"
_T = "2026-11-16T07:42:10" + _UTC

_CLASSIFICATION = {
    "kind": "message",
    "topic": "Ямы во дворах",
    "thematic_block": "Дороги",
    "territory": "г. Константиновск",
    "confidence": 0.87,
    "method": "model",
    "reason": "модель topic-v3: «яма», «двор», «асфальт»",
}

EXAMPLES: dict[tuple[str, int], dict[str, Any]] = {
    ("AppealRegistered", 1): {
        "channel": "pos",
        "external_id": "POS-2026-0041873",
        "kind": "message",
        "received_at": _T,
        "subject": "Яма во дворе дома",
        "text": "Во дворе дома по ул. Ленина огромная яма, машины не могут проехать.",
        "applicant_id": "0b7d2f8e-3a61-4f59-9c1a-5d2e8b7c4a10",
        "location": {"territory": "г. Константиновск", "latitude": 47.58, "longitude": 41.1},
        "applicant_topic": "Дороги",
        "attachments": 2,
        "federal_law_59": False,
        "repeat_of": None,
        "classification": _CLASSIFICATION,
    },
    ("AppealClassified", 1): {
        "classification": {**_CLASSIFICATION, "method": "manual", "confidence": 1.0,
                           "reason": "уточнено координатором"},
        "previous": _CLASSIFICATION,
    },
    ("AppealMarkedRepeat", 1): {
        "repeat_of": "5a0c3f71-94d8-4b8e-a3b2-77f1c9e0d214",
        "reason": "тот же заявитель, та же тема и место за 30 дней",
    },
    ("AppealLeftWithoutAnswer", 1): {
        "legal_ground": "ч. 4 ст. 11 Федерального закона № 59-ФЗ: текст не поддаётся прочтению",
    },
    ("AppealRouted", 1): {
        "recipient_id": "adm-roads",
        "rule_id": "rule-roads-konstantinovsk",
        "rule_version": 3,
        "reason": "автоправило: тема «Ямы во дворах», территория г. Константиновск",
        "previous_recipient_id": None,
    },
    ("AppealAssigned", 1): {
        "recipient_id": "adm-roads",
        "executor_id": "u-ivanova",
        "subordinate_recipient_id": None,
        "previous_executor_id": None,
    },
    ("AppealReturned", 1): {
        "returned_by": "executor",
        "from_recipient_id": "adm-roads",
        "reason": "двор относится к Николаевскому сельскому поселению",
        "suggested_recipient_id": "sp-nikolaevskoe",
    },
    ("AppealDisputed", 1): {
        "dispute_id": "d-17",
        "recipient_id": "adm-roads",
        "argument": "дорога на балансе района, а не поселения",
    },
    ("DisputeResolved", 1): {
        "dispute_id": "d-17",
        "decided_recipient_id": "sp-nikolaevskoe",
        "decision": "исполняет поселение: участок передан по соглашению 2025 года",
    },
    ("AppealPostponed", 1): {
        "reason": "ямочный ремонт возможен только при плюсовой температуре",
        "until": "2027-04-15",
    },
    ("AppealTransferred", 1): {
        "authority": "ГКУ РО «Ростовавтодор»",
        "reason": "дорога регионального значения",
    },
    ("AnswerDrafted", 1): {
        "draft_id": "a-1",
        "executor_id": "u-ivanova",
        "text": "Ремонт двора включён в план на май 2027 года, подрядчик ООО «Дорстрой».",
        "attachments": 1,
    },
    ("AnswerSentForApproval", 1): {"draft_id": "a-1", "approver_id": "u-petrov"},
    ("AnswerApproved", 1): {"draft_id": "a-1", "approver_id": "u-petrov"},
    ("AnswerReturnedForRework", 1): {
        "draft_id": "a-1",
        "approver_id": "u-petrov",
        "criteria": ["no_dates", "no_evidence"],
        "comment": "укажите срок ремонта и приложите фото",
    },
    ("AnswerPublished", 1): {"draft_id": "a-1", "recipient_id": "adm-roads", "executor_id": "u-ivanova"},
    ("AppealRated", 1): {"score": 2},
    ("AppealRated", 2): {"score": 2, "satisfied": False, "comment": "яму так и не засыпали"},
    ("AppealReopened", 1): {"reason": "отрицательная оценка заявителя", "counts_as_repeat": True},
    ("AppealClosed", 1): {"reason": "rated"},
    ("DeadlineSet", 1): {
        "stage": "answer",
        "due_at": "2026-12-16T20:59:59.999999" + _UTC,
        "term": {"amount": 30, "unit": "calendar_days"},
        "policy_id": "official-answer",
        "basis": "регистрация обращения",
    },
    ("DeadlineExtended", 1): {
        "stage": "answer",
        "previous_due_at": "2026-12-16T20:59:59.999999" + _UTC,
        "due_at": "2027-01-15T20:59:59.999999" + _UTC,
        "reason": "требуется выезд комиссии, заявитель уведомлён",
    },
    ("DeadlinePaused", 1): {"stage": "answer", "reason": "обращение отложено до 15.04.2027"},
    ("DeadlineResumed", 1): {
        "stage": "answer",
        "due_at": "2027-05-01T20:59:59.999999" + _UTC,
        "paused_seconds": 86400,
    },
    ("DeadlineStopped", 1): {"stage": "answer", "met": True},
    ("DeadlineReminderIssued", 1): {
        "stage": "answer",
        "due_at": "2026-12-16T20:59:59.999999" + _UTC,
        "remind_before": "2wd",
        "recipients": ["u-ivanova", "u-petrov"],
    },
    ("DeadlineBreached", 1): {"stage": "answer", "due_at": "2026-12-16T20:59:59.999999" + _UTC},
    ("AppealEscalated", 1): {
        "stage": "answer",
        "level": 3,
        "to_role": "block_curator",
        "to_person_id": "u-zam-glavy-zhkh",
        "overdue_seconds": 172800,
    },
    ("AnswerDelivered", 1): {
        "draft_id": "d-7f3a",
        "channel": "email",
        "reference": "<answer-3f0c2a8e-d-7f3a@mcu.local>",
        "attempt": 1,
    },
    ("DeliveryFailed", 1): {
        "draft_id": "d-7f3a",
        "channel": "email",
        "reason": "почтовый сервер временно недоступен (421)",
        "attempt": 1,
        "retry_at": "2026-11-16T07:47:10" + _UTC,
    },
    ("AnswerRatingReceived", 1): {
        "draft_id": "d-7f3a",
        "channel": "email",
        "score": 2,
        "comment": "Яму так и не заделали.",
    },
    ("AppealNumbered", 1): {"registration_number": "00042/2026", "registered_on": "2026-11-16"},
    ("NoticeDelivered", 1): {
        "notice": "registration",
        "channel": "email",
        "reference": "<notice-3f0c2a8e-registration@mcu.local>",
        "attempt": 1,
    },
    ("NoticeFailed", 1): {
        "notice": "extension",
        "channel": "letter",
        "reason": "в хранилище нет почтового адреса заявителя",
        "attempt": 1,
        "retry_at": None,
    },
}


def example_envelope(event_type: str, version: int) -> dict[str, Any]:
    """A whole envelope around the example payload, as it travels on the log."""
    from contracts.catalog import spec_for

    return {
        "event_id": "3f9a3c2e-1d7b-5e0a-8f4c-2b6d9e1a7c55",
        "event_type": event_type,
        "schema_version": version,
        "appeal_id": "9d4e1f2a-6b3c-4d5e-8f70-1a2b3c4d5e6f",
        "seq": 1,
        "occurred_at": _T,
        "producer": spec_for(event_type).producer,
        "causation_id": None,
        "correlation_id": "9d4e1f2a-6b3c-4d5e-8f70-1a2b3c4d5e6f",
        "actor": {"id": "u-ivanova", "role": "executor", "organization_id": "adm-roads"},
        "payload": EXAMPLES[(event_type, version)],
    }
