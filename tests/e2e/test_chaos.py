"""`mcu chaos`, shorter than its default: a steady load, every service killed with SIGKILL
once, the broker away; the reconciliation over the whole log finds nothing missing and
nothing done twice. And a broker outage alone under load is survived without restarting
anything."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

pytestmark = pytest.mark.e2e


def _chaos(*options: str) -> tuple[int, str]:
    done = subprocess.run([sys.executable, "-m", "cli.main", "chaos", *options],
                          capture_output=True, text=True, timeout=900,
                          env={**os.environ, "MCU_DEMO": "true"})
    lines = [line for line in (done.stdout + done.stderr).splitlines()
             if not line.startswith("{")]
    return done.returncode, "\n".join(lines)


def _figure(report: str, label: str) -> int:
    return int(re.search(rf"{label}: (\d+)", report).group(1))


def test_kills_and_an_outage_under_load_lose_nothing_and_do_nothing_twice():
    code, report = _chaos("--seconds", "45", "--rate", "8", "--kills", "4", "--outage", "15",
                          "--settle", "180")
    assert code == 0, report[-3000:]
    assert _figure(report, r"убито процессов \(SIGKILL\)") == 4
    assert _figure(report, r"принято обращений \(ответ 2xx\)") > 200
    for label in ("не дошло до журнала", "не маршрутизировано", "маршрутизировано дважды",
                  "без срока ответа", "срок установлен дважды"):
        assert _figure(report, label) == 0, report[-3000:]
    assert "на событие: 1.000" in report and "всё сошлось" in report


def test_a_broker_outage_under_load_is_survived_without_restarting_anything():
    code, report = _chaos("--seconds", "40", "--rate", "8", "--kills", "0", "--outage", "20",
                          "--settle", "180")
    assert code == 0, report[-3000:]
    assert _figure(report, "перезапусков сервисов надзором") == 0
    assert _figure(report, "простой брокера") >= 20
    assert _figure(report, "не дошло до журнала") == 0 and "всё сошлось" in report
