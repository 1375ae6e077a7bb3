"""The answer's delivery to the applicant, decided without I/O: which way an appeal's
answer goes (59-ФЗ art. 10 p. 4: in writing to the postal address, or electronically to
the address of an appeal that came electronically), the e-mail the applicant reads, its
identity (one per answer, so a resend is the same message to every mail client), and what
a mail server's refusal means."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from contracts.events.delivery import (AnswerDelivered, DeliveryFailed, NoticeDelivered,
                                      NoticeFailed)
from contracts.vocabulary import Channel, Kind, Notice

# the answer's delivery: due (the follower sends it), with an operator (a letter to post,
# a call to make), delivered, given up (the operator's queue of failed deliveries)
DELIVERED, DUE, GIVEN_UP, WITH_OPERATOR = "delivered", "due", "given_up", "with_operator"
MESSAGE_ID = re.compile(r"^[^<>\s@]+@[^<>\s@]+$")  # as intake keeps it: without <>


@dataclass(frozen=True)
class AnswerMail:
    subject: str
    body: str
    message_id: str
    in_reply_to: str | None


class Way(StrEnum):
    EMAIL = "email"  # to the applicant's address over SMTP
    LETTER = "letter"  # printed, posted by the operator
    CALL = "call"  # the operator calls back
    OUTBOUND = "outbound"  # back through ПОС or «Инцидент Менеджмент»


OUTBOUND_CHANNELS = frozenset({Channel.POS, Channel.INCIDENT})
_CHANNEL_OF_WAY = {Way.EMAIL: Channel.EMAIL, Way.LETTER: Channel.LETTER,
                   Way.CALL: Channel.PHONE}


def channel_of(way: Way | None, appeal_channel: Channel) -> Channel:
    """The channel an answer goes through this way (back through its own, outbound)."""
    return _CHANNEL_OF_WAY.get(way, appeal_channel)


def delivers(channel: Channel | None) -> bool:
    """Whether a published answer of this channel is delivered by the follower (Open311's
    is the request's own status_notes, shown as soon as it is published)."""
    return channel is not None and channel is not Channel.OPEN311


def way(channel: Channel, kind: Kind, *, email: bool, address: bool, phone: bool
        ) -> Way | None:
    """How the answer reaches this applicant, by what the vault holds of them; None: no
    way at all (the operator's queue says so). A letter is answered by letter, an e-mail by
    e-mail; an official answer is written (a letter, else an e-mail) and spoken only to an
    applicant who left nothing else; a message by phone is answered by a call."""
    if channel in OUTBOUND_CHANNELS:
        return Way.OUTBOUND
    official = kind is Kind.OFFICIAL
    order = {
        Channel.EMAIL: (Way.EMAIL, Way.LETTER),
        Channel.LETTER: (Way.LETTER, Way.EMAIL),
        Channel.WEB: (Way.EMAIL, Way.LETTER, Way.CALL),
        Channel.PHONE: (Way.LETTER, Way.EMAIL, Way.CALL) if official else (Way.CALL, Way.EMAIL),
    }.get(channel, ())
    reachable = {Way.EMAIL: email, Way.LETTER: address, Way.CALL: phone}
    return next((w for w in order if reachable[w]), None)


def message_id(appeal_id: UUID, draft_id: str, domain: str, what: str = "answer") -> str:
    """The answer's (or a notice's) Message-ID: the same for every attempt, so a resend
    after a crash is one message to the applicant's mail client, not two."""
    safe = re.sub(r"[^A-Za-z0-9.-]", "-", draft_id)[:64]
    return f"<{what}-{appeal_id}-{safe}@{domain}>"


def thread(replied_message_id: str | None) -> str | None:
    """In-Reply-To for the applicant's letter, if its id is a real Message-ID."""
    return f"<{replied_message_id}>" if replied_message_id and MESSAGE_ID.match(
        replied_message_id) else None


def notice_mail(*, appeal_id: UUID, notice: str, subject: str, text: str, municipality: str,
                salutation_line: str, replied_message_id: str | None, domain: str
                ) -> AnswerMail:
    """A 59-ФЗ notice by e-mail, worded by the administrator's template, in the thread of
    the applicant's letter."""
    body = "\n".join([salutation_line, "", text.strip(), "", "—",
                      f"Муниципальный центр управления: {municipality}."])
    return AnswerMail(subject, body, message_id(appeal_id, "n", domain, f"notice-{notice}"),
                      thread(replied_message_id))


def salutation(last_name: str | None, first_name: str | None, middle_name: str | None
               ) -> str:
    """«Уважаемый(ая) Иван Петрович!» when the vault knows the name and patronymic, the
    name as the applicant gave it otherwise (a letter's sender: «Иван Петров»), else the
    neutral greeting; no guess of gender from a name."""
    named = f"{first_name} {middle_name}" if first_name and middle_name else " ".join(
        p for p in (last_name, first_name) if p)
    return f"Уважаемый(ая) {named}!" if named else "Здравствуйте!"


def answer_mail(*, appeal_id: UUID, draft_id: str, text: str, municipality: str,
                received_at: datetime | None, subject: str | None, salutation_line: str,
                replied_message_id: str | None, domain: str,
                rating_url: str | None = None, attached_number: str | None = None
                ) -> AnswerMail:
    """The e-mail with the published answer, threaded under the applicant's letter
    (`replied_message_id`: its Message-ID as intake keeps it, the letter's external id);
    `attached_number`: an official answer's outgoing number, its letter attached as PDF."""
    when = f" от {received_at:%d.%m.%Y}" if received_at else ""
    about = f" «{subject.strip()[:120]}»" if subject and subject.strip() else ""
    body = "\n".join([
        salutation_line, "",
        f"{municipality} направляет ответ на ваше обращение{about}{when}.", "",
        text.strip(), "",
        *([f"Официальный ответ (исх. № {attached_number}) — во вложении, в формате PDF.", ""]
          if attached_number else []),
        *([f"Оцените, пожалуйста, ответ — от 1 до 5, это займёт минуту: {rating_url}",
           "Ссылка личная, действует 30 дней; оценка 1–3 возвращает обращение в работу.", ""]
          if rating_url else []),
        "—",
        f"Муниципальный центр управления: {municipality}.",
    ])
    return AnswerMail(f"Ответ на ваше обращение{when}", body,
                      message_id(appeal_id, draft_id, domain), thread(replied_message_id))


def refusal_is_final(smtp_code: int | None) -> bool:
    """A 5xx answer is the server's «never» (no such mailbox): an operator decides; a 4xx
    or no answer at all is «later»."""
    return smtp_code is not None and smtp_code >= 500


def outbound_answer(*, appeal_id: UUID, draft_id: str, channel: Channel, municipality: str,
                    external_id: str, text: str, published_at: datetime, organization: str,
                    signer: dict | None, outgoing: dict | None) -> dict:
    """The answer as the integration receiver reads it (schema mcu.answer/1): which item of
    the channel it answers (`external_id`: the ПОС message's id, the «Инцидент Менеджмент»
    row's ID), the text as published, who answers; nothing of the applicant."""
    return {"schema": "mcu.answer/1", "idempotency_key": idempotency_key(appeal_id, draft_id),
            "channel": channel.value, "municipality": municipality,
            "external_id": external_id, "appeal_id": str(appeal_id),
            "answer": {"draft_id": draft_id, "text": text,
                       "published_at": published_at.isoformat(),
                       "organization": organization, "signer": signer,
                       "outgoing": outgoing}}


def outbound_notice(*, appeal_id: UUID, notice: str, channel: Channel, municipality: str,
                    external_id: str, subject: str, text: str,
                    registration_number: str | None) -> dict:
    """A notice as the integration receiver reads it (schema mcu.notice/1)."""
    return {"schema": "mcu.notice/1", "idempotency_key": f"notice-{appeal_id}-{notice}",
            "channel": channel.value, "municipality": municipality,
            "external_id": external_id, "appeal_id": str(appeal_id),
            "notice": {"kind": notice, "subject": subject, "text": text,
                       "registration_number": registration_number}}


def idempotency_key(appeal_id: UUID, draft_id: str) -> str:
    """The same for every attempt to deliver this answer: a receiver that saw it once
    does not post it twice."""
    return f"answer-{appeal_id}-{draft_id}"[:200]


ANSWER = "answer"  # what is delivered: the answer, or a notice (its Notice value)


def delivered(what: str, draft_id: str | None, channel: Channel, reference: str,
              attempt: int, dispatched_at: datetime | None = None
              ) -> AnswerDelivered | NoticeDelivered:
    """The fact that the answer (its draft) or a notice reached the applicant."""
    common = {"channel": channel, "reference": reference[:500], "attempt": attempt,
              "dispatched_at": dispatched_at}
    if what == ANSWER:
        return AnswerDelivered(draft_id=draft_id, **common)
    return NoticeDelivered(notice=Notice(what), **common)


def failed(what: str, draft_id: str | None, channel: Channel, reason: str, attempt: int,
           retry_at: datetime | None) -> DeliveryFailed | NoticeFailed:
    common = {"channel": channel, "reason": reason[:500], "attempt": attempt,
              "retry_at": retry_at}
    if what == ANSWER:
        return DeliveryFailed(draft_id=draft_id, **common)
    return NoticeFailed(notice=Notice(what), **common)
