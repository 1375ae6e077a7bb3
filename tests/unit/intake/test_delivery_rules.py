"""What an answer's e-mail says and what a mail server's answer means, without I/O."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from contracts.vocabulary import Channel, Kind
from services.intake.domain import delivery, letter, registers
from services.intake.domain.registers import INCOMING, OUTGOING
from services.intake.domain.delivery import Way


def test_the_greeting_uses_the_name_and_patronymic_never_a_guessed_gender():
    assert delivery.salutation("Петрова", "Анна", "Сергеевна") == "Уважаемый(ая) Анна Сергеевна!"
    assert delivery.salutation("Иван", "Петров", None) == "Уважаемый(ая) Иван Петров!"
    assert delivery.salutation(None, None, None) == "Здравствуйте!"


def test_one_answer_is_one_message_whatever_the_attempt():
    appeal = uuid.UUID(int=5)
    first = delivery.message_id(appeal, "d 1/x", "mcu.example.ru")
    assert first == delivery.message_id(appeal, "d 1/x", "mcu.example.ru")
    assert first == f"<answer-{appeal}-d-1-x@mcu.example.ru>"
    assert first != delivery.message_id(appeal, "d-2", "mcu.example.ru")


def test_the_thread_is_kept_only_for_a_real_message_id():
    common = dict(appeal_id=uuid.UUID(int=1), draft_id="d", text="Ответ.", municipality="М",
                  received_at=datetime(2026, 11, 16, 23, 30, tzinfo=ZoneInfo("Asia/Krasnoyarsk")),
                  subject=None, salutation_line="Здравствуйте!", domain="x.ru")
    assert delivery.answer_mail(replied_message_id="a@b", **common).in_reply_to == "<a@b>"
    assert delivery.answer_mail(replied_message_id="web-17", **common).in_reply_to is None
    assert delivery.answer_mail(replied_message_id=None, **common).subject == \
        "Ответ на ваше обращение от 16.11.2026"


def test_only_a_5xx_is_a_refusal_for_good():
    assert delivery.refusal_is_final(550) and not delivery.refusal_is_final(421)
    assert not delivery.refusal_is_final(None)


def way(channel: Channel, kind: Kind = Kind.MESSAGE, **reach: bool):
    return delivery.way(channel, kind, **{"email": False, "address": False, "phone": False,
                                          **reach})


def test_each_answer_goes_back_the_way_59_fz_and_the_vault_allow():
    everything = {"email": True, "address": True, "phone": True}
    assert way(Channel.EMAIL, **everything) is Way.EMAIL
    assert way(Channel.LETTER, **everything) is Way.LETTER  # in writing to the address
    assert way(Channel.LETTER, email=True) is Way.EMAIL  # no address: the e-mail it gave
    assert way(Channel.POS) is way(Channel.INCIDENT) is Way.OUTBOUND
    assert way(Channel.WEB, **everything) is Way.EMAIL  # came electronically
    assert way(Channel.WEB, address=True, phone=True) is Way.LETTER
    assert way(Channel.PHONE, **everything) is Way.CALL  # a message by phone: a call back
    assert way(Channel.PHONE, Kind.OFFICIAL, **everything) is Way.LETTER  # official: written
    assert way(Channel.PHONE, Kind.OFFICIAL, email=True, phone=True) is Way.EMAIL
    assert way(Channel.PHONE, Kind.OFFICIAL, phone=True) is Way.CALL  # nothing else left
    assert way(Channel.WEB) is None and way(Channel.LETTER, phone=True) is None
    assert not delivery.delivers(Channel.OPEN311)  # its answer is the request's status_notes
    assert all(delivery.delivers(c) for c in Channel if c is not Channel.OPEN311)
    assert delivery.channel_of(Way.CALL, Channel.WEB) is Channel.PHONE
    assert delivery.channel_of(Way.OUTBOUND, Channel.POS) is Channel.POS


def test_a_tracking_number_is_checked_as_the_post_prints_it():
    assert letter.tracking_number(" 8010 0123 4567 89 ") == "80100123456789"
    assert letter.tracking_number("ra644000005ru") == "RA644000005RU"  # S10: check digit 5
    assert letter.tracking_number("AA473124829GB") == "AA473124829GB"  # the UPU example
    for wrong in ("RA644000001RU", "8010012345678", "ABC", "", "RA64400000RU"):
        with pytest.raises(letter.BadTrackingNumber):
            letter.tracking_number(wrong)


def test_the_letter_says_who_answers_whom_under_which_number():
    from kit.directory import parse_directory

    directory = parse_directory({
        "municipality": "Район", "timezone": "Europe/Moscow",
        "organizations": [
            {"id": "mcu", "name": "МЦУ", "kind": "mcu"},
            {"id": "adm", "name": "Администрация района", "kind": "administration",
             "address": "347250, г. Н, ул. Ленина, 1"},
            {"id": "gkh", "name": "Отдел ЖКХ", "kind": "department", "parent": "adm"}],
        "people": [{"id": "boss", "name": "Лосев Андрей Павлович", "organization": "gkh",
                    "roles": ["approver"], "position": "Начальник отдела ЖКХ"}]})
    head = letter.letterhead(directory, "gkh")
    assert head == letter.Letterhead("Отдел ЖКХ", "Администрация района",
                                     "347250, г. Н, ул. Ленина, 1")  # the parent's address
    assert letter.signer(directory, None, "ghost", "boss") == letter.Signer(
        "Лосев Андрей Павлович", "Начальник отдела ЖКХ")
    assert letter.signer(directory, "ghost").name == "—"
    assert registers.number(OUTGOING, 42, 2026) == "00042/2026"
    assert registers.number(INCOMING, 7, 2026) == "ОГ-00007/2026"
    assert letter.addressee("Иванов", "Иван", None, "г. Н,\nул. Мира, 5") == (
        "Иванов Иван", "г. Н,", "ул. Мира, 5")  # one line each, the name as given
    assert letter.addressee(None, None, None, None) == ()
    assert letter.about(date(2026, 11, 20), "Яма") == "На ваше обращение «Яма» от 20.11.2026"
    assert letter.about(None, " ") == "На ваше обращение"
