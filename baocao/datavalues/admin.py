"""Admin for data values: every save and delete goes through the services, so the history is kept."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from baocao.core.numbers import format_number

from .models import DataValue, DataValueHistory
from .services import DataValueError, VersionConflict, delete_value, history_of, set_value, validate_value

KEY_FIELDS = ("area", "indicator", "period", "disagg")
VALUE_FIELDS = ("value", "numerator", "denominator", "qualifier", "comment", "source", "provenance", "reporter")
ACTION_LABELS = {"update": "Đã bị sửa", "delete": "Đã bị xóa", "current": "Hiện hành"}


class DataValueForm(forms.ModelForm):
    expected_version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = DataValue
        fields = [*KEY_FIELDS, *VALUE_FIELDS]
        help_texts = {
            "period": "Mã kỳ (2020Q3, 2020S1, 202005, 2021N9, 2020) hoặc tên kỳ (Quý III/2020).",
            "value": "Với chỉ tiêu dạng tử số/mẫu số (ví dụ 158/199 xã), giá trị là tử số.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        inst = self.instance
        key = {f: (getattr(inst, f) if inst.pk else data.get(f)) for f in KEY_FIELDS}
        if any(self.has_error(f) for f in (*KEY_FIELDS, *VALUE_FIELDS) if f in self.fields):
            return data
        try:
            vv = validate_value(
                area=key["area"], indicator=key["indicator"], period=key["period"], disagg=key["disagg"],
                **{f: data.get(f) for f in VALUE_FIELDS},
            )
        except DataValueError as exc:
            self.add_error(exc.field if exc.field in self.fields else None, exc.message)
            return data
        self.validated = vv
        if inst.pk is None:
            data["period"] = vv.period.code
            data["disagg"] = vv.disagg
            if DataValue.objects.filter(
                area=vv.area, indicator=vv.indicator, period=vv.period.code, disagg=vv.disagg
            ).exists():
                self.add_error("period", "Đã có số liệu cho đơn vị, chỉ tiêu, kỳ và phân tổ này; hãy sửa số liệu đó.")
        else:
            current = DataValue.objects.filter(pk=inst.pk).values_list("version", flat=True).first()
            expected = data.get("expected_version")
            if current is None:
                raise forms.ValidationError("Số liệu này đã bị xóa trong lúc bạn sửa.")
            if expected is not None and expected != current:
                raise forms.ValidationError(
                    f"Số liệu đã được người khác sửa (phiên bản {current}, bạn mở phiên bản {expected}). "
                    "Hãy tải lại trang và kiểm tra trước khi lưu."
                )
        return data


@admin.register(DataValue)
class DataValueAdmin(admin.ModelAdmin):
    form = DataValueForm
    list_display = ["indicator_code", "area", "period", "disagg", "value_vi", "qualifier", "source", "version", "updated_at"]
    list_select_related = ["indicator", "area"]
    list_filter = ["indicator__domain", "period_type", "source", "qualifier"]
    search_fields = ["indicator__code", "area__name", "area__name_folded", "period"]
    raw_id_fields = ["area", "indicator", "reporter"]
    date_hierarchy = "period_start"
    ordering = ["-updated_at"]
    list_per_page = 50
    audit_fields = ["version", "created_at", "created_by", "updated_at", "updated_by", "history_table"]

    def get_fieldsets(self, request: HttpRequest, obj: DataValue | None = None) -> list:
        sets: list = [
            ("Số liệu", {"fields": [*KEY_FIELDS, "value", "numerator", "denominator", "qualifier", "comment"]}),
            ("Nguồn", {"fields": ["source", "reporter", "provenance", "expected_version"]}),
        ]
        if obj is not None:
            sets.append(("Phiên bản và lịch sử", {"fields": self.audit_fields}))
        return sets

    def get_readonly_fields(self, request: HttpRequest, obj: DataValue | None = None) -> list[str]:
        # The key of a stored value does not change: enter a new value instead.
        return [*KEY_FIELDS, *self.audit_fields] if obj is not None else []

    @admin.display(description="chỉ tiêu", ordering="indicator__code")
    def indicator_code(self, obj: DataValue) -> str:
        return obj.indicator.code

    @admin.display(description="giá trị", ordering="value")
    def value_vi(self, obj: DataValue) -> str:
        text = format_number(obj.value)
        if obj.denominator is not None:
            text += f"/{format_number(obj.denominator)}"
        return text

    @admin.display(description="lịch sử (cũ nhất trước)")
    def history_table(self, obj: DataValue) -> str:
        story = history_of(obj)
        ids = {s.entered_by_id for s in story} | {s.ended_by_id for s in story}
        names = dict(get_user_model().objects.filter(pk__in=[i for i in ids if i]).values_list("pk", "username"))

        def when(t: Any) -> str:
            from django.utils import timezone

            return timezone.localtime(t).strftime("%d/%m/%Y %H:%M:%S") if t else ""

        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
            "<td>{}</td><td>{}</td></tr>",
            (
                (
                    s.version, format_number(s.value), format_number(s.numerator), format_number(s.denominator),
                    s.qualifier, s.source, s.comment, f"{when(s.since)} ({names.get(s.entered_by_id, '–')})",
                    f"{when(s.until)} ({names.get(s.ended_by_id, '–')})" if s.until else "",
                    ACTION_LABELS.get(s.action, s.action),
                )
                for s in story
            ),
        )
        return format_html(
            '<table class="dv-history"><thead><tr><th>Phiên bản</th><th>Giá trị</th><th>Tử số</th><th>Mẫu số</th>'
            "<th>Mức chính xác</th><th>Nguồn</th><th>Ghi chú</th><th>Nhập lúc (người nhập)</th>"
            "<th>Kết thúc lúc (người thay)</th><th>Trạng thái</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )

    def save_model(self, request: HttpRequest, obj: DataValue, form: DataValueForm, change: bool) -> None:
        data = form.cleaned_data
        key = {f: getattr(obj, f) for f in KEY_FIELDS}
        try:
            dv = set_value(
                **key,
                **{f: data.get(f) for f in VALUE_FIELDS},
                user=request.user,
                expected_version=data.get("expected_version") if change else 0,
            )
        except VersionConflict as exc:  # lost a race after the form was checked
            self.message_user(request, exc.message, messages.ERROR)
            dv = DataValue.objects.filter(**key).first()
            if dv is None:
                return
        for f in DataValue._meta.concrete_fields:
            setattr(obj, f.attname, getattr(dv, f.attname))

    def delete_model(self, request: HttpRequest, obj: DataValue) -> None:
        delete_value(obj, user=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        with transaction.atomic():
            for obj in queryset:
                delete_value(obj, user=request.user)


@admin.register(DataValueHistory)
class DataValueHistoryAdmin(admin.ModelAdmin):
    """Append-only: nobody adds, changes or deletes history through the admin."""

    list_display = ["value_id_ref", "period", "disagg", "value", "version", "action", "valid_since", "replaced_at", "replaced_by"]
    list_filter = ["action", "source"]
    search_fields = ["period", "=value_id_ref"]
    ordering = ["-id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
