"""Django settings for baocao.

Every deploy-time choice comes from the environment:

- ``BAOCAO_DATA_DIR``: where the SQLite database, uploads and logs live (default: ``var/`` in the
  checkout when running from a source tree, else ``~/.local/share/baocao``).
- ``DATABASE_URL``: use this database instead of the embedded SQLite file
  (e.g. ``postgres://postgres@127.0.0.1:5432/baocao``).
- ``BAOCAO_SECRET_KEY``, ``BAOCAO_DEBUG``, ``BAOCAO_ALLOWED_HOSTS``.
- ``BAOCAO_PRODUCTION=1``: production mode (no DEBUG, a real secret key required, HTTPS-only cookies,
  HSTS, JSON logs, hashed static files served by WhiteNoise). ``REDIS_URL``: a Redis cache.
  Every variable is listed in ``docs/deployment.md``.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from baocao.core.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent
SOURCE_ROOT = BASE_DIR.parent


def _default_data_dir() -> Path:
    if (SOURCE_ROOT / "pyproject.toml").exists():
        return SOURCE_ROOT / "var"
    return Path.home() / ".local" / "share" / "baocao"


DATA_DIR = Path(os.environ.get("BAOCAO_DATA_DIR") or _default_data_dir()).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

# Production mode: everything below that differs between a developer's machine and a server
# hangs off this one switch (docs/deployment.md).
PRODUCTION = env_bool("BAOCAO_PRODUCTION", False)
DEBUG = env_bool("BAOCAO_DEBUG", not PRODUCTION)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("BAOCAO_DEBUG=1 is refused in production mode (BAOCAO_PRODUCTION=1)")

_DEV_SECRET_KEY = "dev-only-insecure-key-change-me-in-production"
SECRET_KEY = env_str("BAOCAO_SECRET_KEY")
if not SECRET_KEY and env_str("BAOCAO_SECRET_KEY_FILE"):
    SECRET_KEY = Path(env_str("BAOCAO_SECRET_KEY_FILE")).read_text(encoding="utf-8").strip()
if PRODUCTION and (not SECRET_KEY or SECRET_KEY == _DEV_SECRET_KEY or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured(
        "production mode needs BAOCAO_SECRET_KEY (or BAOCAO_SECRET_KEY_FILE): a random string of at least "
        "50 characters, e.g. from `python -c 'import secrets; print(secrets.token_urlsafe(64))'`"
    )
SECRET_KEY = SECRET_KEY or _DEV_SECRET_KEY
ALLOWED_HOSTS = env_list("BAOCAO_ALLOWED_HOSTS", env_str("ALLOWED_HOSTS", "127.0.0.1,localhost"))
CSRF_TRUSTED_ORIGINS = env_list("BAOCAO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "baocao.core",
    "baocao.accounts",
    "baocao.geo",
    "baocao.orgs",
    "baocao.catalog",
    "baocao.periods",
    "baocao.datavalues",
    "baocao.audit",
    "baocao.validation",
    "baocao.excel",
    "baocao.reporting",
    "baocao.analytics",
    "baocao.api",
    "baocao.interchange",
    "baocao.extraction",
    "baocao.recommendations",
    "baocao.demo",
    "baocao.briefing",
    "baocao.dashboards",
    "baocao.ops",
]

MIDDLEWARE = [
    "baocao.core.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "baocao.core.uploads.UploadSizeMiddleware",
    "baocao.core.middleware.NulByteMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "baocao.accounts.middleware.RequireTwoFactorMiddleware",
    "baocao.core.middleware.SecurityHeadersMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "baocao.core.middleware.SessionIdleMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: turns a locked-out login attempt into the lockout page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # Refuses a network login while its username/address is locked out (django-axes), then Django's.
    "baocao.accounts.backends.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "baocao.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "baocao.wsgi.application"

_sqlite_path = DATA_DIR / "baocao.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{_sqlite_path}",
        conn_max_age=int(os.environ.get("BAOCAO_DB_CONN_MAX_AGE", "0")),
        # A kept connection is checked before reuse, so a database restart costs no failed request.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers proceed while a writer commits; a busy timeout avoids
    # "database is locked" errors under light concurrency.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Password policy (SECURITY.md): length, character classes, not like the user's name, not a common
# password, not all digits. Messages are Vietnamese (baocao/accounts/validators.py).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "baocao.accounts.validators.UserAttributeSimilarityValidator"},
    {
        "NAME": "baocao.accounts.validators.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("BAOCAO_PASSWORD_MIN_LENGTH", 10, minimum=8)},
    },
    {
        "NAME": "baocao.accounts.validators.CharacterClassValidator",
        "OPTIONS": {"min_classes": env_int("BAOCAO_PASSWORD_MIN_CLASSES", 3, minimum=1)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Vietnamese first, English second. UI strings are written in Vietnamese in the
# source and translated to English in baocao/core/locale/en.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "core" / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
# Off on purpose: with it on, every {{ obj.pk }} in a template renders as "12.345" and
# breaks form field names, option values and anchors once ids pass 999. Numbers shown
# to people go through the vn_number / vn_percent filters (baocao/core/templatetags/vn.py).
USE_THOUSAND_SEPARATOR = False
FORMAT_MODULE_PATH = ["baocao.core.formats"]

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("BAOCAO_STATIC_ROOT") or DATA_DIR / "static")
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Static files are served by the application itself (WhiteNoise): no CDN, no separate file server.
# Production serves the hashed, compressed copies `baocao collectstatic` wrote to STATIC_ROOT; a
# developer's checkout and the tests serve the app directories directly.
STORAGES = {
    # FileSystemStorage that leaves no half-written file when the disk is full (baocao/ops/storage.py).
    "default": {"BACKEND": "baocao.ops.storage.MediaStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG
# Chart.js for the dashboards comes from Debian's libjs-chart.js (scripts/bootstrap.sh), served as
# /static/vendor/chart.js/; never from a CDN.
CHARTJS_DIR = Path(os.environ.get("BAOCAO_CHARTJS_DIR", "/usr/share/javascript/chart.js"))
STATICFILES_DIRS = [("vendor/chart.js", CHARTJS_DIR)] if CHARTJS_DIR.is_dir() else []
MEDIA_URL = "media/"
MEDIA_ROOT = DATA_DIR / "media"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

TASKS = {
    "default": {
        "BACKEND": os.environ.get("BAOCAO_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

EMAIL_BACKEND = os.environ.get("BAOCAO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")

# Logs go to stderr (journald / the container runtime collects them): one JSON object per line in
# production (BAOCAO_LOG_FORMAT=json), plain text otherwise. ``baocao.request`` is the access log
# (one record per request with its id, status and duration), on at INFO in production.
LOG_FORMAT = env_str("BAOCAO_LOG_FORMAT", "json" if PRODUCTION else "text")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"BAOCAO_LOG_FORMAT={LOG_FORMAT!r}: expected json or text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "baocao.core.logging.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env_str("BAOCAO_LOG_LEVEL", "INFO" if PRODUCTION else "WARNING")},
    "loggers": {
        "baocao.request": {"level": "INFO" if env_bool("BAOCAO_ACCESS_LOG", PRODUCTION) else "WARNING"},
        # The server's own access lines would duplicate baocao.request.
        "django.server": {"level": "WARNING"},
    },
}

# --- Cache -------------------------------------------------------------------------------------
# Redis when REDIS_URL is set (production: shared by every app server); else per-process memory.
REDIS_URL = env_str("REDIS_URL") or env_str("BAOCAO_REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "baocao",
            "TIMEOUT": 300,
            # Fail fast when Redis is down: /healthz reports it instead of hanging.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "baocao"}}

# --- HTTPS, cookies, headers (SECURITY.md) -------------------------------------------------------
# HTTPS is assumed in production (terminated by the reverse proxy, which sets X-Forwarded-Proto);
# BAOCAO_HTTPS=0 runs production mode over plain http on 127.0.0.1 (load tests), never on a network.
HTTPS = env_bool("BAOCAO_HTTPS", PRODUCTION)
if env_bool("BAOCAO_BEHIND_PROXY", PRODUCTION):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = HTTPS and env_bool("BAOCAO_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("BAOCAO_HSTS_SECONDS", 31536000, minimum=0) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
BAOCAO_PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
# Readable by the site's own scripts (Django's default): the API pages and JS clients using the session
# send it back as X-CSRFToken. HttpOnly would add nothing — the token also sits in every form — while
# the CSP without inline scripts is what keeps foreign scripts from running at all.
CSRF_COOKIE_HTTPONLY = False
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
# Sessions: at most a working day, ended when the browser closes, and after 30 idle minutes.
SESSION_COOKIE_AGE = env_int("BAOCAO_SESSION_AGE_SECONDS", 8 * 3600, minimum=300)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
BAOCAO_SESSION_IDLE_SECONDS = env_int("BAOCAO_SESSION_IDLE_SECONDS", 30 * 60, minimum=0)

# Content-Security-Policy without inline scripts or styles: every script and stylesheet is a static
# file of this site; data reaches scripts through json_script or data-* attributes.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Login throttling and lockout (django-axes) ------------------------------------------------
# After AXES_FAILURE_LIMIT wrong passwords for one username from one address, that pair is refused
# for the cool-off time (HTTP 429 with a Vietnamese page); attempts are kept in the database.
AXES_ENABLED = env_bool("BAOCAO_LOCKOUT", True)
AXES_FAILURE_LIMIT = env_int("BAOCAO_LOCKOUT_FAILURES", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("BAOCAO_LOCKOUT_MINUTES", 15, minimum=1) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "baocao.accounts.views.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
# The client's address: REMOTE_ADDR, or behind BAOCAO_PROXY_COUNT trusted proxies the X-Forwarded-For
# entry the outermost one appended (baocao.accounts.services.client_ip).
BAOCAO_PROXY_COUNT = env_int("BAOCAO_PROXY_COUNT", 1 if PRODUCTION else 0, minimum=0)
AXES_CLIENT_IP_CALLABLE = "baocao.accounts.services.client_ip"

# --- Two-step sign-in (TOTP, django-otp) -------------------------------------------------------
# Off by default; when on, the roles below plus staff and superusers must enrol an authenticator app
# and give its code after the password (baocao/accounts/middleware.py).
BAOCAO_2FA_REQUIRED = env_bool("BAOCAO_2FA_REQUIRED", False)
BAOCAO_2FA_ROLES = env_list("BAOCAO_2FA_ROLES", "province_approver,ministry_admin")
OTP_TOTP_ISSUER = "baocao"

# --- Uploads (baocao/core/uploads.py) ----------------------------------------------------------
# One limit for every uploaded file (Excel forms, prose reports, import files); the accepted types are
# per kind of upload in baocao.core.uploads.KINDS. Bodies bigger than this are refused before parsing.
BAOCAO_UPLOAD_MAX_BYTES = env_int("BAOCAO_UPLOAD_MAX_BYTES", 20 * 1024 * 1024, minimum=1024)
