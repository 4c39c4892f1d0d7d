"""record(): actor, label, area, IP, JSON-safe details; login signals; append-only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.test import RequestFactory

from baocao.audit.models import AuditEvent
from baocao.audit.services import client_ip, record
from baocao.geo.models import AdminArea

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    return get_user_model().objects.create_user("chuyenvien", password="mat-khau-123")


@pytest.fixture
def province():
    return AdminArea.objects.create(uid="P04", code="04", name="Cao Bằng", level="province")


def test_record_minimal_without_request():
    ev = record("export")
    assert ev.pk and ev.action == "export" and ev.actor is None and ev.ip is None and ev.details == {}


def test_record_object_actor_area_details(user, province):
    ev = record(
        "value.update", actor=user, obj=province, area=province,
        details={"old": Decimal("1.5"), "new": Decimal("2"), "day": dt.date(2026, 1, 2), "tags": {"a"}},
    )
    ev.refresh_from_db()
    assert ev.actor == user and ev.actor_label == "chuyenvien"
    assert ev.object_type == "geo.adminarea" and ev.object_id == str(province.pk)
    assert ev.object_label == "Cao Bằng" and ev.area == province
    assert ev.details["old"] == "1.5" and ev.details["day"] == "2026-01-02" and ev.details["tags"] == "{'a'}"


def test_area_taken_from_object(province):
    class Thing:
        area = province
        pk = 7

        def __str__(self):
            return "Báo cáo quý"

    ev = record("submission.submit", obj=Thing())
    assert ev.area == province and ev.object_label == "Báo cáo quý" and ev.object_id == "7"


def test_actor_label_survives_user_deletion(user):
    ev = record("login", actor=user)
    user.delete()
    ev.refresh_from_db()
    assert ev.actor is None and ev.actor_label == "chuyenvien"


def test_request_user_and_ip(user):
    rf = RequestFactory()
    req = rf.get("/", REMOTE_ADDR="203.0.113.9")
    req.user = user
    ev = record("export", request=req)
    assert ev.actor == user and ev.ip == "203.0.113.9"
    bad = rf.get("/", REMOTE_ADDR="không-phải-ip")
    assert client_ip(bad) is None
    assert record("export", request=bad).ip is None
    assert record("export", request=object()).ip is None  # not even a request: no error


def test_append_only(user):
    ev = record("login", actor=user)
    ev.action = "logout"
    with pytest.raises(ValueError, match="chỉ được ghi thêm"):
        ev.save()
    with pytest.raises(ValueError):
        ev.delete()
    with pytest.raises(ValueError):
        AuditEvent.objects.all().delete()
    with pytest.raises(ValueError):
        AuditEvent.objects.filter(pk=ev.pk).update(action="x")
    assert AuditEvent.objects.get(pk=ev.pk).action == "login"


def test_client_login_and_logout_are_recorded(client, user):
    assert client.login(username="chuyenvien", password="mat-khau-123")
    client.logout()
    actions = list(AuditEvent.objects.order_by("id").values_list("action", "actor_label"))
    assert actions == [("login", "chuyenvien"), ("logout", "chuyenvien")]


def test_failed_login_through_the_login_page(client, user):
    resp = client.post("/dang-nhap/", {"username": "chuyenvien", "password": "sai"}, REMOTE_ADDR="198.51.100.7")
    assert resp.status_code == 200  # the form again, with an error
    ev = AuditEvent.objects.get(action="login_failed")
    assert ev.actor is None and ev.actor_label == "chuyenvien" and ev.ip == "198.51.100.7"
    assert "password" not in ev.details and "sai" not in str(ev.details)
    resp = client.post("/dang-nhap/", {"username": "chuyenvien", "password": "mat-khau-123"})
    assert resp.status_code == 302
    assert AuditEvent.objects.filter(action="login", actor=user).count() == 1


def test_record_value_change_shapes(user, province):
    from types import SimpleNamespace

    from baocao.audit.services import record_value_change

    dv = SimpleNamespace(
        pk=42, indicator=SimpleNamespace(code="TEL_SUBS_TOTAL"), disagg="", area=province, period="2025Q3",
        value=Decimal("516033"), numerator=None, denominator=None,
    )
    created = record_value_change(dv, actor=user)
    assert created.action == "value.create" and created.area == province and created.object_id == "42"
    assert created.object_label == "TEL_SUBS_TOTAL · Cao Bằng · 2025Q3"
    assert created.details == {"indicator": "TEL_SUBS_TOTAL", "period": "2025Q3", "disagg": "", "old": None,
                               "new": {"value": "516033"}}
    updated = record_value_change(dv, old={"value": Decimal("516000")}, actor=user, details={"comment": "sửa"})
    assert updated.action == "value.update" and updated.details["old"] == {"value": "516000"}
    assert updated.details["comment"] == "sửa"
    deleted = record_value_change(dv, deleted=True, actor=user)
    assert deleted.action == "value.delete" and deleted.details["new"] is None
    assert deleted.details["old"] == {"value": "516033"}
