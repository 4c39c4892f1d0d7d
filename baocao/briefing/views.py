"""The briefing pack page (Ministry staff): choose a period, generate in the background, download."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from baocao.periods.services import Period
from baocao.recommendations.services import is_ministry

from . import services as s
from .models import BriefingJob, JobStatus
from .tasks import generate_pack_task

CONTENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


def _forbidden(request: HttpRequest) -> HttpResponse | None:
    if not is_ministry(request.user):
        return render(
            request, "briefing/forbidden.html",
            {"message": _("Chỉ cán bộ của Bộ được lập báo cáo giao ban.")}, status=403,
        )
    return None


def default_period(today: object = None) -> Period:
    """The last quarter that has ended."""
    day = today or timezone.localdate()
    return Period.containing("quarter", day).previous()  # type: ignore[arg-type]


def _job_dict(job: BriefingJob) -> dict[str, object]:
    return {
        "id": job.pk,
        "period": job.period,
        "status": job.status,
        "status_label": job.get_status_display(),
        "docx": bool(job.docx_path),
        "pdf": bool(job.pdf_path),
        "pdf_error": job.pdf_error,
        "error": job.error,
    }


@login_required
@require_http_methods(["GET", "POST"])
def index(request: HttpRequest) -> HttpResponse:
    if (denied := _forbidden(request)) is not None:
        return denied
    error = ""
    value = request.POST.get("ky", "") if request.method == "POST" else default_period().code
    if request.method == "POST":
        try:
            period = s.parse_pack_period(value)
        except s.BriefingError as exc:
            error = str(exc)
        else:
            job = BriefingJob.objects.create(period=period.code, requested_by=request.user)
            result = generate_pack_task.enqueue(job.pk)
            BriefingJob.objects.filter(pk=job.pk, task_id="").update(task_id=str(result.id))
            return redirect(f"{request.path}?job={job.pk}")
    jobs = list(BriefingJob.objects.select_related("requested_by")[:20])
    current = None
    if request.GET.get("job", "").isdigit():
        current = next((j for j in jobs if j.pk == int(request.GET["job"])), None)
    return render(
        request, "briefing/index.html",
        {"jobs": jobs, "current": current, "value": value, "error": error, "soffice": bool(s.soffice()),
         "pending": [j.pk for j in jobs if j.status in (JobStatus.QUEUED, JobStatus.RUNNING)]},
        status=400 if error else 200,
    )


@login_required
def status(request: HttpRequest, pk: int) -> HttpResponse:
    if (denied := _forbidden(request)) is not None:
        return denied
    return JsonResponse(_job_dict(get_object_or_404(BriefingJob, pk=pk)))


@login_required
def download(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    if (denied := _forbidden(request)) is not None:
        return denied
    job = get_object_or_404(BriefingJob, pk=pk)
    path = {"docx": job.docx_path, "pdf": job.pdf_path}.get(kind)
    if not path or not Path(path).is_file():
        raise Http404(_("Tệp chưa được tạo."))
    return FileResponse(
        open(path, "rb"), as_attachment=True, filename=Path(path).name, content_type=CONTENT_TYPES[kind]  # noqa: SIM115
    )
