"""Data values: list with filters and cursor pagination, read with an ETag, create, update and delete
with ``If-Match`` (optimistic locking on the value's ``version``).

Scope (``baocao.reporting.services.visible_areas``): the Ministry's users read every value; a
department's users read their own province's values, and other provinces' values only where they
belong to an *accepted* report (the reporting app's published state). Writes go through the
reporting app (``open_submission`` + ``save_values``): the same permission (own province, reporter
or approver), the same state and lock-date checks and the same validation as form entry.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Header, Query, Router, Schema, Status
from pydantic import Field

from baocao.api.auth import api_auth, user_of
from baocao.api.common import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    ObjectId,
    dec,
    etag,
    page_schema,
    paginate,
    parse_if_match,
)
from baocao.api.errors import ApiProblem, errors
from baocao.catalog.models import Indicator
from baocao.core.numbers import format_number
from baocao.datavalues.models import DataValue
from baocao.datavalues.services import DataValueError, validate_value
from baocao.periods.models import PeriodType
from baocao.periods.services import Period, parse_any
from baocao.reporting import services as reporting
from baocao.reporting.models import FormItem, ReportForm, State, Submission

router = Router(tags=["data values"], auth=api_auth)


class DataValueDetail(Schema):
    id: int
    indicator: str
    orgUnit: str
    period: str
    periodType: str
    disagg: str
    value: str
    numerator: str | None
    denominator: str | None
    qualifier: str
    comment: str
    source: str
    reporter: str | None
    version: int
    created: dt.datetime
    lastUpdated: dt.datetime


class ValidationProblemOut(Schema):
    severity: str
    message: str
    keys: list[str]


class DataValueWritten(DataValueDetail):
    problems: list[ValidationProblemOut] = Field(default_factory=list, description="validation rule errors and warnings after the save")


DataValuePage = page_schema(DataValueDetail, "DataValuePage")


def value_out(dv: DataValue) -> dict[str, Any]:
    return {
        "id": dv.pk, "indicator": dv.indicator.code, "orgUnit": dv.area.uid, "period": dv.period,
        "periodType": dv.period_type, "disagg": dv.disagg, "value": dec(dv.value), "numerator": dec(dv.numerator),
        "denominator": dec(dv.denominator), "qualifier": dv.qualifier, "comment": dv.comment, "source": dv.source,
        "reporter": dv.reporter.uid if dv.reporter_id else None, "version": dv.version,
        "created": dv.created_at, "lastUpdated": dv.updated_at,
    }


def visible_values(user: Any) -> QuerySet[DataValue]:
    """Values ``user`` may read: every province's for the Ministry; otherwise the provinces of
    ``visible_areas`` plus values that belong to an accepted report."""
    qs = DataValue.objects.select_related("indicator", "area", "reporter")
    areas = reporting.visible_areas(user)
    if areas is None:
        return qs
    accepted = Submission.objects.filter(
        area_id=OuterRef("area_id"), period=OuterRef("period"), state=State.ACCEPTED,
        version__sections__items__indicator_id=OuterRef("indicator_id"),
    )
    return qs.filter(Q(area_id__in=areas) | Exists(accepted))


class ValueFilters(Schema):
    indicator: str | None = Field(None, description="indicator code; several separated by commas")
    orgUnit: str | None = Field(None, description="organisation unit uid; several separated by commas")
    period: str | None = Field(None, description="period code or Vietnamese label")
    periodType: PeriodType | None = None
    updatedSince: dt.datetime | None = Field(None, description="only values changed at or after this instant (ISO 8601); the list is then ordered by lastUpdated")
    cursor: str | None = Field(None, description="nextCursor of the previous page")
    limit: int = Field(DEFAULT_LIMIT, description=f"1–{MAX_LIMIT}")


def _bad_query(field: str, detail: str) -> ApiProblem:
    return ApiProblem(422, "Invalid request", f"{field}: {detail}", type="validation",
                      errors=[{"field": f"query.{field}", "message": detail}])


@router.get("/dataValues", response={200: DataValuePage, **errors(401, 422)}, summary="Data values (cursor pagination)")
def list_values(request: HttpRequest, filters: Query[ValueFilters]) -> dict:
    """Ordered by id (stable under inserts), or by (lastUpdated, id) when ``updatedSince`` is given so
    that a client can synchronise: a value changed while paging shows up again later, none is skipped."""
    if not 1 <= filters.limit <= MAX_LIMIT:
        raise _bad_query("limit", f"must be between 1 and {MAX_LIMIT} (got {filters.limit})")
    qs = visible_values(user_of(request))
    if filters.indicator:
        codes = [c.strip() for c in filters.indicator.split(",") if c.strip()]
        known = set(Indicator.objects.filter(code__in=codes).values_list("code", flat=True))
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise _bad_query("indicator", f"unknown indicator code(s): {', '.join(unknown[:5])}")
        qs = qs.filter(indicator__code__in=codes)
    if filters.orgUnit:
        from baocao.geo.models import AdminArea

        uids = [u.strip() for u in filters.orgUnit.split(",") if u.strip()]
        known = set(AdminArea.objects.filter(uid__in=uids).values_list("uid", flat=True))
        unknown = [u for u in uids if u not in known]
        if unknown:
            raise _bad_query("orgUnit", f"unknown organisation unit(s): {', '.join(unknown[:5])}")
        qs = qs.filter(area__uid__in=uids)
    if filters.period:
        qs = qs.filter(period=parse_any(filters.period).code)
    if filters.periodType:
        qs = qs.filter(period_type=filters.periodType)
    order = "id"
    if filters.updatedSince:
        if filters.updatedSince.tzinfo is None:
            raise _bad_query("updatedSince", "give a time zone (e.g. 2025-07-01T00:00:00+07:00 or …Z)")
        qs = qs.filter(updated_at__gte=filters.updatedSince)
        order = "updated"
    flt = filters.dict(exclude={"cursor", "limit"})
    rows, nxt = paginate(qs, cursor=filters.cursor, limit=filters.limit, filters=flt, order=order)
    return {"items": [value_out(v) for v in rows], "nextCursor": nxt, "limit": filters.limit}


def _get_visible(request: HttpRequest, value_id: int) -> DataValue:
    dv = visible_values(user_of(request)).filter(pk=value_id).first()
    if dv is None:
        raise ApiProblem(404, "Not found", f"No data value {value_id} in your scope / Không có số liệu {value_id} trong phạm vi của bạn.")
    return dv


def _with_etag(response: HttpResponse, dv: DataValue) -> HttpResponse:
    response["ETag"] = etag(dv.version)
    return response


@router.get("/dataValues/{value_id}", response={200: DataValueDetail, **errors(401, 404)}, summary="One data value (ETag = its version)")
def get_value(request: HttpRequest, value_id: ObjectId, response: HttpResponse) -> dict:
    dv = _get_visible(request, value_id)
    _with_etag(response, dv)
    return value_out(dv)


# --- writing through the reporting app ------------------------------------------------------------


def form_for(indicator: Indicator, disagg: str, period: Period) -> ReportForm:
    """The active report form of ``period``'s type whose version for ``period`` asks for the value."""
    for form in ReportForm.objects.select_related("regime").filter(active=True, period_type=period.type):
        try:
            version = reporting.version_for(form, period)
        except reporting.NotFound:
            continue
        if FormItem.objects.filter(section__version=version, indicator=indicator, disagg=disagg).exists():
            return form
    raise DataValueError(
        "indicator",
        f"Chỉ tiêu {indicator.code}{'.' + disagg if disagg else ''} không có trên biểu báo cáo nào theo "
        f"{PeriodType(period.type).label.lower()} ({period.label_vi}), không nhập qua API được.",
    )


def _text(d: Decimal | None) -> str:
    return "" if d is None else format_number(d)


def _save(request: HttpRequest, *, area_uid: str, indicator: Indicator, disagg: str, period: Period,
          typed: dict[str, str]) -> tuple[reporting.SaveResult, str]:
    user = user_of(request)
    form = form_for(indicator, disagg, period)
    sub, period = reporting.open_submission(user, form.code, period.code, area_uid, action="upload")
    key = f"{indicator.code}.{disagg}" if disagg else indicator.code
    result = reporting.save_values(sub, period, user, {key: typed}, source="api", request=request)
    return result, key


def _save_failed(result: reporting.SaveResult, key: str) -> ApiProblem:
    msgs = [{"field": f"body.{k if k != key else 'value'}", "message": m} for k, m in result.errors.items()]
    return ApiProblem(422, "Invalid value", "; ".join(result.errors.values()), type="invalid-value", errors=msgs)


def _problems(result: reporting.SaveResult) -> list[dict]:
    return [{"severity": p.severity, "message": p.message, "keys": list(p.keys)} for p in result.problems]


def _precondition(dv: DataValue, header: str | None, attempted: Any) -> int:
    expected = parse_if_match(header, dv.version)
    if expected is None:
        raise ApiProblem(
            428, "Precondition required",
            f"Send If-Match: \"{dv.version}\" (the ETag you read) to change data value {dv.pk} / Cần gửi If-Match.",
            type="precondition-required", current_version=dv.version, headers={"ETag": etag(dv.version)},
        )
    if expected != dv.version:
        raise ApiProblem(
            412, "Version conflict",
            f"Data value {dv.pk} changed since you read it: current version {dv.version} (value {dec(dv.value)}), "
            f"your If-Match {header.strip()} / Số liệu đã được người khác sửa, hãy tải lại.",
            type="version-conflict", expected_version=expected if expected >= 0 else None, current_version=dv.version,
            current_value=dec(dv.value), attempted_value=None if attempted is None else str(attempted),
            headers={"ETag": etag(dv.version)},
        )
    return expected


class ValueIn(Schema):
    value: Decimal
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    comment: str | None = Field(None, description="omitted: keep the stored comment")


class NewValueIn(Schema):
    indicator: str
    orgUnit: str
    period: str
    disagg: str = ""
    value: Decimal
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    comment: str = ""


@router.put(
    "/dataValues/{value_id}",
    response={200: DataValueWritten, **errors(401, 403, 404, 409, 412, 422, 428)},
    summary="Change a data value (If-Match required)",
)
def put_value(
    request: HttpRequest, value_id: ObjectId, payload: ValueIn, response: HttpResponse,
    if_match: str | None = Header(None, alias="If-Match", description='the ETag read, e.g. "3"'),
) -> dict:
    """``If-Match`` must carry the ETag read (``"3"``): without it 428, stale 412 with the current and
    attempted values (nothing written). A locked period or a submitted/accepted report → 409; another
    province → 403."""
    dv = _get_visible(request, value_id)
    expected = _precondition(dv, if_match, payload.value)
    period = parse_any(dv.period)
    typed = {
        "value": _text(payload.value),
        "numerator": _text(payload.numerator if payload.numerator is not None else dv.numerator),
        "denominator": _text(payload.denominator if payload.denominator is not None else dv.denominator),
        "comment": dv.comment if payload.comment is None else payload.comment,
        "version": str(expected),
    }
    result, key = _save(request, area_uid=dv.area.uid, indicator=dv.indicator, disagg=dv.disagg, period=period, typed=typed)
    if not result.ok:
        now = DataValue.objects.filter(pk=dv.pk).first()  # changed between our check and the write?
        if now is None:
            raise ApiProblem(412, "Version conflict", next(iter(result.errors.values())), type="version-conflict")
        if now.version != expected:
            _precondition(now, f'"{expected}"', payload.value)
        raise _save_failed(result, key)
    dv = _get_visible(request, value_id)
    _with_etag(response, dv)
    return {**value_out(dv), "problems": _problems(result)}


@router.delete(
    "/dataValues/{value_id}",
    response={204: None, **errors(401, 403, 404, 409, 412, 428)},
    summary="Delete a data value (If-Match required)",
)
def delete_value(
    request: HttpRequest, value_id: ObjectId,
    if_match: str | None = Header(None, alias="If-Match", description='the ETag read, e.g. "3"'),
) -> Status:
    dv = _get_visible(request, value_id)
    expected = _precondition(dv, if_match, None)
    typed = {"value": "", "numerator": "", "denominator": "", "comment": "", "version": str(expected)}
    result, key = _save(request, area_uid=dv.area.uid, indicator=dv.indicator, disagg=dv.disagg,
                        period=parse_any(dv.period), typed=typed)
    if not result.ok:
        if DataValue.objects.filter(pk=dv.pk).exclude(version=expected).exists():
            raise ApiProblem(412, "Version conflict", next(iter(result.errors.values())), type="version-conflict")
        raise _save_failed(result, key)
    return Status(204, None)


@router.post(
    "/dataValues",
    response={201: DataValueWritten, **errors(401, 403, 404, 409, 422)},
    summary="Create one data value",
)
def create_value(request: HttpRequest, payload: NewValueIn, response: HttpResponse) -> Status:
    """The value must be on a report form of its period type; the report must be editable (draft or
    returned) and the period not locked. An existing value → 409 (change it with PUT and If-Match)."""
    from baocao.datavalues.models import Source
    from baocao.geo.models import AdminArea

    area = AdminArea.objects.filter(uid=payload.orgUnit).first()
    if area is not None:  # permission first: a caller who may not write here learns nothing about the value
        reporting.require(user_of(request), "upload", area.pk)
    vv = validate_value(
        area=payload.orgUnit, indicator=payload.indicator, period=payload.period, value=payload.value,
        numerator=payload.numerator, denominator=payload.denominator, disagg=payload.disagg, source=Source.API,
    )
    existing = DataValue.objects.filter(area=vv.area, indicator=vv.indicator, period=vv.period.code, disagg=vv.disagg).first()
    if existing is not None and visible_values(user_of(request)).filter(pk=existing.pk).exists():
        raise ApiProblem(409, "Already exists",
                         f"A value already exists (id {existing.pk}, version {existing.version}): change it with "
                         f"PUT /api/v1/dataValues/{existing.pk} and If-Match: \"{existing.version}\".",
                         type="conflict", id=existing.pk, current_version=existing.version,
                         headers={"ETag": etag(existing.version), "Location": f"/api/v1/dataValues/{existing.pk}"})
    typed = {
        "value": _text(vv.value), "numerator": _text(vv.numerator), "denominator": _text(vv.denominator),
        "comment": payload.comment, "version": "0",
    }
    result, key = _save(request, area_uid=vv.area.uid, indicator=vv.indicator, disagg=vv.disagg, period=vv.period, typed=typed)
    if not result.ok:
        raise _save_failed(result, key)
    dv = DataValue.objects.select_related("indicator", "area", "reporter").get(
        area=vv.area, indicator=vv.indicator, period=vv.period.code, disagg=vv.disagg
    )
    _with_etag(response, dv)
    response["Location"] = f"/api/v1/dataValues/{dv.pk}"
    return Status(201, {**value_out(dv), "problems": _problems(result)})


__all__ = ["form_for", "router", "value_out", "visible_values"]
