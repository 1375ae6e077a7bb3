"""The dashboard's figures: names for ids, the busiest values first, weeks around a day."""

from __future__ import annotations

from datetime import date

from services.console.domain.dashboard import bars, heat, iso_week, shifted, week_start
from services.console.domain.display import Names

NAMES = Names({}, {"adm-gkh": "Отдел ЖКХ", "crb": "Районная больница"}, {"roads": "Дороги"})


def test_bars_name_each_value_and_put_the_busiest_on_top():
    chart = bars("recipient_id", [
        {"value": "crb", "new": 3, "repeat": 1, "overdue": 0, "postponed": 0},
        {"value": "adm-gkh", "new": 9, "repeat": 2, "overdue": 4, "postponed": 1},
        {"value": "", "new": 1, "repeat": 0, "overdue": 0, "postponed": 0}], NAMES).as_json()
    # a horizontal chart draws the first category at the bottom: the busiest is last
    assert chart["labels"] == ["до направления", "Районная больница", "Отдел ЖКХ"]
    assert chart["series"][0] == {"name": "новые", "data": [1, 3, 9]}
    assert [s["name"] for s in chart["series"]] == ["новые", "повторные", "просроченные",
                                                    "отложенные"]


def test_the_heat_map_keeps_the_busiest_topics_and_places_with_growth():
    rows = [{"topic": f"тема {i}", "territory": "центр", "current": i, "previous": 0,
             "growth": None} for i in range(1, 13)]
    rows.append({"topic": "тема 12", "territory": "окраина", "current": 5, "previous": 2,
                 "growth": 1.5})
    chart = heat(rows, limit=10)
    assert chart["y"][0] == "тема 12" and len(chart["y"]) == 10 and "тема 1" not in chart["y"]
    assert chart["x"] == ["центр", "окраина"] and chart["max"] == 12
    assert [0 + 1, 0, 5, 1.5] in chart["cells"]


def test_weeks_are_iso_weeks_across_the_year_end():
    assert iso_week(date(2026, 12, 31)) == "2026-W53" and week_start("2026-W49") == date(2026, 11, 30)
    assert shifted("2026-W53", 1) == "2027-W01" and shifted("2027-W01", -1) == "2026-W53"


def test_a_share_over_an_empty_base_is_no_data_never_100_percent():
    from services.console.domain.dashboard import rating_view

    idle = rating_view({"appeals": 11, "answered": 0, "on_time": 0, "overdue_open": 0,
                        "quality": 1.0})
    assert idle["timeliness_text"] == "нет данных" and idle["quality_text"] == "нет данных"
    assert idle["completeness_text"] == "0 %"
    busy = rating_view({"appeals": 10, "answered": 4, "on_time": 3, "overdue_open": 2,
                        "quality": 0.75})
    assert busy["timeliness_text"] == "50 %" and busy["timely_base"] == 6
