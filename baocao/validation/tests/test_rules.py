"""check_values: every rule kind and severity, tolerance, versioning, disaggregated operands, caching."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

from baocao.validation.models import ValidationRule
from baocao.validation.services import blocking, check_values, validate_rule

pytestmark = pytest.mark.django_db


def rule(**kw) -> ValidationRule:
    base = dict(code="R", name="Quy tắc thử", left="TEL_SUBS_FIXED + TEL_SUBS_MOBILE", operator="==", right="TEL_SUBS_TOTAL")
    base.update(kw)
    return ValidationRule.objects.create(**base)


def V(value=None, numerator=None, denominator=None):  # noqa: N802 - reads like a constructor
    return SimpleNamespace(value=value, numerator=numerator, denominator=denominator)


SUBS_OK = {("TEL_SUBS_FIXED", ""): V(100), ("TEL_SUBS_MOBILE", ""): V(900), ("TEL_SUBS_TOTAL", ""): V(1000)}
SUBS_BAD = {("TEL_SUBS_FIXED", ""): V(100), ("TEL_SUBS_MOBILE", ""): V(900), ("TEL_SUBS_TOTAL", ""): V(1250)}


def test_sum_rule_passes_and_fails_with_numbers_the_vietnamese_way(catalog):
    rule(code="TEL_SUM", message="Cố định + di động = {left} khác tổng {right} (chênh lệch {diff})")
    assert check_values(SUBS_OK, period="2025Q3") == []
    big = {k: V(v.value * 1000) for k, v in SUBS_BAD.items()}
    [v] = check_values(big, period="2025Q3")
    assert v.rule_code == "TEL_SUM" and v.severity == "error" and v.is_error
    assert v.message == "Cố định + di động = 1.000.000 khác tổng 1.250.000 (chênh lệch 250.000)"
    assert v.left == 1_000_000 and v.right == 1_250_000
    assert v.indicators == ("TEL_SUBS_FIXED", "TEL_SUBS_MOBILE", "TEL_SUBS_TOTAL")
    assert v.fields == (("TEL_SUBS_FIXED", ""), ("TEL_SUBS_MOBILE", ""), ("TEL_SUBS_TOTAL", ""))
    assert v.period == "2025Q3" and blocking([v]) == [v]


def test_default_message_names_rule_and_values(catalog):
    rule(code="TEL_SUM", name="Tổng thuê bao")
    [v] = check_values(SUBS_BAD, period="2025Q3")
    assert v.message.startswith("Tổng thuê bao: TEL_SUBS_FIXED + TEL_SUBS_MOBILE = 1.000 phải bằng TEL_SUBS_TOTAL = 1.250")
    assert "chênh lệch 250" in v.message


@pytest.mark.parametrize(
    "op, left, right, ok",
    [("==", 5, 5, True), ("==", 5, 6, False), ("!=", 5, 6, True), ("!=", 5, 5, False),
     ("<=", 5, 5, True), ("<=", 6, 5, False), ("<", 4, 5, True), ("<", 5, 5, False),
     (">=", 5, 5, True), (">=", 4, 5, False), (">", 6, 5, True), (">", 5, 5, False)],
)
def test_every_operator(catalog, op, left, right, ok):
    rule(left="TEL_SUBS_FIXED", operator=op, right="TEL_SUBS_MOBILE")
    out = check_values({"TEL_SUBS_FIXED": left, "TEL_SUBS_MOBILE": right}, period="2025Q3")
    assert (out == []) is ok


def test_warning_severity_does_not_block(catalog):
    rule(severity="warning")
    [v] = check_values(SUBS_BAD, period="2025Q3")
    assert v.severity == "warning" and not v.is_error and blocking([v]) == []


def test_errors_come_before_warnings(catalog):
    rule(code="A_WARN", severity="warning")
    rule(code="Z_ERR", severity="error", left="TEL_SUBS_TOTAL", operator="<=", right="1000")
    out = check_values(SUBS_BAD, period="2025Q3")
    assert [v.rule_code for v in out] == ["Z_ERR", "A_WARN"]


def test_absolute_and_relative_tolerance(catalog):
    r = rule(tolerance=Decimal(250))
    assert check_values(SUBS_BAD, period="2025Q3") == []
    r.tolerance = Decimal(249)
    r.save()
    assert len(check_values(SUBS_BAD, period="2025Q3")) == 1
    r.tolerance, r.tolerance_kind = Decimal("0.2"), "relative"  # 20 % of 1.250 = 250
    r.save()
    assert check_values(SUBS_BAD, period="2025Q3") == []
    r.tolerance = Decimal("0.19")
    r.save()
    assert len(check_values(SUBS_BAD, period="2025Q3")) == 1


def test_missing_operands_skip_unless_zero(catalog):
    r = rule()
    partial = {"TEL_SUBS_FIXED": 100, "TEL_SUBS_TOTAL": 1000}
    assert check_values(partial, period="2025Q3") == []
    r.missing = "zero"
    r.save()
    [v] = check_values(partial, period="2025Q3")
    assert v.left == 100 and v.right == 1000


def test_period_types(catalog):
    rule(period_types="year, half_year")
    assert check_values(SUBS_BAD, period="2025Q3") == []
    assert len(check_values(SUBS_BAD, period="2025")) == 1
    assert len(check_values(SUBS_BAD, period="2025S2")) == 1


def test_versioning_a_rule_valid_from_a_date_does_not_apply_earlier(catalog):
    # Version 1 until 30/06/2025 allows 25 % slack, version 2 from 01/07/2025 none.
    rule(code="TEL_SUM", valid_to=dt.date(2025, 6, 30), tolerance=Decimal("0.25"), tolerance_kind="relative")
    rule(code="TEL_SUM", valid_from=dt.date(2025, 7, 1))
    assert check_values(SUBS_BAD, period="2025Q2") == []
    assert len(check_values(SUBS_BAD, period="2025Q3")) == 1
    # A new rule from 2026 does not apply to 2025 at all.
    rule(code="NEW", valid_from=dt.date(2026, 1, 1), left="TEL_SUBS_TOTAL", operator="<", right="1")
    assert [v.rule_code for v in check_values(SUBS_BAD, period="2025Q4")] == ["TEL_SUM"]
    assert {v.rule_code for v in check_values(SUBS_BAD, period="2026Q1")} == {"TEL_SUM", "NEW"}
    # on= picks the rules in force on another day.
    assert check_values(SUBS_BAD, period="2025Q3", on=dt.date(2025, 1, 1)) == []


def test_inactive_rule_is_ignored(catalog):
    rule(active=False)
    assert check_values(SUBS_BAD, period="2025Q3") == []


def test_disaggregated_operands(catalog):
    rule(code="FIX", left="INET_SUBS_TOTAL[fixed]", operator="==", right="INET_FBB_SUBS")
    rule(code="MOB", left="INET_SUBS_TOTAL[mobile]", operator="==", right="INET_MBB_SUBS")
    values = {
        ("INET_SUBS_TOTAL", "fixed"): V(40), ("INET_SUBS_TOTAL", "mobile"): V(70),
        ("INET_FBB_SUBS", ""): V(40), ("INET_MBB_SUBS", ""): V(60),
    }
    [v] = check_values(values, period="2025Q3")
    assert v.rule_code == "MOB" and v.fields == (("INET_SUBS_TOTAL", "mobile"), ("INET_MBB_SUBS", ""))


def test_numerator_denominator_pseudo_fields(catalog):
    rule(code="SIGNED_LE", left="EDOC_SIGNED_SHARE.numerator", operator="<=", right="EDOC_FULLY_ELECTRONIC_SHARE.numerator",
         severity="warning")
    values = {
        "EDOC_SIGNED_SHARE": {"value": "50", "numerator": "600", "denominator": "1200"},
        "EDOC_FULLY_ELECTRONIC_SHARE": {"value": "50", "numerator": "500", "denominator": "1000"},
    }
    [v] = check_values(values, period="2025Q3")
    assert (v.left, v.right) == (600, 500)


def test_each_rules_numerator_le_denominator_and_percent_max(catalog):
    ValidationRule.objects.create(
        code="EACH_PARTS", name="Tử số không lớn hơn mẫu số", kind="each", value_types="fraction,percent",
        left="@.numerator", operator="<=", right="@.denominator", message="{indicator_name}: tử số {left} > mẫu số {right}",
    )
    ValidationRule.objects.create(
        code="EACH_PCT", name="Tỷ lệ không quá 100%", kind="each", value_types="percent",
        left="@", operator="<=", right="100",
    )
    values = {
        ("INET_FBB_COMMUNES", ""): V(210, 210, 199),  # fraction: numerator > denominator
        ("EDOC_SIGNED_SHARE", ""): V(Decimal("104.5"), 1045, 1000),  # both rules
        ("EDOC_FULLY_ELECTRONIC_SHARE", ""): V(80, 80, 100),  # fine
        ("TEL_SUBS_TOTAL", ""): V(10**9),  # a count: neither rule applies
        ("DTI_SCORE", ""): V(500),
    }
    out = check_values(values, period="2025Q3")
    got = sorted((v.rule_code, v.indicators) for v in out)
    assert got == [
        ("EACH_PARTS", ("EDOC_SIGNED_SHARE",)), ("EACH_PARTS", ("INET_FBB_COMMUNES",)), ("EACH_PCT", ("EDOC_SIGNED_SHARE",)),
    ]
    msg = next(v.message for v in out if v.indicators == ("INET_FBB_COMMUNES",))
    assert msg == "Chỉ tiêu INET_FBB_COMMUNES: tử số 210 > mẫu số 199"
    pct = next(v for v in out if v.rule_code == "EACH_PCT")
    assert "EDOC_SIGNED_SHARE" in pct.message and "104,5" in pct.message


def test_each_rule_runs_per_disaggregation(catalog):
    ValidationRule.objects.create(
        code="EACH_NONNEG", name="Không âm", kind="each", value_types="count", left="@", operator=">=", right="0",
    )
    values = {("RECS_RECEIVED", "rec_citizen"): V(-3), ("RECS_RECEIVED", "rec_department"): V(4)}
    [v] = check_values(values, period="2025Q3")
    assert v.fields == (("RECS_RECEIVED", "rec_citizen"),) and "-3" in v.message


def test_division_by_zero_in_data_is_reported_not_raised(catalog):
    rule(code="SHARE", left="100 * EDOC_SIGNED_SHARE.numerator / EDOC_SIGNED_SHARE.denominator", operator="==",
         right="EDOC_SIGNED_SHARE", severity="error")
    [v] = check_values({"EDOC_SIGNED_SHARE": V(50, 10, 0)}, period="2025Q3")
    assert v.kind == "problem" and v.severity == "warning" and "Chia cho 0" in v.message


def test_functions_in_rules(catalog):
    rule(code="ABS", left="abs(TEL_SUBS_TOTAL - TEL_SUBS_FIXED - TEL_SUBS_MOBILE)", operator="<=",
         right="max(1, TEL_SUBS_TOTAL / 1000)")
    assert check_values({"TEL_SUBS_TOTAL": 100000, "TEL_SUBS_FIXED": 100, "TEL_SUBS_MOBILE": 99700}, period="2025Q3") != []
    assert check_values({"TEL_SUBS_TOTAL": 100000, "TEL_SUBS_FIXED": 100, "TEL_SUBS_MOBILE": 99950}, period="2025Q3") == []


def test_cache_is_refreshed_when_rules_change(catalog):
    r = rule()
    assert len(check_values(SUBS_BAD, period="2025Q3")) == 1
    r.right = "TEL_SUBS_TOTAL - 250"
    r.save()  # the post_save signal clears the cache
    assert check_values(SUBS_BAD, period="2025Q3") == []
    r.delete()
    assert check_values(SUBS_BAD, period="2025Q3") == []


def test_validate_rule_against_catalog(catalog):
    ok = dict(code="X", kind="expression", left="TEL_SUBS_FIXED", operator="<=", right="TEL_SUBS_TOTAL")
    assert validate_rule(ok) == []
    bad = dict(ok, left="TEL_SUBS_FIXD + INET_SUBS_TOTAL[urban]", right="TEL_SUBS_TOTAL.numerator", operator="=<")
    errs = validate_rule(bad)
    assert any("mã chỉ tiêu «TEL_SUBS_FIXD» không có trong danh mục" in e for e in errs)
    assert any("INET_SUBS_TOTAL không có phân tổ «urban» (fixed, mobile)" in e for e in errs)
    assert any("TEL_SUBS_TOTAL không có tử số/mẫu số" in e for e in errs)
    assert any("phép so sánh «=<»" in e for e in errs)
    assert all(e.startswith("Quy tắc X: ") for e in errs)
    assert any("«@» chỉ dùng" in e for e in validate_rule(dict(ok, left="@")))
    assert any("phải ghi kiểu giá trị" in e for e in validate_rule(dict(ok, kind="each", left="@")))
    assert any("{foo}" in e for e in validate_rule(dict(ok, message="sai {foo}")))
    assert any("vị trí" in e for e in validate_rule(dict(ok, left="TEL_SUBS_FIXED +")))
