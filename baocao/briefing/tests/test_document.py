"""The pack's .docx (Decree 30/2020 layout, sections, figures equal to the services') and its PDF."""

from __future__ import annotations

import shutil
import subprocess
from decimal import Decimal

import docx
import pytest
from docx.shared import Pt
from PIL import Image
from pypdf import PdfReader

from baocao.analytics import services as analytics
from baocao.briefing import services as s
from baocao.briefing.document import MOTTO, NATIONAL_TITLE, SECTIONS
from baocao.core.numbers import format_number, format_percent
from baocao.reporting import services as reporting
from baocao.reporting.models import ReportForm

from .factories import PERIOD, TODAY

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def blocks(document: docx.document.Document) -> list[str]:
    """Paragraph texts in reading order, table cells included (row by row, cell by cell)."""
    out = []
    for el in document.element.body.iterchildren():
        if el.tag == W + "p":
            out.append("".join(t.text or "" for t in el.iter(W + "t")))
        elif el.tag == W + "tbl":
            for p in el.iter(W + "p"):
                out.append("".join(t.text or "" for t in p.iter(W + "t")))
    return [t for t in out if t.strip()]


def index_of(texts: list[str], needle: str, start: int = 0) -> int:
    for i in range(start, len(texts)):
        if needle in texts[i]:
            return i
    raise AssertionError(f"{needle!r} not found after position {start}")


def runs(document: docx.document.Document):
    for p in document.paragraphs:
        yield from p.runs
    for t in document.tables:
        for row in t.rows:
            for cell in row.cells:
                for p in cell.paragraphs:
                    yield from p.runs


def run_with(document, text: str):
    return next(r for r in runs(document) if r.text.strip() == text)


@pytest.fixture
def pack(pack_world, tmp_path):
    result = s.generate(PERIOD, tmp_path / "pack.docx", pdf=False, today=TODAY)
    return pack_world, result, docx.Document(str(result.docx))


def test_page_fonts_and_decree30_parts_in_order(pack):
    _world, result, d = pack
    sec = d.sections[0]
    assert abs(sec.page_width.mm - 210) < 0.1 and abs(sec.page_height.mm - 297) < 0.1  # A4 (stored in twips)
    assert 19.9 <= sec.top_margin.mm <= 25.1 and 19.9 <= sec.bottom_margin.mm <= 25.1
    assert 29.9 <= sec.left_margin.mm <= 35.1 and 14.9 <= sec.right_margin.mm <= 20.1
    assert d.styles["Normal"].font.name == "Times New Roman"
    assert Pt(13) <= d.styles["Normal"].font.size <= Pt(14)
    assert all(r.font.name == "Times New Roman" for r in runs(d) if r.text.strip())
    # Page numbers in the header, but not on the first page.
    assert sec.different_first_page_header_footer
    assert "PAGE" in "".join(t.text or "" for t in sec.header._element.iter(W + "instrText"))
    assert not sec.first_page_header.paragraphs[0].text

    texts = blocks(d)
    issuer = index_of(texts, "BỘ THÔNG TIN VÀ TRUYỀN THÔNG")  # the ministry on the issue date (20/11/2024)
    number = index_of(texts, "Số:", issuer)
    title = index_of(texts, NATIONAL_TITLE, number)
    motto = index_of(texts, MOTTO, title)
    date = index_of(texts, "Hà Nội, ngày 20 tháng 11 năm 2024", motto)
    kind = index_of(texts, "BÁO CÁO", date)
    summary = index_of(texts, "quý III/2024", kind)
    assert texts[number].endswith("/BC-BTTTT")
    pos = summary
    for heading in SECTIONS:
        pos = index_of(texts, heading, pos + 1)
    recipients = index_of(texts, "Nơi nhận:", pos)
    assert index_of(texts, "Lưu: VT", recipients) > recipients
    index_of(texts, "KT. BỘ TRƯỞNG", recipients)

    t = run_with(d, NATIONAL_TITLE)
    assert t.bold and Pt(12) <= t.font.size <= Pt(13)
    m = run_with(d, MOTTO)
    assert m.bold and Pt(13) <= m.font.size <= Pt(14)
    n = run_with(d, "Nơi nhận:")
    assert n.bold and n.italic and n.font.size == Pt(12)
    assert run_with(d, "- Lưu: VT, VP.").font.size == Pt(11)
    assert run_with(d, "BÁO CÁO").bold
    assert run_with(d, "Hà Nội, ngày 20 tháng 11 năm 2024").italic
    assert len(d.inline_shapes) >= 3  # trend, ranking, completeness, recommendations charts


def test_figures_are_the_services_figures_written_the_vietnamese_way(pack):
    world, result, d = pack
    text = "\n".join(blocks(d))
    # National value: the analytics service's, and (cross-check) the plain sum of the values written.
    fbb = analytics.national_value("INET_FBB_SUBS", PERIOD).value
    assert fbb == sum(Decimal(10_000 + 137 * i) for i in range(63))
    change = analytics.change("INET_FBB_SUBS", PERIOD)
    sentence = (
        f"Số thuê bao Internet băng rộng cố định đạt {format_number(fbb)} thuê bao, "
        f"tăng {format_percent(change.pct_last_year, 1)} so với cùng kỳ năm trước (quý III/2023), "
        f"tăng {format_percent(change.pct_previous, 1)} so với kỳ trước (quý II/2024)"
    )
    assert sentence in text
    assert "897.561 thuê bao, tăng 7,5% so với cùng kỳ năm trước" in text
    table = next(t for t in d.tables if t.rows[0].cells[0].text == "Chỉ tiêu")
    row = next(r for r in table.rows if r.cells[0].text == "Số thuê bao Internet băng rộng cố định")
    last_year = analytics.national_value("INET_FBB_SUBS", "2023Q3").value
    assert [c.text for c in row.cells[1:]] == [
        "thuê bao", format_number(fbb), format_number(last_year), "+" + format_percent(change.pct_last_year, 1)
    ] == ["thuê bao", "897.561", "834.561", "+7,5%"]
    share = analytics.national_value("DVC_DOSSIERS_ONLINE_SHARE", PERIOD).value
    assert f"đạt {format_percent(share, 2)}" in text and "điểm phần trăm" in text
    # Leading and lagging provinces: the analytics ranking.
    ranked = [r for r in analytics.ranking("DVC_DOSSIERS_ONLINE_SHARE", PERIOD) if r.value is not None]
    best, worst = ranked[0], ranked[-1]
    assert f"dẫn đầu là {best.area.name} ({format_percent(best.value, 2)})" in text
    assert f"Thấp nhất là {worst.area.name} ({format_percent(worst.value, 2)})" in text
    # Completeness and timeliness: the reporting service.
    c = reporting.completeness(ReportForm.objects.get(code="ICT-Q"), world.period, TODAY)
    assert (c.submitted, c.expected, c.on_time, c.late) == (40, 63, 30, 10)
    assert f"{c.submitted}/{c.expected} tỉnh, thành phố đã gửi báo cáo, trong đó {c.on_time} đúng hạn, {c.late} muộn" in text
    # Recommendations and overdue directives.
    assert "Bộ tiếp nhận 3 kiến nghị" in text and "còn 2 đang xử lý, trong đó 1 quá hạn" in text
    assert "Cục Viễn thông: 1 nhiệm vụ quá hạn" in text and world.directive.title in text
    assert "Tổng hợp báo cáo 6 tháng" not in text  # done on time: not overdue
    # No number in the English style anywhere in the figures.
    assert "897,561" not in text and "7.5%" not in text


def test_sentences_follow_the_data(pack_world, tmp_path):
    """Change one accepted value: the generated sentence changes with it (nothing hard-coded)."""
    from baocao.datavalues.services import bulk_write

    first = pack_world.provinces[0]
    bulk_write([{"indicator": "INET_FBB_SUBS", "area": first.uid, "period": PERIOD, "value": 110_000}], source="demo")
    result = s.generate(PERIOD, tmp_path / "b.docx", pdf=False, today=TODAY)
    text = "\n".join(blocks(docx.Document(str(result.docx))))
    value = analytics.national_value("INET_FBB_SUBS", PERIOD).value
    assert value == Decimal(897_561 + 100_000)
    assert f"đạt {format_number(value)} thuê bao" in text and "997.561" in text


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="pdftoppm (poppler-utils) missing: run scripts/bootstrap.sh --test")
def test_pdf_renders(pack_world, tmp_path):
    assert s.soffice(), "LibreOffice (soffice) missing: run scripts/bootstrap.sh --test"
    result = s.generate(PERIOD, tmp_path / "pack.docx", pdf=True, today=TODAY)
    assert result.pdf and result.pdf.is_file() and not result.pdf_error
    reader = PdfReader(str(result.pdf))
    box = reader.pages[0].mediabox
    assert abs(float(box.width) - 595.3) < 2 and abs(float(box.height) - 841.9) < 2  # A4 in points
    first = reader.pages[0].extract_text()
    assert NATIONAL_TITLE in first and "BÁO CÁO" in first
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(result.pdf), str(tmp_path / "p")], check=True)
    png = next(tmp_path.glob("p-*1.png"))
    assert png.stat().st_size > 10_000
    img = Image.open(png).convert("L")
    dark = sum(img.histogram()[:128])
    assert dark > 0.005 * img.width * img.height  # text was drawn, the page is not blank


def test_pdf_unavailable_is_said_clearly(pack_world, tmp_path, monkeypatch):
    monkeypatch.setattr(s, "soffice", lambda: None)
    result = s.generate(PERIOD, tmp_path / "pack.docx", pdf=True, today=TODAY)
    assert result.docx.is_file() and result.pdf is None
    assert "Không tạo được PDF" in result.pdf_error and "LibreOffice" in result.pdf_error


def test_after_the_reform_34_provinces_and_the_new_ministry(ref, tmp_path):
    """2025Q3: 34 provinces (the map on 30/09/2025); issued by Bộ KH&CN (the ministry since 01/03/2025)."""
    import datetime as dt

    from baocao.datavalues.services import bulk_write
    from baocao.geo.services import provinces_on
    from baocao.periods.services import Period

    period = Period.parse("2025Q3")
    provinces = list(provinces_on(period.end))
    assert len(provinces) == 34
    bulk_write(
        [{"indicator": "INET_FBB_SUBS", "area": a.uid, "period": "2025Q3", "value": 1_000 + i} for i, a in enumerate(provinces)],
        source="demo",
    )
    result = s.generate("2025Q3", tmp_path / "p.docx", pdf=False, today=dt.date(2025, 11, 20))
    texts = blocks(docx.Document(str(result.docx)))
    text = "\n".join(texts)
    assert "BỘ KHOA HỌC VÀ CÔNG NGHỆ" in texts[0] and any(t.endswith("/BC-BKHCN") for t in texts[:3])
    total = analytics.national_value("INET_FBB_SUBS", "2025Q3").value
    assert total == sum(Decimal(1_000 + i) for i in range(34))
    assert f"đạt {format_number(total)} thuê bao" in text
    assert "0/34 tỉnh, thành phố đã gửi báo cáo" in text
