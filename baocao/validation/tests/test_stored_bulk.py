"""check_stored, run_bulk and `baocao validate` on stored values; outliers on synthetic series; the admin."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from baocao.catalog.models import Indicator
from baocao.datavalues.services import bulk_write
from baocao.geo.models import AdminArea
from baocao.periods.services import parse_any
from baocao.validation.models import ValidationRule
from baocao.validation.outliers import outliers
from baocao.validation.services import check_stored, run_bulk

pytestmark = pytest.mark.django_db


@pytest.fixture
def provinces(catalog):
    return [
        AdminArea.objects.create(uid=f"P{i:02d}", code=f"{i:02d}", name=f"Tỉnh {i}", level="province",
                                 population=1_000_000 + 50_000 * i)
        for i in range(1, 13)
    ]


def _rows(provinces, quarters=12, last="2025Q2"):
    """Smooth, growing series: subscribers (fixed + mobile = total) and a commune share."""
    end = parse_any(last)
    rows = []
    for k in range(quarters):
        per = end.shift(-k)
        growth = 1 + 0.01 * (quarters - k)
        for i, a in enumerate(provinces):
            pop = a.population
            fixed = int(pop * 0.02 * growth * (1 + 0.01 * (i % 3)))
            mobile = int(pop * 1.3 * growth * (1 - 0.01 * (i % 4)))
            rows += [
                {"area": a.uid, "indicator": "TEL_SUBS_FIXED", "period": per.code, "value": fixed},
                {"area": a.uid, "indicator": "TEL_SUBS_MOBILE", "period": per.code, "value": mobile},
                {"area": a.uid, "indicator": "TEL_SUBS_TOTAL", "period": per.code, "value": fixed + mobile},
                {"area": a.uid, "indicator": "INET_FBB_COMMUNES", "period": per.code, "value": 150 + i,
                 "numerator": 150 + i, "denominator": 200},
            ]
    return rows


def _set(area, code, period, **kw):
    bulk_write([{"area": area.uid, "indicator": code, "period": period, **kw}], source="demo")


def _sum_rule():
    ValidationRule.objects.create(
        code="TEL_SUM", name="Tổng thuê bao", left="TEL_SUBS_FIXED + TEL_SUBS_MOBILE", operator="==",
        right="TEL_SUBS_TOTAL", tolerance=1,
    )


def test_history_outlier_fires_on_a_slip_not_on_growth(provinces):
    bulk_write(_rows(provinces), source="demo")
    a = provinces[0]
    normal = Indicator.objects.get(code="TEL_SUBS_MOBILE")
    from baocao.datavalues.models import DataValue

    current = DataValue.objects.get(area=a, indicator=normal, period="2025Q2").value
    assert outliers(a, "TEL_SUBS_MOBILE", "2025Q2", current) == []
    assert outliers(a, normal, "2025Q2", current * Decimal("1.2")) == []  # +20 %: growth, not a slip
    warnings = outliers(a, "TEL_SUBS_MOBILE", "2025Q2", current * 10)
    assert {w.method for w in warnings} == {"history", "peers"}
    hist = next(w for w in warnings if w.method == "history")
    assert "gấp" in hist.message and "lần trung vị 11 kỳ trước" in hist.message and hist.ratio > 8
    peer = next(w for w in warnings if w.method == "peers")
    assert "tính trên 100.000 dân" in peer.message and "11 tỉnh, thành phố khác" in peer.message
    v = hist.to_violation()
    assert v.severity == "warning" and v.kind == "outlier" and v.fields == (("TEL_SUBS_MOBILE", ""),)
    # A share typed with a numerator ten times too small.
    low = outliers(a, "INET_FBB_COMMUNES", "2025Q2", {"value": 15, "numerator": 15, "denominator": 200})
    assert low and all("chỉ bằng" in w.message for w in low)


def test_check_stored_rules_and_outliers(provinces):
    _sum_rule()
    bulk_write(_rows(provinces), source="demo")
    a = provinces[3]
    assert check_stored(a, "2025Q2") == []
    _set(a, "TEL_SUBS_TOTAL", "2025Q2", value=Decimal(10**8))
    out = check_stored(a, "Quý II/2025")
    codes = {v.rule_code for v in out}
    assert codes == {"TEL_SUM", "OUTLIER_HISTORY", "OUTLIER_PEERS"}
    assert out[0].rule_code == "TEL_SUM" and out[0].is_error and out[0].area == a.uid and out[0].period == "2025Q2"
    assert {v.rule_code for v in check_stored(a.uid, "2025Q2", outliers=False)} == {"TEL_SUM"}


def test_run_bulk_and_command(provinces, capsys):
    _sum_rule()
    bulk_write(_rows(provinces), source="demo")
    bad = provinces[5]
    _set(bad, "TEL_SUBS_FIXED", "2025Q2", value=Decimal(1))
    report = run_bulk("2025Q2")
    assert len(report.areas) == 12 and report.values_checked == 48
    assert report.errors == 1 and {v.area for v in report.violations} == {bad.uid}
    assert report.by_rule()["TEL_SUM"] == 1
    assert set(report.by_area()) == {p.uid for p in provinces}
    only = run_bulk("2025Q2", areas=[provinces[0].uid])
    assert only.violations == [] and len(only.areas) == 1

    call_command("validate", "2025Q2", "--format", "json")
    data = json.loads(capsys.readouterr().out)
    assert data["errors"] == 1 and data["violations"][0]["area"] == bad.uid
    assert data["violations"][0]["indicators"] == ["TEL_SUBS_FIXED", "TEL_SUBS_MOBILE", "TEL_SUBS_TOTAL"]
    call_command("validate", "Quý II/2025", "--area", bad.uid)
    out = capsys.readouterr().out
    assert "1 lỗi" in out and "TEL_SUM" in out and bad.name in out
    with pytest.raises(CommandError, match="--area: không có đơn vị PXX"):
        call_command("validate", "2025Q2", "--area", "PXX")
    with pytest.raises(CommandError, match="PERIOD"):
        call_command("validate", "2025Q9")


def test_rule_admin_rejects_unknown_codes_and_tries_values(client, catalog):
    admin = get_user_model().objects.create_superuser("quantri", "qt@example.vn", "x")
    client.force_login(admin)
    url = "/admin/validation/validationrule/add/"
    form = {
        "code": "T1", "name": "Thử", "kind": "expression", "value_types": "", "active": "on",
        "left": "TEL_SUBS_FIXD + TEL_SUBS_MOBILE", "operator": "==", "right": "TEL_SUBS_TOTAL",
        "tolerance": "0", "tolerance_kind": "absolute", "missing": "skip", "severity": "error",
        "period_types": "", "valid_from": "", "valid_to": "", "message": "", "description": "", "try_values": "",
    }
    resp = client.post(url, form)
    assert resp.status_code == 200
    assert "mã chỉ tiêu «TEL_SUBS_FIXD» không có trong danh mục" in resp.content.decode()
    assert not ValidationRule.objects.exists()
    form.update(left="TEL_SUBS_FIXED + TEL_SUBS_MOBILE", try_values="TEL_SUBS_FIXED=1; TEL_SUBS_MOBILE=2; TEL_SUBS_TOTAL=4,0")
    resp = client.post(url, form, follow=True)
    assert ValidationRule.objects.filter(code="T1").exists()
    msgs = [str(m) for m in resp.context["messages"]]
    assert any(m.startswith("Thử quy tắc: ") and "= 3" in m and "= 4" in m for m in msgs)
    from baocao.audit.models import AuditEvent

    assert AuditEvent.objects.filter(action="rule.change", object_id=str(ValidationRule.objects.get().pk)).exists()


def test_check_entry_for_a_form_and_grouping_by_field(provinces):
    from baocao.validation.services import blocking, by_field, check_entry, needing_comment

    _sum_rule()
    bulk_write(_rows(provinces), source="demo")
    a = provinces[2]
    typed = {
        ("TEL_SUBS_FIXED", ""): {"value": "25000"},
        ("TEL_SUBS_MOBILE", ""): {"value": str(15_000_000)},  # ten times its history
        ("TEL_SUBS_TOTAL", ""): {"value": "1520000"},
    }
    out = check_entry(typed, area=a, period="2025Q2")
    assert [v.rule_code for v in blocking(out)] == ["TEL_SUM"]
    warn = needing_comment(out)
    assert {v.rule_code for v in warn} == {"OUTLIER_HISTORY", "OUTLIER_PEERS"}
    fields = by_field(out)
    assert {v.rule_code for v in fields[("TEL_SUBS_MOBILE", "")]} == {"TEL_SUM", "OUTLIER_HISTORY", "OUTLIER_PEERS"}
    assert [v.rule_code for v in fields[("TEL_SUBS_FIXED", "")]] == ["TEL_SUM"]


def test_history_of_a_merged_province_comes_from_its_predecessors(catalog):
    import datetime as dt

    from baocao.geo.models import AreaSuccession

    olds = [
        AdminArea.objects.create(uid=f"P9{i}", code=f"9{i}", name=f"Tỉnh cũ {i}", level="province",
                                 population=800_000, valid_to=dt.date(2025, 6, 30))
        for i in range(2)
    ]
    new = AdminArea.objects.create(uid="P90-2025", code="90", name="Tỉnh mới", level="province",
                                   population=1_600_000, valid_from=dt.date(2025, 7, 1))
    for o in olds:
        AreaSuccession.objects.create(predecessor=o, successor=new, date=dt.date(2025, 7, 1))
    rows = []
    for k in range(1, 9):
        per = parse_any("2025Q3").shift(-k).code
        for o in olds:
            rows.append({"area": o.uid, "indicator": "TEL_SUBS_MOBILE", "period": per, "value": 1_000_000 + 1000 * k})
            rows.append({"area": o.uid, "indicator": "INET_FBB_COMMUNES", "period": per, "value": 60,
                         "numerator": 60, "denominator": 100})
    bulk_write(rows, source="demo")
    # The new province has no history of its own; its predecessors' sum is about 2.000.000.
    assert outliers(new, "TEL_SUBS_MOBILE", "2025Q3", 2_050_000) == []
    [w] = outliers(new, "TEL_SUBS_MOBILE", "2025Q3", 20_500_000)
    assert w.method == "history" and w.count == 8 and 9 < w.ratio < 11
    assert "trung vị 8 kỳ trước (2.00" in w.message
    # Shares combine as a ratio of sums (60 %), a numerator ten times too small stands out.
    [s] = outliers(new, "INET_FBB_COMMUNES", "2025Q3", {"value": 12, "numerator": 12, "denominator": 200})
    assert s.method == "history" and s.median == 60
