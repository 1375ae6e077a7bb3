"""«Инцидент Менеджмент» exports and e-mail: parsing, broken files, the HTTP doors."""

from __future__ import annotations

import csv
import io
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook

from services.intake.adapters import incident, mail

OMSK = ZoneInfo("Asia/Omsk")
STRUCTURE = Path(__file__).resolve().parents[4] / "shared" / "data" / "incident-management" / \
    "omsk-export-structure.csv"


def export(rows: list[dict], encoding: str = "utf-8") -> bytes:
    """A CSV with every column of the real export plus the post's text and URL."""
    columns = next(csv.reader(STRUCTURE.read_text(encoding="utf-8").splitlines()))
    columns += ["Текст", "Ссылка на пост"]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in columns})
    return out.getvalue().encode(encoding)


POST = {"Номер инцидента": "717475", "Дата создания": "2025-12-24 20:06:02", "Тема":
        "Уборка дорог от снега и наледи", "Населенный пункт": "Исилькуль",
        "Текст": "Дорогу на ул. Ленина не чистят", "Ссылка на пост": "https://vk.com/wall-1_2"}


def test_a_real_structure_export_in_windows_1251_is_read():
    report = incident.parse(export([POST], "cp1251"), "omsk.csv", OMSK)
    [(row, command)] = report.commands
    assert row == 2 and report.errors == []
    assert (command.channel.value, command.kind.value, command.external_id) == (
        "incident", "social", "717475")
    assert command.received_at.isoformat() == "2025-12-24T20:06:02+06:00"
    assert command.territory == "Исилькуль" and "https://vk.com/wall-1_2" in command.text


def test_bad_rows_are_reported_one_by_one_and_the_rest_imported():
    rows = [POST, {}, POST | {"Номер инцидента": ""}, POST | {"Номер инцидента": "2", "Текст": ""},
            POST | {"Номер инцидента": "3", "Дата создания": "вчера"}, POST | {"Номер инцидента": "4"}]
    report = incident.parse(export(rows), "x.csv", OMSK)
    assert [n for n, _ in report.commands] == [2, 7]
    assert report.errors == ["строка 3: пустая строка", "строка 4: нет номера инцидента",
                             "строка 5 (инцидент 2): нет текста публикации",
                             "строка 6 (инцидент 3): дата создания не распознана"]


@pytest.mark.parametrize("content, name, message", [
    ("Номер инцидента,Дата создания\n1,2025-01-01\n".encode(), "x.csv", "нет колонок: текст"),
    ("Номер инцидента,Текст,Дата создания\n".encode("utf-16"), "x.csv", "кодировка|не похож"),
    (b"", "x.csv", "нет строк"),
    (b"not a workbook", "x.xlsx", "XLSX"),
])
def test_broken_files_are_refused_with_the_reason(content, name, message):
    with pytest.raises(incident.ImportFileError, match=message):
        incident.parse(content, name, OMSK)


def test_xlsx_exports_are_read_too():
    book = Workbook()
    sheet = book.active
    sheet.append(list(POST))
    sheet.append(list(POST.values()))
    buffer = io.BytesIO()
    book.save(buffer)
    [(_, command)] = incident.parse(buffer.getvalue(), "export.xlsx", OMSK).commands
    assert command.external_id == "717475"


def test_the_import_door_reports_imported_duplicates_and_errors(client):
    body = export([POST, {}, POST | {"Номер инцидента": "9"}])
    first = client.post("/api/v1/channels/incident/imports", content=body,
                        params={"filename": "omsk.csv", "timezone": "Asia/Omsk"},
                        headers={"X-API-Key": "demo-incident"}).json()
    assert first == {"imported": 2, "duplicates": 0, "errors": ["строка 3: пустая строка"]}
    again = client.post("/api/v1/channels/incident/imports", content=body,
                        params={"filename": "omsk.csv"}, headers={"X-API-Key": "demo-incident"})
    assert again.json()["duplicates"] == 2


def eml(**headers) -> bytes:
    message = EmailMessage()
    message["From"] = headers.get("sender", "Сидоров Пётр <p.sidorov@example.ru>")
    message["Subject"] = headers.get("subject", "Прорыв трубы")
    message["Date"] = "Mon, 16 Nov 2026 10:15:00 +0300"
    if headers.get("message_id", True):
        message["Message-ID"] = "<abc-123@example.ru>"
    message.set_content(headers.get("body", "Во дворе дома 5 прорвало трубу, вода течёт."))
    message.add_attachment(b"jpeg", maintype="image", subtype="jpeg", filename="photo.jpg")
    return message.as_bytes()


def test_a_letter_becomes_a_registration_and_the_sender_goes_to_the_vault():
    command = mail.parse(eml())
    assert (command.channel.value, command.external_id, command.attachments) == (
        "email", "abc-123@example.ru", 1)
    assert command.applicant.email == "p.sidorov@example.ru"
    assert command.applicant.last_name == "Сидоров" and "трубу" in command.text
    assert command.received_at.isoformat() == "2026-11-16T10:15:00+03:00"


def test_letters_without_an_id_or_content_are_refused():
    with pytest.raises(mail.MailError, match="Message-ID"):
        mail.parse(eml(message_id=False))
    with pytest.raises(mail.MailError, match="ни темы, ни текста"):
        mail.parse(eml(subject="", body=""))


def test_the_mail_door_registers_once(client, intake):
    first = client.post("/api/v1/channels/email/messages", content=eml(),
                        headers={"X-API-Key": "demo-email"})
    again = client.post("/api/v1/channels/email/messages", content=eml(),
                        headers={"X-API-Key": "demo-email"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["appeal_id"] == first.json()["appeal_id"]
