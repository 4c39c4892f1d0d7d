"""Pure period arithmetic, codes and labels (no database)."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

import pytest

from baocao.core.text import fold
from baocao.periods.models import PeriodType
from baocao.periods.services import (
    PERIOD_TYPES,
    Period,
    PeriodError,
    parse_any,
    parse_label,
    parse_period,
    period_for_date,
    periods_between,
    sub_periods,
)

YEARS = (1990, 2016, 2019, 2020, 2023, 2024, 2025, 2100)
COUNTS = {"month": 12, "quarter": 4, "half_year": 2, "nine_months": 1, "year": 1}


def all_periods(years=YEARS):
    for year in years:
        for ptype, count in COUNTS.items():
            for index in range(1, count + 1):
                yield Period(ptype, year, index)


def test_period_types_match_model_choices():
    assert set(PERIOD_TYPES) == set(PeriodType.values)
    assert Period(PeriodType.QUARTER, 2020, 3).type == "quarter"


@pytest.mark.parametrize(
    ("code", "ptype", "year", "index", "label"),
    [
        ("202005", "month", 2020, 5, "Tháng 5/2020"),
        ("2020Q3", "quarter", 2020, 3, "Quý III/2020"),
        ("2020S1", "half_year", 2020, 1, "6 tháng đầu năm 2020"),
        ("2020S2", "half_year", 2020, 2, "6 tháng cuối năm 2020"),
        ("2021N9", "nine_months", 2021, 1, "9 tháng năm 2021"),
        ("2019", "year", 2019, 1, "Năm 2019"),
    ],
)
def test_codes_and_labels(code, ptype, year, index, label):
    p = parse_period(code)
    assert (p.type, p.year, p.index) == (ptype, year, index)
    assert p.code == code
    assert p.label_vi == label
    assert str(p) == code


@pytest.mark.parametrize(
    ("alias", "code"),
    [
        ("2020-Q3", "2020Q3"),
        ("2020-H1", "2020S1"),
        ("2020H1", "2020S1"),
        ("2020-05", "202005"),
        (" 2020q4 ", "2020Q4"),
        ("2020-S2", "2020S2"),
        ("2021-N9", "2021N9"),
    ],
)
def test_code_aliases(alias, code):
    assert parse_period(alias).code == code


def test_code_with_inner_space_and_period_parse():
    assert parse_period("2020 Q3").code == "2020Q3"
    assert Period.parse("2020Q3") == Period.parse("Quý III/2020") == Period("quarter", 2020, 3)


def test_english_labels():
    assert parse_period("202005").label_en == "May 2020"
    assert parse_period("2020Q3").label_en == "Q3 2020"
    assert parse_period("2020S2").label_en == "Second half of 2020"
    assert parse_period("2021N9").label_en == "First nine months of 2021"
    assert parse_period("2019").label_en == "Year 2019"


def test_every_period_round_trips_code_and_labels():
    n = 0
    for p in all_periods():
        assert parse_period(p.code) == p
        assert parse_label(p.label_vi) == p
        assert parse_label(fold(p.label_vi)) == p  # without diacritics
        assert parse_label(p.label_vi.upper()) == p
        assert parse_any(p.code) == p and parse_any(p.label_vi) == p
        n += 1
    assert n == len(YEARS) * sum(COUNTS.values())


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Quý III/2020", "2020Q3"),
        ("quý 3 năm 2020", "2020Q3"),
        ("Quy 3/2020", "2020Q3"),
        ("quý IV năm 2023", "2023Q4"),
        ("Quý 1 - 2024", "2024Q1"),
        ("6 tháng đầu năm 2019", "2019S1"),
        ("6 thang cuoi nam 2019", "2019S2"),
        ("06 tháng đầu năm 2019", "2019S1"),
        ("6 tháng năm 2019", "2019S1"),
        ("9 tháng năm 2021", "2021N9"),
        ("9 tháng đầu năm 2021", "2021N9"),
        ("năm 2019", "2019"),
        ("NĂM 2019", "2019"),
        ("cả năm 2019", "2019"),
        ("tháng 5/2020", "202005"),
        ("Tháng 05 năm 2020", "202005"),
        ("tháng 12/2019", "201912"),
    ],
)
def test_parse_label_variants(text, code):
    assert parse_label(text).code == code


@pytest.mark.parametrize(
    "bad",
    [
        "Quý V/2020",
        "Quý 0/2020",
        "quý 5 năm 2020",
        "Tháng 13/2020",
        "tháng 0/2020",
        "Năm 1989",
        "Năm 2101",
        "Quý III/1989",
        "hôm qua",
        "",
        "7 tháng năm 2020",
    ],
)
def test_parse_label_rejects(bad):
    with pytest.raises(PeriodError) as exc:
        parse_label(bad)
    assert "kỳ báo cáo" in str(exc.value).lower()


@pytest.mark.parametrize(
    "bad",
    [
        "2020Q0",
        "2020Q5",
        "202013",
        "202000",
        "2020S3",
        "2020S0",
        "2020N8",
        "1989",
        "2101",
        "2101Q1",
        "20Q1",
        "x",
        "",
    ],
)
def test_parse_period_rejects(bad):
    with pytest.raises(PeriodError) as exc:
        parse_period(bad)
    assert bad.strip() in str(exc.value)  # the message names the bad input


def test_period_error_is_value_error_and_names_input():
    with pytest.raises(ValueError, match="Quý V/2020"):
        parse_any("Quý V/2020")
    with pytest.raises(PeriodError, match="202013"):
        parse_any("202013")


def test_constructor_validates():
    for args in [
        ("quarter", 2020, 5),
        ("month", 2020, 0),
        ("half_year", 2020, 3),
        ("nine_months", 2020, 2),
        ("year", 1989, 1),
        ("week", 2020, 1),
    ]:
        with pytest.raises(PeriodError):
            Period(*args)


def test_start_end_cover_the_year_without_gaps():
    for year in (2019, 2020, 2024, 2100):
        for ptype in ("month", "quarter", "half_year"):
            ps = periods_between(ptype, date(year, 1, 1), date(year, 12, 31))
            assert len(ps) == COUNTS[ptype]
            assert ps[0].start == date(year, 1, 1) and ps[-1].end == date(year, 12, 31)
            for a, b in zip(ps, ps[1:], strict=False):
                assert b.start == a.end + timedelta(days=1)
        assert Period("year", year).end == date(year, 12, 31)
        assert Period("nine_months", year).start == date(year, 1, 1)
        assert Period("nine_months", year).end == date(year, 9, 30)


def test_leap_years():
    assert parse_period("202002").end == date(2020, 2, 29)
    assert parse_period("202402").end == date(2024, 2, 29)
    assert parse_period("202302").end == date(2023, 2, 28)
    assert parse_period("210002").end == date(2100, 2, 28)  # 2100 is not a leap year
    assert parse_period("2024S1").end == date(2024, 6, 30)
    assert (parse_period("2024S1").end - parse_period("2024S1").start).days + 1 == 182
    assert (parse_period("2023S1").end - parse_period("2023S1").start).days + 1 == 181
    assert (parse_period("2020Q1").end - parse_period("2020Q1").start).days + 1 == 91


def test_month_ends_match_calendar():
    for p in all_periods((2019, 2020)):
        assert p.end.day == calendar.monthrange(p.year, p.last_month)[1]


def test_previous_next_across_year_boundaries():
    assert parse_period("2020Q1").previous().code == "2019Q4"
    assert parse_period("2019Q4").next().code == "2020Q1"
    assert parse_period("202001").previous().code == "201912"
    assert parse_period("201912").next().code == "202001"
    assert parse_period("2020S1").previous().code == "2019S2"
    assert parse_period("2019S2").next().code == "2020S1"
    assert parse_period("2021N9").previous().code == "2020N9"
    assert parse_period("2020").next().code == "2021"
    assert parse_period("2020Q3").shift(-7).code == "2018Q4"
    assert parse_period("202005").shift(20).code == "202201"


def test_previous_next_are_inverse_and_adjacent():
    for p in all_periods((2016, 2020, 2024)):
        assert p.next().previous() == p
        assert p.previous().next() == p
        if p.type not in ("nine_months",):
            assert p.next().start == p.end + timedelta(days=1)


def test_previous_out_of_range_raises():
    with pytest.raises(PeriodError):
        parse_period("199001").previous()
    with pytest.raises(PeriodError):
        parse_period("2100Q4").next()


def test_same_period_last_year():
    assert parse_period("2020Q3").same_period_last_year().code == "2019Q3"
    assert parse_period("202402").same_period_last_year().code == "202302"
    assert parse_period("2021N9").same_period_last_year().code == "2020N9"
    assert parse_period("2020S2").same_period_last_year().code == "2019S2"


def test_contains_and_period_for_date():
    q = parse_period("2020Q3")
    assert q.contains(date(2020, 7, 1)) and q.contains(date(2020, 9, 30))
    assert not q.contains(date(2020, 6, 30)) and not q.contains(date(2020, 10, 1))
    day = date(2020, 2, 29)
    assert period_for_date("month", day).code == "202002"
    assert period_for_date("quarter", day).code == "2020Q1"
    assert period_for_date("half_year", date(2020, 7, 1)).code == "2020S2"
    assert period_for_date("nine_months", date(2020, 9, 30)).code == "2020N9"
    assert period_for_date("year", day).code == "2020"
    assert Period.containing("quarter", date(2019, 12, 31)).code == "2019Q4"
    with pytest.raises(PeriodError):
        period_for_date("nine_months", date(2020, 10, 1))
    with pytest.raises(PeriodError):
        period_for_date("week", day)
    # every day of a leap year lands in a period that contains it
    d = date(2024, 1, 1)
    while d.year == 2024:
        for ptype in ("month", "quarter", "half_year", "year"):
            assert period_for_date(ptype, d).contains(d)
        d += timedelta(days=1)


def test_sub_periods():
    assert [p.code for p in sub_periods(parse_period("2020S2"), "quarter")] == ["2020Q3", "2020Q4"]
    assert [p.code for p in sub_periods(parse_period("2021N9"), "quarter")] == ["2021Q1", "2021Q2", "2021Q3"]
    assert len(sub_periods(parse_period("2020"), "month")) == 12
    assert [p.code for p in sub_periods(parse_period("2020Q1"), "month")] == ["202001", "202002", "202003"]
    assert sub_periods(parse_period("2020"), "half_year")[1].code == "2020S2"
    assert parse_period("2020Q2").months == sub_periods(parse_period("2020Q2"), "month")
    with pytest.raises(PeriodError):
        sub_periods(parse_period("2020Q1"), "half_year")


def test_periods_between():
    ps = periods_between("quarter", date(2019, 11, 20), date(2020, 4, 1))
    assert [p.code for p in ps] == ["2019Q4", "2020Q1", "2020Q2"]
    assert [p.code for p in periods_between("year", parse_period("2016Q3"), parse_period("2019S1"))] == [
        "2016",
        "2017",
        "2018",
        "2019",
    ]
    assert [p.code for p in periods_between("nine_months", date(2020, 10, 1), date(2022, 1, 1))] == [
        "2021N9",
        "2022N9",
    ]
    assert len(periods_between("month", date(2016, 1, 1), date(2026, 12, 31))) == 11 * 12
    with pytest.raises(PeriodError):
        periods_between("month", date(2020, 2, 1), date(2020, 1, 1))


def test_ordering_and_hashing():
    codes = ["2020", "2020Q1", "202001", "2019Q4", "2020S1", "2020N9", "202012", "2019"]
    ordered = sorted(parse_period(c) for c in codes)
    assert [p.code for p in ordered] == [
        "2019",
        "2019Q4",
        "202001",
        "2020Q1",
        "2020S1",
        "2020N9",
        "2020",
        "202012",
    ]
    assert parse_period("2020Q1") < parse_period("2020Q2") <= parse_period("2020Q2")
    assert max(parse_period("2019Q4"), parse_period("2020Q1")).code == "2020Q1"
    assert len({parse_period("2020-Q3"), parse_period("2020Q3"), parse_label("Quý III/2020")}) == 1


def test_to_dict():
    d = parse_period("2020S1").to_dict()
    assert d["code"] == "2020S1" and d["start"] == "2020-01-01" and d["end"] == "2020-06-30"
    assert d["label_vi"] == "6 tháng đầu năm 2020"
