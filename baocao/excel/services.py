"""Excel round trip of a report form: build the .xlsx, parse an upload back, diff it against the database.

Public interface (the reporting app calls these; nothing here writes to the database):

- ``build_workbook(layout, values, previous=None) -> bytes``: the form as an .xlsx, pre-filled;
- ``parse_workbook(data, layout) -> ParseResult``: ``values`` (rows that hold something) and
  ``problems`` (each naming the sheet and cell, in Vietnamese). Any problem means: apply nothing;
- ``diff(parsed, current) -> list[Change]``: what an upload would change (the dry run);
- ``item_from_indicator(indicator)`` and ``cell_value_of(data_value)``: small adapters from the catalog
  and datavalues models (duck-typed, no queries).

Upload guards, in order, before openpyxl sees a byte: size (``Limits.max_bytes``, default 10 MB, setting
``BAOCAO_EXCEL_MAX_BYTES``), file signature (xls / csv / docx / ods / zip are named), the zip directory
(entry count, total uncompressed size, per-entry compression ratio: a zip bomb is refused from its
directory; Python's zipfile never inflates an entry past its declared size, so the directory is binding).

See docs/excel.md for the sheet geometry, the percentage rule and the messages.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import zipfile
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation

from baocao.core.numbers import NumberFormatError, format_number, parse_number

from .layout import (
    COL_CODE,
    COL_COMMENT,
    COL_DENOMINATOR,
    COL_LABEL,
    COL_NUMERATOR,
    COL_PREVIOUS,
    COL_STT,
    COL_UNIT,
    COL_VALUE,
    COLUMNS,
    DATA_SHEET,
    FIRST_DATA_ROW,
    FORMAT_VERSION,
    HEADER_ROW,
    META_MARKER,
    META_SHEET,
    NUMBERING_ROW,
    CellValue,
    FormItem,
    FormLayout,
    PlanRow,
    layout_checksum,
    metadata,
    row_plan,
)

Key = tuple[str, str]

MB = 1024 * 1024
_HUNDRED = Decimal(100)
_COL_INDEX = {letter: i for i, (letter, _) in enumerate(COLUMNS)}  # 0-based within A..I
_LAST_COL = len(COLUMNS)
#: Rows below the last item that are scanned for rows a user added or moved.
EXTRA_ROWS = 50


# --- limits ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """Upload limits. ``max_ratio`` applies to entries larger than ``ratio_floor`` uncompressed
    (small XML parts legitimately compress very well). ``max_sheet_part`` bounds each worksheet XML,
    ``max_part`` every other part except pictures (``xl/media/``): openpyxl loads styles and shared
    strings whole, so a poorly compressible 45 MB styles part would cost seconds and hundreds of MB.
    A form downloaded from the system is a few hundred KB uncompressed."""

    max_bytes: int = 10 * MB
    max_uncompressed: int = 30 * MB
    max_ratio: int = 100
    ratio_floor: int = 1 * MB
    max_entries: int = 500
    max_sheet_part: int = 5 * MB
    max_part: int = 4 * MB


def default_limits() -> Limits:
    """``Limits`` with the ``BAOCAO_EXCEL_*`` settings applied when present."""
    try:
        from django.conf import settings

        get = lambda name, default: int(getattr(settings, name, default))  # noqa: E731
        base = Limits()
        return Limits(
            max_bytes=get("BAOCAO_EXCEL_MAX_BYTES", base.max_bytes),
            max_uncompressed=get("BAOCAO_EXCEL_MAX_UNCOMPRESSED", base.max_uncompressed),
            max_ratio=get("BAOCAO_EXCEL_MAX_RATIO", base.max_ratio),
            ratio_floor=base.ratio_floor,
            max_entries=get("BAOCAO_EXCEL_MAX_ENTRIES", base.max_entries),
        )
    except Exception:  # settings not configured: plain defaults
        return Limits()


# --- results --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CellProblem:
    """One problem with an upload. ``sheet``/``cell`` locate it ("Bieu_mau", "F12"); for a problem
    with the whole file the sheet is "" (size, not an .xlsx) or the cell is "" (a missing sheet).
    ``message`` is the Vietnamese reason; ``text`` adds the location and is what a page shows."""

    sheet: str
    cell: str
    code: str | None
    message: str

    @property
    def location(self) -> str:
        if not self.sheet:
            return "Tệp tải lên"
        if not self.cell:
            return f"Trang “{self.sheet}”"
        return f"{self.sheet}!{self.cell}"

    @property
    def text(self) -> str:
        if not self.sheet:
            return self.message  # whole-file messages already say "Tệp ..."
        where = self.location
        if self.code:
            where += f" (chỉ tiêu {self.code})"
        return f"{where}: {self.message}"

    def __str__(self) -> str:
        return self.text


@dataclass
class ParseResult:
    """``values``: the rows that hold something, keyed by (indicator code, disagg), only when they are
    clean. ``problems``: any of them means the upload must change nothing. ``warnings``: worth
    showing, do not block. ``metadata``: what the file says about itself (form, period, unit)."""

    values: dict[Key, CellValue] = field(default_factory=dict)
    problems: list[CellProblem] = field(default_factory=list)
    warnings: list[CellProblem] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, sheet: str, cell: str, code: str | None, message: str) -> None:
        self.problems.append(CellProblem(sheet, cell, code, message))


@dataclass(frozen=True)
class Change:
    """One difference between an upload and the stored values: ``old`` None = added, ``new`` None =
    cleared in the file (deleted if applied)."""

    code: str
    disagg: str
    old: CellValue | None
    new: CellValue | None

    @property
    def kind(self) -> str:
        if self.old is None:
            return "add"
        if self.new is None:
            return "delete"
        return "update"

    @property
    def kind_label(self) -> str:
        return {"add": "Thêm mới", "update": "Sửa", "delete": "Xóa"}[self.kind]


# --- adapters -------------------------------------------------------------------------------------


def item_from_indicator(indicator: Any, disagg: str = "", label: str | None = None) -> FormItem:
    """A ``FormItem`` from a ``catalog.Indicator`` (or anything with the same attributes)."""
    needs = getattr(indicator, "needs_fraction", None)
    if needs is None:
        needs = indicator.value_type == "fraction" or getattr(indicator, "agg_space", "") == "ratio_of_sums"
    return FormItem(
        code=indicator.code,
        disagg=disagg,
        label=label or indicator.name,
        unit=indicator.unit or "",
        value_type=indicator.value_type,
        decimals=indicator.decimals or 0,
        needs_parts=bool(needs),
        min_value=getattr(indicator, "min_value", None),
        max_value=getattr(indicator, "max_value", None),
    )


def cell_value_of(dv: Any) -> CellValue:
    """A ``CellValue`` from a ``datavalues.DataValue`` (value, numerator, denominator, comment, qualifier)."""
    return CellValue(dv.value, dv.numerator, dv.denominator, dv.comment or "", dv.qualifier)


# --- building -------------------------------------------------------------------------------------

_FONT = "Times New Roman"
_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_INPUT_FILL = PatternFill("solid", fgColor="FFF8DC")  # light yellow: the cells to fill
_HEADER_FILL = PatternFill("solid", fgColor="D9E2F3")
_NA_FILL = PatternFill("solid", fgColor="E7E6E6")  # grey: not applicable
_SECTION_FILL = PatternFill("solid", fgColor="F2F2F2")
_UNLOCKED = Protection(locked=False)
_WIDTHS = {"A": 6, "B": 24, "C": 52, "D": 12, "E": 15, "F": 17, "G": 14, "H": 14, "I": 34}
INSTRUCTION = (
    "Nhập số liệu vào các ô nền vàng (Giá trị, Tử số, Mẫu số, Ghi chú). Số viết kiểu Việt Nam: "
    "516.033 hoặc 16,2. Chỉ tiêu tỷ lệ (%) nhập số phần trăm: 16,2 nghĩa là 16,2%. "
    "Không đổi tên trang, không chèn, xóa hay sắp xếp lại dòng."
)


def number_format(item: FormItem) -> str:
    """Excel number format of the value cell: thousands grouped, the indicator's decimals.

    Format codes are locale-neutral in the file ("," groups, "." marks decimals); a Vietnamese Excel
    shows ``#,##0`` as 516.033 and ``#,##0.0`` as 16,2."""
    if item.value_type == "boolean":
        return "0"
    decimals = max(0, int(item.decimals or 0))
    return "#,##0" + ("." + "0" * decimals if decimals else "")


def _parts_format(item: FormItem) -> str:
    return "#,##0" if item.value_type in ("fraction", "percent", "count") else number_format(item)


def _cell_number(d: Decimal | int | float | None) -> int | Decimal | None:
    if d is None:
        return None
    d = Decimal(str(d))
    if d == d.to_integral_value():
        return int(d)
    return d.normalize()


def _safe(text: str | None) -> str | None:
    """Text without the control characters that openpyxl refuses to write (pasted from elsewhere)."""
    return ILLEGAL_CHARACTERS_RE.sub("", text) if text else text


def _fmt(d: Decimal | None) -> str:
    return format_number(d) if d is not None else ""


def _validation_for(item: FormItem) -> tuple[str, str, str | None, str | None, str]:
    """(type, operator, formula1, formula2, message) of the value cell's data validation."""
    lo = item.min_value
    hi = item.max_value
    if item.value_type in ("count", "money", "density", "fraction") and lo is None:
        lo = Decimal(0)
    if item.value_type == "boolean":
        return ("whole", "between", "0", "1", "Nhập 1 (có) hoặc 0 (không).")
    kind = "whole" if item.value_type == "count" else "decimal"
    what = "một số nguyên" if kind == "whole" else "một số"
    if lo is not None and hi is not None:
        return (kind, "between", str(lo), str(hi), f"Giá trị phải là {what} từ {_fmt(lo)} đến {_fmt(hi)}.")
    if lo is not None:
        return (
            kind,
            "greaterThanOrEqual",
            str(lo),
            None,
            f"Giá trị phải là {what} không nhỏ hơn {_fmt(lo)}.",
        )
    if hi is not None:
        return (kind, "lessThanOrEqual", str(hi), None, f"Giá trị phải là {what} không lớn hơn {_fmt(hi)}.")
    return (kind, "between", "-1E+15", "1E+15", f"Giá trị phải là {what}.")


def build_workbook(
    layout: FormLayout,
    values: Mapping[Key, CellValue],
    previous: Mapping[Key, CellValue] | None = None,
    *,
    password: str | None = None,
    generated_at: dt.datetime | None = None,
) -> bytes:
    """The form as .xlsx bytes: the data sheet ``Bieu_mau`` pre-filled with ``values`` (and last
    period's values from ``previous`` in "Kỳ trước"), protected except the input cells, with data
    validation, and the hidden metadata sheet ``_baocao``. ``password`` optionally protects the sheet
    structure against casual unprotecting (the parser never relies on protection)."""
    layout.check()
    previous = previous or {}
    wb = Workbook()
    ws = wb.active
    ws.title = DATA_SHEET
    base = Font(name=_FONT, size=12)
    bold = Font(name=_FONT, size=12, bold=True)
    italic = Font(name=_FONT, size=11, italic=True)

    for letter, width in _WIDTHS.items():
        ws.column_dimensions[letter].width = width

    # Header block, as printed in the statistical regime.
    ws["A1"] = f"Biểu số: {layout.symbol}"
    ws["A1"].font = bold
    ws.merge_cells("A1:C1")
    if layout.legal_basis:
        ws["A2"] = f"Ban hành kèm theo {layout.legal_basis}"
        ws["A2"].font = italic
        ws.merge_cells("A2:C2")
    if layout.deadline:
        ws["A3"] = f"Ngày nhận báo cáo: {layout.deadline:%d/%m/%Y}"
        ws["A3"].font = base
        ws.merge_cells("A3:C3")
    ws["F1"] = f"Đơn vị báo cáo: {layout.reporting_unit}"
    ws["F2"] = f"Đơn vị nhận báo cáo: {layout.receiving_unit}"
    for ref, rng in (("F1", "F1:I1"), ("F2", "F2:I2")):
        ws[ref].font = base
        ws[ref].alignment = Alignment(wrap_text=True, vertical="top")
        ws.merge_cells(rng)
    ws.row_dimensions[1].height = 32
    ws.row_dimensions[2].height = 32
    ws["A5"] = layout.title.upper()
    ws["A5"].font = Font(name=_FONT, size=14, bold=True)
    ws["A6"] = f"Kỳ báo cáo: {layout.period_label}"
    ws["A6"].font = bold
    ws["A7"] = INSTRUCTION
    ws["A7"].font = italic
    ws.row_dimensions[7].height = 32
    for ref in ("A5", "A6", "A7"):
        ws[ref].alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.merge_cells(f"{ref}:I{ref[1:]}")

    # Column headers and their numbering (A, B, C, D for labels, 1..5 for figures).
    numbering = ("A", "B", "C", "D", "1", "2", "3", "4", "5")
    for (letter, header), number in zip(COLUMNS, numbering, strict=True):
        h = ws[f"{letter}{HEADER_ROW}"]
        h.value = header
        h.font = bold
        h.fill = _HEADER_FILL
        h.border = _BORDER
        h.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        n = ws[f"{letter}{NUMBERING_ROW}"]
        n.value = number
        n.font = italic
        n.border = _BORDER
        n.alignment = Alignment(horizontal="center")
    ws.row_dimensions[HEADER_ROW].height = 30

    validations: dict[tuple[str, str, str | None, str | None, str], DataValidation] = {}
    parts_dv = DataValidation(
        type="decimal",
        operator="greaterThanOrEqual",
        formula1="0",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Số liệu không hợp lệ",
        error="Tử số, mẫu số phải là số không âm.",
    )
    plan = row_plan(layout)
    for p in plan:
        r = p.row
        cells = {letter: ws[f"{letter}{r}"] for letter, _ in COLUMNS}
        for c in cells.values():
            c.border = _BORDER
            c.font = base
            c.alignment = Alignment(vertical="top")
        cells[COL_STT].value = p.number
        cells[COL_STT].alignment = Alignment(horizontal="center", vertical="top")
        if p.item is None:
            cells[COL_LABEL].value = _safe(p.section.title)
            for c in cells.values():
                c.font = bold
                c.fill = _SECTION_FILL
            continue
        item = p.item
        cv = values.get(item.key)
        prev = previous.get(item.key)
        cells[COL_CODE].value = item.code_text
        cells[COL_LABEL].value = _safe(item.label)
        cells[COL_LABEL].alignment = Alignment(wrap_text=True, vertical="top")
        cells[COL_UNIT].value = _safe(item.unit)
        cells[COL_UNIT].alignment = Alignment(horizontal="center", vertical="top")
        cells[COL_PREVIOUS].value = _cell_number(prev.value) if prev else None
        cells[COL_PREVIOUS].number_format = number_format(item)
        v = cells[COL_VALUE]
        v.value = _cell_number(cv.value) if cv else None
        v.number_format = number_format(item)
        v.protection = _UNLOCKED
        v.fill = _INPUT_FILL
        key = _validation_for(item)
        if key not in validations:
            kind, op, f1, f2, message = key
            validations[key] = DataValidation(
                type=kind,
                operator=op,
                formula1=f1,
                formula2=f2,
                allow_blank=True,
                showErrorMessage=True,
                errorTitle="Số liệu không hợp lệ",
                error=message,
                showInputMessage=True,
                promptTitle="Giá trị",
                prompt=message,
            )
        validations[key].add(v.coordinate)
        for letter, part in ((COL_NUMERATOR, "numerator"), (COL_DENOMINATOR, "denominator")):
            c = cells[letter]
            if item.needs_parts:
                c.value = _cell_number(getattr(cv, part)) if cv else None
                c.number_format = _parts_format(item)
                c.protection = _UNLOCKED
                c.fill = _INPUT_FILL
                parts_dv.add(c.coordinate)
            else:
                c.fill = _NA_FILL
        com = cells[COL_COMMENT]
        com.value = _safe(cv.comment or None) if cv else None
        com.protection = _UNLOCKED
        com.fill = _INPUT_FILL
        com.alignment = Alignment(wrap_text=True, vertical="top")
    for dv in [*validations.values(), parts_dv]:
        if dv.sqref:
            ws.add_data_validation(dv)

    # Signature block below the table.
    last = plan[-1].row if plan else FIRST_DATA_ROW - 1
    r = last + 2
    ws[f"F{r}"] = "……, ngày … tháng … năm ……"
    ws[f"F{r}"].font = italic
    ws[f"C{r + 1}"] = "NGƯỜI LẬP BIỂU"
    ws[f"F{r + 1}"] = "THỦ TRƯỞNG ĐƠN VỊ"
    ws[f"C{r + 2}"] = "(Ký, ghi rõ họ tên)"
    ws[f"F{r + 2}"] = "(Ký, đóng dấu, ghi rõ họ tên)"
    for rr in (r, r + 1, r + 2):
        ws.merge_cells(f"F{rr}:I{rr}")
        for ref in (f"C{rr}", f"F{rr}"):
            ws[ref].alignment = Alignment(horizontal="center")
            if rr == r + 1:
                ws[ref].font = bold
            elif rr == r + 2:
                ws[ref].font = italic

    ws.freeze_panes = f"A{FIRST_DATA_ROW}"
    ws.print_title_rows = f"{HEADER_ROW}:{NUMBERING_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # False = allowed: widen columns
    ws.protection.formatRows = False
    if password:
        ws.protection.password = password

    meta = wb.create_sheet(META_SHEET)
    meta["A1"] = META_MARKER
    meta["B1"] = "Trang thông tin của hệ thống baocao, không sửa."
    for i, (k, val) in enumerate(metadata(layout, generated_at).items(), start=2):
        meta.cell(row=i, column=1, value=k)
        meta.cell(row=i, column=2, value=val)
    meta.sheet_state = "hidden"
    meta.protection.sheet = True
    if password:
        meta.protection.password = password
    wb.security = WorkbookProtection(lockStructure=True)
    if password:
        wb.security.workbookPassword = password
    wb.active = 0

    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --- reading: guards ------------------------------------------------------------------------------


def _mb(n: int) -> str:
    return format_number(Decimal(n) / MB, 1) + " MB"


def _read_limited(
    data: bytes | bytearray | memoryview | IO[bytes], limits: Limits, result: ParseResult
) -> bytes | None:
    """The upload's bytes, or None (with a problem) when it is larger than ``limits.max_bytes``.

    A file object is never read past ``max_bytes + 1``; a declared ``size`` (Django's UploadedFile)
    is checked before reading at all."""
    too_big = f"Tệp quá lớn ({{size}}); giới hạn là {_mb(limits.max_bytes)}. Biểu mẫu tải về chỉ vài chục KB: hãy tải lại biểu, không chèn ảnh hay trang khác."
    if isinstance(data, (bytes, bytearray, memoryview)):
        raw = bytes(data)
        if len(raw) > limits.max_bytes:
            result.add("", "", None, too_big.format(size=_mb(len(raw))))
            return None
        return raw
    size = getattr(data, "size", None)
    if isinstance(size, int) and size > limits.max_bytes:
        result.add("", "", None, too_big.format(size=_mb(size)))
        return None
    if hasattr(data, "seek"):
        try:
            data.seek(0)
        except (OSError, ValueError):
            pass
    raw = data.read(limits.max_bytes + 1)
    if len(raw) > limits.max_bytes:
        result.add("", "", None, too_big.format(size=f"trên {_mb(limits.max_bytes)}"))
        return None
    return raw


_NOT_XLSX = "Tệp không phải là tệp Excel .xlsx"


def _check_container(raw: bytes, limits: Limits, result: ParseResult) -> bool:
    """Signature and zip directory checks; True when openpyxl may open the file."""
    if not raw:
        result.add("", "", None, "Tệp trống.")
        return False
    if raw.startswith(b"\xd0\xcf\x11\xe0"):
        result.add(
            "",
            "",
            None,
            f"{_NOT_XLSX}: đây là định dạng Excel 97-2003 (.xls) hoặc tệp Excel có đặt mật "
            "khẩu mở. Hãy mở bằng Excel, bỏ mật khẩu và lưu lại dạng .xlsx.",
        )
        return False
    if not raw.startswith(b"PK"):
        head = raw[:2048]
        textual = all(b >= 9 for b in head[:512]) if head else False
        hint = " (có vẻ là tệp văn bản hoặc CSV đổi đuôi thành .xlsx)" if textual else ""
        result.add(
            "", "", None, f"{_NOT_XLSX}{hint}. Hãy tải biểu mẫu Excel từ hệ thống, điền và tải lên lại."
        )
        return False
    try:
        zf = zipfile.ZipFile(io.BytesIO(raw))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError):
        result.add("", "", None, f"{_NOT_XLSX} hoặc tệp đã bị hỏng (không đọc được cấu trúc nén).")
        return False
    if len(infos) > limits.max_entries:
        result.add(
            "",
            "",
            None,
            f"Tệp chứa quá nhiều thành phần ({len(infos)}; tối đa {limits.max_entries}); "
            "không phải biểu mẫu của hệ thống.",
        )
        return False
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > limits.ratio_floor:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > limits.max_ratio:
                result.add(
                    "",
                    "",
                    None,
                    f"Tệp bị từ chối vì có dấu hiệu “bom nén” (zip bomb): thành phần "
                    f"{info.filename} nén {format_number(Decimal(ratio), 0)} lần "
                    f"({_mb(info.compress_size)} → {_mb(info.file_size)}).",
                )
                return False
        name = info.filename
        if not name.startswith("xl/media/"):
            cap = limits.max_sheet_part if name.startswith("xl/worksheets/") else limits.max_part
            if info.file_size > cap:
                result.add(
                    "",
                    "",
                    None,
                    f"Tệp bị từ chối: thành phần {name} khi giải nén quá lớn ({_mb(info.file_size)}; "
                    f"tối đa {_mb(cap)}). Biểu mẫu của hệ thống chỉ vài trăm KB; hãy tải lại biểu mẫu.",
                )
                return False
    if total > limits.max_uncompressed:
        result.add(
            "",
            "",
            None,
            f"Tệp bị từ chối: khi giải nén lên tới {_mb(total)} (giới hạn "
            f"{_mb(limits.max_uncompressed)}); có dấu hiệu “bom nén” (zip bomb).",
        )
        return False
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names:
        if "word/document.xml" in names:
            kind = "tệp Word (.docx)"
        elif any(n.startswith("ppt/") for n in names):
            kind = "tệp PowerPoint (.pptx)"
        elif "content.xml" in names or "mimetype" in names:
            kind = "tệp OpenDocument (.ods/.odt); hãy lưu lại dạng .xlsx"
        else:
            kind = "tệp nén .zip"
        result.add("", "", None, f"{_NOT_XLSX}: đây là {kind}.")
        return False
    return _check_xml_parts(zf, infos, result)


_DTD_MARKERS = tuple(
    marker.encode(encoding)
    for marker in ("<!DOCTYPE", "<!ENTITY")
    for encoding in ("ascii", "utf-16-le", "utf-16-be")
)


def _check_xml_parts(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], result: ParseResult) -> bool:
    """Inflate every XML part (bounded by the sizes checked above) and refuse DTDs and entity
    declarations, which Office never writes (entity expansion, "billion laughs"); damaged parts
    (bad CRC, unsupported compression, encryption) are found here too."""
    keep = max(len(m) for m in _DTD_MARKERS) - 1
    for info in infos:
        if not info.filename.lower().endswith((".xml", ".rels", ".vml")):
            continue
        try:
            with zf.open(info) as stream:
                tail = b""
                while chunk := stream.read(256 * 1024):
                    window = tail + chunk
                    if any(m in window for m in _DTD_MARKERS):
                        result.add(
                            "",
                            "",
                            None,
                            f"Tệp bị từ chối: thành phần {info.filename} chứa khai báo DTD/thực thể XML, "
                            "điều mà Excel không bao giờ tạo ra (có thể là tệp độc hại).",
                        )
                        return False
                    tail = window[-keep:]
        except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, OSError, EOFError):
            result.add("", "", None, f"Tệp Excel bị hỏng (thành phần {info.filename} không giải nén được).")
            return False
    return True


# --- reading: cells -------------------------------------------------------------------------------

_BOOLEAN_WORDS = {"có": 1, "không": 0, "co": 1, "khong": 0}
_QUOTED = re.compile(r'"[^"]*"|\\.')
_BAD = object()


def _is_percent_format(fmt: str | None) -> bool:
    """True when an Excel number format scales by 100 (an unquoted %: "0.0%")."""
    return bool(fmt) and "%" in _QUOTED.sub("", fmt)


@dataclass
class _Row:
    problems: list[CellProblem]
    sheet: str
    row: int
    code: str

    def add(self, column: str, message: str) -> None:
        self.problems.append(CellProblem(self.sheet, f"{column}{self.row}", self.code, message))


def _number(cell: Any, column: str, item: FormItem, row: _Row) -> Any:
    """The cell's number as Decimal, None when empty, ``_BAD`` after recording a problem."""
    v = cell.value if cell is not None else None
    if v is None:
        return None
    if isinstance(v, bool):
        if item.value_type == "boolean" and column == COL_VALUE:
            return Decimal(int(v))
        row.add(column, f"Ô chứa giá trị đúng/sai ({'TRUE' if v else 'FALSE'}), không phải số.")
        return _BAD
    if isinstance(v, (int, float, Decimal)):
        if isinstance(v, float) and not math.isfinite(v):
            row.add(column, "Ô chứa giá trị lỗi, không phải số.")
            return _BAD
        # Excel keeps 15 significant digits: 96.24999999999999 from a formula is 96,25
        d = Decimal(format(v, ".15g")) if isinstance(v, float) else Decimal(v)
        if (
            column == COL_VALUE
            and item.value_type == "percent"
            and _is_percent_format(getattr(cell, "number_format", None))
        ):
            d = (d * _HUNDRED).normalize()  # typed as 16,2% in a percent-formatted cell: Excel stores 0.162
        return d
    if isinstance(v, (dt.datetime, dt.date, dt.time)):
        shown = v.strftime("%d/%m/%Y") if isinstance(v, dt.date) else str(v)
        row.add(
            column,
            f"Ô chứa ngày tháng ({shown}), không phải số. Có thể Excel đã tự đổi số vừa gõ thành "
            "ngày; hãy định dạng ô là số và nhập lại (ví dụ 16,2).",
        )
        return _BAD
    if isinstance(v, str):
        s = v.strip()
        if not s:
            return None
        if s.startswith("#"):
            row.add(column, f"Ô chứa lỗi Excel {s}, không phải số.")
            return _BAD
        if item.value_type == "boolean" and column == COL_VALUE and s.lower() in _BOOLEAN_WORDS:
            return Decimal(_BOOLEAN_WORDS[s.lower()])
        if s.endswith("%") and not (item.value_type == "percent" and column == COL_VALUE):
            row.add(column, f"“{s}”: dấu % chỉ dùng ở cột Giá trị của chỉ tiêu tỷ lệ phần trăm.")
            return _BAD
        try:
            return parse_number(s)
        except NumberFormatError:
            row.add(
                column,
                f"“{s}” không phải là số viết theo kiểu Việt Nam (dấu chấm ngăn cách hàng nghìn, "
                "dấu phẩy thập phân, ví dụ 516.033 hoặc 16,2).",
            )
            return _BAD
    row.add(column, f"Ô chứa dữ liệu không phải số ({type(v).__name__}).")
    return _BAD


def _text(cell: Any) -> str:
    v = cell.value if cell is not None else None
    if v is None:
        return ""
    if isinstance(v, float) and v == int(v):
        v = int(v)
    if isinstance(v, (dt.datetime, dt.date)):
        return v.strftime("%d/%m/%Y")
    return str(v).strip()


def _check_item(item: FormItem, cells: tuple[Any, ...], row: _Row) -> CellValue | None:
    """Parse and check one item row; returns its CellValue, or None (empty row or problems)."""
    before = len(row.problems)
    get = lambda letter: cells[_COL_INDEX[letter]] if _COL_INDEX[letter] < len(cells) else None  # noqa: E731
    v = _number(get(COL_VALUE), COL_VALUE, item, row)
    num = _number(get(COL_NUMERATOR), COL_NUMERATOR, item, row)
    den = _number(get(COL_DENOMINATOR), COL_DENOMINATOR, item, row)
    comment = _text(get(COL_COMMENT))
    if len(row.problems) > before:
        return None
    if not item.needs_parts:
        for letter, d in ((COL_NUMERATOR, num), (COL_DENOMINATOR, den)):
            if d is not None:
                row.add(letter, "Chỉ tiêu này không có tử số/mẫu số; hãy để trống ô này.")
        if len(row.problems) > before:
            return None
    if v is None and num is None and den is None:
        if comment:
            row.add(COL_VALUE, "Có ghi chú nhưng chưa nhập giá trị; hãy nhập giá trị hoặc xóa ghi chú.")
        return None
    n, d_ = f"{COL_NUMERATOR}{row.row}", f"{COL_DENOMINATOR}{row.row}"
    vt = item.value_type
    # parts first: a missing value is derived from them
    if num is not None or den is not None or vt == "fraction":
        if den is None:
            row.add(
                COL_DENOMINATOR,
                "Thiếu mẫu số."
                if num is not None or vt != "fraction"
                else "Chỉ tiêu dạng tử số/mẫu số: thiếu mẫu số.",
            )
        elif den <= 0:
            row.add(COL_DENOMINATOR, f"Mẫu số phải lớn hơn 0 (nhận {_fmt(den)}).")
        if num is None and vt != "fraction":
            row.add(COL_NUMERATOR, "Có mẫu số nhưng thiếu tử số.")
        elif num is not None and num < 0:
            row.add(COL_NUMERATOR, f"Tử số không được âm (nhận {_fmt(num)}).")
        if num is not None and den is not None and den > 0 and vt in ("fraction", "percent") and num > den:
            row.add(COL_NUMERATOR, f"Tử số ({_fmt(num)}) lớn hơn mẫu số ở ô {d_} ({_fmt(den)}).")
    if len(row.problems) > before:
        return None
    if v is None:
        if vt == "fraction":
            v = num
        elif vt == "percent" and num is not None and den:
            v = (num * _HUNDRED / den).quantize(Decimal(1).scaleb(-max(0, item.decimals)))
        else:
            row.add(COL_VALUE, "Có tử số/mẫu số nhưng thiếu giá trị.")
            return None
    if vt == "fraction" and num is None:
        num = v  # "158/199": the value is the numerator
        if den is not None and num > den:
            row.add(COL_VALUE, f"Giá trị (tử số) {_fmt(num)} lớn hơn mẫu số ở ô {d_} ({_fmt(den)}).")
            return None
    # the value itself
    if vt == "count":
        if v != v.to_integral_value():
            row.add(COL_VALUE, f"Chỉ tiêu số lượng phải là số nguyên (nhận {_fmt(v)}).")
        elif v < 0:
            row.add(COL_VALUE, f"Chỉ tiêu số lượng không được âm (nhận {_fmt(v)}).")
    elif vt == "boolean":
        if v not in (0, 1):
            row.add(COL_VALUE, f"Chỉ tiêu có/không: nhập 1 (có) hoặc 0 (không) (nhận {_fmt(v)}).")
    elif vt in ("money", "density", "fraction") and item.min_value is None and v < 0:
        row.add(COL_VALUE, f"Giá trị không được âm (nhận {_fmt(v)}).")
    if len(row.problems) == before:
        if item.min_value is not None and v < item.min_value:
            row.add(COL_VALUE, f"Giá trị {_fmt(v)} nhỏ hơn mức tối thiểu {_fmt(item.min_value)}.")
        if item.max_value is not None and v > item.max_value:
            row.add(COL_VALUE, f"Giá trị {_fmt(v)} lớn hơn mức tối đa {_fmt(item.max_value)}.")
    if len(row.problems) > before:
        return None
    if vt == "fraction" and v != num:
        row.add(
            COL_VALUE,
            f"Giá trị ({_fmt(v)}) phải bằng tử số ở ô {n} ({_fmt(num)}) với chỉ tiêu dạng tử số/mẫu số.",
        )
        return None
    if vt == "percent" and num is not None and den:
        expected = num * _HUNDRED / den
        if abs(v - expected) > Decimal("0.5"):
            hint = ""
            if abs(v * _HUNDRED - expected) <= Decimal("0.5"):
                hint = (
                    f" Có vẻ tỷ lệ được nhập dạng thập phân ({_fmt(v)}); hãy nhập số phần trăm "
                    f"({format_number(expected, max(1, item.decimals))})."
                )
            row.add(
                COL_VALUE,
                f"Tỷ lệ {_fmt(v)}% không khớp với tử số/mẫu số {_fmt(num)}/{_fmt(den)} "
                f"(= {format_number(expected, max(1, item.decimals))}%).{hint}",
            )
            return None
    return CellValue(v, num, den, comment)


def _gate(item: FormItem, cv: CellValue, row: _Row) -> None:
    """The datavalues rules (``clean_numbers``) must accept what the parser accepted."""
    try:
        from baocao.datavalues.services import DataValueError, IndicatorInfo, clean_numbers
    except Exception:  # pragma: no cover - outside Django
        return
    info = IndicatorInfo(
        0,
        item.code,
        item.value_type,
        item.decimals or 0,
        item.min_value,
        item.max_value,
        None,
        None,
        frozenset({item.disagg} if item.disagg else ()),
    )
    try:
        clean_numbers(info, cv.value, cv.numerator, cv.denominator)
    except DataValueError as exc:
        column = {"numerator": COL_NUMERATOR, "denominator": COL_DENOMINATOR}.get(exc.field, COL_VALUE)
        row.add(column, exc.message)


# --- reading: the workbook ------------------------------------------------------------------------


def _check_metadata(wb: Any, layout: FormLayout, result: ParseResult) -> bool:
    if META_SHEET not in wb.sheetnames:
        result.add(
            META_SHEET,
            "",
            None,
            "Tệp không phải là biểu mẫu tải về từ hệ thống (thiếu trang thông tin ẩn "
            f"“{META_SHEET}”). Hãy tải biểu mẫu Excel của kỳ này từ hệ thống, điền số liệu và tải lên lại.",
        )
        return False
    ws = wb[META_SHEET]
    found: dict[str, tuple[str, str]] = {}
    marker = None
    for r, row in enumerate(ws.iter_rows(min_row=1, max_row=40, max_col=2, values_only=True), start=1):
        if r == 1:
            marker = row[0] if row else None
            continue
        if row and row[0] is not None:
            found[str(row[0]).strip()] = (
                "" if len(row) < 2 or row[1] is None else str(row[1]).strip(),
                f"B{r}",
            )
    if marker != META_MARKER:
        result.add(
            META_SHEET,
            "A1",
            None,
            "Trang thông tin của biểu đã bị sửa; tệp không được nhận. Hãy tải lại biểu mẫu.",
        )
        return False
    result.metadata = {k: v for k, (v, _) in found.items()}
    expected = metadata(layout)

    def got(key: str) -> tuple[str, str]:
        return found.get(key, ("", "A1"))

    ok = True
    fmt, cell = got("format")
    if fmt != FORMAT_VERSION:
        result.add(
            META_SHEET,
            cell,
            None,
            f"Tệp được tạo theo mẫu Excel cũ (định dạng {fmt or '?'}); hãy tải biểu mẫu mới.",
        )
        return False
    code, cell = got("form_code")
    if code != layout.code:
        result.add(
            META_SHEET,
            cell,
            None,
            f"Tệp là biểu “{code}”, không phải biểu “{layout.code}” ({layout.symbol}) đang tải lên.",
        )
        return False
    version, cell = got("form_version")
    if version != expected["form_version"]:
        result.add(
            META_SHEET,
            cell,
            None,
            f"Tệp được tải theo phiên bản {version} của biểu {layout.symbol}; phiên bản "
            f"áp dụng cho kỳ này là {expected['form_version']}. Hãy tải biểu mẫu mới và nhập lại.",
        )
        ok = False
    period, cell = got("period_code")
    if period != layout.period_code:
        label = got("period_label")[0] or period
        result.add(
            META_SHEET,
            cell,
            None,
            f"Tệp là số liệu kỳ {label} ({period}), không phải kỳ {layout.period_label} "
            f"({layout.period_code}) đang tải lên.",
        )
        ok = False
    unit_code, cell_code = got("unit_code")
    unit_name, cell_name = got("unit_name")
    if layout.unit_code and unit_code != layout.unit_code:
        result.add(
            META_SHEET,
            cell_code,
            None,
            f"Tệp là báo cáo của {unit_name or unit_code}, không phải của {layout.reporting_unit}.",
        )
        ok = False
    elif not layout.unit_code and unit_name != layout.reporting_unit:
        result.add(
            META_SHEET,
            cell_name,
            None,
            f"Tệp là báo cáo của {unit_name or '?'}, không phải của {layout.reporting_unit}.",
        )
        ok = False
    checksum, cell = got("layout_checksum")
    if ok and checksum != layout_checksum(layout):
        result.add(
            META_SHEET,
            cell,
            None,
            "Cấu trúc biểu trong tệp khác với biểu hiện hành (mã kiểm tra không khớp); "
            "hãy tải biểu mẫu mới và nhập lại.",
        )
        ok = False
    return ok


def _check_data_sheet(wb: Any, layout: FormLayout, result: ParseResult) -> None:
    if DATA_SHEET not in wb.sheetnames:
        others = [n for n in wb.sheetnames if n != META_SHEET]
        if len(others) == 1:
            result.add(
                others[0],
                "",
                None,
                f"Không tìm thấy trang “{DATA_SHEET}”: trang số liệu đã bị đổi tên thành "
                f"“{others[0]}”. Hãy đổi lại tên trang thành “{DATA_SHEET}” rồi tải lên.",
            )
        else:
            listed = ", ".join(f"“{n}”" for n in others) or "không có"
            result.add(
                DATA_SHEET,
                "",
                None,
                f"Không tìm thấy trang “{DATA_SHEET}” (các trang trong tệp: {listed}). "
                f"Không đổi tên trang số liệu.",
            )
        return
    ws = wb[DATA_SHEET]
    plan = row_plan(layout)
    if not plan:
        return
    first, last = plan[0].row, plan[-1].row
    rows: dict[int, tuple[Any, ...]] = {}
    for r, cells in enumerate(
        ws.iter_rows(min_row=first, max_row=last + EXTRA_ROWS, max_col=_LAST_COL), start=first
    ):
        rows[r] = tuple(cells)
    code_i = _COL_INDEX[COL_CODE]
    where: dict[str, int] = {}
    for r, cells in rows.items():
        t = _text(cells[code_i]) if len(cells) > code_i else ""
        if t:
            where.setdefault(t, r)
    planned = {p.row: p for p in plan}
    for p in plan:
        cells = rows.get(p.row, ())
        if p.item is None:
            continue
        item = p.item
        row = _Row(result.problems, DATA_SHEET, p.row, item.code)
        seen = _text(cells[code_i]) if len(cells) > code_i else ""
        if seen != item.code_text:
            elsewhere = where.get(item.code_text)
            if elsewhere is not None:
                row.add(
                    COL_CODE,
                    f"Dòng của chỉ tiêu {item.code_text} đã bị di chuyển: phải ở dòng {p.row}, nay ở dòng "
                    f"{elsewhere}. Không chèn, xóa hay sắp xếp lại dòng trong biểu.",
                )
            elif seen:
                row.add(
                    COL_CODE, f"Mã chỉ tiêu đã bị sửa: phải là “{item.code_text}”, trong tệp là “{seen}”."
                )
            else:
                row.add(COL_CODE, f"Thiếu mã chỉ tiêu “{item.code_text}” (dòng bị xóa hoặc di chuyển).")
            continue
        cv = _check_item(item, cells, row)
        if cv is None:
            continue
        before = len(result.problems)
        _gate(item, cv, row)
        if len(result.problems) > before:
            continue
        if (
            item.value_type == "percent"
            and cv.value is not None
            and 0 < cv.value < 1
            and cv.numerator is None
        ):
            result.warnings.append(
                CellProblem(
                    DATA_SHEET,
                    f"{COL_VALUE}{p.row}",
                    item.code,
                    f"Tỷ lệ {_fmt(cv.value)}% rất nhỏ; nếu ý là {_fmt(cv.value * _HUNDRED)}% "
                    f"hãy nhập {_fmt(cv.value * _HUNDRED)}.",
                )
            )
        result.values[item.key] = cv
    # Rows below the table (or inserted into it) that carry an indicator code: moved or added rows.
    known = {p.item.code_text for p in plan if p.item}
    for r, cells in rows.items():
        if r in planned:
            continue
        t = _text(cells[code_i]) if len(cells) > code_i else ""
        if t and t not in known:
            result.add(
                DATA_SHEET,
                f"{COL_CODE}{r}",
                None,
                f"Dòng thêm ngoài biểu (mã “{t}”); số liệu ở dòng này "
                "không được nhận. Chỉ nhập vào các dòng có sẵn.",
            )


def parse_workbook(
    data: bytes | bytearray | memoryview | IO[bytes],
    layout: FormLayout,
    *,
    limits: Limits | None = None,
) -> ParseResult:
    """Read an uploaded form. Never raises on bad input: every problem is in ``result.problems``
    (sheet, cell, indicator, Vietnamese message); ``result.values`` holds the clean, non-empty rows.
    The caller applies ``values`` only when ``result.ok``."""
    limits = limits or default_limits()
    result = ParseResult()
    raw = _read_limited(data, limits, result)
    if raw is None or not _check_container(raw, limits, result):
        return result
    try:
        wb = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception:  # corrupt XML, missing parts, unsupported features: openpyxl raises many types
        result.add(
            "",
            "",
            None,
            "Tệp Excel bị hỏng hoặc không đọc được. Hãy mở tệp bằng Excel, lưu lại dạng .xlsx rồi tải lên.",
        )
        return result
    try:
        if _check_metadata(wb, layout, result):
            _check_data_sheet(wb, layout, result)
    except Exception:  # a sheet XML that breaks half-way through
        result.add(
            "",
            "",
            None,
            "Tệp Excel bị hỏng hoặc không đọc được. Hãy mở tệp bằng Excel, lưu lại dạng .xlsx rồi tải lên.",
        )
    finally:
        wb.close()
    if result.problems:
        result.values = {}
    return result


def inspect_workbook(
    data: bytes | bytearray | memoryview | IO[bytes], *, limits: Limits | None = None
) -> ParseResult:
    """Which form, version, period and unit an upload says it is for, without a layout: the upload
    guards run as in ``parse_workbook``; ``metadata`` is filled when the file is a form of this system.
    For support staff and ``baocao excel_info``."""
    limits = limits or default_limits()
    result = ParseResult()
    raw = _read_limited(data, limits, result)
    if raw is None or not _check_container(raw, limits, result):
        return result
    try:
        wb = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception:
        result.add("", "", None, "Tệp Excel bị hỏng hoặc không đọc được.")
        return result
    try:
        if META_SHEET not in wb.sheetnames:
            result.add(
                META_SHEET,
                "",
                None,
                "Tệp không phải là biểu mẫu tải về từ hệ thống (thiếu trang thông tin ẩn).",
            )
        else:
            rows = list(wb[META_SHEET].iter_rows(min_row=1, max_row=40, max_col=2, values_only=True))
            if not rows or not rows[0] or rows[0][0] != META_MARKER:
                result.add(META_SHEET, "A1", None, "Trang thông tin của biểu đã bị sửa.")
            else:
                result.metadata = {
                    str(r[0]).strip(): ("" if len(r) < 2 or r[1] is None else str(r[1]).strip())
                    for r in rows[1:]
                    if r and r[0] is not None
                }
        if DATA_SHEET not in wb.sheetnames:
            result.add(
                DATA_SHEET,
                "",
                None,
                f"Không tìm thấy trang “{DATA_SHEET}” (các trang: {', '.join(wb.sheetnames)}).",
            )
    except Exception:
        result.add("", "", None, "Tệp Excel bị hỏng hoặc không đọc được.")
    finally:
        wb.close()
    return result


# --- dry run --------------------------------------------------------------------------------------


def _same_number(a: Decimal | None, b: Decimal | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    try:
        return Decimal(a) == Decimal(b)
    except (InvalidOperation, TypeError, ValueError):
        return False


def same_cell(old: CellValue, new: CellValue) -> bool:
    """True when applying ``new`` over ``old`` changes nothing (a parsed qualifier None = unchanged)."""
    return (
        _same_number(old.value, new.value)
        and _same_number(old.numerator, new.numerator)
        and _same_number(old.denominator, new.denominator)
        and (old.comment or "").strip() == (new.comment or "").strip()
        and (new.qualifier is None or new.qualifier == old.qualifier)
    )


def diff(
    parsed: Mapping[Key, CellValue],
    current: Mapping[Key, CellValue],
    *,
    deletions: bool = True,
    keys: Iterable[Key] | None = None,
) -> list[Change]:
    """What applying ``parsed`` (an upload's values) over ``current`` (the stored values of the same
    form, unit and period) would change: additions and updates in ``parsed`` order, then (when
    ``deletions``) the stored rows that the file leaves empty. ``keys`` restricts deletions to the
    form's rows (pass the layout's item keys when ``current`` may hold other indicators)."""
    changes: list[Change] = []
    for key, new in parsed.items():
        old = current.get(key)
        if old is None or not same_cell(old, new):
            changes.append(Change(key[0], key[1], old, new))
    if deletions:
        allowed = set(keys) if keys is not None else None
        for key, old in current.items():
            if key not in parsed and (allowed is None or key in allowed):
                changes.append(Change(key[0], key[1], old, None))
    return changes


def dry_run(
    data: bytes | bytearray | memoryview | IO[bytes],
    layout: FormLayout,
    current: Mapping[Key, CellValue],
    *,
    limits: Limits | None = None,
) -> tuple[ParseResult, list[Change]]:
    """Parse an upload and say what it would change (no changes when it has problems)."""
    result = parse_workbook(data, layout, limits=limits)
    if not result.ok:
        return result, []
    return result, diff(result.values, current, keys=layout_keys(layout))


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook_filename(layout: FormLayout) -> str:
    """An ASCII file name for the download: ``<form>_<period>_<unit>.xlsx``."""
    from baocao.core.text import fold

    parts = [layout.code, layout.period_code, layout.unit_code or fold(layout.reporting_unit)]
    safe = [re.sub(r"[^A-Za-z0-9_]+", "-", p).strip("-") for p in parts if p]
    return "_".join(p for p in safe if p) + ".xlsx"


def layout_keys(layout: FormLayout) -> list[Key]:
    """The (code, disagg) of every item, in form order."""
    return [item.key for item in layout.items()]


__all__ = [
    "CellProblem",
    "CellValue",
    "Change",
    "FormItem",
    "FormLayout",
    "Limits",
    "ParseResult",
    "PlanRow",
    "build_workbook",
    "cell_value_of",
    "default_limits",
    "diff",
    "dry_run",
    "inspect_workbook",
    "item_from_indicator",
    "layout_keys",
    "number_format",
    "parse_workbook",
    "same_cell",
    "workbook_filename",
    "XLSX_CONTENT_TYPE",
]
