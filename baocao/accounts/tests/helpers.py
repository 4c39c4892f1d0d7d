"""Users with roles and TOTP codes for the accounts tests."""

from __future__ import annotations

import time

from django.contrib.auth import get_user_model

from baocao.accounts.models import Profile, Role

PASSWORD = "Baocao@2026"


def make_user(username: str, role: str | None = Role.PROVINCE_REPORTER, **extra) -> object:
    user = get_user_model().objects.create_user(username=username, password=PASSWORD, **extra)
    if role:
        Profile.objects.create(user=user, role=role)
    return user


def totp_code(device, offset_steps: int = 0) -> str:
    """The code an authenticator app shows now (or ``offset_steps`` periods later)."""
    from django_otp.oath import TOTP

    t = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    t.time = time.time() + offset_steps * device.step
    return f"{t.token():0{device.digits}d}"
