from __future__ import annotations

import datetime as dt
import logging
import uuid

from django.core.cache import caches
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from baocao.core import stats

log = logging.getLogger(__name__)


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html", {"summary": stats.summary(dt.date.today())})


def health(request: HttpRequest) -> JsonResponse:
    """Liveness and readiness for the load balancer: the database and the cache must both answer.

    200 ``{"status": "ok", ...}`` when both do, 503 ``{"status": "error", ...}`` naming the failing
    component otherwise. Never cached, never redirected to HTTPS (see SECURE_REDIRECT_EXEMPT).
    """
    checks: dict[str, str] = {}
    ok = True
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
            cur.fetchone()
        checks["database"] = connection.vendor
    except Exception as exc:  # noqa: BLE001 - report any database failure as unhealthy
        ok = False
        # Only the class name goes out (the endpoint is public); the details go to the log.
        log.error("healthz: database check failed", exc_info=exc)
        checks["database"] = f"error: {exc.__class__.__name__}"
    try:
        cache = caches["default"]
        key = f"healthz:{uuid.uuid4().hex}"
        cache.set(key, "1", timeout=10)
        if cache.get(key) != "1":
            raise RuntimeError("value written was not read back")
        cache.delete(key)
        checks["cache"] = cache.__class__.__name__
    except Exception as exc:  # noqa: BLE001 - report any cache failure as unhealthy
        ok = False
        # Only the class name goes out (the endpoint is public); the details go to the log.
        log.error("healthz: cache check failed", exc_info=exc)
        checks["cache"] = f"error: {exc.__class__.__name__}"
    response = JsonResponse({"status": "ok" if ok else "error", **checks}, status=200 if ok else 503)
    response["Cache-Control"] = "no-store"
    return response
