"""Reference files edited by their administrators (issue 22): each owner service offers its
files with their revisions, checks a candidate as it would load it, shows what it
changes, writes it on the version seen and uses it at once; every other process notices
the file and loads it too; a version that does not pass changes nothing."""

from __future__ import annotations

from contracts.vocabulary import Notice

from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kit.deployment import SHIPPED_DEPLOYMENT
from kit.reference_files import ReferenceFileError
from kit.runtime import http_app
from kit.settings import ConfigError, Settings
from services.intake.bootstrap import build as build_intake
from services.routing import bootstrap as routing_bootstrap
from services.routing.domain.autorules import AppealFacts
from services.sla import bootstrap as sla_bootstrap
from tests.support.reference import editable_settings

EXTRA_RULE = "  - id: boilers\n    keywords: [котельн]\n    recipient: adm-gkh\n"
FILES = "/api/v1/reference-files"


def bearer(person: str) -> dict:
    return {"Authorization": f"Bearer demo-{person}"}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return editable_settings(tmp_path)


def served(service) -> TestClient:
    return TestClient(http_app(service))


def boiler_facts() -> AppealFacts:
    return AppealFacts("message", "web", "Отопление", "ЖКХ", "", "не работает котельная")


# -- routing: the autorules ----------------------------------------------------------------
def test_an_administrator_checks_sees_the_diff_writes_and_the_next_appeal_follows(settings):
    routing = routing_bootstrap.build(settings)
    client = served(routing)
    listed = client.get(FILES, headers=bearer("u-mcu-admin")).json()
    assert {f["key"]: f["writable"] for f in listed} == {
        "autorules@konstantinovsky": True, "directory@konstantinovsky": True}
    current = client.get(f"{FILES}/autorules@konstantinovsky", headers=bearer("u-mcu-admin"))
    assert current.status_code == 200 and current.json()["revision"] == 1
    text, base = current.json()["text"], current.json()["digest"]
    before = routing.app.rules["konstantinovsky"].decide(boiler_facts())
    assert before.rule_id != "boilers"

    typo = client.post(f"{FILES}/autorules@konstantinovsky/check", headers=bearer("u-mcu-admin"),
                       json={"text": text + EXTRA_RULE.replace("adm-gkh", "adm-gkx")})
    assert typo.status_code == 422
    assert typo.json()["errors"][0]["reason"] == "правило boilers: неизвестный получатель adm-gkx"

    checked = client.post(f"{FILES}/autorules@konstantinovsky/check",
                          headers=bearer("u-mcu-admin"), json={"text": text + EXTRA_RULE})
    assert checked.status_code == 200 and checked.json()["changed"] is True
    added = [line for line in checked.json()["diff"].splitlines()
             if line.startswith("+") and not line.startswith("+++")]
    assert added == ["+  - id: boilers", "+    keywords: [котельн]", "+    recipient: adm-gkh"]
    assert checked.json()["base"] == base

    saved = client.put(f"{FILES}/autorules@konstantinovsky", headers=bearer("u-mcu-admin"),
                       json={"text": text + EXTRA_RULE, "base": base})
    assert saved.status_code == 200 and saved.json()["revision"] == 2
    after = routing.app.rules["konstantinovsky"].decide(boiler_facts())
    assert (after.rule_id, after.rule_version, after.recipient) == ("boilers", 2, "adm-gkh")
    history = client.get(f"{FILES}/autorules@konstantinovsky",
                         headers=bearer("u-mcu-admin")).json()["revisions"]
    assert [(r["number"], r["by"]) for r in history] == [(2, "u-mcu-admin"), (1, None)]
    assert history[0]["at"] and "boilers" in str(history[0]["data"])


def test_a_version_written_meanwhile_wins_and_the_stale_one_changes_nothing(settings):
    client = served(routing_bootstrap.build(settings))
    path = settings.deployment.parent / "konstantinovsky" / "autorules.yaml"
    seen = client.get(f"{FILES}/autorules@konstantinovsky", headers=bearer("u-head")).json()
    first = client.put(f"{FILES}/autorules@konstantinovsky", headers=bearer("u-head"),
                       json={"text": seen["text"] + EXTRA_RULE, "base": seen["digest"]})
    assert first.status_code == 200
    late = client.put(f"{FILES}/autorules@konstantinovsky", headers=bearer("u-mcu-admin"),
                      json={"text": seen["text"], "base": seen["digest"]})
    assert late.status_code == 409 and late.json()["code"] == "reference_changed"
    assert "boilers" in path.read_text(encoding="utf-8")


def test_each_file_is_seen_and_written_only_by_whom_it_serves(settings):
    routing = served(routing_bootstrap.build(settings))
    sla = served(sla_bootstrap.build(settings))
    # another municipality's file answers as a missing one; staff without the role see none
    for who in ("gr-mcu-admin", "u-mcu-coord"):
        foreign = routing.get(f"{FILES}/autorules@konstantinovsky", headers=bearer(who))
        missing = routing.get(f"{FILES}/autorules@nowhere", headers=bearer(who))
        assert foreign.status_code == missing.status_code == 404
        assert foreign.json()["detail"].replace("konstantinovsky", "nowhere") == \
            missing.json()["detail"]
    assert routing.get(FILES, headers=bearer("u-mcu-coord")).json() == []
    assert routing.get(FILES).status_code == 401
    # the federal calendar and a region's law are the deployment administrator's
    year = sla.get(f"{FILES}/calendar@ru-2026", headers=bearer("u-mcu-admin")).json()
    assert year["writable"] is False
    refused = sla.put(f"{FILES}/calendar@ru-2026", headers=bearer("u-mcu-admin"),
                      json={"text": year["text"], "base": year["digest"]})
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden_reference_file"
    overlay = sla.get(f"{FILES}/calendar@chechnya-2026", headers=bearer("gr-mcu-admin")).json()
    assert overlay["writable"] is False
    assert sla.get(f"{FILES}/calendar@chechnya-2026",
                   headers=bearer("u-mcu-admin")).status_code == 404
    # a policy shared by several municipalities too; one's own policy is its own
    keys = {f["key"]: f["writable"] for f in sla.get(FILES, headers=bearer("u-mcu-admin")).json()
            if f["kind"] == "policy"}
    assert keys == {"policy@konstantinovsky": True}
    shared = {f["key"]: f["writable"] for f in sla.get(FILES, headers=bearer("d-admin")).json()
              if f["kind"] == "policy"}
    assert shared == {"policy@konstantinovsky": True, "policy@all": False}  # shipped: read


def test_the_shipped_demo_files_are_never_written(tmp_path):
    client = served(routing_bootstrap.build(Settings(
        _env_file=None, demo=True, routing_directory=None, data_dir=tmp_path)))
    seen = client.get(f"{FILES}/autorules@konstantinovsky", headers=bearer("u-mcu-admin")).json()
    assert seen["writable"] is False and "встроенный" in seen["read_only"]
    before = (SHIPPED_DEPLOYMENT.parent / "konstantinovsky" / "autorules.yaml").read_bytes()
    answer = client.put(f"{FILES}/autorules@konstantinovsky", headers=bearer("u-mcu-admin"),
                        json={"text": seen["text"] + EXTRA_RULE, "base": seen["digest"]})
    assert answer.status_code == 409 and answer.json()["code"] == "shipped_reference_file"
    assert (SHIPPED_DEPLOYMENT.parent / "konstantinovsky" / "autorules.yaml").read_bytes() == before


def test_the_directory_is_checked_with_the_rules_in_force(settings):
    client = served(routing_bootstrap.build(settings))
    seen = client.get(f"{FILES}/directory@konstantinovsky", headers=bearer("u-mcu-admin")).json()
    assert seen["writable"] is True
    without = seen["text"].replace("- id: u-adm-gkh-exec1\n", "- id: u-adm-gkh-exec9\n", 1)
    assert without != seen["text"]
    refused = client.post(f"{FILES}/directory@konstantinovsky/check",
                          headers=bearer("u-mcu-admin"), json={"text": without})
    assert refused.status_code == 422
    assert "правило gas-leak: u-adm-gkh-exec1 не исполнитель из справочника" in \
        refused.json()["detail"]
    clash = seen["text"].replace("- id: u-mcu-admin\n", "- id: gr-head\n", 1)
    named = client.post(f"{FILES}/directory@konstantinovsky/check",
                        headers=bearer("u-mcu-admin"), json={"text": clash}).json()
    assert "gr-head" in named["detail"] and "уникальны во всём развёртывании" in named["detail"]


def test_a_new_directory_is_every_services_at_once_and_a_removed_person_is_locked_out(
        settings):
    """The administrator withdraws a coordinator's token in the console: routing uses the
    new directory at once, SLA as soon as its watch looks, and the token opens no door of
    either any more."""
    routing = routing_bootstrap.build(settings)
    sla = sla_bootstrap.build(settings)
    routing_client, sla_client = served(routing), served(sla)
    sla_watch = sla_bootstrap.reference_watch(settings, sla.app)
    assert routing_client.get("/api/v1/me", headers=bearer("u-mcu-coord")).status_code == 200
    seen = routing_client.get(f"{FILES}/directory@konstantinovsky",
                              headers=bearer("u-mcu-admin")).json()
    gone = seen["text"].replace(
        "  token_sha256: 778f7eee9d18b271e1ac70bf33ddc3f9621efab9e78acd84a0ca30bc7f609a3c\n", "")
    assert gone != seen["text"]
    saved = routing_client.put(f"{FILES}/directory@konstantinovsky",
                               headers=bearer("u-mcu-admin"),
                               json={"text": gone, "base": seen["digest"]})
    assert saved.status_code == 200, saved.text
    assert routing_client.get("/api/v1/me", headers=bearer("u-mcu-coord")).status_code == 401
    assert routing.app.deployment.people["u-mcu-coord"].token_sha256 is None
    assert sla_client.get(FILES, headers=bearer("u-mcu-coord")).status_code == 200  # not yet
    assert sla_watch.poll() is not None  # SLA's process sees the file changed
    assert sla.app.deployment.people["u-mcu-coord"].token_sha256 is None
    assert sla_client.get("/api/v1/reference-files",
                          headers=bearer("u-mcu-coord")).status_code == 401
    history = routing_client.get(f"{FILES}/directory@konstantinovsky",
                                 headers=bearer("u-mcu-admin")).json()["revisions"]
    assert [(r["number"], r["by"]) for r in history][:1] == [(2, "u-mcu-admin")]


def test_a_new_tree_waits_for_a_restart_and_changes_nothing_meanwhile(settings):
    routing = routing_bootstrap.build(settings)
    watch = routing_bootstrap.reference_watch(settings, routing.app)
    tree = settings.deployment
    tree.write_text(tree.read_text(encoding="utf-8").replace(
        "priemnaya@konst.example.ru", "obrashcheniya@konst.example.ru"), encoding="utf-8")
    with pytest.raises(ReferenceFileError, match="после перезапуска"):
        watch.poll()
    assert routing.app.deployment.by_channel("email", "priemnaya@konst.example.ru") == \
        "konstantinovsky"


@pytest.mark.parametrize("text, reason", [
    ("", "файл пуст"),
    ("rules: [", "не YAML"),
    ("rules:\n  - id: x\n    recipient: adm-gkh\n    colour: red\n", "лишнее поле"),
    ("2026-02-30: x\n", "не YAML"),
])
def test_a_careless_candidate_gets_its_reason_in_russian(settings, text, reason):
    client = served(routing_bootstrap.build(settings))
    answer = client.post(f"{FILES}/autorules@konstantinovsky/check",
                         headers=bearer("u-mcu-admin"), json={"text": text})
    assert answer.status_code == 422 and reason in answer.json()["detail"]


def test_hostile_requests_are_refused_before_anything_is_read(settings):
    client = served(routing_bootstrap.build(settings))
    for key in ("../etc", "AUTORULES", "a" * 101):
        assert client.get(f"{FILES}/{key}", headers=bearer("u-mcu-admin")).status_code in (
            404, 422)
    huge = client.post(f"{FILES}/autorules@konstantinovsky/check",
                       headers=bearer("u-mcu-admin"), json={"text": "#" * 500_001})
    assert huge.status_code in (413, 422)
    extra = client.put(f"{FILES}/autorules@konstantinovsky", headers=bearer("u-mcu-admin"),
                       json={"text": "rules: []", "base": "0" * 16, "path": "/etc/passwd"})
    assert extra.status_code == 422


# -- a change on disk, and every process ---------------------------------------------------
def test_a_change_on_disk_is_loaded_and_a_broken_one_keeps_the_rules_in_force(settings):
    routing = routing_bootstrap.build(settings)
    watch = routing_bootstrap.reference_watch(settings, routing.app)
    path = settings.deployment.parent / "konstantinovsky" / "autorules.yaml"
    assert watch.poll() is None  # nothing changed
    path.write_text(path.read_text(encoding="utf-8") + EXTRA_RULE, encoding="utf-8")
    assert watch.poll() == [_digest_line(routing.app)]
    assert routing.app.rules["konstantinovsky"].decide(boiler_facts()).rule_id == "boilers"
    path.write_text(path.read_text(encoding="utf-8").replace("adm-gkh", "adm-gkx"),
                    encoding="utf-8")
    with pytest.raises(ConfigError, match="неизвестный получатель adm-gkx"):
        watch.poll()
    assert routing.app.rules["konstantinovsky"].decide(boiler_facts()).recipient == "adm-gkh"
    assert watch.poll() is None  # the refused version is not retried until it changes


def _digest_line(app) -> str:
    from kit import revisions

    return f"autorules: версия 2 ({revisions.digest(app.rules_data['konstantinovsky'])})"


# -- SLA: policies and calendars -----------------------------------------------------------
def test_a_new_policy_sets_the_terms_of_deadlines_set_after_it(settings):
    sla = sla_bootstrap.build(settings)
    client = served(sla)
    seen = client.get(f"{FILES}/policy@konstantinovsky", headers=bearer("u-mcu-admin")).json()
    longer = seen["text"].replace("    topics: [Уборка снега и наледи]\n    stage: answer\n"
                                  "    term: 2wd", "    topics: [Уборка снега и наледи]\n"
                                  "    stage: answer\n    term: 3wd", 1)
    assert longer != seen["text"]
    saved = client.put(f"{FILES}/policy@konstantinovsky", headers=bearer("u-mcu-admin"),
                       json={"text": longer, "base": seen["digest"]})
    assert saved.status_code == 200, saved.text
    snow = next(r for r in sla.app.tenant("konstantinovsky").policy.rules
                if r.id == "message-snow")
    assert snow.term.amount == 3
    other = next(r for r in sla.app.tenant("semikarakorsky").policy.rules
                 if r.id == "message-snow")
    assert other.term.amount == 2  # the shipped policy of the other district is untouched


def test_a_republics_new_holiday_moves_the_terms_of_its_municipality_only(settings):
    sla = sla_bootstrap.build(settings)
    client = served(sla)
    seen = client.get(f"{FILES}/calendar@chechnya-2026", headers=bearer("d-admin")).json()
    day = date(2026, 12, 9)  # a Wednesday
    grozny = sla.app.tenant("grozny").calc.calendar
    assert grozny.is_working(day)
    text = seen["text"].replace("  2026-05-27: Курбан-байрам\n",
                                "  2026-05-27: Курбан-байрам\n  2026-12-09: День проверки\n")
    saved = client.put(f"{FILES}/calendar@chechnya-2026", headers=bearer("d-admin"),
                       json={"text": text, "base": seen["digest"]})
    assert saved.status_code == 200, saved.text
    assert not sla.app.tenant("grozny").calc.calendar.is_working(day)
    assert sla.app.tenant("konstantinovsky").calc.calendar.is_working(day)


# -- intake: the rubricator, in every HTTP process -----------------------------------------
def test_the_rubricator_written_by_the_platform_administrator_lists_a_new_open311_service(
        settings):
    intake = build_intake(settings)
    client = served(intake)
    seen = client.get(f"{FILES}/rubricator", headers=bearer("d-admin")).json()
    assert seen["writable"] is True
    assert client.get(f"{FILES}/rubricator",
                      headers=bearer("u-mcu-admin")).json()["writable"] is False
    codes = {s["service_code"] for s in client.get("/open311/v2/services.json").json()}
    assert "test-benches" not in codes
    marker = "  - name: Уборка снега и наледи\n"
    assert marker in seen["text"], "the shipped rubricator's layout changed"
    text = seen["text"].replace(marker, "  - name: Скамейки во дворах\n"
                                        "    open311_code: test-benches\n"
                                        "    keywords: [скамейка, скамейку]\n" + marker, 1)
    saved = client.put(f"{FILES}/rubricator", headers=bearer("d-admin"),
                       json={"text": text, "base": seen["digest"]})
    assert saved.status_code == 200, saved.text
    codes = {s["service_code"] for s in client.get("/open311/v2/services.json").json()}
    assert "test-benches" in codes
    found = intake.app.classifier.rubricator.topic_in("сломана скамейка у подъезда")
    assert found is not None and found.name == "Скамейки во дворах"


def test_the_notices_wording_is_edited_checked_and_used_from_then_on(settings):
    intake = build_intake(settings)
    client = served(intake)
    seen = client.get(f"{FILES}/notices", headers=bearer("d-admin")).json()
    assert seen["writable"] is True and "{number}" in seen["text"]
    hostile = seen["text"].replace("под номером {number}", "под номером {number.__class__}")
    refused = client.post(f"{FILES}/notices/check", headers=bearer("d-admin"),
                          json={"text": hostile})
    assert refused.status_code == 422
    assert "неизвестные подстановки {number.__class__}" in refused.text
    wide = seen["text"].replace("под номером {number}", "под номером {number:>99999999}")
    assert client.post(f"{FILES}/notices/check", headers=bearer("d-admin"),
                       json={"text": wide}).status_code == 422
    text = seen["text"].replace("Ваше обращение зарегистрировано, № {number}",
                                "Обращение № {number} принято")
    saved = client.put(f"{FILES}/notices", headers=bearer("d-admin"),
                       json={"text": text, "base": seen["digest"]})
    assert saved.status_code == 200, saved.text
    subject, _ = intake.app.notice_templates.fill(Notice.REGISTRATION, {
        "municipality": "М", "received_on": "", "number": "ОГ-1", "registered_on": ""})
    assert subject == "Обращение № ОГ-1 принято"


def test_a_browsers_line_endings_change_nothing_but_what_was_typed(settings):
    client = served(routing_bootstrap.build(settings))
    seen = client.get(f"{FILES}/autorules@konstantinovsky", headers=bearer("u-mcu-admin")).json()
    as_sent = (seen["text"] + EXTRA_RULE).replace("\n", "\r\n")  # a form's textarea
    checked = client.post(f"{FILES}/autorules@konstantinovsky/check",
                          headers=bearer("u-mcu-admin"), json={"text": as_sent}).json()
    changed = [line for line in checked["diff"].splitlines()
               if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert len(changed) == 3
    client.put(f"{FILES}/autorules@konstantinovsky", headers=bearer("u-mcu-admin"),
               json={"text": as_sent, "base": seen["digest"]})
    path = settings.deployment.parent / "konstantinovsky" / "autorules.yaml"
    assert b"\r" not in path.read_bytes()


def test_a_file_system_that_refuses_the_write_leaves_the_version_in_force(settings,
                                                                          monkeypatch):
    routing = routing_bootstrap.build(settings)
    client = served(routing)
    seen = client.get(f"{FILES}/autorules@konstantinovsky", headers=bearer("u-mcu-admin")).json()

    def read_only(*_):
        raise PermissionError(30, "Read-only file system")

    monkeypatch.setattr("kit.reference_admin.os.replace", read_only)
    answer = client.put(f"{FILES}/autorules@konstantinovsky", headers=bearer("u-mcu-admin"),
                        json={"text": seen["text"] + EXTRA_RULE, "base": seen["digest"]})
    assert answer.status_code == 409 and answer.json()["code"] == "reference_unwritable"
    assert "Read-only file system" in answer.json()["detail"]
    assert routing.app.rules["konstantinovsky"].version == 1
    path = settings.deployment.parent / "konstantinovsky"
    assert not list(path.glob(".autorules.yaml.*"))  # no temporary file left behind
