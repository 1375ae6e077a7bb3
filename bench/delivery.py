"""Answers mailed to applicants (issue 23): deliveries per second through intake's follower
(the store read, the vault read, the message, the SMTP conversation, AnswerDelivered
recorded) beside the raw mailer sending the same number of messages to the same server in
the same run, and the time from publication to delivery at a steady rate, p50/p99.

The SMTP server is aiosmtpd's sink in a process of its own on loopback; intake's store and
vault are SQLite files in a temporary folder.
"""

from __future__ import annotations

import asyncio
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

BATCH = 300  # answers timed for throughput
STEADY, RATE = 150, 20.0  # answers published at RATE per second for the latency


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _letter(n: int) -> bytes:
    return (f"From: Заявитель {n} <applicant{n}@example.ru>\nTo: priemnaya@konst.example.ru\n"
            f"Subject: Обращение {n}\nDate: Mon, 16 Nov 2026 10:15:00 +0300\n"
            f"Message-ID: <bench-{n}@example.ru>\nContent-Type: text/plain; charset=utf-8\n\n"
            f"Во дворе дома {n} по ул. Ленина яма.\n").encode()


def _intake(folder: Path):
    from kit.clock import SystemClock
    from kit.privacy import redactor
    from kit.settings import Settings
    from kit.stores import store_environment
    from services.intake.adapters.vault import PersonalDataVault
    from services.intake.adapters.vault_storage import SqliteStorage
    from services.intake.application import IntakeApplication
    from tests.support.intake import shipped_classifier
    from tests.unit.test_tenancy import deployment

    return IntakeApplication(env=store_environment("intake", Settings(
        data_dir=folder, _env_file=None)), clock=SystemClock(), redactor=redactor(),
        classifier=shipped_classifier(), deployment=deployment(),
        vault=PersonalDataVault(SqliteStorage(folder / "vault.db")))


def _publish(intake, appeal_ids: list) -> None:
    """Routing's AnswerDrafted and AnswerPublished of each appeal, as intake reads them."""
    from contracts import decode, encode
    from kit.unit_of_work import UnitOfWork
    from tests.support.envelopes import AppealStory

    for appeal in appeal_ids:
        story, now = AppealStory(appeal, municipality="konstantinovsky"), datetime.now(UTC)
        unit = UnitOfWork(intake)
        for envelope in (story.event("AnswerDrafted", now, draft_id="d-1",
                                     text="Яма будет заделана до 25 декабря 2026 года."),
                         story.event("AnswerPublished", now, draft_id="d-1")):
            intake.react(decode(encode(envelope)), unit)
        intake.save(*unit.aggregates())


def _register(intake, first: int, count: int) -> list:
    from services.intake.adapters import mail

    return [intake.register(mail.parse(_letter(n))).appeal_id
            for n in range(first, first + count)]


async def _follow_until(follower, wanted: int) -> float:
    """The follower as the service runs it (its own polling), until `wanted` are mailed."""
    await follower.start()
    started = time.perf_counter()
    running = asyncio.create_task(follower.run())
    while follower.delivered < wanted:
        await asyncio.sleep(0.01)
    elapsed = time.perf_counter() - started
    follower.stop()
    await running
    await follower.close()
    return elapsed


def _latencies(intake, appeal_ids: list) -> list[float]:
    """Seconds from the publication (the delivery marked due) to AnswerDelivered."""
    from kit.appeal_aggregate import AppealAggregate

    found = []
    for appeal in appeal_ids:
        due = delivered = None
        for event in intake.events.get(appeal):
            if isinstance(event, AppealAggregate.Noted) and "delivery_due" in event.facts:
                due = event.timestamp
            if isinstance(event, AppealAggregate.Recorded) \
                    and event.event_type == "AnswerDelivered":
                delivered = event.timestamp
        if due and delivered:
            found.append((delivered - due).total_seconds())
    return found


def run() -> dict:
    from kit.mail import Mailer, SmtpSettings
    from services.intake.entrypoints.answer_delivery import AnswerDelivery

    port = _free_port()
    sink = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l",
                             f"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Sink"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        mailer = Mailer(SmtpSettings("127.0.0.1", port), sender_name="МЦУ")
        started = time.perf_counter()
        for n in range(BATCH):  # the base: the same messages, sent by the mailer alone
            mailer.send([(f"Заявитель {n}", f"applicant{n}@example.ru")], "Ответ",
                        "Яма будет заделана до 25 декабря 2026 года.\n" * 3,
                        message_id=f"<raw-{n}@bench>", in_reply_to=f"<bench-{n}@example.ru>")
        raw = BATCH / (time.perf_counter() - started)
        with tempfile.TemporaryDirectory() as folder:
            intake = _intake(Path(folder))
            _publish(intake, _register(intake, 0, BATCH))
            follower = AnswerDelivery(intake, mailer, domain="bench", poll_interval=0.05)
            through = BATCH / asyncio.run(_follow_until(follower, BATCH))

            steady = _register(intake, BATCH, STEADY)
            follower = AnswerDelivery(intake, mailer, domain="bench", poll_interval=0.2)

            def publish_steadily() -> None:
                for appeal in steady:
                    _publish(intake, [appeal])
                    time.sleep(1 / RATE)

            publisher = threading.Thread(target=publish_steadily)
            publisher.start()
            asyncio.run(_follow_until(follower, STEADY))
            publisher.join()
            waits = sorted(_latencies(intake, steady))
    finally:
        sink.terminate()
        sink.wait(timeout=10)
    return {"raw_mailer_per_s": round(raw, 1), "delivered_per_s": round(through, 1),
            "ratio_to_raw_mailer": round(through / raw, 2), "steady_rate_per_s": RATE,
            "to_delivery_p50_ms": round(statistics.median(waits) * 1000),
            "to_delivery_p99_ms": round(waits[int(len(waits) * 0.99) - 1] * 1000),
            "to_delivery_max_ms": round(waits[-1] * 1000), "steady_count": len(waits)}


if __name__ == "__main__":
    print(run())
