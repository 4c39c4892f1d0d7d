"""Province, period and meeting date of a report."""

from __future__ import annotations

import datetime as dt

import pytest

from baocao.extraction.about import detect_event_date, detect_period, detect_province, province_names
from baocao.extraction.extractor import extract
from baocao.extraction.textutil import fold_same_length


def _period(text: str, event: dt.date | None = None) -> str | None:
    f = fold_same_length(text)
    first = text.find("\n")
    return detect_period(text, f, 0, len(text), (0, first if first > 0 else len(text)), event)


def test_province_names_come_from_the_packages():
    names = {p.name for p in province_names()}
    # 63 old + 34 new with 23 names in both lists (the 11 unchanged provinces and the 12 kept names of
    # merged provinces keep one spelling): the union is 63 + the new-only names.
    assert "Cao Bằng" in names and "Lạng Sơn" in names and "Hà Giang" in names
    assert len(names) >= 63
    assert all(not p.folded.startswith(("tinh ", "thanh pho ")) for p in province_names())


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("Hội nghị sơ kết công tác 6 tháng đầu năm 2019\nTrong 6 tháng đầu năm 2019, Sở đã …", "2019S1"),
        ("Giao ban quản lý nhà nước Quý III/2020\nTrong Quý III/2020, Bộ đã …", "2020Q3"),
        ("Giao ban quý 1 năm 2023\nKết quả quý 1 năm 2023 …", "2023Q1"),
        ("Làm việc với Sở\nNăm 2016, Chi bộ Sở đã lãnh đạo … kế hoạch năm 2017 và những năm tiếp theo", "2016"),
        ("Báo cáo kết quả 9 tháng năm 2021\nTrong 9 tháng năm 2021 …", "2021N9"),
        ("Kết quả chuyển đổi số tháng 10/2025\nTrong tháng 10/2025 …", "202510"),
        ("Tổng kết năm 2022\nnăm 2022 toàn ngành … triển khai nhiệm vụ năm 2023", "2022"),
    ],
)
def test_period_phrases(text, period):
    assert _period(text) == period


def test_future_plan_does_not_win_over_the_reviewed_half_year():
    text = (
        "Sơ kết công tác\nbáo cáo tình hình 6 tháng đầu năm và phương hướng nhiệm vụ 6 tháng cuối năm 2019. "
        "Trong 6 tháng đầu năm 2019 Sở đã …"
    )
    assert _period(text) == "2019S1"


def test_half_year_without_year_takes_the_meeting_year():
    assert _period("Sơ kết\nTrong 6 tháng đầu năm, Sở đã …", dt.date(2021, 6, 30)) == "2021S1"


def _province(text: str) -> str | None:
    f = fold_same_length(text)
    first = text.find("\n")
    return detect_province(text, f, 0, len(text), (0, first))


def test_province_dominant_mentions():
    text = "Sở Thông tin và Truyền thông Cao Bằng\nSở TT&TT tỉnh Cao Bằng … doanh nghiệp tại Cao Bằng … Hà Nội"
    assert _province(text) == "Cao Bằng"


def test_province_accent_insensitive_but_capitalised():
    assert _province("Bao cao cua So TT&TT\nSo TT&TT tinh Ha Nam da ... tai Ha Nam") == "Hà Nam"
    assert _province("tiêu đề\nhà nam") is None


def test_ministry_report_is_national():
    text = (
        "Bộ TT&TT giao ban trực tuyến\ncả nước có 39/63 tỉnh … các Sở TT&TT như Bắc Kạn, Bình Định, Hà Giang, "
        "Lai Châu … cả nước đạt … Sở TT&TT Ninh Bình chia sẻ"
    )
    assert _province(text) == "national"


def test_new_province_after_the_reform():
    text = "Tuyên Quang: kết quả tháng 10/2025\nSau hợp nhất, tỉnh Tuyên Quang có 124 xã, phường."
    assert _province(text) == "Tuyên Quang"


@pytest.mark.parametrize(
    ("text", "period", "expected"),
    [
        ("Tin bài\nNgày 30/5/2019 Thứ trưởng đến làm việc", None, dt.date(2019, 5, 30)),
        ("Tin bài\nSáng ngày 7/9, tại Hà Nội, Bộ tổ chức", "2020Q3", dt.date(2020, 9, 7)),
        # A year report reviewed in March is held the next year.
        ("Tin bài\nNgày 22/3, Chủ tịch UBND tỉnh làm việc", "2016", dt.date(2017, 3, 22)),
        # The date of a legal document is not the meeting date; the publication line is the fallback.
        ("Tin bài\n07/05/2020 06:13\ntheo Quyết định số 362/QĐ-TTg ngày 03 tháng 4 năm 2019", None, dt.date(2020, 5, 7)),
        ("Ngày 26/6/2020, Sở tổ chức Hội nghị\nThứ ba, 30/06/2020 15:54", None, dt.date(2020, 6, 26)),
    ],
)
def test_event_date(text, period, expected):
    f = fold_same_length(text)
    assert detect_event_date(text, f, 0, len(text), period) == expected


def test_scope_per_figure_in_a_provincial_report():
    text = (
        "Sở TT&TT Lạng Sơn sơ kết 6 tháng đầu năm 2020\n"
        "Ngày 26/6/2020, Sở TT&TT tỉnh Lạng Sơn tổ chức hội nghị. Trong 6 tháng đầu năm 2020, Sở TT&TT Lạng Sơn "
        "đã cấp 03 giấy phép xuất bản bản tin; tỉnh nằm trong tốp 20 tỉnh có tỷ lệ khai báo y tế cao trên toàn quốc. "
        "Lắp đặt 02 Cụm thông tin (01 tại cửa khẩu Hữu Nghị, huyện Cao Lộc; 01 tại huyện Đình Lập).\n"
    )
    r = extract(text)
    scopes = [(f["value"], f["scope"]) for f in r["facts"]]
    assert r["province"] == "Lạng Sơn" and r["period"] == "2020S1"
    assert scopes[:3] == [(3, "province"), (20, "national"), (2, "province")]
    assert scopes[3][0] == 1 and scopes[3][1].startswith("cửa khẩu Hữu Nghị")
    assert scopes[4] == (1, "huyện Đình Lập")


def test_scope_in_a_ministry_report_is_national():
    text = (
        "Bộ TT&TT giao ban quản lý nhà nước Quý III/2020\n"
        "Sáng ngày 7/9, Bộ TT&TT tổ chức giao ban. Cả nước có 12/20 Bộ, 39/63 tỉnh triển khai mô hình 4 lớp; "
        "các Sở TT&TT như Bắc Kạn, Bình Định, Hà Giang, Lai Châu đã thí điểm; cả nước có 9.534 đài truyền thanh.\n"
    )
    r = extract(text)
    assert r["province"] == "national" and r["period"] == "2020Q3"
    assert {f["scope"] for f in r["facts"]} == {"national"}
    assert [(f["value"], f["denominator"]) for f in r["facts"]] == [(12, 20), (39, 63), (9534, None)]


def test_time_aware_province_after_the_2025_reform():
    from baocao.extraction.about import successor_names

    assert successor_names().get("Hà Giang") == "Tuyên Quang"  # from the map's merge table
    after = "Hà Giang: kết quả chuyển đổi số tháng 10/2025\nTrong tháng 10/2025, khu vực Hà Giang đã lắp 12 trạm 5G.\n"
    before = "Hà Giang: kết quả chuyển đổi số tháng 10/2024\nTrong tháng 10/2024, tỉnh Hà Giang đã lắp 12 trạm 4G.\n"
    assert extract(after)["province"] == "Tuyên Quang"
    assert extract(before)["province"] == "Hà Giang"
