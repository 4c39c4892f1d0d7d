"""Background generation of the pack (django-tasks; ``baocao db_worker`` runs it)."""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from . import services as s
from .models import BriefingJob, JobStatus

log = logging.getLogger(__name__)


def job_folder(job: BriefingJob) -> Path:
    return Path(settings.MEDIA_ROOT) / "briefing" / str(job.pk)


def run_job(job_id: int) -> str:
    """Make the files of one job and record the outcome on it."""
    job = BriefingJob.objects.get(pk=job_id)
    job.status = JobStatus.RUNNING
    job.save(update_fields=["status"])
    try:
        folder = job_folder(job)
        folder.mkdir(parents=True, exist_ok=True)
        result = s.generate(job.period, folder / f"bao-cao-giao-ban-{job.period}.docx")
    except Exception as exc:  # noqa: BLE001 - any failure is shown to the user on the job
        log.exception("briefing job %s failed", job_id)
        job.status = JobStatus.FAILED
        job.error = str(exc) if isinstance(exc, s.BriefingError) else f"Lỗi khi tạo báo cáo: {exc}"
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "error", "finished_at"])
        return job.status
    job.docx_path = str(result.docx)
    job.pdf_path = str(result.pdf) if result.pdf else ""
    job.pdf_error = result.pdf_error
    job.status = JobStatus.DONE
    job.finished_at = timezone.now()
    job.save(update_fields=["docx_path", "pdf_path", "pdf_error", "status", "finished_at"])
    return job.status


@task()
def generate_pack_task(job_id: int) -> str:
    return run_job(job_id)
