"""Who may see and change what, derived from the user's profile (one place for scope rules)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.http import HttpRequest

from baocao.accounts.models import MINISTRY_ROLES, Profile, Role


def profile_of(user: AbstractBaseUser | AnonymousUser | None) -> Profile | None:
    if user is None or not user.is_authenticated:
        return None
    try:
        return user.profile  # type: ignore[union-attr]
    except Profile.DoesNotExist:
        return None


def is_ministry(user) -> bool:
    p = profile_of(user)
    return bool(p and p.role in MINISTRY_ROLES) or bool(getattr(user, "is_superuser", False))


def province_area_id(user) -> int | None:
    """The province a department user belongs to (None for ministry users and anonymous visitors)."""
    p = profile_of(user)
    if p is None or p.role not in (Role.PROVINCE_REPORTER, Role.PROVINCE_APPROVER):
        return None
    return p.area_id


def can_read_unpublished_area(user, area_id: int) -> bool:
    """Ministry users read every province; a department user reads only their own."""
    if is_ministry(user):
        return True
    return province_area_id(user) == area_id


def client_ip(request: HttpRequest) -> str | None:
    """The client's address for throttling and the audit log.

    Without a proxy (``BAOCAO_PROXY_COUNT=0``) it is ``REMOTE_ADDR``. Behind N trusted proxies it is the
    N-th X-Forwarded-For entry from the right: the one the outermost trusted proxy appended. Entries
    further left are written by the client and cannot be trusted, so they are never used.
    """
    count = settings.BAOCAO_PROXY_COUNT
    if count:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR")
