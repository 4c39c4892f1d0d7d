"""Forms only parse input (text, dates, numbers, files); every rule is checked in ``services``.

Unit fields are plain text/select values, not model choices, so that an unknown unit reaches the
service and gets its clear message instead of a generic "invalid choice".
"""

from __future__ import annotations

from django import forms

from baocao.catalog.models import Domain
from baocao.orgs.models import Organisation, OrgKind

from .models import Addressee, BriefingSession, DeclineReason, SenderType

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked (type, size) by the service."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [f for f in data if f]
        return [data] if data else []


class UnitsField(forms.MultipleChoiceField):
    """A multiple select of units that passes unknown ids on to the service (which names them)."""

    def valid_value(self, value: str) -> bool:
        return True


def unit_choices(kinds: tuple[str, ...] = (OrgKind.MINISTRY_UNIT,), blank: str | None = "— chọn đơn vị —") -> list[tuple[str, str]]:
    opts = [(str(o.pk), o.name) for o in Organisation.objects.filter(kind__in=kinds).order_by("kind", "name")]
    return ([("", blank)] if blank else []) + opts


class RecommendationForm(forms.Form):
    title = forms.CharField(label="Tiêu đề", required=False, max_length=10_000)
    text = forms.CharField(label="Nội dung kiến nghị", required=False, widget=forms.Textarea(attrs={"rows": 6}))
    domain = forms.ModelChoiceField(label="Lĩnh vực", queryset=Domain.objects.all(), required=False, empty_label="— không chọn —")
    session = forms.ModelChoiceField(
        label="Phiên giao ban", queryset=BriefingSession.objects.all(), required=False, empty_label="— không gắn phiên giao ban —"
    )
    addressee = forms.ChoiceField(label="Gửi đến", choices=Addressee.choices, initial=Addressee.MINISTRY)
    # Only the Ministry's office records other senders; a department always sends in its own name.
    sender_type = forms.ChoiceField(label="Loại người gửi", choices=SenderType.choices, required=False)
    sender_org = forms.CharField(label="Cơ quan gửi", required=False, widget=forms.Select())
    sender_name = forms.CharField(label="Tên người/tổ chức gửi (nếu không chọn cơ quan)", required=False, max_length=250)
    sender_email = forms.EmailField(label="Thư điện tử người gửi", required=False)
    received_on = forms.DateField(label="Ngày tiếp nhận", required=False, widget=DATE)
    source_document = forms.CharField(label="Văn bản nguồn", required=False, max_length=250)
    files = MultipleFileField(label="Tệp đính kèm (PDF, Word, Excel, ảnh; tối đa 10 MB mỗi tệp)")

    def __init__(self, *args, office: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if office:
            kinds = (OrgKind.DEPARTMENT, OrgKind.ENTERPRISE, OrgKind.PEOPLES_COMMITTEE, OrgKind.PRESS, OrgKind.OTHER)
            self.fields["sender_org"].widget.choices = unit_choices(kinds, blank="— người dân / tổ chức ghi tên —")
        else:
            for name in ("sender_type", "sender_org", "sender_name", "sender_email", "received_on"):
                del self.fields[name]


class AssignForm(forms.Form):
    lead_unit = forms.CharField(label="Đơn vị chủ trì", required=False, widget=forms.Select())
    co_units = UnitsField(label="Đơn vị phối hợp", required=False, widget=forms.SelectMultiple(attrs={"size": 4}))
    due_on = forms.DateField(label="Hạn trả lời (để trống: theo quy định)", required=False, widget=DATE)
    note = forms.CharField(label="Ghi chú", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_unit"].widget.choices = unit_choices()
        self.fields["co_units"].choices = unit_choices(blank=None)


class AnswerForm(forms.Form):
    internal_answer = forms.CharField(label="Nội dung trả lời", required=False, widget=forms.Textarea(attrs={"rows": 6}))


class PublishForm(forms.Form):
    public_answer = forms.CharField(
        label="Nội dung trả lời công khai (để trống: dùng nội dung trả lời)", required=False, widget=forms.Textarea(attrs={"rows": 6})
    )


class DeclineForm(forms.Form):
    reason = forms.ChoiceField(label="Lý do", choices=[("", "— chọn lý do —"), *DeclineReason.choices], required=False)
    note = forms.CharField(label="Giải thích", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    duplicate_of = forms.CharField(label="Trùng với kiến nghị số (ví dụ KN-2026-00012)", required=False)


class AttachForm(forms.Form):
    file = forms.FileField(label="Tệp đính kèm", required=False)


class SessionForm(forms.Form):
    title = forms.CharField(label="Tên phiên giao ban", required=False, max_length=10_000)
    date = forms.DateField(label="Ngày họp", required=False, widget=DATE)
    chair = forms.CharField(label="Người chủ trì", required=False, max_length=10_000)
    chair_title = forms.CharField(label="Chức vụ người chủ trì", required=False, max_length=10_000)
    participants = forms.CharField(label="Thành phần tham dự", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    connection_points = forms.IntegerField(label="Số điểm cầu", required=False, min_value=0, initial=0)
    location = forms.CharField(label="Địa điểm", required=False, max_length=10_000)


ASSIGNEE_KINDS = (OrgKind.MINISTRY_UNIT, OrgKind.DEPARTMENT, OrgKind.ENTERPRISE, OrgKind.PEOPLES_COMMITTEE, OrgKind.PRESS)


class ConcludeForm(forms.Form):
    conclusions = forms.CharField(
        label="Kết luận (mỗi dòng một nhiệm vụ)", required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    assignees = UnitsField(label="Đơn vị thực hiện", required=False, widget=forms.SelectMultiple(attrs={"size": 8}))
    due_on = forms.DateField(label="Hạn hoàn thành (để trống: theo quy định)", required=False, widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignees"].choices = unit_choices(ASSIGNEE_KINDS, blank=None)


class DirectiveForm(ConcludeForm):
    conclusions = None
    title = forms.CharField(label="Nội dung nhiệm vụ", required=False, max_length=10_000)
    detail = forms.CharField(label="Chi tiết", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    leader_name = forms.CharField(label="Lãnh đạo giao", required=False, max_length=10_000)
    leader_title = forms.CharField(label="Chức vụ", required=False, max_length=10_000)
    meeting = forms.CharField(label="Cuộc họp", required=False, max_length=10_000)
    document = forms.CharField(label="Văn bản giao", required=False, max_length=10_000)
    given_on = forms.DateField(label="Ngày giao", required=False, widget=DATE)
    domain = forms.ModelChoiceField(label="Lĩnh vực", queryset=Domain.objects.all(), required=False, empty_label="— không chọn —")

    field_order = ["title", "detail", "leader_name", "leader_title", "meeting", "document", "domain", "assignees", "given_on", "due_on"]


class ProgressForm(forms.Form):
    percent = forms.IntegerField(label="Tiến độ (%)", required=False)
    note = forms.CharField(label="Nội dung cập nhật", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    files = MultipleFileField(label="Tệp minh chứng")


class CancelForm(forms.Form):
    reason = forms.CharField(label="Lý do hủy", required=False, widget=forms.Textarea(attrs={"rows": 2}))
