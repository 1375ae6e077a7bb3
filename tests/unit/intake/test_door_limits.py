"""Intake's doors against careless and hostile input: bounded bodies (413), the key checked
before a byte is parsed, every field checked after masking, one bad item never failing
the others of its group commit, exports bounded in rows, columns and what they unpack to."""

from __future__ import annotations

import asyncio
import io
import time
import zipfile
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import httpx
import pytest
from openpyxl import Workbook

from services.intake.adapters import incident
from services.intake.application import Registration, RegistrationRefused
from services.intake.domain.commands import RegisterAppeal
from tests.support.intake import pos_message

WEB = {"X-API-Key": "demo-web"}
E_MAILS_SUBJECT = " ".join(["a@b.ru"] * 71)  # 496 characters; masked, longer than 500


def appeal(n: int, **extra) -> dict:
    return {"channel": "web", "external_id": f"W-{n}", "text": f"Не горит фонарь № {n}"} | extra


def test_masking_that_lengthens_the_subject_refuses_that_item_only(intake):
    bad = RegisterAppeal(**appeal(0, subject=E_MAILS_SUBJECT))
    results = intake.register_many([bad] + [RegisterAppeal(**appeal(n)) for n in range(1, 31)])
    assert isinstance(results[0], RegistrationRefused)
    assert results[0].errors[0]["field"] == "subject"
    assert all(isinstance(r, Registration) and not r.duplicate for r in results[1:])
    assert len(intake.stored_originators({r.appeal_id for r in results[1:]})) == 30


async def test_thirty_ordinary_appeals_sent_with_a_bad_one_are_all_registered(client, intake):
    transport = httpx.ASGITransport(app=client.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://intake") as http:
        answers = await asyncio.gather(
            http.post("/api/v1/appeals", headers=WEB, json=appeal(0, subject=E_MAILS_SUBJECT)),
            *(http.post("/api/v1/appeals", headers=WEB, json=appeal(n)) for n in range(1, 31)))
    assert answers[0].status_code == 422
    assert answers[0].headers["content-type"] == "application/problem+json"
    assert answers[0].json()["errors"][0]["field"] == "subject"
    assert "после скрытия персональных данных" in answers[0].json()["detail"]
    assert [a.status_code for a in answers[1:]] == [201] * 30


def test_a_body_over_the_doors_limit_is_413_before_it_is_read(client):
    huge = appeal(1, text="я" * 200_000)  # 400 KB of UTF-8 over the web door's 256 KB
    answer = client.post("/api/v1/appeals", headers=WEB, json=huge)
    assert (answer.status_code, answer.json()["code"]) == (413, "body_too_large")
    assert "256 КБ" in answer.json()["detail"]


def test_a_chunked_body_is_cut_off_at_the_limit(client):
    def chunks():
        yield b'{"channel": "web", "external_id": "C-1", "text": "'
        for _ in range(300):
            yield b"x" * 1024
        yield b'"}'

    answer = client.post("/api/v1/appeals", headers=WEB | {"Content-Type": "application/json"},
                         content=chunks())
    assert (answer.status_code, answer.json()["code"]) == (413, "body_too_large")


def test_without_a_valid_key_nothing_is_parsed(client):
    for headers in ({}, {"X-API-Key": "guess"}):
        answer = client.post("/api/v1/appeals", headers=headers | {
            "Content-Type": "application/json"}, content=b"{not json at all")
        assert (answer.status_code, answer.json()["code"]) == (401, "invalid_api_key")
        upload = client.post("/api/v1/channels/incident/imports", headers=headers,
                             content=b"\x00" * 1000)
        assert upload.status_code == 401


def test_a_pos_text_over_the_limit_is_422_naming_the_field(client):
    answer = client.post("/api/v1/channels/pos/messages", headers={"X-API-Key": "demo-pos"},
                         json=pos_message(1, text="т" * 20_001))
    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["errors"]] == ["text"]


def test_a_letter_from_a_local_address_is_registered(client):
    letter = EmailMessage()
    letter["From"], letter["Subject"] = "Житель <user@localhost>", "Фонарь"
    letter["Message-ID"], letter["Date"] = "<local-1@localhost>", "Mon, 16 Nov 2026 10:00:00 +0300"
    letter.set_content("Не горит фонарь во дворе")
    answer = client.post("/api/v1/channels/email/messages", content=letter.as_bytes(),
                         headers={"X-API-Key": "demo-email", "Content-Type": "message/rfc822"})
    assert answer.status_code == 201, answer.text


def _workbook(rows: list[list[str]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _rewritten(content: bytes, member: str, change) -> bytes:
    source, out = zipfile.ZipFile(io.BytesIO(content)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item)
            target.writestr(item, change(data) if item.filename == member else data)
    return out.getvalue()


HEADER = ["Номер инцидента", "Дата создания", "Текст"]


def test_a_workbook_that_declares_a_whole_sheet_is_read_as_it_is_stored():
    content = _rewritten(_workbook([HEADER, ["1", "2025-12-24 20:06:02", "Яма"]]),
                         "xl/worksheets/sheet1.xml",
                         lambda xml: xml.replace(b'ref="A1:C2"', b'ref="A1:XFD1048576"'))
    assert b"A1:XFD1048576" in zipfile.ZipFile(io.BytesIO(content)).read(
        "xl/worksheets/sheet1.xml")
    started = time.monotonic()
    report = incident.parse(content, "bomb.xlsx", ZoneInfo("Europe/Moscow"))
    assert time.monotonic() - started < 5
    assert [c.external_id for _, c in report.commands] == ["1"]


def test_a_workbook_that_unpacks_to_too_much_is_refused():
    content = _rewritten(_workbook([HEADER]), "xl/worksheets/sheet1.xml",
                         lambda xml: xml + b" " * (210 * 1024 * 1024))
    assert len(content) < 2 * 1024 * 1024  # small to send, huge to open
    with pytest.raises(incident.ImportFileError, match="распаковывается"):
        incident.parse(content, "zip.xlsx", ZoneInfo("Europe/Moscow"))


def test_too_many_columns_or_rows_are_refused():
    wide = ",".join(HEADER + [f"c{i}" for i in range(120)]).encode()
    with pytest.raises(incident.ImportFileError, match="колонок больше 100"):
        incident.parse(wide + b"\n1,2025-01-01,x\n", "wide.csv", ZoneInfo("Europe/Moscow"))
    long = ",".join(HEADER).encode() + b"\n" + b"1,2025-01-01,x\n" * 50_001
    with pytest.raises(incident.ImportFileError, match="строк больше 50 000"):
        incident.parse(long, "long.csv", ZoneInfo("Europe/Moscow"))


def test_a_row_with_an_extra_field_is_reported_and_the_rest_imported(client):
    csv = ("Номер инцидента,Дата создания,Текст\n"
           "1,2025-12-24 20:06:02,Яма у школы\n"
           "2,2025-12-24 20:07:00,Фонарь,лишнее\n"
           "3,2025-12-24 20:08:00,Мусор\n").encode()
    answer = client.post("/api/v1/channels/incident/imports", params={"filename": "x.csv"},
                         headers={"X-API-Key": "demo-incident"}, content=csv)
    assert answer.status_code == 200, answer.text
    assert answer.json()["imported"] == 2
    assert answer.json()["errors"] == ["строка 3: полей больше, чем колонок в заголовке"]


def test_a_csv_the_reader_cannot_parse_is_422(client):
    broken = ("Номер инцидента,Дата создания,Текст\n1,2025-12-24,\"" + "x" * 200_000
              + "\n").encode()
    answer = client.post("/api/v1/channels/incident/imports", params={"filename": "x.csv"},
                         headers={"X-API-Key": "demo-incident"}, content=broken)
    assert (answer.status_code, answer.json()["code"]) == (422, "invalid_import_file")
