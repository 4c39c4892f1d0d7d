"""Dashboards (thin views): every figure comes from ``baocao.analytics.services``; nothing is computed here.

Who sees what: every logged-in user sees the national figures; the Ministry sees every province, a
department (Sở) its own province only (``baocao.reporting.services.visible_areas``).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from baocao.analytics import services as analytics
from baocao.analytics.cache import cached, data_stamp
from baocao.catalog.models import Indicator
from baocao.core.numbers import format_number
from baocao.geo.models import AdminArea, AreaLevel
from baocao.reporting.services import visible_areas

from .forms import FilterForm, TableForm, default_period

OVERVIEW_FILTERS = "ky linh_vuc vung gom_da_nop"
SERIES_LENGTH = 12  # periods shown in the indicator page's time series


def _filters(request: HttpRequest) -> tuple[FilterForm, dict[str, Any] | None]:
    data = request.GET.copy()
    if not (data.get("ky") or "").strip():
        data["ky"] = default_period().code  # shown in the filter, so the page says which period it is
    form = FilterForm(data)
    if form.is_valid():
        return form, form.cleaned_data
    return form, None


def _points(points: list[Any]) -> list[dict[str, Any]]:
    """Chart data for json_script: period code and the value as a float (None stays a gap)."""
    return [{"p": p.period, "v": None if p.value is None else float(p.value)} for p in points]


def _lower_is_better() -> set[str]:
    """Codes of the indicators for which a fall is good news (colours of the changes), in one query."""
    from baocao.analytics.models import Better, Direction

    return set(Direction.objects.filter(better=Better.LOWER).values_list("indicator__code", flat=True))


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    form, f = _filters(request)
    ctx: dict[str, Any] = {"form": form}

    def filters_html() -> str:
        return render_to_string("dashboards/_filters.html", {"form": form, "fields": OVERVIEW_FILTERS})

    status = 200
    if f is None:
        status = 400
        ctx["filters_html"] = mark_safe(filters_html())  # noqa: S308 - our own template's output
    else:
        # Three parts of the page are the same for many readers and are rendered once per data stamp
        # (baocao.analytics.cache, never stale): the table, the filters, the province links of a visibility.
        stamp = data_stamp()
        lang = get_language()
        period = f["ky"]
        domain = f["linh_vuc"].code if f["linh_vuc"] else None

        def table_html() -> str:
            rows = analytics.overview(period, domain=domain, region=f["vung"], include_submitted=f["gom_da_nop"])
            return render_to_string("dashboards/_overview_table.html", {
                "period": period,
                "rows": rows,
                "sparklines": {r.indicator.code: _points(r.sparkline) for r in rows},
                "lower_better": _lower_is_better(),
            })

        vis = visible_areas(request.user)

        def links_html() -> str:
            # The province pages the user may open: the Ministry every province valid at the end of the
            # period, a department its own.
            if vis is None:
                links = AdminArea.objects.filter(level=AreaLevel.PROVINCE).valid_on(period.end).order_by("name")
            else:
                links = AdminArea.objects.filter(id__in=vis).order_by("name")
            return render_to_string("dashboards/_province_links.html", {"province_links": links, "period": period})

        table_key = (period.code, domain, f["vung"], f["gom_da_nop"], lang)
        ctx.update(
            period=period,
            # our own templates' output (escaped when rendered), stored as text
            table_html=mark_safe(cached("overview_table", table_key, table_html, stamp)),  # noqa: S308
            filters_html=mark_safe(cached("overview_filters", (form.data.urlencode(), lang), filters_html, stamp)),  # noqa: S308
            links_html=mark_safe(  # noqa: S308
                cached("overview_links", (None if vis is None else tuple(vis), period.code, lang), links_html, stamp)
            ) if vis is None or vis else "",
        )
    return render(request, "dashboards/overview.html", ctx, status=status)


def _check_area(request: HttpRequest, area: AdminArea) -> None:
    vis = visible_areas(request.user)
    if vis is None:
        return
    if area.id not in vis:
        raise PermissionDenied(_("Bạn chỉ được xem trang của tỉnh, thành phố mình."))


@login_required
def province(request: HttpRequest, uid: str) -> HttpResponse:
    area = get_object_or_404(AdminArea, uid=uid, level=AreaLevel.PROVINCE)
    _check_area(request, area)
    form, f = _filters(request)
    ctx: dict[str, Any] = {"form": form, "area": area}
    if f is None:
        return render(request, "dashboards/province.html", ctx, status=400)
    domain = f["linh_vuc"].code if f["linh_vuc"] else None
    rows = cached(
        "province_profile", (area.pk, f["ky"].code, domain, f["gom_da_nop"]),
        lambda: analytics.province_profile(area, f["ky"], domain=domain, include_submitted=f["gom_da_nop"]),
    )
    ctx.update(period=f["ky"], rows=rows)
    return render(request, "dashboards/province.html", ctx)


@login_required
def indicator(request: HttpRequest, code: str) -> HttpResponse:
    ind = Indicator.objects.select_related("domain").filter(code=code).first()
    if ind is None:
        raise Http404(_("Không có chỉ tiêu mã “%(code)s”.") % {"code": code})
    form, f = _filters(request)
    ctx: dict[str, Any] = {"form": form, "indicator": ind}
    if f is None:
        return render(request, "dashboards/indicator.html", ctx, status=400)
    period, sub = f["ky"], f["gom_da_nop"]
    ranking = analytics.ranking(ind, period, region=f["vung"], include_submitted=sub)
    of = sum(1 for r in ranking if r.rank is not None)
    vis = visible_areas(request.user)
    if vis is not None:
        # A department sees where its own province stands, not the other provinces' figures.
        ranking = [r for r in ranking if r.area.id in vis]
    periods = [period.shift(-i).code for i in reversed(range(SERIES_LENGTH))]
    series = analytics.series(ind, None, periods, period_type=period.type, include_submitted=sub)
    ctx.update(
        period=period,
        ranking=ranking,
        of=of,
        series=series,
        change=analytics.change(ind, period, include_submitted=sub),
        lower=analytics.better(ind) == "lower",
        chart_ranking=[{"name": r.area.name, "v": float(r.value)} for r in ranking if r.value is not None],
        chart_series=_points(series),
    )
    return render(request, "dashboards/indicator.html", ctx)


@login_required
def table(request: HttpRequest) -> HttpResponse:
    vis = visible_areas(request.user)
    if not request.GET:
        form = TableForm(
            initial={"hang": "area", "cot": "period", "tu_ky": default_period().shift(-3).code, "den_ky": default_period().code},
            visible=vis,
        )
        return render(request, "dashboards/table.html", {"form": form})
    form = TableForm(request.GET, visible=vis)
    fmt = request.GET.get("dinh_dang", "")
    if fmt not in ("", "xlsx", "csv"):
        form.add_error(None, _("Định dạng tải về “%(f)s” không hỗ trợ; chọn xlsx hoặc csv.") % {"f": fmt})
    if not form.is_valid():
        return render(request, "dashboards/table.html", {"form": form}, status=400)
    d = form.cleaned_data
    try:
        result = analytics.table(
            d["hang"],
            d["cot"],
            indicators=d["indicators"],
            areas=d["areas"],
            periods=d["periods"],
            include_submitted=d["gom_da_nop"],
        )
    except analytics.AnalyticsError as exc:
        form.add_error(None, str(exc))
        return render(request, "dashboards/table.html", {"form": form}, status=400)
    if fmt == "xlsx":
        resp = HttpResponse(
            analytics.table_to_xlsx(result),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        resp["Content-Disposition"] = 'attachment; filename="bang-so-lieu.xlsx"'
        return resp
    if fmt == "csv":
        resp = HttpResponse(analytics.table_to_csv(result), content_type="text/csv; charset=utf-8")
        resp["Content-Disposition"] = 'attachment; filename="bang-so-lieu.csv"'
        return resp
    query = request.GET.copy()
    query.pop("dinh_dang", None)
    return render(
        request,
        "dashboards/table.html",
        {"form": form, "table": result, "rows": _display_rows(result), "query": query.urlencode()},
    )


def _display_rows(t: analytics.Table) -> list[tuple[str, list[str]]]:
    """Each cell written the Vietnamese way with the decimals the table gives for its row or column."""
    out = []
    for i, (head, line) in enumerate(zip(t.row_headers, t.cells, strict=True)):
        cells = []
        for j, v in enumerate(line):
            d = t.row_decimals[i] if t.row_decimals else t.col_decimals[j] if t.col_decimals else 0
            cells.append(format_number(v, d))
        out.append((head, cells))
    return out
