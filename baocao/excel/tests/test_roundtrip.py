"""Build → parse gives the values back; values typed by a user; what the built file contains; the diff."""

from __future__ import annotations

import io
from decimal import Decimal as D

from openpyxl import load_workbook

from baocao.excel.layout import (
    DATA_SHEET,
    HEADER_ROW,
    META_SHEET,
    CellValue,
    layout_checksum,
)
from baocao.excel.services import build_workbook, diff, layout_keys, parse_workbook

from .sample import row_of, sample_layout, sample_values, set_cells


def test_round_trip_gives_back_exactly_the_values():
    layout = sample_layout()
    values = sample_values()
    data = build_workbook(layout, values)
    result = parse_workbook(data, layout)
    assert result.problems == []
    assert result.values == values
    # exact numbers, not merely equal: no float noise on money and decimals
    assert str(result.values[("FINES_AMOUNT", "")].value) == "1234567890000"
    assert str(result.values[("EDOC_SIGNED_SHARE", "")].value) == "96.25"
    assert result.values[("INET_FBB_COMMUNES", "")].denominator == D(199)
    assert result.values[("INET_SUBS_TOTAL", "fixed")].comment == "Gồm thuê bao FTTH và xDSL"
    # rows left empty in the file are absent, not zero
    assert ("INET_SUBS_TOTAL", "") not in result.values
    assert result.metadata["period_code"] == "2020Q3"
    assert result.metadata["layout_checksum"] == layout_checksum(layout)


def test_round_trip_of_an_empty_form_and_of_a_file_object():
    layout = sample_layout()
    data = build_workbook(layout, {})
    assert parse_workbook(data, layout).values == {}
    assert (
        parse_workbook(io.BytesIO(build_workbook(layout, sample_values())), layout).values == sample_values()
    )


def test_previous_period_values_are_shown_but_not_read_back():
    layout = sample_layout()
    previous = {
        ("TEL_SUBS_TOTAL", ""): CellValue(D(2_000_000)),
        ("EDOC_SIGNED_SHARE", ""): CellValue(D("90.5")),
    }
    data = build_workbook(layout, {}, previous)
    ws = load_workbook(io.BytesIO(data))[DATA_SHEET]
    assert ws[f"E{row_of(layout, 'TEL_SUBS_TOTAL')}"].value == 2_000_000
    assert ws[f"E{row_of(layout, 'EDOC_SIGNED_SHARE')}"].value == D("90.5")
    assert parse_workbook(data, layout).values == {}


def test_values_typed_by_a_user():
    """Numbers, Vietnamese-formatted text, percentages typed as 16,2% and as 16,2, comments."""
    layout = sample_layout()
    data = build_workbook(layout, {})
    r = lambda code, disagg="": row_of(layout, code, disagg)  # noqa: E731

    def typed(wb):
        ws = wb[DATA_SHEET]
        ws[f"F{r('TEL_SUBS_TOTAL')}"] = "2.104.517"  # text with thousands dots
        ws[f"F{r('TEL_SUBS_FIXED')}"] = 54102  # a number
        ws[f"F{r('TEL_SUBS_MOBILE')}"] = " 2.050.415 "  # stray spaces
        ws[f"F{r('INET_SUBS_TOTAL', 'fixed')}"] = "516.033"
        ws[f"I{r('INET_SUBS_TOTAL', 'fixed')}"] = "Đã đối chiếu với số liệu của VNPT, Viettel"
        ws[f"F{r('TEL_DENSITY_PER100', 'mobile')}"] = "112,4"  # decimal comma as text
        # fraction: only numerator and denominator; the value is the numerator
        ws[f"G{r('INET_FBB_COMMUNES')}"] = "158"
        ws[f"H{r('INET_FBB_COMMUNES')}"] = 199
        # percent typed as 96,25% in Excel: stored 0.9625 in a percent-formatted cell
        c = ws[f"F{r('EDOC_SIGNED_SHARE')}"]
        c.value = 0.9625
        c.number_format = "0.00%"
        ws[f"G{r('EDOC_SIGNED_SHARE')}"] = "15.400"
        ws[f"H{r('EDOC_SIGNED_SHARE')}"] = "16.000"
        ws[f"F{r('FINES_AMOUNT')}"] = "1.234.567.890.000"

    from .sample import edit

    result = parse_workbook(edit(data, typed), layout)
    assert result.problems == []
    v = result.values
    assert v[("TEL_SUBS_TOTAL", "")].value == D(2_104_517)
    assert v[("TEL_SUBS_FIXED", "")].value == D(54_102)
    assert v[("TEL_SUBS_MOBILE", "")].value == D(2_050_415)
    assert v[("INET_SUBS_TOTAL", "fixed")] == CellValue(
        D(516_033), comment="Đã đối chiếu với số liệu của VNPT, Viettel"
    )
    assert v[("TEL_DENSITY_PER100", "mobile")].value == D("112.4")
    assert v[("INET_FBB_COMMUNES", "")] == CellValue(D(158), D(158), D(199))
    assert v[("EDOC_SIGNED_SHARE", "")] == CellValue(D("96.25"), D(15_400), D(16_000))
    assert v[("FINES_AMOUNT", "")].value == D(1_234_567_890_000)


def test_percent_as_text_and_derived_from_parts():
    layout = sample_layout()
    row = row_of(layout, "EDOC_SIGNED_SHARE")
    data = build_workbook(layout, {})
    as_text = parse_workbook(
        set_cells(data, {f"F{row}": "96,25%", f"G{row}": 15400, f"H{row}": 16000}), layout
    )
    assert as_text.problems == []
    assert as_text.values[("EDOC_SIGNED_SHARE", "")].value == D("96.25")
    # value left empty: computed from the parts, rounded to the indicator's 2 decimals
    derived = parse_workbook(set_cells(data, {f"G{row}": 1, f"H{row}": 3}), layout)
    assert derived.problems == []
    assert derived.values[("EDOC_SIGNED_SHARE", "")].value == D("33.33")
    # a plain 16,2 (percentage points) without parts is taken as is
    plain = parse_workbook(set_cells(data, {f"F{row}": 16.2}), layout)
    assert plain.values[("EDOC_SIGNED_SHARE", "")] == CellValue(D("16.2"))
    assert plain.warnings == []
    # a bare 0,162 without parts is accepted as 0,162% with a warning (cannot be told apart)
    small = parse_workbook(set_cells(data, {f"F{row}": 0.162}), layout)
    assert small.ok and small.values[("EDOC_SIGNED_SHARE", "")].value == D("0.162")
    assert len(small.warnings) == 1 and f"{DATA_SHEET}!F{row}" in small.warnings[0].text


def test_built_file_is_protected_validated_and_formatted():
    layout = sample_layout()
    data = build_workbook(layout, sample_values())
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == [DATA_SHEET, META_SHEET]
    ws = wb[DATA_SHEET]
    assert [ws.cell(HEADER_ROW, c).value for c in range(1, 10)] == [
        "STT",
        "Mã chỉ tiêu",
        "Chỉ tiêu",
        "Đơn vị tính",
        "Kỳ trước",
        "Giá trị",
        "Tử số",
        "Mẫu số",
        "Ghi chú",
    ]
    # header block: symbol top left, deadline, units top right, period
    assert ws["A1"].value == "Biểu số: 01/BC-STTTT"
    assert ws["A3"].value == "Ngày nhận báo cáo: 15/10/2020"
    assert ws["F1"].value == "Đơn vị báo cáo: Sở Thông tin và Truyền thông tỉnh Đắk Lắk"
    assert ws["F2"].value.startswith("Đơn vị nhận báo cáo: Bộ Thông tin và Truyền thông")
    assert ws["A6"].value == "Kỳ báo cáo: Quý III/2020"

    assert ws.protection.sheet is True
    assert wb.security.lockStructure is True
    total, share = row_of(layout, "TEL_SUBS_TOTAL"), row_of(layout, "EDOC_SIGNED_SHARE")
    for ref in (f"F{total}", f"I{total}", f"F{share}", f"G{share}", f"H{share}"):
        assert ws[ref].protection.locked is False, ref
    for ref in (
        f"A{total}",
        f"B{total}",
        f"C{total}",
        f"D{total}",
        f"E{total}",
        f"G{total}",
        f"H{total}",
        "A1",
    ):
        assert ws[ref].protection.locked is True, ref

    # number formats: thousands grouped, decimals of the indicator
    assert ws[f"F{total}"].number_format == "#,##0"
    assert ws[f"F{share}"].number_format == "#,##0.00"
    assert ws[f"F{row_of(layout, 'TEL_DENSITY_PER100', 'mobile')}"].number_format == "#,##0.0"
    assert ws[f"F{total}"].value == 2_104_517

    def validation_of(ref):
        found = [dv for dv in ws.data_validations.dataValidation if ref in dv.sqref]
        assert len(found) == 1, ref
        return found[0]

    count_dv = validation_of(f"F{total}")
    assert count_dv.type == "whole" and count_dv.operator == "greaterThanOrEqual" and count_dv.formula1 == "0"
    assert count_dv.showErrorMessage and "số nguyên" in count_dv.error
    pct_dv = validation_of(f"F{share}")
    assert (pct_dv.type, pct_dv.operator, pct_dv.formula1, pct_dv.formula2) == (
        "decimal",
        "between",
        "0",
        "100",
    )
    assert "từ 0 đến 100" in pct_dv.error
    assert validation_of(f"G{share}").type == "decimal"

    meta = wb[META_SHEET]
    assert meta.sheet_state == "hidden"
    pairs = {meta.cell(r, 1).value: meta.cell(r, 2).value for r in range(2, 12)}
    assert pairs["form_code"] == "ICT_Q" and pairs["form_version"] == "2"
    assert pairs["period_code"] == "2020Q3" and pairs["unit_code"] == "66"
    assert pairs["layout_checksum"] == layout_checksum(layout)


def test_checksum_ignores_labels_but_not_structure():
    layout = sample_layout()
    assert layout_checksum(layout) == layout_checksum(sample_layout(title="Khác", period_code="2021Q1"))
    fewer = sample_layout(sections=layout.sections[:2])
    assert layout_checksum(fewer) != layout_checksum(layout)
    assert layout_checksum(sample_layout(version=3)) != layout_checksum(layout)


def test_diff_lists_what_would_change():
    parsed = {
        ("TEL_SUBS_TOTAL", ""): CellValue(D(2_104_517)),  # unchanged
        ("TEL_SUBS_FIXED", ""): CellValue(D(54_102)),  # changed
        ("TEL_SUBS_MOBILE", ""): CellValue(D(2_050_415)),  # new
        ("INET_FBB_COMMUNES", ""): CellValue(D(158), D(158), D(199), "mới"),  # comment changed
        ("EDOC_SIGNED_SHARE", ""): CellValue(D("96.250000"), D(15400), D(16000)),  # same number, other scale
    }
    current = {
        ("TEL_SUBS_TOTAL", ""): CellValue(D("2104517.000000"), qualifier="exact"),
        ("TEL_SUBS_FIXED", ""): CellValue(D(54_000), qualifier="exact"),
        ("INET_FBB_COMMUNES", ""): CellValue(D(158), D(158), D(199), "cũ", "exact"),
        ("EDOC_SIGNED_SHARE", ""): CellValue(D("96.25"), D(15400), D(16000), "", "approx"),
        ("FINES_AMOUNT", ""): CellValue(D(5_000_000)),  # cleared in the file
        ("POST_OFFICES", ""): CellValue(D(3)),  # not on this form
    }
    changes = diff(parsed, current, keys=layout_keys(sample_layout()))
    assert [(c.code, c.kind) for c in changes] == [
        ("TEL_SUBS_FIXED", "update"),
        ("TEL_SUBS_MOBILE", "add"),
        ("INET_FBB_COMMUNES", "update"),
        ("FINES_AMOUNT", "delete"),
    ]
    assert changes[0].old.value == D(54_000) and changes[0].new.value == D(54_102)
    assert changes[1].old is None and changes[1].kind_label == "Thêm mới"
    assert changes[3].new is None and changes[3].kind_label == "Xóa"
    assert [c.code for c in diff(parsed, current, deletions=False)] == [
        "TEL_SUBS_FIXED",
        "TEL_SUBS_MOBILE",
        "INET_FBB_COMMUNES",
    ]
    # without keys, every stored value absent from the file counts as cleared
    assert {c.code for c in diff(parsed, current) if c.kind == "delete"} == {"FINES_AMOUNT", "POST_OFFICES"}
    # a parsed round trip of the stored values changes nothing
    layout = sample_layout()
    stored = sample_values()
    assert diff(parse_workbook(build_workbook(layout, stored), layout).values, stored) == []


def test_booleans_float_noise_control_characters_and_password():
    from baocao.excel.layout import FormItem, FormSection

    layout = sample_layout(
        sections=[
            FormSection(
                "Chính quyền số",
                (
                    FormItem("GOV_PORTAL", "Có cổng dịch vụ công", "", "boolean"),
                    FormItem("GOV_SCORE", "Điểm đánh giá", "điểm", "index", 2),
                ),
            )
        ]
    )
    stored = {("GOV_SCORE", ""): CellValue(D("7.5"), comment="Nhận xét\x0b dán từ Word")}
    data = build_workbook(layout, stored, password="baocao")
    ws = load_workbook(io.BytesIO(data))[DATA_SHEET]
    assert ws.protection.password  # hashed, not the clear text
    assert ws["I12"].value == "Nhận xét dán từ Word"  # the control character is dropped
    for typed, expected in (("Có", 1), ("không", 0), (True, 1), (0, 0)):
        result = parse_workbook(set_cells(data, {"F11": typed, "I12": None}), layout)
        assert result.problems == [], typed
        assert result.values[("GOV_PORTAL", "")].value == D(expected)
    noisy = parse_workbook(set_cells(data, {"F12": 0.1 + 0.2, "I12": None}), layout)
    assert noisy.values[("GOV_SCORE", "")].value == D("0.3")
    bad = parse_workbook(set_cells(data, {"F11": 2, "I12": None}), layout)
    assert [p.text for p in bad.problems] == [
        "Bieu_mau!F11 (chỉ tiêu GOV_PORTAL): Chỉ tiêu có/không: nhập 1 (có) hoặc 0 (không) (nhận 2)."
    ]


def test_dry_run_and_file_name():
    from baocao.excel.services import dry_run, workbook_filename

    layout = sample_layout()
    stored = sample_values()
    row = row_of(layout, "TEL_SUBS_FIXED")
    data = set_cells(build_workbook(layout, stored), {f"F{row}": "60.000"})
    result, changes = dry_run(data, layout, stored)
    assert result.ok
    assert [(c.code, c.old.value, c.new.value) for c in changes] == [("TEL_SUBS_FIXED", D(54_102), D(60_000))]
    bad, none = dry_run(set_cells(data, {f"F{row}": "6O.000"}), layout, stored)
    assert not bad.ok and none == []
    assert workbook_filename(layout) == "ICT_Q_2020Q3_66.xlsx"
    assert workbook_filename(sample_layout(unit_code="")) == (
        "ICT_Q_2020Q3_so-thong-tin-va-truyen-thong-tinh-dak-lak.xlsx"
    )
