"""Login lockout, password policy, two-step sign-in, session expiry and security headers (HTTP level)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.test import Client, RequestFactory, override_settings

from baocao.accounts import services
from baocao.accounts.models import Role
from baocao.accounts.validators import CharacterClassValidator

from .helpers import PASSWORD, make_user, totp_code

pytestmark = pytest.mark.django_db


def _login(client: Client, username: str, password: str, ip: str = "10.0.0.1"):
    return client.post("/dang-nhap/", {"username": username, "password": password}, REMOTE_ADDR=ip)


# --- lockout -----------------------------------------------------------------------------------


def test_five_wrong_passwords_lock_the_account_from_that_address(settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    make_user("caobang.lanhdao")
    c = Client()
    for _ in range(4):
        r = _login(c, "caobang.lanhdao", "sai-mat-khau")
        assert r.status_code == 200 and "không đúng" in r.content.decode()
    r = _login(c, "caobang.lanhdao", "sai-mat-khau")
    assert r.status_code == 429
    # Locked: even the right password is refused now, with a Vietnamese explanation.
    r = _login(c, "caobang.lanhdao", PASSWORD)
    assert r.status_code == 429
    body = r.content.decode()
    assert "Tạm khóa đăng nhập" in body and "5 lần nhập sai mật khẩu" in body and "15 phút" in body
    assert "_auth_user_id" not in c.session
    # The same user from another address is not affected (no denial of service by lockout).
    other = Client()
    assert _login(other, "caobang.lanhdao", PASSWORD, ip="10.0.0.2").status_code == 302


def test_lockout_ends_after_the_cool_off(settings):
    from axes.models import AccessAttempt

    make_user("u1")
    c = Client()
    for _ in range(5):
        _login(c, "u1", "wrong")
    assert _login(c, "u1", PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=16))
    r = _login(c, "u1", PASSWORD)
    assert r.status_code == 302 and c.session["_auth_user_id"]


def test_successful_login_resets_the_failure_count():
    make_user("u2")
    c = Client()
    for _ in range(4):
        _login(c, "u2", "wrong")
    assert _login(c, "u2", PASSWORD).status_code == 302
    c.logout()
    for _ in range(4):
        _login(c, "u2", "wrong")
    assert _login(c, "u2", PASSWORD).status_code == 302


def test_admin_login_is_locked_out_too():
    make_user("admin1", role=Role.MINISTRY_ADMIN, is_staff=True)
    c = Client()
    for _ in range(5):
        c.post("/admin/login/", {"username": "admin1", "password": "x"}, REMOTE_ADDR="10.9.9.9")
    r = c.post("/admin/login/", {"username": "admin1", "password": PASSWORD}, REMOTE_ADDR="10.9.9.9")
    assert r.status_code == 429


def test_client_ip_behind_proxies(settings):
    rf = RequestFactory()
    req = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    settings.BAOCAO_PROXY_COUNT = 0
    assert services.client_ip(req) == "127.0.0.1"
    settings.BAOCAO_PROXY_COUNT = 1
    assert services.client_ip(req) == "203.0.113.7"  # the entry our proxy added, not the client's own
    settings.BAOCAO_PROXY_COUNT = 3
    assert services.client_ip(req) == "127.0.0.1"  # fewer entries than proxies: do not trust any


# --- password policy ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "needle"),
    [
        ("Ab1!", "cần ít nhất 10 ký tự"),
        ("abcdefghijkl", "ít nhất 3 loại ký tự"),
        ("12345678901", "hoàn toàn là số"),
        ("Password123", "quá phổ biến"),
    ],
)
def test_password_policy_messages_are_vietnamese(password, needle):
    from django.contrib.auth.password_validation import validate_password
    from django.utils import translation

    with translation.override("vi"), pytest.raises(ValidationError) as exc:
        validate_password(password)
    assert any(needle in m for m in exc.value.messages), exc.value.messages


def test_password_policy_accepts_a_strong_password():
    from django.contrib.auth.password_validation import validate_password

    validate_password("Baocao@2026")  # the demo password is within the policy
    validate_password("mua-thu Ha Noi 2026")
    assert CharacterClassValidator(3).classes_in("abcDEF123") == 3
    with pytest.raises(ValueError):
        CharacterClassValidator(5)


def test_password_similar_to_username_is_refused():
    from django.contrib.auth.password_validation import validate_password
    from django.utils import translation

    user = make_user("caobang.chuyenvien")
    with translation.override("vi"), pytest.raises(ValidationError) as exc:
        validate_password("Caobang.chuyenvien1", user)
    assert any("quá giống" in m for m in exc.value.messages)


def test_password_change_applies_the_policy():
    user = make_user("u3")
    c = Client()
    c.force_login(user)
    r = c.post("/tai-khoan/doi-mat-khau/", {"old_password": PASSWORD, "new_password1": "abc", "new_password2": "abc"})
    assert r.status_code == 200 and "cần ít nhất 10 ký tự" in r.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    r = c.post(
        "/tai-khoan/doi-mat-khau/",
        {"old_password": PASSWORD, "new_password1": "Mới-2026-an-toàn", "new_password2": "Mới-2026-an-toàn"},
    )
    assert r.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Mới-2026-an-toàn")


# --- two-step sign-in ------------------------------------------------------------------------


@override_settings(BAOCAO_2FA_REQUIRED=True)
def test_approver_must_enrol_then_reaches_the_page():
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = make_user("lanhdao", role=Role.PROVINCE_APPROVER)
    c = Client()
    c.force_login(user)
    r = c.get("/bao-cao/")
    assert r.status_code == 302 and r["Location"] == "/tai-khoan/xac-thuc-hai-buoc/dang-ky/?next=%2Fbao-cao%2F"
    r = c.get(r["Location"])
    body = r.content.decode()
    assert r.status_code == 200 and 'src="data:image/svg+xml' in body
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    key = re.search(r'<code id="otp-key">([A-Z2-7 ]+)</code>', body).group(1)
    assert services.manual_key(device) == key
    # A wrong code: a Vietnamese error, nothing confirmed.
    r = c.post("/tai-khoan/xac-thuc-hai-buoc/dang-ky/", {"token": "12", "next": "/bao-cao/"})
    assert "phải gồm 6 chữ số" in r.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    r = c.post("/tai-khoan/xac-thuc-hai-buoc/dang-ky/", {"token": totp_code(device), "next": "/bao-cao/"})
    assert r.status_code == 302 and r["Location"] == "/bao-cao/"
    device.refresh_from_db()
    assert device.confirmed
    assert c.get("/bao-cao/").status_code == 200
    # Enrolling again is not possible once a device is confirmed (needs an administrator).
    assert c.get("/tai-khoan/xac-thuc-hai-buoc/dang-ky/")["Location"].startswith("/tai-khoan/xac-thuc-hai-buoc/?")


@override_settings(BAOCAO_2FA_REQUIRED=True)
def test_enrolled_administrator_must_give_a_code_after_the_password():
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = make_user("quantri", role=Role.MINISTRY_ADMIN, is_staff=True)
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    c = Client()
    assert _login(c, "quantri", PASSWORD).status_code == 302
    r = c.get("/admin/")
    assert r.status_code == 302 and r["Location"].startswith("/tai-khoan/xac-thuc-hai-buoc/?next=")
    r = c.post("/tai-khoan/xac-thuc-hai-buoc/", {"token": "000000", "next": "/admin/"})
    assert "không đúng" in r.content.decode()
    assert c.get("/admin/").status_code == 302
    # Right after a wrong code the device is throttled (1 s, doubling): a clear message.
    r = c.post("/tai-khoan/xac-thuc-hai-buoc/", {"token": totp_code(device), "next": "/admin/"})
    if r.status_code == 200:
        assert "Nhập sai quá nhiều lần" in r.content.decode()
        TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None, throttling_failure_count=0)
        r = c.post("/tai-khoan/xac-thuc-hai-buoc/", {"token": totp_code(device), "next": "/admin/"})
    assert r.status_code == 302 and r["Location"] == "/admin/"
    assert c.get("/admin/").status_code == 200


@override_settings(BAOCAO_2FA_REQUIRED=True)
def test_reporters_are_not_asked_and_the_api_refuses_unverified_sessions():
    reporter = make_user("chuyenvien", role=Role.PROVINCE_REPORTER)
    c = Client()
    c.force_login(reporter)
    assert c.get("/bao-cao/").status_code == 200
    approver = make_user("lanhdao2", role=Role.PROVINCE_APPROVER)
    c2 = Client()
    c2.force_login(approver)
    r = c2.get("/api/v1/recommendations")
    assert r.status_code == 403 and r["Content-Type"] == "application/problem+json"
    assert c2.post("/dang-xuat/").status_code == 302  # signing out is always possible


def test_two_factor_is_off_by_default():
    approver = make_user("lanhdao3", role=Role.PROVINCE_APPROVER)
    assert not services.two_factor_required(approver)
    c = Client()
    c.force_login(approver)
    assert c.get("/bao-cao/").status_code == 200


# --- session expiry and headers ------------------------------------------------------------------


def test_idle_session_is_signed_out(settings):
    import time

    user = make_user("u4")
    c = Client()
    c.force_login(user)
    assert c.get("/bao-cao/").status_code == 200
    session = c.session
    session["_baocao_last_seen"] = int(time.time()) - settings.BAOCAO_SESSION_IDLE_SECONDS - 5
    session.save()
    r = c.get("/bao-cao/")
    assert r.status_code == 302 and r["Location"].startswith("/dang-nhap/")
    assert "_auth_user_id" not in c.session


def test_session_settings():
    from django.conf import settings

    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE and settings.SESSION_COOKIE_AGE == 8 * 3600
    assert settings.SESSION_COOKIE_HTTPONLY and not settings.CSRF_COOKIE_HTTPONLY  # JS API clients send it back
    assert settings.SESSION_COOKIE_SAMESITE == "Lax"
    assert not settings.SESSION_COOKIE_SECURE  # tests and runserver use plain http


def test_security_headers_on_pages():
    user = make_user("u5")
    c = Client()
    r = c.get("/dang-nhap/", HTTP_X_REQUEST_ID="abcdef123456")
    assert r["X-Request-ID"] == "abcdef123456"
    csp = r["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert r["X-Frame-Options"] == "DENY" and r["X-Content-Type-Options"] == "nosniff"
    assert r["Referrer-Policy"] == "same-origin" and "camera=()" in r["Permissions-Policy"]
    # An injected request id is replaced by a fresh one.
    assert c.get("/dang-nhap/", HTTP_X_REQUEST_ID="<script>")["X-Request-ID"] != "<script>"
    c.force_login(user)
    assert c.get("/bao-cao/")["Cache-Control"] == "private, no-store"


def test_csrf_is_enforced_on_login_and_forms():
    make_user("u6")
    c = Client(enforce_csrf_checks=True)
    r = c.post("/dang-nhap/", {"username": "u6", "password": PASSWORD})
    assert r.status_code == 403
    assert "kiểm tra CSRF không đạt" in r.content.decode()  # a Vietnamese page, not Django's English one
    assert get_user_model().objects.get(username="u6").last_login is None
