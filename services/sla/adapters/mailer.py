"""Sends notices by SMTP (smtplib in a worker thread)."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 25
    sender: str = "mcu@localhost"
    username: str = ""
    password: str = ""
    starttls: bool = False


class Mailer:
    def __init__(self, settings: SmtpSettings):
        self.settings = settings

    def send(self, recipients: list[tuple[str, str]], subject: str, body: str,
             message_id_seed: str) -> None:
        """One message to (name, address) pairs; the id lets mail clients spot a resend."""
        message = EmailMessage()
        message["From"] = formataddr(("МЦУ: контроль сроков", self.settings.sender))
        message["To"] = ", ".join(formataddr(r) for r in recipients)
        message["Subject"] = subject
        message["Message-ID"] = make_msgid(idstring=message_id_seed, domain="mcu.local")
        message.set_content(body)
        with smtplib.SMTP(self.settings.host, self.settings.port, timeout=15) as smtp:
            if self.settings.starttls:
                smtp.starttls()
            if self.settings.username:
                smtp.login(self.settings.username, self.settings.password)
            smtp.send_message(message)
