"""Regimes as data: windows, deadlines, lock dates, timeliness and deadline states."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from baocao.periods.loading import LoadError, load_regimes
from baocao.periods.models import Holiday, Regime, RegimeRule
from baocao.periods.services import (
    Period,
    RegimeError,
    RuleSpec,
    deadline,
    deadline_state,
    describe,
    get_regime,
    get_rule,
    lock_date,
    parse_period,
    rule_deadline,
    rule_window,
    timeliness,
    window,
)

P = parse_period


@pytest.fixture
def regimes(db):
    load_regimes()


def test_default_regime_is_tt02(regimes):
    reg = get_regime()
    assert reg.code == "TT02_2023" and reg.is_default
    assert Regime.objects.filter(is_default=True).count() == 1
    assert {r.code for r in Regime.objects.all()} >= {"TT02_2023", "TT04_2022", "TTCP_2013"}
    for code in ("TT02_2023", "TT04_2022", "TTCP_2013"):
        assert set(get_regime(code).rules.values_list("period_type", flat=True)) == {
            "month",
            "quarter",
            "half_year",
            "nine_months",
            "year",
        }


def test_unknown_regime(regimes):
    with pytest.raises(RegimeError, match="KHONGCO"):
        get_regime("KHONGCO")


def test_no_default_regime(db):
    with pytest.raises(RegimeError, match="load_regimes"):
        get_regime()


# --- TT02_2023: Decree 09 windows, Circular 02/2023 deadlines ------------------------------------


@pytest.mark.parametrize(
    ("code", "window_start", "window_end", "due"),
    [
        ("202005", date(2020, 4, 15), date(2020, 5, 14), date(2020, 5, 15)),
        ("202001", date(2019, 12, 15), date(2020, 1, 14), date(2020, 1, 15)),  # year boundary
        ("202003", date(2020, 2, 15), date(2020, 3, 14), date(2020, 3, 15)),
        (
            "2020Q1",
            date(2019, 12, 15),
            date(2020, 3, 14),
            date(2020, 3, 6),
        ),  # starts 15/12 of the previous year
        ("2020Q3", date(2020, 6, 15), date(2020, 9, 14), date(2020, 9, 6)),
        ("2024Q4", date(2024, 9, 15), date(2024, 12, 14), date(2024, 12, 6)),
        ("2020S1", date(2019, 12, 15), date(2020, 6, 14), date(2020, 6, 6)),
        ("2020S2", date(2020, 6, 15), date(2020, 12, 14), date(2020, 12, 6)),
        ("2021N9", date(2020, 12, 15), date(2021, 9, 14), date(2021, 9, 6)),
        ("2019", date(2018, 12, 15), date(2019, 12, 14), date(2019, 11, 25)),
        ("2024", date(2023, 12, 15), date(2024, 12, 14), date(2024, 11, 25)),
    ],
)
def test_tt02_windows_and_deadlines(regimes, code, window_start, window_end, due):
    p = P(code)
    assert window(p) == (window_start, window_end)
    assert window(p, "TT02_2023") == (window_start, window_end)
    assert deadline(p) == due
    assert lock_date(p) == due + timedelta(days=get_rule(p).lock_after_days)


def test_tt02_monthly_windows_tile_time(regimes):
    """Consecutive Decree 09 windows leave no gap and no overlap, across years."""
    reg = get_regime()
    p = P("201901")
    for _ in range(36):
        assert window(p.next(), reg)[0] == window(p, reg)[1] + timedelta(days=1)
        p = p.next()
    q = P("2019Q1")
    for _ in range(12):
        assert window(q.next(), reg)[0] == window(q, reg)[1] + timedelta(days=1)
        q = q.next()
    assert window(P("2020S2"), reg)[0] == window(P("2020S1"), reg)[1] + timedelta(days=1)
    assert window(P("2021"), reg)[0] == window(P("2020"), reg)[1] + timedelta(days=1)


# --- TT04_2022: calendar windows --------------------------------------------------------------


def test_tt04_calendar_windows_every_type(regimes):
    for code in ("202002", "202402", "202312", "2020Q1", "2020Q4", "2024S1", "2024S2", "2021N9", "2020"):
        p = P(code)
        assert window(p, "TT04_2022") == (p.start, p.end)
        due = deadline(p, "TT04_2022")
        assert due > p.end  # statistical reports are sent after the period closes
    assert deadline(P("2020Q4"), "TT04_2022").year == 2021  # year boundary
    assert deadline(P("202012"), "TT04_2022") == date(2021, 1, 15)
    assert window(P("202002"), "TT04_2022")[1] == date(2020, 2, 29)


def test_ttcp_sixteenth_to_fifteenth(regimes):
    assert window(P("202003"), "TTCP_2013") == (date(2020, 2, 16), date(2020, 3, 15))
    assert window(P("2020Q1"), "TTCP_2013") == (date(2019, 12, 16), date(2020, 3, 15))
    assert deadline(P("202003"), "TTCP_2013") == date(2020, 3, 20)


def test_pure_rule_computation_and_clamping():
    end_of_month = RuleSpec(window_start_day=31, window_end_day=31, deadline_day=31)
    assert rule_window(P("202002"), end_of_month) == (date(2020, 2, 29), date(2020, 2, 29))
    assert rule_deadline(P("202302"), end_of_month) == date(2023, 2, 28)
    spec = RuleSpec(deadline_month_offset=1, deadline_day=0)
    assert rule_deadline(P("2020Q4"), spec) == date(2021, 1, 31)


def test_deadline_is_data_not_code(regimes):
    """Changing a rule row changes the answer, with no code change."""
    rule = RegimeRule.objects.get(regime__code="TT02_2023", period_type="quarter")
    assert deadline(P("2020Q3")) == date(2020, 9, 6)
    rule.deadline_day = 8
    rule.save()
    assert deadline(P("2020Q3")) == date(2020, 9, 8)
    load_regimes()  # refresh from the fixture restores it
    assert deadline(P("2020Q3")) == date(2020, 9, 6)


def test_regime_instance_keeps_its_rules(regimes, django_assert_max_num_queries):
    reg = get_regime()
    deadline(P("2020Q1"), reg)
    with django_assert_max_num_queries(0):
        for q in P("2016Q1").months[:1] + [P("2016Q1").shift(i) for i in range(40)]:
            deadline(q, reg)


def test_missing_rule(regimes):
    RegimeRule.objects.filter(regime__code="TT04_2022", period_type="nine_months").delete()
    with pytest.raises(RegimeError, match="9 tháng"):
        window(P("2021N9"), "TT04_2022")


# --- timeliness and deadline state ------------------------------------------------------------


def test_timeliness_tt02_month(regimes):
    p = P("202005")  # window 15/04 → 14/05, due 15/05
    assert timeliness(p, date(2020, 5, 10)) == "early"
    assert timeliness(p, date(2020, 5, 14)) == "early"
    assert timeliness(p, date(2020, 5, 15)) == "on_time"
    assert timeliness(p, date(2020, 5, 16)) == "late"


def test_timeliness_tt02_quarter_due_before_window_end(regimes):
    p = P("2020Q3")  # due 06/09, window ends 14/09
    assert timeliness(p, date(2020, 9, 1)) == "on_time"
    assert timeliness(p, date(2020, 9, 6)) == "on_time"
    assert timeliness(p, date(2020, 9, 7)) == "late"
    assert timeliness(P("2019"), date(2019, 11, 25)) == "on_time"
    assert timeliness(P("2019"), date(2019, 11, 26)) == "late"


def test_timeliness_statistical(regimes):
    p = P("2020Q4")
    due = deadline(p, "TT04_2022")
    assert timeliness(p, date(2020, 12, 31), "TT04_2022") == "early"
    assert timeliness(p, date(2021, 1, 1), "TT04_2022") == "on_time"
    assert timeliness(p, due, "TT04_2022") == "on_time"
    assert timeliness(p, due + timedelta(days=1), "TT04_2022") == "late"


def test_deadline_state_across_a_period(regimes):
    p = P("2020Q3")
    rule = get_rule(p)
    due = deadline(p)
    locked = lock_date(p)
    seen = []
    day = p.start - timedelta(days=10)
    while day <= locked + timedelta(days=5):
        state = deadline_state(p, day)
        if not seen or seen[-1] != state:
            seen.append(state)
        if day > due:
            assert state in ("late", "locked")
        elif (due - day).days <= rule.due_soon_days:
            assert state == "due_soon"
        else:
            assert state == "open"
        day += timedelta(days=1)
    assert seen == ["open", "due_soon", "late", "locked"]
    assert deadline_state(p, due) == "due_soon"
    assert deadline_state(p, due - timedelta(days=rule.due_soon_days + 1)) == "open"
    assert deadline_state(p, due + timedelta(days=1)) == "late"
    assert deadline_state(p, locked - timedelta(days=1)) == "late"
    assert deadline_state(p, locked) == "locked"


def test_describe(regimes):
    d = describe(P("2020Q3"))
    assert d == {
        "code": "2020Q3",
        "type": "quarter",
        "label_vi": "Quý III/2020",
        "label_en": "Q3 2020",
        "start": "2020-07-01",
        "end": "2020-09-30",
        "window_start": "2020-06-15",
        "window_end": "2020-09-14",
        "deadline": "2020-09-06",
        "lock_date": (date(2020, 9, 6) + timedelta(days=get_rule(P("2020Q3")).lock_after_days)).isoformat(),
        "regime": "TT02_2023",
    }


# --- loading ----------------------------------------------------------------------------------


def test_load_is_idempotent(db):
    first = load_regimes()
    assert first.created["regime"] == 3 and first.created["rule"] == 15
    assert first.created["holiday"] == Holiday.objects.count() > 100
    second = load_regimes()
    assert sum(second.created.values()) == 0 and sum(second.updated.values()) == 0
    assert second.unchanged["rule"] == 15


def _write(tmp_path, name, data):
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def _fixture(name):
    from baocao.periods.loading import FIXTURES

    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["regimes"][0]["rules"][1].update(period_type="week"), "period_type"),
        (lambda d: d["regimes"][0]["rules"][1].update(deadline_day=40), "deadline_day"),
        (lambda d: d["regimes"][0]["rules"][1].update(window_end_month_offset=-5), "kết thúc trước"),
        (lambda d: d["regimes"][1].update(is_default=True), "mặc định"),
        (lambda d: d["regimes"][1].update(code="TT02_2023"), "trùng mã"),
        (lambda d: d["regimes"][0].update(kind="other"), "kind"),
        (lambda d: d["regimes"][0]["rules"].append(dict(d["regimes"][0]["rules"][0])), "trùng loại kỳ"),
    ],
)
def test_bad_regimes_write_nothing(db, tmp_path, mutate, message):
    data = _fixture("regimes.json")
    data["regimes"][0]["name"] = "ĐÃ SỬA"
    mutate(data)
    with pytest.raises(LoadError, match=message):
        load_regimes(regimes_path=_write(tmp_path, "r.json", data))
    assert Regime.objects.count() == 0 and Holiday.objects.count() == 0


def test_bad_input_keeps_existing_data(regimes, tmp_path):
    data = _fixture("regimes.json")
    data["regimes"][0]["rules"][1]["deadline_day"] = 9
    data["regimes"][0]["rules"][0]["lock_after_days"] = -1
    with pytest.raises(LoadError, match="lock_after_days"):
        load_regimes(regimes_path=_write(tmp_path, "r.json", data))
    assert deadline(P("2020Q3")) == date(2020, 9, 6)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"date": "2024-02-30", "name": "x", "kind": "holiday"}, "date"),
        ({"date": "2024-05-06", "name": "x", "kind": "working_day"}, "thứ Bảy"),
        ({"date": "2024-05-04", "name": "x", "kind": "day_off"}, "trong tuần"),
        ({"date": "2024-05-06", "name": "", "kind": "holiday"}, "name"),
        ({"date": "2024-05-06", "name": "x", "kind": "party"}, "kind"),
        ({"date": "2024-01-01", "name": "x", "kind": "holiday"}, "trùng ngày"),
    ],
)
def test_bad_holidays_write_nothing(db, tmp_path, entry, message):
    data = _fixture("holidays.json")
    data["holidays"].append(entry)
    with pytest.raises(LoadError, match=message):
        load_regimes(holidays_path=_write(tmp_path, "h.json", data))
    assert Regime.objects.count() == 0 and Holiday.objects.count() == 0


def test_changed_fixture_updates_rows(regimes, tmp_path):
    data = _fixture("regimes.json")
    data["regimes"][0]["rules"][4]["deadline_day"] = 20  # year
    result = load_regimes(regimes_path=_write(tmp_path, "r.json", data))
    assert result.updated["rule"] == 1 and result.created["rule"] == 0
    assert deadline(Period("year", 2024)) == date(2024, 11, 20)
