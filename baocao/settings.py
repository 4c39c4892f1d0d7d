"""Django settings for baocao.

Every deploy-time choice comes from the environment:

- ``BAOCAO_DATA_DIR``: where the SQLite database, uploads and logs live (default: ``var/`` in the
  checkout when running from a source tree, else ``~/.local/share/baocao``).
- ``DATABASE_URL``: use this database instead of the embedded SQLite file
  (e.g. ``postgres://postgres@127.0.0.1:5432/baocao``).
- ``BAOCAO_SECRET_KEY``, ``BAOCAO_DEBUG``, ``BAOCAO_ALLOWED_HOSTS``.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
SOURCE_ROOT = BASE_DIR.parent


def _default_data_dir() -> Path:
    if (SOURCE_ROOT / "pyproject.toml").exists():
        return SOURCE_ROOT / "var"
    return Path.home() / ".local" / "share" / "baocao"


DATA_DIR = Path(os.environ.get("BAOCAO_DATA_DIR") or _default_data_dir()).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = os.environ.get("BAOCAO_DEBUG", "1") == "1"
SECRET_KEY = os.environ.get("BAOCAO_SECRET_KEY") or "dev-only-insecure-key-change-me-in-production"
ALLOWED_HOSTS = [h for h in os.environ.get("BAOCAO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
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
    "baocao.ops",
    "baocao.dashboards",
    "baocao.briefing",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
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
STATIC_ROOT = DATA_DIR / "static"
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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("BAOCAO_LOG_LEVEL", "WARNING")},
}
