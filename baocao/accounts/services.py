"""Who may see and change what, derived from the user's profile (one place for scope rules)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

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
