"""Data values through the API: scope, create, ETag / If-Match, locks, cursor pagination."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from baocao.datavalues.models import DataValue
from baocao.datavalues.services import set_value
from baocao.reporting import services as rs
from baocao.reporting.models import State

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
URL = "/api/v1/dataValues"


def _problem(resp, status: int) -> dict:
    assert resp.status_code == status, resp.content
    assert resp["Content-Type"].startswith(PROBLEM)
    body = resp.json()
    assert body["status"] == status and body["detail"]
    return body


def _post(client: Client, w, code="POST_ENTERPRISES", value=12, area="P04", **extra):
    body = {"indicator": code, "orgUnit": area, "period": w.period.code, "value": value, **extra}
    return client.post(URL, body, content_type="application/json")


def test_create_read_update_delete_with_etags(world, client_for):
    c = client_for(world.reporter)
    resp = _post(c, world, value=12, comment="đủ")
    assert resp.status_code == 201, resp.content
    created = resp.json()
    assert created["value"] == "12" and created["version"] == 1 and created["orgUnit"] == "P04"
    assert created["source"] == "api" and resp["ETag"] == '"1"' and resp["Location"] == f"{URL}/{created['id']}"
    vid = created["id"]
    dv = DataValue.objects.get(pk=vid)
    assert dv.value == Decimal(12) and dv.comment == "đủ" and dv.created_by == world.reporter

    got = c.get(f"{URL}/{vid}")
    assert got.status_code == 200 and got["ETag"] == '"1"' and got.json()["comment"] == "đủ"

    # PUT without If-Match → 428, nothing written
    body = _problem(c.put(f"{URL}/{vid}", {"value": 13}, content_type="application/json"), 428)
    assert body["current_version"] == 1 and "If-Match" in body["detail"]
    assert DataValue.objects.get(pk=vid).value == 12

    # another client changes it (through the service, as form entry would)
    set_value(area=dv.area, indicator=dv.indicator, period=dv.period, value=14, comment="đủ", source="form", user=world.approver,
              expected_version=1)
    # stale If-Match → 412 with both values, nothing lost
    body = _problem(c.put(f"{URL}/{vid}", {"value": 13}, content_type="application/json", HTTP_IF_MATCH='"1"'), 412)
    assert body["current_version"] == 2 and body["current_value"] == "14" and body["attempted_value"] == "13"
    assert body["expected_version"] == 1 and body["type"].endswith("version-conflict")
    assert DataValue.objects.get(pk=vid).value == 14

    # fresh If-Match → 200 and a new ETag; the comment is kept when omitted
    ok = c.put(f"{URL}/{vid}", {"value": 13}, content_type="application/json", HTTP_IF_MATCH='"2"')
    assert ok.status_code == 200, ok.content
    assert ok["ETag"] == '"3"' and ok.json()["value"] == "13" and ok.json()["version"] == 3
    dv.refresh_from_db()
    assert dv.value == 13 and dv.version == 3 and dv.comment == "đủ" and dv.source == "api"
    assert isinstance(ok.json()["problems"], list)

    # weak ETags and lists are understood
    ok = c.put(f"{URL}/{vid}", {"value": 15, "comment": ""}, content_type="application/json", HTTP_IF_MATCH='"9", W/"3"')
    assert ok.status_code == 200 and ok["ETag"] == '"4"'

    # DELETE needs If-Match too
    _problem(c.delete(f"{URL}/{vid}"), 428)
    _problem(c.delete(f"{URL}/{vid}", HTTP_IF_MATCH='"3"'), 412)
    assert c.delete(f"{URL}/{vid}", HTTP_IF_MATCH='"4"').status_code == 204
    assert not DataValue.objects.filter(pk=vid).exists()
    _problem(c.get(f"{URL}/{vid}"), 404)


def test_create_existing_is_409_and_bad_values_are_precise(world, client_for):
    c = client_for(world.reporter)
    vid = _post(c, world).json()["id"]
    body = _problem(_post(c, world, value=20), 409)
    assert body["id"] == vid and body["current_version"] == 1
    body = _problem(_post(c, world, code="POST_SERVICE_POINTS", value="1.5"), 422)
    assert body["errors"][0]["field"] == "value" and "số nguyên" in body["detail"]
    body = _problem(_post(c, world, code="NOPE"), 422)
    assert body["errors"] == [{"field": "indicator", "message": "Không có chỉ tiêu mã “NOPE”"}]
    body = _problem(c.post(URL, {"indicator": "POST_ENTERPRISES", "orgUnit": "P04", "period": "2025Q9", "value": 1},
                           content_type="application/json"), 422)
    assert body["errors"][0]["field"] == "period"
    body = _problem(c.post(URL, {"indicator": "POST_ENTERPRISES", "value": "abc"}, content_type="application/json"), 422)
    fields = {e["field"] for e in body["errors"]}
    assert {"body.orgUnit", "body.period", "body.value"} <= fields
    assert DataValue.objects.count() == 1


def test_malformed_json_is_a_problem(world, client_for):
    c = client_for(world.reporter)
    body = _problem(c.post(URL, "{not json", content_type="application/json"), 400)
    assert body["type"].endswith("malformed-body") and "line 1 column 2" in body["detail"]
    body = _problem(c.post(URL, "[]", content_type="application/json"), 422)
    assert {e["field"] for e in body["errors"]} >= {"body.indicator", "body.value"}
    assert DataValue.objects.count() == 0


def test_other_province_cannot_read_or_write_unpublished_values(world, client_for):
    own = _post(client_for(world.reporter), world).json()
    other = client_for(world.reporter_ls)
    _problem(other.get(f"{URL}/{own['id']}"), 404)
    assert other.get(URL).json()["items"] == []
    _problem(other.put(f"{URL}/{own['id']}", {"value": 99}, content_type="application/json", HTTP_IF_MATCH='"1"'), 404)
    body = _problem(_post(other, world, area="P04", code="POST_SERVICE_POINTS", value=5), 403)
    assert "Chỉ chuyên viên" in body["detail"]
    assert DataValue.objects.get(pk=own["id"]).value == 12
    assert DataValue.objects.filter(indicator__code="POST_SERVICE_POINTS").count() == 0
    # the Ministry reads it but may not write it (entry is the department's)
    officer = client_for(world.officer)
    assert officer.get(f"{URL}/{own['id']}").status_code == 200
    _problem(officer.put(f"{URL}/{own['id']}", {"value": 99}, content_type="application/json", HTTP_IF_MATCH='"1"'), 403)
    assert DataValue.objects.get(pk=own["id"]).version == 1


def test_accepted_report_values_are_visible_to_other_provinces_and_locked(world, client_for):
    c = client_for(world.reporter)
    vid = _post(c, world).json()["id"]
    _post(c, world, code="POST_SERVICE_POINTS", value=516033)
    sub, _ = rs.open_submission(world.approver, "ICT-Q", world.period.code, "P04", "view")
    sub = rs.accept(rs.submit(sub, world.approver), world.officer)
    assert sub.state == State.ACCEPTED
    other = client_for(world.reporter_ls)
    items = other.get(URL, {"orgUnit": "P04"}).json()["items"]
    assert {i["indicator"] for i in items} == {"POST_ENTERPRISES", "POST_SERVICE_POINTS"}
    # accepted → locked: 409 problem, nothing written
    body = _problem(c.put(f"{URL}/{vid}", {"value": 1}, content_type="application/json", HTTP_IF_MATCH='"1"'), 409)
    assert "Bộ đã chấp nhận" in body["detail"]
    assert DataValue.objects.get(pk=vid).value == 12


def test_locked_period_is_409(world, client_for):
    from baocao.periods import services as periods

    c = client_for(world.reporter)
    old = world.period.shift(-8)
    assert periods.deadline_state(old, timezone.localdate(), world.form_q.regime) == "locked"
    resp = c.post(URL, {"indicator": "POST_ENTERPRISES", "orgUnit": "P04", "period": old.code, "value": 3},
                  content_type="application/json")
    body = _problem(resp, 409)
    assert "khóa" in body["detail"]
    assert not DataValue.objects.filter(period=old.code).exists()


def test_cursor_pagination_is_stable_under_inserts(world, client_for):
    from baocao.catalog.models import Indicator
    from baocao.geo.models import AdminArea

    ind = Indicator.objects.get(code="POST_ENTERPRISES")
    provinces = list(AdminArea.objects.filter(level="province").valid_on(world.period.end).order_by("code")[:12])
    for i, a in enumerate(provinces[:7]):
        set_value(area=a, indicator=ind, period=world.period, value=i + 1, source="demo")
    c = client_for(world.officer)
    seen: list[int] = []
    resp = c.get(URL, {"indicator": "POST_ENTERPRISES", "limit": 3}).json()
    pages = 1
    seen += [v["id"] for v in resp["items"]]
    inserted = 0
    while resp["nextCursor"]:
        if inserted < 5:  # a new value arrives between pages
            set_value(area=provinces[7 + inserted], indicator=ind, period=world.period, value=100, source="demo")
            inserted += 1
        resp = c.get(URL, {"indicator": "POST_ENTERPRISES", "limit": 3, "cursor": resp["nextCursor"]}).json()
        seen += [v["id"] for v in resp["items"]]
        pages += 1
    assert pages >= 3 and inserted >= 2 and len(seen) == len(set(seen)) == 7 + inserted
    assert sorted(seen) == sorted(DataValue.objects.filter(indicator=ind).values_list("id", flat=True))
    # a cursor is tied to its filters
    first = c.get(URL, {"indicator": "POST_ENTERPRISES", "limit": 3}).json()["nextCursor"]
    body = _problem(c.get(URL, {"indicator": "TEL_REVENUE", "limit": 3, "cursor": first}), 422)
    assert body["errors"][0]["field"] == "query.cursor"
    _problem(c.get(URL, {"cursor": "%%%"}), 422)
    _problem(c.get(URL, {"limit": 0}), 422)


def test_updated_since_orders_by_last_update_and_never_skips(world, client_for):
    from baocao.catalog.models import Indicator
    from baocao.geo.models import AdminArea

    ind = Indicator.objects.get(code="POST_ENTERPRISES")
    provinces = list(AdminArea.objects.filter(level="province").valid_on(world.period.end).order_by("code")[:5])
    before = timezone.now() - dt.timedelta(seconds=1)
    dvs = [set_value(area=a, indicator=ind, period=world.period, value=1, source="demo") for a in provinces]
    c = client_for(world.officer)
    since = before.isoformat()
    page = c.get(URL, {"updatedSince": since, "limit": 2}).json()
    ids = [v["id"] for v in page["items"]]
    # the first value changes while paging: it comes again at the end
    set_value(area=provinces[0], indicator=ind, period=world.period, value=2, source="demo", expected_version=1)
    while page["nextCursor"]:
        page = c.get(URL, {"updatedSince": since, "limit": 2, "cursor": page["nextCursor"]}).json()
        ids += [v["id"] for v in page["items"]]
    assert set(ids) == {d.pk for d in dvs} and ids[-1] == dvs[0].pk
    body = _problem(c.get(URL, {"updatedSince": "2025-01-01T00:00:00"}), 422)
    assert body["errors"][0]["field"] == "query.updatedSince"
    _problem(c.get(URL, {"updatedSince": "yesterday"}), 422)


def test_filters(world, client_for):
    c = client_for(world.reporter)
    _post(c, world)
    _post(c, world, code="POST_SERVICE_POINTS", value=5)
    items = c.get(URL, {"indicator": "POST_SERVICE_POINTS", "period": world.period.label_vi}).json()["items"]
    assert [i["value"] for i in items] == ["5"]
    assert len(c.get(URL, {"periodType": "quarter", "orgUnit": "P04"}).json()["items"]) == 2
    assert c.get(URL, {"periodType": "year"}).json()["items"] == []
    assert _problem(c.get(URL, {"indicator": "X1,POST_REVENUE"}), 422)["errors"][0]["field"] == "query.indicator"
    assert _problem(c.get(URL, {"orgUnit": "P999"}), 422)["errors"][0]["field"] == "query.orgUnit"
    assert _problem(c.get(URL, {"periodType": "week"}), 422)["errors"][0]["field"] == "query.periodType"
    assert _problem(c.get(URL, {"period": "Quý IX/2020"}), 422)["type"].endswith("invalid-period")


def test_no_token_is_401(world):
    _problem(Client().get(URL), 401)
    _problem(Client().post(URL, {}, content_type="application/json"), 401)


def test_session_write_needs_csrf(world):
    c = Client(enforce_csrf_checks=True)
    c.force_login(world.reporter)
    body = {"indicator": "POST_ENTERPRISES", "orgUnit": "P04", "period": world.period.code, "value": 1}
    resp = c.post(URL, body, content_type="application/json")
    assert resp.status_code == 403 and "CSRF" in resp.json()["detail"]
    assert not DataValue.objects.exists()
    c.get("/api/v1/me")  # any page; set the cookie by hand
    from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret

    secret = _get_new_csrf_string()
    c.cookies["csrftoken"] = secret
    resp = c.post(URL, body, content_type="application/json", HTTP_X_CSRFTOKEN=_mask_cipher_secret(secret))
    assert resp.status_code == 201, resp.content
