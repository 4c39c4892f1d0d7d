"""Organisation units (the administrative map, with validity and the 2025 reform links) and organisations."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema

from baocao.api.auth import optional_auth
from baocao.api.common import DEFAULT_LIMIT, MAX_LIMIT, page_schema, paginate
from baocao.api.errors import ApiProblem, errors
from baocao.geo.models import AdminArea
from baocao.geo.services import with_links
from baocao.orgs.models import Organisation, OrgKind

router = Router(tags=["organisation units"], auth=optional_auth)


class LinkOut(Schema):
    uid: str
    name: str
    date: dt.date
    kind: str


class OrgUnitOut(Schema):
    uid: str
    code: str
    name: str
    fullName: str
    level: str
    kind: str
    parent: str | None
    region: str
    population: int | None
    validFrom: dt.date | None
    validTo: dt.date | None
    predecessors: list[LinkOut]
    successors: list[LinkOut]


OrgUnitPage = page_schema(OrgUnitOut, "OrgUnitPage")


def orgunit_out(a: AdminArea) -> dict:
    return {
        "uid": a.uid, "code": a.code, "name": a.name, "fullName": a.full_name, "level": a.level, "kind": a.kind,
        "parent": a.parent.uid if a.parent_id else None, "region": a.region, "population": a.population,
        "validFrom": a.valid_from, "validTo": a.valid_to,
        "predecessors": [
            {"uid": s.predecessor.uid, "name": s.predecessor.name, "date": s.date, "kind": s.kind} for s in a.predecessions.all()
        ],
        "successors": [
            {"uid": s.successor.uid, "name": s.successor.name, "date": s.date, "kind": s.kind} for s in a.successions.all()
        ],
    }


class OrgUnitFilters(Schema):
    level: Literal["country", "province", "district", "commune"] | None = None
    on: dt.date | None = None
    parent: str | None = None
    cursor: str | None = None
    limit: int = DEFAULT_LIMIT


def _limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise ApiProblem(422, "Invalid request", f"limit: must be between 1 and {MAX_LIMIT} (got {limit}).", type="validation",
                         errors=[{"field": "query.limit", "message": f"1 ≤ limit ≤ {MAX_LIMIT}"}])
    return limit


@router.get("/orgunits", response={200: OrgUnitPage, **errors(401, 422)}, summary="Organisation units (provinces, communes …)")
def orgunits(request: HttpRequest, filters: Query[OrgUnitFilters]) -> dict:
    """``level``, validity on a date (``on``: the 63 provinces before 01/07/2025, the 34 after),
    ``parent`` uid; cursor pagination (``nextCursor``)."""
    limit = _limit(filters.limit)
    qs = AdminArea.objects.all()
    if filters.level:
        qs = qs.filter(level=filters.level)
    if filters.on:
        qs = qs.valid_on(filters.on)
    if filters.parent:
        parent = AdminArea.objects.filter(uid=filters.parent).first()
        if parent is None:
            raise ApiProblem(422, "Invalid request", f"parent: no organisation unit “{filters.parent}”.", type="validation",
                             errors=[{"field": "query.parent", "message": "unknown organisation unit uid"}])
        qs = qs.filter(parent=parent)
    flt = filters.dict(exclude={"cursor", "limit"})
    rows, nxt = paginate(with_links(qs), cursor=filters.cursor, limit=limit, filters=flt)
    return {"items": [orgunit_out(a) for a in rows], "nextCursor": nxt, "limit": limit}


@router.get("/orgunits/{uid}", response={200: OrgUnitOut, **errors(401, 404)}, summary="One organisation unit")
def orgunit(request: HttpRequest, uid: str) -> dict:
    a = with_links(AdminArea.objects.filter(uid=uid)).first()
    if a is None:
        raise ApiProblem(404, "Not found", f"No organisation unit “{uid}” / Không có đơn vị mã “{uid}”.")
    return orgunit_out(a)


class OrganisationOut(Schema):
    uid: str
    name: str
    shortName: str
    nameEn: str
    kind: str
    parent: str | None
    orgUnit: str | None
    domains: list[str]
    validFrom: dt.date | None
    validTo: dt.date | None
    predecessors: list[str]
    successors: list[str]


OrganisationPage = page_schema(OrganisationOut, "OrganisationPage")


class OrganisationFilters(Schema):
    kind: Literal[tuple(OrgKind.values)] | None = None  # type: ignore[valid-type]
    on: dt.date | None = None
    orgUnit: str | None = None
    cursor: str | None = None
    limit: int = DEFAULT_LIMIT


@router.get("/organisations", response={200: OrganisationPage, **errors(401, 422)}, summary="Organisations (Ministry, its units, departments …)")
def organisations(request: HttpRequest, filters: Query[OrganisationFilters]) -> dict:
    limit = _limit(filters.limit)
    qs = Organisation.objects.select_related("parent", "area").prefetch_related("domains", "predecessors", "successors")
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.on:
        qs = qs.valid_on(filters.on)
    if filters.orgUnit:
        qs = qs.filter(area__uid=filters.orgUnit)
    rows, nxt = paginate(qs, cursor=filters.cursor, limit=limit, filters=filters.dict(exclude={"cursor", "limit"}))
    items = [
        {
            "uid": o.uid, "name": o.name, "shortName": o.short_name, "nameEn": o.name_en, "kind": o.kind,
            "parent": o.parent.uid if o.parent_id else None, "orgUnit": o.area.uid if o.area_id else None,
            "domains": [d.code for d in o.domains.all()], "validFrom": o.valid_from, "validTo": o.valid_to,
            "predecessors": [p.uid for p in o.predecessors.all()], "successors": [s.uid for s in o.successors.all()],
        }
        for o in rows
    ]
    return {"items": items, "nextCursor": nxt, "limit": limit}
