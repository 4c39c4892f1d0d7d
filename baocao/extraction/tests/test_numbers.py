"""Every number form of the brief, and every form that is not a figure."""

from __future__ import annotations

from decimal import Decimal

import pytest

from baocao.extraction.numbers import parse_digits, qualifier_before, to_json_number, words_to_number
from baocao.extraction.textutil import fold_same_length

from .helpers import figures, values


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("516.033", Decimal(516033)),
        ("16,2", Decimal("16.2")),
        ("03", Decimal(3)),
        ("30.500.000", Decimal(30500000)),
        ("0,25", Decimal("0.25")),
        ("1045", Decimal(1045)),
    ],
)
def test_parse_digits_vietnamese_notation(token, expected):
    assert parse_digits(token) == expected


@pytest.mark.parametrize("token", ["4.0", "2,512.5", "1.5", ""])
def test_parse_digits_rejects_other_notations(token):
    assert parse_digits(token) is None


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("Ba mươi triệu năm trăm ngàn", 30_500_000),
        ("hai mươi lăm", 25),
        ("một trăm linh năm", 105),
        ("mười", 10),
        ("hai tỷ ba trăm triệu", 2_300_000_000),
        ("một nghìn tỷ", 1_000_000_000_000),
        ("hai triệu rưỡi", 2_500_000),
        ("Ba trăm hai mươi triệu", 320_000_000),
    ],
)
def test_words_to_number(words, expected):
    assert words_to_number(words) == expected


@pytest.mark.parametrize("words", ["một số", "năm", "hai", "đầu tư"])
def test_words_that_are_not_amounts(words):
    assert words_to_number(words) is None


@pytest.mark.parametrize(
    ("before", "qualifier"),
    [
        ("ban hành trên ", "at_least"),
        ("tạo thêm được hơn ", "at_least"),
        ("gỡ gần ", "at_least"),
        ("tối thiểu ", "at_least"),
        ("mật độ khoảng ", "approx"),
        ("mật độ ước đạt ", "approx"),
        ("xấp xỉ ", "approx"),
        ("ước tính ", "approx"),
        ("mới chỉ có ", "exact"),
        ("chỉ đạt ", "exact"),
        ("tổng số ", "exact"),
    ],
)
def test_qualifiers(before, qualifier):
    assert qualifier_before(fold_same_length(before)) == qualifier


def test_to_json_number():
    assert to_json_number(Decimal("516033")) == 516033 and isinstance(to_json_number(Decimal(3)), int)
    assert to_json_number(Decimal("16.2")) == 16.2


# ---- figures in sentences ------------------------------------------------------------------------

def test_thousands_dots_and_unit():
    assert figures("tổng số thuê bao toàn mạng là 516.033 thuê bao.") == [
        (516033, None, "thuê bao", "exact", "516.033 thuê bao")
    ]


def test_decimal_comma_percent():
    assert figures("Tỷ lệ hồ sơ tiếp nhận trực tuyến đạt 5,2%.")[0][:3] == (5.2, None, "%")


def test_fraction_part_of_whole():
    f = figures("toàn tỉnh có 158/199 xã/phường, thị trấn được kết nối")
    assert [(x[0], x[1]) for x in f] == [(158, 199)]


def test_fraction_with_unit_repeated():
    f = figures("Mạng lưới còn hạn chế (chỉ có 72 xã/199 xã, phường)")
    assert [(x[0], x[1]) for x in f] == [(72, 199)]


def test_pairs_that_are_not_fractions():
    f = figures("thực hiện thanh tra 02 cuộc/04 đơn vị, 06 cuộc/07 đối tượng về việc")
    assert [(x[0], x[1], x[2]) for x in f] == [(2, None, "cuộc"), (4, None, "đơn vị"), (6, None, "cuộc"), (7, None, "đối tượng")]


def test_leading_zeros():
    assert values("tổ chức tập huấn được 09 lớp chữ ký số và 03 lớp An toàn") == [9, 3]


def test_multipliers_trieu_ty():
    f = figures("thuê bao di động ước đạt 1,45 triệu thuê bao, tổng mức đầu tư 186,4 tỷ đồng, còn 2 tỷ 500 triệu đồng")
    assert [x[0] for x in f] == [1_450_000, 186_400_000_000, 2_500_000_000]
    assert f[0][3] == "approx" and f[1][2] == "đồng"


def test_nghin_multiplier():
    assert values("thuê bao Internet đạt khoảng 312 nghìn thuê bao") == [312_000]


def test_amount_in_words_repeating_digits_is_one_figure():
    f = figures("tổng số tiền 30.500.000 đồng (Ba mươi triệu năm trăm ngàn đồng).")
    assert [(x[0], x[2]) for x in f] == [(30_500_000, "đồng")]


def test_amount_in_words_alone():
    f = figures("Kinh phí hỗ trợ trong tháng là Ba trăm hai mươi triệu đồng.")
    assert [(x[0], x[2]) for x in f] == [(320_000_000, "đồng")]


def test_currency_suffix_d():
    assert figures("nộp ngân sách nhà nước số tiền là 60.000.000đ.")[0][:3] == (60_000_000, None, "đồng")


def test_gap_doi_and_qualifier():
    f = figures("Có 55 tỉnh đã kết nối, tăng gần gấp đôi so với đầu năm 2020.")
    assert (2, None, "lần", "at_least", "gấp đôi") in f and f[0][0] == 55


def test_gap_ba():
    assert (3, None, "lần", "exact", "gấp ba") in figures("tăng gấp ba so với cùng kỳ")


@pytest.mark.parametrize(
    ("sentence", "value", "qualifier"),
    [
        ("đã ban hành trên 80 văn bản", 80, "at_least"),
        ("tạo thêm được hơn 150 tài khoản", 150, "at_least"),
        ("gỡ gần 100 bài viết", 100, "at_least"),
        ("Hiện có khoảng 83,70% các Bộ", 83.7, "approx"),
        ("mật độ ước đạt 96 thuê bao/100 dân", 96, "approx"),
        ("mới chỉ có 01 Cụm thông tin đối ngoại", 1, "exact"),
    ],
)
def test_qualified_figures(sentence, value, qualifier):
    f = figures(sentence)
    assert f[0][0] == value and f[0][3] == qualifier


def test_qualifier_covers_a_short_list():
    f = figures("yêu cầu gỡ gần 100 bài viết, 300 video xuyên tạc")
    assert [(x[0], x[3]) for x in f] == [(100, "at_least"), (300, "at_least")]


def test_percent_in_words_and_dot_decimal_before_percent():
    f = figures("Tỷ lệ đạt 12.5%, tăng 3 phần trăm; phiên bản 4.0 không phải số liệu")
    assert [(x[0], x[2]) for x in f] == [(12.5, "%"), (3, "%")]


def test_density_per_100_inhabitants():
    f = figures("mật độ khoảng 105 TB/100 dân. Mật độ đạt 21,3 thuê bao/100 dân")
    assert [(x[0], x[2]) for x in f] == [(105, "thuê bao/100 dân"), (21.3, "thuê bao/100 dân")]


def test_rate_with_slash_unit():
    f = figures("bình quân đạt 3.555 dân/điểm phục vụ")
    assert f[0][:3] == (3555, None, "dân/điểm phục vụ")


def test_increase_compared_with():
    f = figures("đạt trên 48,55% (tăng 20% so với 12/2019)")
    assert [(x[0], x[3]) for x in f] == [(48.55, "at_least"), (20, "exact")]


def test_one_in_seven_provinces():
    assert values("Lạng Sơn là 1 trong 7 tỉnh, thành phố đầu tiên") == [7]


def test_elliptic_unit_in_parentheses():
    f = figures("lắp đặt thêm 02 Cụm thông tin (01 tại cửa khẩu A; 01 tại cửa khẩu B).")
    assert [x[0] for x in f] == [2, 1, 1]


def test_nbsp_inside_sentence_keeps_offsets():
    text = "hoàn thành chỉ tiêu 30%\u00a0dịch vụ công và lắp\u00a0200 bộ máy tính"
    f = figures(text)
    assert [(x[0], x[4]) for x in f] == [(30, "30%"), (200, "200 bộ")]


# ---- what is not a figure ------------------------------------------------------------------------

@pytest.mark.parametrize(
    "sentence",
    [
        "Ngày 30/5/2019 Thứ trưởng đến thăm",  # date
        "Sáng ngày 7/9, tại Hà Nội",  # day/month
        "Văn Ký 07/05/2020 06:13",  # date and time
        "lúc 15h30 chiều",  # time
        "theo Nghị định 49/NĐ-CP của Chính phủ",  # legal number
        "Quyết định số 362/QĐ-TTg ngày 03 tháng 4 năm 2019",  # legal number, date in words
        "Nghị định số 25/2011/NĐ-CP ngày 6/4/2011",
        "Nghị quyết số 18, 19-NQ/TW ngày 25/10/2017",
        "Chỉ thị 05 của Bộ Chính trị",
        "Kế hoạch 3454/KH-UBND của UBND tỉnh",
        "bổ sung Điều 15 của Luật",
        "Nghị quyết Trung ương 4 (khoá XII)",
        "Kỷ niệm 520 năm thành lập tỉnh (1499-2019)",  # anniversaries, years
        "đã đạt 02 năm liên tục hoàn thành xuất sắc",  # year counts
        "trong 6 tháng đầu năm 2019 và Quý III/2020",  # periods
        "tăng nhanh so với tháng 7 năm nay",
        "Ngày sách Việt Nam lần thứ 6",  # ordinal
        "dịch vụ công trực tuyến mức độ 3, 4 và mức độ 2",  # service levels
        "an toàn thông tin theo mô hình 4 lớp",  # model names
        "được thực hiện liên thông 4 cấp",
        "truy cập qua mạng di động 3G, 4G",
        "cách mạng công nghiệp 4.0",
        "phòng chống dịch Covid-19 và Covid -19 và Covid19",
        "truy vết nguồn gốc F1, F2",
        "20200630-Nam-6.jpg",
        "giai đoạn 2016 - 2020, định hướng đến năm 2025",
    ],
)
def test_not_figures(sentence):
    assert figures(sentence) == []


def test_list_numbering_is_not_a_figure():
    text = "Kiến nghị:\n1. Đề nghị Bộ hỗ trợ kinh phí.\n2) Đầu tư 02 Cụm thông tin.\n"
    assert values(text) == [2]


def test_target_level_is_a_figure_but_service_level_is_not():
    assert values("cố gắng đẩy lên mức 30% số thuê bao; dịch vụ mức độ 4") == [30]


def test_visitor_counters_are_not_figures():
    from baocao.extraction.extractor import extract

    body = "Báo cáo cho biết toàn tỉnh đã cấp 14 giấy phép xuất bản bản tin và tài liệu không kinh doanh " * 2
    text = body + "\n\nTHỐNG KÊ TRUY CẬP\n• Hôm nay:88\n• Trong tuần:754\n• Trong năm:53,655\n"
    assert [f["value"] for f in extract(text)["facts"]] == [14, 14]
