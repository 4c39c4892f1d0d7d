"""Gunicorn configuration for the production start (``baocao serve``, ``scripts/serve.sh``).

Every value can be changed through the environment (docs/deployment.md). Gunicorn listens on
127.0.0.1 behind the reverse proxy (nginx, Apache, HAProxy) that terminates TLS.
"""

from __future__ import annotations

import os

_cpus = os.cpu_count() or 1

bind = os.environ.get("BAOCAO_BIND", "127.0.0.1:8000").split(",")
workers = int(os.environ.get("BAOCAO_WORKERS", str(2 * _cpus + 1)))
# Threads let one worker wait on the database for one request while serving another.
worker_class = "gthread"
threads = int(os.environ.get("BAOCAO_THREADS", "4"))
# Excel uploads and imports can take a while; the proxy's timeout should be a little longer.
timeout = int(os.environ.get("BAOCAO_TIMEOUT", "120"))
graceful_timeout = int(os.environ.get("BAOCAO_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
# Recycle workers now and then so a slow leak can never take a server down.
max_requests = int(os.environ.get("BAOCAO_MAX_REQUESTS", "5000"))
max_requests_jitter = max_requests // 10
# Only the local proxy may tell us the scheme and the client's address.
forwarded_allow_ips = os.environ.get("BAOCAO_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# Request size limits at the edge (Django applies its own upload limits after these).
limit_request_line = 8190
limit_request_fields = 100
pidfile = os.environ.get("BAOCAO_PIDFILE") or None
proc_name = "baocao"
# No control socket: several instances (one per port) run side by side on one machine.
control_socket_disable = True
wsgi_app = "baocao.wsgi:application"

# baocao.request (RequestLogMiddleware) is the access log, already structured; gunicorn's own access
# lines would duplicate it. Gunicorn's error log uses the same JSON formatter as the application.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("BAOCAO_GUNICORN_LOG_LEVEL", "info")
if os.environ.get("BAOCAO_LOG_FORMAT", "json") == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "baocao.core.logging.JsonFormatter"}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
        "loggers": {
            "gunicorn.error": {"handlers": ["console"], "level": loglevel.upper(), "propagate": False},
            "gunicorn.access": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        },
    }

#: Modules that some requests need and that take a second of CPU to import (openpyxl for Excel uploads
#: and downloads): imported when a worker starts, not by the first user who uploads a workbook.
WARM_IMPORTS = ("openpyxl", "openpyxl.reader.excel", "openpyxl.writer.excel", "baocao.excel.services")


def post_worker_init(worker: object) -> None:
    import importlib

    for name in WARM_IMPORTS:
        importlib.import_module(name)
