"""Who may see and change what, derived from the user's profile (one place for scope rules)."""

from __future__ import annotations

import base64
import math
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

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


# --- two-step sign-in (TOTP) ---------------------------------------------------------------------


def two_factor_required(user: Any) -> bool:
    """Whether this user must pass a TOTP check after the password (``BAOCAO_2FA_REQUIRED``).

    Required for the roles in ``BAOCAO_2FA_ROLES`` (approvers and system administrators by default)
    and for every account that can open the admin (staff, superusers).
    """
    if not settings.BAOCAO_2FA_REQUIRED or user is None or not user.is_authenticated:
        return False
    if user.is_superuser or user.is_staff:
        return True
    p = profile_of(user)
    return bool(p and p.role in settings.BAOCAO_2FA_ROLES)


def confirmed_device(user: Any) -> Any:
    """The user's confirmed TOTP device, or None when they have not enrolled yet."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def pending_device(user: Any) -> Any:
    """The unconfirmed device of an enrolment in progress (created on first call, reused after)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="baocao", confirmed=False)
    return device


def manual_key(device: Any) -> str:
    """The secret in base32 groups of four, for typing into an authenticator app by hand."""
    raw = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def qr_data_uri(device: Any) -> str:
    """The otpauth:// URI of the device as an SVG QR code in a data: URI (no external request)."""
    import segno

    return segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)


def check_token(device: Any, token: str) -> tuple[bool, str | None]:
    """Verify a 6-digit code against the device, honouring its throttling.

    Returns (ok, error message in Vietnamese).
    """
    token = "".join(token.split())
    allowed, _info = device.verify_is_allowed()
    if not allowed:
        # django-otp doubles the wait after each wrong code (1, 2, 4 ... seconds times the factor).
        required = device.get_throttle_factor() * 2 ** (device.throttling_failure_count - 1)
        waited = (timezone.now() - device.throttling_failure_timestamp).total_seconds()
        seconds = max(1, math.ceil(required - waited))
        return False, _("Nhập sai quá nhiều lần. Vui lòng thử lại sau %(s)d giây.") % {"s": seconds}
    if not token.isdigit() or len(token) != device.digits:
        return False, _("Mã xác thực phải gồm %(n)d chữ số.") % {"n": device.digits}
    if not device.verify_token(token):
        return False, _("Mã xác thực không đúng hoặc đã hết hạn.")
    return True, None
