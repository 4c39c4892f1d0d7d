"""API tokens: create (the secret is returned once), find by the presented token, revoke."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from .models import ApiToken

TOKEN_PREFIX = "bc_"
PREFIX_LEN = 8  # characters after "bc_" kept in clear to find the row
LAST_USED_EVERY = dt.timedelta(seconds=60)  # write last_used_at at most once a minute per token


class TokenError(ValueError):
    """A token that does not authenticate; ``message`` says why (shown in the 401 problem)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # the whole bearer token, shown once


def create_token(user: Any, name: str, *, expires_at: dt.datetime | None = None, days: int | None = None) -> NewToken:
    """Create a token for ``user``; the returned ``secret`` is the only time the token is readable."""
    name = (name or "").strip()
    if not name:
        raise ValueError("Thiếu tên khóa API (ví dụ “cổng báo cáo của tỉnh”).")
    if user is None or not getattr(user, "pk", None):
        raise ValueError("Khóa API phải thuộc về một người dùng.")
    if not user.is_active:
        raise ValueError(f"Người dùng {user} đang bị khóa, không tạo được khóa API.")
    if days is not None:
        if days <= 0:
            raise ValueError("Số ngày hiệu lực phải lớn hơn 0.")
        expires_at = timezone.now() + dt.timedelta(days=days)
    while True:
        prefix = secrets.token_hex(PREFIX_LEN // 2)
        if not ApiToken.objects.filter(prefix=prefix).exists():
            break
    secret = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    row = ApiToken.objects.create(user=user, name=name, prefix=prefix, hash=hash_token(secret), expires_at=expires_at)
    return NewToken(row, secret)


def _prefix_of(token: str) -> str | None:
    if not token.startswith(TOKEN_PREFIX):
        return None
    rest = token[len(TOKEN_PREFIX):]
    prefix, sep, _ = rest.partition("_")
    return prefix if sep and len(prefix) == PREFIX_LEN else None


def authenticate_token(token: str, *, now: dt.datetime | None = None) -> Any:
    """The user of a presented bearer token, or ``TokenError`` saying precisely why not."""
    token = (token or "").strip()
    if not token:
        raise TokenError("Empty bearer token / Thiếu khóa API sau “Bearer”.")
    prefix = _prefix_of(token)
    row = ApiToken.objects.select_related("user").filter(prefix=prefix).first() if prefix else None
    if row is None or not hmac.compare_digest(row.hash, hash_token(token)):
        raise TokenError("Unknown API token / Khóa API không đúng.")
    now = now or timezone.now()
    if row.revoked:
        raise TokenError(f"API token “{row.name}” ({row.prefix}) has been revoked / Khóa API đã bị thu hồi.")
    if row.expires_at is not None and row.expires_at <= now:
        raise TokenError(
            f"API token “{row.name}” ({row.prefix}) expired at {row.expires_at.isoformat()} / Khóa API đã hết hạn."
        )
    if not row.user.is_active:
        raise TokenError("The token's user account is disabled / Tài khoản của khóa API đang bị khóa.")
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_EVERY:
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row.user


def revoke_token(prefix: str) -> ApiToken:
    """Revoke the token whose prefix is ``prefix`` (the ``bc_xxxxxxxx`` part also accepted)."""
    prefix = (prefix or "").strip()
    if prefix.startswith(TOKEN_PREFIX):
        prefix = _prefix_of(prefix + ("" if "_" in prefix[len(TOKEN_PREFIX):] else "_")) or prefix
    row = ApiToken.objects.filter(prefix=prefix).first()
    if row is None:
        raise ValueError(f"Không có khóa API tiền tố “{prefix}”.")
    if not row.revoked:
        row.revoked = True
        row.revoked_at = timezone.now()
        row.save(update_fields=["revoked", "revoked_at"])
    return row


def find_user(username: str) -> Any:
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise ValueError(f"Không có người dùng “{username}”.")
    return user
