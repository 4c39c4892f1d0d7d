"""Working days across Tết, public holidays, compensatory days off and working Saturdays."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from baocao.periods.loading import HOLIDAYS_FILE, load_regimes
from baocao.periods.models import Holiday
from baocao.periods.workdays import add_working_days, is_working_day, load_calendar, working_days_between


def fixture_calendar() -> dict[date, str]:
    rows = json.loads(HOLIDAYS_FILE.read_text(encoding="utf-8"))["holidays"]
    return {date.fromisoformat(r["date"]): r["kind"] for r in rows}


CAL = fixture_calendar()


@pytest.fixture
def holidays_db(db):
    load_regimes()


def test_plain_weeks_without_calendar():
    empty: dict[date, str] = {}
    assert is_working_day(date(2024, 3, 1), empty)  # Friday
    assert not is_working_day(date(2024, 3, 2), empty)  # Saturday
    assert add_working_days(date(2024, 3, 1), 1, empty) == date(2024, 3, 4)
    assert add_working_days(date(2024, 3, 4), 5, empty) == date(2024, 3, 11)
    assert working_days_between(date(2024, 3, 1), date(2024, 3, 8), empty) == 5


def test_ten_working_days_across_tet_2024():
    # Tết Giáp Thìn: officials off Thu 08/02 → Wed 14/02/2024.
    for d in (date(2024, 2, 8), date(2024, 2, 9), date(2024, 2, 12), date(2024, 2, 13), date(2024, 2, 14)):
        assert not is_working_day(d, CAL), d
    assert is_working_day(date(2024, 2, 7), CAL) and is_working_day(date(2024, 2, 15), CAL)
    start = date(2024, 2, 2)  # Friday before Tết
    due = add_working_days(start, 10, CAL)
    # Without the calendar it would be Friday 16/02; Tết pushes it a week later.
    assert add_working_days(start, 10, {}) == date(2024, 2, 16)
    assert due == date(2024, 2, 23)
    assert working_days_between(start, due, CAL) == 10
    assert (due - start).days == 21


def test_tet_every_year_has_five_days_and_weekday_days_off():
    rows = json.loads(HOLIDAYS_FILE.read_text(encoding="utf-8"))["holidays"]
    for year in range(2016, 2028):
        tet = [
            date.fromisoformat(r["date"])
            for r in rows
            if "Tết Nguyên đán" in r["name"] and r["date"][:4] == str(year)
        ]
        assert len([d for d in tet if CAL[d] == "holiday"]) == 5, year
        weekdays_off = [d for d in tet if d.weekday() < 5]
        assert 5 <= len(weekdays_off) <= 7, year
        # the days off are consecutive working days (no working day in the middle of Tết)
        first, last = min(weekdays_off), max(weekdays_off)
        assert working_days_between(first - timedelta(days=1), last, CAL) == 0


def test_fixed_holidays_every_year():
    for year in range(2016, 2028):
        for month, day in ((1, 1), (4, 30), (5, 1), (9, 2)):
            assert CAL.get(date(year, month, day)) == "holiday", (year, month, day)
        national = [d for d, k in CAL.items() if k == "holiday" and d.year == year and d.month in (8, 9)]
        assert len(national) == (2 if year >= 2021 else 1), year  # +1 day from 2021 (Labor Code 2019)


def test_weekend_holidays_get_a_compensatory_day():
    # 2023: Giỗ Tổ Sat 29/04, 30/04 Sun, 01/05 Mon → off Tue 02/05 and Wed 03/05
    assert [is_working_day(date(2023, 5, d), CAL) for d in range(1, 6)] == [False, False, False, True, True]
    # 2022: Tết Dương lịch on Saturday → Monday 03/01 off
    assert not is_working_day(date(2022, 1, 3), CAL)
    assert working_days_between(date(2021, 12, 31), date(2022, 1, 4), CAL) == 1


def test_compensatory_working_saturday():
    # 2024: Mon 29/04 off in exchange for Sat 04/05 worked
    assert not is_working_day(date(2024, 4, 29), CAL)
    assert is_working_day(date(2024, 5, 4), CAL)
    assert add_working_days(date(2024, 5, 3), 1, CAL) == date(2024, 5, 4)
    assert add_working_days(date(2024, 4, 26), 1, CAL) == date(2024, 5, 2)
    # 2025: Fri 02/05 off, Sat 26/04 worked
    assert is_working_day(date(2025, 4, 26), CAL) and not is_working_day(date(2025, 5, 2), CAL)
    assert (
        working_days_between(date(2025, 4, 25), date(2025, 5, 5), CAL) == 4
    )  # 26/04 (Sat), 28/04, 29/04, 05/05
    # every working_day row is a weekend day; every swap has a matching day off
    saturdays = [d for d, k in CAL.items() if k == "working_day"]
    assert saturdays and all(d.weekday() == 5 for d in saturdays)


def test_backwards_and_zero():
    assert add_working_days(date(2024, 2, 15), -1, CAL) == date(2024, 2, 7)
    assert add_working_days(date(2024, 2, 10), 0, CAL) == date(2024, 2, 15)
    assert add_working_days(date(2024, 2, 7), 0, CAL) == date(2024, 2, 7)
    assert working_days_between(date(2024, 2, 23), date(2024, 2, 2), CAL) == -10


def test_add_and_between_are_consistent():
    start = date(2022, 12, 20)
    for n in range(0, 80, 7):
        end = add_working_days(start, n, CAL)
        assert is_working_day(end, CAL)
        assert working_days_between(start, end, CAL) == n


def test_database_calendar_matches_fixture(holidays_db):
    assert Holiday.objects.count() == len(CAL)
    assert load_calendar([2024]) == {d: k for d, k in CAL.items() if d.year == 2024}
    # database-backed calls give the same answers as the fixture calendar
    assert add_working_days(date(2024, 2, 2), 10) == date(2024, 2, 23)
    assert not is_working_day(date(2024, 2, 14))
    assert is_working_day(date(2024, 5, 4))
    assert working_days_between(date(2023, 12, 25), date(2024, 3, 1)) == working_days_between(
        date(2023, 12, 25), date(2024, 3, 1), CAL
    )


def test_admin_edit_takes_effect(holidays_db):
    day = date(2024, 3, 8)
    assert is_working_day(day)
    Holiday.objects.create(date=day, name="Nghỉ đột xuất", kind="day_off")
    assert not is_working_day(day)
    assert add_working_days(date(2024, 3, 7), 1) == date(2024, 3, 11)
