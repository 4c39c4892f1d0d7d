"""Production mode: settings from the environment, deploy checks, health, logs, the gunicorn start."""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import OperationalError

ROOT = Path(__file__).resolve().parents[3]
SECRET = "x" * 20 + "production-test-secret-key-0123456789-abcdefghijklmnop"


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    dropped = ("DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")  # the last one is set by conftest.py
    env = {k: v for k, v in os.environ.items() if not k.startswith("BAOCAO_") and k not in dropped}
    env.update(
        BAOCAO_PRODUCTION="1",
        BAOCAO_SECRET_KEY=SECRET,
        BAOCAO_ALLOWED_HOSTS="baocao.example.gov.vn",
        BAOCAO_DATA_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="baocao.settings",
    )
    env.update(extra)
    return env


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "django", *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_in_production_mode(tmp_path):
    r = _manage(_env(tmp_path, REDIS_URL="redis://127.0.0.1:6379/0"), "check", "--deploy", "--fail-level", "WARNING")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "System check identified no issues (0 silenced)." in r.stdout


def test_check_deploy_warns_when_https_is_off(tmp_path):
    # The same check does catch an unsafe configuration (so the test above can fail).
    r = _manage(_env(tmp_path, BAOCAO_HTTPS="0"), "check", "--deploy", "--fail-level", "WARNING")
    assert r.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in r.stderr


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        ({"BAOCAO_SECRET_KEY": ""}, "BAOCAO_SECRET_KEY"),
        ({"BAOCAO_SECRET_KEY": "short"}, "at least 50 characters"),
        ({"BAOCAO_DEBUG": "1"}, "BAOCAO_DEBUG=1 is refused"),
        ({"BAOCAO_HTTPS": "maybe"}, "BAOCAO_HTTPS='maybe'"),
        ({"BAOCAO_LOG_FORMAT": "xml"}, "BAOCAO_LOG_FORMAT='xml'"),
    ],
)
def test_bad_production_environment_is_refused_with_a_precise_error(tmp_path, extra, needle):
    r = _manage(_env(tmp_path, **extra), "check")
    assert r.returncode != 0
    assert "ImproperlyConfigured" in r.stderr and needle in r.stderr


def test_production_settings_values(tmp_path):
    code = (
        "from django.conf import settings as s;import json;print(json.dumps({"
        "'debug': s.DEBUG, 'secure': [s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE], 'hsts': s.SECURE_HSTS_SECONDS,"
        "'cache': s.CACHES['default']['BACKEND'], 'db': s.DATABASES['default']['ENGINE'],"
        "'static': s.STORAGES['staticfiles']['BACKEND'], 'hosts': s.ALLOWED_HOSTS, 'log': s.LOG_FORMAT}))"
    )
    env = _env(
        tmp_path,
        REDIS_URL="redis://127.0.0.1:6379/3",
        DATABASE_URL="postgres://u@db.internal:5432/baocao",
        BAOCAO_ALLOWED_HOSTS="a.gov.vn, b.gov.vn",
    )
    r = subprocess.run([sys.executable, "-c", f"import django;django.setup();{code}"], env=env, cwd=ROOT,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    assert got == {
        "debug": False,
        "secure": [True, True],
        "hsts": 31536000,
        "cache": "django.core.cache.backends.redis.RedisCache",
        "db": "django.db.backends.postgresql",
        "static": "whitenoise.storage.CompressedManifestStaticFilesStorage",
        "hosts": ["a.gov.vn", "b.gov.vn"],
        "log": "json",
    }


# --- health ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_health_ok_checks_database_and_cache(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok" and body["database"] in ("sqlite", "postgresql") and body["cache"]
    assert r["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_health_503_when_database_is_down(client, monkeypatch):
    from baocao.core import views

    def broken_cursor(*a, **k):
        raise OperationalError("connection refused")

    monkeypatch.setattr(views.connection, "cursor", broken_cursor)
    r = client.get("/healthz")
    assert r.status_code == 503
    assert r.json()["status"] == "error" and r.json()["database"] == "error: OperationalError"
    assert "connection refused" not in r.content.decode()  # details go to the log only


@pytest.mark.django_db
def test_health_503_when_cache_is_down(client, monkeypatch):
    from django.core.cache.backends.redis import RedisCache

    from baocao.core import views

    # A Redis cache at an address where nothing listens (port 1).
    down = RedisCache("redis://127.0.0.1:1/0", {"OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}})
    monkeypatch.setattr(views, "caches", {"default": down})
    r = client.get("/healthz")
    assert r.status_code == 503
    assert r.json()["cache"] == "error: ConnectionError"
    assert r.json()["database"] in ("sqlite", "postgresql")


@pytest.mark.django_db
def test_health_uses_redis_when_configured(client, monkeypatch):
    if not _redis_up():
        if os.environ.get("CI"):
            pytest.fail("Redis is expected on 127.0.0.1:6379 in CI")
        pytest.skip("no Redis on 127.0.0.1:6379")
    from django.core.cache.backends.redis import RedisCache

    from baocao.core import views

    monkeypatch.setattr(views, "caches", {"default": RedisCache("redis://127.0.0.1:6379/9", {})})
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json()["cache"] == "RedisCache"


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
        return True
    except OSError:
        return False


# --- logs --------------------------------------------------------------------------------------


def test_json_formatter_writes_one_object_with_extra_fields():
    from baocao.core.logging import JsonFormatter

    record = logging.LogRecord("baocao.request", logging.INFO, __file__, 1, "GET %s %s", ("/bao-cao/", 200), None)
    record.status = 200
    record.path = "/bao-cao/"
    line = JsonFormatter().format(record)
    assert "\n" not in line
    data = json.loads(line)
    assert data["message"] == "GET /bao-cao/ 200" and data["status"] == 200 and data["level"] == "INFO"
    assert data["logger"] == "baocao.request" and data["ts"].endswith("+00:00")


# --- the real production start -----------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003 - urllib's signature
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with _opener.open(req, timeout=10) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def test_serve_starts_gunicorn_with_static_files_health_and_json_logs(tmp_path):
    """`baocao serve` on SQLite: migrates, collects static files, serves them hashed, logs JSON."""
    port = _free_port()
    extra = {"BAOCAO_ALLOWED_HOSTS": "127.0.0.1", "BAOCAO_WORKERS": "1", "BAOCAO_THREADS": "2"}
    if _redis_up():
        extra["REDIS_URL"] = "redis://127.0.0.1:6379/9"
    env = _env(tmp_path, **extra)
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "baocao.cli", "serve", "--migrate", "--bind", f"127.0.0.1:{port}"],
        env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.time() + 150
        while True:
            try:
                status, headers, body = _get(f"{base}/healthz")
                break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    pytest.fail("server did not start:\n" + (tmp_path / "serve.log").read_text())
                time.sleep(0.5)
        assert status == 200 and json.loads(body)["status"] == "ok"
        # Plain http is redirected to https except for /healthz ...
        status, headers, _ = _get(f"{base}/")
        assert status == 301 and headers["Location"].startswith("https://")
        # ... and through the proxy (X-Forwarded-Proto) the page comes with the security headers.
        status, headers, body = _get(f"{base}/", {"X-Forwarded-Proto": "https"})
        assert status == 200
        assert "max-age=31536000" in headers["Strict-Transport-Security"]
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        # The anonymous page sets only the CSRF cookie: Secure and SameSite, readable by the site's own
        # scripts on purpose (settings.CSRF_COOKIE_HTTPONLY); the session cookie's HttpOnly is tested in
        # baocao/accounts/tests/test_security.py.
        cookie = headers["Set-Cookie"]
        assert "csrftoken=" in cookie and "Secure" in cookie and "SameSite=Lax" in cookie
        css = re.search(r'href="(/static/core/baocao\.[0-9a-f]{12}\.css)"', body.decode())
        assert css, "hashed static file name expected in production"
        status, headers, body = _get(base + css.group(1), {"X-Forwarded-Proto": "https", "Accept-Encoding": "gzip"})
        assert status == 200 and headers["Content-Type"].startswith("text/css")
        assert "max-age=315360000" in headers["Cache-Control"]  # WhiteNoise: immutable hashed file
        assert headers.get("Content-Encoding") == "gzip"
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
    lines = [json.loads(line) for line in (tmp_path / "serve.log").read_text().splitlines() if line.startswith("{")]
    access = [entry for entry in lines if entry["logger"] == "baocao.request"]
    assert any(e["path"] == "/healthz" and e["status"] == 200 and e["duration_ms"] >= 0 for e in access)
