"""Routing through its HTTP API and the real broker: registration → autorule → assignment →
return → reassignment → draft → rework → approval → publication → rating → reopen."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from contracts import decode
from kit import problems
from kit.consumer import TrackedConsumer
from kit.stores import store_environment
from kit.topics import ensure_log_topics
from services.routing.application import RoutingApplication
from services.routing.entrypoints.http import router
from tests.support.logtools import consume_until, intake_app, publish_all, read_all, register
from tests.support.routing import RULES, directory
from kit.deployment import single
from kit.directory import DEFAULT_ID

pytestmark = pytest.mark.kafka


def bearer(person: str) -> dict:
    return {"Authorization": f"Bearer token-{person}"}


async def test_the_whole_workflow_lands_on_the_log_in_order(store_settings):
    settings = store_settings
    await ensure_log_topics(settings)
    intake = intake_app(settings)
    [appeal_id] = register(intake, 1)
    await publish_all(intake, settings)

    routing = RoutingApplication(env=store_environment("routing", settings),
                                 deployment=single(directory(), {}),
                                 rules={DEFAULT_ID: RULES})
    consumer = TrackedConsumer(routing, "mcu.routing", routing.react, settings.log_topic,
                               settings.dlq_topic, settings.kafka_bootstrap, 100, 100)
    await consumer.start()
    await consume_until(consumer, lambda: appeal_id in routing.repository)
    await consumer.close()

    api = FastAPI()
    problems.install(api)
    api.include_router(router(routing))
    client = TestClient(api)
    base = f"/api/v1/appeals/{appeal_id}"
    steps = [
        ("assignment", "p-coordinator", {"executor_id": "p-executor"}),
        ("executor-return", "p-executor", {"reason": "не наш участок",
                                           "suggested_recipient_id": "other"}),
        ("assignment", "p-coordinator", {"executor_id": "p-executor-2"}),
        ("answer-draft", "p-executor-2", {"text": "Ремонт в мае"}),
        ("approval-request", "p-executor-2", {}),
        ("rework", "p-approver", {"criteria": ["no_dates"], "comment": "укажите дату"}),
        ("answer-draft", "p-executor-2", {"text": "Ремонт 15.05.2027", "attachments": 1}),
        ("approval-request", "p-executor-2", {}),
        ("approval", "p-approver", None),
        ("publication", "p-approver", None),
        ("rating", "p-applicant", {"score": 1, "comment": "ничего не сделано"}),
    ]
    for path, person, body in steps:
        response = client.post(f"{base}/{path}", json=body, headers=bearer(person))
        assert response.status_code == 200, (path, response.json())
    assert response.json()["status"] == "reopened"

    denied = client.post(f"{base}/approval", headers=bearer("p-executor"))
    assert (denied.status_code, denied.json()["code"]) == (403, "forbidden_role")
    anonymous = client.post(f"{base}/approval")
    assert (anonymous.status_code, anonymous.json()["code"]) == (401, "unauthorized")

    await publish_all(routing, settings, "routing")
    log = [decode(rec.value) for rec in await read_all(settings.kafka_bootstrap, settings.log_topic)]
    assert [e.event_type for e in log if e.appeal_id == appeal_id] == [
        "AppealRegistered", "AppealRouted", "AppealAssigned", "AppealReturned", "AppealAssigned",
        "AnswerDrafted", "AnswerSentForApproval", "AnswerReturnedForRework", "AnswerDrafted",
        "AnswerSentForApproval", "AnswerApproved", "AnswerPublished", "AppealRated",
        "AppealReopened"]
    routed = next(e for e in log if e.event_type == "AppealRouted")
    assert routed.causation_id == log[0].event_id and routed.payload.rule_id == "all-to-dep"
    rating = next(e for e in log if e.event_type == "AppealRated")
    assert (rating.actor.id, rating.actor.role.value) == ("p-applicant", "applicant")
