"""Answers an operator takes to the applicant by hand (issue 23): an official letter drawn as
a PDF (its text read back: letterhead, outgoing number, addressee from the vault, the
approver's signature, the rating link) waits in the print list until the posting is
recorded with its tracking number; a message by phone waits in the call-back list, the
number shown through the vault, until the call is recorded; an official e-mail carries its
letter as PDF; an applicant with no contact at all goes to the queue of failed deliveries.
Each door tried by someone out of reach, twice, and with what cannot be."""

from __future__ import annotations

import email
import io
import json
from datetime import timedelta
from email.policy import default as default_policy

import pytest
from pypdf import PdfReader

from contracts import decode, encode
from contracts.examples import EXAMPLES
from services.intake.adapters.vault import Applicant, PersonalDataVault
from services.intake.adapters.vault_storage import SqliteStorage
from services.intake.domain.commands import RegisterAppeal
from tests.integration.test_answer_delivery import follower, log_events
from tests.support.envelopes import AppealStory
from tests.support.intake import http_client, route_registrations
from tests.support.smtp import smtp_server
from tests.unit.test_tenancy import world
from kit.unit_of_work import UnitOfWork

ANSWER = ("Ремонт дороги по ул. Ленина включён в план на 2027 год.\n"
          "Ямочный ремонт выполнят до 25 декабря 2026 года.")
COORDINATOR = {"Authorization": "Bearer demo-u-mcu-coord"}
FOREIGN = {"Authorization": "Bearer demo-gr-head"}  # another municipality's head
PERSON = {"last_name": "Иванов", "first_name": "Иван", "middle_name": "Петрович",
          "address": "347250, Ростовская обл., г. Константиновск,\nул. Ленина, д. 5, кв. 3",
          "phone": "+7 900 123-45-67"}


@pytest.fixture
def intake(tmp_path):
    app, routing, _ = world(PersonalDataVault(SqliteStorage(tmp_path / "vault.db")))
    app.routing = routing
    return app


def publish(intake, external_id: str, channel: str, kind: str, applicant: dict | None,
            draft: str = "d-1"):
    """The appeal registered, routed, its answer drafted, approved by the department's head
    and published (the events as intake's consumer reads them from the log)."""
    appeal = intake.register(RegisterAppeal(
        channel=channel, external_id=external_id, kind=kind, federal_law_59=kind == "official",
        text="Яма на дороге по ул. Ленина", subject="Яма на дороге",
        municipality="konstantinovsky", applicant=applicant)).appeal_id
    route_registrations(intake, intake.routing)
    story = AppealStory(appeal, municipality="konstantinovsky")
    now = intake.clock.now()
    for envelope in (
            story.event("AnswerDrafted", now, draft_id=draft, text=ANSWER,
                        executor_id="u-adm-gkh-exec1"),
            story.event("AnswerApproved", now, draft_id=draft, approver_id="u-adm-gkh-head"),
            story.event("AnswerPublished", now, draft_id=draft, recipient_id="adm-gkh",
                        executor_id="u-adm-gkh-exec1")):
        unit = UnitOfWork(intake)
        intake.react(decode(encode(envelope)), unit)
        intake.save(*unit.aggregates())
    return appeal


async def handle_all(intake, mailer=None, port: int = 9):
    delivery = mailer or follower(intake, port)
    await delivery.start()
    while await delivery.follow_once():
        pass
    await delivery.close()
    return delivery


def pdf_text(pdf: bytes) -> str:
    """The PDF's words in reading order, each run of spaces and line breaks as one space."""
    return " ".join(" ".join(page.extract_text() for page in
                             PdfReader(io.BytesIO(pdf)).pages).split())


async def test_an_official_letter_is_printed_numbered_signed_and_delivered_when_posted(intake):
    first = publish(intake, "L-1", "letter", "official", PERSON)
    second = publish(intake, "L-2", "letter", "official", {**PERSON, "last_name": "Петрова"})
    await handle_all(intake)
    assert not log_events(intake, "AnswerDelivered")  # not before it is posted
    client = http_client(intake)
    waiting = client.get("/api/v1/deliveries/letters", headers=COORDINATOR).json()
    year = intake.clock.now().year
    # in the log's order: each appeal's registration notice, then its answer
    assert [(w["appeal_id"], w["what"], w["number"]) for w in waiting] == [
        (str(first), "registration", f"00001/{year}"), (str(first), "answer", f"00002/{year}"),
        (str(second), "registration", f"00003/{year}"), (str(second), "answer", f"00004/{year}")]
    assert waiting[0]["subject"] == "Яма на дороге" and "Иванов" not in json.dumps(waiting)
    notice = pdf_text(client.get(f"/api/v1/deliveries/letters/{first}/pdf?what=registration",
                                 headers=COORDINATOR).content)
    for seen in ("Муниципальный центр управления", "Администрация Константиновского района",
                 f"Исх. № 00001/{year}", f"под номером ОГ-00001/{year}",
                 "Иванов Иван Петрович", "в течение 30 дней со дня регистрации",
                 "Глава Администрации Константиновского района",  # the MCU head signs
                 "Калинин Сергей Викторович"):
        assert seen in notice, seen
    assert "/rate/" not in notice
    [numbered, _] = log_events(intake, "AppealNumbered")
    assert numbered.appeal_id == first
    assert numbered.payload.registration_number == f"ОГ-00001/{year}"

    response = client.get(f"/api/v1/deliveries/letters/{first}/pdf", headers=COORDINATOR)
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert response.headers["cache-control"] == "no-store"
    text = pdf_text(response.content)
    for seen in ("Администрация Константиновского района",
                 "Отдел коммунального и дорожного хозяйства",
                 "ул. 25 Октября, д. 70", f"Исх. № 00002/{year}",
                 "Иванов Иван Петрович", "ул. Ленина, д. 5, кв. 3",
                 "Уважаемый(ая) Иван Петрович!", "Ямочный ремонт выполнят до 25 декабря",
                 "Начальник отдела коммунального и дорожного хозяйства",
                 "Лосев Андрей Павлович", "/rate/"):
        assert seen in text, seen
    reads = [r for r in intake.vault.access_log() if r["who"] == "u-mcu-coord"]
    assert reads[0]["why"] == "печать официального ответа"
    again = pdf_text(client.get(f"/api/v1/deliveries/letters/{first}/pdf",
                                headers=COORDINATOR).content)
    assert f"Исх. № 00002/{year}" in again  # printed again: the same number

    assert client.get(f"/api/v1/deliveries/letters/{first}/pdf",
                      headers=FOREIGN).status_code == 404
    today = intake.clock.now().date()
    post = f"/api/v1/deliveries/letters/{first}/posted"
    typo = client.post(post, headers=COORDINATOR,
                       json={"tracking_number": "RA644000001RU", "posted_on": str(today)})
    assert typo.status_code == 422 and typo.json()["code"] == "bad_posting"
    assert "контрольная цифра" in typo.json()["detail"]
    future = client.post(post, headers=COORDINATOR, json={
        "tracking_number": "34725012345678", "posted_on": str(today + timedelta(days=1))})
    assert future.status_code == 422 and future.json()["errors"][0]["field"] == "posted_on"
    assert client.post(post, headers=FOREIGN, json={
        "tracking_number": "34725012345678", "posted_on": str(today)}).status_code == 404
    done = client.post(post, headers=COORDINATOR, json={
        "tracking_number": "3472 5012 3456 78", "posted_on": str(today)})
    assert done.status_code == 200
    [delivered] = log_events(intake, "AnswerDelivered")
    assert delivered.appeal_id == first and delivered.payload.channel == "letter"
    assert delivered.payload.reference == "Почта России, трек-номер 34725012345678"
    assert delivered.payload.dispatched_at.date() == today
    assert delivered.actor.id == "u-mcu-coord"
    twice = client.post(post, headers=COORDINATOR, json={
        "tracking_number": "34725012345678", "posted_on": str(today)})
    assert twice.status_code == 409 and twice.json()["code"] == "delivery_not_waiting"
    assert [(w["appeal_id"], w["what"]) for w in client.get(
        "/api/v1/deliveries/letters", headers=COORDINATOR).json()] == [
        (str(first), "registration"), (str(second), "registration"), (str(second), "answer")]
    executor = {"Authorization": "Bearer demo-u-adm-gkh-exec1"}
    assert client.get("/api/v1/deliveries/letters", headers=executor).status_code == 403
    assert "Иванов" not in json.dumps([e.model_dump(mode="json") for e in
                                       log_events(intake, "AnswerDelivered")])


async def test_a_message_by_phone_is_called_back_the_number_shown_through_the_vault(intake):
    appeal = publish(intake, "P-1", "phone", "message", {"phone": "+7 900 123-45-67"})
    await handle_all(intake)
    client = http_client(intake)
    [task] = client.get("/api/v1/deliveries/calls", headers=COORDINATOR).json()
    assert task["appeal_id"] == str(appeal) and "900" not in json.dumps(task)
    shown = client.post(f"/api/v1/deliveries/calls/{appeal}/number", headers=COORDINATOR)
    assert shown.json()["phone"] == "+7 900 123-45-67"
    assert intake.vault.access_log()[0]["why"] == "обратный звонок заявителю"
    assert client.post(f"/api/v1/deliveries/calls/{appeal}/number",
                       headers=FOREIGN).status_code == 404
    result = f"/api/v1/deliveries/calls/{appeal}/result"
    missed = client.post(result, headers=COORDINATOR,
                         json={"reached": False, "result": "не берёт трубку"})
    assert missed.status_code == 200
    [task] = client.get("/api/v1/deliveries/calls", headers=COORDINATOR).json()
    assert (task["attempts"], task["last_outcome"]) == (1, "не берёт трубку")
    [failed] = log_events(intake, "DeliveryFailed")
    assert failed.payload.channel == "phone" and failed.payload.retry_at is None
    reached = client.post(result, headers=COORDINATOR, json={
        "reached": True, "result": "ответ зачитан, перезвонить на +7 900 765-43-21"})
    assert reached.status_code == 200
    [delivered] = log_events(intake, "AnswerDelivered")
    assert delivered.payload.channel == "phone" and delivered.payload.attempt == 2
    assert delivered.payload.reference.startswith("звонок: ответ зачитан")
    assert "765-43-21" not in delivered.payload.reference  # masked like an appeal's text
    assert client.get("/api/v1/deliveries/calls", headers=COORDINATOR).json() == []
    assert client.post(result, headers=COORDINATOR, json={
        "reached": True, "result": "ещё раз"}).status_code == 409


@pytest.fixture
def smtp():
    with smtp_server() as found:
        yield found


async def test_an_official_answer_by_email_attaches_the_signed_letter(intake, smtp):
    inbox, port = smtp
    appeal = publish(intake, "E-1", "email", "official",
                     {**PERSON, "email": "ivan.ivanov@example.ru"})
    await handle_all(intake, follower(intake, port))
    notice, message = (email.message_from_bytes(raw, policy=default_policy)
                       for _, raw in inbox.messages)
    year = intake.clock.now().year
    assert notice["Subject"] == f"Ваше обращение зарегистрировано, № ОГ-00001/{year}"
    assert "Уважаемый(ая) Иван Петрович!" in notice.get_content()
    assert not list(notice.iter_attachments())  # a notice's e-mail is its own text
    year = intake.clock.now().year
    assert f"исх. № 00001/{year}" in message.get_body(("plain",)).get_content()
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == f"Ответ исх. 00001-{year}.pdf"
    text = pdf_text(attachment.get_content())
    assert "Лосев Андрей Павлович" in text and "Иванов Иван Петрович" in text
    [delivered] = log_events(intake, "AnswerDelivered")
    assert delivered.appeal_id == appeal and delivered.payload.channel == "email"


async def test_an_applicant_the_vault_gives_no_way_to_reach_waits_for_the_operator(intake):
    appeal = publish(intake, "W-1", "web", "message", None)
    await handle_all(intake)
    [failed] = log_events(intake, "DeliveryFailed")
    assert failed.appeal_id == appeal and failed.payload.retry_at is None
    assert "нет ни адреса" in failed.payload.reason
    client = http_client(intake)
    [waiting] = client.get("/api/v1/deliveries/failed", headers=COORDINATOR).json()
    assert waiting["appeal_id"] == str(appeal)


async def test_the_operator_prints_posts_and_calls_back_from_the_console(intake):
    from tests.support.console import console_over_intake, csrf_of, sign_in

    letter = publish(intake, "L-9", "letter", "official", PERSON)
    call = publish(intake, "P-9", "phone", "message", {"phone": "+7 900 123-45-67"})
    await handle_all(intake)
    with console_over_intake(intake) as client:
        sign_in(client, "u-mcu-coord")
        page = client.get("/deliveries")
        assert page.status_code == 200 and "Письма на отправку" in page.text
        assert f"00002/{intake.clock.now().year}" in page.text and "Яма на дороге" in page.text
        assert "уведомление о регистрации" in page.text
        assert "+7 900" not in page.text  # the number only on request
        pdf = client.get(f"/deliveries/letters/{letter}.pdf")
        assert pdf.headers["content-type"] == "application/pdf"
        assert "Лосев Андрей Павлович" in pdf_text(pdf.content)
        assert client.get("/deliveries/letters/not-an-id.pdf").status_code == 404

        csrf = csrf_of(page.text)
        shown = client.post(f"/deliveries/calls/{call}/number", data={"csrf": csrf})
        assert "+7 900 123-45-67" in shown.text
        typo = client.post(f"/deliveries/letters/{letter}/posted", data={
            "csrf": csrf, "tracking_number": "RA644000001RU",
            "posted_on": intake.clock.now().date().isoformat()})
        assert typo.status_code == 422 and "контрольная цифра" in typo.text
        posted = client.post(f"/deliveries/letters/{letter}/posted", data={
            "csrf": csrf, "tracking_number": "34725012345678",
            "posted_on": intake.clock.now().date().isoformat()})
        assert posted.status_code == 200 and "Отправка письма записана" in posted.text
        assert f'data-appeal="{letter}" data-what="answer"' not in posted.text
        assert f'data-appeal="{letter}" data-what="registration"' in posted.text  # its notice
        missed = client.post(f"/deliveries/calls/{call}/result", data={
            "csrf": csrf, "reached": "no", "result": "не берёт трубку"})
        assert "задача остаётся" in missed.text and "попыток: 1" in missed.text
        reached = client.post(f"/deliveries/calls/{call}/result", data={
            "csrf": csrf, "reached": "yes", "result": "ответ зачитан"})
        assert "ответ доведён до заявителя" in reached.text and "Звонить некому" in reached.text
    assert {e.payload.channel for e in log_events(intake, "AnswerDelivered")} == {
        "letter", "phone"}


async def test_an_email_the_coordinator_finds_official_is_answered_as_official(intake):
    """Registered as a message, classified as official by routing: the answer is numbered
    and signed like any official one."""
    appeal = intake.register(RegisterAppeal(
        channel="email", external_id="<m-5@example.ru>", text="Прошу отремонтировать дорогу",
        municipality="konstantinovsky",
        applicant={"email": "a@example.ru", "last_name": "Петров"})).appeal_id
    story = AppealStory(appeal, municipality="konstantinovsky")
    unit = UnitOfWork(intake)
    found = EXAMPLES[("AppealClassified", 1)]["classification"]
    intake.react(decode(encode(story.event("AppealClassified", intake.clock.now(),
                                           classification={**found, "kind": "official"}))),
                 unit)
    intake.save(*unit.aggregates())
    assert intake.repository.get(appeal).kind.value == "official"


def react(intake, envelope) -> None:
    unit = UnitOfWork(intake)
    intake.react(decode(encode(envelope)), unit)
    intake.save(*unit.aggregates())


async def test_the_notices_of_59_fz_reach_the_applicant_with_the_registration_number(intake,
                                                                                    smtp):
    """Registration (numbered), forwarding to another body (art. 8) and an extended term
    (art. 12) of an official e-mail appeal, each worded by its template, each once; a
    message gets none until the coordinator finds it official."""
    inbox, port = smtp
    appeal = intake.register(RegisterAppeal(
        channel="email", external_id="m-1@example.ru", kind="official", federal_law_59=True,
        text="Прошу отремонтировать дорогу", municipality="konstantinovsky",
        applicant={"email": "a@example.ru", "first_name": "Анна",
                   "middle_name": "Сергеевна"})).appeal_id
    message = intake.register(RegisterAppeal(
        channel="email", external_id="m-2@example.ru", text="Яма во дворе",
        municipality="konstantinovsky", applicant={"email": "b@example.ru"})).appeal_id
    story = AppealStory(appeal, municipality="konstantinovsky")
    now = intake.clock.now()
    react(intake, story.event("DeadlineExtended", now, stage="answer",
                              due_at="2027-01-29T20:59:59+00:00",
                              reason="нужна проверка на месте"))
    react(intake, story.event("AppealTransferred", now, authority="Прокуратура района",
                              reason="вопрос не в компетенции администрации"))
    react(intake, story.event("DeadlineExtended", now, stage="registration",
                              due_at="2027-01-29T20:59:59+00:00", reason="не ответ"))
    delivery = follower(intake, port)
    await handle_all(intake, delivery)
    mails = [email.message_from_bytes(raw, policy=default_policy) for _, raw in inbox.messages]
    year = intake.clock.now().year
    assert [m["Subject"] for m in mails] == [
        f"Ваше обращение зарегистрировано, № ОГ-00001/{year}",
        f"Срок рассмотрения обращения № ОГ-00001/{year} продлён",
        f"Ваше обращение № ОГ-00001/{year} направлено по компетенции"]
    assert all(m["In-Reply-To"] == "<m-1@example.ru>" for m in mails)
    assert "продлён до 29.01.2027." in mails[1].get_content()  # 23:59:59 in Moscow
    assert "Причина: нужна проверка на месте." in mails[1].get_content()
    assert "по компетенции: Прокуратура района" in mails[2].get_content()
    assert mails[0].get_content().startswith("Уважаемый(ая) Анна Сергеевна!")
    delivered = log_events(intake, "NoticeDelivered")
    assert [e.payload.notice for e in delivered] == ["registration", "extension", "forwarding"]
    assert {e.appeal_id for e in delivered} == {appeal}  # the message got none

    again = follower(intake, port)  # the whole store again, as after a crash
    await again.handle(intake.notifications_after(0, 10_000))
    assert len(inbox.messages) == 3 and len(log_events(intake, "AppealNumbered")) == 1

    found = EXAMPLES[("AppealClassified", 1)]["classification"]
    react(intake, AppealStory(message, municipality="konstantinovsky").event(
        "AppealClassified", now, classification={**found, "kind": "official"}))
    await handle_all(intake, follower(intake, port))
    assert inbox.messages[-1][0] == ["b@example.ru"]
    assert log_events(intake, "AppealNumbered")[-1].payload.registration_number == \
        f"ОГ-00002/{year}"


async def test_a_notice_without_a_way_waits_for_the_operator_and_is_sent_again(intake, smtp):
    inbox, port = smtp
    appeal = intake.register(RegisterAppeal(
        channel="web", external_id="w-1", kind="official", federal_law_59=True,
        text="Прошу отремонтировать дорогу", municipality="konstantinovsky")).appeal_id
    await handle_all(intake, follower(intake, port))
    [failed] = log_events(intake, "NoticeFailed")
    assert failed.payload.notice == "registration" and failed.payload.retry_at is None
    client = http_client(intake)
    [waiting] = client.get("/api/v1/deliveries/failed", headers=COORDINATOR).json()
    assert (waiting["appeal_id"], waiting["what"]) == (str(appeal), "registration")
    found = Applicant(email="c@example.ru")  # the operator learnt the applicant's address
    intake.vault.store(intake.vault.pseudonym(found), appeal, found)
    sent = client.post(f"/api/v1/deliveries/{appeal}/retry?what=registration",
                       headers=COORDINATOR)
    assert sent.status_code == 202
    await handle_all(intake, follower(intake, port))
    assert inbox.messages[-1][0] == ["c@example.ru"]
    [delivered] = log_events(intake, "NoticeDelivered")
    assert delivered.payload.attempt == 2
