"""The REST API v1 (django-ninja): OpenAPI at /api/v1/openapi.json, documentation at /api/v1/docs.

Authentication (``baocao.api.auth``): a bearer token or the Django session. Errors are
``application/problem+json`` (``baocao.api.errors``). The interchange endpoints (dataValueSets,
SDMX, Government export) come from ``baocao.interchange.api.router``.
"""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI, Router
from ninja.openapi.schema import OpenAPISchema

from . import errors
from .auth import Anonymous, api_auth


class _Schema(OpenAPISchema):
    def operation_security(self, operation: Any) -> Any:
        result = super().operation_security(operation)
        if result is not None and any(isinstance(a, Anonymous) for a in operation.auth_callbacks):
            result.append({})  # OpenAPI: "no credentials" is also accepted
        return result


class BaocaoAPI(NinjaAPI):
    """Ninja API whose OpenAPI document states that error responses are ``application/problem+json``
    and which operations also accept anonymous callers."""

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None) -> Any:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        schema = _Schema(self, path_prefix)
        for path_item in schema.get("paths", {}).values():
            for op in path_item.values():
                if not isinstance(op, dict):
                    continue
                for resp in op.get("responses", {}).values():
                    content = resp.get("content") if isinstance(resp, dict) else None
                    body = (content or {}).get("application/json")
                    if body and body.get("schema", {}).get("$ref", "").endswith("/Problem"):
                        resp["content"] = {errors.PROBLEM_CONTENT_TYPE: content.pop("application/json")}
        return schema


api = BaocaoAPI(
    title="baocao API",
    version="1",
    urls_namespace="api-1",
    description=(
        "API của hệ thống thông tin báo cáo ngành thông tin và truyền thông. "
        "Xác thực: `Authorization: Bearer <khóa API>` (tạo bằng `baocao api_token create`) hoặc phiên đăng nhập. "
        "Lỗi trả về dạng `application/problem+json` (RFC 9457)."
    ),
    auth=api_auth,
)
errors.install(api)
api.add_router("", "baocao.interchange.api.router")
api.add_router("", "baocao.api.routers.me.router")
api.add_router("", "baocao.api.routers.catalog.router")
api.add_router("", "baocao.api.routers.orgunits.router")
api.add_router("", "baocao.api.routers.periods.router")
api.add_router("", "baocao.api.routers.datavalues.router")
api.add_router("", "baocao.api.routers.reporting.router")
api.add_router("", "baocao.api.routers.recommendations.router")
api.add_router("", "baocao.api.routers.analytics.router")


# Last: any other path under /api/v1/ answers with a 404 problem (not Django's HTML page).
_fallback = Router()


@_fallback.api_operation(["GET", "POST", "PUT", "PATCH", "DELETE"], "/{path:rest}", auth=None, include_in_schema=False)
def not_found(request: Any, rest: str) -> Any:
    return errors.problem(404, "Not found", f"No endpoint {request.method} {request.path} / Không có địa chỉ này trong API.")


api.add_router("", _fallback)
