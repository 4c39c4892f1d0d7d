"""Analytics: an indicator's value for a province or the country, rolled up the catalog's way and
across the 2025 reform (``baocao.analytics.services``)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from baocao.analytics import services as analytics
from baocao.api.auth import api_auth, user_of
from baocao.api.common import dec
from baocao.api.errors import ApiProblem, errors
from baocao.catalog.models import Indicator
from baocao.geo.models import AdminArea
from baocao.periods.services import parse_any
from baocao.reporting import services as reporting

router = Router(tags=["analytics"], auth=api_auth)

NATIONAL = "VN"


class AnalyticsQuery(Schema):
    indicator: str
    period: str = Field(..., description="period code or Vietnamese label")
    orgUnit: str = Field(NATIONAL, description=f"province uid, or {NATIONAL} for the whole country")
    disagg: str = ""


class AnalyticsValueOut(Schema):
    indicator: str
    orgUnit: str
    period: str
    disagg: str
    value: str | None
    rule: str
    numerator: str | None
    denominator: str | None
    share: str | None
    units: list[str] = Field(..., description="the units whose values were combined")
    missing: list[str] = Field(..., description="the units without a value")


@router.get("/analytics/value", response={200: AnalyticsValueOut, **errors(401, 403, 404, 422)}, summary="An indicator's value for a unit or the country")
def value(request: HttpRequest, q: Query[AnalyticsQuery]) -> dict:
    """For a unit that did not exist in the period (the new Tuyên Quang in 2024) the value is the
    roll-up of the units that made it up then. The country (``VN``) is for the Ministry's users; a
    department's users read their own province."""
    user = user_of(request)
    ind = Indicator.objects.select_related("weight").filter(code=q.indicator).first()
    if ind is None:
        raise ApiProblem(422, "Invalid request", f"indicator: no indicator with code “{q.indicator}”.", type="validation",
                         errors=[{"field": "query.indicator", "message": "unknown indicator code"}])
    period = parse_any(q.period)
    areas = reporting.visible_areas(user)
    if q.orgUnit == NATIONAL:
        if areas is not None:
            raise ApiProblem(403, "Forbidden", "The national value is for the Ministry's users / Chỉ cán bộ của Bộ xem được số liệu cả nước.")
        roll = analytics.national_value(ind, period, q.disagg)
    else:
        area = AdminArea.objects.filter(uid=q.orgUnit).first()
        if area is None:
            raise ApiProblem(422, "Invalid request", f"orgUnit: no organisation unit “{q.orgUnit}”.", type="validation",
                             errors=[{"field": "query.orgUnit", "message": "unknown organisation unit"}])
        if areas is not None and area.pk not in areas:
            reporting.require(user, "view", area.pk)
        roll = analytics.area_value(area, ind, period, q.disagg)
    agg = roll.aggregate
    return {
        "indicator": ind.code, "orgUnit": q.orgUnit, "period": period.code, "disagg": q.disagg, "value": dec(agg.value),
        "rule": agg.rule, "numerator": dec(agg.numerator), "denominator": dec(agg.denominator), "share": dec(agg.share),
        "units": list(roll.units), "missing": list(roll.missing),
    }
