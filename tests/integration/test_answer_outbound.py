"""The answer goes back to ПОС and «Инцидент Менеджмент» through the municipality's
integration receiver (issue 23): a real HTTP server on loopback that first fails (500),
then hangs past the client's patience, then acknowledges; the answer is retried at its
time from the retry list and posted once (the same Idempotency-Key on every attempt, even
after a crash between the receiver's acknowledgement and the record); a refusal for good
and a municipality with no receiver go to the operator's queue; nothing of the applicant
leaves."""

from __future__ import annotations

import json

import pytest

from kit.settings import AnswerEndpoint
from services.intake.entrypoints.answer_delivery import AnswerDelivery
from tests.integration.test_answer_by_hand import (  # noqa: F401 - `intake` is a fixture
    COORDINATOR, FOREIGN, PERSON, handle_all, intake, publish)
from tests.support.intake import http_client
from tests.integration.test_answer_delivery import log_events
from tests.support.receiver import receiver

KEY = "pos-gateway-key-0123456789"


@pytest.fixture
def gateway():
    with receiver() as found:
        yield found


def sender(intake, gateway, channel: str = "pos") -> AnswerDelivery:
    return AnswerDelivery(intake, None, outbound_timeout=0.5, endpoints={
        "konstantinovsky": {channel: AnswerEndpoint(url=gateway.url, key=KEY)}})


def retry_when_due(intake, delivery: AnswerDelivery) -> int:
    [*_, failed] = log_events(intake, "DeliveryFailed")
    intake.clock.set(failed.payload.retry_at)
    return delivery.retry_due()


async def test_the_answer_reaches_the_pos_receiver_after_a_500_and_a_timeout(intake, gateway):
    appeal = publish(intake, "POS-1", "pos", "message", {**PERSON, "email": "i@example.ru"})
    gateway.script = ["500", "hang"]
    gateway.hang_seconds = 1.5
    delivery = await handle_all(intake, sender(intake, gateway))
    [failed] = log_events(intake, "DeliveryFailed")
    assert failed.payload.retry_at is not None and "HTTP 500" in failed.payload.reason
    assert retry_when_due(intake, delivery) == 1  # hangs: the client gives up in 0.5 s
    second = log_events(intake, "DeliveryFailed")[-1]
    assert second.payload.attempt == 2 and "ReadTimeout" in second.payload.reason
    assert retry_when_due(intake, delivery) == 1
    [delivered] = log_events(intake, "AnswerDelivered")
    assert delivered.payload.channel == "pos" and delivered.payload.attempt == 3
    assert delivered.payload.reference == "ПОС «Госуслуги. Решаем вместе»: квитанция R-1"

    keys = {r["headers"]["idempotency-key"] for r in gateway.requests}
    assert keys == {f"answer-{appeal}-d-1"} and len(gateway.requests) == 3
    assert {r["headers"]["authorization"] for r in gateway.requests} == {f"Bearer {KEY}"}
    [answer] = gateway.posted.values()
    assert answer["schema"] == "mcu.answer/1" and answer["external_id"] == "POS-1"
    assert answer["answer"]["organization"] == "Отдел коммунального и дорожного хозяйства"
    assert "Ямочный ремонт" in answer["answer"]["text"] and answer["answer"]["outgoing"] is None
    sent = json.dumps(gateway.requests, ensure_ascii=False)
    assert "Иванов" not in sent and "i@example.ru" not in sent and "900" not in sent
    assert retry_when_due(intake, delivery) == 0  # off the retry list


async def test_a_crash_between_acknowledgement_and_record_posts_once(intake, gateway):
    appeal = publish(intake, "IM-1", "incident", "social", None)
    delivery = sender(intake, gateway, "incident")
    recorded = delivery._delivered

    def crash(*args, **kwargs):
        raise SystemExit("killed after the receiver acknowledged")

    delivery._delivered = crash
    await delivery.start()
    with pytest.raises(SystemExit):
        await delivery.follow_once()
    assert not log_events(intake, "AnswerDelivered") and len(gateway.posted) == 1
    delivery._delivered = recorded  # restarted: the batch is handled again
    while await delivery.follow_once():
        pass
    await delivery.close()
    [delivered] = log_events(intake, "AnswerDelivered")
    assert delivered.appeal_id == appeal and delivered.payload.channel == "incident"
    assert len(gateway.requests) == 2 and len(gateway.posted) == 1  # posted once


async def test_an_official_answer_carries_its_number_and_signer(intake, gateway):
    appeal = publish(intake, "POS-2", "pos", "official", None)
    await handle_all(intake, sender(intake, gateway))
    notice, answer = gateway.posted.values()  # the registration notice came first
    assert notice["schema"] == "mcu.notice/1" and notice["notice"]["kind"] == "registration"
    assert notice["idempotency_key"] == f"notice-{appeal}-registration"
    assert notice["notice"]["registration_number"].startswith("ОГ-00001/")
    assert notice["notice"]["registration_number"] in notice["notice"]["text"]
    assert answer["answer"]["signer"] == {
        "name": "Лосев Андрей Павлович",
        "position": "Начальник отдела коммунального и дорожного хозяйства"}
    assert answer["answer"]["outgoing"]["number"].startswith("00001/")


async def test_a_refusal_and_a_missing_receiver_wait_for_the_operator(intake, gateway):
    refused = publish(intake, "POS-3", "pos", "message", None)
    unconfigured = publish(intake, "IM-2", "incident", "social", None)
    gateway.script = ["403"]
    await handle_all(intake, sender(intake, gateway))  # a receiver for ПОС only
    failed = {e.appeal_id: e.payload for e in log_events(intake, "DeliveryFailed")}
    assert failed[refused].retry_at is None and "HTTP 403" in failed[refused].reason
    assert failed[unconfigured].retry_at is None
    assert "MCU_ANSWER_ENDPOINTS" in failed[unconfigured].reason
    assert len(intake.failed_deliveries(frozenset({"konstantinovsky"}))) == 2

    client = http_client(intake)  # the operator entered the answer in ПОС by hand
    door = f"/api/v1/deliveries/{unconfigured}/delivered"
    assert client.post(door, headers=FOREIGN, json={"how": "внесён вручную"}).status_code == 404
    done = client.post(door, headers=COORDINATOR, json={"how": "внесён в ИМ вручную"})
    assert done.status_code == 200
    [delivered] = log_events(intake, "AnswerDelivered")
    assert delivered.appeal_id == unconfigured and delivered.actor.id == "u-mcu-coord"
    assert delivered.payload.reference == "отмечено оператором: внесён в ИМ вручную"
    again = client.post(door, headers=COORDINATOR, json={"how": "ещё раз"})
    assert again.status_code == 409 and again.json()["code"] == "delivery_not_waiting"
    assert len(intake.failed_deliveries(frozenset({"konstantinovsky"}))) == 1
