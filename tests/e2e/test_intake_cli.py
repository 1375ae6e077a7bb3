"""`mcu intake`: an «Инцидент Менеджмент» export and a Maildir through the running service's
doors, and the personal-data vault read, logged and erased from the command line."""

from __future__ import annotations

import csv
import io
import mailbox
from email.message import EmailMessage

import pytest
from typer.testing import CliRunner

from cli.main import app
from contracts.vocabulary import Channel
from services.intake.adapters import mail
from services.intake.domain.appeal import appeal_id_for
from tests.support.processes import service

pytestmark = [pytest.mark.e2e, pytest.mark.kafka]


def _export() -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["Номер инцидента", "Дата создания", "Тема",
                                             "Населенный пункт", "Текст", "Ссылка на пост"])
    writer.writeheader()
    post = {"Дата создания": "2026-11-20 10:00:00", "Тема": "Уборка снега",
            "Населенный пункт": "г. Константиновск", "Ссылка на пост": "https://vk.com/wall-1_1"}
    writer.writerow(post | {"Номер инцидента": "101", "Текст": "Не чистят снег на ул. Ленина"})
    writer.writerow(post | {"Номер инцидента": "102", "Текст": "Гололёд у школы"})
    writer.writerow(post | {"Номер инцидента": "103", "Текст": ""})
    return out.getvalue().encode()


def _letter(message_id: str | None) -> bytes:
    letter = EmailMessage()
    letter["From"] = "Сидорова Анна <a.sidorova@example.ru>"
    letter["Subject"] = "Прорыв трубы"
    if message_id:
        letter["Message-ID"] = message_id
    letter.set_content("Во дворе дома 5 по ул. Мира прорвало трубу.")
    return letter.as_bytes()


def test_files_go_through_the_doors_and_the_vault_answers_to_its_log(env, tmp_path):
    cli = CliRunner()
    with service("intake", env) as (url, _):
        export = tmp_path / "im.csv"
        export.write_bytes(_export())
        first = cli.invoke(app, ["intake", "import", str(export), "--url", url], env=env)
        assert first.exit_code == 1  # one row refused
        assert "im.csv: принято 2, уже были 0, с ошибками 1" in first.output
        assert "строка 4 (инцидент 103): нет текста публикации" in first.output
        again = cli.invoke(app, ["intake", "import", str(export), "--url", url], env=env)
        assert "принято 0, уже были 2" in again.output

        box = mailbox.Maildir(tmp_path / "inbox", create=True)
        good = box.add(mailbox.MaildirMessage(_letter("<leak-5@example.ru>")))
        box.add(mailbox.MaildirMessage(_letter(None)))
        sent = cli.invoke(app, ["intake", "mail", str(tmp_path / "inbox"), "--url", url], env=env)
        assert sent.exit_code == 1
        assert "принято 1, уже были 0, не приняты 1" in sent.output
        assert "S" in box.get_message(good).get_flags()  # read: not sent again
        resent = cli.invoke(app, ["intake", "mail", str(tmp_path / "inbox"), "--url", url],
                            env=env)
        assert "принято 0, уже были 0, не приняты 1" in resent.output

    appeal = str(appeal_id_for(Channel.EMAIL, mail.parse(_letter("<leak-5@example.ru>"))
                               .external_id))
    read = cli.invoke(app, ["intake", "vault", "read", appeal, "--who", "u-coord",
                            "--why", "ответ заявителю"], env=env)
    assert read.exit_code == 0 and "a.sidorova@example.ru" in read.output
    erased = cli.invoke(app, ["intake", "vault", "erase", "--appeal", appeal, "--who", "u-dpo",
                              "--why", "отзыв согласия", "--yes"], env=env)
    assert erased.exit_code == 0 and "по 1 обращениям" in erased.output
    gone = cli.invoke(app, ["intake", "vault", "read", appeal, "--who", "u-coord",
                            "--why", "проверка"], env=env)
    assert gone.exit_code == 2 and "данных заявителя нет" in gone.output
    log = cli.invoke(app, ["intake", "vault", "log"], env=env).output.splitlines()
    assert ["u-coord" in log[2] and "чтение" in log[2] and "«ответ заявителю»" in log[2],
            "u-dpo" in log[1] and "удаление" in log[1], "«проверка»" in log[0]] == [True] * 3
    nobody = cli.invoke(app, ["intake", "vault", "read", appeal, "--who", " ", "--why", "x"],
                        env=env)
    assert nobody.exit_code == 2 and "кто и зачем" in nobody.output
