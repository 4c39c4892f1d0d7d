"""Central upload limits: size, type and content checks, and the 413 for oversized multipart bodies."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from baocao.core.uploads import UploadRejected, check_upload, max_bytes


def test_accepts_files_of_the_right_kind():
    check_upload(SimpleUploadedFile("bao-cao.txt", "Số thuê bao: 516.033".encode()), "document")
    check_upload(SimpleUploadedFile("bc.pdf", b"%PDF-1.7\n..."), "document")
    check_upload(SimpleUploadedFile("bieu.xlsx", b"PK\x03\x04rest"), "excel")
    check_upload(SimpleUploadedFile("dv.csv", b"dataelement,period\n"), "import")


@pytest.mark.parametrize(
    ("name", "data", "kind", "needle"),
    [
        ("virus.exe", b"MZ\x90\x00", "document", "không đúng loại: văn bản báo cáo chỉ nhận"),
        ("bao-cao.docx", b"MZ\x90\x00 not a zip", "document", "không phải là tệp .docx hợp lệ"),
        ("bao-cao.pdf", b"<html>", "document", "không phải là tệp .pdf hợp lệ"),
        ("bieu.xls", b"\xd0\xcf\x11\xe0", "excel", "chỉ nhận .xlsx"),
        ("rong.txt", b"", "document", "rỗng"),
    ],
)
def test_refuses_wrong_type_or_content_with_a_vietnamese_message(name, data, kind, needle):
    with pytest.raises(UploadRejected) as exc:
        check_upload(SimpleUploadedFile(name, data), kind)
    assert needle in exc.value.message and name in exc.value.message


def test_refuses_files_over_the_limit(settings):
    settings.BAOCAO_UPLOAD_MAX_BYTES = 2048
    assert max_bytes("document") == 2048 and max_bytes("excel") == 2048
    with pytest.raises(UploadRejected) as exc:
        check_upload(SimpleUploadedFile("lon.txt", b"x" * 3000), "document")
    assert "quá lớn" in exc.value.message and exc.value.code == "too_large"


@pytest.mark.django_db
def test_oversized_multipart_body_gets_413_before_it_is_read(settings, admin_user):
    settings.BAOCAO_UPLOAD_MAX_BYTES = 1024 * 1024
    c = Client()
    c.force_login(admin_user)
    r = c.post(
        "/trich-xuat/",
        data=b"--x\r\n",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(50 * 1024 * 1024),
    )
    assert r.status_code == 413
    assert "vượt quá giới hạn 1,0 MB" in r.content.decode()


@pytest.mark.django_db
def test_extraction_upload_refuses_an_executable_and_stores_nothing(admin_user):
    from baocao.extraction.models import SourceDocument

    c = Client()
    c.force_login(admin_user)
    r = c.post("/trich-xuat/", {"file": SimpleUploadedFile("bao-cao.exe", b"MZ\x90\x00")})
    assert r.status_code == 400
    assert "không đúng loại" in r.content.decode()
    assert SourceDocument.objects.count() == 0
