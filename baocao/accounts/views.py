"""Sign-in pages: the login form, the lockout page, two-step verification (TOTP) enrolment and check."""

from __future__ import annotations

import math
from typing import Any

from axes.helpers import get_cool_off, get_failure_limit
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.password_validation import password_validators_help_texts
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django_otp import login as otp_login

from baocao.accounts import services


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    """The page shown instead of the login form once django-axes has locked the attempt out (HTTP 429)."""
    cool_off = get_cool_off(request)
    context = {
        "failure_limit": get_failure_limit(request, credentials),
        "cooloff_minutes": math.ceil(cool_off.total_seconds() / 60) if cool_off else None,
    }
    return render(request, "accounts/locked_out.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@login_required
def otp_verify(request: HttpRequest) -> HttpResponse:
    """Second step of the sign-in: the 6-digit code from the user's authenticator app."""
    device = services.confirmed_device(request.user)
    if device is None:
        return redirect(f"{resolve_url('accounts:otp_enrol')}?{urlencode({'next': _next_url(request)})}")
    error = None
    if request.method == "POST":
        ok, error = services.check_token(device, request.POST.get("token", ""))
        if ok:
            otp_login(request, device)
            return redirect(_next_url(request))
    return render(request, "accounts/otp_verify.html", {"error": error, "next": _next_url(request)})


@login_required
def otp_enrol(request: HttpRequest) -> HttpResponse:
    """Set up the authenticator app: scan the QR code (or type the key), then confirm with a code.

    Only for a user without a confirmed device: replacing a device goes through an administrator,
    so a stolen password alone cannot move the second factor to the thief's phone.
    """
    if services.confirmed_device(request.user) is not None:
        return redirect(f"{resolve_url('accounts:otp_verify')}?{urlencode({'next': _next_url(request)})}")
    device = services.pending_device(request.user)
    error = None
    if request.method == "POST":
        ok, error = services.check_token(device, request.POST.get("token", ""))
        if ok:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            messages.success(request, _("Đã bật xác thực hai bước cho tài khoản của bạn."))
            return redirect(_next_url(request))
    context = {
        "error": error,
        "next": _next_url(request),
        "qr": services.qr_data_uri(device),
        "key": services.manual_key(device),
    }
    return render(request, "accounts/otp_enrol.html", context)


class PasswordChange(auth_views.PasswordChangeView):
    """Change one's own password; the password policy (settings.AUTH_PASSWORD_VALIDATORS) applies."""

    template_name = "accounts/password_change.html"

    def get_success_url(self) -> str:
        return resolve_url("home")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "password_help": password_validators_help_texts()}

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, _("Đã đổi mật khẩu."))
        return response
