"""A real SMTP server on loopback for tests (aiosmtpd): it keeps what it accepts, or
answers as the test tells it (a server saying «later», a mailbox that does not exist)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager

from aiosmtpd.controller import Controller


class Inbox:
    def __init__(self):
        self.messages: list[tuple[list[str], bytes]] = []  # (recipients, the message)
        self.answer = "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        if self.answer.startswith("250"):
            self.messages.append((envelope.rcpt_tos, envelope.content))
        return self.answer


@contextmanager
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()
