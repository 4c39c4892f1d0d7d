"""The indicator catalog: domains and indicators (public reference data)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Query, Router, Schema

from baocao.api.auth import optional_auth
from baocao.api.common import dec
from baocao.api.errors import ApiProblem, errors
from baocao.catalog.models import Domain, Indicator
from baocao.core.text import fold

router = Router(tags=["catalog"], auth=optional_auth)


class DomainOut(Schema):
    code: str
    name: str
    nameEn: str
    indicators: int


class DisaggregationOut(Schema):
    code: str
    name: str
    nameEn: str


class IndicatorOut(Schema):
    code: str
    name: str
    nameEn: str
    domain: str
    unit: str
    valueType: str
    aggSpace: str
    aggTime: str
    decimals: int
    minValue: str | None
    maxValue: str | None
    scope: str
    weight: str | None
    condition: str
    disaggregations: list[DisaggregationOut]
    validFrom: dt.date | None
    validTo: dt.date | None


class IndicatorDetail(IndicatorOut):
    definition: str
    legalBasis: str
    unitAliases: list[str]


def indicator_out(ind: Indicator, detail: bool = False) -> dict:
    out = {
        "code": ind.code, "name": ind.name, "nameEn": ind.name_en, "domain": ind.domain.code, "unit": ind.unit,
        "valueType": ind.value_type, "aggSpace": ind.agg_space, "aggTime": ind.agg_time, "decimals": ind.decimals,
        "minValue": dec(ind.min_value), "maxValue": dec(ind.max_value), "scope": ind.scope,
        "weight": ind.weight.code if ind.weight_id else None, "condition": ind.condition,
        "disaggregations": [{"code": d.code, "name": d.name, "nameEn": d.name_en} for d in ind.disaggregations.all()],
        "validFrom": ind.valid_from, "validTo": ind.valid_to,
    }
    if detail:
        out.update(definition=ind.definition, legalBasis=ind.legal_basis, unitAliases=list(ind.unit_aliases or []))
    return out


class IndicatorFilters(Schema):
    domain: str | None = None
    on: dt.date | None = None
    q: str | None = None


@router.get("/domains", response={200: list[DomainOut], **errors(401)}, summary="Domains (lĩnh vực) of the catalog")
def domains(request: HttpRequest) -> list[dict]:
    from django.db.models import Count

    return [
        {"code": d.code, "name": d.name, "nameEn": d.name_en, "indicators": d.n}
        for d in Domain.objects.annotate(n=Count("indicators")).order_by("order", "code")
    ]


@router.get("/indicators", response={200: list[IndicatorOut], **errors(401, 422)}, summary="Indicators of the catalog")
def indicators(request: HttpRequest, filters: Query[IndicatorFilters]) -> list[dict]:
    """Filter by ``domain`` code, validity on a date (``on``) and a search text ``q`` (accents optional)."""
    qs = Indicator.objects.select_related("domain", "weight").prefetch_related("disaggregations")
    if filters.domain:
        if not Domain.objects.filter(code=filters.domain).exists():
            raise ApiProblem(422, "Invalid request", f"domain: no domain with code “{filters.domain}”.", type="validation",
                             errors=[{"field": "query.domain", "message": "unknown domain code"}])
        qs = qs.filter(domain__code=filters.domain)
    if filters.on:
        qs = qs.valid_on(filters.on)
    if filters.q:
        for word in fold(filters.q).split():
            qs = qs.filter(search_text__contains=word)
    return [indicator_out(i) for i in qs]


@router.get("/indicators/{code}", response={200: IndicatorDetail, **errors(401, 404)}, summary="One indicator")
def indicator(request: HttpRequest, code: str) -> dict:
    ind = Indicator.objects.select_related("domain", "weight").prefetch_related("disaggregations").filter(code=code).first()
    if ind is None:
        raise ApiProblem(404, "Not found", f"No indicator with code “{code}” / Không có chỉ tiêu mã “{code}”.")
    return indicator_out(ind, detail=True)
