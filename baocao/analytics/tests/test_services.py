"""The analytics contract on demo-like data, cross-checked against direct SQL, and its rules."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection

from baocao.analytics import services as s
from baocao.analytics.models import Direction, Target
from baocao.datavalues.models import DataValue
from baocao.datavalues.services import bulk_write
from baocao.geo.models import AdminArea
from baocao.periods.services import Period

CODES = ["TEL_SUBS_TOTAL", "TEL_SUBS_FIXED", "TEL_SUBS_MOBILE", "DVCTT_FULL", "DVCTT_FULL_SHARE", "TEL_DENSITY_PER100", "INFOSEC_INCIDENTS", "LGSP_NDXP_CONNECTED", "TEL_REVENUE"]


@pytest.fixture
def demo(ref):
    """The demo generator's values for a few indicators, 2024Q1…2025Q4 (both sides of the reform)."""
    from baocao.demo.generator import DemoGenerator
    from baocao.demo.services import indicator_dicts, province_units

    old, new = province_units()
    inds = [i for i in indicator_dicts() if i["code"] in CODES]
    gen = DemoGenerator(inds, old, new, (2025, 4), first_year=2024, anchors=[])
    result = bulk_write(gen.rows(), source="demo")
    assert result.created > 1000
    s.load_analytics()
    return result


def _provinces_sql(day: dt.date) -> list[int]:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT id FROM geo_adminarea WHERE level = 'province' AND (valid_from IS NULL OR valid_from <= %s)"
            " AND (valid_to IS NULL OR valid_to >= %s)",
            [day, day],
        )
        return [r[0] for r in cur.fetchall()]


def _sql(query: str, params: list) -> list[tuple]:
    with connection.cursor() as cur:
        cur.execute(query, params)
        return cur.fetchall()


def _in(ids: list[int]) -> str:
    return ",".join(str(int(i)) for i in ids)


@pytest.mark.parametrize("period", ["2024Q2", "2025Q1", "2025Q3", "2025Q4"])
def test_national_sum_and_ratio_match_direct_sql(demo, period):
    per = Period.parse(period)
    ids = _provinces_sql(per.end)
    assert len(ids) == (63 if per.end < dt.date(2025, 7, 1) else 34)
    (total,) = _sql(
        "SELECT SUM(dv.value) FROM datavalues_datavalue dv JOIN catalog_indicator i ON i.id = dv.indicator_id"
        f" WHERE i.code = %s AND dv.period = %s AND dv.disagg = '' AND dv.area_id IN ({_in(ids)})",
        ["TEL_SUBS_TOTAL", period],
    )[0]
    assert total is not None and Decimal(total) > 1_000_000
    assert s.national_value("TEL_SUBS_TOTAL", period).value == Decimal(total)
    num, den = _sql(
        "SELECT SUM(dv.numerator), SUM(dv.denominator) FROM datavalues_datavalue dv JOIN catalog_indicator i"
        f" ON i.id = dv.indicator_id WHERE i.code = %s AND dv.period = %s AND dv.area_id IN ({_in(ids)})",
        ["DVCTT_FULL_SHARE", period],
    )[0]
    got = s.national_value("DVCTT_FULL_SHARE", period).value
    assert got.quantize(Decimal("0.0001")) == (Decimal(num) / Decimal(den) * 100).quantize(Decimal("0.0001"))


def test_weighted_mean_and_count_match_direct_sql(demo):
    per = Period.parse("2025Q4")
    ids = _provinces_sql(per.end)
    rows = _sql(
        "SELECT dv.value, a.population FROM datavalues_datavalue dv JOIN catalog_indicator i ON i.id = dv.indicator_id"
        f" JOIN geo_adminarea a ON a.id = dv.area_id WHERE i.code = %s AND dv.period = %s AND dv.area_id IN ({_in(ids)})",
        ["TEL_DENSITY_PER100", "2025Q4"],
    )
    expected = sum(Decimal(v) * p for v, p in rows) / sum(p for _, p in rows)
    assert s.national_value("TEL_DENSITY_PER100", "2025Q4").value.quantize(Decimal("0.0001")) == expected.quantize(
        Decimal("0.0001")
    )
    (connected,) = _sql(
        "SELECT COUNT(*) FROM datavalues_datavalue dv JOIN catalog_indicator i ON i.id = dv.indicator_id"
        f" WHERE i.code = 'LGSP_NDXP_CONNECTED' AND dv.period = %s AND dv.value >= 1 AND dv.area_id IN ({_in(ids)})",
        ["2025Q4"],
    )[0]
    assert s.national_value("NDXP_CONNECTED_PROVINCES", "2025Q4").value == connected  # count_if from provinces
    assert s.count_meeting("LGSP_NDXP_CONNECTED", "2025Q4", ">= 1") == (connected, 34)


def test_ranking_and_series_match_direct_sql(demo):
    per = Period.parse("2025Q4")
    ids = _provinces_sql(per.end)
    rows = _sql(
        "SELECT a.uid, dv.value FROM datavalues_datavalue dv JOIN catalog_indicator i ON i.id = dv.indicator_id"
        f" JOIN geo_adminarea a ON a.id = dv.area_id WHERE i.code = %s AND dv.period = %s AND dv.area_id IN ({_in(ids)})"
        " ORDER BY dv.value DESC, a.code",
        ["TEL_SUBS_TOTAL", "2025Q4"],
    )
    ranked = s.ranking("TEL_SUBS_TOTAL", "2025Q4")
    assert len(ranked) == 34
    assert [r.area.uid for r in ranked if r.value is not None] == [u for u, _ in rows]
    assert ranked[0].rank == 1 and ranked[0].value == Decimal(rows[0][1])
    # the national series over both maps, each point from its own provinces
    points = s.series("TEL_SUBS_TOTAL", periods=["2024Q4", "2025Q2", "2025Q3"])
    for p in points:
        pids = _provinces_sql(Period.parse(p.period).end)
        (total,) = _sql(
            "SELECT SUM(dv.value) FROM datavalues_datavalue dv JOIN catalog_indicator i ON i.id = dv.indicator_id"
            f" WHERE i.code = 'TEL_SUBS_TOTAL' AND dv.period = %s AND dv.area_id IN ({_in(pids)})",
            [p.period],
        )[0]
        assert p.value == Decimal(total)
    last4 = s.series("TEL_SUBS_TOTAL", last=4)
    assert [p.period for p in last4] == ["2025Q1", "2025Q2", "2025Q3", "2025Q4"]


def test_change_vs_previous_and_last_year(demo):
    c = s.change("TEL_SUBS_TOTAL", "2025Q3")
    now = s.national_value("TEL_SUBS_TOTAL", "2025Q3").value
    prev = s.national_value("TEL_SUBS_TOTAL", "2025Q2").value
    ly = s.national_value("TEL_SUBS_TOTAL", "2024Q3").value
    assert (c.previous_period, c.last_year_period) == ("2025Q2", "2024Q3")
    assert c.delta_previous == now - prev and c.delta_last_year == now - ly
    assert c.pct_last_year == (now - ly) / ly * 100
    # a province across the reform: its history is its predecessors' roll-up
    new_tq = s.change("TEL_SUBS_TOTAL", "2025Q3", area="P08-2025")
    assert new_tq.last_year == s.area_value("P08", "TEL_SUBS_TOTAL", "2024Q3").value + s.area_value(
        "P02", "TEL_SUBS_TOTAL", "2024Q3"
    ).value
    unknown = s.change("TEL_SUBS_TOTAL", "2024Q1")  # nothing before 2024 in this data set
    assert unknown.previous is None and unknown.pct_previous is None and unknown.value is not None


def test_ratio_of_sums_not_mean_of_ratios(ref):
    bulk_write(
        [
            {"area": "P04", "indicator": "DVCTT_FULL_SHARE", "period": "2024Q1", "value": "90", "numerator": 9, "denominator": 10},
            {"area": "P20", "indicator": "DVCTT_FULL_SHARE", "period": "2024Q1", "value": "1", "numerator": 10, "denominator": 1000},
        ],
        source="demo",
    )
    nat = s.national_value("DVCTT_FULL_SHARE", "2024Q1")
    # (9 + 10) / (10 + 1000) = 1.88%, the mean of 90% and 1% would be 45.5%
    assert nat.value.quantize(Decimal("0.01")) == Decimal("1.88")
    assert nat.aggregate.numerator == 19 and nat.aggregate.denominator == 1010
    table = s.table("area", "indicator", indicators=["DVCTT_FULL_SHARE"], areas=["P04", "P20", "VN"], periods=["2024Q1"])
    assert table.cells[2][0] == nat.value


def test_63_to_34_rollup_and_both_maps(demo):
    merged = ["P08", "P02"]  # Tuyên Quang + Hà Giang → the new Tuyên Quang (P08-2025)
    old = sum(s.area_value(u, "TEL_SUBS_TOTAL", "2025Q2").value for u in merged)
    assert s.area_value("P08-2025", "TEL_SUBS_TOTAL", "2025Q2").value == old
    maps = s.both_maps("TEL_SUBS_TOTAL", "2025Q2")
    assert maps.reform_date == dt.date(2025, 7, 1)
    assert (len(maps.before), len(maps.after)) == (63, 34)
    before = {p.area.uid: p.value for p in maps.before}
    after = {p.area.uid: p.value for p in maps.after}
    assert after["P08-2025"] == old and before["P08"] + before["P02"] == old
    assert sum(before.values()) == sum(after.values()) == s.national_value("TEL_SUBS_TOTAL", "2025Q2").value
    later = s.both_maps("TEL_SUBS_TOTAL", "2025Q4")
    assert {p.area.uid: p.value for p in later.before}["P02"] is None  # a merged province cannot be split
    assert {p.area.uid: p.value for p in later.after}["P08-2025"] == s.area_value("P08-2025", "TEL_SUBS_TOTAL", "2025Q4").value
    # the new province's ranking before the reform is among the 63 old provinces
    assert len(s.ranking("TEL_SUBS_TOTAL", "2025Q2")) == 63


def test_year_from_quarters_by_stock_and_flow(ref):
    rows = []
    for q, v in enumerate([10, 20, 30, 40], start=1):
        rows.append({"area": "P04", "indicator": "TEL_SUBS_TOTAL", "period": f"2023Q{q}", "value": v * 1000})
        rows.append({"area": "P04", "indicator": "TEL_REVENUE", "period": f"2023Q{q}", "value": v})
    bulk_write(rows, source="demo")
    assert s.area_value("P04", "TEL_SUBS_TOTAL", "2023").value == 40_000  # stock: the end of the year
    assert s.area_value("P04", "TEL_REVENUE", "2023").value == 100  # flow: the sum of the quarters
    assert s.area_value("P04", "TEL_REVENUE", "2023H1").value == 30
    DataValue.objects.filter(indicator__code="TEL_REVENUE", period="2023Q2").delete()
    assert s.area_value("P04", "TEL_REVENUE", "2023").value is None  # a flow with a quarter missing is unknown


def test_targets_gaps_and_lights(demo):
    nat = s.national_value("DVCTT_FULL_SHARE", "2025Q4").value
    assert s.target_for("DVCTT_FULL_SHARE", 2025) == Decimal(80)
    assert s.target_for("DVCTT_FULL_SHARE", 2025, "P04") == Decimal(85)
    assert s.target_for("DVCTT_FULL_SHARE", 2019) is None
    row = next(r for r in s.overview("2025Q4") if r.indicator.code == "DVCTT_FULL_SHARE")
    assert row.value == nat and row.target == Decimal(80)
    expected = "green" if nat >= 80 else "amber" if nat >= 72 else "red"
    assert row.light == expected
    assert [p.period for p in row.sparkline] == ["2024Q1", "2024Q2", "2024Q3", "2024Q4", "2025Q1", "2025Q2", "2025Q3", "2025Q4"]
    cb = next(r for r in s.ranking("DVCTT_FULL_SHARE", "2025Q4") if r.area.uid == "P04")
    assert cb.target == Decimal(85) and cb.gap == Decimal(85) - cb.value
    prof = next(r for r in s.province_profile("P04", "2025Q4") if r.indicator.code == "DVCTT_FULL_SHARE")
    assert (prof.value, prof.national, prof.of, prof.rank) == (cb.value, nat, 34, cb.rank)
    assert prof.gap == cb.gap
    # a changed target is read at once
    Target.objects.filter(indicator__code="DVCTT_FULL_SHARE", area__isnull=True, year=2025).update(value=0)
    assert next(r for r in s.overview("2025Q4") if r.indicator.code == "DVCTT_FULL_SHARE").light == "green"
    assert s.light(Decimal(5), Target(value=Decimal(10), amber_band=Decimal(10)), "lower") == "green"
    assert s.light(Decimal(10.5), Target(value=Decimal(10), amber_band=Decimal(10)), "lower") == "amber"
    assert s.light(Decimal(12), Target(value=Decimal(10), amber_band=Decimal(10)), "lower") == "red"


def test_ranking_direction_and_ties(ref):
    s.load_analytics()
    bulk_write(
        [
            {"area": a, "indicator": "INFOSEC_INCIDENTS", "period": "2025Q4", "value": v}
            for a, v in [("P04", 3), ("P01-2025" if AdminArea.objects.filter(uid="P01-2025").exists() else "P01", 9), ("P20", 3)]
        ],
        source="demo",
    )
    assert Direction.objects.get(indicator__code="INFOSEC_INCIDENTS").better == "lower"
    ranked = [r for r in s.ranking("INFOSEC_INCIDENTS", "2025Q4") if r.value is not None]
    assert [r.value for r in ranked] == [3, 3, 9]  # fewer incidents is better
    assert [r.rank for r in ranked] == [1, 1, 3]
    rest = s.ranking("INFOSEC_INCIDENTS", "2025Q4")[3:]
    assert rest and all(r.rank is None and r.value is None for r in rest)
    Direction.objects.filter(indicator__code="INFOSEC_INCIDENTS").update(better="higher")
    assert [r.value for r in s.ranking("INFOSEC_INCIDENTS", "2025Q4")[:3]] == [9, 3, 3]


def _submission(area_uid: str, period: str, state: str):
    from baocao.reporting.models import ReportForm, Submission
    from baocao.reporting.services import version_for

    form = ReportForm.objects.get(code="ICT-Q")
    per = Period.parse(period)
    return Submission.objects.create(
        form=form, version=version_for(form, per), area=AdminArea.objects.get(uid=area_uid), period=period,
        period_type="quarter", period_start=per.start, period_end=per.end, state=state,
    )


def test_only_accepted_by_default_submitted_on_request(ref):
    bulk_write(
        [
            {"area": "P04", "indicator": "TEL_SUBS_TOTAL", "period": "2024Q3", "value": 100},
            {"area": "P20", "indicator": "TEL_SUBS_TOTAL", "period": "2024Q3", "value": 1000},
            {"area": "P22", "indicator": "TEL_SUBS_TOTAL", "period": "2024Q3", "value": 10000},
        ],
        source="form",
    )
    # no report covers them (e.g. imported): they count
    assert s.national_value("TEL_SUBS_TOTAL", "2024Q3").value == 11100
    sub = _submission("P04", "2024Q3", "accepted")
    _submission("P20", "2024Q3", "submitted")
    _submission("P22", "2024Q3", "draft")
    assert s.national_value("TEL_SUBS_TOTAL", "2024Q3").value == 100
    assert s.national_value("TEL_SUBS_TOTAL", "2024Q3", include_submitted=True).value == 1100
    assert s.series("TEL_SUBS_TOTAL", periods=["2024Q3"], include_submitted=True)[0].value == 1100
    assert [r.value for r in s.ranking("TEL_SUBS_TOTAL", "2024Q3")][:2] == [100, None]
    # a value held back with its report is not replaced by one derived from monthly values
    bulk_write([{"area": "P20", "indicator": "TEL_SUBS_TOTAL", "period": "202409", "value": 5}], source="import")
    assert s.area_value("P20", "TEL_SUBS_TOTAL", "2024Q3").value is None
    assert s.area_value("P20", "TEL_SUBS_TOTAL", "2024Q3", include_submitted=True).value == 1000
    # results are read live: returning the accepted report removes its value at once
    sub.state = "returned"
    sub.save()
    assert s.national_value("TEL_SUBS_TOTAL", "2024Q3").value is None
    assert s.area_value("P04", "TEL_SUBS_TOTAL", "2024Q3", include_submitted=True).value is None
    # an indicator the form does not ask for is not covered by the report
    bulk_write([{"area": "P22", "indicator": "PRESS_AGENCIES", "period": "2024Q3", "value": 7}], source="import")
    assert s.area_value("P22", "PRESS_AGENCIES", "2024Q3").value == 7


def test_table_exports_xlsx_and_csv(demo):
    from openpyxl import load_workbook

    t = s.table(
        "area", "period", indicators=["DVCTT_FULL_SHARE"], areas=["P04", "P08-2025", "VN"], periods=["2025Q2", "2025Q3"]
    )
    assert t.row_headers[2] == "Việt Nam" and t.col_headers == ["Quý II/2025", "Quý III/2025"]
    assert t.cells[1][0] == s.area_value("P08-2025", "DVCTT_FULL_SHARE", "2025Q2").value
    wb = load_workbook(io.BytesIO(s.table_to_xlsx(t)))
    ws = wb.active
    assert "Tỷ lệ dịch vụ công trực tuyến toàn trình" in ws["A1"].value
    assert [ws.cell(row=3, column=c).value for c in (1, 2, 3)] == ["Đơn vị", "Quý II/2025", "Quý III/2025"]
    assert ws["A6"].value == "Việt Nam"
    assert ws["B4"].number_format == "#,##0.00"  # the catalog's 2 decimals
    assert abs(Decimal(str(ws["B6"].value)) - t.cells[2][0]) < Decimal("0.006")
    text = s.table_to_csv(t).decode("utf-8")
    assert text.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert lines[1] == ["Đơn vị", "Quý II/2025", "Quý III/2025"]
    assert lines[4][0] == "Việt Nam"
    shown = lines[4][1]
    assert "," in shown and Decimal(shown.replace(".", "").replace(",", ".")) == t.cells[2][0].quantize(Decimal("0.01"))
    counts = s.table("indicator", "area", indicators=["TEL_SUBS_TOTAL"], areas=["VN"], periods=["2025Q4"])
    big = list(csv.reader(io.StringIO(s.table_to_csv(counts).decode("utf-8").lstrip("\ufeff")), delimiter=";"))[2][1]
    assert "." in big and int(big.replace(".", "")) == counts.cells[0][0]  # 12.345.678: thousands with dots
    ws2 = load_workbook(io.BytesIO(s.table_to_xlsx(counts))).active
    assert ws2["B4"].number_format == "#,##0" and ws2["B4"].value == counts.cells[0][0]


def test_bad_inputs_are_refused_clearly(ref):
    before = Target.objects.count()
    with pytest.raises(s.AnalyticsError, match="Không có chỉ tiêu"):
        s.national_value("NO_SUCH", "2024Q1")
    with pytest.raises(s.AnalyticsError, match="Không có đơn vị"):
        s.area_value("P999", "TEL_SUBS_TOTAL", "2024Q1")
    with pytest.raises(s.AnalyticsError):
        s.change("TEL_SUBS_TOTAL", "2024Q9")
    with pytest.raises(s.AnalyticsError, match="khác nhau"):
        s.table("area", "area", indicators=["TEL_SUBS_TOTAL"], areas=["P04"], periods=["2024Q1"])
    with pytest.raises(s.AnalyticsError, match="đúng một"):
        s.table("area", "period", indicators=["TEL_SUBS_TOTAL", "TEL_REVENUE"], areas=["P04"], periods=["2024Q1"])
    with pytest.raises(s.AnalyticsError, match="rows"):
        s.table("province", "period", indicators=["TEL_SUBS_TOTAL"], areas=["P04"], periods=["2024Q1"])
    with pytest.raises(s.AnalyticsError, match="điều kiện"):
        s.count_meeting("TEL_SUBS_TOTAL", "2024Q1", "about 30")
    with pytest.raises(s.AnalyticsError) as err:
        s.load_analytics(
            {
                "key_indicators": ["TEL_SUBS_TOTAL", "NOPE"],
                "targets": [
                    {"indicator": "TEL_SUBS_TOTAL", "area": None, "year": 2025, "value": "1"},
                    {"indicator": "TEL_SUBS_TOTAL", "area": "P999", "year": 2025, "value": "x"},
                ],
            }
        )
    assert "NOPE" in str(err.value) and "P999" in str(err.value) and "targets[1].value" in str(err.value)
    assert Target.objects.count() == before and not Target.objects.filter(indicator__code="TEL_SUBS_TOTAL").exists()


def test_load_analytics_is_idempotent(ref):
    first = s.load_analytics()
    again = s.load_analytics()
    assert first.targets == again.targets == Target.objects.count() > 0
