"""Thin views: parse the request, call ``services``/``stats``, render. No role tests here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from baocao.catalog.models import Domain
from baocao.core.text import fold
from baocao.geo.models import AdminArea

from . import services as s
from . import stats
from .forms import (
    AnswerForm,
    AssignForm,
    AttachForm,
    CancelForm,
    ConcludeForm,
    DeclineForm,
    DirectiveForm,
    ProgressForm,
    PublishForm,
    RecommendationForm,
    SessionForm,
)
from .models import (
    OPEN_DIR_STATES,
    OPEN_REC_STATES,
    Attachment,
    BriefingSession,
    Directive,
    DirState,
    Evidence,
    Recommendation,
    RecState,
)

PAGE_SIZE = 50


# ---------------------------------------------------------------------------------------------------
# Access helpers


def forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "recommendations/forbidden.html", {"message": message}, status=403)


def member_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A logged-in user with a role in the sector (a Ministry or a department profile)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (s.is_ministry(request.user) or s.is_province(request.user)):
            return forbidden(request, "Tài khoản của bạn chưa được phân quyền (chưa gắn vai trò và đơn vị).")
        return view(request, *args, **kwargs)

    return wrapper


def _tokens(q: str) -> list[str]:
    return fold(q).split()


def _search(qs: QuerySet, q: str) -> QuerySet:
    for tok in _tokens(q):
        qs = qs.filter(search_folded__contains=tok)
    return qs


def _int_or_none(v: str | None) -> int | None:
    try:
        return int(v) if v not in (None, "") else None
    except ValueError:
        return None


def _page(request: HttpRequest, qs: QuerySet) -> Any:
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("trang"))


def _querystring(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("trang", None)
    return params.urlencode()


# ---------------------------------------------------------------------------------------------------
# Recommendations


@member_required
def rec_list(request: HttpRequest) -> HttpResponse:
    qs = s.visible_recommendations(request.user).select_related("sender_org", "lead_unit", "area", "domain")
    f = request.GET
    if f.get("q"):
        qs = _search(qs, f["q"])
    if f.get("trang_thai") in RecState.values:
        qs = qs.filter(state=f["trang_thai"])
    if f.get("qua_han"):
        qs = qs.filter(state__in=OPEN_REC_STATES, due_on__lt=timezone.localdate())
    if _int_or_none(f.get("don_vi")):
        qs = qs.filter(lead_unit_id=int(f["don_vi"]))
    if f.get("cua_toi") and s.profile_of(request.user) and s.profile_of(request.user).organisation_id:
        org = s.profile_of(request.user).organisation_id
        qs = qs.filter(Q(lead_unit_id=org) | Q(co_units__id=org) | Q(sender_org_id=org)).distinct()
    return render(
        request,
        "recommendations/rec_list.html",
        {
            "page": _page(request, qs),
            "states": RecState.choices,
            "f": f,
            "qs": _querystring(request),
            "today": timezone.localdate(),
            "can_create": s.is_office(request.user) or s.is_province(request.user),
        },
    )


@member_required
def rec_create(request: HttpRequest) -> HttpResponse:
    office = s.is_office(request.user)
    if not (office or s.is_province(request.user)):
        return forbidden(request, "Chỉ Sở hoặc Văn phòng Bộ được gửi, tiếp nhận kiến nghị.")
    form = RecommendationForm(request.POST or None, request.FILES or None, office=office)
    error = None
    if request.method == "POST" and form.is_valid():
        c = form.cleaned_data
        sender_org = None
        if office and c.get("sender_org"):
            from baocao.orgs.models import Organisation

            sender_org = Organisation.objects.filter(pk=_int_or_none(c["sender_org"])).first()
            if sender_org is None:
                form.add_error("sender_org", "Cơ quan gửi không tồn tại.")
        if not form.errors:
            data = s.NewRecommendation(
                title=c["title"],
                text=c["text"],
                sender_type=c.get("sender_type") or "department",
                sender_org=sender_org,
                sender_name=c.get("sender_name", ""),
                sender_email=c.get("sender_email", ""),
                addressee=c["addressee"],
                domain=c["domain"],
                session=c["session"],
                received_on=c.get("received_on"),
                source_document=c["source_document"],
            )
            try:
                rec = s.create_recommendation(request.user, data, files=c["files"])
            except s.NotAllowed as exc:
                return forbidden(request, exc.message)
            except s.ServiceError as exc:
                error = exc
                if exc.field in form.fields:
                    form.add_error(exc.field, exc.message)
            else:
                messages.success(request, f"Đã gửi kiến nghị {rec.reference}.")
                return redirect("recommendations:detail", pk=rec.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "recommendations/rec_form.html", {"form": form, "error": error, "office": office}, status=status)


def _detail_context(request: HttpRequest, rec: Recommendation) -> dict[str, Any]:
    user = request.user
    office = s.is_office(user)
    open_ = rec.state in OPEN_REC_STATES
    return {
        "rec": rec,
        "today": timezone.localdate(),
        "assignments": rec.assignments.select_related("lead_unit", "assigned_by").prefetch_related("co_units"),
        "events": rec.events.select_related("actor"),
        "attachments": rec.attachments.all(),
        "co_units": rec.co_units.all(),
        "can_assign": office and open_,
        "can_decline": office and open_,
        "can_answer": rec.state in (RecState.ASSIGNED, RecState.ANSWERED) and s.can_answer(user, rec),
        "can_publish": office and rec.state == RecState.ANSWERED,
        "can_attach": office or s.can_answer(user, rec) or (s.is_province(user) and rec.sender_org_id == s._org_id(user)),
        "assign_form": AssignForm(initial={"lead_unit": rec.lead_unit_id}, auto_id="assign_%s"),
        "answer_form": AnswerForm(initial={"internal_answer": rec.internal_answer}, auto_id="answer_%s"),
        "publish_form": PublishForm(initial={"public_answer": rec.public_answer or rec.internal_answer}, auto_id="publish_%s"),
        "decline_form": DeclineForm(auto_id="decline_%s"),
        "attach_form": AttachForm(auto_id="attach_%s"),
        "duplicates": rec.duplicates.all(),
        "directives": rec.directives.all(),
    }


@member_required
def rec_detail(request: HttpRequest, pk: int) -> HttpResponse:
    rec = get_object_or_404(Recommendation.objects.select_related("sender_org", "lead_unit", "area", "domain", "session"), pk=pk)
    if not s.can_view_recommendation(request.user, rec):
        return forbidden(request, "Bạn không có quyền xem kiến nghị này: kiến nghị của đơn vị khác và chưa được công khai.")
    return render(request, "recommendations/rec_detail.html", _detail_context(request, rec))


def _act(request: HttpRequest, rec: Recommendation, form: Any, action: Callable[[dict], Any], done: str, form_key: str) -> HttpResponse:
    """Run one service action from a POSTed form; a bad input re-renders the page with the error (400)."""
    if not form.is_valid():
        ctx = _detail_context(request, rec)
        ctx[form_key] = form
        ctx["error"] = "Dữ liệu nhập chưa hợp lệ: " + "; ".join(str(e) for errs in form.errors.values() for e in errs)
        return render(request, "recommendations/rec_detail.html", ctx, status=400)
    try:
        action(form.cleaned_data)
    except s.NotAllowed as exc:
        return forbidden(request, exc.message)
    except s.ServiceError as exc:
        rec.refresh_from_db()
        ctx = _detail_context(request, rec)
        ctx[form_key] = form
        ctx["error"] = exc.message
        ctx["error_field"] = exc.field
        return render(request, "recommendations/rec_detail.html", ctx, status=400)
    messages.success(request, done)
    return redirect("recommendations:detail", pk=rec.pk)


def _rec_for_action(request: HttpRequest, pk: int) -> Recommendation | HttpResponse:
    rec = get_object_or_404(Recommendation, pk=pk)
    if not s.can_view_recommendation(request.user, rec):
        return forbidden(request, "Bạn không có quyền xem kiến nghị này: kiến nghị của đơn vị khác và chưa được công khai.")
    return rec


@require_POST
@member_required
def rec_assign(request: HttpRequest, pk: int) -> HttpResponse:
    rec = _rec_for_action(request, pk)
    if isinstance(rec, HttpResponse):
        return rec
    return _act(
        request,
        rec,
        AssignForm(request.POST, auto_id="assign_%s"),
        lambda c: s.assign(request.user, rec, c["lead_unit"], c["co_units"], c["due_on"], c["note"]),
        "Đã giao đơn vị chủ trì xử lý kiến nghị.",
        "assign_form",
    )


@require_POST
@member_required
def rec_answer(request: HttpRequest, pk: int) -> HttpResponse:
    rec = _rec_for_action(request, pk)
    if isinstance(rec, HttpResponse):
        return rec
    return _act(
        request, rec, AnswerForm(request.POST, auto_id="answer_%s"), lambda c: s.answer(request.user, rec, c["internal_answer"]), "Đã lưu nội dung trả lời.", "answer_form"
    )


@require_POST
@member_required
def rec_publish(request: HttpRequest, pk: int) -> HttpResponse:
    rec = _rec_for_action(request, pk)
    if isinstance(rec, HttpResponse):
        return rec
    return _act(
        request,
        rec,
        PublishForm(request.POST, auto_id="publish_%s"),
        lambda c: s.publish(request.user, rec, c["public_answer"]),
        "Đã công khai câu trả lời trên trang công khai.",
        "publish_form",
    )


@require_POST
@member_required
def rec_decline(request: HttpRequest, pk: int) -> HttpResponse:
    rec = _rec_for_action(request, pk)
    if isinstance(rec, HttpResponse):
        return rec
    return _act(
        request,
        rec,
        DeclineForm(request.POST, auto_id="decline_%s"),
        lambda c: s.decline(request.user, rec, c["reason"], c["note"], c["duplicate_of"] or None),
        "Đã ghi nhận không xử lý kiến nghị.",
        "decline_form",
    )


@require_POST
@member_required
def rec_attach(request: HttpRequest, pk: int) -> HttpResponse:
    rec = _rec_for_action(request, pk)
    if isinstance(rec, HttpResponse):
        return rec

    def attach(c: dict) -> None:
        if not c.get("file"):
            raise s.ServiceError("Cần chọn tệp để đính kèm.", "file")
        s.add_attachment(request.user, rec, c["file"])

    return _act(request, rec, AttachForm(request.POST, request.FILES, auto_id="attach_%s"), attach, "Đã đính kèm tệp.", "attach_form")


@member_required
def attachment_download(request: HttpRequest, pk: int) -> HttpResponse:
    att = get_object_or_404(Attachment.objects.select_related("recommendation"), pk=pk)
    if not s.can_view_recommendation(request.user, att.recommendation):
        return forbidden(request, "Bạn không có quyền tải tệp này.")
    return FileResponse(att.file.open("rb"), as_attachment=True, filename=att.name)


# ---------------------------------------------------------------------------------------------------
# The public page (no login)


def public_list(request: HttpRequest) -> HttpResponse:
    qs = Recommendation.objects.filter(state=RecState.PUBLISHED).select_related("sender_org", "area", "domain", "session", "lead_unit")
    f = request.GET
    q = (f.get("q") or "").strip()[:200]
    if q:
        qs = _search(qs, q)
    domain = _int_or_none(f.get("linh_vuc"))
    if domain:
        qs = qs.filter(domain_id=domain)
    area = _int_or_none(f.get("tinh"))
    if area:
        qs = qs.filter(area_id=area)
    session = _int_or_none(f.get("giao_ban"))
    if session:
        qs = qs.filter(session_id=session)
    qs = qs.order_by("-published_on", "-id")
    published = Recommendation.objects.filter(state=RecState.PUBLISHED)
    return render(
        request,
        "recommendations/public_list.html",
        {
            "page": _page(request, qs),
            "q": q,
            "f": f,
            "qs": _querystring(request),
            "domains": Domain.objects.filter(pk__in=published.values("domain_id")),
            "areas": AdminArea.objects.filter(pk__in=published.values("area_id")).order_by("name"),
            "sessions": BriefingSession.objects.filter(pk__in=published.values("session_id")),
            "sel_domain": domain,
            "sel_area": area,
            "sel_session": session,
        },
    )


def public_detail(request: HttpRequest, pk: int) -> HttpResponse:
    rec = get_object_or_404(
        Recommendation.objects.select_related("sender_org", "area", "domain", "session", "lead_unit"), pk=pk, state=RecState.PUBLISHED
    )
    return render(request, "recommendations/public_detail.html", {"rec": rec})


# ---------------------------------------------------------------------------------------------------
# Briefing sessions


@member_required
def session_list(request: HttpRequest) -> HttpResponse:
    sessions = BriefingSession.objects.all()
    return render(request, "recommendations/session_list.html", {"sessions": sessions, "can_create": s.is_office(request.user)})


@member_required
def session_create(request: HttpRequest) -> HttpResponse:
    if not s.is_office(request.user):
        return forbidden(request, "Chỉ Văn phòng Bộ được tạo phiên giao ban.")
    form = SessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        c = form.cleaned_data
        try:
            session = s.create_session(
                request.user, c["title"], c["date"], c["chair"], c["chair_title"], c["participants"], c["connection_points"] or 0, c["location"]
            )
        except s.ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "Đã tạo phiên giao ban.")
            return redirect("recommendations:session", pk=session.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "recommendations/session_form.html", {"form": form}, status=status)


def _session_context(request: HttpRequest, session: BriefingSession, form: ConcludeForm | None = None) -> dict[str, Any]:
    return {
        "session": session,
        "recs": s.visible_recommendations(request.user).filter(session=session).select_related("sender_org", "lead_unit", "area"),
        "directives": s.visible_directives(request.user).filter(session=session).prefetch_related("assignees"),
        "can_conclude": s.is_office(request.user),
        "form": form or ConcludeForm(),
        "today": timezone.localdate(),
    }


@member_required
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(BriefingSession, pk=pk)
    return render(request, "recommendations/session_detail.html", _session_context(request, session))


@require_POST
@member_required
def session_conclude(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(BriefingSession, pk=pk)
    form = ConcludeForm(request.POST)
    error = None
    if form.is_valid():
        c = form.cleaned_data
        try:
            created = s.conclude_session(request.user, session, c["conclusions"], c["assignees"], c["due_on"])
        except s.NotAllowed as exc:
            return forbidden(request, exc.message)
        except s.ServiceError as exc:
            error = exc.message
        else:
            messages.success(request, f"Đã ghi kết luận và giao {len(created)} nhiệm vụ.")
            return redirect("recommendations:session", pk=session.pk)
    else:
        error = "Dữ liệu nhập chưa hợp lệ."
    session.refresh_from_db()
    ctx = _session_context(request, session, form)
    ctx["error"] = error
    return render(request, "recommendations/session_detail.html", ctx, status=400)


@require_POST
@member_required
def session_add_recommendation(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(BriefingSession, pk=pk)
    try:
        rec = s.add_to_session(request.user, session, request.POST.get("reference", ""))
    except s.NotAllowed as exc:
        return forbidden(request, exc.message)
    except s.ServiceError as exc:
        ctx = _session_context(request, session)
        ctx["error"] = exc.message
        return render(request, "recommendations/session_detail.html", ctx, status=400)
    messages.success(request, f"Đã ghi nhận kiến nghị {rec.reference} tại phiên giao ban.")
    return redirect("recommendations:session", pk=session.pk)


# ---------------------------------------------------------------------------------------------------
# Directives


@member_required
def directive_list(request: HttpRequest) -> HttpResponse:
    qs = s.visible_directives(request.user).select_related("session").prefetch_related("assignees")
    f = request.GET
    if f.get("trang_thai") in DirState.values:
        qs = qs.filter(state=f["trang_thai"])
    if f.get("qua_han"):
        qs = qs.filter(state__in=OPEN_DIR_STATES, due_on__lt=timezone.localdate())
    if f.get("q"):
        qs = _search(qs, f["q"])
    return render(
        request,
        "recommendations/directive_list.html",
        {
            "page": _page(request, qs),
            "states": DirState.choices,
            "f": f,
            "qs": _querystring(request),
            "today": timezone.localdate(),
            "can_create": s.is_office(request.user),
        },
    )


@member_required
def directive_create(request: HttpRequest) -> HttpResponse:
    if not s.is_office(request.user):
        return forbidden(request, "Chỉ Văn phòng Bộ được giao nhiệm vụ.")
    form = DirectiveForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        c = form.cleaned_data
        try:
            d = s.create_directive(
                request.user,
                title=c["title"],
                leader_name=c["leader_name"],
                leader_title=c["leader_title"],
                assignees=c["assignees"],
                given_on=c["given_on"],
                due_on=c["due_on"],
                meeting=c["meeting"],
                document=c["document"],
                detail=c["detail"],
                domain=c["domain"],
            )
        except s.ServiceError as exc:
            error = exc.message
        else:
            messages.success(request, f"Đã giao nhiệm vụ {d.reference}.")
            return redirect("recommendations:directive", pk=d.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "recommendations/directive_form.html", {"form": form, "error": error}, status=status)


def _directive_context(request: HttpRequest, d: Directive) -> dict[str, Any]:
    return {
        "d": d,
        "today": timezone.localdate(),
        "updates": d.updates.select_related("author", "organisation").prefetch_related("evidence"),
        "assignees": d.assignees.all(),
        "can_progress": d.state in OPEN_DIR_STATES and s.can_report_progress(request.user, d),
        "can_cancel": d.state in OPEN_DIR_STATES and s.is_office(request.user),
        "progress_form": ProgressForm(initial={"percent": d.percent}, auto_id="progress_%s"),
        "cancel_form": CancelForm(auto_id="cancel_%s"),
    }


def _directive_or_403(request: HttpRequest, pk: int) -> Directive | HttpResponse:
    d = get_object_or_404(Directive.objects.select_related("session", "domain", "recommendation"), pk=pk)
    if not s.can_view_directive(request.user, d):
        return forbidden(request, "Bạn không có quyền xem nhiệm vụ này: nhiệm vụ không giao cho đơn vị của bạn.")
    return d


@member_required
def directive_detail(request: HttpRequest, pk: int) -> HttpResponse:
    d = _directive_or_403(request, pk)
    if isinstance(d, HttpResponse):
        return d
    return render(request, "recommendations/directive_detail.html", _directive_context(request, d))


def _directive_act(request: HttpRequest, d: Directive, form: Any, action: Callable[[dict], Any], done: str, key: str) -> HttpResponse:
    error = None
    if form.is_valid():
        try:
            action(form.cleaned_data)
        except s.NotAllowed as exc:
            return forbidden(request, exc.message)
        except s.ServiceError as exc:
            error = exc.message
        else:
            messages.success(request, done)
            return redirect("recommendations:directive", pk=d.pk)
    else:
        error = "Dữ liệu nhập chưa hợp lệ: " + "; ".join(str(e) for errs in form.errors.values() for e in errs)
    d.refresh_from_db()
    ctx = _directive_context(request, d)
    ctx[key] = form
    ctx["error"] = error
    return render(request, "recommendations/directive_detail.html", ctx, status=400)


@require_POST
@member_required
def directive_progress(request: HttpRequest, pk: int) -> HttpResponse:
    d = _directive_or_403(request, pk)
    if isinstance(d, HttpResponse):
        return d
    form = ProgressForm(request.POST, request.FILES, auto_id="progress_%s")
    return _directive_act(
        request,
        d,
        form,
        lambda c: s.report_progress(request.user, d, c["percent"], c["note"], files=c["files"]),
        "Đã cập nhật tiến độ.",
        "progress_form",
    )


@require_POST
@member_required
def directive_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    d = _directive_or_403(request, pk)
    if isinstance(d, HttpResponse):
        return d
    return _directive_act(
        request, d, CancelForm(request.POST, auto_id="cancel_%s"), lambda c: s.cancel_directive(request.user, d, c["reason"]), "Đã hủy nhiệm vụ.", "cancel_form"
    )


@member_required
def evidence_download(request: HttpRequest, pk: int) -> HttpResponse:
    ev = get_object_or_404(Evidence.objects.select_related("update__directive"), pk=pk)
    if not s.can_view_directive(request.user, ev.update.directive):
        return forbidden(request, "Bạn không có quyền tải tệp này.")
    return FileResponse(ev.file.open("rb"), as_attachment=True, filename=ev.name)


# ---------------------------------------------------------------------------------------------------
# Statistics


class PeriodError(ValueError):
    pass


def _parse_day(text: str, label: str) -> dt.date:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise PeriodError(f"{label} “{text}” không phải là ngày hợp lệ (dd/mm/yyyy hoặc yyyy-mm-dd).")


def parse_period(params: Any, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """``from``/``to`` (or ``tu``/``den``); default: the current quarter up to today."""
    today = today or timezone.localdate()
    q_start = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    raw_from = params.get("from") or params.get("tu")
    raw_to = params.get("to") or params.get("den")
    start = _parse_day(raw_from, "Ngày bắt đầu") if raw_from else q_start
    end = _parse_day(raw_to, "Ngày kết thúc") if raw_to else today
    if end < start:
        raise PeriodError("Ngày kết thúc không được trước ngày bắt đầu.")
    return start, end


@member_required
def stats_page(request: HttpRequest) -> HttpResponse:
    try:
        start, end = parse_period(request.GET)
    except PeriodError as exc:
        today = timezone.localdate()
        return render(
            request, "recommendations/stats.html", {"error": str(exc), "start": today, "end": today}, status=400
        )
    data = stats.period_stats(start, end, viewer=request.user)
    for group in data["directives"]["speed_up"]:
        for item in group["directives"]:
            item["due_on_date"] = dt.date.fromisoformat(item["due_on"])
    return render(
        request,
        "recommendations/stats.html",
        {
            "data": data,
            "r": data["recommendations"],
            "dstat": data["directives"],
            "start": start,
            "end": end,
            "as_of": dt.date.fromisoformat(data["as_of"]),
        },
    )


def stats_json(request: HttpRequest) -> JsonResponse:
    if not request.user.is_authenticated:
        return JsonResponse({"error": "Cần đăng nhập để xem thống kê.", "login": reverse("login")}, status=401)
    if not (s.is_ministry(request.user) or s.is_province(request.user)):
        return JsonResponse({"error": "Tài khoản chưa được phân quyền."}, status=403)
    try:
        start, end = parse_period(request.GET)
    except PeriodError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    return JsonResponse(stats.period_stats(start, end, viewer=request.user), json_dumps_params={"ensure_ascii": False})
