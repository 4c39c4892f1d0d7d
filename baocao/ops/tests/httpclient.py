"""A tiny HTTP client for the fault and concurrency tests' child processes (standard library only,
so that a spawned process imports no Django)."""

from __future__ import annotations

import http.cookies
import re
import urllib.error
import urllib.parse
import urllib.request
from typing import Any


class Client:
    def __init__(self, base: str, sessionid: str | None = None, timeout: float = 60) -> None:
        self.base = base.rstrip("/")
        self.cookies: dict[str, str] = {"sessionid": sessionid} if sessionid else {}
        self.timeout = timeout
        self.opener = urllib.request.build_opener(_NoRedirect())

    def request(self, method: str, path: str, data: dict[str, str] | None = None, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, str]:
        if data is not None:
            body = urllib.parse.urlencode(data).encode()
            headers = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
        all_headers = {"Referer": self.base + path, **(headers or {})}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        req = urllib.request.Request(self.base + path, data=body, method=method, headers=all_headers)
        try:
            with self.opener.open(req, timeout=self.timeout) as resp:
                self._keep(resp.headers)
                return resp.status, resp.read().decode(errors="replace")
        except urllib.error.HTTPError as exc:
            self._keep(exc.headers)
            return exc.code, exc.read().decode(errors="replace")

    def _keep(self, headers: Any) -> None:
        for raw in headers.get_all("Set-Cookie") or []:
            jar = http.cookies.SimpleCookie()
            jar.load(raw)
            for name, morsel in jar.items():
                self.cookies[name] = morsel.value

    def csrf(self, path: str) -> tuple[str, str]:
        """GET ``path``; the page and the CSRF form token on it."""
        status, page = self.request("GET", path)
        if status != 200:
            raise RuntimeError(f"GET {path} → {status}")
        m = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if not m:
            raise RuntimeError(f"no CSRF token on {path}")
        return page, m.group(1)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def hidden_version(page: str, key: str) -> str:
    m = re.search(rf'name="version__{re.escape(key)}" value="(\d*)"', page)
    if not m:
        raise RuntimeError(f"no version field for {key}")
    return m.group(1)


def save_after_barrier(base: str, sessionid: str, path: str, key: str, value: str, barrier: Any, out: Any) -> None:
    """Child process: read the entry form, wait for the other user, post ``value`` for ``key``."""
    try:
        c = Client(base, sessionid)
        page, token = c.csrf(path)
        version = hidden_version(page, key)
        barrier.wait(timeout=60)
        status, body = c.request("POST", path, {"csrfmiddlewaretoken": token, f"value__{key}": value,
                                                f"version__{key}": version})
        out.put((value, version, status, "Xung đột" in body))
    except Exception as exc:  # reported to the parent, which fails the test with it
        out.put((value, None, repr(exc), False))
