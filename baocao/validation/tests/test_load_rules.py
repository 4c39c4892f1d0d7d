"""load_rules: the shipped fixture loads against the real catalog, idempotently; bad files write nothing."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from baocao.validation.loader import FIXTURE, RuleLoadError, load_rules
from baocao.validation.models import ValidationRule

pytestmark = pytest.mark.django_db


def test_fixture_loads_against_the_catalog_and_is_idempotent(ref, capsys):
    shipped = json.loads(FIXTURE.read_text(encoding="utf-8"))["rules"]
    call_command("load_rules")
    assert "thêm mới" in capsys.readouterr().out
    assert ValidationRule.objects.count() == len(shipped) >= 20
    kinds = set(ValidationRule.objects.values_list("kind", flat=True))
    assert kinds == {"expression", "each"}
    assert ValidationRule.objects.filter(severity="error").exists() and ValidationRule.objects.filter(severity="warning").exists()
    stamps = dict(ValidationRule.objects.values_list("code", "updated_at"))
    res = load_rules()
    assert (res.created, res.updated, res.unchanged) == (0, 0, len(shipped))
    assert dict(ValidationRule.objects.values_list("code", "updated_at")) == stamps


def test_changed_rule_is_updated(ref, tmp_path):
    load_rules()
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    data["rules"][0]["severity"] = "warning" if data["rules"][0]["severity"] == "error" else "error"
    p = tmp_path / "rules.json"
    p.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    res = load_rules(p)
    assert res.updated == 1 and res.created == 0
    assert ValidationRule.objects.get(code=data["rules"][0]["code"]).severity == data["rules"][0]["severity"]


def _write(tmp_path, rules):
    p = tmp_path / "rules.json"
    p.write_text(json.dumps({"rules": rules}, ensure_ascii=False), encoding="utf-8")
    return p


GOOD = {"code": "OK", "name": "Đúng", "left": "TEL_SUBS_FIXED", "operator": "<=", "right": "TEL_SUBS_TOTAL"}


def test_unknown_code_is_a_precise_error_and_nothing_is_written(ref, tmp_path):
    bad = dict(GOOD, code="BAD", left="TEL_SUBS_FIXD + TEL_SUBS_MOBILE")
    p = _write(tmp_path, [GOOD, bad])
    before = list(ValidationRule.objects.values_list("code", "left", "right"))
    with pytest.raises(CommandError) as info:
        call_command("load_rules", str(p))
    assert "Quy tắc BAD: vế trái: mã chỉ tiêu «TEL_SUBS_FIXD» không có trong danh mục" in str(info.value)
    assert "không nạp quy tắc nào" in str(info.value)
    assert list(ValidationRule.objects.values_list("code", "left", "right")) == before


@pytest.mark.parametrize(
    "row, fragment",
    [
        (dict(GOOD, operator="=>"), "phép so sánh «=>»"),
        (dict(GOOD, left="TEL_SUBS_FIXED +"), "vế trái «TEL_SUBS_FIXED +»"),
        (dict(GOOD, right="INET_SUBS_TOTAL[urban]"), "không có phân tổ «urban»"),
        (dict(GOOD, severity="fatal"), "mức độ «fatal»"),
        (dict(GOOD, period_types="weekly"), "loại kỳ «weekly»"),
        (dict(GOOD, valid_from="01/07/2025"), "ngày «01/07/2025»"),
        (dict(GOOD, tolerance="abc"), "sai số «abc»"),
        (dict(GOOD, kind="each", value_types="fraction", left="@.numerator", right="@.denominator", colour="x"), "trường không biết: colour"),
        ({k: v for k, v in GOOD.items() if k != "name"}, "thiếu trường «name»"),
        ({"name": "x"}, "thiếu mã quy tắc"),
    ],
)
def test_bad_rows(ref, tmp_path, row, fragment):
    before = list(ValidationRule.objects.values_list("code", "left", "right"))
    with pytest.raises(RuleLoadError) as info:
        load_rules(_write(tmp_path, [row]))
    assert any(fragment in e for e in info.value.errors), info.value.errors
    assert list(ValidationRule.objects.values_list("code", "left", "right")) == before


def test_duplicate_and_unreadable(ref, tmp_path):
    with pytest.raises(RuleLoadError, match="trùng mã"):
        load_rules(_write(tmp_path, [GOOD, GOOD]))
    p = tmp_path / "broken.json"
    p.write_text("{not json", encoding="utf-8")
    with pytest.raises(RuleLoadError, match="Không đọc được"):
        load_rules(p)
