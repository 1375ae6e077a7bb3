"""What an answer's e-mail says and what a mail server's answer means, without I/O."""

from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from contracts.vocabulary import Channel
from services.intake.domain import delivery


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


def test_only_a_5xx_is_a_refusal_for_good_and_only_email_is_mailed_yet():
    assert delivery.refusal_is_final(550) and not delivery.refusal_is_final(421)
    assert not delivery.refusal_is_final(None)
    assert delivery.delivers_by_email(Channel.EMAIL)
    assert not delivery.delivers_by_email(Channel.POS)
