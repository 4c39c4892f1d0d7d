"""Filter forms of the dashboards: every bad input becomes a Vietnamese error naming the field."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from baocao.catalog.models import Domain, Indicator
from baocao.geo.models import AdminArea, AreaLevel, Region
from baocao.periods.services import Period, PeriodError, parse_any, periods_between

# The ad-hoc table stays readable (and its download small): at most this many periods.
MAX_TABLE_PERIODS = 60
DIMENSIONS = [("indicator", _("Chỉ tiêu")), ("area", _("Tỉnh, thành phố")), ("period", _("Kỳ báo cáo"))]


def default_period(today: dt.date | None = None) -> Period:
    """The last complete quarter: the period the dashboards open on when none is chosen."""
    return Period.containing("quarter", today or dt.date.today()).previous()


def _parse_period(text: str, field: str) -> Period:
    try:
        return parse_any(text.strip())
    except PeriodError as exc:
        raise forms.ValidationError(_("Kỳ “%(text)s” không hợp lệ: %(reason)s") % {"text": text, "reason": exc}) from None


class FilterForm(forms.Form):
    """Period, domain and region: the filters of the overview and the indicator page."""

    ky = forms.CharField(label=_("Kỳ"), required=False, max_length=20, help_text=_("Ví dụ 2024Q4 hoặc Quý IV/2024"))
    linh_vuc = forms.ChoiceField(label=_("Lĩnh vực"), required=False)
    vung = forms.ChoiceField(label=_("Vùng"), required=False, choices=[("", _("Cả nước")), *Region.choices])
    gom_da_nop = forms.BooleanField(label=_("Gồm cả số liệu đã nộp, chưa duyệt"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["linh_vuc"].choices = [("", _("Tất cả lĩnh vực"))] + [
            (d.code, d.name) for d in Domain.objects.order_by("order", "code")
        ]

    def clean_ky(self) -> Period:
        text = self.cleaned_data.get("ky") or ""
        return _parse_period(text, "ky") if text.strip() else default_period()

    def clean_linh_vuc(self) -> Domain | None:
        code = self.cleaned_data.get("linh_vuc")
        return Domain.objects.get(code=code) if code else None

    def clean_vung(self) -> str | None:
        return self.cleaned_data.get("vung") or None


def province_choices(visible: list[int] | None) -> list[tuple[str, str]]:
    """The country and the provinces of both maps (63 before 01/07/2025, 34 after), limited to what the user may see
    (everyone may see the national figures)."""
    qs = AdminArea.objects.filter(level=AreaLevel.PROVINCE).order_by("name", "valid_from")
    if visible is not None:
        qs = qs.filter(id__in=visible)
    out = [(c.uid, str(_("Cả nước"))) for c in AdminArea.objects.filter(level=AreaLevel.COUNTRY).order_by("valid_from")[:1]]
    for a in qs:
        label = a.name
        if a.valid_to:
            label += " " + str(_("(đến %(d)s)") % {"d": a.valid_to.strftime("%d/%m/%Y")})
        elif a.valid_from and a.valid_from >= dt.date(2025, 7, 1):
            label += " " + str(_("(từ %(d)s)") % {"d": a.valid_from.strftime("%d/%m/%Y")})
        out.append((a.uid, label))
    return out


class TableForm(forms.Form):
    """The ad-hoc table: which dimension goes down, which across, and the items of each dimension."""

    hang = forms.ChoiceField(label=_("Hàng"), choices=DIMENSIONS, initial="area")
    cot = forms.ChoiceField(label=_("Cột"), choices=DIMENSIONS, initial="period")
    chi_tieu = forms.MultipleChoiceField(label=_("Chỉ tiêu"))
    tinh = forms.MultipleChoiceField(label=_("Tỉnh, thành phố"), required=False)
    tu_ky = forms.CharField(label=_("Từ kỳ"), max_length=20)
    den_ky = forms.CharField(label=_("Đến kỳ"), max_length=20, required=False)
    gom_da_nop = forms.BooleanField(label=_("Gồm cả số liệu đã nộp, chưa duyệt"), required=False)

    def __init__(self, *args: Any, visible: list[int] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.visible = visible
        self.fields["chi_tieu"].choices = [(i.code, f"{i.code} – {i.name}") for i in Indicator.objects.order_by("code")]
        self.fields["tinh"].choices = province_choices(visible)

    def clean_tu_ky(self) -> Period:
        return _parse_period(self.cleaned_data["tu_ky"], "tu_ky")

    def clean_den_ky(self) -> Period | None:
        text = self.cleaned_data.get("den_ky") or ""
        return _parse_period(text, "den_ky") if text.strip() else None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        rows, cols = data.get("hang"), data.get("cot")
        if rows and cols and rows == cols:
            self.add_error("cot", _("Hàng và cột phải là hai chiều khác nhau."))
        start, end = data.get("tu_ky"), data.get("den_ky")
        if isinstance(start, Period):
            end = end or start
            if end.type != start.type:
                self.add_error("den_ky", _("“Từ kỳ” và “đến kỳ” phải cùng loại kỳ (cùng là quý, năm …)."))
            elif end < start:
                self.add_error("den_ky", _("“Đến kỳ” phải sau hoặc bằng “từ kỳ”."))
            else:
                periods = periods_between(start.type, start, end)
                if len(periods) > MAX_TABLE_PERIODS:
                    self.add_error("den_ky", _("Chọn tối đa %(n)s kỳ.") % {"n": MAX_TABLE_PERIODS})
                data["periods"] = periods
        codes = data.get("chi_tieu") or []
        data["indicators"] = list(Indicator.objects.filter(code__in=codes).order_by("code"))
        uids = data.get("tinh") or []
        if not uids:
            if self.visible is None:
                self.add_error("tinh", _("Chọn ít nhất một tỉnh, thành phố."))
            else:
                uids = [a.uid for a in AdminArea.objects.filter(id__in=self.visible).order_by("name")]
        areas = {a.uid: a for a in AdminArea.objects.filter(uid__in=uids)}
        data["areas"] = [areas[u] for u in uids if u in areas]
        # The dimension that is neither rows nor columns must be a single item.
        if rows and cols and rows != cols and not self.errors:
            (fixed,) = {"indicator", "area", "period"} - {rows, cols}
            count = {"indicator": len(data["indicators"]), "area": len(data["areas"]), "period": len(data.get("periods", []))}[fixed]
            if count != 1:
                field = {"indicator": "chi_tieu", "area": "tinh", "period": "den_ky"}[fixed]
                self.add_error(
                    field,
                    _("Chiều không nằm ở hàng hay cột (%(dim)s) chỉ được chọn đúng một giá trị; đang chọn %(n)s.")
                    % {"dim": dict(DIMENSIONS)[fixed], "n": count},
                )
        return data
