"""Catalog, organisation units, organisations, regimes and periods, analytics, recommendations."""

from __future__ import annotations

import datetime as dt
import urllib.parse

import pytest
from django.test import Client

from baocao.datavalues.services import set_value
from baocao.geo.models import AdminArea, AreaSuccession

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def _problem(resp, status: int) -> dict:
    assert resp.status_code == status, resp.content
    assert resp["Content-Type"].startswith(PROBLEM)
    return resp.json()


def test_catalog(ref):
    c = Client()
    domains = c.get("/api/v1/domains").json()
    assert domains and all(d["indicators"] >= 0 for d in domains)
    code = domains[0]["code"]
    inds = c.get("/api/v1/indicators", {"domain": code}).json()
    assert inds and {i["domain"] for i in inds} == {code}
    hits = c.get("/api/v1/indicators", {"q": "doanh nghiep buu chinh"}).json()
    assert "POST_ENTERPRISES" in {i["code"] for i in hits}
    accented = c.get("/api/v1/indicators", {"q": "doanh nghiệp bưu chính"}).json()
    assert [i["code"] for i in accented] == [i["code"] for i in hits]
    on_2016 = {i["code"] for i in c.get("/api/v1/indicators", {"on": "2016-06-30"}).json()}
    on_now = {i["code"] for i in c.get("/api/v1/indicators", {"on": dt.date.today().isoformat()}).json()}
    assert on_2016 != on_now
    one = c.get("/api/v1/indicators/TEL_DENSITY_PER100").json()
    assert one["code"] == "TEL_DENSITY_PER100" and "definition" in one and one["disaggregations"]
    assert _problem(c.get("/api/v1/indicators/NOPE"), 404)["detail"].startswith("No indicator")
    assert _problem(c.get("/api/v1/indicators", {"domain": "NOPE"}), 422)["errors"][0]["field"] == "query.domain"
    assert _problem(c.get("/api/v1/indicators", {"on": "2025-13-01"}), 422)["errors"][0]["field"] == "query.on"


def test_orgunits_with_validity_and_the_reform(ref):
    c = Client()
    before = c.get("/api/v1/orgunits", {"level": "province", "on": "2025-06-30", "limit": 100}).json()
    after = c.get("/api/v1/orgunits", {"level": "province", "on": "2025-07-01", "limit": 100}).json()
    assert len(before["items"]) == 63 and len(after["items"]) == 34 and before["nextCursor"] is None
    link = AreaSuccession.objects.select_related("predecessor", "successor").exclude(predecessor=models_f("successor")).first()
    old = c.get(f"/api/v1/orgunits/{link.predecessor.uid}").json()
    assert link.successor.uid in {s["uid"] for s in old["successors"]} and old["validTo"]
    new = c.get(f"/api/v1/orgunits/{link.successor.uid}").json()
    assert link.predecessor.uid in {p["uid"] for p in new["predecessors"]}
    # cursor pagination over the 63 old provinces
    seen, cursor = [], None
    while True:
        page = c.get("/api/v1/orgunits", {"level": "province", "on": "2025-06-30", "limit": 25, **({"cursor": cursor} if cursor else {})}).json()
        seen += [a["uid"] for a in page["items"]]
        cursor = page["nextCursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 63
    assert _problem(c.get("/api/v1/orgunits/P999"), 404)["detail"].startswith("No organisation unit")
    assert _problem(c.get("/api/v1/orgunits", {"level": "galaxy"}), 422)["errors"][0]["field"] == "query.level"
    assert _problem(c.get("/api/v1/orgunits", {"parent": "P999"}), 422)["errors"][0]["field"] == "query.parent"
    assert _problem(c.get("/api/v1/orgunits", {"limit": 5000}), 422)["errors"][0]["field"] == "query.limit"


def models_f(name: str):
    from django.db.models import F

    return F(name)


def test_organisations(ref):
    c = Client()
    deps = c.get("/api/v1/organisations", {"kind": "department", "on": "2024-06-30", "limit": 1000}).json()["items"]
    assert len(deps) >= 63 and all(d["kind"] == "department" for d in deps)
    ministries = c.get("/api/v1/organisations", {"kind": "ministry", "on": "2025-03-01"}).json()["items"]
    assert ministries and all(m["validFrom"] is None or m["validFrom"] <= "2025-03-01" for m in ministries)
    assert _problem(c.get("/api/v1/organisations", {"kind": "club"}), 422)["errors"][0]["field"] == "query.kind"


def test_regimes_and_periods(ref):
    c = Client()
    regimes = c.get("/api/v1/regimes").json()
    default = [r for r in regimes if r["isDefault"]]
    assert len(default) == 1 and default[0]["rules"]
    p = c.get("/api/v1/periods/2025Q3").json()
    assert p["labelVi"] == "Quý III/2025" and p["start"] == "2025-07-01" and p["end"] == "2025-09-30"
    from baocao.periods import services as periods

    info = periods.describe(periods.parse_period("2025Q3"))
    assert (p["windowStart"], p["windowEnd"], p["deadline"], p["lockDate"]) == (
        info["window_start"], info["window_end"], info["deadline"], info["lock_date"])
    assert p["regime"] == info["regime"] and p["state"] == "locked"
    assert p["lockDate"] > p["deadline"] and p["previous"] == "2025Q2" and p["next"] == "2025Q4"
    label = urllib.parse.quote("Quý III/2025", safe="")
    assert c.get(f"/api/v1/periods/{label}").json()["code"] == "2025Q3"
    assert c.get("/api/v1/periods/" + urllib.parse.quote("6 tháng đầu năm 2025", safe="")).json()["type"] == "half_year"
    body = _problem(c.get("/api/v1/periods/2025Q9"), 422)
    assert body["type"].endswith("invalid-period")
    body = _problem(c.get("/api/v1/periods/2025Q3", {"regime": "NOPE"}), 404)
    assert "NOPE" in body["detail"]


def test_analytics_value_rolls_up_across_the_reform(world, client_for):
    link = AreaSuccession.objects.select_related("successor").filter(successor__valid_from__gte="2025-07-01").first()
    new = link.successor
    olds = [s.predecessor for s in AreaSuccession.objects.filter(successor=new).select_related("predecessor")]
    assert len(olds) >= 2
    for i, a in enumerate(olds):
        set_value(area=a, indicator="POST_ENTERPRISES", period="2024Q1", value=10 * (i + 1), source="demo")
    officer = client_for(world.officer)
    r = officer.get("/api/v1/analytics/value", {"indicator": "POST_ENTERPRISES", "orgUnit": new.uid, "period": "2024Q1"}).json()
    assert r["value"] == str(sum(10 * (i + 1) for i in range(len(olds)))) and set(r["units"]) == {a.uid for a in olds}
    national = officer.get("/api/v1/analytics/value", {"indicator": "POST_ENTERPRISES", "period": "Quý I/2024"}).json()
    assert national["value"] == r["value"] and len(national["missing"]) == 63 - len(olds)
    # a department reads its own province, not the country nor another province
    mine = client_for(world.reporter)
    assert mine.get("/api/v1/analytics/value", {"indicator": "POST_ENTERPRISES", "orgUnit": "P04", "period": "2024Q1"}).status_code == 200
    _problem(mine.get("/api/v1/analytics/value", {"indicator": "POST_ENTERPRISES", "period": "2024Q1"}), 403)
    _problem(mine.get("/api/v1/analytics/value", {"indicator": "POST_ENTERPRISES", "orgUnit": "P20", "period": "2024Q1"}), 403)
    assert _problem(officer.get("/api/v1/analytics/value", {"indicator": "NOPE", "period": "2024Q1"}), 422)["errors"][0]["field"] == "query.indicator"
    assert _problem(officer.get("/api/v1/analytics/value", {"indicator": "POST_ENTERPRISES"}), 422)["errors"][0]["field"] == "query.period"
    _problem(Client().get("/api/v1/analytics/value", {"indicator": "POST_ENTERPRISES", "period": "2024Q1"}), 401)


def _rec(title: str, state: str, area: AdminArea | None = None, **extra):
    from baocao.recommendations.models import Recommendation

    r = Recommendation(title=title, text=f"Nội dung {title}", sender_type="department", sender_name="Sở", area=area,
                       state=state, received_on=dt.date(2025, 4, 2), internal_answer="nội bộ", **extra)
    r.refresh_search()
    r.save()
    return r


def test_recommendations_scope(world, client_for):
    pub = _rec("Hạ tầng băng rộng", "published", world.lang_son, public_answer="Đã trả lời", published_on=dt.date(2025, 5, 1))
    own = _rec("Chữ ký số", "received", world.cao_bang)
    other = _rec("Bưu chính", "assigned", world.lang_son)
    anon = Client().get("/api/v1/recommendations").json()["items"]
    assert [r["id"] for r in anon] == [pub.pk] and anon[0]["internalAnswer"] is None
    cb = client_for(world.reporter)
    assert {r["id"] for r in cb.get("/api/v1/recommendations").json()["items"]} == {pub.pk, own.pk}
    _problem(cb.get(f"/api/v1/recommendations/{other.pk}"), 403)
    _problem(Client().get(f"/api/v1/recommendations/{own.pk}"), 403)
    officer = client_for(world.officer)
    every = officer.get("/api/v1/recommendations", {"limit": 2}).json()
    assert len(every["items"]) == 2 and every["nextCursor"] and every["items"][0]["internalAnswer"] == "nội bộ"
    assert [r["id"] for r in officer.get("/api/v1/recommendations", {"q": "chu ky so"}).json()["items"]] == [own.pk]
    assert [r["id"] for r in officer.get("/api/v1/recommendations", {"state": "assigned"}).json()["items"]] == [other.pk]
    _problem(officer.get("/api/v1/recommendations/99999"), 404)
    _problem(officer.get("/api/v1/recommendations", {"state": "lost"}), 422)


def test_recommendation_statistics_and_directives(world, client_for):
    from baocao.recommendations.models import Directive

    _rec("A", "received", world.cao_bang, due_on=dt.date(2025, 4, 20))
    officer = client_for(world.officer)
    stats = officer.get("/api/v1/recommendations/statistics", {"from": "2025-04-01", "to": "2025-06-30"}).json()
    assert stats["recommendations"]["received"] == 1 and stats["recommendations"]["overdue"] == 1
    assert _problem(officer.get("/api/v1/recommendations/statistics", {"from": "2025-06-30", "to": "2025-04-01"}), 422)["errors"][0]["field"] == "query.to"
    _problem(officer.get("/api/v1/recommendations/statistics", {"from": "2025-04-01"}), 422)
    _problem(Client().get("/api/v1/recommendations/statistics", {"from": "2025-04-01", "to": "2025-06-30"}), 401)
    from django.contrib.auth import get_user_model

    _problem(client_for(get_user_model().objects.get(username="khach")).get(
        "/api/v1/recommendations/statistics", {"from": "2025-04-01", "to": "2025-06-30"}), 403)
    d = Directive.objects.create(title="Triển khai 5G", leader_name="Bộ trưởng", given_on=dt.date(2025, 4, 1), due_on=dt.date(2025, 6, 30))
    d.assignees.add(world.dept_cb)
    assert [x["id"] for x in officer.get("/api/v1/directives").json()["items"]] == [d.pk]
    assert [x["id"] for x in client_for(world.reporter).get("/api/v1/directives").json()["items"]] == [d.pk]
    assert client_for(world.reporter_ls).get("/api/v1/directives").json()["items"] == []
    assert Client().get("/api/v1/directives").json()["items"] == []
    _problem(officer.get("/api/v1/directives", {"state": "nope"}), 422)
