"""Lay the pack out as a .docx per Decree 30/2020 (thể thức văn bản hành chính).

A4 portrait; margins top/bottom 20 mm, left 30 mm, right 15 mm; Times New Roman; national title bold
upper case 13 pt, motto bold 14 pt with a line under it; issuing body bold upper case; number and
symbol; place and date in italics; document type "BÁO CÁO" and its summary bold and centred; body 14 pt
justified with a first-line indent; "Nơi nhận:" bold italic 12 pt with its list in 11 pt; the signer's
authority and title bold upper case; page numbers centred in the top margin, not on the first page.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

from baocao.core.numbers import format_number, format_percent

from . import services as s

FONT = "Times New Roman"
BODY_PT = 14
PAGE_W, PAGE_H = Mm(210), Mm(297)
MARGINS = {"top": Mm(20), "bottom": Mm(20), "left": Mm(30), "right": Mm(15)}
CONTENT_W = Mm(210 - 30 - 15)

# Section headings, in order (tests and readers rely on them).
SECTIONS = (
    "I. MỘT SỐ CHỈ TIÊU CHỦ YẾU TOÀN QUỐC",
    "II. CÁC TỈNH, THÀNH PHỐ DẪN ĐẦU VÀ CÒN THẤP",
    "III. TÌNH HÌNH GỬI BÁO CÁO CỦA CÁC ĐỊA PHƯƠNG",
    "IV. TIẾP NHẬN, TRẢ LỜI KIẾN NGHỊ",
    "V. NHIỆM VỤ QUÁ HẠN THEO ĐƠN VỊ",
    "VI. ĐỀ XUẤT",
)
NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"


def vn_date_line(place: str, day: dt.date) -> str:
    """"Hà Nội, ngày 05 tháng 02 năm 2025": days 01–09 and months 01–02 zero-padded (Decree 30)."""
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def symbol_of(issuer: Any, doc_type: str) -> str:
    """``BC-BKHCN`` from the ministry's uid ``BO-KHCN`` (``BC-BTTTT`` for ``BO-TTTT``)."""
    if issuer is None:
        return doc_type
    code = issuer.uid.replace("BO-", "B", 1).replace("-", "")
    return f"{doc_type}-{code}"


def period_phrase(period: Any) -> str:
    label = period.label_vi
    return label[0].lower() + label[1:]


def _font(run: Any, size: float | None = None, bold: bool | None = None, italic: bool | None = None) -> Any:
    run.font.name = FONT
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), FONT)
    if size is not None:
        run.font.size = Pt(size)
    if bold is not None:
        run.bold = bold
    if italic is not None:
        run.italic = italic
    return run


def _para(container: Any, text: str = "", *, size: float = BODY_PT, bold: bool = False, italic: bool = False,
          align: Any = WD_ALIGN_PARAGRAPH.JUSTIFY, indent: bool = False, after: float = 6, before: float = 0) -> Any:
    p = container.add_paragraph()
    p.alignment = align
    fmt = p.paragraph_format
    fmt.space_after = Pt(after)
    fmt.space_before = Pt(before)
    fmt.line_spacing = 1.15
    if indent:
        fmt.first_line_indent = Cm(1.0)
    if text:
        _font(p.add_run(text), size, bold, italic)
    elif size < 6:  # a spacer carrying a rule: as thin as its font
        fmt.line_spacing = Pt(size)
    return p


def _cell_para(cell: Any, text: str, **kw: Any) -> Any:
    """Write into a table cell, reusing its empty first paragraph."""
    kw.setdefault("align", WD_ALIGN_PARAGRAPH.CENTER)
    kw.setdefault("after", 0)
    first = cell.paragraphs[0]
    if not first.text and len(cell.paragraphs) == 1 and not getattr(cell, "_used", False):
        cell._used = True
        p = first
        p.alignment = kw["align"]
        p.paragraph_format.space_after = Pt(kw["after"])
        p.paragraph_format.space_before = Pt(kw.get("before", 0))
        if text:
            _font(p.add_run(text), kw.get("size", BODY_PT), kw.get("bold", False), kw.get("italic", False))
        return p
    return _para(cell, text, **kw)


def _rule_under(p: Any, indent_cm: float) -> None:
    """A solid line under a paragraph, shortened by ``indent_cm`` on each side (the line under the motto)."""
    ppr = p._p.get_or_add_pPr()
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for k, v in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(k), v)
    border.append(bottom)
    ppr.append(border)
    p.paragraph_format.left_indent = Cm(indent_cm)
    p.paragraph_format.right_indent = Cm(indent_cm)


def _page_number_header(section: Any) -> None:
    section.different_first_page_header_footer = True
    p = section.header.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = _font(p.add_run(), 13)
    for tag, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if tag:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), tag)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._r.append(el)


def _setup(doc: Any) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = PAGE_W, PAGE_H
    section.top_margin, section.bottom_margin = MARGINS["top"], MARGINS["bottom"]
    section.left_margin, section.right_margin = MARGINS["left"], MARGINS["right"]
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_PT)
    rpr = normal.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), FONT)
    _page_number_header(section)


def _widths(table: Any, widths_cm: list[float]) -> None:
    """Column widths that both Word and LibreOffice honour (grid columns and every cell)."""
    table.autofit = False
    for col, w in zip(table.columns, widths_cm, strict=True):
        col.width = Cm(w)
        for cell in col.cells:
            cell.width = Cm(w)


def _no_borders(table: Any) -> None:
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    tbl_pr.append(borders)


def _heading_block(doc: Any, data: s.PackData) -> None:
    """Cells 1–4 of Decree 30: issuing body and number (left), national title, motto, place and date (right)."""
    t = doc.add_table(rows=1, cols=2)
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False
    _no_borders(t)
    _widths(t, [6.0, 10.5])
    left, right = t.rows[0].cells
    issuer = data.issuer.name.upper() if data.issuer else "BỘ"
    _cell_para(left, issuer, size=13, bold=True)
    _rule_under(_cell_para(left, "", size=2), 2.0)
    _cell_para(left, f"Số:        /{symbol_of(data.issuer, data.profile.symbol_type)}", size=13, before=6)
    _cell_para(right, NATIONAL_TITLE, size=13, bold=True)
    _cell_para(right, MOTTO, size=14, bold=True)
    _rule_under(_cell_para(right, "", size=2), 2.4)
    _cell_para(right, vn_date_line(data.profile.place, data.issued_on), size=14, italic=True, before=6)


def _title(doc: Any, data: s.PackData) -> None:
    _para(doc, "BÁO CÁO", size=14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, before=18, after=0)
    _para(
        doc,
        f"Tình hình quản lý nhà nước ngành thông tin và truyền thông {period_phrase(data.period)}",
        size=14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=2,
    )
    _rule_under(_para(doc, "", size=2, align=WD_ALIGN_PARAGRAPH.CENTER, after=12), 6.0)


def _grid(doc: Any, header: list[str], rows: list[list[str]], widths: list[float]) -> Any:
    t = doc.add_table(rows=1, cols=len(header))
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(t.rows[0].cells, header, strict=True):
        _cell_para(cell, text, size=11, bold=True)
    for row in rows:
        cells = t.add_row().cells
        for i, (cell, text) in enumerate(zip(cells, row, strict=True)):
            _cell_para(cell, text, size=11, align=WD_ALIGN_PARAGRAPH.LEFT if i == 0 else WD_ALIGN_PARAGRAPH.RIGHT)
    _widths(t, widths)
    _para(doc, "", after=0)
    return t


def _picture(doc: Any, path: Any, caption: str) -> None:
    if not path:
        return
    doc.add_picture(str(path), width=Cm(16))
    doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    _para(doc, caption, size=12, italic=True, align=WD_ALIGN_PARAGRAPH.CENTER)


def _signed(v: Any, decimals: int = 1, percent: bool = True) -> str:
    if v is None:
        return "–"
    text = format_percent(v, decimals) if percent else format_number(v, decimals)
    return ("+" if v > 0 else "") + text


def _body(doc: Any, data: s.PackData) -> None:
    period = data.period
    _para(
        doc,
        f"Trên cơ sở số liệu các tỉnh, thành phố trực thuộc Trung ương báo cáo và đã được tiếp nhận trên Hệ thống "
        f"thông tin báo cáo ngành, {data.issuer.name if data.issuer else 'Bộ'} báo cáo tình hình "
        f"{period_phrase(period)} như sau:",
        indent=True,
    )

    _para(doc, SECTIONS[0], bold=True, align=WD_ALIGN_PARAGRAPH.LEFT, before=6)
    for fig in data.figures:
        _para(doc, "- " + s.figure_sentence(fig), indent=True)
    rows = []
    for fig in data.figures:
        ind = fig.indicator
        unit, divisor = s.table_unit(ind, fig.value if fig.value is not None else fig.last_year)
        rows.append([
            ind.name, unit,
            s.table_number(fig.value, ind, divisor),
            s.table_number(fig.last_year, ind, divisor),
            _signed(fig.delta_last_year, 1, False) + " đ.p.t" if fig.is_percent and fig.delta_last_year is not None
            else _signed(fig.pct_last_year),
        ])
    _para(doc, f"Bảng 1. Một số chỉ tiêu chủ yếu toàn quốc, {period_phrase(period)}", size=12, italic=True,
          align=WD_ALIGN_PARAGRAPH.CENTER, after=2)
    _grid(doc, ["Chỉ tiêu", "Đơn vị", period.label_vi, "Cùng kỳ năm trước", "So với cùng kỳ"], rows,
          [5.5, 2.0, 3.2, 3.2, 2.6])
    _picture(doc, data.charts.get("trend"), f"Hình 1. Diễn biến {data.figures[0].indicator.name.lower()} toàn quốc")

    _para(doc, SECTIONS[1], bold=True, align=WD_ALIGN_PARAGRAPH.LEFT, before=6)
    if not data.rankings:
        _para(doc, "Kỳ này không có chỉ tiêu xếp hạng tỉnh, thành phố.", indent=True)
    for i, r in enumerate(data.rankings):
        for sentence in s.ranking_sentences(r, data.profile.top_provinces):
            _para(doc, "- " + sentence, indent=True)
        _picture(doc, data.charts.get(f"ranking_{i}"), f"Hình {i + 2}. {r.indicator.name} theo tỉnh, thành phố")

    _para(doc, SECTIONS[2], bold=True, align=WD_ALIGN_PARAGRAPH.LEFT, before=6)
    if not data.completeness:
        _para(doc, f"Không có biểu báo cáo nào áp dụng cho {period_phrase(period)}.", indent=True)
    for fc in data.completeness:
        _para(doc, "- " + s.completeness_sentence(fc), indent=True)
    _picture(doc, data.charts.get("completeness"), f"Tình hình gửi báo cáo {period_phrase(period)}")

    _para(doc, SECTIONS[3], bold=True, align=WD_ALIGN_PARAGRAPH.LEFT, before=6)
    for sentence in s.recommendation_sentences(data.recommendations, period, data.as_of):
        _para(doc, sentence, indent=True)
    _picture(doc, data.charts.get("recommendations"), f"Kiến nghị tiếp nhận trong {period_phrase(period)}")
    if data.open_total:
        shown = len(data.open_recommendations)
        more = f" ({shown} kiến nghị có hạn sớm nhất được liệt kê dưới đây)" if shown < data.open_total else ""
        _para(doc, f"Đến nay còn {format_number(data.open_total)} kiến nghị tiếp nhận đến hết {period_phrase(period)} "
              f"chưa được giải quyết{more}:", indent=True)
        _grid(
            doc, ["Kiến nghị", "Tỉnh, thành phố", "Đơn vị chủ trì", "Ngày nhận", "Hạn trả lời"],
            [[r.title, r.area.name if r.area else "", r.lead_unit.short_name or r.lead_unit.name if r.lead_unit else "Chưa giao",
              f"{r.received_on:%d/%m/%Y}", f"{r.due_on:%d/%m/%Y}" if r.due_on else ""] for r in data.open_recommendations],
            [5.6, 3.0, 3.0, 2.4, 2.4],
        )
    else:
        _para(doc, "Không còn kiến nghị nào chưa được giải quyết.", indent=True)

    _para(doc, SECTIONS[4], bold=True, align=WD_ALIGN_PARAGRAPH.LEFT, before=6)
    if not data.overdue_directives:
        _para(doc, f"Đến ngày {data.as_of:%d/%m/%Y} không có nhiệm vụ nào quá hạn.", indent=True)
    for group in data.overdue_directives:
        items = group["directives"]
        _para(doc, f"- {group['name']}: {len(items)} nhiệm vụ quá hạn, lâu nhất {items[0]['days_overdue']} ngày.", indent=True)
        for d in items[:5]:
            due = dt.date.fromisoformat(d["due_on"])
            _para(doc, f"+ {d['reference'] + ': ' if d['reference'] else ''}{d['title']} (hạn {due:%d/%m/%Y}, "
                  f"đạt {d['percent']}%).", indent=True, size=13)

    _para(doc, SECTIONS[5], bold=True, align=WD_ALIGN_PARAGRAPH.LEFT, before=6)
    for sentence in proposals(data):
        _para(doc, "- " + sentence, indent=True)


def proposals(data: s.PackData) -> list[str]:
    """Follow-up asks drawn from the figures (who has not reported, who is overdue)."""
    out = []
    missing = sorted({r.area.name for fc in data.completeness for r in fc.report.missing})
    if missing:
        out.append(f"Đề nghị {len(missing)} tỉnh, thành phố chưa gửi báo cáo khẩn trương gửi báo cáo {period_phrase(data.period)}.")
    late = sum(fc.report.late for fc in data.completeness)
    if late:
        out.append(f"Nhắc nhở {late} lượt báo cáo gửi muộn, bảo đảm thời hạn gửi báo cáo các kỳ sau.")
    if data.overdue_directives:
        names = ", ".join(g["name"] for g in data.overdue_directives[:5])
        out.append(f"Yêu cầu các đơn vị có nhiệm vụ quá hạn ({names}) đẩy nhanh tiến độ và báo cáo kết quả.")
    if data.recommendations.get("overdue"):
        out.append(f"Các đơn vị chủ trì khẩn trương trả lời {data.recommendations['overdue']} kiến nghị đã quá hạn.")
    if not out:
        out.append("Tiếp tục duy trì việc báo cáo đầy đủ, đúng hạn và trả lời kiến nghị đúng thời hạn.")
    return out


def _signature_block(doc: Any, data: s.PackData) -> None:
    """Cells 7 and 9 of Decree 30: recipients (bottom left), authority, title and name of the signer (right)."""
    _para(doc, "", after=6)
    t = doc.add_table(rows=1, cols=2)
    t.autofit = False
    _no_borders(t)
    _widths(t, [8.0, 8.5])
    left, right = t.rows[0].cells
    p = _cell_para(left, "Nơi nhận:", size=12, bold=True, italic=True, align=WD_ALIGN_PARAGRAPH.LEFT)
    p.paragraph_format.keep_with_next = True
    lines = [x.strip() for x in data.profile.recipients.splitlines() if x.strip()]
    for line in lines:
        _cell_para(left, f"- {line}", size=11, align=WD_ALIGN_PARAGRAPH.LEFT)
    for line in data.profile.signer_title.splitlines():
        _cell_para(right, line.strip().upper(), size=14, bold=True)
    for _ in range(3):
        _cell_para(right, "", size=14)
    _cell_para(right, data.profile.signer_name or "", size=14, bold=True, before=24)


def build_docx(data: s.PackData, path: Path) -> Path:
    doc = Document()
    _setup(doc)
    _heading_block(doc, data)
    _title(doc, data)
    _body(doc, data)
    _signature_block(doc, data)
    props = doc.core_properties
    props.title = f"Báo cáo tình hình quản lý nhà nước ngành TT&TT {data.period.label_vi}"
    props.author = data.issuer.name if data.issuer else "baocao"
    props.language = "vi-VN"
    doc.save(str(path))
    return path
