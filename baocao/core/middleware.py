"""Cross-cutting HTTP behaviour: request ids and access logs, security headers, idle sessions.

- ``RequestLogMiddleware``: gives every request an id (the proxy's ``X-Request-ID`` when it is sane,
  else a new one), returns it in the response and writes one structured access-log record per request
  to the ``baocao.request`` logger (method, path, status, duration, user id).
- ``SecurityHeadersMiddleware``: headers Django does not set itself (``Permissions-Policy``) and
  ``Cache-Control: private, no-store`` on pages shown to a signed-in user, so a shared computer's
  browser cache or a proxy never keeps unpublished figures.
- ``NulByteMiddleware``: refuses with 400 a request whose path, query or form fields hold a NUL byte
  (``%00``): no text column can store it (PostgreSQL raises an error mid-query), so it never reaches a view.
- ``SessionIdleMiddleware``: signs a user out after ``BAOCAO_SESSION_IDLE_SECONDS`` without a request.
  The session is written at most once a minute for this, not on every request.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

access_log = logging.getLogger("baocao.request")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

Handler = Callable[[HttpRequest], HttpResponse]


class RequestLogMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        start = time.perf_counter()
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        if access_log.isEnabledFor(logging.INFO):
            user = getattr(request, "user", None)
            access_log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "request_id": request_id,
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - start) * 1000, 1),
                    "user_id": user.pk if user is not None and user.is_authenticated else None,
                    "remote_addr": request.META.get("REMOTE_ADDR"),
                },
            )
        return response


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.BAOCAO_PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and "Cache-Control" not in response:
            response["Cache-Control"] = "private, no-store"
        return response


class SessionIdleMiddleware:
    """Sign out after a period without requests (``settings.BAOCAO_SESSION_IDLE_SECONDS``; 0 = off)."""

    KEY = "_baocao_last_seen"
    WRITE_EVERY = 60  # seconds: refresh the stamp at most this often

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        idle = settings.BAOCAO_SESSION_IDLE_SECONDS
        user = getattr(request, "user", None)
        if idle and user is not None and user.is_authenticated:
            now = int(time.time())
            last = request.session.get(self.KEY)
            if last is not None and now - int(last) > idle:
                logout(request)
                messages.info(request, _("Phiên làm việc đã hết hạn do không hoạt động. Vui lòng đăng nhập lại."))
            elif last is None or now - int(last) >= self.WRITE_EVERY:
                request.session[self.KEY] = now
        return self.get_response(request)


_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _holds_nul(request: HttpRequest) -> str | None:
    """Where the request carries a NUL byte ("path", "query" or "form"), or None."""
    if "\x00" in request.path_info or "%00" in request.path_info:
        return "path"
    for key, values in request.GET.lists():
        if "\x00" in key or any("\x00" in v for v in values):
            return "query"
    if request.method in ("POST", "PUT", "PATCH") and request.content_type in _FORM_TYPES:
        for key, values in request.POST.lists():
            if "\x00" in key or any("\x00" in v for v in values):
                return "form"
    return None


class NulByteMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        where = _holds_nul(request)
        if where is None:
            return self.get_response(request)
        if request.path_info.startswith("/api/"):
            from baocao.api.errors import problem

            return problem(400, "NUL byte", f"The request {where} contains a NUL byte (%00), which no field accepts. "
                           "/ Yêu cầu chứa ký tự NUL (%00), không trường nào nhận ký tự này.")
        message = _("Yêu cầu chứa ký tự không hợp lệ (NUL, %%00) trong %(where)s; không có gì được ghi.") % {
            "where": {"path": _("địa chỉ"), "query": _("tham số tìm kiếm"), "form": _("dữ liệu gửi lên")}[where]
        }
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
