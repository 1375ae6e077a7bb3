"""Mail from the platform by SMTP (smtplib, called from a worker thread): SLA's notices to
staff and intake's answers to applicants go through the same settings (MCU_SMTP_*)."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from kit.settings import Settings


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 25
    sender: str = "mcu@localhost"
    username: str = ""
    password: str = ""
    starttls: bool = False

    @classmethod
    def of(cls, settings: Settings) -> SmtpSettings:
        return cls(settings.smtp_host, settings.smtp_port, settings.smtp_sender,
                   settings.smtp_user, settings.smtp_password, settings.smtp_starttls)


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    maintype: str = "application"
    subtype: str = "pdf"


class Mailer:
    def __init__(self, settings: SmtpSettings, sender_name: str = "МЦУ: контроль сроков"):
        self.settings = settings
        self.sender_name = sender_name

    def send(self, recipients: list[tuple[str, str]], subject: str, body: str,
             message_id_seed: str | None = None, *, message_id: str | None = None,
             in_reply_to: str | None = None, attachments: tuple[Attachment, ...] = ()) -> str:
        """One message to (name, address) pairs; returns its Message-ID. A given
        `message_id` is the message's identity (a resend carries the same, so mail
        clients see one message); else one is made from `message_id_seed`. `in_reply_to`
        threads it under the message it answers."""
        message = EmailMessage()
        message["From"] = formataddr((self.sender_name, self.settings.sender))
        message["To"] = ", ".join(formataddr(r) for r in recipients)
        message["Subject"] = subject
        message["Message-ID"] = message_id or make_msgid(idstring=message_id_seed,
                                                         domain="mcu.local")
        if in_reply_to:
            message["In-Reply-To"] = in_reply_to
            message["References"] = in_reply_to
        message.set_content(body)
        for a in attachments:
            message.add_attachment(a.content, maintype=a.maintype, subtype=a.subtype,
                                   filename=a.filename)
        with smtplib.SMTP(self.settings.host, self.settings.port, timeout=15) as smtp:
            if self.settings.starttls:
                smtp.starttls()
            if self.settings.username:
                smtp.login(self.settings.username, self.settings.password)
            smtp.send_message(message)
        return str(message["Message-ID"])
