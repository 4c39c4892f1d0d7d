"""Authentication backends: login throttling and lockout (django-axes) in front of Django's own.

``LockoutBackend`` is django-axes' standalone backend with one difference: an ``authenticate()`` call
without an HTTP request (the test client's ``login()``, ``manage.py shell``, a management command) is
passed on to the next backend instead of raising. Such calls run inside the server process with its
privileges already; nothing on the network can make one, so there is nothing to throttle. Every
network login (``/dang-nhap/``, the admin login) carries its request and is counted and locked out.
"""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest


class LockoutBackend(AxesStandaloneBackend):
    def authenticate(  # type: ignore[override]
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
