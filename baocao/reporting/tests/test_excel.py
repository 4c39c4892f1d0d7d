"""Excel round trip through the views: download, dry run, apply; a bad cell or a bad file changes nothing."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from baocao.datavalues.models import DataValue

pytestmark = pytest.mark.django_db


def url(w, name, area="P04"):
    return reverse(f"reporting:{name}", args=["ICT-Q", w.period.code, area])


def _download(client, w) -> openpyxl.Workbook:
    r = client.get(url(w, "excel"))
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    return openpyxl.load_workbook(io.BytesIO(r.content))


def _row(ws, code: str) -> int:
    for row in range(1, ws.max_row + 1):
        if ws[f"B{row}"].value == code:
            return row
    raise AssertionError(code)


def _bytes(wb) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _upload(client, w, data: bytes, apply=False, area="P04"):
    post = {"file": SimpleUploadedFile("bieu.xlsx", data)}
    if apply:
        post["apply"] = "1"
    return client.post(url(w, "upload", area), post)


def _stored(w):
    return dict(DataValue.objects.filter(area=w.cao_bang, period=w.period.code).values_list("indicator__code", "value"))


def test_round_trip_dry_run_then_apply(world, client):
    client.force_login(world.reporter)
    client.post(url(world, "entry"), {"value__POST_ENTERPRISES": "12", "value__POST_COMMUNES_WITH_POINT": "158",
                                      "numerator__POST_COMMUNES_WITH_POINT": "158", "denominator__POST_COMMUNES_WITH_POINT": "199"})
    before = _stored(world)
    wb = _download(client, world)
    ws = wb["Bieu_mau"]
    assert ws[f"F{_row(ws, 'POST_ENTERPRISES')}"].value == 12
    # Unchanged file: values equal, nothing to change.
    r = _upload(client, world, _bytes(wb))
    assert r.status_code == 200 and "không có số liệu nào khác" in r.content.decode()
    # Fill a value offline: the dry run lists it and writes nothing.
    ws[f"F{_row(ws, 'POST_SERVICE_POINTS')}"] = 516033
    data = _bytes(wb)
    r = _upload(client, world, data)
    body = r.content.decode()
    assert r.status_code == 200 and "POST_SERVICE_POINTS" in body and "516.033" in body
    assert _stored(world) == before
    token = r.context["token"]
    # The kept file is this user's only.
    client.force_login(world.approver)
    r = client.post(url(world, "upload"), {"apply": "1", "token": token})
    assert r.status_code == 400 and _stored(world) == before
    client.force_login(world.reporter)
    r = client.post(url(world, "upload"), {"apply": "1", "token": token})
    assert r.status_code == 302
    stored = _stored(world)
    assert stored["POST_SERVICE_POINTS"] == Decimal(516033) and stored["POST_ENTERPRISES"] == Decimal(12)
    assert DataValue.objects.get(indicator__code="POST_SERVICE_POINTS", area=world.cao_bang).source == "excel"


def test_bad_cell_changes_nothing(world, client):
    client.force_login(world.reporter)
    wb = _download(client, world)
    ws = wb["Bieu_mau"]
    ws[f"F{_row(ws, 'POST_ENTERPRISES')}"] = 7
    bad_row = _row(ws, "POST_SERVICE_POINTS")
    ws[f"F{bad_row}"] = "nhiều"
    r = _upload(client, world, _bytes(wb), apply=True)
    assert r.status_code == 400
    body = r.content.decode()
    assert f"F{bad_row}" in body and "Bieu_mau" in body and "không có số liệu nào được ghi" in body
    assert _stored(world) == {}


def test_bad_files_change_nothing(world, client):
    client.force_login(world.reporter)
    r = _upload(client, world, b"this is not a spreadsheet", apply=True)
    assert r.status_code == 400 and "không phải là tệp Excel" in r.content.decode()
    wb = _download(client, world)
    wb["Bieu_mau"].title = "Sheet1"
    r = _upload(client, world, _bytes(wb), apply=True)
    assert r.status_code == 400
    r = client.post(url(world, "upload"), {})
    assert r.status_code == 400 and "Chưa chọn tệp" in r.content.decode()
    assert _stored(world) == {}


def test_other_province_cannot_download_or_upload(world, client):
    client.force_login(world.reporter_ls)
    assert client.get(url(world, "excel")).status_code == 403
    client.force_login(world.reporter)
    data = client.get(url(world, "excel")).content
    client.force_login(world.reporter_ls)
    assert _upload(client, world, data, apply=True).status_code == 403
    # A file for Cao Bằng posted to Lạng Sơn's own upload is refused by its metadata.
    r = _upload(client, world, data, apply=True, area="P20")
    assert r.status_code == 400
    assert not DataValue.objects.exists()


def test_oversized_upload_is_refused(world, client, settings):
    settings.BAOCAO_EXCEL_MAX_BYTES = 1024 * 1024
    client.force_login(world.reporter)
    big = b"PK" + b"\0" * (2 * 1024 * 1024)
    r = _upload(client, world, big, apply=True)
    assert r.status_code == 400 and "Tệp quá lớn" in r.content.decode()
    assert not DataValue.objects.exists()
