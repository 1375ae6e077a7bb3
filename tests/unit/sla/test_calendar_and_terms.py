"""Production calendar and term computations (pure)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.sla.adapters.calendar_file import shipped
from services.sla.domain.calendar import ProductionCalendar, YearCalendar
from services.sla.domain.schedule import WorkSchedule
from services.sla.domain.terms import Term, TermCalculator, TermError

MSK = ZoneInfo("Europe/Moscow")
OMSK = ZoneInfo("Asia/Omsk")
CAL = shipped()


def calc(zone: ZoneInfo = MSK, lunch: bool = True) -> TermCalculator:
    return TermCalculator(CAL, WorkSchedule(zone, time(9), time(18),
                                            (time(13), time(14)) if lunch else None))


def at(text: str, zone: ZoneInfo = MSK) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=zone)


def due(registered: str, term: str, zone: ZoneInfo = MSK, lunch: bool = True) -> datetime:
    return calc(zone, lunch).due(at(registered, zone), Term.parse(term)).due


@pytest.mark.parametrize("year, working_days", [(2025, 247), (2026, 247), (2027, 247)])
def test_shipped_calendars_give_the_official_number_of_working_days(year, working_days):
    days = [date(year, 1, 1) + timedelta(days=i) for i in range(366)]
    assert sum(CAL.is_working(d) for d in days if d.year == year) == working_days


def test_a_term_in_calendar_days_starts_the_next_day_and_ends_at_the_end_of_the_last():
    assert due("2026-11-16 10:00", "30d") == at("2026-12-16 23:59:59")
    assert due("2026-11-16 23:59", "1d") == at("2026-11-17 23:59:59")


def test_a_calendar_term_ending_on_a_weekend_ends_on_the_next_working_day():
    # 07.11.2026 is a Saturday: art. 193 moves the end to Monday 09.11.
    assert due("2026-10-08 12:00", "30d") == at("2026-11-09 23:59:59")


def test_a_calendar_term_ending_in_the_new_year_holidays_crosses_the_year():
    result = calc().due(at("2026-12-01 10:00"), Term.parse("30d"))
    assert result.due == at("2027-01-11 23:59:59")
    assert any("ст. 193" in line for line in result.explanation)


def test_working_days_skip_the_new_year_holidays_and_transferred_days_off():
    # 31.12.2026 is a day off transferred from 04.01; 01–10.01.2027 are not working.
    assert due("2026-12-29 15:00", "3wd") == at("2027-01-12 23:59:59")


def test_a_working_saturday_counts_as_a_working_day():
    assert due("2025-10-31 11:00", "1wd") == at("2025-11-01 23:59:59")  # Saturday, working
    assert due("2027-02-19 11:00", "1wd") == at("2027-02-20 23:59:59")
    assert due("2026-10-30 11:00", "1wd") == at("2026-11-02 23:59:59")  # an ordinary Saturday


def test_working_hours_span_nights_weekends_and_lunch():
    # Friday 17:00 +8 wh: 1 h on Friday, Monday 09–13 and 14–17.
    assert due("2026-01-30 17:00", "8wh") == at("2026-02-02 17:00")
    assert due("2026-01-30 17:00", "8wh", lunch=False) == at("2026-02-02 16:00")


def test_working_hours_registered_at_night_start_at_the_next_opening():
    assert due("2026-11-17 02:30", "2wh") == at("2026-11-17 11:00")


def test_a_shortened_day_counts_one_hour_less():
    # 30.04.2026 is pre-holiday: work ends at 17:00; 1–3 May are off.
    assert due("2026-04-30 16:30", "3wh") == at("2026-05-04 11:30")
    assert due("2026-04-29 16:30", "3wh") == at("2026-04-30 10:30")


def test_time_zones_other_than_moscow_count_in_local_time():
    omsk = due("2026-12-30 16:00", "2wd", OMSK)
    assert omsk == at("2027-01-12 23:59:59", OMSK)
    assert omsk.utcoffset() == timedelta(hours=6)
    # One instant: 19:30 in Omsk is after hours there, but 16:30 in Moscow is not.
    instant = at("2026-11-16 19:30", OMSK)
    assert calc(OMSK).due(instant, Term.parse("1wh")).due == at("2026-11-17 10:00", OMSK)
    assert calc(MSK).due(instant, Term.parse("1wh")).due == at("2026-11-16 17:30", MSK)


def test_dst_free_zones_keep_a_fixed_offset_all_year():
    for zone in (MSK, OMSK, ZoneInfo("Asia/Vladivostok")):
        winter, summer = due("2026-01-15 10:00", "1d", zone), due("2026-07-15 10:00", "1d", zone)
        assert winter.utcoffset() == summer.utcoffset()


def test_registration_is_converted_into_the_municipality_zone_first():
    # 22:30 UTC on 16.11 is already 17.11 in Omsk: the term starts on 18.11.
    registered = datetime(2026, 11, 16, 22, 30, tzinfo=ZoneInfo("UTC"))
    assert calc(OMSK).due(registered, Term.parse("1d")).due == at("2026-11-18 23:59:59", OMSK)


def test_every_counted_day_is_explained():
    explanation = calc().due(at("2026-05-07 10:00"), Term.parse("3wd")).explanation
    assert "08.05.2026 — рабочий день 1 из 3" in explanation
    assert "09.05.2026 — не считается: День Победы" in explanation
    assert "11.05.2026 — не считается: выходной по ст. 112 ТК РФ (праздник совпал с выходным)" \
        in explanation


def test_a_year_without_data_falls_back_to_the_default_week_and_says_so():
    day = CAL.day(date(2031, 3, 10))
    assert day.working and "не загружен" in day.reason


def test_shifts_before_and_after_a_due_moment():
    c = calc()
    d = at("2026-12-16 23:59:59")
    assert c.before(d, Term.parse("2wd")) == at("2026-12-14 09:00")
    assert c.after(d, Term.parse("1wd")) == at("2026-12-17 09:00")
    assert c.before(at("2026-02-02 10:00"), Term.parse("2wh")) == at("2026-01-30 17:00")
    assert c.after(at("2026-01-30 17:30"), Term.parse("1wh")) == at("2026-02-02 09:30")


@pytest.mark.parametrize("bad", ["", "30", "0d", "-1d", "3w", "wd", "1.5d"])
def test_unreadable_terms_are_refused_in_russian(bad):
    with pytest.raises(TermError, match="не распознан"):
        Term.parse(bad)


def test_a_naive_registration_moment_is_refused():
    with pytest.raises(TermError, match="часовым поясом"):
        calc().due(datetime(2026, 11, 16, 10), Term.parse("1d"))


def test_a_calendar_with_no_working_time_fails_instead_of_looping():
    never = ProductionCalendar([YearCalendar(y, "test", weekend=frozenset(range(7)))
                                for y in range(2026, 2040)])
    with pytest.raises(TermError):
        TermCalculator(never, WorkSchedule(MSK)).due(at("2026-01-01 10:00"), Term.parse("1wh"))
