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
    # the applicant told of it (59-ФЗ): registration, forwarding to another body (art. 8),
    # the answer's term extended (art. 12); met when the notice is delivered
    REGISTRATION_NOTICE = "registration_notice"
    FORWARDING_NOTICE = "forwarding_notice"
    EXTENSION_NOTICE = "extension_notice"


# what a deadline is for, as a person reads it (SLA's badge, the audit's replay)
STAGE_RU: dict[DeadlineStage, str] = {
    DeadlineStage.REGISTRATION: "регистрация", DeadlineStage.FORWARDING: "направление",
    DeadlineStage.FIRST_REACTION: "первая реакция", DeadlineStage.ANSWER: "ответ",
    DeadlineStage.REGISTRATION_NOTICE: "уведомление о регистрации",
    DeadlineStage.FORWARDING_NOTICE: "уведомление о переадресации",
    DeadlineStage.EXTENSION_NOTICE: "уведомление о продлении"}
UNIT_RU: dict[TermUnit, str] = {TermUnit.CALENDAR_DAYS: "календарных дн.",
                                TermUnit.WORKING_DAYS: "рабочих дн.",
                                TermUnit.WORKING_HOURS: "рабочих ч"}


class Notice(StrEnum):
    """A notice 59-ФЗ requires the applicant to get besides the answer."""

    REGISTRATION = "registration"
    FORWARDING = "forwarding"
    EXTENSION = "extension"


NOTICE_STAGE: dict[Notice, DeadlineStage] = {
    Notice.REGISTRATION: DeadlineStage.REGISTRATION_NOTICE,
    Notice.FORWARDING: DeadlineStage.FORWARDING_NOTICE,
    Notice.EXTENSION: DeadlineStage.EXTENSION_NOTICE}
NOTICE_RU: dict[Notice, str] = {Notice.REGISTRATION: "уведомление о регистрации",
                                Notice.FORWARDING: "уведомление о переадресации",
                                Notice.EXTENSION: "уведомление о продлении срока"}


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


CLOSING_RU: dict[ClosingReason, str] = {
    ClosingReason.ANSWERED: "дан ответ", ClosingReason.RATED: "заявитель оценил ответ",
    ClosingReason.TRANSFERRED: "передано в другой орган",
    ClosingReason.LEFT_WITHOUT_ANSWER: "оставлено без ответа",
    ClosingReason.DUPLICATE: "повтор", ClosingReason.WITHDRAWN: "отозвано заявителем"}


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


# The channels through which the platform itself takes the answer to the applicant (intake's
# delivery adapters): an official appeal of such a channel is answered when the answer is
# delivered (59-ФЗ: the answer's date is its dispatch), not when it is approved. Since
# contracts 1.3.0 every channel: e-mail, letter, call-back, ПОС and «Инцидент Менеджмент»
# receivers, Open311's status_notes.
DELIVERED_BY_PLATFORM: frozenset[Channel] = frozenset(Channel)


def answered_by_delivery(kind: Kind, channel: Channel) -> bool:
    """Whether the answer stage of such an appeal is met by its delivery."""
    return kind is Kind.OFFICIAL and channel in DELIVERED_BY_PLATFORM


# Russian names, for what people read (the console, reports)
KIND_RU: dict[Kind, str] = {Kind.MESSAGE: "сообщение", Kind.OFFICIAL: "обращение по 59-ФЗ",
                            Kind.SOCIAL: "публикация в соцсетях"}
CHANNEL_RU: dict[Channel, str] = {
    Channel.POS: "ПОС «Госуслуги. Решаем вместе»", Channel.INCIDENT: "«Инцидент Менеджмент»",
    Channel.EMAIL: "электронная почта", Channel.PHONE: "телефон", Channel.LETTER: "письмо",
    Channel.WEB: "веб-форма", Channel.OPEN311: "Open311"}
ROLE_RU: dict[Role, str] = {
    Role.MCU_HEAD: "руководитель МЦУ", Role.BLOCK_CURATOR: "куратор блока",
    Role.COORDINATOR: "координатор", Role.SUBORDINATE_COORDINATOR: "координатор поселения",
    Role.EXECUTOR: "исполнитель", Role.APPROVER: "согласующий",
    Role.DEADLINE_CONTROLLER: "контролёр сроков", Role.ADMINISTRATOR: "администратор",
    Role.SOCIAL_MEDIA_RESPONSIBLE: "ответственный за соцсети", Role.ANALYST: "аналитик",
    Role.AUDITOR: "аудитор", Role.APPLICANT: "канал заявителя", Role.SYSTEM: "система",
    Role.REGIONAL_CURATOR: "куратор ЦУР", Role.REGIONAL_ANALYST: "аналитик ЦУР",
    Role.REGIONAL_AUDITOR: "аудитор ЦУР",
    Role.DEPLOYMENT_ADMINISTRATOR: "администратор развёртывания"}
CRITERION_RU: dict[ReworkCriterion, str] = {
    ReworkCriterion.FORMAL: "формальная отписка, не отвечает на вопрос",
    ReworkCriterion.NO_DATES: "нет сроков устранения проблемы",
    ReworkCriterion.NO_EVIDENCE: "нет подтверждений (акты, фото)",
    ReworkCriterion.UNEXPLAINED_LEGAL_REFERENCES: "ссылки на нормы без разъяснения",
    ReworkCriterion.CONTRADICTORY: "противоречивый ответ"}
