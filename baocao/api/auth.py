"""Authentication for the API: a bearer token (``Authorization: Bearer bc_…``) or the Django session.

A token acts exactly as its user: the endpoints read ``request.auth`` (the user) and ask
``baocao.reporting.services.allowed/require/visible_areas`` and ``baocao.accounts.services``; no
scope rule lives here. With the session (the browser documentation page), CSRF applies to unsafe
methods. A request that presents a bad token is refused (401) even on public endpoints; it never
falls back to anonymous.

- ``api_auth``: bearer token or session (401 otherwise);
- ``optional_auth``: the same, else anonymous (``request.auth`` is an ``AnonymousUser``) for public
  reference data and published recommendations.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from .services import TokenError, authenticate_token


class BearerToken(HttpBearer):
    """``Authorization: Bearer <token>``; a malformed header or a bad token is a 401 with the reason."""

    def __call__(self, request: HttpRequest) -> Any:
        header = request.headers.get("Authorization")
        if not header:
            return None
        scheme, _, token = header.strip().partition(" ")
        if scheme.lower() != "bearer":
            raise TokenError(f"Unsupported Authorization scheme “{scheme}”: use “Bearer <token>”.")
        return self.authenticate(request, token)

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = authenticate_token(token)
        request.user = user  # services that take the request (audit) see the token's user
        return user


class SessionAuth(APIKeyCookie):
    """The signed-in browser user (the docs page); CSRF is checked on unsafe methods."""

    param_name: str = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None  # no session: let the next method (or the 401) answer, not a CSRF error
        if self.csrf and not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise HttpError(403, "CSRF check failed: send the X-CSRFToken header with the csrftoken cookie's value.")
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        return user if user is not None and user.is_authenticated else None


class Anonymous:
    """Lets a request without credentials through as ``AnonymousUser`` (public endpoints only)."""

    def __call__(self, request: HttpRequest) -> Any:
        return AnonymousUser()


bearer = BearerToken()
session = SessionAuth()
api_auth = [bearer, session]
optional_auth = [bearer, session, Anonymous()]


def user_of(request: HttpRequest) -> Any:
    """The user the request acts as (``AnonymousUser`` when none)."""
    user = getattr(request, "auth", None)
    return user if user is not None else AnonymousUser()
