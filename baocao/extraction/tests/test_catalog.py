"""Mapping figures to catalog indicators through the indicators' phrases (no codes in the extractor)."""

from __future__ import annotations

import pytest

from baocao.extraction import catalog as catalog_mod
from baocao.extraction.catalog import Catalog, catalog_from_records, load_catalog
from baocao.extraction.extractor import extract

# A small catalog made up for the test; the codes exist only here.
RECORDS = [
    {"code": "T_SUBS", "unit": "thuê bao", "value_type": "count", "phrases": ["tổng số thuê bao điện thoại", "thuê bao điện thoại"]},
    {"code": "T_DENS", "unit": "thuê bao/100 dân", "value_type": "density", "phrases": ["mật độ điện thoại", "mật độ thuê bao điện thoại"]},
    {"code": "I_SUBS", "unit": "thuê bao", "value_type": "count", "phrases": ["thuê bao Internet", "thuê bao băng rộng cố định"]},
    {"code": "LIC", "unit": "giấy phép", "value_type": "count", "phrases": ["giấy phép xuất bản bản tin"]},
    {"code": "ONLINE_SHARE", "unit": "%", "value_type": "percent", "phrases": ["tỷ lệ hồ sơ tiếp nhận trực tuyến"]},
    {"code": "FBB_COMMUNES", "unit": "xã", "value_type": "fraction", "phrases": ["xã được kết nối Internet băng rộng cố định"]},
]

TEXT = (
    "Báo cáo 6 tháng đầu năm 2024 của Sở TT&TT tỉnh Hà Nam\n"
    "Sở đã cấp 12 giấy phép xuất bản bản tin. Tổng số thuê bao điện thoại là 812.000 thuê bao, mật độ điện thoại "
    "đạt 95 thuê bao/100 dân; thuê bao Internet đạt 120.500 thuê bao. Có 98/98 xã được kết nối Internet băng rộng "
    "cố định. Tỷ lệ hồ sơ tiếp nhận trực tuyến đạt 61,5%. Đã trồng 300 cây xanh quanh trụ sở.\n"
)


@pytest.fixture
def small_catalog() -> Catalog:
    return catalog_from_records(RECORDS)


def test_each_figure_maps_to_its_indicator(small_catalog):
    r = extract(TEXT, catalog=small_catalog)
    got = {f["value"]: (f["indicator"], f["confidence"]) for f in r["facts"]}
    assert got[12][0] == "LIC"
    assert got[812000][0] == "T_SUBS"
    assert got[95][0] == "T_DENS"
    assert got[120500][0] == "I_SUBS"
    assert got[98][0] == "FBB_COMMUNES"
    assert got[61.5][0] == "ONLINE_SHARE"
    assert all(0.55 <= c <= 1 for code, c in got.values() if code)


def test_unmapped_figures_keep_their_context(small_catalog):
    r = extract(TEXT, catalog=small_catalog)
    tree = next(f for f in r["facts"] if f["value"] == 300)
    assert tree["indicator"] is None and tree["confidence"] < 0.55
    assert "cây xanh" in tree["context"]


def test_accent_insensitive_phrases(small_catalog):
    text = "Bao cao\nTong so thue bao dien thoai la 812.000 thue bao, tang nhe so voi cung ky nam truoc.\n"
    f = extract(text, catalog=small_catalog)["facts"][0]
    assert f["indicator"] == "T_SUBS"


def test_unit_type_clash_lowers_the_score(small_catalog):
    # A percentage next to the phrases of a count is not that count.
    code, conf = catalog_mod.match(small_catalog, "thuê bao Internet đạt 45%", "%", "percent", False)
    assert code != "I_SUBS"


def test_no_catalog_maps_nothing():
    r = extract(TEXT)
    assert all(f["indicator"] is None and f["confidence"] == 0 for f in r["facts"])
    assert r["catalog"] == "none"


def test_fixture_rows_in_django_format_are_accepted():
    cat = catalog_from_records(
        [{"model": "catalog.indicator", "pk": 1, "fields": {"code": "X", "unit": "lớp", "value_type": "count", "phrases": ["lớp tập huấn"]}},
         {"model": "catalog.domain", "pk": 1, "fields": {"code": "d"}}]
    )
    assert [i.code for i in cat.indicators] == ["X"]


def test_load_catalog_falls_back_to_the_fixture_or_nothing(monkeypatch, tmp_path):
    monkeypatch.setattr(catalog_mod, "FIXTURE", tmp_path / "missing.json")
    assert load_catalog().source == "none"
    fx = tmp_path / "catalog.json"
    fx.write_text('{"indicators": [{"code": "LIC", "unit": "giấy phép", "value_type": "count", '
                  '"phrases": ["giấy phép xuất bản bản tin"]}]}', encoding="utf-8")
    monkeypatch.setattr(catalog_mod, "FIXTURE", fx)
    cat = load_catalog()
    assert cat.source == "fixture" and cat.indicators[0].code == "LIC"


@pytest.mark.django_db
def test_load_catalog_prefers_the_database(monkeypatch, tmp_path):
    from baocao.catalog.models import Domain, Indicator

    monkeypatch.setattr(catalog_mod, "FIXTURE", tmp_path / "missing.json")
    d = Domain.objects.create(code="press", name="Báo chí", name_en="Press")
    Indicator.objects.create(
        code="DB_LIC", name="Giấy phép bản tin", name_en="Bulletin licences", domain=d, unit="giấy phép",
        value_type="count", agg_space="sum", agg_time="flow", phrases=["giấy phép xuất bản bản tin"],
    )
    cat = load_catalog()
    assert cat.source == "database" and [i.code for i in cat.indicators] == ["DB_LIC"]
    r = extract("Tin\nSở đã cấp 12 giấy phép xuất bản bản tin cho các đơn vị trong tỉnh.\n", catalog=cat)
    assert r["facts"][0]["indicator"] == "DB_LIC"
