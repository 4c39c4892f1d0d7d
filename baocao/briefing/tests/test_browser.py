"""In Debian's chromium: the Ministry officer asks for a pack, watches the job, downloads the files."""

from __future__ import annotations

import io

import docx
import pytest
from django.core.management import call_command

from baocao.briefing.models import BriefingJob, JobStatus
from baocao.core import browser_testing

from .factories import PASSWORD, PERIOD

pytestmark = pytest.mark.browser


def login(page, base: str, username: str) -> None:
    browser_testing.login(page, base, username, PASSWORD)


def test_generate_watch_and_download(pack_world, live_server, page, tmp_path):
    base = live_server.url
    login(page, base, "bo.chuyenvien")
    page.goto(base + "/phan-tich/ban-tin/")
    assert page.locator("h1").inner_text() == "Báo cáo giao ban quý"
    assert page.locator("#no-jobs").count() == 1

    # A bad period: a clear message beside the field, no job.
    page.fill("#ky", "2024Q5")
    page.click("#generate")
    page.wait_for_load_state()
    assert "Kỳ «2024Q5» không hợp lệ" in page.locator("#ky-error").inner_text()
    assert BriefingJob.objects.count() == 0

    page.fill("#ky", PERIOD)
    page.click("#generate")
    page.wait_for_url("**?job=*")
    job = BriefingJob.objects.get()
    row = page.locator(f"#job-{job.pk}")
    assert row.locator("td").first.inner_text() == PERIOD
    assert row.locator(".job-status").inner_text() == "Đang chờ"
    assert "baocao db_worker" in page.locator("#worker-hint").inner_text()

    # The worker runs the job; the page notices by itself (static JS polls the status) and shows the files.
    call_command("db_worker", "--batch", "--no-startup-delay", stdout=io.StringIO(), stderr=io.StringIO())
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.error
    page.locator(f"#job-{job.pk} a.dl-docx").wait_for(timeout=20000)
    assert page.locator(f"#job-{job.pk} .job-status").inner_text().startswith("Hoàn thành")

    with page.expect_download() as info:
        page.click(f"#job-{job.pk} a.dl-docx")
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    assert path.name == f"bao-cao-giao-ban-{PERIOD}.docx"
    texts = [p.text for p in docx.Document(str(path)).paragraphs]
    assert "BÁO CÁO" in texts
    if job.pdf_path:
        with page.expect_download() as info:
            page.click(f"#job-{job.pk} a.dl-pdf")
        pdf = tmp_path / info.value.suggested_filename
        info.value.save_as(pdf)
        assert pdf.read_bytes().startswith(b"%PDF")
    else:
        assert "Không tạo được PDF" in page.locator(f"#job-{job.pk} .pdf-error").inner_text()


def test_province_user_is_refused(pack_world, live_server, page):
    login(page, live_server.url, "cb.chuyenvien")
    page.goto(live_server.url + "/phan-tich/ban-tin/")
    assert "Chỉ cán bộ của Bộ" in page.locator("#forbidden").inner_text()
