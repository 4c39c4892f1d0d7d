"""Bad cells, a form that is not this one, renamed sheets, moved rows: every problem names sheet!cell,
and a file with any problem yields no values at all."""

from __future__ import annotations

import io
from decimal import Decimal as D

import pytest
from openpyxl import Workbook

from baocao.excel.layout import DATA_SHEET, META_SHEET, CellValue, FormSection
from baocao.excel.services import build_workbook, item_from_indicator, parse_workbook

from .sample import catalog, edit, row_of, sample_layout, sample_values, set_cells

LAYOUT = sample_layout()
R = {key: row_of(LAYOUT, *key) for key in [i.key for i in LAYOUT.items()]}
TOTAL = R[("TEL_SUBS_TOTAL", "")]
FIXED = R[("TEL_SUBS_FIXED", "")]
FBB = R[("INET_FBB_COMMUNES", "")]
SHARE = R[("EDOC_SIGNED_SHARE", "")]
FINES = R[("FINES_AMOUNT", "")]
DENSITY = R[("TEL_DENSITY_PER100", "mobile")]


@pytest.fixture(scope="module")
def filled() -> bytes:
    return build_workbook(LAYOUT, sample_values())


def only_problem(result, ref: str, code: str | None, *words: str):
    assert result.values == {}, "a file with a problem must yield nothing to apply"
    assert len(result.problems) == 1, [p.text for p in result.problems]
    p = result.problems[0]
    assert f"{p.sheet}!{p.cell}" == ref
    assert ref in p.text
    assert p.code == code
    for w in words:
        assert w in p.message, (w, p.message)
    return p


@pytest.mark.parametrize(
    ("cells", "ref", "code", "words"),
    [
        # text in numeric cells and malformed numbers
        ({f"F{TOTAL}": "12abc"}, f"F{TOTAL}", "TEL_SUBS_TOTAL", ["“12abc”", "không phải là số"]),
        ({f"F{TOTAL}": "1,234,567"}, f"F{TOTAL}", "TEL_SUBS_TOTAL", ["“1,234,567”"]),
        ({f"F{DENSITY}": "1.5"}, f"F{DENSITY}", "TEL_DENSITY_PER100", ["“1.5”", "516.033"]),
        ({f"F{TOTAL}": "không có số liệu"}, f"F{TOTAL}", "TEL_SUBS_TOTAL", ["không phải là số"]),
        ({f"G{FBB}": "khoảng 150"}, f"G{FBB}", "INET_FBB_COMMUNES", ["“khoảng 150”"]),
        ({f"F{TOTAL}": "50%"}, f"F{TOTAL}", "TEL_SUBS_TOTAL", ["dấu %"]),
        ({f"F{TOTAL}": "#N/A"}, f"F{TOTAL}", "TEL_SUBS_TOTAL", ["#N/A"]),
        ({f"F{TOTAL}": True}, f"F{TOTAL}", "TEL_SUBS_TOTAL", ["TRUE"]),
        # counts
        ({f"F{FIXED}": -5}, f"F{FIXED}", "TEL_SUBS_FIXED", ["không được âm", "-5"]),
        ({f"F{FIXED}": "-5"}, f"F{FIXED}", "TEL_SUBS_FIXED", ["không được âm"]),
        ({f"F{FIXED}": 12.5}, f"F{FIXED}", "TEL_SUBS_FIXED", ["số nguyên", "12,5"]),
        ({f"F{FIXED}": "54.102,5"}, f"F{FIXED}", "TEL_SUBS_FIXED", ["số nguyên", "54.102,5"]),
        # bounds
        ({f"F{FINES}": -1000}, f"F{FINES}", "FINES_AMOUNT", ["nhỏ hơn mức tối thiểu 0"]),
        (
            {f"F{SHARE}": 120, f"G{SHARE}": None, f"H{SHARE}": None},
            f"F{SHARE}",
            "EDOC_SIGNED_SHARE",
            ["120", "lớn hơn mức tối đa 100"],
        ),
        # numerator / denominator
        (
            {f"F{FBB}": 210, f"G{FBB}": 210, f"H{FBB}": 199},
            f"G{FBB}",
            "INET_FBB_COMMUNES",
            ["Tử số (210) lớn hơn mẫu số", f"H{FBB}"],
        ),
        ({f"H{FBB}": None}, f"H{FBB}", "INET_FBB_COMMUNES", ["Thiếu mẫu số"]),
        ({f"H{FBB}": 0}, f"H{FBB}", "INET_FBB_COMMUNES", ["lớn hơn 0"]),
        (
            {f"F{FBB}": 210, f"G{FBB}": None},
            f"F{FBB}",
            "INET_FBB_COMMUNES",
            ["210", "lớn hơn mẫu số", f"H{FBB}"],
        ),
        ({f"F{FBB}": 150}, f"F{FBB}", "INET_FBB_COMMUNES", ["phải bằng tử số", "158"]),
        ({f"G{SHARE}": None}, f"G{SHARE}", "EDOC_SIGNED_SHARE", ["thiếu tử số"]),
        ({f"F{SHARE}": 50}, f"F{SHARE}", "EDOC_SIGNED_SHARE", ["không khớp", "96,25%"]),
        # percent typed as a fraction of 1 while the parts say 96,25%
        ({f"F{SHARE}": 0.9625}, f"F{SHARE}", "EDOC_SIGNED_SHARE", ["dạng thập phân", "96,25"]),
        # numerator in a row without parts (cell unprotected by a user)
        ({f"G{TOTAL}": 10}, f"G{TOTAL}", "TEL_SUBS_TOTAL", ["không có tử số/mẫu số"]),
        # a comment without a value
        ({f"F{FIXED}": None}, f"F{FIXED}", "TEL_SUBS_FIXED", ["ghi chú nhưng chưa nhập giá trị"]),
    ],
)
def test_bad_cell_is_named_and_nothing_is_returned(filled, cells, ref, code, words):
    if ref == f"F{FIXED}" and "ghi chú" in words[0]:
        cells = {**cells, f"I{FIXED}": "Doanh nghiệp chưa gửi số liệu"}
    result = parse_workbook(set_cells(filled, cells), LAYOUT)
    only_problem(result, f"{DATA_SHEET}!{ref}", code, *words)


def test_date_in_a_numeric_cell(filled):
    import datetime as dt

    result = parse_workbook(set_cells(filled, {f"F{DENSITY}": dt.datetime(2020, 2, 16)}), LAYOUT)
    p = only_problem(result, f"{DATA_SHEET}!F{DENSITY}", "TEL_DENSITY_PER100", "ngày tháng", "16/02/2020")
    assert "Bieu_mau!F" in p.text


def test_several_bad_cells_are_all_listed(filled):
    result = parse_workbook(
        set_cells(filled, {f"F{TOTAL}": "12abc", f"F{FIXED}": -1, f"G{FBB}": 300, f"F{FBB}": 300}), LAYOUT
    )
    assert result.values == {}
    assert sorted(f"{p.sheet}!{p.cell}" for p in result.problems) == sorted(
        [f"Bieu_mau!F{TOTAL}", f"Bieu_mau!F{FIXED}", f"Bieu_mau!G{FBB}"]
    )


def test_renamed_sheet(filled):
    def rename(wb):
        wb[DATA_SHEET].title = "Sheet1"

    result = parse_workbook(edit(filled, rename), LAYOUT)
    assert result.values == {} and len(result.problems) == 1
    p = result.problems[0]
    assert p.sheet == "Sheet1"
    assert "“Bieu_mau”" in p.message and "đổi tên thành “Sheet1”" in p.message
    assert "Trang “Sheet1”" in p.text


def test_missing_metadata_means_not_the_form():
    wb = Workbook()
    wb.active.title = DATA_SHEET  # even with the right sheet name
    wb.active["B10"] = "TEL_SUBS_TOTAL"
    wb.active["F10"] = 1
    out = io.BytesIO()
    wb.save(out)
    result = parse_workbook(out.getvalue(), LAYOUT)
    assert result.values == {} and len(result.problems) == 1
    assert result.problems[0].sheet == META_SHEET
    assert "không phải là biểu mẫu tải về từ hệ thống" in result.problems[0].message


def test_tampered_metadata_marker(filled):
    result = parse_workbook(set_cells(filled, {"A1": "x"}, sheet=META_SHEET), LAYOUT)
    only_problem(result, f"{META_SHEET}!A1", None, "đã bị sửa")


@pytest.mark.parametrize(
    ("build_for", "words"),
    [
        (
            dict(period_code="2020Q2", period_label="Quý II/2020"),
            ["kỳ Quý II/2020 (2020Q2)", "không phải kỳ Quý III/2020"],
        ),
        (dict(code="ICT_H"), ["biểu “ICT_H”", "không phải biểu “ICT_Q”"]),
        (dict(version=1), ["phiên bản 1", "là 2"]),
        (
            dict(unit_code="01", reporting_unit="Sở Thông tin và Truyền thông thành phố Hà Nội"),
            [
                "của Sở Thông tin và Truyền thông thành phố Hà Nội",
                "không phải của Sở Thông tin và Truyền thông tỉnh Đắk Lắk",
            ],
        ),
    ],
)
def test_workbook_for_another_form_period_version_or_unit(build_for, words):
    other = sample_layout(**build_for)
    data = build_workbook(other, sample_values())
    result = parse_workbook(data, LAYOUT)
    assert result.values == {}
    assert len(result.problems) == 1, [p.text for p in result.problems]
    p = result.problems[0]
    assert p.sheet == META_SHEET and p.cell.startswith("B")
    for w in words:
        assert w in p.message, (w, p.message)


def test_changed_structure_is_refused_by_checksum():
    cat = catalog()
    longer = sample_layout(
        sections=[
            *LAYOUT.sections,
            FormSection("Bưu chính", (item_from_indicator(cat["POST_SERVICE_POINTS"]),)),
        ]
    )
    data = build_workbook(longer, {})
    only_problem(parse_workbook(data, LAYOUT), f"{META_SHEET}!B9", None, "mã kiểm tra không khớp")


def test_rows_moved_and_codes_altered(filled):
    def swap(wb):
        ws = wb[DATA_SHEET]
        for col in "ABCDEFGHI":
            a, b = ws[f"{col}{TOTAL}"], ws[f"{col}{FIXED}"]
            a.value, b.value = b.value, a.value

    result = parse_workbook(edit(filled, swap), LAYOUT)
    assert result.values == {}
    refs = {f"{p.sheet}!{p.cell}": p.message for p in result.problems}
    assert set(refs) == {f"Bieu_mau!B{TOTAL}", f"Bieu_mau!B{FIXED}"}
    assert f"phải ở dòng {TOTAL}, nay ở dòng {FIXED}" in refs[f"Bieu_mau!B{TOTAL}"]

    altered = parse_workbook(set_cells(filled, {f"B{FINES}": "FINES_AMOUNT_X"}), LAYOUT)
    only_problem(altered, f"Bieu_mau!B{FINES}", "FINES_AMOUNT", "đã bị sửa", "“FINES_AMOUNT_X”")

    def insert_row(wb):
        wb[DATA_SHEET].insert_rows(TOTAL)

    shifted = parse_workbook(edit(filled, insert_row), LAYOUT)
    assert shifted.values == {} and shifted.problems
    assert all(p.cell.startswith("B") and "di chuyển" in p.message for p in shifted.problems)


def test_row_added_below_the_table(filled):
    last = max(R.values())
    result = parse_workbook(
        set_cells(filled, {f"B{last + 1}": "POST_SERVICE_POINTS", f"F{last + 1}": 12}), LAYOUT
    )
    only_problem(result, f"Bieu_mau!B{last + 1}", None, "Dòng thêm ngoài biểu")


def test_a_clean_cell_beside_a_bad_one_is_not_applied(filled):
    """An upload with any problem changes nothing: not even its clean rows are returned."""
    result = parse_workbook(set_cells(filled, {f"F{TOTAL}": 2_200_000, f"F{FIXED}": "x"}), LAYOUT)
    assert not result.ok
    assert result.values == {}


def test_values_stay_decimal_on_the_happy_path(filled):
    result = parse_workbook(set_cells(filled, {f"F{DENSITY}": 112.45}), LAYOUT)
    assert result.ok
    assert result.values[("TEL_DENSITY_PER100", "mobile")].value == D("112.45")


def test_fraction_value_with_denominator_only(filled):
    result = parse_workbook(set_cells(filled, {f"F{FBB}": 160, f"G{FBB}": None, f"I{FBB}": None}), LAYOUT)
    assert result.ok
    assert result.values[("INET_FBB_COMMUNES", "")] == CellValue(D(160), D(160), D(199))
