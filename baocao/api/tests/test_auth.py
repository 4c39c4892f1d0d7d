"""Tokens and errors: 401 for missing/bad/revoked/expired tokens, session with CSRF, problem+json."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from baocao.api.models import ApiToken
from baocao.api.services import authenticate_token, create_token, hash_token

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def _problem(resp, status: int) -> dict:
    assert resp.status_code == status, resp.content
    assert resp["Content-Type"].startswith(PROBLEM)
    body = resp.json()
    assert body["status"] == status and body["title"] and body["detail"] and body["type"].startswith("urn:baocao:problem:")
    return body


def test_token_is_stored_hashed_and_acts_as_its_user(light):
    new = create_token(light.reporter, "cổng tỉnh")
    row = ApiToken.objects.get(pk=new.token.pk)
    assert new.secret not in (row.hash, row.prefix) and row.hash == hash_token(new.secret)
    assert new.secret.startswith(f"bc_{row.prefix}_")
    resp = Client(HTTP_AUTHORIZATION=f"Bearer {new.secret}").get("/api/v1/me")
    assert resp.status_code == 200, resp.content
    me = resp.json()
    assert me["username"] == "cb.chuyenvien" and me["role"] == "province_reporter"
    assert me["province"] == "P04" and me["visible_provinces"] == ["P04"]
    row.refresh_from_db()
    assert row.last_used_at is not None


def test_ministry_token_sees_every_province(light, client_for):
    me = client_for(light.officer).get("/api/v1/me").json()
    assert me["role"] == "ministry_officer" and me["visible_provinces"] is None


def test_no_token_is_401_problem():
    resp = Client().get("/api/v1/me")
    body = _problem(resp, 401)
    assert "Bearer" in body["detail"] and resp["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header,needle", [
    ("Bearer bc_deadbeef_nope", "Unknown API token"),
    ("Bearer ", "Empty bearer token"),
    ("Basic dXNlcjpwYXNz", "Unsupported Authorization scheme"),
    ("Bearer garbage", "Unknown API token"),
])
def test_bad_tokens_are_401_with_the_reason(light, header, needle):
    body = _problem(Client(HTTP_AUTHORIZATION=header).get("/api/v1/me"), 401)
    assert needle in body["detail"]


def test_revoked_and_expired_tokens_are_refused(light):
    revoked = create_token(light.reporter, "old")
    call_command("api_token", "revoke", revoked.token.prefix, verbosity=0)
    body = _problem(Client(HTTP_AUTHORIZATION=f"Bearer {revoked.secret}").get("/api/v1/me"), 401)
    assert "revoked" in body["detail"]
    expired = create_token(light.reporter, "short", expires_at=timezone.now() - dt.timedelta(seconds=1))
    body = _problem(Client(HTTP_AUTHORIZATION=f"Bearer {expired.secret}").get("/api/v1/me"), 401)
    assert "expired" in body["detail"]
    # a bad token never falls back to the session
    c = Client(HTTP_AUTHORIZATION=f"Bearer {expired.secret}")
    c.force_login(light.officer)
    _problem(c.get("/api/v1/me"), 401)


def test_disabled_user_token_is_refused(light):
    new = create_token(light.reporter, "x")
    light.reporter.is_active = False
    light.reporter.save()
    from baocao.api.services import TokenError

    with pytest.raises(TokenError, match="disabled"):
        authenticate_token(new.secret)


def test_session_works_for_the_docs_page(light):
    c = Client()
    c.force_login(light.approver)
    assert c.get("/api/v1/me").json()["username"] == "cb.lanhdao"
    docs = c.get("/api/v1/docs")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "cdn." not in html and "unpkg" not in html and "jsdelivr" not in html


def test_command_create_list_revoke(light, capsys):
    call_command("api_token", "create", "cb.chuyenvien", "--name", "portal", "--days", "30", "--json")
    out = json.loads(capsys.readouterr().out)
    assert out["user"] == "cb.chuyenvien" and out["token"].startswith("bc_")
    assert authenticate_token(out["token"]) == light.reporter
    call_command("api_token", "list", "--json")
    rows = json.loads(capsys.readouterr().out)
    assert [r["state"] for r in rows if r["prefix"] == out["prefix"]] == ["active"]
    call_command("api_token", "revoke", out["prefix"])
    assert ApiToken.objects.get(prefix=out["prefix"]).revoked
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Không có người dùng"):
        call_command("api_token", "create", "ai.do", "--name", "x")
    with pytest.raises(CommandError, match="Thiếu tên"):
        call_command("api_token", "create", "cb.chuyenvien", "--name", " ")


def test_problem_helper_and_unknown_route():
    from baocao.api.errors import problem

    resp = problem(409, "Conflict", "Báo cáo đã khóa", current_version=3)
    body = json.loads(resp.content)
    assert resp["Content-Type"] == PROBLEM and body["current_version"] == 3 and body["type"] == "urn:baocao:problem:conflict"


def test_admin_creates_a_token_shown_once_and_revokes(light):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("quantri", "q@example.vn", "x")
    c = Client()
    c.force_login(admin)
    resp = c.post("/admin/api/apitoken/add/", {"user": light.reporter.pk, "name": "IOC tỉnh", "expires_at_0": "", "expires_at_1": ""},
                  follow=True)
    assert resp.status_code == 200
    shown = [str(m) for m in resp.context["messages"] if "bc_" in str(m)]
    assert len(shown) == 1
    secret = shown[0].split(": ", 1)[1].strip()
    row = ApiToken.objects.get(name="IOC tỉnh")
    assert row.user == light.reporter and row.hash == hash_token(secret) and secret not in row.hash
    assert Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get("/api/v1/me").json()["username"] == "cb.chuyenvien"
    c.post("/admin/api/apitoken/", {"action": "revoke", "_selected_action": [row.pk]}, follow=True)
    row.refresh_from_db()
    assert row.revoked and row.revoked_at is not None
    _problem(Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get("/api/v1/me"), 401)
