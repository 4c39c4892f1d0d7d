"""Two-step sign-in enforcement: with ``BAOCAO_2FA_REQUIRED`` on, approvers and administrators who
have passed the password but not the TOTP code reach only the enrolment/verification pages and
sign-out; pages redirect there, API calls get 403 (API tokens are unaffected: no session user).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.http import urlencode

from baocao.accounts import services

EXEMPT_VIEWS = {"logout", "set_language", "health", "accounts:otp_verify", "accounts:otp_enrol"}


class RequireTwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any) -> HttpResponse | None:
        user = getattr(request, "user", None)
        if user is None or not services.two_factor_required(user):
            return None
        if user.is_verified():
            return None
        match = request.resolver_match
        if match is not None and match.view_name in EXEMPT_VIEWS:
            return None
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"title": "two-factor verification required", "status": 403, "detail": "sign in with a TOTP code first"},
                status=403,
                content_type="application/problem+json",
            )
        target = "accounts:otp_verify" if services.confirmed_device(user) else "accounts:otp_enrol"
        response = redirect(target)
        if request.method == "GET":
            response["Location"] += "?" + urlencode({"next": request.get_full_path()})
        return response
