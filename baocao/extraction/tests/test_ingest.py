"""Storing reports for review: one transaction per document, idempotent by content hash."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from baocao.extraction.catalog import catalog_from_records
from baocao.extraction.models import ExtractedItem, ItemKind, ReviewStatus, SourceDocument
from baocao.extraction.readers import ReadError
from baocao.extraction.services import ingest_bytes, ingest_path

SAMPLES = Path(__file__).resolve().parent / "samples"
CATALOG = catalog_from_records(
    [{"code": "LIC", "unit": "giấy phép", "value_type": "count", "phrases": ["giấy phép xuất bản bản tin"]}]
)


@pytest.mark.django_db
def test_ingest_stores_the_document_and_every_item():
    path = SAMPLES / "s1_quangninh_9t2021.txt"
    res = ingest_path(path, catalog=CATALOG)
    doc = res.document
    assert res.created and doc.province == "Quảng Ninh" and doc.period == "2021N9"
    assert doc.text == path.read_text(encoding="utf-8") and doc.fmt == "txt" and len(doc.sha256) == 64
    facts = doc.items.filter(kind=ItemKind.FACT)
    assert facts.count() == res.counts["fact"] == 24
    assert doc.items.filter(kind=ItemKind.RECOMMENDATION).count() == 4
    assert all(i.status == ReviewStatus.PENDING for i in doc.items.all())
    for item in doc.items.all():
        assert doc.text[item.start : item.end] == item.quote  # provenance: document + span
    lic = facts.get(data__unit="giấy phép")
    assert lic.data["indicator"] == "LIC" and lic.data["value"] == 21


@pytest.mark.django_db
def test_ingest_is_idempotent():
    path = SAMPLES / "s3_bo_q1_2023.txt"
    first = ingest_path(path, catalog=CATALOG)
    n_items = ExtractedItem.objects.count()
    second = ingest_path(path, catalog=CATALOG)
    third = ingest_bytes(path.read_bytes(), "other-name.txt", catalog=CATALOG)
    assert not second.created and not third.created
    assert second.document.pk == first.document.pk == third.document.pk
    assert SourceDocument.objects.count() == 1 and ExtractedItem.objects.count() == n_items
    assert second.counts == first.counts


@pytest.mark.django_db
def test_bad_input_stores_nothing(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(ReadError):
        ingest_path(empty, catalog=CATALOG)
    with pytest.raises(ReadError):
        ingest_bytes(b"\x00\x01binary" * 20, "x.txt", catalog=CATALOG)
    assert SourceDocument.objects.count() == 0 and ExtractedItem.objects.count() == 0


@pytest.mark.django_db
def test_ingest_html_upload_keeps_the_extracted_text():
    page = (
        "<html><body><nav>Menu 2024</nav><p>Năm 2022, Sở TT&amp;TT tỉnh Sơn La đã cấp 12 giấy phép xuất bản bản tin "
        "cho các cơ quan, đơn vị trên địa bàn tỉnh.</p></body></html>"
    ).encode()
    res = ingest_bytes(page, "tin.html", catalog=CATALOG)
    item = res.document.items.get(kind=ItemKind.FACT)
    assert res.document.fmt == "html" and "Menu" not in res.document.text
    assert res.document.text[item.start : item.end] == "12 giấy phép"


@pytest.mark.django_db
def test_ingest_command_reports_new_existing_and_bad_files(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x00\x00\x00" * 10)
    files = [str(SAMPLES / "s2_daklak_2022.txt"), str(SAMPLES / "s2_daklak_2022.txt"), str(bad)]
    out = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("ingest", "--no-progress", *files, stdout=out)
    assert exc.value.returncode == 2
    text = out.getvalue()
    assert "mới" in text and "đã có" in text and "Tổng: 1 văn bản mới, 1 đã có, 1 lỗi." in text
    assert SourceDocument.objects.count() == 1


@pytest.mark.django_db
def test_ingest_command_all_good():
    out = io.StringIO()
    call_command("ingest", "--no-progress", str(SAMPLES / "s4_tuyenquang_202510.txt"), stdout=out)
    doc = SourceDocument.objects.get()
    assert doc.province == "Tuyên Quang" and doc.period == "202510" and str(doc.event_date) == "2025-11-04"
    assert "Tổng: 1 văn bản mới, 0 đã có, 0 lỗi." in out.getvalue()
