"""The briefing page: Ministry staff only; a bad period is refused; a job is queued, run, downloaded."""

from __future__ import annotations

import io

import docx
import pytest
from django.core.management import call_command
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from baocao.briefing.models import BriefingJob, JobStatus

from .factories import PERIOD

URL = "/phan-tich/ban-tin/"


def test_only_ministry_staff(pack_world, client):
    assert reverse("briefing:index") == URL
    r = client.get(URL)
    assert r.status_code == 302 and "/dang-nhap/" in r["Location"]
    client.force_login(pack_world.reporter)
    r = client.get(URL)
    assert r.status_code == 403 and "Chỉ cán bộ của Bộ" in r.content.decode()
    assert client.post(URL, {"ky": PERIOD}).status_code == 403
    assert BriefingJob.objects.count() == 0


@pytest.mark.parametrize("bad", ["2024Q7", "abc", "202407", ""])
def test_bad_period_writes_nothing(pack_world, client, bad):
    client.force_login(pack_world.officer)
    r = client.post(URL, {"ky": bad})
    assert r.status_code == 400
    assert 'id="ky-error"' in r.content.decode()
    assert BriefingJob.objects.count() == 0 and DBTaskResult.objects.count() == 0


@pytest.mark.django_db(transaction=True)  # the worker manages its own transactions and connections
def test_job_queued_run_and_downloaded(pack_world, client, settings):
    client.force_login(pack_world.officer)
    page = client.get(URL)
    assert page.status_code == 200 and 'name="ky"' in page.content.decode()
    r = client.post(URL, {"ky": PERIOD})
    job = BriefingJob.objects.get()
    assert r.status_code == 302 and r["Location"].endswith(f"?job={job.pk}")
    assert job.status == JobStatus.QUEUED and job.requested_by == pack_world.officer
    task = DBTaskResult.objects.get(task_path__endswith="generate_pack_task")
    assert str(task.id) == job.task_id
    assert client.get(reverse("briefing:status", args=[job.pk])).json()["status"] == "queued"
    assert client.get(reverse("briefing:download", args=[job.pk, "docx"])).status_code == 404

    call_command("db_worker", "--batch", "--no-startup-delay", stdout=io.StringIO(), stderr=io.StringIO())
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.error
    status = client.get(reverse("briefing:status", args=[job.pk])).json()
    assert status["docx"] and status["status_label"] == "Hoàn thành"
    r = client.get(reverse("briefing:download", args=[job.pk, "docx"]))
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    d = docx.Document(io.BytesIO(b"".join(r.streaming_content)))
    assert any("quý III/2024" in p.text for p in d.paragraphs)
    if status["pdf"]:
        r = client.get(reverse("briefing:download", args=[job.pk, "pdf"]))
        assert r.status_code == 200 and b"".join(r.streaming_content).startswith(b"%PDF")
    else:
        assert "Không tạo được PDF" in status["pdf_error"]
    assert client.get(reverse("briefing:download", args=[job.pk, "exe"])).status_code == 404


def test_failed_job_says_why(pack_world, client):
    from baocao.briefing import services as s
    from baocao.briefing.models import PackIndicator
    from baocao.briefing.tasks import run_job

    s.load_defaults()
    PackIndicator.objects.create(code="NO_SUCH_INDICATOR", order=1)
    job = BriefingJob.objects.create(period=PERIOD, requested_by=pack_world.officer)
    assert run_job(job.pk) == JobStatus.FAILED
    job.refresh_from_db()
    assert "NO_SUCH_INDICATOR" in job.error and not job.docx_path
    client.force_login(pack_world.officer)
    assert "NO_SUCH_INDICATOR" in client.get(URL).content.decode()
