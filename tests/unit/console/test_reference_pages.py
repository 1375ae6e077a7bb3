"""The administrator's «Справочники» pages over the real routing, SLA and intake services
in-process: every file the person may see, its history by name, a candidate checked and
shown as a diff, then written; a refusal in Russian; a forged form writes nothing."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import httpx
import pytest
from fastapi.testclient import TestClient

from kit.runtime import http_app
from kit.settings import Settings
from services.console.adapters.live import LiveFeed
from services.console.adapters.upstream import Upstream
from services.console.application import ConsoleApplication
from services.console.bootstrap import build as build_console
from services.console.entrypoints.pages import router
from services.intake.bootstrap import build as build_intake
from services.routing.bootstrap import build as build_routing
from services.sla.bootstrap import build as build_sla
from tests.support.console import csrf_of, sign_in
from tests.support.reference import editable_settings

RULE = "  - id: boilers\n    keywords: [котельн]\n    recipient: adm-gkh\n"


@pytest.fixture
def console(tmp_path):
    settings = editable_settings(tmp_path)
    services = {"routing": build_routing(settings), "sla": build_sla(settings),
                "intake": build_intake(settings)}
    upstream = Upstream({name: f"http://{name}" for name in (*services, "analytics")},
                        transports={name: httpx.ASGITransport(app=http_app(s))
                                    for name, s in services.items()})
    console = build_console(Settings(demo=True, _env_file=None))
    app = ConsoleApplication(upstream, timedelta(minutes=30))
    console.routers = [router(app, LiveFeed("127.0.0.1:9", "t", lambda header: header),
                              secure_cookie=False)]
    console.background = ()
    with TestClient(http_app(console)) as client:
        yield client, settings, services


def form(page: str, **fields) -> dict:
    return {"csrf": csrf_of(page), **fields}


def shown_text(page: str) -> str:
    """The file's text as the page's editor holds it."""
    return html.unescape(re.search(r'<textarea id="text"[^>]*>(.*?)</textarea>', page,
                                   re.S).group(1))


def test_an_administrator_finds_checks_and_writes_a_file_and_sees_who_did(console):
    client, settings, services = console
    sign_in(client, "u-mcu-admin")
    listing = client.get("/admin/files")
    assert listing.status_code == 200
    for title in ("Автоправила — Константиновский район", "Справочник — Константиновский район",
                  "Политика сроков — Константиновский район",
                  "Производственный календарь на 2026 год", "Рубрикатор: темы, блоки, территории"):
        assert title in listing.text
    assert "Грозный" not in listing.text  # another municipality's files are not shown
    page = client.get("/admin/files/routing/autorules@konstantinovsky")
    assert page.status_code == 200 and "действует редакция 1" in page.text

    refused = client.post("/admin/files/routing/autorules@konstantinovsky",
                          data=form(page.text, text="rules:\n  - id: x\n    recipient: nowhere\n"))
    assert refused.status_code == 422 and "неизвестный получатель nowhere" in refused.text

    candidate = shown_text(page.text) + RULE
    checked = client.post("/admin/files/routing/autorules@konstantinovsky",
                          data=form(page.text, text=candidate))
    assert checked.status_code == 200 and "Редакция прошла проверку" in checked.text
    assert '<span class="add">+  - id: boilers</span>' in checked.text
    base = re.search(r'name="base" value="([0-9a-f]{16})"', checked.text).group(1)
    saved = client.post("/admin/files/routing/autorules@konstantinovsky",
                        data=form(checked.text, text=candidate, base=base, save="1"))
    assert saved.status_code == 200 and "Редакция 2 записана и действует" in saved.text
    assert "Управляющий делами (администратор МЦУ)" in saved.text  # who, by name
    assert services["routing"].app.rules["konstantinovsky"].version == 2

    again = client.post("/admin/files/routing/autorules@konstantinovsky",
                        data=form(checked.text, text=candidate + "# ещё\n", base=base, save="1"))
    assert again.status_code == 409 and "Файл уже изменён" in again.text


def test_a_forged_form_writes_nothing_and_a_shared_file_offers_no_writing(console):
    client, settings, _ = console
    sign_in(client, "u-mcu-admin")
    path = settings.deployment.parent / "konstantinovsky" / "autorules.yaml"
    before = path.read_bytes()
    forged = client.post("/admin/files/routing/autorules@konstantinovsky",
                         data={"csrf": "forged", "text": "rules: []", "base": "0" * 16,
                               "save": "1"})
    assert forged.status_code == 403 and path.read_bytes() == before
    year = client.get("/admin/files/sla/calendar@ru-2026")
    assert year.status_code == 200 and "администратор платформы" in year.text
    checked = client.post("/admin/files/sla/calendar@ru-2026",
                          data=form(year.text, text=shown_text(year.text) + "# заметка\n"))
    assert "Редакция прошла проверку" in checked.text
    assert "Записать эту редакцию" not in checked.text


def test_staff_without_the_role_see_no_files_and_an_unknown_one_is_not_found(console):
    client, *_ = console
    sign_in(client, "u-mcu-coord")
    assert "Справочники" not in client.get("/queue").text
    assert "Справочников, доступных вам, нет" in client.get("/admin/files").text
    missing = client.get("/admin/files/routing/autorules@konstantinovsky")
    assert missing.status_code == 404 and "Справочник не найден" in missing.text
    assert client.get("/admin/files/analytics/rating").status_code == 404


def test_a_file_chosen_for_upload_is_checked_instead_of_the_editor(console):
    client, settings, _ = console
    sign_in(client, "u-mcu-admin")
    page = client.get("/admin/files/routing/autorules@konstantinovsky")
    new = (shown_text(page.text) + RULE).encode("utf-8-sig")  # as a Windows editor saves it
    checked = client.post("/admin/files/routing/autorules@konstantinovsky",
                          data=form(page.text, text="не это"),
                          files={"upload": ("autorules.yaml", new, "text/yaml")})
    assert checked.status_code == 200 and '<span class="add">+  - id: boilers</span>' in \
        checked.text
    binary = client.post("/admin/files/routing/autorules@konstantinovsky",
                         data=form(page.text), files={"upload": ("a.yaml", b"\xff\xfe\x00", "x")})
    assert binary.status_code == 422 and "UTF-8" in binary.text


def test_a_careless_or_hostile_address_or_text_gets_a_russian_page(console):
    client, settings, _ = console
    sign_in(client, "u-mcu-admin")
    page = client.get("/admin/files")
    for path in ("/admin/files/routing/BAD!!", "/admin/files/routing/" + "a" * 200,
                 "/admin/files/routing/autorules@x%3Fmunicipality=grozny",
                 "/admin/files/nosuch/rubricator"):
        missing = client.get(path)
        assert missing.status_code == 404 and "Справочник не найден" in missing.text, path
        assert missing.headers["content-type"].startswith("text/html")
    as_the_page_sends = {"upload": ("", b"", "application/octet-stream")}  # multipart
    too_long = client.post("/admin/files/routing/autorules@konstantinovsky",
                           data=form(page.text, text="#" * 500_001), files=as_the_page_sends)
    assert too_long.status_code == 422 and "слишком длинное" in too_long.text
    assert too_long.headers["content-type"].startswith("text/html")
    beyond_the_form = client.post("/admin/files/routing/autorules@konstantinovsky",
                                  data=form(page.text, text="#" * 1_100_000),
                                  files=as_the_page_sends)
    assert beyond_the_form.status_code == 422
    assert "форма не прочитана: поле больше 1 МБ" in beyond_the_form.text
    huge = client.post("/admin/files/routing/autorules@konstantinovsky", data=form(page.text),
                       files={"upload": ("big.yaml", b"#" * 2_000_001, "text/yaml")})
    assert huge.status_code == 422 and "Файл больше 500 000 знаков" in huge.text
    path = settings.deployment.parent / "konstantinovsky" / "autorules.yaml"
    assert "#" * 100 not in path.read_text(encoding="utf-8")  # nothing written
    client.post("/logout", data=form(page.text))
    sign_in(client, "u-mcu-coord")  # the MCU's operator: the undelivered answers' page
    queue = client.get("/deliveries")
    bad_id = client.post("/deliveries/not-an-id/retry", data=form(queue.text))
    assert bad_id.status_code == 404 and "Обращение не найдено" in bad_id.text
