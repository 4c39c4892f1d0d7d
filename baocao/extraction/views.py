"""Pages of the extraction review: upload or pick a document, see its text with every extracted item
highlighted, accept, edit or reject each; accepted figures become data values with a link back here."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_POST

from baocao.core.uploads import UploadRejected, check_upload

from .about import period_start
from .models import ItemKind, ReviewStatus, SourceDocument
from .readers import ReadError
from .services import Decision, ReviewError, default_area, guess_assignees, ingest_bytes, review


def _check_reviewer(user: Any) -> None:
    if not (user.is_staff or user.has_perm("extraction.change_extracteditem")):
        raise PermissionDenied("Bạn không có quyền duyệt văn bản trích xuất.")


@login_required
def document_list(request: HttpRequest) -> HttpResponse:
    _check_reviewer(request.user)
    error = None
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error, status = "Chưa chọn tệp để tải lên.", 400
        else:
            try:
                check_upload(upload, "document")  # size and type limits (baocao.core.uploads)
                res = ingest_bytes(upload.read(), upload.name, user=request.user)
            except UploadRejected as exc:
                error, status = exc.message, 400
            except ReadError as exc:
                error, status = exc.message_vi, 400
            else:
                if res.created:
                    messages.success(request, f"Đã trích xuất {upload.name}: {res.counts['fact']} số liệu, "
                                              f"{res.counts['recommendation']} kiến nghị, {res.counts['directive']} chỉ đạo.")
                else:
                    messages.info(request, f"Văn bản {upload.name} đã có trong hệ thống (cùng nội dung).")
                return redirect("extraction:detail", pk=res.document.pk)
    docs = SourceDocument.objects.all()[:200]
    rows = []
    for d in docs:
        pending = d.items.filter(status=ReviewStatus.PENDING).count()
        rows.append({"doc": d, "pending": pending, "total": d.items.count()})
    return render(request, "extraction/list.html", {"rows": rows, "error": error}, status=status)


def _highlight(text: str, items: list[Any]) -> SafeString:
    """The text as HTML with one <mark> per item; nested spans (a figure inside a directive) nest."""
    out: list[str] = []
    stack: list[int] = []  # end offsets of the open marks
    pos = 0
    for it in sorted(items, key=lambda i: (i.start, -i.end)):
        while stack and stack[-1] <= it.start:
            end = stack.pop()
            out.append(escape(text[pos:end]) + "</mark>")
            pos = end
        out.append(escape(text[pos : it.start]))
        pos = it.start
        stack.append(min(it.end, stack[-1]) if stack else it.end)
        out.append(
            f'<mark id="span-{it.pk}" class="x-{it.kind} s-{it.status}" data-item="{it.pk}" '
            f'title="{escape(it.get_kind_display())}">'
        )
    while stack:
        end = stack.pop()
        out.append(escape(text[pos:end]) + "</mark>")
        pos = end
    out.append(escape(text[pos:]))
    return mark_safe("".join(out))  # every piece of text above is escaped


def _areas(document: SourceDocument) -> list[Any]:
    from baocao.geo.models import AdminArea, AreaLevel

    day = period_start(document.period) or document.event_date or dt.date.today()
    qs = AdminArea.objects.filter(level__in=[AreaLevel.COUNTRY, AreaLevel.PROVINCE])
    return list(qs.valid_on(day).order_by("level", "name")) or list(qs.order_by("level", "name"))


def _indicators() -> list[Any]:
    from baocao.catalog.models import Indicator

    return list(Indicator.objects.order_by("code").only("code", "name", "unit"))


def _organisations() -> list[Any]:
    from baocao.orgs.models import Organisation, OrgKind

    kinds = [OrgKind.MINISTRY_UNIT, OrgKind.DEPARTMENT, OrgKind.PEOPLES_COMMITTEE, OrgKind.ENTERPRISE, OrgKind.PRESS]
    return list(Organisation.objects.filter(kind__in=kinds).order_by("kind", "name").only("uid", "name"))


def _context(document: SourceDocument, error: ReviewError | None = None, posted: Any = None) -> dict[str, Any]:
    items = list(document.items.all())
    for it in items:
        if it.kind == ItemKind.DIRECTIVE:
            it.guessed = guess_assignees(it, document)
    area = default_area(document)
    return {
        "doc": document,
        "text_html": _highlight(document.text, items),
        "facts": [i for i in items if i.kind == ItemKind.FACT],
        "recs": [i for i in items if i.kind == ItemKind.RECOMMENDATION],
        "dirs": [i for i in items if i.kind == ItemKind.DIRECTIVE],
        "areas": _areas(document),
        "area_default": area.pk if area else None,
        "indicators": _indicators(),
        "organisations": _organisations(),
        "error": error,
        "posted": posted,
        "pending": sum(1 for i in items if i.status == ReviewStatus.PENDING),
    }


@login_required
def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _check_reviewer(request.user)
    document = get_object_or_404(SourceDocument, pk=pk)
    return render(request, "extraction/detail.html", _context(document))


@login_required
@require_POST
def document_review(request: HttpRequest, pk: int) -> HttpResponse:
    _check_reviewer(request.user)
    document = get_object_or_404(SourceDocument, pk=pk)
    decisions = []
    for item in document.items.all():
        action = request.POST.get(f"action-{item.pk}", "pending")
        if action not in ("accept", "reject", "pending"):
            action = "pending"
        decisions.append(
            Decision(
                item=item.pk,
                action=action,
                value=request.POST.get(f"value-{item.pk}"),
                denominator=request.POST.get(f"denominator-{item.pk}"),
                indicator=request.POST.get(f"indicator-{item.pk}"),
                qualifier=request.POST.get(f"qualifier-{item.pk}"),
                text=request.POST.get(f"text-{item.pk}"),
                assignees=request.POST.getlist(f"assignees-{item.pk}") or None,
            )
        )
    area = None
    area_id = request.POST.get("area", "").strip()
    if area_id:
        from baocao.geo.models import AdminArea

        area = AdminArea.objects.filter(pk=int(area_id) if area_id.isdigit() else -1).first()
    period = request.POST.get("period", "").strip() or document.period
    try:
        counts = review(document, decisions, user=request.user, area=area, period=period)
    except ReviewError as exc:
        return render(request, "extraction/detail.html", _context(document, exc, request.POST), status=400)
    messages.success(
        request,
        f"Đã lưu kết quả duyệt: {counts['fact']} số liệu, {counts['recommendation']} kiến nghị, "
        f"{counts['directive']} chỉ đạo được chấp nhận; {counts['rejected']} mục bị loại.",
    )
    return redirect("extraction:detail", pk=document.pk)
