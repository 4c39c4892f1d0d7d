"""The error page for an unexpected failure (``handler500``): a database that cannot be reached is a
503 with Retry-After, a full disk is a 507 saying the upload was not stored; anything else a 500.
Never a traceback (with DEBUG off, as in production). The page is standalone: it touches neither the
database nor the session, which may be what failed."""

from __future__ import annotations

import logging
import sys

from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader

from .storage import StorageFull, saved_in_this_request

log = logging.getLogger(__name__)


def _db_unreachable(exc: BaseException | None) -> bool:
    while exc is not None:
        if isinstance(exc, OperationalError | InterfaceError):
            return True
        if isinstance(exc, DatabaseError) and "connection" in str(exc).lower():
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _storage_full(exc: BaseException | None) -> bool:
    while exc is not None:
        if isinstance(exc, StorageFull):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def remove_orphan_uploads(names: list[str]) -> list[str]:
    """Delete the files saved during a failed request that no row refers to (their transaction rolled
    back); the removed names."""
    from django.apps import apps
    from django.core.files.storage import default_storage
    from django.db.models import FileField

    fields = [(m, f.name) for m in apps.get_models() for f in m._meta.get_fields() if isinstance(f, FileField)]
    removed = []
    for name in names:
        try:
            referenced = any(m._default_manager.filter(**{field: name}).exists() for m, field in fields)
        except DatabaseError:
            continue  # cannot tell: keep the file
        if not referenced:
            default_storage.delete(name)
            removed.append(name)
    return removed


def server_error(request: HttpRequest) -> HttpResponse:
    exc = sys.exc_info()[1]
    if _db_unreachable(exc):
        status, template = 503, "ops/db_unavailable.html"
    elif _storage_full(exc):
        status, template = 507, "ops/storage_full.html"
        removed = remove_orphan_uploads(saved_in_this_request())
        if removed:
            log.warning("storage full: removed %d file(s) of the failed upload: %s", len(removed), removed)
    else:
        status, template = 500, "ops/server_error.html"
    response = HttpResponse(loader.get_template(template).render({"status": status}), status=status)
    if status == 503:
        response["Retry-After"] = "10"
    return response
