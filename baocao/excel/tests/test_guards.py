"""Uploads refused before openpyxl reads them: too large, zip bombs, files that are not .xlsx."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from baocao.excel import services
from baocao.excel.services import Limits, build_workbook, parse_workbook

from .sample import sample_layout, sample_values

LAYOUT = sample_layout()
MB = 1024 * 1024


@pytest.fixture
def no_openpyxl(monkeypatch):
    """Fail the test if the upload reaches openpyxl."""

    calls = []

    def refuse(*args, **kwargs):
        calls.append(args)
        raise AssertionError("openpyxl must not open this upload")

    monkeypatch.setattr(services, "load_workbook", refuse)
    yield
    assert calls == [], "the upload reached openpyxl"  # parse_workbook catches the AssertionError


def file_problem(result, *words):
    assert result.values == {}
    assert len(result.problems) == 1, [p.text for p in result.problems]
    p = result.problems[0]
    assert p.sheet == "" and p.cell == "" and p.text == p.message and p.location == "Tệp tải lên"
    for w in words:
        assert w in p.message, (w, p.message)
    return p


class CountingReader(io.RawIOBase):
    """A large upload stream that counts how much of it was read."""

    def __init__(self, size: int):
        self.size_left = size
        self.read_bytes = 0

    def readable(self):
        return True

    def read(self, n=-1):
        n = self.size_left if n is None or n < 0 else min(n, self.size_left)
        self.size_left -= n
        self.read_bytes += n
        return b"PK" + b"\0" * (n - 2) if n >= 2 else b"\0" * n


def test_50mb_upload_rejected_before_parsing(no_openpyxl, monkeypatch):
    def no_zip(*args, **kwargs):
        raise AssertionError("the zip directory must not be read either")

    monkeypatch.setattr(services.zipfile, "ZipFile", no_zip)
    big = b"PK\x03\x04" + b"\0" * (50 * MB)
    file_problem(parse_workbook(big, LAYOUT), "quá lớn", "50,0 MB", "giới hạn là 10,0 MB")

    # a stream is never read past the limit
    stream = CountingReader(50 * MB)
    file_problem(parse_workbook(stream, LAYOUT), "quá lớn")
    assert stream.read_bytes == 10 * MB + 1

    # a Django upload declares its size: refused without reading
    class Declared(SimpleUploadedFile):
        def read(self, *args):
            raise AssertionError("must not read")

    upload = Declared("bao-cao.xlsx", b"", content_type="application/octet-stream")
    upload.size = 50 * MB
    file_problem(parse_workbook(upload, LAYOUT), "quá lớn", "50,0 MB")


def test_size_limit_is_configurable(settings):
    data = build_workbook(LAYOUT, sample_values())
    assert parse_workbook(data, LAYOUT).ok
    file_problem(parse_workbook(data, LAYOUT, limits=Limits(max_bytes=1000)), "quá lớn")
    settings.BAOCAO_EXCEL_MAX_BYTES = 2000
    file_problem(parse_workbook(data, LAYOUT), "giới hạn là 0,0 MB")  # 2000 bytes shown in MB
    # a Django UploadedFile within the limit is parsed normally
    settings.BAOCAO_EXCEL_MAX_BYTES = 10 * MB
    assert parse_workbook(SimpleUploadedFile("b.xlsx", data), LAYOUT).values == sample_values()


def _replace_member(data: bytes, name: str, write) -> bytes:
    """Copy an .xlsx, replacing one member with what ``write(stream)`` writes (streamed, deflated)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for info in src.infolist():
            if info.filename == name:
                target = zipfile.ZipInfo(name)
                target.compress_type = zipfile.ZIP_DEFLATED
                with dst.open(target, "w", force_zip64=True) as stream:
                    write(stream)
            else:
                dst.writestr(info, src.read(info.filename))
    return out.getvalue()


def test_real_zip_bomb_is_refused_from_its_directory(no_openpyxl):
    """A sheet of 200 MB of repeated rows compressing to a few hundred KB."""
    data = build_workbook(LAYOUT, sample_values())
    row = b'<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>' * 64
    chunk = row * (MB // len(row) + 1)

    def huge_sheet(stream):
        stream.write(
            b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
            b'spreadsheetml/2006/main"><sheetData>'
        )
        written = 0
        while written < 200 * MB:
            stream.write(chunk)
            written += len(chunk)
        stream.write(b"</sheetData></worksheet>")

    bomb = _replace_member(data, "xl/worksheets/sheet1.xml", huge_sheet)
    info = zipfile.ZipFile(io.BytesIO(bomb)).getinfo("xl/worksheets/sheet1.xml")
    assert info.file_size >= 200 * MB
    assert len(bomb) < 2 * MB  # what is uploaded is small: the size limit alone would let it in
    p = file_problem(parse_workbook(bomb, LAYOUT), "bom nén", "xl/worksheets/sheet1.xml")
    assert "MB" in p.message


def test_many_moderately_compressed_members_exceed_the_total(no_openpyxl):
    data = build_workbook(LAYOUT, {})
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        src = zipfile.ZipFile(io.BytesIO(data))
        for info in src.infolist():
            z.writestr(info, src.read(info.filename))
        for i in range(60):  # 60 × 0,9 MB: each below the per-member ratio floor, 54 MB in all
            z.writestr(f"xl/media/image{i}.bin", b"\0" * (9 * MB // 10))
    file_problem(parse_workbook(out.getvalue(), LAYOUT), "giải nén lên tới", "bom nén")


def test_too_many_members(no_openpyxl):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("xl/workbook.xml", b"<workbook/>")
        for i in range(600):
            z.writestr(f"xl/x/{i}.xml", b"<a/>")
    file_problem(parse_workbook(out.getvalue(), LAYOUT), "quá nhiều thành phần", "601")


def test_directory_that_lies_about_sizes_cannot_inflate_past_them():
    """A central directory declaring 200 KB for a 100 MB sheet: zipfile stops inflating at the declared
    size, the CRC check fails (in the XML scan, before openpyxl), the upload is reported as damaged;
    memory stays small."""
    import tracemalloc

    data = build_workbook(LAYOUT, sample_values())
    filler = b"<!--" + b"x" * (MB - 7) + b"-->"

    def sheet(stream):
        src = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
        head, tail = src.split(b"<sheetData>")
        stream.write(head)
        for _ in range(100):
            stream.write(filler)
        stream.write(b"<sheetData>" + tail)

    forged = bytearray(_replace_member(data, "xl/worksheets/sheet1.xml", sheet))
    name = b"xl/worksheets/sheet1.xml"
    assert zipfile.ZipFile(io.BytesIO(bytes(forged))).getinfo(name.decode()).file_size > 100 * MB
    # patch the declared size in the central directory entry (zip64: it lives in the extra field)
    pos = forged.rfind(b"PK\x01\x02", 0, forged.rfind(name))
    assert forged[pos + 46 : pos + 46 + len(name)] == name
    if struct.unpack_from("<I", forged, pos + 24)[0] == 0xFFFFFFFF:
        extra = pos + 46 + len(name)
        assert struct.unpack_from("<H", forged, extra)[0] == 1
        struct.pack_into("<Q", forged, extra + 4, 200_000)
    else:
        struct.pack_into("<I", forged, pos + 24, 200_000)
    assert zipfile.ZipFile(io.BytesIO(bytes(forged))).getinfo(name.decode()).file_size == 200_000

    tracemalloc.start()
    try:
        result = parse_workbook(bytes(forged), LAYOUT)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 30 * MB, peak
    file_problem(result, "bị hỏng")


def test_docx_renamed_xlsx(no_openpyxl):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", b"<Types/>")
        z.writestr("word/document.xml", "<w:document>Báo cáo quý III</w:document>".encode())
    file_problem(parse_workbook(out.getvalue(), LAYOUT), "không phải là tệp Excel", "Word (.docx)")


def test_csv_renamed_xlsx(no_openpyxl):
    csv = "STT;Mã chỉ tiêu;Giá trị\n1;TEL_SUBS_TOTAL;2.104.517\n".encode()
    file_problem(parse_workbook(csv, LAYOUT), "không phải là tệp Excel", "CSV")


def test_old_xls_and_encrypted_files(no_openpyxl):
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4096
    file_problem(parse_workbook(ole, LAYOUT), ".xls", "mật khẩu")


def test_truncated_and_empty_and_plain_zip(no_openpyxl):
    data = build_workbook(LAYOUT, sample_values())
    file_problem(parse_workbook(data[: len(data) // 2], LAYOUT), "bị hỏng")
    file_problem(parse_workbook(b"", LAYOUT), "trống")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("bao-cao.txt", b"hello")
    file_problem(parse_workbook(out.getvalue(), LAYOUT), "tệp nén .zip")


def test_corrupt_xml_inside_an_xlsx():
    data = build_workbook(LAYOUT, sample_values())
    broken = _replace_member(data, "xl/workbook.xml", lambda s: s.write(b"<workbook><sheets><sheet"))
    file_problem(parse_workbook(broken, LAYOUT), "bị hỏng")
    broken_sheet = _replace_member(
        data, "xl/worksheets/sheet1.xml", lambda s: s.write(b"<worksheet><sheetData><row")
    )
    file_problem(parse_workbook(broken_sheet, LAYOUT), "bị hỏng")


def _copy_with(data: bytes, name: str, transform) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            dst.writestr(info, transform(body) if info.filename == name else body)
    return out.getvalue()


LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol;" if i == 1 else f"&lol{i - 1};") * 10}">' for i in range(1, 10))
    + "]>"
)


@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "xl/workbook.xml", "xl/styles.xml"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_billion_laughs_is_refused_before_openpyxl(no_openpyxl, part, encoding):
    """Entity declarations are tiny and expand to gigabytes: no size check sees them, so every XML
    part is scanned for a DTD (Office never writes one), in UTF-8 and UTF-16."""
    data = build_workbook(LAYOUT, sample_values())

    def inject(body: bytes) -> bytes:
        text = body.decode("utf-8")
        if text.startswith("<?xml"):
            text = text.split("?>", 1)[1]
        text = LAUGHS.replace('version="1.0"', f'version="1.0" encoding="{encoding}"') + text.replace(
            "</sheetData>",
            '<row r="99"><c r="C99" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData>',
        )
        return text.encode(encoding)

    p = file_problem(parse_workbook(_copy_with(data, part, inject), LAYOUT), "DTD", part)
    assert "độc hại" in p.message


def test_large_poorly_compressible_parts_are_refused(no_openpyxl):
    """A styles part of 5 MB that compresses only ~15 times passes the ratio check; the per-part cap
    stops it (openpyxl would load it whole: seconds and hundreds of MB)."""
    import random

    data = build_workbook(LAYOUT, {})
    rnd = random.Random(7)

    def pad_styles(body: bytes) -> bytes:
        xf = "".join(f'<xf numFmtId="{rnd.randrange(10**6)}" fontId="0"/>' for _ in range(5 * MB // 32))
        return body.replace(b"</cellXfs>", xf.encode() + b"</cellXfs>", 1)

    bigger = _copy_with(data, "xl/styles.xml", pad_styles)
    info = zipfile.ZipFile(io.BytesIO(bigger)).getinfo("xl/styles.xml")
    assert info.file_size > 4 * MB and info.file_size / info.compress_size < 100
    file_problem(parse_workbook(bigger, LAYOUT), "xl/styles.xml", "quá lớn", "tối đa 4,0 MB")

    def wide_row(body: bytes) -> bytes:
        cells = "".join(
            f'<c r="Z{rnd.randrange(10, 60)}"><v>{rnd.randrange(10**9)}</v></c>' for _ in range(200_000)
        )
        return body.replace(b"</sheetData>", f'<row r="70">{cells}</row></sheetData>'.encode(), 1)

    wide = _copy_with(data, "xl/worksheets/sheet1.xml", wide_row)
    file_problem(parse_workbook(wide, LAYOUT), "xl/worksheets/sheet1.xml", "tối đa 5,0 MB")
