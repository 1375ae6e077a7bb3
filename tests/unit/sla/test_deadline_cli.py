"""`mcu sla deadline`: the term as the SLA service computes it for a municipality of the
deployment, with its zone, regional calendar and the calendar revision it used."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from cli.main import app as mcu


def deadline(monkeypatch, *args: str):
    monkeypatch.delenv("MCU_ROUTING_DIRECTORY", raising=False)  # the demo deployment
    return CliRunner().invoke(mcu, ["sla", "deadline", "--registered",
                                    "2026-03-19T10:00+03:00", "--term", "3wd", *args])


def test_a_republics_holiday_moves_the_term_of_its_municipality_only(monkeypatch):
    grozny = deadline(monkeypatch, "--municipality", "grozny")
    rostov = deadline(monkeypatch, "--municipality", "konstantinovsky")
    assert grozny.exit_code == 0 and rostov.exit_code == 0, grozny.output + rostov.output
    g, r = json.loads(grozny.stdout), json.loads(rostov.stdout)
    assert (g["due"], r["due"]) == ("2026-03-25T23:59:59+03:00", "2026-03-24T23:59:59+03:00")
    assert "20.03.2026 — не считается: Ураза-байрам" in g["explanation"]
    assert g["calendar_revision"] != r["calendar_revision"]


def test_the_municipalitys_own_zone_is_used(monkeypatch):
    answer = json.loads(deadline(monkeypatch, "--municipality", "sosnovoborsk").stdout)
    assert answer["due"] == "2026-03-24T23:59:59+07:00"


def test_a_municipality_is_required_among_several_and_an_unknown_one_is_refused(monkeypatch):
    missing = deadline(monkeypatch)
    assert missing.exit_code == 2 and "укажите --municipality" in missing.output
    unknown = deadline(monkeypatch, "--municipality", "atlantis")
    assert unknown.exit_code == 2 and "муниципалитета «atlantis» нет" in unknown.output
