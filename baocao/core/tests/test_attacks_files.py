"""Files: path traversal in every download and file-serving URL, zip bombs for .xlsx (the report's
Excel upload) and .docx (the extraction upload), oversized uploads on every upload form.

- Traversal: every URL pattern with a text argument (found by walking the resolver) gets traversal
  payloads in each text argument; stored attachments named ``../../…`` stay inside MEDIA_ROOT and are
  served under a bare name. No response may hold a file from outside (``/etc/passwd``, settings.py).
- Bombs: each is refused with a clear Vietnamese message, fast (seconds) and within bounded Python
  memory (tracemalloc peak), writing nothing.
- Oversized uploads: refused with 400/413 and a Vietnamese message; no row, no file stored.
"""

from __future__ import annotations

import io
import time
import tracemalloc
import urllib.parse
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from .attacks import AttackWorld, db_fingerprint, fill_route, media_files, route_args, walk_urls

pytestmark = pytest.mark.django_db

MD5 = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MB = 1024 * 1024
OUTSIDE_MARKERS = (b"root:x:0:0", b"SECRET_KEY", b"DJANGO_SETTINGS_MODULE", b"[core]\n")
TRAVERSALS = [
    "..", "../../../../etc/passwd", "..%2f..%2f..%2fetc%2fpasswd", "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "..\\..\\..\\etc\\passwd",
    "....//....//etc/passwd", "%252e%252e%252fetc%252fpasswd", "/etc/passwd", "..;/..;/etc/passwd", "settings.py",
    "../../baocao/settings.py", "%c0%ae%c0%ae/etc/passwd",
]
NUL = "..%00.pdf"


@pytest.fixture
def world(ref, settings, tmp_path):
    settings.PASSWORD_HASHERS = MD5
    settings.MEDIA_ROOT = tmp_path / "media"
    return AttackWorld()


def _body(resp: Any) -> bytes:
    return b"".join(resp.streaming_content) if getattr(resp, "streaming", False) else resp.content


# --- path traversal ---------------------------------------------------------------------------------


def _text_arg_routes() -> list[tuple[str, str, list[str]]]:
    out = []
    for route, name, _cb in walk_urls():
        args = route_args(route)
        text_args = [a for a in args if f"<int:{a}>" not in route]
        if text_args:
            out.append((route, name, text_args))
    return out


def test_traversal_in_every_text_argument(world):
    routes = _text_arg_routes()
    names = {n for _, n, _ in routes}
    assert {"reporting:excel", "reporting:entry", "api-1:period"} <= names, names
    admin = Client()
    admin.force_login(world.admin)
    dept = Client()
    dept.force_login(world.reporter)
    base = {"form": world.form_q.code, "period": world.period.code, "area": "P04", "pk": str(world.rec_a.pk)}
    problems = []
    count = 0
    for route, name, text_args in routes:
        if route.startswith("admin/"):
            continue  # the admin serves no files: its text arguments are primary keys and app labels
        for arg in text_args:
            for payload in TRAVERSALS:
                url = fill_route(route, {**base, arg: payload})
                for who, c in (("admin", admin), ("dept", dept)):
                    count += 1
                    resp = c.get(url)
                    body = _body(resp)
                    if resp.status_code >= 500:
                        problems.append(f"{who} GET {url} ({name}) → {resp.status_code}")
                    if any(m in body for m in OUTSIDE_MARKERS):
                        problems.append(f"{who} GET {url} ({name}) → a file from outside")
    assert problems == []
    assert count > 100


def _on_postgres() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


def test_nul_byte_in_url_arguments_query_and_form_is_refused(world):
    """A NUL byte (%00) in a path argument once reached a query and PostgreSQL raised DataError → 500
    (/api/v1/indicators/{code}, /orgunits/{uid}, /forms/{code}, /bao-cao/<form>/…, q=a%00b on the
    public search). NulByteMiddleware now refuses it with 400 before any view, on both databases."""
    c = Client()
    c.force_login(world.admin)
    before = db_fingerprint()
    seen = {}
    for url in (f"/api/v1/indicators/{NUL}", f"/api/v1/orgunits/{NUL}", f"/api/v1/forms/{NUL}",
                f"/bao-cao/{NUL}/{world.period.code}/P04/", "/kien-nghi/cong-khai/?q=a%00b",
                "/api/v1/recommendations?q=a%00b"):
        seen[url] = c.get(url).status_code
    seen["form"] = c.post("/kien-nghi/tao/", {"title": "a\x00b", "content": "x"}).status_code
    assert all(code == 400 for code in seen.values()), seen
    api = c.get(f"/api/v1/indicators/{NUL}")
    assert api["Content-Type"].startswith("application/problem+json") and "NUL" in api.json()["detail"]
    assert "NUL" in c.get("/kien-nghi/cong-khai/?q=a%00b").content.decode()
    assert db_fingerprint() == before


@pytest.mark.parametrize("prefix", ["/media/", "/static/", "/kien-nghi/tep/", "/phan-tich/ban-tin/1/tai/"])
def test_traversal_on_file_serving_prefixes(world, prefix):
    c = Client()
    c.force_login(world.admin)
    for payload in TRAVERSALS:
        resp = c.get(prefix + payload)
        assert resp.status_code in (301, 302, 400, 403, 404), (prefix + payload, resp.status_code)
        assert not any(m in _body(resp) for m in OUTSIDE_MARKERS)


def test_uploaded_names_cannot_escape_media_root(world, settings):
    c = Client()
    c.force_login(world.officer)
    evil = ["../../../../tmp/baocao-pwned.pdf", "..\\..\\..\\baocao-pwned.pdf", "/etc/baocao-pwned.pdf", "a/../../../baocao-pwned.pdf"]
    for name in evil:
        resp = c.post(f"/kien-nghi/{world.rec_a.pk}/dinh-kem/", {"file": SimpleUploadedFile(name, b"%PDF-1.4 evil", "application/pdf")})
        assert resp.status_code in (302, 400), (name, resp.status_code)
    media = Path(settings.MEDIA_ROOT).resolve()
    for att in world.rec_a.attachments.all():
        stored = Path(att.file.path).resolve()
        assert media in stored.parents, stored
        resp = c.get(f"/kien-nghi/tep/{att.pk}/")
        assert resp.status_code == 200
        disposition = urllib.parse.unquote(resp["Content-Disposition"])
        assert "/" not in disposition and "\\" not in disposition, disposition
    assert not Path("/tmp/baocao-pwned.pdf").exists() and not Path("/etc/baocao-pwned.pdf").exists()


# --- zip bombs --------------------------------------------------------------------------------------


def _bomb_zip(entries: dict[str, bytes], bomb_name: str, bomb_bytes: int, chunk: bytes = b"0" * MB) -> bytes:
    """A zip with ordinary ``entries`` and one entry that inflates to ``bomb_bytes`` (built in chunks)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
        with zf.open(bomb_name, "w", force_zip64=True) as fh:
            left = bomb_bytes
            while left > 0:
                part = chunk[: min(len(chunk), left)]
                fh.write(part)
                left -= len(part)
    return buf.getvalue()


def _lying_zip(entries: dict[str, bytes], name: str, real: bytes, declared: int) -> bytes:
    """A zip whose directory declares ``declared`` bytes for ``name`` while the data inflates to ``real``."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, data in entries.items():
            zf.writestr(n, data)
        zf.writestr(name, real)
    data = bytearray(buf.getvalue())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        info = zf.getinfo(name)
    # Patch the uncompressed size in the local header (offset 22) and the central directory entry (offset 24).
    local = info.header_offset
    data[local + 22 : local + 26] = declared.to_bytes(4, "little")
    pos = bytes(data).find(b"PK\x01\x02")
    while pos >= 0:
        name_len = int.from_bytes(data[pos + 28 : pos + 30], "little")
        if bytes(data[pos + 46 : pos + 46 + name_len]) == name.encode():
            data[pos + 24 : pos + 28] = declared.to_bytes(4, "little")
        pos = bytes(data).find(b"PK\x01\x02", pos + 4)
    return bytes(data)


def _xlsx_parts() -> dict[str, bytes]:
    return {
        "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        "_rels/.rels": b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>',
        "xl/workbook.xml": b'<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>',
    }


def _docx_parts() -> dict[str, bytes]:
    return {
        "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        "_rels/.rels": b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>',
    }


W = b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'


def _docx_bombs() -> dict[str, bytes]:
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
              b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
              b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>&lol3;</w:t></w:r></w:p></w:body></w:document>')
    import os

    filler = {**_docx_parts(), "word/media/image1.bin": os.urandom(12 * MB)}
    return {
        # 300 MB of zeros in word/document.xml (limit: 60 MB)
        "inflate": _bomb_zip(_docx_parts(), "word/document.xml", 300 * MB),
        # an XML element bomb hidden by an incompressible filler: 44 + 12 MB stays under the 60 MB total
        # and the whole-archive ratio looks normal (~4:1), but document.xml alone is ~1000:1
        "elements": _bomb_zip(filler, "word/document.xml", 44 * MB, chunk=W + b"<w:p/>" * (MB // 6)),
        # a directory that lies about the size of document.xml
        "lying": _lying_zip(_docx_parts(), "word/document.xml", W + b"<w:p/>" * (8 * MB // 6), 1000),
        "entities": _bomb_zip(_docx_parts(), "word/document.xml", len(laughs), chunk=laughs),
        # no compression at all: 18 MB of three million empty paragraphs (a tree of them would take ~1 GB)
        "flat": _stored_zip({**_docx_parts(), "word/document.xml": W + b"<w:p/>" * (18 * MB // 6) + b"</w:body></w:document>"}),
    }


def _stored_zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _xlsx_bombs() -> dict[str, bytes]:
    sheet = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    row = b'<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>'
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">]>'
              b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>&lol2;</sheetData></worksheet>')
    return {
        "inflate": _bomb_zip(_xlsx_parts(), "xl/worksheets/sheet1.xml", 300 * MB),
        "rows": _bomb_zip(_xlsx_parts(), "xl/worksheets/sheet1.xml", 40 * MB, chunk=sheet + row * (MB // len(row))),
        "lying": _lying_zip(_xlsx_parts(), "xl/worksheets/sheet1.xml", sheet + row * (8 * MB // len(row)), 1000),
        "entities": _bomb_zip(_xlsx_parts(), "xl/worksheets/sheet1.xml", len(laughs), chunk=laughs),
        "many_entries": _many_entries(),
    }


def _many_entries() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in _xlsx_parts().items():
            zf.writestr(name, data)
        for i in range(20_000):
            zf.writestr(f"xl/x/{i}.xml", b"")
    return buf.getvalue()


def _measure(fn: Any) -> tuple[Any, float, int]:
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        out = fn()
    finally:
        elapsed = time.perf_counter() - t0
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return out, elapsed, peak


# Generous bounds for a shared 2-core machine; a real inflation would take minutes and gigabytes.
MAX_SECONDS = 15
MAX_PEAK = 120 * MB


def test_docx_bombs_rejected_quickly_in_bounded_memory(world, settings):
    c = Client()
    c.force_login(world.admin)
    bombs = _docx_bombs()
    c.post("/trich-xuat/", {"file": SimpleUploadedFile("hong.docx", b"PK\x03\x04 not a zip")})  # warm up: imports, templates
    before, files = db_fingerprint(), media_files(settings.MEDIA_ROOT)
    report = []
    for kind, data in bombs.items():
        t0 = time.perf_counter()
        resp = c.post("/trich-xuat/", {"file": SimpleUploadedFile(f"bom-{kind}.docx", data)})
        elapsed = time.perf_counter() - t0  # timed without tracemalloc (it slows allocations several times)
        _, _, peak = _measure(lambda d=data, k=kind: c.post("/trich-xuat/", {"file": SimpleUploadedFile(f"bom-{k}.docx", d)}))
        body = resp.content.decode()
        report.append((kind, len(data), resp.status_code, round(elapsed, 2), peak // MB))
        assert resp.status_code in (400, 413), (kind, resp.status_code)
        assert ("Tệp" in body or "tệp" in body) and ("nghi là tệp độc hại" in body or "không được phép" in body or "quá lớn" in body
                                  or "bị hỏng" in body or "Không có nội dung" in body), (kind, body[:2000])
        assert elapsed < MAX_SECONDS, report
        assert peak < MAX_PEAK, report
    print("docx bombs (kind, bytes, status, seconds, peak MB):", report)
    assert db_fingerprint() == before
    assert media_files(settings.MEDIA_ROOT) == files


def test_xlsx_bombs_rejected_quickly_in_bounded_memory(world, settings):
    c = Client()
    c.force_login(world.reporter)
    url = f"/bao-cao/{world.form_q.code}/{world.period.code}/P04/tai-len/"
    bombs = _xlsx_bombs()
    c.post(url, {"file": SimpleUploadedFile("hong.xlsx", b"PK\x03\x04 not a zip")})  # warm up: imports, templates
    before, files = db_fingerprint(), media_files(settings.MEDIA_ROOT)
    report = []
    for kind, data in bombs.items():
        upload = SimpleUploadedFile(f"bom-{kind}.xlsx", data, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        t0 = time.perf_counter()
        resp = c.post(url, {"file": upload})
        elapsed = time.perf_counter() - t0  # timed without tracemalloc (it slows allocations several times)
        upload.seek(0)
        _, _, peak = _measure(lambda u=upload: c.post(url, {"file": u}))
        body = resp.content.decode()
        report.append((kind, len(data), resp.status_code, round(elapsed, 2), peak // MB))
        assert resp.status_code in (400, 413), (kind, resp.status_code)
        assert "Tệp" in body or "tệp" in body, (kind, body[:2000])
        assert elapsed < MAX_SECONDS, report
        assert peak < MAX_PEAK, report
    print("xlsx bombs (kind, bytes, status, seconds, peak MB):", report)
    assert db_fingerprint() == before
    assert media_files(settings.MEDIA_ROOT) == files


# --- oversized uploads ------------------------------------------------------------------------------


def _big(name: str, size: int, head: bytes = b"%PDF-1.4\n") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, head + b"0" * (size - len(head)))


def test_oversized_uploads_refused_with_a_clear_message(world, settings):
    w = world
    officer, reporter, admin = Client(), Client(), Client()
    officer.force_login(w.officer)
    reporter.force_login(w.reporter)
    admin.force_login(w.admin)
    over = 21 * MB  # above every file limit of the project (10 MB attachments and Excel, 20 MB documents)
    cases = [
        (reporter, "/kien-nghi/tao/", lambda: {"title": "Tệp lớn", "text": "x", "addressee": "ministry", "files": _big("lon.pdf", over)}),
        (officer, f"/kien-nghi/{w.rec_a.pk}/dinh-kem/", lambda: {"file": _big("lon.pdf", over)}),
        (reporter, f"/kien-nghi/nhiem-vu/{w.directive_a.pk}/tien-do/", lambda: {"percent": "50", "note": "x", "files": _big("lon.pdf", over)}),
        (reporter, f"/bao-cao/{w.form_q.code}/{w.period.code}/P04/tai-len/", lambda: {"file": _big("lon.xlsx", over, b"PK\x03\x04")}),
        (admin, "/trich-xuat/", lambda: {"file": _big("lon.docx", over, b"PK\x03\x04")}),
        (admin, "/trich-xuat/", lambda: {"file": _big("lon.txt", over, b"Bao cao ")}),
    ]
    before, files = db_fingerprint(), media_files(settings.MEDIA_ROOT)
    problems = []
    for client, url, data in cases:
        resp = client.post(url, data())
        body = resp.content.decode(errors="replace")
        if resp.status_code not in (400, 413):
            problems.append(f"POST {url} → {resp.status_code}")
        if not any(m in body for m in ("quá lớn", "vượt quá", "dung lượng tối đa", "Tệp quá lớn")):
            problems.append(f"POST {url}: no Vietnamese size message")
    assert problems == []
    assert db_fingerprint() == before
    assert media_files(settings.MEDIA_ROOT) == files


def test_oversized_form_bodies_are_refused_cleanly(world):
    c = Client()
    c.force_login(world.reporter)
    before = db_fingerprint()
    big_text = {"title": "x", "text": "y" * (3 * MB), "addressee": "ministry"}
    many = {f"f{i}": "x" for i in range(5000)} | {"title": "x", "text": "y", "addressee": "ministry"}
    for data in (big_text, many):
        resp = c.post("/kien-nghi/tao/", data)
        assert resp.status_code in (400, 413), resp.status_code
    assert db_fingerprint() == before
