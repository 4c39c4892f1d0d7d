"""Tokens respect the reporting app's permission matrix: for every role, what the API allows is what
``baocao.reporting.services.allowed`` says, and a refusal changes nothing."""

from __future__ import annotations

import pytest

from baocao.datavalues.models import DataValue
from baocao.reporting import services as rs
from baocao.reporting.models import State, Submission

pytestmark = pytest.mark.django_db

ROLES = ("reporter", "approver", "reporter_ls", "approver_ls", "officer", "unit", "admin", "nobody")
# an indicator per user, so that each write is new
CODES = {"reporter": "POST_EMPLOYEES", "approver": "POST_CULTURAL_POINTS", "reporter_ls": "POST_REVENUE",
         "approver_ls": "TEL_REVENUE", "officer": "TEL_SUBS_TOTAL", "unit": "TEL_SUBS_FIXED", "admin": "TEL_SUBS_MOBILE",
         "nobody": "POST_COMMUNES_WITH_POINT"}


def test_permission_matrix_through_tokens(world, client_for):
    seed = client_for(world.reporter)
    for code, v in (("POST_ENTERPRISES", 12), ("POST_SERVICE_POINTS", 516033)):
        assert seed.post("/api/v1/dataValues", {"indicator": code, "orgUnit": "P04", "period": world.period.code, "value": v},
                         content_type="application/json").status_code == 201
    sub = Submission.objects.get(area=world.cao_bang, period=world.period.code)
    url = f"/api/v1/submissions/{sub.pk}"
    area = world.cao_bang.pk
    for role in ROLES:
        user = getattr(world, role)
        c = client_for(user)
        view = c.get(url)
        assert view.status_code == (200 if rs.allowed(user, "view", area) else 403), role
        listed = [s["id"] for s in c.get("/api/v1/submissions").json()["items"]]
        assert (sub.pk in listed) == rs.allowed(user, "view", area), role
        enter = c.post("/api/v1/dataValues", {"indicator": CODES[role], "orgUnit": "P04", "period": world.period.code,
                                               "value": 1}, content_type="application/json")
        assert enter.status_code == (201 if rs.allowed(user, "upload", area) else 403), (role, enter.content)
        # a draft cannot be accepted or reopened: reviewers get 409 (state), the others 403 (role)
        assert c.post(f"{url}/accept").status_code == (409 if rs.allowed(user, "review", area) else 403), role
        reopen = c.post(f"{url}/reopen", {"reason": "thử"}, content_type="application/json")
        assert reopen.status_code == (409 if rs.allowed(user, "reopen", area) else 403), role
        assert Submission.objects.get(pk=sub.pk).state == State.DRAFT
    written = set(DataValue.objects.filter(area=world.cao_bang).values_list("indicator__code", flat=True))
    assert written == {"POST_ENTERPRISES", "POST_SERVICE_POINTS", CODES["reporter"], CODES["approver"]}
    for role in ROLES:
        user = getattr(world, role)
        r = client_for(user).post(f"{url}/submit")
        if rs.allowed(user, "submit", area):
            assert r.status_code == 200 and r.json()["state"] == "submitted", role
            break
        assert r.status_code == 403, role
    assert Submission.objects.get(pk=sub.pk).submitted_by == world.approver
