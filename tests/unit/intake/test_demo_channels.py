"""The demo sends its appeals through every channel's real adapter."""

from __future__ import annotations

from collections import Counter

import httpx

from demo.runner import run
from tests.support.intake import http_client


async def test_every_channel_door_is_exercised_and_nothing_is_lost(intake, monkeypatch):
    api = http_client(intake).app
    transport = httpx.ASGITransport(app=api)
    real_client = httpx.AsyncClient

    def in_process(**kwargs):
        return real_client(transport=transport, **kwargs)

    monkeypatch.setattr("demo.runner.httpx.AsyncClient", in_process)
    paths: Counter = Counter()
    original = transport.handle_async_request

    async def counted(request):
        paths[request.url.path] += 1
        return await original(request)

    monkeypatch.setattr(transport, "handle_async_request", counted)
    sent = await run("http://intake", rate=10_000, total=120, seed=4, report_every=1000)
    assert sent == 120
    assert {"/api/v1/channels/pos/messages", "/api/v1/channels/email/messages",
            "/api/v1/channels/incident/imports", "/open311/v2/requests.json",
            "/api/v1/appeals"} <= set(paths)
    events = [intake.domain_event(n) for n in intake.notifications_after(0, 1000)]
    registered = [e for e in events if getattr(e, "event_type", "") == "AppealRegistered"]
    assert len(registered) == sent
    channels = Counter(str(e.payload["channel"]) for e in registered)
    assert set(channels) >= {"pos", "email", "incident", "open311"}
    by_rules = [e for e in registered if e.payload["classification"]["method"] == "rule"]
    assert by_rules, "appeals without the applicant's topic are classified by the rubricator"
