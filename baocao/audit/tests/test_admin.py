"""The audit admin: read-only, filters and search, CSV export (Vietnamese headers, dd/mm/yyyy) that is itself audited."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth import get_user_model

from baocao.audit.models import AuditEvent
from baocao.audit.services import record
from baocao.geo.models import AdminArea

pytestmark = pytest.mark.django_db
URL = "/admin/audit/auditevent/"


@pytest.fixture
def admin_client(client):
    admin = get_user_model().objects.create_superuser("quantri", "qt@example.vn", "mat-khau-123")
    client.force_login(admin)
    return client


@pytest.fixture
def events():
    cb = AdminArea.objects.create(uid="P04", code="04", name="Cao Bằng", level="province")
    hn = AdminArea.objects.create(uid="P01", code="01", name="Hà Nội", level="province")
    user = get_user_model().objects.create_user("chuyenvien_cb", password="x")
    a = record("value.update", actor=user, area=cb, label="TEL_SUBS_TOTAL Quý III/2025", details={"cũ": "1", "mới": "2"})
    b = record("submission.submit", actor=user, area=cb, label="Báo cáo quý III/2025 – Sở KH&CN Cao Bằng")
    c = record("login_failed", actor_label="ke_la", area=hn)
    return a, b, c


def test_list_filters_and_search(admin_client, events):
    resp = admin_client.get(URL)
    assert resp.status_code == 200
    body = resp.content.decode()
    assert "Sửa số liệu" in body and "Gửi báo cáo" in body and "Đăng nhập không thành công" in body
    resp = admin_client.get(URL, {"thao_tac": "value.update"})
    assert list(resp.context["cl"].queryset) == [events[0]]
    hn = AdminArea.objects.get(uid="P01")
    resp = admin_client.get(URL, {"area__id__exact": hn.pk})
    assert list(resp.context["cl"].queryset) == [events[2]]
    resp = admin_client.get(URL, {"nguoi": "chuyenvien_cb"})
    assert set(resp.context["cl"].queryset) == {events[0], events[1]}
    resp = admin_client.get(URL, {"q": "Sở KH&CN"})
    assert list(resp.context["cl"].queryset) == [events[1]]


def test_append_only_in_the_admin(admin_client, events):
    ev = events[0]
    assert admin_client.get(URL + "add/").status_code == 403
    assert admin_client.get(f"{URL}{ev.pk}/delete/").status_code == 403
    # The change page is a read-only view: posting changes nothing.
    resp = admin_client.get(f"{URL}{ev.pk}/change/")
    assert resp.status_code == 200 and b'name="action"' not in resp.content
    admin_client.post(f"{URL}{ev.pk}/change/", {"action": "logout"})
    ev.refresh_from_db()
    assert ev.action == "value.update"
    # No bulk delete action offered.
    resp = admin_client.get(URL)
    actions = [c[0] for c in resp.context["action_form"].fields["action"].choices]
    assert "delete_selected" not in actions and "export_csv" in actions
    resp = admin_client.post(URL, {"action": "delete_selected", "_selected_action": [ev.pk]})
    assert AuditEvent.objects.filter(pk=ev.pk).exists()


def test_csv_export_content_and_audited(admin_client, events):
    ids = [e.pk for e in events]
    resp = admin_client.post(URL, {"action": "export_csv", "_selected_action": ids})
    assert resp.status_code == 200 and resp["Content-Type"].startswith("text/csv")
    assert "nhat-ky-" in resp["Content-Disposition"]
    text = resp.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [
        "Thời điểm", "Người thực hiện", "Thao tác", "Mã thao tác", "Loại đối tượng", "Mã đối tượng", "Đối tượng",
        "Tỉnh/thành phố", "Địa chỉ IP", "Chi tiết",
    ]
    assert len(rows) == 4
    first = rows[1]
    assert first[1] == "chuyenvien_cb" and first[2] == "Sửa số liệu" and first[3] == "value.update"
    assert first[6] == "TEL_SUBS_TOTAL Quý III/2025" and first[7] == "Cao Bằng" and '"mới": "2"' in first[9]
    day, clock = first[0].split(" ")
    d, m, y = day.split("/")
    assert len(d) == 2 and len(m) == 2 and len(y) == 4 and clock.count(":") == 2
    assert rows[3][1] == "ke_la" and rows[3][2] == "Đăng nhập không thành công"
    ev = AuditEvent.objects.filter(action="export").get()
    assert ev.actor_label == "quantri" and ev.details == {"what": "audit_log", "rows": 3, "format": "csv"}


def test_only_staff_with_permission_sees_the_log(client, events):
    plain = get_user_model().objects.create_user("nguoidung", password="x", is_staff=True)
    client.force_login(plain)
    assert client.get(URL).status_code == 403
