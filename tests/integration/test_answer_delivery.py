"""The published answer reaches the applicant who wrote by e-mail (issue 23, its first
channel): mailed through a real SMTP server (aiosmtpd on loopback), read back and checked —
the answer's text, the greeting from the vault, the thread under the applicant's letter;
delivered once (a batch handled again sends nothing), a server away retried with the same
Message-ID, a refusal for good and a missing address left to the operator; AnswerDelivered
and DeliveryFailed on the log with no address in them."""

from __future__ import annotations

import email
import json
from datetime import UTC, datetime
from email.policy import default as default_policy

import pytest

from contracts import decode, encode
from kit.mail import Mailer, SmtpSettings
from kit.outbox import envelope_of
from kit.unit_of_work import UnitOfWork
from services.intake.adapters import mail
from services.intake.adapters.vault import PersonalDataVault
from services.intake.adapters.vault_storage import SqliteStorage
from services.intake.entrypoints.answer_delivery import AnswerDelivery
from services.console.domain.display import Names, timeline
from tests.support.envelopes import AppealStory
from tests.support.intake import route_registrations
from tests.support.smtp import smtp_server
from tests.unit.test_tenancy import world

ANSWER = ("Яма во дворе дома № 5 по ул. Ленина будет заделана до 25 декабря 2026 года "
          "в рамках текущего ремонта.")
LETTER = """\
From: Иван Петров <ivan.petrov@example.ru>
To: priemnaya@konst.example.ru
Subject: Яма во дворе
Date: Mon, 16 Nov 2026 10:15:00 +0300
Message-ID: <letter-1@example.ru>
Content-Type: text/plain; charset=utf-8

Во дворе дома 5 по ул. Ленина яма, машины не проезжают.
""".encode()


@pytest.fixture
def smtp():
    with smtp_server() as found:
        yield found


def received(inbox) -> list[tuple[list[str], email.message.EmailMessage]]:
    return [(to, email.message_from_bytes(raw, policy=default_policy))
            for to, raw in inbox.messages]


@pytest.fixture
def published(tmp_path):
    """An e-mail appeal of Константиновский район, its answer drafted and published by
    routing (the events as intake's consumer reads them from the log)."""
    intake, routing, _ = world(PersonalDataVault(SqliteStorage(tmp_path / "vault.db")))
    appeal = intake.register(mail.parse(LETTER)).appeal_id
    route_registrations(intake, routing)
    intake.routing = routing  # for the tests that read the appeal's history
    story = AppealStory(appeal, municipality="konstantinovsky")
    now = datetime.now(UTC)
    for envelope in (story.event("AnswerDrafted", now, draft_id="d-1", text=ANSWER),
                     story.event("AnswerPublished", now, draft_id="d-1")):
        unit = UnitOfWork(intake)
        intake.react(decode(encode(envelope)), unit)
        intake.save(*unit.aggregates())
    return intake, appeal


def platform_log(caplog) -> str:
    """Every line the platform logged (its loggers are `mcu.*`), with each record's extra
    fields, as a log shipper would keep them."""
    return "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records
                     if r.name.startswith("mcu"))


def log_events(intake, event_type: str) -> list:
    return [decode(encode(e)) for n in intake.notifications_after(0, 10_000)
            if (e := envelope_of("intake", intake.domain_event(n))) is not None
            and e.event_type == event_type]


def follower(intake, port: int, domain: str = "mcu.local") -> AnswerDelivery:
    return AnswerDelivery(intake, Mailer(SmtpSettings("127.0.0.1", port), sender_name="МЦУ"),
                          domain=domain)


async def follow(intake, port: int) -> AnswerDelivery:
    mailer = follower(intake, port, "konst.example.ru")
    await mailer.start()
    while await mailer.follow_once():
        pass
    await mailer.close()
    return mailer


async def test_the_answer_is_mailed_in_the_letters_thread_and_recorded_once(published, smtp,
                                                                            caplog):
    intake, appeal = published
    inbox, port = smtp
    caplog.set_level("DEBUG")
    await follow(intake, port)
    ours = platform_log(caplog)  # the test's own SMTP server logs what it receives
    assert "ivan.petrov" not in ours and "Петров" not in ours  # no log line names them
    [(to, message)] = received(inbox)
    assert to == ["ivan.petrov@example.ru"]
    assert message["Subject"] == "Ответ на ваше обращение от 16.11.2026"
    assert message["In-Reply-To"] == "<letter-1@example.ru>"
    assert message["Message-ID"] == f"<answer-{appeal}-d-1@konst.example.ru>"
    body = message.get_content()
    assert body.startswith("Уважаемый(ая) Иван Петров!")
    assert ANSWER in body and "Константиновский район" in body and "«Яма во дворе»" in body
    [delivered] = log_events(intake, "AnswerDelivered")
    assert delivered.payload.reference == message["Message-ID"]
    assert (delivered.payload.channel, delivered.payload.attempt) == ("email", 1)
    assert "example.ru>" not in json.dumps(delivered.payload.model_dump(mode="json")).replace(
        message["Message-ID"], "")  # the applicant's address is nowhere on the log
    reads = [r for r in intake.vault.access_log() if r["who"] == "intake/answer-delivery"]
    assert reads and reads[0]["why"] == "доставка ответа заявителю"

    again = follower(intake, port)
    again.position = 0  # the whole store handled again, as after a crash before the position
    notifications = intake.notifications_after(0, 10_000)
    await again.handle(notifications)
    assert len(inbox.messages) == 1  # delivered already: never sent twice


async def test_a_server_saying_later_is_retried_with_the_same_message(published, smtp, caplog):
    intake, appeal = published
    inbox, port = smtp
    inbox.answer = "421 Service not available, try again later"
    caplog.set_level("DEBUG")
    mailer = follower(intake, port, "x.ru")
    await mailer.start()
    await mailer.follow_once()
    [failed] = log_events(intake, "DeliveryFailed")
    assert failed.payload.retry_at is not None and failed.payload.attempt == 1
    assert "421" in failed.payload.reason
    inbox.answer = "250 OK"
    assert mailer.retry_due() == 0  # not before its time
    intake.clock.set(failed.payload.retry_at)
    assert mailer.retry_due() == 1
    assert mailer.retry_due() == 0  # off the retry list once delivered
    await mailer.close()
    ours = platform_log(caplog)
    assert "answer not delivered" in ours and "ivan.petrov" not in ours
    [(_, message)] = received(inbox)
    assert message["Message-ID"] == f"<answer-{appeal}-d-1@x.ru>"
    [delivered] = log_events(intake, "AnswerDelivered")
    assert delivered.payload.attempt == 2


async def test_a_refusal_for_good_waits_for_an_operator_and_nothing_is_retried(published, smtp):
    intake, _ = published
    inbox, port = smtp
    inbox.answer = "550 No such mailbox"
    await follow(intake, port)
    [failed] = log_events(intake, "DeliveryFailed")
    assert failed.payload.retry_at is None and "550" in failed.payload.reason
    inbox.answer = "250 OK"
    await follow(intake, port)
    assert inbox.messages == [] and not log_events(intake, "AnswerDelivered")


async def test_an_applicant_without_an_address_is_left_to_the_operator(published, smtp):
    intake, appeal = published
    inbox, port = smtp
    intake.vault.erase(intake.vault.applicant_of(appeal), "u-mcu-admin", "запрос заявителя")
    await follow(intake, port)
    [failed] = log_events(intake, "DeliveryFailed")
    assert failed.payload.retry_at is None and "нет ни адреса" in failed.payload.reason
    assert inbox.messages == []


async def test_the_appeals_history_shows_the_delivery_as_staff_read_it(published, smtp):
    intake, appeal = published
    inbox, port = smtp
    inbox.answer = "421 try later"
    mailer = follower(intake, port)
    await mailer.start()
    await mailer.follow_once()
    inbox.answer = "250 OK"
    intake.clock.set(log_events(intake, "DeliveryFailed")[0].payload.retry_at)
    mailer.retry_due()
    await mailer.close()
    routing = intake.routing
    for envelope in log_events(intake, "DeliveryFailed") + log_events(intake, "AnswerDelivered"):
        unit = UnitOfWork(routing)
        routing.react(envelope, unit)
        routing.save(*unit.aggregates())
    history = routing.history(appeal, routing.deployment.people["u-head"])["history"]
    steps = timeline(history, Names({}, {}, {}), "Europe/Moscow")
    failed, delivered = steps[-2], steps[-1]
    assert (failed.what, delivered.what) == ("Ответ не доставлен", "Ответ доставлен заявителю")
    assert "канал: электронная почта" in failed.details
    assert any(d.startswith("повтор: ") for d in failed.details)
    assert f"отметка доставки: <answer-{appeal}-d-1@mcu.local>" in delivered.details
    assert delivered.who == "доставка ответов заявителям"


async def test_the_personal_link_rates_the_answer_once_and_a_low_score_reopens_it(published,
                                                                                  smtp):
    from datetime import timedelta

    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from services.intake.entrypoints import rating_page

    intake, appeal = published
    inbox, port = smtp
    await follow(intake, port)
    [(_, message)] = received(inbox)
    link = next(w for w in message.get_content().split() if "/rate/" in w)
    assert link.startswith("http://127.0.0.1:8001/rate/")
    path = link.removeprefix("http://127.0.0.1:8001")
    web = FastAPI()
    web.include_router(rating_page.router(intake))
    client = TestClient(web)
    form = client.get(path)
    assert form.status_code == 200 and 'lang="ru"' in form.text
    assert "в Константиновский район" in form.text and "ivan" not in form.text
    assert form.headers["referrer-policy"] == "no-referrer"
    assert client.post(path, data={"score": "7"}).status_code == 422
    sent = client.post(path, data={"score": "2", "comment": "Яму не заделали, мой телефон "
                                                            "+7 900 123-45-67"})
    assert sent.status_code == 200 and "возвращено в работу" in sent.text
    [rated] = log_events(intake, "AnswerRatingReceived")
    assert rated.payload.score == 2 and "123-45-67" not in rated.payload.comment
    again = client.post(path, data={"score": "5"})
    assert again.status_code == 409 and "уже получена" in again.text
    assert len(log_events(intake, "AnswerRatingReceived")) == 1

    tampered = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    assert client.get(tampered).status_code == 404
    intake.clock.set(intake.clock.now() + timedelta(days=31))
    assert client.get(path).status_code == 410


async def test_a_failed_delivery_waits_in_the_operators_queue_until_sent_again(published, smtp):
    from fastapi.testclient import TestClient

    from tests.support.intake import http_client

    intake, appeal = published
    inbox, port = smtp
    inbox.answer = "550 No such mailbox"
    await follow(intake, port)
    client: TestClient = http_client(intake)
    coordinator = {"Authorization": "Bearer demo-u-mcu-coord"}
    [waiting] = client.get("/api/v1/deliveries/failed", headers=coordinator).json()
    assert waiting["appeal_id"] == str(appeal) and "550" in waiting["reason"]
    assert waiting["municipality"] == "konstantinovsky" and waiting["attempt"] == 1
    assert waiting["subject"] == "Яма во дворе" and "ivan" not in str(waiting)
    foreign = {"Authorization": "Bearer demo-gr-head"}  # another municipality's head
    assert client.get("/api/v1/deliveries/failed", headers=foreign).json() == []
    out_of_reach = client.post(f"/api/v1/deliveries/{appeal}/retry", headers=foreign)
    assert out_of_reach.status_code == 404 and out_of_reach.json()["code"] == "appeal_not_found"
    executor = {"Authorization": "Bearer demo-u-adm-gkh-exec1"}
    assert client.get("/api/v1/deliveries/failed", headers=executor).status_code == 403

    inbox.answer = "250 OK"  # the mailbox was mended
    sent = client.post(f"/api/v1/deliveries/{appeal}/retry", headers=coordinator)
    assert sent.status_code == 202
    assert client.get("/api/v1/deliveries/failed", headers=coordinator).json() == []
    again = client.post(f"/api/v1/deliveries/{appeal}/retry", headers=coordinator)
    assert again.status_code == 409 and again.json()["code"] == "delivery_not_waiting"
    await follow(intake, port)
    [(_, message)] = received(inbox)
    [delivered] = log_events(intake, "AnswerDelivered")
    assert delivered.payload.attempt == 2


async def test_the_operator_sends_a_failed_answer_again_from_the_console(published, smtp):
    import re

    from tests.support.console import console_over_intake, csrf_of, sign_in

    intake, appeal = published
    inbox, port = smtp
    inbox.answer = "550 No such mailbox"
    await follow(intake, port)
    with console_over_intake(intake) as client:
        sign_in(client, "u-mcu-coord")
        page = client.get("/deliveries")
        assert page.status_code == 200 and "550" in page.text and str(appeal) in page.text
        assert "Яма во дворе" in page.text and "поступило 16 ноября 2026" in page.text
        assert "Доставка ответов" in page.text  # in the coordinator's menu
        sent = client.post(f"/deliveries/{appeal}/retry", data={"csrf": csrf_of(page.text)})
        assert sent.status_code == 200 and "будет отправлен заново" in sent.text
        assert "Все ответы доставлены" in sent.text
        assert re.search(r"Отправить заново", sent.text) is None


async def test_the_public_rating_page_holds_against_careless_and_hostile_input(published, smtp):
    from fastapi.testclient import TestClient

    from tests.support.intake import http_client

    intake, _ = published
    inbox, port = smtp
    await follow(intake, port)
    [(_, message)] = received(inbox)
    path = next(w for w in message.get_content().split() if "/rate/" in w).removeprefix(
        "http://127.0.0.1:8001")
    client: TestClient = http_client(intake)  # the service's own face: its body limits too
    for bad in ("/rate/" + "A" * 5000, "/rate/%00", "/rate/<script>", "/rate/a.b.c"):
        refused = client.get(bad)
        assert refused.status_code == 404 and "Ссылка повреждена" in refused.text, bad
        assert "<script>" not in refused.text
    for data, reason in (({"score": "1; DROP TABLE"}, "Выберите оценку"), ({}, "Выберите оценку"),
                         ({"score": "4", "comment": "я" * 2001}, "Комментарий длиннее")):
        answer = client.post(path, data=data)
        assert answer.status_code == 422 and reason in answer.text
    assert client.post(path, content=b"score=5&comment=" + b"x" * 300_000, headers={
        "Content-Type": "application/x-www-form-urlencoded"}).status_code == 413
    assert not log_events(intake, "AnswerRatingReceived")  # nothing recorded by any of them
    assert client.post(path, data={"score": "5"}).status_code == 200  # the link still works
