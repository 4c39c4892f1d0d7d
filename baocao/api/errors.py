"""Errors as ``application/problem+json`` (RFC 9457) for every endpoint of the API.

Use ``problem(status, title, detail, **extra)`` to build a response, or raise ``ApiProblem`` from
an endpoint. ``install(api)`` maps ninja's and the domain's exceptions to problems:

=====================================================  ======  =====================================
exception                                              status  type
=====================================================  ======  =====================================
ninja ``ValidationError`` (query, path, body)          422     ``urn:baocao:problem:validation``
unparsable JSON body                                   400     ``urn:baocao:problem:malformed-body``
``AuthenticationError`` / token errors                 401     ``urn:baocao:problem:unauthenticated``
``PermissionDenied``, reporting ``Forbidden``,          403     ``urn:baocao:problem:forbidden``
recommendations ``NotAllowed``
``Http404``, ``ObjectDoesNotExist``, ``NotFound``,      404     ``urn:baocao:problem:not-found``
``RegimeError``
``DataValueError(field, message)``                     422     ``urn:baocao:problem:invalid-value``
``VersionConflict``                                    412     ``urn:baocao:problem:version-conflict``
``PeriodError`` / ``AreaError`` / ``ServiceError``      422     ``urn:baocao:problem:invalid-…``
``ReportingError`` (wrong state, locked period)        409     ``urn:baocao:problem:reporting``
``BulkError`` (atomic bulk write)                      422     ``urn:baocao:problem:invalid-rows``
anything else                                          500     ``urn:baocao:problem:internal`` (no
                                                               traceback in the body; logged)
=====================================================  ======  =====================================
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Schema
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError
from pydantic import ConfigDict

log = logging.getLogger("baocao.api")

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:baocao:problem:"


class FieldError(Schema):
    field: str
    message: str
    type: str | None = None


class Problem(Schema):
    """An RFC 9457 problem; extra members (e.g. ``current_version``) may follow."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[FieldError] | None = None


class ApiProblem(Exception):
    """Raise from an endpoint to answer with a problem; ``extra`` members are added to the body."""

    def __init__(self, status: int, title: str, detail: str, *, type: str | None = None, headers: dict[str, str] | None = None, **extra: Any) -> None:  # noqa: A002
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.type = type
        self.headers = headers or {}
        self.extra = extra


_TYPES = {
    400: "bad-request", 401: "unauthenticated", 403: "forbidden", 404: "not-found", 405: "method-not-allowed",
    409: "conflict", 412: "version-conflict", 415: "unsupported-media-type", 422: "validation",
    428: "precondition-required", 429: "too-many-requests", 500: "internal",
}


def problem(status: int, title: str, detail: str, *, type: str | None = None, headers: dict[str, str] | None = None, **extra: Any) -> HttpResponse:  # noqa: A002
    """An ``application/problem+json`` response. ``type`` is a slug (``version-conflict``) or a URI."""
    slug = type or _TYPES.get(status, "error")
    body = {
        "type": slug if ":" in slug else TYPE_PREFIX + slug,
        "title": title,
        "status": status,
        "detail": detail,
        **{k: v for k, v in extra.items() if v is not None},
    }
    response = HttpResponse(
        json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False), status=status, content_type=PROBLEM_CONTENT_TYPE
    )
    for k, v in (headers or {}).items():
        response[k] = v
    return response


def _field_path(loc: Any) -> str:
    parts = [str(p) for p in (loc or [])]
    if len(parts) > 2 and parts[0] == "body":
        parts = [parts[0], *parts[2:]]  # drop the name of the body parameter
    return ".".join(parts)


def validation_problem(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = []
    for e in exc.errors:
        errors.append({"field": _field_path(e.get("loc")), "message": str(e.get("msg", "")), "type": e.get("type")})
    detail = "; ".join(f"{x['field']}: {x['message']}" for x in errors[:5]) or "Invalid request"
    return problem(422, "Invalid request", detail, type="validation", errors=errors)


def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    status = exc.status_code
    if isinstance(exc, AuthenticationError) or status == 401:
        detail = str(exc) if str(exc) != "Unauthorized" else (
            "Authentication required: send “Authorization: Bearer <token>” or sign in / Cần khóa API hoặc đăng nhập."
        )
        return problem(401, "Unauthenticated", detail, headers={"WWW-Authenticate": 'Bearer realm="baocao"'})
    if isinstance(exc, AuthorizationError) or status == 403:
        return problem(403, "Forbidden", str(exc))
    if status == 400 and str(exc).startswith("Cannot parse request body"):
        cause = exc.__cause__
        why = f": {cause}" if isinstance(cause, ValueError) else ""
        ctype = request.headers.get("Content-Type", "")
        return problem(400, "Bad request", f"The request body is not valid JSON{why} (Content-Type: {ctype or 'none'}).",
                       type="malformed-body")
    title = {400: "Bad request", 404: "Not found", 405: "Method not allowed", 409: "Conflict", 429: "Too many requests"}
    return problem(status, title.get(status, "Error"), str(exc))


def _api_problem(request: HttpRequest, exc: ApiProblem) -> HttpResponse:
    return problem(exc.status, exc.title, exc.detail, type=exc.type, headers=exc.headers, **exc.extra)


def _message(exc: BaseException) -> str:
    return str(getattr(exc, "message", None) or exc) or exc.__class__.__name__


def _forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
    detail = _message(exc)
    if isinstance(exc, PermissionDenied) and not str(exc):
        detail = "You may not do this / Bạn không có quyền thực hiện thao tác này."
    return problem(403, "Forbidden", detail)


def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    detail = _message(exc)
    if isinstance(exc, (Http404, ObjectDoesNotExist)) and (not str(exc) or "matches the given query" in str(exc)):
        detail = f"Nothing at {request.path} / Không tìm thấy."
    return problem(404, "Not found", detail)


def _data_value_error(request: HttpRequest, exc: Any) -> HttpResponse:
    return problem(422, "Invalid value", f"{exc.field}: {exc.message}", type="invalid-value",
                   errors=[{"field": exc.field, "message": exc.message}])


def _version_conflict(request: HttpRequest, exc: Any) -> HttpResponse:
    current = exc.current
    return problem(
        412, "Version conflict", exc.message, type="version-conflict",
        expected_version=exc.expected, current_version=exc.current_version,
        current_value=None if exc.current_value is None else str(exc.current_value),
        attempted_value=None if exc.attempted is None else str(exc.attempted),
        headers={"ETag": f'"{current.version}"'} if current is not None else None,
    )


def _bulk_error(request: HttpRequest, exc: Any) -> HttpResponse:
    errors = [{"field": f"rows[{e.row}].{e.field}", "message": e.message} for e in exc.errors]
    more = " (more errors may follow)" if exc.truncated else ""
    return problem(422, "Invalid rows", f"{len(exc.errors)} invalid row(s){more}; nothing was written.",
                   type="invalid-rows", errors=errors, truncated=exc.truncated)


def _invalid(kind: str, title: str) -> Any:
    def handler(request: HttpRequest, exc: Exception) -> HttpResponse:
        field = getattr(exc, "field", None)
        extra = {"errors": [{"field": field, "message": _message(exc)}]} if field else {}
        return problem(422, title, _message(exc), type=kind, **extra)

    return handler


def _reporting_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem(409, "Not possible in the report's current state", _message(exc), type="reporting")


def _internal(request: HttpRequest, exc: Exception) -> HttpResponse:
    log.exception("API error on %s %s", request.method, request.path, exc_info=exc)
    return problem(500, "Internal server error", "An unexpected error occurred; it has been logged / Lỗi hệ thống, đã ghi nhận.")


def install(api: Any) -> None:
    """Map every exception the API may meet to a problem response on ``api``."""
    from baocao.catalog.aggregation import AggregationError
    from baocao.datavalues.services import BulkError, DataValueError, VersionConflict
    from baocao.geo.services import AreaError
    from baocao.periods.services import PeriodError, RegimeError
    from baocao.reporting.services import Forbidden, NotFound, ReportingError

    from .services import TokenError

    handlers: dict[type[BaseException], Any] = {
        Exception: _internal,
        ValidationError: validation_problem,
        HttpError: _http_error,
        ApiProblem: _api_problem,
        TokenError: lambda r, e: problem(401, "Unauthenticated", e.message, headers={"WWW-Authenticate": 'Bearer realm="baocao", error="invalid_token"'}),
        Http404: _not_found,
        ObjectDoesNotExist: _not_found,
        NotFound: _not_found,
        RegimeError: _not_found,
        PermissionDenied: _forbidden,
        Forbidden: _forbidden,
        DataValueError: _data_value_error,
        VersionConflict: _version_conflict,
        BulkError: _bulk_error,
        PeriodError: _invalid("invalid-period", "Invalid period"),
        AreaError: _invalid("invalid-area", "Invalid organisation unit"),
        ReportingError: _reporting_error,
        AggregationError: _invalid("invalid-aggregation", "Cannot aggregate"),
    }
    try:
        from baocao.recommendations.services import NotAllowed, ServiceError
    except ImportError:  # pragma: no cover
        pass
    else:
        handlers[ServiceError] = _invalid("invalid-recommendation", "Invalid request")
        handlers[NotAllowed] = _forbidden
    for exc_class, handler in handlers.items():
        api.add_exception_handler(exc_class, handler)


#: ``responses`` members for an operation: ``{**errors(401, 404), 200: Schema}``.
def errors(*codes: int) -> dict[int, type[Problem]]:
    return {c: Problem for c in codes}
