"""Reading .txt, .html, .docx and .pdf; every kind of bad input ends with a clear error."""

from __future__ import annotations

import io
import unicodedata
import zipfile

import pytest

from baocao.extraction import readers
from baocao.extraction.readers import ReadError, detect_legacy_encoding, read_document

SAMPLE = "Sở TT&TT tỉnh Điện Biên đã cấp 12 giấy phép xuất bản bản tin;\u00a0tổng số 516.033 thuê bao.\n"


def test_txt_is_read_exactly(tmp_path):
    p = tmp_path / "r.txt"
    p.write_text(SAMPLE, encoding="utf-8")
    doc = read_document(p)
    assert doc.text == SAMPLE and doc.fmt == "txt" and "\u00a0" in doc.text


def test_empty_file(tmp_path):
    p = tmp_path / "empty.txt"
    p.write_bytes(b"")
    with pytest.raises(ReadError, match="empty"):
        read_document(p)


def test_whitespace_only_file(tmp_path):
    p = tmp_path / "blank.txt"
    p.write_text("  \n\n \t", encoding="utf-8")
    with pytest.raises(ReadError, match="no text"):
        read_document(p)


@pytest.mark.parametrize("payload", [b"\x00\x01\x02binary\x00" * 50, b"\x89PNG\r\n\x1a\n" + b"x" * 100, b"PK\x03\x04rest"])
def test_binary_renamed_txt(tmp_path, payload):
    p = tmp_path / "fake.txt"
    p.write_bytes(payload)
    with pytest.raises(ReadError, match="binary"):
        read_document(p)


def test_huge_file(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "MAX_BYTES", 1000)
    p = tmp_path / "big.txt"
    p.write_text("số liệu " * 500, encoding="utf-8")
    with pytest.raises(ReadError, match="too large"):
        read_document(p)


def _cp1258(text: str) -> bytes:
    """Windows-1258 stores base letters (â, ơ, ư …) precomposed and tones as combining marks."""
    out = bytearray()
    for ch in text:
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", parts[:2])
        try:
            out += base.encode("cp1258") + parts[2:].encode("cp1258")
        except UnicodeEncodeError:
            out += parts.encode("cp1258")
    return bytes(out)


def test_windows_1258_is_converted(tmp_path):
    text = "Trong năm 2019, Sở đã cấp 14 giấy phép của tỉnh và các công ty được thông tin trong những ngày qua."
    p = tmp_path / "cp.txt"
    p.write_bytes(_cp1258(text))
    doc = read_document(p)
    assert doc.encoding == "cp1258" and doc.text == text and doc.notes


# The same sentence as the legacy font encodings store it (bytes as Latin-1 / cp1252 characters).
TCVN3 = "Trong n¨m 2019, c¸c c¬ quan cña tØnh vµ c«ng ty ®· ®­îc th«ng tin vÒ ngµy c«ng t¸c."
VNI = "Trong naêm 2019, caùc cô quan cuûa tænh vaø coâng ty ñaõ ñöôïc thoâng tin veà ngaøy coâng taùc."


@pytest.mark.parametrize(("raw", "label", "enc"), [(TCVN3, "TCVN3", "latin-1"), (VNI, "VNI", "cp1252")])
def test_legacy_font_encodings_are_refused_by_name(tmp_path, raw, label, enc):
    p = tmp_path / "old.txt"
    p.write_bytes(raw.encode(enc))
    assert detect_legacy_encoding(raw.encode(enc)) == label.split()[0].lower()
    with pytest.raises(ReadError, match=label) as exc:
        read_document(p)
    assert "UTF-8" in str(exc.value) and "UTF-8" in exc.value.message_vi


def test_unknown_encoding(tmp_path):
    p = tmp_path / "x.txt"
    p.write_bytes(bytes(range(0xA0, 0xFF)) * 3)
    with pytest.raises(ReadError, match="not UTF-8"):
        read_document(p)


def test_unsupported_extension(tmp_path):
    p = tmp_path / "r.xlsx"
    p.write_bytes(b"x")
    with pytest.raises(ReadError, match="unsupported"):
        read_document(p)


def test_html_drops_navigation_sidebars_counters_and_comments(tmp_path):
    page = """<html><head><title>Tin</title><style>p{}</style><script>var n=5;</script></head><body>
    <nav><a href="/">Trang chủ</a> <a>Giới thiệu 2024</a></nav>
    <header class="site-header">Cổng thông tin 30 năm</header>
    <div id="main"><h1>Sơ kết 6 tháng đầu năm 2021 của Sở TT&amp;TT Điện Biên</h1>
    <p>Sở đã cấp 12 giấy phép xuất bản bản tin&nbsp;cho các đơn vị.</p><p>Tổng số thuê bao đạt 516.033 thuê bao.</p></div>
    <aside class="sidebar"><ul><li>Tin liên quan: 99 tỉnh</li></ul></aside>
    <div class="comment-box">Bình luận: 77 ý kiến</div>
    <div id="counter">Hôm nay: 88 Tổng: 53.655</div>
    <footer>Bản quyền 2024</footer></body></html>"""
    p = tmp_path / "r.html"
    p.write_text(page, encoding="utf-8")
    doc = read_document(p)
    assert "12 giấy phép" in doc.text and "516.033" in doc.text and "\u00a0" in doc.text
    for noise in ("Trang chủ", "Cổng thông tin", "99 tỉnh", "77 ý kiến", "88", "Bản quyền", "var n"):
        assert noise not in doc.text


def _docx(paragraphs: list[str]) -> bytes:
    body = "".join(f'<w:p><w:r><w:t xml:space="preserve">{t}</w:t></w:r></w:p>' for t in paragraphs)
    xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{body}</w:body></w:document>"
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", xml)
    return buf.getvalue()


def test_docx_paragraphs(tmp_path):
    p = tmp_path / "r.docx"
    p.write_bytes(_docx(["Báo cáo năm 2022", "Sở đã cấp 12 giấy phép xuất bản bản tin."]))
    doc = read_document(p)
    assert doc.fmt == "docx" and doc.text == "Báo cáo năm 2022\nSở đã cấp 12 giấy phép xuất bản bản tin.\n"


def test_docx_zip_bomb_is_refused(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", "<w:document>" + " " * 5_000_000 + "</w:document>")
    p = tmp_path / "bomb.docx"
    p.write_bytes(buf.getvalue())
    with pytest.raises(ReadError, match="zip bomb"):
        read_document(p)


def test_docx_with_entities_is_refused(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("word/document.xml", '<!DOCTYPE x [<!ENTITY a "aaaa">]><w:document>&a;</w:document>')
    p = tmp_path / "ent.docx"
    p.write_bytes(buf.getvalue())
    with pytest.raises(ReadError, match="entities"):
        read_document(p)


def test_not_a_docx(tmp_path):
    p = tmp_path / "r.docx"
    p.write_text("plain text", encoding="utf-8")
    with pytest.raises(ReadError, match="not a valid .docx"):
        read_document(p)


def _pdf(content: bytes) -> bytes:
    """A one-page PDF whose page content stream is ``content`` (Helvetica as font F1)."""
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def test_pdf_text_layer(tmp_path):
    pytest.importorskip("pypdf")
    p = tmp_path / "r.pdf"
    p.write_bytes(_pdf(b"BT /F1 12 Tf 72 720 Td (So TT&TT da cap 12 giay phep xuat ban ban tin nam 2022) Tj ET"))
    doc = read_document(p)
    assert doc.fmt == "pdf" and "12 giay phep" in doc.text


def test_pdf_without_text_layer(tmp_path):
    pytest.importorskip("pypdf")
    p = tmp_path / "scan.pdf"
    p.write_bytes(_pdf(b"0 0 1 rg 100 100 200 200 re f"))
    with pytest.raises(ReadError, match="no text layer"):
        read_document(p)


def test_not_a_pdf(tmp_path):
    p = tmp_path / "r.pdf"
    p.write_text("hello", encoding="utf-8")
    with pytest.raises(ReadError, match="not a PDF"):
        read_document(p)
