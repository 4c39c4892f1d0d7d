"""Thin views: parse the request, call ``services``, render. Scope is checked in ``services`` only."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from . import excel
from . import services as s
from .models import ReportForm, State, Submission


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "reporting/forbidden.html", {"message": message}, status=403)


def guarded(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Login required; service ``Forbidden`` → 403 page, ``NotFound`` → 404."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        try:
            return view(request, *args, **kwargs)
        except s.Forbidden as exc:
            return _forbidden(request, exc.message)
        except s.NotFound as exc:
            raise Http404(exc.message) from None

    return wrapper


def _entry_url(form: str, period: str, area: str) -> str:
    return reverse("reporting:entry", args=[form, period, area])


# --- index ------------------------------------------------------------------------------------------


@guarded
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    areas = s.visible_areas(user)
    forms = list(ReportForm.objects.filter(active=True).select_related("regime"))
    own = []
    profile_area = None
    if areas:
        from baocao.geo.models import AdminArea

        profile_area = AdminArea.objects.get(pk=areas[0])
        subs = {
            (x.form_id, x.period): x for x in Submission.objects.filter(area=profile_area, form__in=forms).defer("snapshot")
        }
        for form in forms:
            rows = []
            for p in s.current_periods(form, today):
                if not profile_area.is_valid_on(p.end):
                    continue
                rows.append({
                    "period": p, "deadline": s.deadline_info(form, p, today), "submission": subs.get((form.pk, p.code)),
                    "url": _entry_url(form.code, p.code, profile_area.uid),
                })
            own.append({"form": form, "rows": rows})
    queue = []
    if s.allowed(user, "review"):
        queue = list(
            Submission.objects.filter(state=State.SUBMITTED).select_related("form", "area").defer("snapshot").order_by("submitted_at")[:100]
        )
    ctx = {
        "own": own, "area": profile_area, "queue": queue, "forms": forms,
        "can_completeness": s.allowed(user, "completeness"), "no_role": areas == [],
    }
    return render(request, "reporting/index.html", ctx)


# --- entry page -------------------------------------------------------------------------------------


def _collect(request: HttpRequest, keys: list[str]) -> dict[str, dict[str, str]]:
    data = {}
    for key in keys:
        fields = {name: request.POST.get(f"{name}__{key}") for name in ("value", "numerator", "denominator", "comment", "version")}
        if fields["value"] is None:
            continue  # not on the page that was posted
        data[key] = {k: (v or "") for k, v in fields.items()}
    return data


def _context(request: HttpRequest, sub: Submission, period: Any, rows: list[s.EntryItem], problems: list[s.Problem]) -> dict[str, Any]:
    user = request.user
    loose = s.attach_problems(rows, problems)
    sections: list[dict[str, Any]] = []
    for r in rows:
        if not sections or sections[-1]["title"] != r.section:
            sections.append({"title": r.section, "rows": []})
        sections[-1]["rows"].append(r)
    area_id = sub.area_id
    return {
        "sub": sub,
        "period": period,
        "sections": sections,
        "rows": rows,
        "problems": problems,
        "loose": loose,
        "errors": [p for p in problems if p.severity == "error"],
        "warnings": [p for p in problems if p.severity == "warning"],
        "deadline": s.deadline_info(sub.form, period),
        "events": list(sub.events.select_related("actor")) if sub.pk else [],
        "can_enter": sub.editable and s.allowed(user, "enter", area_id),
        "can_submit": sub.editable and sub.pk is not None and s.allowed(user, "submit", area_id),
        "can_review": sub.state == State.SUBMITTED and s.allowed(user, "review", area_id),
        "can_reopen": sub.state in (State.SUBMITTED, State.ACCEPTED) and s.allowed(user, "reopen", area_id),
        "can_upload": sub.editable and s.allowed(user, "upload", area_id),
        "can_verify": bool(sub.digest),
        "format_change": s.format_change,
        "excel_url": reverse("reporting:excel", args=[sub.form.code, period.code, sub.area.uid]),
        "upload_url": reverse("reporting:upload", args=[sub.form.code, period.code, sub.area.uid]),
    }


@guarded
@require_http_methods(["GET", "POST"])
def entry(request: HttpRequest, form: str, period: str, area: str) -> HttpResponse:
    action = "enter" if request.method == "POST" else "view"
    sub, per = s.open_submission(request.user, form, period, area, action)
    rows = s.entry_items(sub, per)
    status = 200
    if request.method == "POST":
        data = _collect(request, [r.key for r in rows])
        try:
            # Only "errors remain?" is needed here: the page redirected to shows every problem.
            result = s.save_values(sub, per, request.user, data, request=request, items=rows, outliers=False)
        except s.ReportingError as exc:
            messages.error(request, exc.message)
            return redirect(_entry_url(form, per.code, area))
        if result.ok:
            msg = f"Đã lưu {result.written} số liệu" + (f", xóa {result.deleted}" if result.deleted else "") + "."
            if any(p.severity == "error" for p in result.problems):
                msg += " Còn lỗi phải sửa trước khi gửi báo cáo."
            messages.success(request, msg)
            return redirect(_entry_url(form, per.code, area))
        # Re-read the rows: the hidden versions must be the ones stored now, so that saving again after
        # a conflict is a deliberate overwrite of the value shown, not a second conflict.
        rows = s.entry_items(sub, per) if sub.pk else rows
        for r in rows:
            if r.key in result.errors:
                r.errors.append(result.errors[r.key])
            r.submitted = result.submitted.get(r.key)
        status = 409 if result.conflicts else 400
        ctx = _context(request, sub, per, rows, [])
        ctx["save_failed"] = len(result.errors)
        labels = {r.key: r.label for r in rows}
        ctx["conflicts"] = [{"key": k, "label": labels.get(k, k), "c": c} for k, c in result.conflicts.items()]
        return render(request, "reporting/entry.html", ctx, status=status)
    problems = s.check(sub, per, rows) if sub.pk else []
    return render(request, "reporting/entry.html", _context(request, sub, per, rows, problems))


def _transition(request: HttpRequest, form: str, period: str, area: str, action: str, fn: Callable[..., Any], ok: str) -> HttpResponse:
    sub, per = s.open_submission(request.user, form, period, area, action)
    try:
        fn(sub)
        messages.success(request, ok)
    except s.ReportingError as exc:
        messages.error(request, exc.message)
    return redirect(_entry_url(form, per.code, area))


@guarded
@require_POST
def submit(request: HttpRequest, form: str, period: str, area: str) -> HttpResponse:
    return _transition(request, form, period, area, "submit", lambda sub: s.submit(sub, request.user, request=request),
                       "Đã gửi báo cáo lên Bộ.")


@guarded
@require_POST
def accept(request: HttpRequest, form: str, period: str, area: str) -> HttpResponse:
    return _transition(request, form, period, area, "review", lambda sub: s.accept(sub, request.user, request=request),
                       "Đã chấp nhận báo cáo.")


@guarded
@require_POST
def return_(request: HttpRequest, form: str, period: str, area: str) -> HttpResponse:
    reason = request.POST.get("reason", "")
    return _transition(request, form, period, area, "review",
                       lambda sub: s.return_(sub, request.user, reason, request=request), "Đã trả lại báo cáo cho Sở.")


@guarded
@require_POST
def reopen(request: HttpRequest, form: str, period: str, area: str) -> HttpResponse:
    reason = request.POST.get("reason", "")
    return _transition(request, form, period, area, "reopen",
                       lambda sub: s.reopen(sub, request.user, reason, request=request), "Đã mở lại báo cáo.")


@guarded
@require_POST
def verify(request: HttpRequest, form: str, period: str, area: str) -> HttpResponse:
    sub, per = s.open_submission(request.user, form, period, area, "view")
    if sub.pk is None:
        messages.error(request, "Báo cáo chưa được gửi nên chưa có bản chốt để kiểm tra.")
    else:
        result = s.verify(sub)
        (messages.success if result.ok else messages.error)(request, result.message)
    return redirect(_entry_url(form, per.code, area))


# --- Excel ------------------------------------------------------------------------------------------


@guarded
def excel_download(request: HttpRequest, form: str, period: str, area: str) -> HttpResponse:
    sub, per = s.open_submission(request.user, form, period, area, "download")
    data = excel.build(sub, per)
    resp = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    resp["Content-Disposition"] = f'attachment; filename="{sub.form.code}_{per.code}_{sub.area.uid}.xlsx"'
    return resp


@guarded
@require_POST
def excel_upload(request: HttpRequest, form: str, period: str, area: str) -> HttpResponse:
    sub, per = s.open_submission(request.user, form, period, area, "upload")
    upload = request.FILES.get("file")
    apply = request.POST.get("apply") == "1"
    token = request.POST.get("token", "")
    ctx: dict[str, Any] = {"sub": sub, "period": per, "entry_url": _entry_url(form, per.code, area)}
    if upload is None and apply and token:
        data = excel.unstash(token, request.user, sub, per)
        if data is None:
            ctx["problems"] = [excel.UploadProblem("", "", "Tệp đã kiểm tra không còn (quá một giờ hoặc không phải của bạn); hãy tải lên lại.")]
            return render(request, "reporting/upload.html", ctx, status=400)
    elif upload is None:
        ctx["problems"] = [excel.UploadProblem("", "", "Chưa chọn tệp Excel để tải lên.")]
        return render(request, "reporting/upload.html", ctx, status=400)
    else:
        limit = excel.max_upload_bytes()
        if upload.size > limit:
            ctx["problems"] = [excel.UploadProblem("", "", f"Tệp quá lớn ({upload.size // 1024 // 1024} MB); tối đa {limit // 1024 // 1024} MB.")]
            return render(request, "reporting/upload.html", ctx, status=400)
        data = upload.read()
    try:
        result = excel.upload(sub, per, request.user, data, apply=apply, request=request)
    except s.ReportingError as exc:
        ctx["problems"] = [excel.UploadProblem("", "", exc.message)]
        return render(request, "reporting/upload.html", ctx, status=400)
    ctx["result"] = result
    ctx["problems"] = result.problems
    if apply and result.applied:
        if token:
            excel.drop(token)
        messages.success(request, f"Đã cập nhật {result.written} số liệu từ tệp Excel.")
        return redirect(_entry_url(form, per.code, area))
    if not apply and result.changes and not result.problems:
        ctx["token"] = excel.stash(data, request.user, sub, per)
    return render(request, "reporting/upload.html", ctx, status=400 if result.problems else 200)


# --- completeness -----------------------------------------------------------------------------------


@guarded
def completeness(request: HttpRequest) -> HttpResponse:
    s.require(request.user, "completeness")
    forms = list(ReportForm.objects.filter(active=True).select_related("regime"))
    if not forms:
        raise Http404("Chưa có biểu mẫu báo cáo (chạy: baocao load_forms).")
    form = next((f for f in forms if f.code == request.GET.get("bieu")), forms[0])
    today = timezone.localdate()
    choices = s.current_periods(form, today, count=8)
    period = choices[0]
    if request.GET.get("ky"):
        period = s.parse_form_period(form, request.GET["ky"])
    report = s.completeness(form, period, today)
    history = s.completeness_history(form, period, count=6, today=today)
    return render(
        request, "reporting/completeness.html",
        {"forms": forms, "form": form, "period": period, "choices": choices, "report": report, "history": history,
         "matrix": s.province_matrix(report, history)},
    )
