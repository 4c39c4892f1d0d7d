"""Loading, validating and listing the indicator catalog."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from baocao.catalog.models import Disaggregation, Domain, Indicator
from baocao.catalog.services import CatalogError, load_catalog, validate_catalog

from .helpers import fixture_data, tiny_catalog

DOMAINS = {"postal", "telecom", "it_app", "infosec", "press", "inspection", "digital"}


def test_fixture_is_valid_and_rich():
    data = fixture_data()
    assert validate_catalog(data) == []
    assert data["version"] and data["updated"]
    inds = data["indicators"]
    assert len(inds) >= 80
    used = {i["domain"] for i in inds}
    assert DOMAINS <= used
    assert used == {d["code"] for d in data["domains"]}, "every domain is used"
    for ind in inds:
        assert 1 <= len(ind["phrases"]) <= 6, ind["code"]
        assert ind["definition"], ind["code"]
    # Vietnamese names carry diacritics
    assert all(any(ord(c) > 127 for c in i["name"]) for i in inds)


def test_fixture_expected_indicators():
    by_code = {i["code"]: i for i in fixture_data()["indicators"]}
    assert by_code["TEL_SUBS_TOTAL"]["legal_basis"].endswith("mã 1304")
    assert by_code["TEL_SUBS_MOBILE"]["agg_time"] == "stock"
    assert by_code["TEL_DENSITY_PER100"]["agg_space"] == "weighted_mean"
    assert by_code["TEL_DENSITY_PER100"]["weight"] == "population"
    assert by_code["INET_FBB_COMMUNES"]["value_type"] == "fraction"
    assert by_code["INFOSEC_4LAYER_PROVINCES"]["agg_space"] == "count_if"
    assert by_code["FINES_AMOUNT"]["agg_time"] == "flow"
    assert by_code["DTI_SCORE"]["agg_space"] == "none"
    # DVCTT level 3/4 ended when Decree 42/2022 introduced full/partial online services
    assert by_code["DVCTT_L34_SHARE"]["valid_to"] < by_code["DVCTT_FULL_SHARE"]["valid_from"]


@pytest.mark.django_db
def test_load_command_and_idempotent_reload():
    out = StringIO()
    call_command("load_catalog", stdout=out)
    n = len(fixture_data()["indicators"])
    assert Indicator.objects.count() == n
    assert f"{n} chỉ tiêu thêm mới" in out.getvalue()
    assert Domain.objects.count() == 8 and Disaggregation.objects.exists()
    density = Indicator.objects.get(code="TEL_DENSITY_PER100")
    assert density.weight is None and density.agg_space == "weighted_mean"
    radius = Indicator.objects.get(code="POST_RADIUS_PER_POINT")
    assert radius.weight.code == "POST_SERVICE_POINTS"
    assert set(
        Indicator.objects.get(code="INET_SUBS_TOTAL").disaggregations.values_list("code", flat=True)
    ) == {
        "fixed",
        "mobile",
    }
    snapshot = list(Indicator.objects.order_by("code").values())
    out = StringIO()
    call_command("load_catalog", stdout=out)
    assert f"0 chỉ tiêu thêm mới, 0 cập nhật, {n} không đổi" in out.getvalue()
    assert list(Indicator.objects.order_by("code").values()) == snapshot


@pytest.mark.django_db
def test_reload_updates_changed_and_reports_absent_without_deleting():
    data = tiny_catalog()
    report = load_catalog(data)
    assert sorted(report.created) == ["FBB_FULL_PROVINCES", "INET_FBB_COMMUNES", "TEL_SUBS_TOTAL"]
    data["indicators"][0]["phrases"].append("tổng số thuê bao điện thoại toàn mạng")
    data["indicators"][0]["disaggregations"] = []
    removed = data["indicators"].pop(1)
    data["indicators"][1]["condition"] = "TEL_SUBS_TOTAL >= 1"  # no longer refers to the removed one
    report = load_catalog(data)
    assert sorted(report.updated) == ["FBB_FULL_PROVINCES", "TEL_SUBS_TOTAL"]
    assert report.unchanged == []
    assert report.absent == [removed["code"]]
    again = load_catalog(data)
    assert (again.updated, sorted(again.unchanged)) == ([], ["FBB_FULL_PROVINCES", "TEL_SUBS_TOTAL"])
    assert "không xóa" in report.summary()
    assert Indicator.objects.filter(code=removed["code"]).exists()
    tel = Indicator.objects.get(code="TEL_SUBS_TOTAL")
    assert tel.phrases[-1] == "tổng số thuê bao điện thoại toàn mạng"
    assert not tel.disaggregations.exists()


def _problems(data) -> dict[tuple[str, str], str]:
    return {(p.code, p.field): p.message for p in validate_catalog(data)}


def test_bad_catalog_messages_name_code_and_field():
    data = tiny_catalog()
    tel, frac, cnt = data["indicators"]
    tel["domain"] = "telcom"
    tel["value_type"] = "integer"
    tel["disaggregations"] = ["urban"]
    tel["min"], tel["max"] = 10, 5
    frac["agg_space"] = "weighted_mean"
    frac["valid_from"], frac["valid_to"] = "2022-08-01", "2022-07-31"
    cnt["condition"] = "INET_FBB_COMMUNE >= 100"
    data["indicators"].append(dict(cnt, code="TEL_SUBS_TOTAL", condition="TEL_SUBS_TOTAL greater 3"))
    data["indicators"].append(
        dict(tel, code="tel_density", domain="telecom", value_type="density", agg_space="sum")
    )
    problems = _problems(data)
    assert "telcom" in problems[("TEL_SUBS_TOTAL", "domain")]
    assert "integer" in problems[("TEL_SUBS_TOTAL", "value_type")]
    assert "urban" in problems[("TEL_SUBS_TOTAL", "disaggregations")]
    assert "lớn hơn max" in problems[("TEL_SUBS_TOTAL", "min")]
    assert "trùng" in problems[("TEL_SUBS_TOTAL", "code")]
    assert "TEL_SUBS_TOTAL greater 3" in problems[("TEL_SUBS_TOTAL", "condition")]
    assert "ratio_of_sums" in problems[("INET_FBB_COMMUNES", "agg_space")]
    assert "trọng số" in problems[("INET_FBB_COMMUNES", "weight")]
    assert "sau hiệu lực đến" in problems[("INET_FBB_COMMUNES", "valid_from")]
    assert "INET_FBB_COMMUNE" in problems[("FBB_FULL_PROVINCES", "condition")]
    assert "VIẾT_HOA" in problems[("tel_density", "code")]
    assert "không cộng (sum)" in problems[("tel_density", "agg_space")]


def test_bad_weight_and_missing_fields():
    data = tiny_catalog()
    data["indicators"][0].update(value_type="density", agg_space="weighted_mean", weight="POPULATION_TOTAL")
    del data["indicators"][1]["unit"]
    data["indicators"][2]["colour"] = "red"
    data["indicators"][2]["valid_to"] = "31/12/2020"
    problems = _problems(data)
    assert "POPULATION_TOTAL" in problems[("TEL_SUBS_TOTAL", "weight")]
    assert problems[("INET_FBB_COMMUNES", "unit")] == "thiếu"
    assert "không xác định" in problems[("FBB_FULL_PROVINCES", "colour")]
    assert "31/12/2020" in problems[("FBB_FULL_PROVINCES", "valid_to")]


@pytest.mark.django_db
def test_bad_file_writes_nothing(tmp_path):
    load_catalog(tiny_catalog())
    before = list(Indicator.objects.order_by("code").values())
    data = tiny_catalog()
    data["indicators"][0]["name"] = "Tên mới không được ghi"
    data["indicators"].append(dict(data["indicators"][1], code="NEW_ONE", agg_time="monthly"))
    with pytest.raises(CatalogError) as exc:
        load_catalog(data)
    assert [(p.code, p.field) for p in exc.value.problems] == [("NEW_ONE", "agg_time")]
    assert list(Indicator.objects.order_by("code").values()) == before
    # through the command, with a file
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CommandError, match=r"NEW_ONE: agg_time: quy tắc không xác định: 'monthly'"):
        call_command("load_catalog", file=str(path), stdout=StringIO())
    assert list(Indicator.objects.order_by("code").values()) == before
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError, match="JSON không hợp lệ"):
        call_command("load_catalog", file=str(path), stdout=StringIO())
    with pytest.raises(CommandError, match="không tìm thấy tệp"):
        call_command("load_catalog", file=str(tmp_path / "missing.json"), stdout=StringIO())


@pytest.mark.django_db
def test_catalog_command_json_and_filters():
    call_command("load_catalog", stdout=StringIO())
    out = StringIO()
    call_command("catalog", format="json", stdout=out)
    rows = json.loads(out.getvalue())
    assert len(rows) == Indicator.objects.count()
    tel = next(r for r in rows if r["code"] == "TEL_SUBS_TOTAL")
    assert tel["name"] == "Tổng số thuê bao điện thoại"
    assert tel["domain"] == "telecom" and tel["unit"] == "thuê bao" and tel["value_type"] == "count"
    assert (tel["agg_space"], tel["agg_time"]) == ("sum", "stock")
    assert "tổng số thuê bao điện thoại toàn mạng" in tel["phrases"]
    cnt = next(r for r in rows if r["code"] == "INFOSEC_4LAYER_PROVINCES")
    assert cnt["condition"] == "INFOSEC_4LAYER_DEPLOYED >= 1"

    out = StringIO()
    call_command("catalog", format="json", domain="postal", stdout=out)
    assert {r["domain"] for r in json.loads(out.getvalue())} == {"postal"}

    def codes_on(day: str) -> set[str]:
        buf = StringIO()
        call_command("catalog", format="json", on=day, stdout=buf)
        return {r["code"] for r in json.loads(buf.getvalue())}

    in_2020, in_2024 = codes_on("2020-09-30"), codes_on("2024-01-01")
    assert "DVCTT_L34_SHARE" in in_2020 and "DVCTT_L34_SHARE" not in in_2024
    assert "DVCTT_FULL_SHARE" in in_2024 and "DVCTT_FULL_SHARE" not in in_2020
    assert Indicator.objects.valid_on(dt.date(2024, 1, 1)).count() == len(in_2024)

    out = StringIO()
    call_command("catalog", stdout=out)
    assert "TEL_SUBS_TOTAL" in out.getvalue() and "chỉ tiêu" in out.getvalue().splitlines()[-1]
    with pytest.raises(CommandError, match="--domain"):
        call_command("catalog", domain="nope", stdout=StringIO())
    with pytest.raises(CommandError, match="--on"):
        call_command("catalog", on="30/09/2020", stdout=StringIO())


def test_phrases_are_unambiguous():
    """A folded phrase points to one indicator among those valid at the same time (extraction relies on it)."""
    from baocao.core.text import fold

    inds = fixture_data()["indicators"]
    seen: dict[str, str] = {}
    clashes = []
    for ind in inds:
        assert all(p == " ".join(p.split()) for p in ind["phrases"]), ind["code"]
        for phrase in ind["phrases"]:
            key = fold(phrase)
            if key in seen and seen[key] != ind["code"]:
                clashes.append((phrase, seen[key], ind["code"]))
            seen[key] = ind["code"]
    assert clashes == []


@pytest.mark.django_db
def test_fixture_export_round_trip(tmp_path):
    """Admin edits can be written back: export → file → load reports no change; the export validates."""
    call_command("load_catalog", stdout=StringIO())
    Indicator.objects.filter(code="INET_FBB_SUBS").update(phrases=["thuê bao cáp quang FTTH"])
    out = StringIO()
    call_command("catalog", format="fixture", stdout=out)
    exported = json.loads(out.getvalue())
    assert validate_catalog(exported) == []
    original = {i["code"]: i for i in fixture_data()["indicators"]}
    again = {i["code"]: i for i in exported["indicators"]}
    assert again.keys() == original.keys()
    assert again["INET_FBB_SUBS"]["phrases"] == ["thuê bao cáp quang FTTH"]
    assert again["TEL_DENSITY_PER100"]["weight"] == "population"
    assert again["DTI_SCORE"]["max"] == 1
    for code in ("TEL_SUBS_TOTAL", "INFOSEC_4LAYER_PROVINCES", "DVCTT_L34_SHARE"):

        def present(d: dict) -> dict:
            return {k: v for k, v in d.items() if v is not None}

        assert present(again[code]) == present(original[code]), code
    path = tmp_path / "catalog.json"
    path.write_text(out.getvalue(), encoding="utf-8")
    buf = StringIO()
    call_command("load_catalog", file=str(path), stdout=buf)
    assert f"0 cập nhật, {len(again)} không đổi" in buf.getvalue()


def test_rule_type_consistency_is_checked():
    data = tiny_catalog()
    data["indicators"][2]["value_type"] = "percent"  # count_if yields a number of units
    data["indicators"][0]["agg_space"] = "weighted_mean"  # a mean of subscriber counts
    data["indicators"][0]["weight"] = "population"
    data["indicators"].append(
        dict(
            data["indicators"][1],
            code="TEL_DENSITY",
            value_type="density",
            agg_space="weighted_mean",
            weight="population",
            agg_time="flow",
        )
    )
    problems = _problems(data)
    assert "flow" in problems[("TEL_DENSITY", "agg_time")]
    assert "count hoặc boolean" in problems[("FBB_FULL_PROVINCES", "agg_space")]
    assert "bình quân gia quyền" in problems[("TEL_SUBS_TOTAL", "agg_space")]


@pytest.mark.django_db
def test_phrase_index_and_unit_fits():
    from baocao.catalog.services import phrase_index, unit_fits

    call_command("load_catalog", stdout=StringIO())
    old, new = phrase_index(dt.date(2020, 9, 30)), phrase_index(dt.date(2024, 1, 1))
    assert old["tong so thue bao dien thoai toan mang"] == "TEL_SUBS_TOTAL"
    assert old["dvctt muc do 3, 4"] == "DVCTT_L34_SHARE" and "dvctt muc do 3, 4" not in new
    assert new["ty le dich vu cong truc tuyen toan trinh"] == "DVCTT_FULL_SHARE"
    tel = Indicator.objects.get(code="TEL_SUBS_TOTAL")
    assert unit_fits(tel, "TB") and unit_fits(tel, " thuê  bao ") and not unit_fits(tel, "%")
    assert unit_fits(Indicator.objects.get(code="INET_FBB_COMMUNES"), "%")
    assert unit_fits(Indicator.objects.get(code="INFOSEC_4LAYER_PROVINCES"), "%")
    assert not unit_fits(Indicator.objects.get(code="INFOSEC_4LAYER_DEPLOYED"), "%")
