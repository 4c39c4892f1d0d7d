"""Interchange endpoints (DHIS2 dataValueSets, SDMX, Government reporting export), mounted under /api/v1/.

The request body of ``POST /dataValueSets`` is never read whole: it is parsed as it arrives
(``services.import_stream``); ``GET`` streams its answer. Authentication and problem+json errors
come from ``baocao.api`` (``api_auth`` is the API's default).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from ninja import Field, Router, Schema

from baocao.api.auth import optional_auth, user_of
from baocao.api.errors import errors, problem

from . import gov, sdmx, services
from .services import ExportFilter, FormatError, ImportError_, ImportOptions, ScopeError, TooLarge

router = Router(tags=["interchange"])

JSON_TYPES = ("application/json", "application/dhis2+json")
CSV_TYPES = ("text/csv", "application/csv", "application/dhis2+csv")


class Conflict(Schema):
    object: str
    value: str
    errorCode: str | None = None  # noqa: N815 - DHIS2 field name
    property: str | None = None
    indexes: list[int]


class ImportCount(Schema):
    imported: int
    updated: int
    ignored: int
    deleted: int


class ImportSummaryOut(Schema):
    responseType: str = "ImportSummary"  # noqa: N815
    status: str = Field(..., description="SUCCESS, WARNING (some values refused) or ERROR (atomicMode=ALL: nothing written)")
    description: str
    importOptions: dict[str, Any]  # noqa: N815
    importCount: ImportCount  # noqa: N815
    conflicts: list[Conflict]
    conflictsTruncated: int | None = None  # noqa: N815


class DataValueOut(Schema):
    dataElement: str  # noqa: N815
    period: str
    orgUnit: str  # noqa: N815
    categoryOptionCombo: str  # noqa: N815
    attributeOptionCombo: str  # noqa: N815
    value: str
    storedBy: str  # noqa: N815
    created: str
    lastUpdated: str  # noqa: N815
    comment: str
    followup: bool
    numerator: str | None = None
    denominator: str | None = None
    qualifier: str | None = None


class DataValueSetOut(Schema):
    dataValues: list[DataValueOut]  # noqa: N815


_VALUE_SCHEMA = {
    "type": "object",
    "required": ["dataElement", "period", "orgUnit"],
    "properties": {
        "dataElement": {"type": "string", "description": "mã chỉ tiêu (Indicator.code)"},
        "period": {"type": "string", "description": "202005, 2020Q3, 2020S1, 2021N9, 2020"},
        "orgUnit": {"type": "string", "description": "mã đơn vị (AdminArea.uid, ví dụ P04, P08-2025)"},
        "categoryOptionCombo": {"type": "string", "description": "mã phân tổ; trống hoặc “default” = tổng"},
        "attributeOptionCombo": {"type": "string", "description": "chỉ trống hoặc “default”"},
        "value": {"type": ["string", "number", "boolean"]},
        "comment": {"type": "string"},
        "numerator": {"type": ["string", "number", "null"], "description": "phần mở rộng: tử số"},
        "denominator": {"type": ["string", "number", "null"], "description": "phần mở rộng: mẫu số"},
        "qualifier": {"type": "string", "enum": ["exact", "approx", "at_least"], "description": "phần mở rộng"},
    },
}
_IMPORT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "dataSet": {"type": "string"},
                        "period": {"type": "string"},
                        "orgUnit": {"type": "string"},
                        "dataValues": {"type": "array", "items": _VALUE_SCHEMA},
                    },
                }
            },
            "text/csv": {"schema": {"type": "string", "description": "dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value,storedby,lastupdated,comment,followup[,numerator,denominator,qualifier]"}},
        },
    }
}


def _format_of(request: HttpRequest, suffix: str | None, fmt: str | None, header: str) -> str | None:
    if suffix:
        return suffix
    if fmt:
        f = fmt.strip().lower()
        return f if f in ("json", "csv") else "bad"
    value = (request.headers.get(header) or "").split(";")[0].strip().lower()
    if header == "Content-Type":
        if value in JSON_TYPES or value.endswith("+json"):
            return "json"
        if value in CSV_TYPES:
            return "csv"
        return None
    for part in (request.headers.get("Accept") or "").split(","):
        v = part.split(";")[0].strip().lower()
        if v in CSV_TYPES:
            return "csv"
        if v in JSON_TYPES or v in ("*/*", "application/*", ""):
            return "json"
    return "json"


def _import(
    request: HttpRequest, suffix: str | None, importStrategy: str | None, atomicMode: str | None,  # noqa: N803
    dryRun: bool | None, idScheme: str | None, dataElementIdScheme: str | None, orgUnitIdScheme: str | None,  # noqa: N803
    format: str | None,  # noqa: A002
) -> HttpResponse:
    fmt = _format_of(request, suffix, format, "Content-Type")
    if fmt not in ("json", "csv"):
        ctype = request.headers.get("Content-Type") or "(không có)"
        return problem(415, "Unsupported media type", f"Content-Type {ctype}: gửi application/json hoặc text/csv (hoặc dùng đuôi .json/.csv).")
    limit = services.max_upload_bytes()
    length = request.META.get("CONTENT_LENGTH") or ""
    if length.isdigit() and int(length) > limit:
        return problem(413, "Payload too large", f"Tệp tải lên {int(length):,} byte vượt quá giới hạn {limit:,} byte.".replace(",", "."), limit=limit)
    try:
        for scheme in (dataElementIdScheme, orgUnitIdScheme):
            if scheme:
                ImportOptions.parse(id_scheme=scheme)
        opts = ImportOptions.parse(
            strategy=importStrategy, atomic=atomicMode, dry_run=dryRun, id_scheme=idScheme, user=user_of(request), source="api"
        )
        summary = services.import_stream(request, fmt, opts, limit=limit)
    except ImportError_ as exc:
        return problem(400, "Bad request", exc.message, errors=[{"field": exc.field, "message": exc.message}] if exc.field else None)
    except ScopeError as exc:
        return problem(403, "Forbidden", exc.message, index=exc.index)
    except FormatError as exc:
        return problem(400, "Malformed dataValueSet", f"{exc.message} ({exc.where}); không ghi giá trị nào." if exc.where else exc.message, type="malformed", where=exc.where)
    except TooLarge as exc:
        return problem(413, "Payload too large", f"{exc}; không ghi giá trị nào.", limit=exc.limit)
    body = summary.as_dict()
    if summary.aborted:
        # DHIS2 answers 409 with its web message wrapping the importSummary in "response"; ours is also a problem.
        return problem(
            409, "Import refused (atomicMode=ALL)", body["description"], type="import-conflicts",
            httpStatus="Conflict", httpStatusCode=409, response=body,
        )
    return HttpResponse(json.dumps(body, ensure_ascii=False), content_type="application/json")


def _date(text: str | None, name: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text.strip()[:10])
    except ValueError:
        raise ImportError_(f"{name} “{text}” không phải ngày dạng YYYY-MM-DD", name) from None


def _datetime(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    from django.utils import timezone

    t = text.strip().replace("Z", "+00:00")
    try:
        value = dt.datetime.fromisoformat(t)
    except ValueError:
        raise ImportError_(f"lastUpdated “{text}” không phải thời điểm ISO 8601", "lastUpdated") from None
    if timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    return value


def _list(request: HttpRequest, name: str) -> list[str]:
    out: list[str] = []
    for v in request.GET.getlist(name):
        out.extend(x.strip() for x in v.split(",") if x.strip())
    return out


def _export(request: HttpRequest, suffix: str | None, format: str | None) -> HttpResponse:  # noqa: A002
    fmt = _format_of(request, suffix, format, "Accept")
    if fmt not in ("json", "csv"):
        return problem(406, "Not acceptable", "Định dạng: json hoặc csv.")
    try:
        for scheme in ("idScheme", "dataElementIdScheme", "orgUnitIdScheme"):
            if request.GET.get(scheme):
                ImportOptions.parse(id_scheme=request.GET[scheme])
        flt = ExportFilter(
            data_sets=_list(request, "dataSet"), data_elements=_list(request, "dataElement"),
            periods=_list(request, "period"), start_date=_date(request.GET.get("startDate"), "startDate"),
            end_date=_date(request.GET.get("endDate"), "endDate"), org_units=_list(request, "orgUnit"),
            children=(request.GET.get("children") or "").lower() in ("1", "true"),
            last_updated=_datetime(request.GET.get("lastUpdated")),
        )
        qs = services.export_queryset(flt, user_of(request))
    except ImportError_ as exc:
        return problem(400, "Bad request", exc.message, errors=[{"field": exc.field, "message": exc.message}])
    if fmt == "csv":
        resp = StreamingHttpResponse(services.export_csv(qs), content_type="text/csv; charset=utf-8")
        resp["Content-Disposition"] = 'attachment; filename="dataValueSet.csv"'
    else:
        resp = StreamingHttpResponse(services.export_json(qs), content_type="application/json")
    return resp


_IMPORT_DOC = (
    "Nhập một dataValueSet theo chuẩn DHIS2 (JSON hoặc CSV), đọc luồng dữ liệu dần dần (tệp lớn không nằm trọn trong bộ nhớ). "
    "Định dạng theo Content-Type (application/json, text/csv), tham số format hoặc đuôi .json/.csv. "
    "Trả về importSummary (status, importCount, conflicts với chỉ số 0-based của giá trị); khi atomicMode=ALL và có lỗi: "
    "409 application/problem+json, importSummary nằm trong trường response (như thông điệp của DHIS2)."
)
_EXPORT_DOC = (
    "Xuất số liệu dạng dataValueSet DHIS2 (JSON hoặc CSV theo Accept, format hoặc đuôi), truyền dần. "
    "Lọc: dataSet (mã biểu), dataElement, period, startDate/endDate, orgUnit (+children=true), lastUpdated."
)


def _export_content(suffix: str | None) -> dict[str, Any]:
    json_schema = {"$ref": "#/components/schemas/DataValueSetOut"}
    csv_schema = {"type": "string", "description": ", ".join(services.CSV_EXPORT)}
    if suffix == "json":
        return {"application/json": {"schema": json_schema}}
    if suffix == "csv":
        return {"text/csv": {"schema": csv_schema}}
    return {"application/json": {"schema": json_schema}, "text/csv": {"schema": csv_schema}}


def _register(suffix: str | None) -> None:
    path = "/dataValueSets" + (f".{suffix}" if suffix else "")
    name = suffix or "negotiated"

    def post(
        request: HttpRequest, importStrategy: str | None = None, atomicMode: str | None = None,  # noqa: N803
        dryRun: bool | None = None, idScheme: str | None = None, dataElementIdScheme: str | None = None,  # noqa: N803
        orgUnitIdScheme: str | None = None, format: str | None = None,  # noqa: A002, N803
    ) -> HttpResponse:
        return _import(request, suffix, importStrategy, atomicMode, dryRun, idScheme, dataElementIdScheme, orgUnitIdScheme, format)

    def get(
        request: HttpRequest, dataSet: str | None = None, dataElement: str | None = None, period: str | None = None,  # noqa: N803
        startDate: str | None = None, endDate: str | None = None, orgUnit: str | None = None,  # noqa: N803
        children: bool | None = None, lastUpdated: str | None = None, idScheme: str | None = None,  # noqa: N803
        format: str | None = None,  # noqa: A002
    ) -> HttpResponse:
        return _export(request, suffix, format)

    router.add_api_operation(
        path, ["POST"], post, response={200: ImportSummaryOut, **errors(400, 401, 403, 409, 413, 415, 422)},
        summary=f"Import a DHIS2 dataValueSet ({name})", description=_IMPORT_DOC, operation_id=f"dataValueSets_import_{name}",
        openapi_extra=_IMPORT_BODY,
    )
    router.add_api_operation(
        path, ["GET"], get,
        response={**({} if suffix == "csv" else {200: DataValueSetOut}), **errors(400, 401, 406, 422)},
        summary=f"Export a DHIS2 dataValueSet ({name})", description=_EXPORT_DOC, operation_id=f"dataValueSets_export_{name}",
        openapi_extra={"responses": {200: {"description": "dataValueSet", "content": _export_content(suffix)}}},
    )


for _suffix in (None, "json", "csv"):
    _register(_suffix)


# --- SDMX -----------------------------------------------------------------------------------------

_SDMX_DATA_DOC = (
    "Số liệu dạng SDMX 2.1. Khóa: FREQ.REF_AREA.INDICATOR.DISAGG (ví dụ Q.P04+P20.TEL_SUBS_TOTAL._T; để trống một phần = tất cả; "
    "“all” = mọi khóa). Định dạng theo tham số format (genericdata, structurespecificdata, jsondata) hoặc Accept "
    "(application/vnd.sdmx.genericdata+xml;version=2.1 mặc định, application/vnd.sdmx.structurespecificdata+xml;version=2.1, "
    "application/vnd.sdmx.data+json;version=1.0.0). Kỳ: 2020, 2020-S1, 2020-Q3, 2020-05."
)


def _sdmx_data(request: HttpRequest, flow: str, key: str | None, startPeriod: str | None, endPeriod: str | None,  # noqa: N803
               dimensionAtObservation: str | None, format: str | None) -> HttpResponse:  # noqa: A002, N803
    try:
        sdmx.parse_flow(flow)
        media = sdmx.choose_format(format, request.headers.get("Accept"))
        q = sdmx.parse_query(key, startPeriod, endPeriod, dimensionAtObservation)
        qs = sdmx.data_queryset(q, user_of(request))
        if not qs.exists():
            return problem(404, "No results", "Không có số liệu nào khớp truy vấn.", type="no-results")
    except sdmx.SdmxError as exc:
        return problem(exc.status, {404: "Not found", 406: "Not acceptable"}.get(exc.status, "Bad request"), exc.message)
    return StreamingHttpResponse(sdmx.render(media, sdmx.observations(qs), q.all_dimensions), content_type=media)


_SDMX_RESPONSES = errors(400, 401, 404, 406, 422)
_SDMX_EXTRA = {
    "responses": {
        200: {
            "description": "SDMX data message",
            "content": {m.split(";")[0]: {"schema": {"type": "string"}} for m in (sdmx.GENERIC, sdmx.STRUCTURE_SPECIFIC, sdmx.SDMX_JSON)},
        }
    }
}
_STRUCT_EXTRA = {
    "responses": {200: {"description": "SDMX structure message", "content": {sdmx.STRUCTURE.split(";")[0]: {"schema": {"type": "string"}}}}}
}


@router.get("/sdmx/data/{flow}", response=_SDMX_RESPONSES, summary="SDMX data (all keys)", description=_SDMX_DATA_DOC,
            operation_id="sdmx_data_all", openapi_extra=_SDMX_EXTRA)
def sdmx_data_all(request: HttpRequest, flow: str, startPeriod: str | None = None, endPeriod: str | None = None,  # noqa: N803
                  dimensionAtObservation: str | None = None, format: str | None = None) -> HttpResponse:  # noqa: A002, N803
    return _sdmx_data(request, flow, None, startPeriod, endPeriod, dimensionAtObservation, format)


@router.get("/sdmx/data/{flow}/{key}", response=_SDMX_RESPONSES, summary="SDMX data", description=_SDMX_DATA_DOC,
            operation_id="sdmx_data", openapi_extra=_SDMX_EXTRA)
def sdmx_data(request: HttpRequest, flow: str, key: str, startPeriod: str | None = None, endPeriod: str | None = None,  # noqa: N803
              dimensionAtObservation: str | None = None, format: str | None = None) -> HttpResponse:  # noqa: A002, N803
    return _sdmx_data(request, flow, key, startPeriod, endPeriod, dimensionAtObservation, format)


_STRUCTURE_DOC = (
    "Cấu trúc SDMX-ML 2.1 (application/vnd.sdmx.structure+xml;version=2.1): resource = dataflow, datastructure, codelist, "
    "conceptscheme; agencyID BAOCAO; phiên bản 1.0; references = none, parents, children, descendants, all."
)


def _structure(resource: str, agency: str, ident: str, version: str, references: str | None) -> HttpResponse:
    try:
        body = sdmx.structure_message(resource, agency, ident, version, references or "none")
    except sdmx.SdmxError as exc:
        return problem(exc.status, "Not found" if exc.status == 404 else "Bad request", exc.message)
    return HttpResponse(body.encode(), content_type=sdmx.STRUCTURE)


_STRUCT_RESPONSES = errors(400, 401, 404, 422)


@router.get("/sdmx/structure/{resource}", auth=optional_auth, response=_STRUCT_RESPONSES, summary="SDMX structure",
            description=_STRUCTURE_DOC, operation_id="sdmx_structure_all", openapi_extra=_STRUCT_EXTRA)
def sdmx_structure_all(request: HttpRequest, resource: str, references: str | None = None) -> HttpResponse:
    return _structure(resource, "all", "all", "latest", references)


@router.get("/sdmx/structure/{resource}/{agency}", auth=optional_auth, response=_STRUCT_RESPONSES,
            summary="SDMX structure (agency)", description=_STRUCTURE_DOC, operation_id="sdmx_structure_agency", openapi_extra=_STRUCT_EXTRA)
def sdmx_structure_agency(request: HttpRequest, resource: str, agency: str, references: str | None = None) -> HttpResponse:
    return _structure(resource, agency, "all", "latest", references)


@router.get("/sdmx/structure/{resource}/{agency}/{ident}", auth=optional_auth, response=_STRUCT_RESPONSES,
            summary="SDMX structure (id)", description=_STRUCTURE_DOC, operation_id="sdmx_structure_id", openapi_extra=_STRUCT_EXTRA)
def sdmx_structure_id(request: HttpRequest, resource: str, agency: str, ident: str, references: str | None = None) -> HttpResponse:
    return _structure(resource, agency, ident, "latest", references)


@router.get("/sdmx/structure/{resource}/{agency}/{ident}/{version}", auth=optional_auth, response=_STRUCT_RESPONSES,
            summary="SDMX structure (id, version)", description=_STRUCTURE_DOC, operation_id="sdmx_structure_version", openapi_extra=_STRUCT_EXTRA)
def sdmx_structure_version(request: HttpRequest, resource: str, agency: str, ident: str, version: str,
                           references: str | None = None) -> HttpResponse:
    return _structure(resource, agency, ident, version, references)


# --- Government reporting export ------------------------------------------------------------------


@router.get(
    "/submissions/{submission_id}/export/gov", response={200: dict[str, Any], **errors(401, 403, 404, 409, 422)},
    summary="Government reporting export of an accepted report (QCVN 125:2021 message types)",
    description=(
        "Báo cáo đã được Bộ chấp nhận dưới dạng JSON theo các loại gói tin của QCVN 125:2021/BTTTT: chế độ báo cáo, "
        "biểu mẫu, kỳ, đơn vị báo cáo, danh mục chỉ tiêu (mã, đơn vị tính), phân tổ, số liệu, trạng thái, mã băm và chữ ký. "
        "Tên trường là của baocao (QCVN chưa công bố lược đồ trường), xem docs/interchange.md."
    ),
    operation_id="submission_export_gov",
)
def submission_export_gov(request: HttpRequest, submission_id: int) -> HttpResponse:
    from baocao.reporting.models import Submission

    if not 0 < submission_id < 2**63:
        return problem(404, "Not found", f"Không có báo cáo số {submission_id}.")
    sub = (
        Submission.objects.select_related("form", "form__regime", "version", "area", "organisation", "signing_key",
                                          "submitted_by", "decided_by")
        .filter(pk=submission_id).first()
    )
    if sub is None:
        return problem(404, "Not found", f"Không có báo cáo số {submission_id}.")
    try:
        body = gov.export_submission(sub, user_of(request))
    except gov.NotAccepted as exc:
        return problem(409, "Not accepted", exc.message, type="reporting", state=sub.state)
    resp = HttpResponse(json.dumps(body, ensure_ascii=False, indent=1), content_type="application/json")
    resp["Content-Disposition"] = f'attachment; filename="baocao-{sub.form.code}-{sub.area.uid}-{sub.period}.json"'
    return resp
