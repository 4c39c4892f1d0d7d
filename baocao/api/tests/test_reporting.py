"""Forms and submissions through the API: scope, workflow actions, verification."""

from __future__ import annotations

import pytest
from django.test import Client

from baocao.reporting.models import State, Submission, SubmissionEvent

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def _problem(resp, status: int) -> dict:
    assert resp.status_code == status, resp.content
    assert resp["Content-Type"].startswith(PROBLEM)
    return resp.json()


def _filled(world, client_for) -> int:
    c = client_for(world.reporter)
    for code, value in (("POST_ENTERPRISES", 12), ("POST_SERVICE_POINTS", 516033)):
        r = c.post("/api/v1/dataValues", {"indicator": code, "orgUnit": "P04", "period": world.period.code, "value": value},
                   content_type="application/json")
        assert r.status_code == 201, r.content
    return Submission.objects.get(area__uid="P04", period=world.period.code, form__code="ICT-Q").pk


def test_forms(world):
    forms = Client().get("/api/v1/forms").json()
    codes = {f["code"] for f in forms}
    assert {"ICT-Q", "ICT-S", "ICT-Y"} <= codes
    q = Client().get("/api/v1/forms/ICT-Q", {"period": world.period.code}).json()
    keys = [i["key"] for s in q["sections"] for i in s["items"]]
    assert q["periodType"] == "quarter" and "POST_ENTERPRISES" in keys and q["version"] >= 1
    old = Client().get("/api/v1/forms/ICT-Q", {"on": "2020-06-30"}).json()
    assert old["version"] < q["version"] or old["version"] == q["version"]
    assert _problem(Client().get("/api/v1/forms/NOPE"), 404)["detail"] == "Không có biểu mẫu mã “NOPE”."
    assert _problem(Client().get("/api/v1/forms/ICT-Q", {"period": "2025"}), 404)["detail"].startswith("Biểu")
    assert _problem(Client().get("/api/v1/forms/ICT-Q", {"on": "30/06/2020"}), 422)["errors"][0]["field"] == "query.on"


def test_workflow_through_the_api(world, client_for):
    sid = _filled(world, client_for)
    reporter, approver, officer, admin = (client_for(u) for u in (world.reporter, world.approver, world.officer, world.admin))
    url = f"/api/v1/submissions/{sid}"
    detail = reporter.get(url).json()
    assert detail["state"] == "draft" and {v["key"]: v["value"] for v in detail["values"] if v["value"]} == {
        "POST_ENTERPRISES": "12", "POST_SERVICE_POINTS": "516033"}
    # the reporter may not submit; the approver may
    body = _problem(reporter.post(f"{url}/submit"), 403)
    assert "lãnh đạo Sở" in body["detail"]
    _problem(officer.post(f"{url}/accept"), 409)  # not submitted yet
    sub = approver.post(f"{url}/submit").json()
    assert sub["state"] == "submitted" and len(sub["digest"]) == 64
    assert [e["action"] for e in sub["events"]] == ["create", "submit"]
    # return needs a reason; returns to the department
    body = _problem(officer.post(f"{url}/return", {"reason": " "}, content_type="application/json"), 422)
    assert body["errors"] == [{"field": "body.reason", "message": "required"}]
    _problem(approver.post(f"{url}/return", {"reason": "x"}, content_type="application/json"), 403)
    sub = officer.post(f"{url}/return", {"reason": "Thiếu số liệu"}, content_type="application/json").json()
    assert sub["state"] == "returned" and sub["returnReason"] == "Thiếu số liệu"
    sub = approver.post(f"{url}/submit").json()
    sub = officer.post(f"{url}/accept").json()
    assert sub["state"] == "accepted" and sub["decidedBy"] == "bo.chuyenvien"
    v = officer.get(f"{url}/verify").json()
    assert v["ok"] and v["digestOk"] and v["changed"] == []
    _problem(officer.post(f"{url}/reopen", {"reason": "sửa"}, content_type="application/json"), 403)
    sub = admin.post(f"{url}/reopen", {"reason": "Sở đề nghị sửa"}, content_type="application/json").json()
    assert sub["state"] == "draft"
    events = list(SubmissionEvent.objects.filter(submission_id=sid).values_list("action", "actor__username"))
    assert events[-1] == ("reopen", "quantri") and [e[0] for e in events].count("submit") == 2


def test_submissions_scope(world, client_for):
    sid = _filled(world, client_for)
    other = client_for(world.reporter_ls)
    assert other.get("/api/v1/submissions").json()["items"] == []
    body = _problem(other.get(f"/api/v1/submissions/{sid}"), 403)
    assert "không có quyền" in body["detail"]
    _problem(other.post(f"/api/v1/submissions/{sid}/submit"), 403)
    _problem(client_for(world.approver_ls).post(f"/api/v1/submissions/{sid}/submit"), 403)
    assert Submission.objects.get(pk=sid).state == State.DRAFT
    mine = client_for(world.reporter).get("/api/v1/submissions", {"state": "draft", "form": "ICT-Q"}).json()["items"]
    assert [s["id"] for s in mine] == [sid]
    assert client_for(world.officer).get("/api/v1/submissions", {"orgUnit": "P04", "period": world.period.label_vi}).json()["items"][0]["id"] == sid
    _problem(client_for(world.officer).get("/api/v1/submissions", {"state": "lost"}), 422)
    assert _problem(client_for(world.officer).get("/api/v1/submissions", {"form": "NOPE"}), 422)["errors"][0]["field"] == "query.form"
    _problem(client_for(world.officer).get("/api/v1/submissions/999999"), 404)
    _problem(Client().get("/api/v1/submissions"), 401)


def test_verify_detects_tampering(world, client_for):
    from baocao.datavalues.models import DataValue

    sid = _filled(world, client_for)
    client_for(world.approver).post(f"/api/v1/submissions/{sid}/submit")
    DataValue.objects.filter(area__uid="P04", indicator__code="POST_ENTERPRISES").update(value=13)
    v = client_for(world.officer).get(f"/api/v1/submissions/{sid}/verify").json()
    assert not v["ok"] and v["changed"] == ["POST_ENTERPRISES"]
