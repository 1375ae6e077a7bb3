"""The audit service as a process (issue 24): it watches the log beside intake, publishes
signed checkpoints at its public door, and `mcu audit verify` finds the log whole; the
checkpoint's text verifies with the published key alone; an auditor replays an appeal
through its door as routing tells it, and takes the dossier."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from services.audit.domain.checkpoint import Checkpoint, key_id
from tests.support.processes import service

pytestmark = pytest.mark.e2e
APPEAL = {"channel": "web", "text": "Не горят фонари на ул. Мира", "territory": "г. Константиновск"}


def test_the_audit_service_signs_the_log_and_verify_finds_it_whole(env):
    env = {**env, "MCU_AUDIT_CHECKPOINT_EVERY": "5", "MCU_AUDIT_CHECKPOINT_SECONDS": "1"}
    with service("intake", env) as (intake, _), service("audit", env) as (audit, _):
        for i in range(12):
            answer = httpx.post(f"{intake}/api/v1/appeals", json=APPEAL | {"external_id": f"A-{i}"},
                                headers={"X-API-Key": "demo-web"})
            assert answer.status_code == 201
        appeal = answer.json()["appeal_id"]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            published = httpx.get(f"{audit}/api/v1/audit/checkpoints").json()
            if sum(c["size"] for c in published) >= 12:
                break
            time.sleep(0.5)
        assert sum(c["size"] for c in published) == 12
        pems = httpx.get(f"{audit}/api/v1/audit/keys").text
    keys = {key_id(k): k for k in (load_pem_public_key(("-----BEGIN" + part).encode())
                                   for part in pems.split("-----BEGIN")[1:])}
    assert all(Checkpoint.parse(c["text"]).verified_by(keys) for c in published)
    done = subprocess.run([sys.executable, "-m", "cli.main", "audit", "verify"],
                          env={**os.environ, **env}, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "записей в журнале: 12; под подписанными контрольными точками: 12" in done.stdout
    assert "журнал сходится" in done.stdout
    replayed = subprocess.run([sys.executable, "-m", "cli.main", "audit", "replay", appeal],
                              env={**os.environ, **env}, capture_output=True, text=True,
                              timeout=120)
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    assert "✓" in replayed.stdout and "Обращение зарегистрировано" in replayed.stdout
    assert "подтверждены подписанными контрольными точками: 1." in replayed.stdout


def test_an_auditor_replays_an_appeal_through_the_door_as_routing_tells_it(env, tmp_path):
    """Intake, routing and audit as processes: the auditor's door gives the appeal's
    history from the log, each event proven, equal to routing's own history of it; the
    state before registration and now; the dossier as PDF and HTML, and from the command
    line; a person who is not an auditor is refused; every read is logged."""
    env = {**env, "MCU_AUDIT_CHECKPOINT_EVERY": "2", "MCU_AUDIT_CHECKPOINT_SECONDS": "1"}
    auditor = {"Authorization": "Bearer demo-u-auditor"}
    with service("intake", env) as (intake, _), service("routing", env) as (routing, _), \
            service("audit", {**env, "MCU_ROUTING_URL": routing}) as (audit, _):
        answer = httpx.post(f"{intake}/api/v1/appeals", json=APPEAL | {"external_id": "R-1"},
                            headers={"X-API-Key": "demo-web"})
        assert answer.status_code == 201
        appeal = answer.json()["appeal_id"]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            told = httpx.get(f"{routing}/api/v1/appeals/{appeal}",
                             headers={"Authorization": "Bearer demo-u-head"})
            seen = httpx.get(f"{audit}/api/v1/appeals/{appeal}/audit", headers=auditor)
            if (told.status_code == 200 and told.json()["history"] and seen.status_code == 200
                    and seen.json()["verified"] and len(seen.json()["events"]) >= 2):
                break
            time.sleep(0.5)
        replay = seen.json()
        assert replay["verified"] and all(e["proven"] for e in replay["events"])
        from_routing = [(h["seq"], h["event_type"], h["payload"]) for h in told.json()["history"]]
        from_log = [(e["envelope"]["seq"], e["envelope"]["event_type"], e["envelope"]["payload"])
                    for e in replay["events"] if e["envelope"]["producer"] == "routing"]
        assert from_log == from_routing and from_log
        assert replay["state"]["status"] == told.json()["status"]
        assert replay["state"]["recipient_id"] == told.json()["recipient_id"]
        decided = [r for r in replay["rechecks"] if r["rule"] == "autorule"]
        assert len(decided) == 1 and decided[0]["consistent"], replay["rechecks"]
        assert "пересчёт: то же решение" in decided[0]["detail"]
        earlier = httpx.get(f"{audit}/api/v1/appeals/{appeal}/audit",
                            params={"at": "2020-01-01T00:00:00+03:00"}, headers=auditor).json()
        assert earlier["state"]["status"] is None and earlier["state"]["events"] == 0
        pdf = httpx.get(f"{audit}/api/v1/appeals/{appeal}/audit/dossier", headers=auditor)
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        page = httpx.get(f"{audit}/api/v1/appeals/{appeal}/audit/dossier",
                         params={"format": "html"}, headers=auditor)
        assert "справка аудитора" in page.text and "Направлено получателю" in page.text
        refused = httpx.get(f"{audit}/api/v1/appeals/{appeal}/audit",
                            headers={"Authorization": "Bearer demo-u-head"})
        assert refused.status_code == 403 and refused.json()["code"] == "forbidden_role"
        unknown = httpx.get(f"{audit}/api/v1/appeals/{uuid.uuid4()}/audit", headers=auditor)
        assert unknown.status_code == 404 and unknown.json()["code"] == "appeal_not_found"
        reads = httpx.get(f"{audit}/api/v1/audit/reads", headers=auditor).json()
        assert [r["what"] for r in reads[:4]] == ["dossier.html", "dossier.pdf", "history",
                                                  "history"]
        assert {r["who"] for r in reads} == {"u-auditor"}
    out = tmp_path / "dossier.pdf"
    made = subprocess.run([sys.executable, "-m", "cli.main", "audit", "dossier", appeal,
                           "--out", str(out), "--at", "2030-01-01T00:00"],
                          env={**os.environ, **env}, capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stdout + made.stderr
    assert out.read_bytes().startswith(b"%PDF") and "Решений перепроверено" in made.stdout


def test_a_deadline_is_recomputed_by_its_calendar_revision_and_a_later_calendar_change_is_no_fault(
        env, tmp_path):
    """SLA, intake, routing and audit as processes on a calendar folder of their own: each
    DeadlineSet is recomputed by SLA with the calendar revision it names (the same moment);
    after the calendar file is changed (days off inside the term), the same deadline is
    still consistent, and the replay says «календарь изменён после» with the moment
    today's calendar would give."""
    import datetime as dt
    import shutil

    import yaml

    calendars = tmp_path / "calendars"
    shutil.copytree(Path(__file__).resolve().parents[2] / "services" / "sla" / "data"
                    / "calendars", calendars)
    env = {**env, "MCU_SLA_CALENDAR_DIR": str(calendars),
           "MCU_AUDIT_CHECKPOINT_EVERY": "2", "MCU_AUDIT_CHECKPOINT_SECONDS": "1"}
    auditor = {"Authorization": "Bearer demo-u-auditor"}
    with service("routing", env) as (routing, _), service("sla", {
            **env, "MCU_ROUTING_URL": routing}) as (sla, _), \
            service("intake", env) as (intake, _), \
            service("audit", {**env, "MCU_SLA_URL": sla}) as (audit, _):
        answer = httpx.post(f"{intake}/api/v1/appeals", json=APPEAL | {"external_id": "C-1"},
                            headers={"X-API-Key": "demo-web"})
        appeal = answer.json()["appeal_id"]

        def terms() -> list[dict]:
            found = httpx.get(f"{audit}/api/v1/appeals/{appeal}/audit", headers=auditor)
            return [r for r in found.json().get("rechecks", [])
                    if r["rule"] == "deadline_term"] if found.status_code == 200 else []

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not terms():
            time.sleep(0.5)
        before = terms()
        assert before and all(r["consistent"] and "тот же срок" in r["detail"]
                              for r in before), before
        assert not any("изменён после" in r["detail"] for r in before)
        assert all("в редакции политики" in r["detail"] for r in before), before
        replay = httpx.get(f"{audit}/api/v1/appeals/{appeal}/audit", headers=auditor).json()
        set_ = [e["envelope"]["payload"] for e in replay["events"]
                if e["envelope"]["event_type"] == "DeadlineSet"]
        first = min(dt.datetime.fromisoformat(p["counted_from"]) for p in set_).date()
        last = max(dt.datetime.fromisoformat(p["due_at"]) for p in set_).date()
        year_file = calendars / f"ru-{first.year}.yaml"
        data = yaml.safe_load(year_file.read_text(encoding="utf-8"))
        day = first
        while day <= last and day.year == first.year:
            if day.weekday() < 5 and day not in data["non_working"]:
                data["non_working"][day] = "проверка аудита: день объявлен нерабочим"
            day += dt.timedelta(days=1)
        year_file.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=True),
                             encoding="utf-8")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not all(
                "изменён после" in r["detail"] for r in terms()):
            time.sleep(0.5)
        after = terms()
        assert after and all(r["consistent"] for r in after), after
        assert all("календарь изменён после" in r["detail"] for r in after), after
        assert any("по ней срок был бы" in r["detail"] for r in after), after
