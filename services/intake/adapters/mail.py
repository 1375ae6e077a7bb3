"""E-mail: an RFC 5322 message (.eml) becomes a registration; the sender goes to the vault."""

from __future__ import annotations

import email
import email.policy
from email.utils import parseaddr, parsedate_to_datetime

from contracts.vocabulary import Channel
from services.intake.classification.text import clean
from services.intake.domain.commands import ApplicantData, RegisterAppeal


MAX_SUBJECT = 450  # leaves room for masking what the subject says of the person


class MailError(ValueError):
    code = "invalid_mail"


def parse(raw: bytes) -> RegisterAppeal:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    message_id = (message.get("Message-ID") or "").strip().strip("<>")
    if not message_id:
        raise MailError("в письме нет заголовка Message-ID: повторную доставку не распознать")
    body = message.get_body(preferencelist=("plain", "html"))
    text = clean(body.get_content()) if body is not None else ""
    subject = (message.get("Subject") or "").strip()
    if not text and not subject:
        raise MailError(f"письмо {message_id}: нет ни темы, ни текста")
    if len(subject) > MAX_SUBJECT:  # a letter is never refused for its subject: it is kept
        text, subject = f"{subject}\n\n{text}", subject[:MAX_SUBJECT - 1] + "…"
    name, address = parseaddr(message.get("From") or "")
    parts = [part[:100] for part in name.split()]
    try:
        received = parsedate_to_datetime(message["Date"]) if message["Date"] else None
    except (TypeError, ValueError):
        received = None
    attachments = sum(1 for _ in message.iter_attachments())
    _, mailbox = parseaddr(message.get("Delivered-To") or message.get("To") or "")
    return RegisterAppeal(
        channel=Channel.EMAIL, external_id=message_id, text=text or subject,
        addressed_to=mailbox[:300] or None,
        subject=subject or None, attachments=attachments,
        received_at=received if received and received.tzinfo else None,
        applicant=ApplicantData(email=address[:200] or None,
                                last_name=parts[0] if parts else None,
                                first_name=" ".join(parts[1:])[:100] or None)
        if address else None)
