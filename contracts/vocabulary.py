"""Closed vocabularies shared by every event: kinds, channels, roles, reasons."""

from enum import StrEnum


class Kind(StrEnum):
    """Legal regime of an appeal (DOMAIN.md, glossary)."""

    MESSAGE = "message"  # сообщение (ПОС), outside 59-ФЗ
    OFFICIAL = "official"  # обращение по 59-ФЗ
    SOCIAL = "social"  # публикация в соцсетях («Инцидент Менеджмент»)


class Channel(StrEnum):
    POS = "pos"
    INCIDENT = "incident"
    EMAIL = "email"
    PHONE = "phone"
    LETTER = "letter"
    WEB = "web"
    OPEN311 = "open311"


class Role(StrEnum):
    MCU_HEAD = "mcu_head"
    BLOCK_CURATOR = "block_curator"
    COORDINATOR = "coordinator"
    SUBORDINATE_COORDINATOR = "subordinate_coordinator"
    EXECUTOR = "executor"
    APPROVER = "approver"
    DEADLINE_CONTROLLER = "deadline_controller"
    ADMINISTRATOR = "administrator"
    SOCIAL_MEDIA_RESPONSIBLE = "social_media_responsible"
    ANALYST = "analyst"
    AUDITOR = "auditor"
    APPLICANT = "applicant"
    SYSTEM = "system"
    # a region's staff (ЦУР): they see the region's municipalities
    REGIONAL_CURATOR = "regional_curator"
    REGIONAL_ANALYST = "regional_analyst"
    REGIONAL_AUDITOR = "regional_auditor"
    DEPLOYMENT_ADMINISTRATOR = "deployment_administrator"  # manages the tree, not appeals


class ReworkCriterion(StrEnum):
    """Why an approver returns a draft answer (one region's published criteria)."""

    FORMAL = "formal"  # formal reply that does not address the question
    NO_DATES = "no_dates"  # no dates for fixing the problem
    NO_EVIDENCE = "no_evidence"  # no acts, photos
    UNEXPLAINED_LEGAL_REFERENCES = "unexplained_legal_references"
    CONTRADICTORY = "contradictory"


class TermUnit(StrEnum):
    CALENDAR_DAYS = "calendar_days"
    WORKING_DAYS = "working_days"
    WORKING_HOURS = "working_hours"


class DeadlineStage(StrEnum):
    """What a deadline is for: 59-ФЗ separates registration, forwarding and answer."""

    REGISTRATION = "registration"
    FORWARDING = "forwarding"
    FIRST_REACTION = "first_reaction"
    ANSWER = "answer"


class ReturnedBy(StrEnum):
    EXECUTOR = "executor"
    SUBORDINATE_RECIPIENT = "subordinate_recipient"


class ClosingReason(StrEnum):
    ANSWERED = "answered"
    RATED = "rated"
    TRANSFERRED = "transferred"
    LEFT_WITHOUT_ANSWER = "left_without_answer"
    DUPLICATE = "duplicate"
    WITHDRAWN = "withdrawn"


class ClassificationMethod(StrEnum):
    RULE = "rule"
    MODEL = "model"
    APPLICANT = "applicant"  # topic as chosen by the applicant on ПОС
    MANUAL = "manual"


class AppealStatus(StrEnum):
    """Where an appeal stands: one vocabulary for routing's workflow and analytics."""

    NEW = "new"  # registered, not routed yet
    ROUTED = "routed"
    ASSIGNED = "assigned"
    SUBORDINATE = "subordinate"  # passed to a settlement or an institution
    RETURNED = "returned"
    DISPUTED = "disputed"
    ANSWER_DRAFTED = "answer_drafted"
    ON_APPROVAL = "on_approval"
    APPROVED = "approved"
    REWORK = "rework"
    ANSWERED = "answered"
    POSTPONED = "postponed"
    REOPENED = "reopened"
    TRANSFERRED = "transferred"
    CLOSED = "closed"


STATUS_RU: dict[AppealStatus, str] = {
    AppealStatus.NEW: "новое", AppealStatus.ROUTED: "направлено получателю",
    AppealStatus.ASSIGNED: "назначено исполнителю",
    AppealStatus.SUBORDINATE: "передано в поселение/учреждение",
    AppealStatus.RETURNED: "возвращено", AppealStatus.DISPUTED: "разногласие",
    AppealStatus.ANSWER_DRAFTED: "подготовлен проект ответа",
    AppealStatus.ON_APPROVAL: "на согласовании", AppealStatus.APPROVED: "ответ согласован",
    AppealStatus.REWORK: "на доработке", AppealStatus.ANSWERED: "ответ направлен",
    AppealStatus.POSTPONED: "отложено", AppealStatus.REOPENED: "переоткрыто",
    AppealStatus.TRANSFERRED: "передано в другой орган", AppealStatus.CLOSED: "закрыто",
}
