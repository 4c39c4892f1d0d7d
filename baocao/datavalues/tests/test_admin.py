"""The admin saves and deletes values through the services, so history is kept; history is read-only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from baocao.datavalues.models import DataValue, DataValueHistory
from baocao.datavalues.services import set_value


@pytest.fixture
def staff(mini, client):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_superuser("admin", "admin@example.com", "x")
    client.force_login(user)
    return user


def _form(**kw):
    data = {"disagg": "", "numerator": "", "denominator": "", "qualifier": "exact", "comment": "", "source": "form",
            "provenance": "null", "reporter": "", "expected_version": ""}
    data.update({k: str(v) for k, v in kw.items()})
    return data


def test_add_change_delete_through_admin_keeps_history(mini, staff, client):
    url = reverse("admin:datavalues_datavalue_add")
    resp = client.post(url, _form(area=mini.cao_bang.pk, indicator=mini.subs.pk, period="Quý III/2020", value="516033"))
    assert resp.status_code == 302, resp.content.decode()[:3000]
    dv = DataValue.objects.get()
    assert (dv.period, dv.period_type, dv.version, dv.created_by) == ("2020Q3", "quarter", 1, staff)

    change = reverse("admin:datavalues_datavalue_change", args=[dv.pk])
    page = client.get(change).content.decode()
    assert "Phiên bản và lịch sử" in page and "Hiện hành" in page
    resp = client.post(change, _form(value="520000", comment="sửa theo báo cáo quý", expected_version=1))
    assert resp.status_code == 302
    dv.refresh_from_db()
    assert dv.value == 520000 and dv.version == 2 and dv.updated_by == staff
    h = DataValueHistory.objects.get()
    assert (h.action, h.value, h.version, h.replaced_by) == ("update", 516033, 1, staff)
    page = client.get(change).content.decode()
    assert "516.033" in page and "520.000" in page and "Đã bị sửa" in page

    # a stale form (opened at version 1) is refused and writes nothing
    resp = client.post(change, _form(value="1", expected_version=1))
    assert resp.status_code == 200 and "người khác sửa" in resp.content.decode()
    assert DataValue.objects.get().value == 520000 and DataValueHistory.objects.count() == 1

    resp = client.post(reverse("admin:datavalues_datavalue_delete", args=[dv.pk]), {"post": "yes"})
    assert resp.status_code == 302
    assert DataValue.objects.count() == 0
    assert list(DataValueHistory.objects.order_by("id").values_list("action", flat=True)) == ["update", "delete"]


def test_admin_bad_input_names_the_field(mini, staff, client):
    url = reverse("admin:datavalues_datavalue_add")
    resp = client.post(url, _form(area=mini.cao_bang.pk, indicator=mini.frac.pk, period="2019S1", value="210",
                                  denominator="199"))
    assert resp.status_code == 200
    assert resp.context["adminform"].form.errors["denominator"] == ["Tử số (210) lớn hơn mẫu số (199)"]
    resp = client.post(url, _form(area=mini.tq_new.pk, indicator=mini.subs.pk, period="2024Q1", value="1"))
    assert "area" in resp.context["adminform"].form.errors
    resp = client.post(url, _form(area=mini.cao_bang.pk, indicator=mini.subs.pk, period="Quý V/2020", value="1"))
    assert "period" in resp.context["adminform"].form.errors
    assert DataValue.objects.count() == 0


def test_admin_refuses_a_second_value_for_the_same_key(mini, staff, client):
    set_value(area=mini.cao_bang, indicator=mini.subs, period="2020Q3", value=1, source="form")
    resp = client.post(reverse("admin:datavalues_datavalue_add"),
                       _form(area=mini.cao_bang.pk, indicator=mini.subs.pk, period="Quý III/2020", value="2"))
    assert resp.status_code == 200 and "period" in resp.context["adminform"].form.errors
    assert DataValue.objects.get().value == 1


def test_list_filters_search_and_read_only_history(mini, staff, client):
    set_value(area=mini.cao_bang, indicator=mini.subs, period="2020Q3", value=1, source="form")
    set_value(area=mini.cao_bang, indicator=mini.subs, period="2020Q3", value=2, source="form")
    lst = reverse("admin:datavalues_datavalue_changelist")
    assert client.get(lst, {"q": "Cao Bằng"}).context["cl"].result_count == 1
    assert client.get(lst, {"q": "TEL_SUBS"}).context["cl"].result_count == 1
    assert client.get(lst, {"q": "2019"}).context["cl"].result_count == 0
    assert client.get(lst, {"period_type__exact": "quarter"}).context["cl"].result_count == 1
    assert client.get(lst, {"source__exact": "excel"}).context["cl"].result_count == 0
    assert client.get(lst, {"indicator__domain__id__exact": mini.subs.domain_id}).context["cl"].result_count == 1
    h = DataValueHistory.objects.get()
    assert client.get(reverse("admin:datavalues_datavaluehistory_changelist")).status_code == 200
    assert client.get(reverse("admin:datavalues_datavaluehistory_change", args=[h.pk])).status_code == 200
    assert client.get(reverse("admin:datavalues_datavaluehistory_add")).status_code == 403
    assert client.post(reverse("admin:datavalues_datavaluehistory_delete", args=[h.pk]), {"post": "yes"}).status_code == 403
    assert DataValueHistory.objects.count() == 1
