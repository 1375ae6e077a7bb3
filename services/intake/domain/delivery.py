"""The answer's delivery to the applicant, decided without I/O: whether an appeal's answer
goes out by e-mail, the message the applicant reads, its identity (one per answer, so a
resend is the same message to every mail client), and what a mail server's refusal means.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from contracts.vocabulary import DELIVERED_BY_PLATFORM, Channel

DELIVERED, DUE, GIVEN_UP = "delivered", "due", "given_up"
MESSAGE_ID = re.compile(r"^[^<>\s@]+@[^<>\s@]+$")  # as intake keeps it: without <>


@dataclass(frozen=True)
class AnswerMail:
    subject: str
    body: str
    message_id: str
    in_reply_to: str | None


def delivers_by_email(channel: Channel | None) -> bool:
    """An appeal that came by e-mail is answered by e-mail (the platform's delivering
    channels: contracts.vocabulary.DELIVERED_BY_PLATFORM)."""
    return channel is Channel.EMAIL and channel in DELIVERED_BY_PLATFORM


def message_id(appeal_id: UUID, draft_id: str, domain: str) -> str:
    """The answer's Message-ID: the same for every attempt, so a resend after a crash is
    one message to the applicant's mail client, not two."""
    safe = re.sub(r"[^A-Za-z0-9.-]", "-", draft_id)[:64]
    return f"<answer-{appeal_id}-{safe}@{domain}>"


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
                rating_url: str | None = None) -> AnswerMail:
    """The e-mail with the published answer, threaded under the applicant's letter
    (`replied_message_id`: its Message-ID as intake keeps it, the letter's external id)."""
    when = f" от {received_at:%d.%m.%Y}" if received_at else ""
    about = f" «{subject.strip()[:120]}»" if subject and subject.strip() else ""
    body = "\n".join([
        salutation_line, "",
        f"{municipality} направляет ответ на ваше обращение{about}{when}.", "",
        text.strip(), "",
        *([f"Оцените, пожалуйста, ответ — от 1 до 5, это займёт минуту: {rating_url}",
           "Ссылка личная, действует 30 дней; оценка 1–3 возвращает обращение в работу.", ""]
          if rating_url else []),
        "—",
        f"Муниципальный центр управления: {municipality}.",
    ])
    reply_to = f"<{replied_message_id}>" if replied_message_id and MESSAGE_ID.match(
        replied_message_id) else None
    return AnswerMail(f"Ответ на ваше обращение{when}", body,
                      message_id(appeal_id, draft_id, domain), reply_to)


def refusal_is_final(smtp_code: int | None) -> bool:
    """A 5xx answer is the server's «never» (no such mailbox): an operator decides; a 4xx
    or no answer at all is «later»."""
    return smtp_code is not None and smtp_code >= 500
