"""The permission matrix: every role × every view and endpoint × own / other province.

A submitted Cao Bằng (P04) report is the target. For each (user, view) the expected status code is
written out; every refused write is checked to have changed nothing (values, versions, report state,
events).
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from baocao.datavalues.models import DataValue
from baocao.reporting import services as s
from baocao.reporting.models import State, Submission, SubmissionEvent

pytestmark = pytest.mark.django_db

VIEWS = ["index", "entry_get", "entry_post", "submit", "accept", "return", "reopen", "verify", "excel", "upload", "completeness"]
WRITES = {"entry_post", "submit", "accept", "return", "reopen", "upload"}

# Expected status for the Cao Bằng report. "login" = redirect to the login page.
EXPECTED = {
    "anonymous": dict.fromkeys(VIEWS, "login"),
    "nobody": {"index": 200, **dict.fromkeys(VIEWS[1:], 403)},
    "reporter_own": {"index": 200, "entry_get": 200, "entry_post": 302, "submit": 403, "accept": 403, "return": 403,
                     "reopen": 403, "verify": 302, "excel": 200, "upload": 400, "completeness": 403},
    "approver_own": {"index": 200, "entry_get": 200, "entry_post": 302, "submit": 302, "accept": 403, "return": 403,
                     "reopen": 403, "verify": 302, "excel": 200, "upload": 400, "completeness": 403},
    "reporter_other": {"index": 200, **dict.fromkeys(VIEWS[1:], 403)},
    "approver_other": {"index": 200, **dict.fromkeys(VIEWS[1:], 403)},
    "officer": {"index": 200, "entry_get": 200, "entry_post": 403, "submit": 403, "accept": 302, "return": 302,
                "reopen": 403, "verify": 302, "excel": 200, "upload": 403, "completeness": 200},
    "unit": {"index": 200, "entry_get": 200, "entry_post": 403, "submit": 403, "accept": 403, "return": 403,
             "reopen": 403, "verify": 302, "excel": 200, "upload": 403, "completeness": 200},
    "admin": {"index": 200, "entry_get": 200, "entry_post": 403, "submit": 403, "accept": 302, "return": 302,
              "reopen": 302, "verify": 302, "excel": 200, "upload": 403, "completeness": 200},
}


def _request(client, w, view: str):
    args = ["ICT-Q", w.period.code, "P04"]
    if view == "index":
        return client.get(reverse("reporting:index"))
    if view == "completeness":
        return client.get(reverse("reporting:completeness"))
    if view == "entry_get":
        return client.get(reverse("reporting:entry", args=args))
    if view == "entry_post":
        return client.post(reverse("reporting:entry", args=args), {"value__POST_ENTERPRISES": "999", "version__POST_ENTERPRISES": "1"})
    if view == "excel":
        return client.get(reverse("reporting:excel", args=args))
    if view == "upload":
        return client.post(reverse("reporting:upload", args=args), {})
    return client.post(reverse(f"reporting:{view}", args=args), {"reason": "Kiểm tra quyền"})


def _state(w):
    return (
        sorted(DataValue.objects.values_list("area__uid", "indicator__code", "value", "version")),
        sorted(Submission.objects.values_list("pk", "state", "digest")),
        SubmissionEvent.objects.count(),
    )


def test_permission_matrix(world, client):
    w = world
    sub, period = s.open_submission(w.reporter, "ICT-Q", w.period.code, "P04", "enter")
    s.save_values(sub, period, w.reporter, {"POST_ENTERPRISES": {"value": "12"}})
    sub = s.submit(sub, w.approver)
    users = {
        "anonymous": None, "nobody": w.nobody, "reporter_own": w.reporter, "approver_own": w.approver,
        "reporter_other": w.reporter_ls, "approver_other": w.approver_ls, "officer": w.officer, "unit": w.unit,
        "admin": w.admin,
    }
    seen = 0
    for role, user in users.items():
        for view in VIEWS:
            # Every request starts from the same submitted report.
            Submission.objects.filter(pk=sub.pk).update(state=State.SUBMITTED)
            client.logout()
            if user is not None:
                client.force_login(user)
            before = _state(w)
            r = _request(client, w, view)
            expected = EXPECTED[role][view]
            if expected == "login":
                assert r.status_code == 302 and "/dang-nhap/" in r["Location"], (role, view)
            else:
                assert r.status_code == expected, (role, view, r.status_code)
            if view in WRITES and expected in (403, "login"):
                assert _state(w) == before, (role, view)
            seen += 1
    assert seen == len(users) * len(VIEWS)


def test_other_province_content_never_leaks(world, client):
    """Lạng Sơn's users see neither Cao Bằng's figures nor its name in their lists."""
    w = world
    sub, period = s.open_submission(w.reporter, "ICT-Q", w.period.code, "P04", "enter")
    s.save_values(sub, period, w.reporter, {"POST_SERVICE_POINTS": {"value": "516.033"}})
    client.force_login(w.reporter_ls)
    body = client.get(reverse("reporting:index")).content.decode()
    assert "Cao Bằng" not in body and "516.033" not in body
    r = client.get(reverse("reporting:entry", args=["ICT-Q", w.period.code, "P04"]))
    assert r.status_code == 403 and "516.033" not in r.content.decode()
    # A forged post that names Cao Bằng from Lạng Sơn's session writes nothing.
    r = client.post(reverse("reporting:entry", args=["ICT-Q", w.period.code, "P04"]), {"value__POST_SERVICE_POINTS": "1"})
    assert r.status_code == 403
    assert DataValue.objects.get(area__uid="P04", indicator__code="POST_SERVICE_POINTS").value == 516033
    # Unknown forms, periods and provinces are 404, for everyone.
    client.force_login(w.officer)
    for args in (["NOPE", w.period.code, "P04"], ["ICT-Q", "2026S1", "P04"], ["ICT-Q", w.period.code, "P999"]):
        assert client.get(reverse("reporting:entry", args=args)).status_code == 404
    # A pre-reform province that no longer exists has no report for a period after the reform.
    assert client.get(reverse("reporting:entry", args=["ICT-Q", w.period.code, "P02"])).status_code == 404
