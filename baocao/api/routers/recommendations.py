"""Recommendations (kiến nghị) and directives (nhiệm vụ), read-only, scoped by
``baocao.recommendations.services`` (published recommendations for everyone, all of them for the
Ministry, a department's own and published ones; directives for the Ministry and their assignees)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from baocao.api.auth import optional_auth, user_of
from baocao.api.common import DEFAULT_LIMIT, MAX_LIMIT, ObjectId, page_schema, paginate
from baocao.api.errors import ApiProblem, errors
from baocao.core.text import fold
from baocao.recommendations import services as recs
from baocao.recommendations import stats
from baocao.recommendations.models import Directive, Recommendation

router = Router(tags=["recommendations and directives"], auth=optional_auth)


class RecommendationOut(Schema):
    id: int
    reference: str
    title: str
    text: str
    senderType: str
    sender: str
    orgUnit: str | None
    addressee: str
    domain: str | None
    state: str
    stateLabel: str
    receivedOn: dt.date
    dueOn: dt.date | None
    leadUnit: str | None
    coUnits: list[str]
    answeredOn: dt.date | None
    publishedOn: dt.date | None
    publicAnswer: str
    declineReason: str
    internalAnswer: str | None = Field(None, description="only for the Ministry's users")


RecommendationPage = page_schema(RecommendationOut, "RecommendationPage")


def rec_out(r: Recommendation, user: Any) -> dict:
    return {
        "id": r.pk, "reference": r.reference, "title": r.title, "text": r.text, "senderType": r.sender_type,
        "sender": r.sender_display, "orgUnit": r.area.uid if r.area_id else None, "addressee": r.addressee,
        "domain": r.domain.code if r.domain_id else None, "state": r.state, "stateLabel": r.get_state_display(),
        "receivedOn": r.received_on, "dueOn": r.due_on, "leadUnit": r.lead_unit.uid if r.lead_unit_id else None,
        "coUnits": [u.uid for u in r.co_units.all()], "answeredOn": r.answered_on, "publishedOn": r.published_on,
        "publicAnswer": r.public_answer, "declineReason": r.decline_reason,
        "internalAnswer": r.internal_answer if recs.is_ministry(user) else None,
    }


class RecFilters(Schema):
    state: Literal["received", "assigned", "answered", "published", "declined"] | None = None
    domain: str | None = None
    orgUnit: str | None = None
    receivedFrom: dt.date | None = None
    receivedTo: dt.date | None = None
    q: str | None = Field(None, description="words searched in title, text, answer and sender (accents optional)")
    cursor: str | None = None
    limit: int = DEFAULT_LIMIT


def _check_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise ApiProblem(422, "Invalid request", f"limit: must be between 1 and {MAX_LIMIT}.", type="validation",
                         errors=[{"field": "query.limit", "message": f"1 ≤ limit ≤ {MAX_LIMIT}"}])


class StatsFilters(Schema):
    from_: dt.date = Field(..., alias="from")
    to: dt.date


@router.get("/recommendations/statistics", response={200: dict[str, Any], **errors(401, 403, 422)},
            summary="Statistics of recommendations and directives for a date range")
def statistics(request: HttpRequest, filters: Query[StatsFilters]) -> dict:
    """The figures of the Ministry's quarterly report (``baocao.recommendations.stats.period_stats``);
    for the Ministry's and departments' users."""
    user = user_of(request)
    if not user.is_authenticated:
        raise ApiProblem(401, "Unauthenticated", "Statistics need a token or a session / Cần đăng nhập để xem thống kê.")
    if not (recs.is_ministry(user) or recs.is_province(user)):
        raise ApiProblem(403, "Forbidden", "Your account has no role / Tài khoản chưa được phân quyền.")
    if filters.to < filters.from_:
        raise ApiProblem(422, "Invalid request", "to: must not be before from / Ngày kết thúc không được trước ngày bắt đầu.",
                         type="validation", errors=[{"field": "query.to", "message": "before from"}])
    return stats.period_stats(filters.from_, filters.to, viewer=user)


@router.get("/recommendations", response={200: RecommendationPage, **errors(401, 422)}, summary="Recommendations in your scope")
def recommendations(request: HttpRequest, filters: Query[RecFilters]) -> dict:
    """Anonymous callers and users of other organisations see published recommendations only."""
    _check_limit(filters.limit)
    user = user_of(request)
    qs = recs.visible_recommendations(user).select_related("area", "domain", "lead_unit", "sender_org").prefetch_related("co_units")
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.domain:
        qs = qs.filter(domain__code=filters.domain)
    if filters.orgUnit:
        qs = qs.filter(area__uid=filters.orgUnit)
    if filters.receivedFrom:
        qs = qs.filter(received_on__gte=filters.receivedFrom)
    if filters.receivedTo:
        qs = qs.filter(received_on__lte=filters.receivedTo)
    if filters.q:
        for word in fold(filters.q).split():
            qs = qs.filter(search_folded__contains=word)
    rows, nxt = paginate(qs, cursor=filters.cursor, limit=filters.limit, filters=filters.dict(exclude={"cursor", "limit"}))
    return {"items": [rec_out(r, user) for r in rows], "nextCursor": nxt, "limit": filters.limit}


@router.get("/recommendations/{rec_id}", response={200: RecommendationOut, **errors(401, 403, 404)}, summary="One recommendation")
def recommendation(request: HttpRequest, rec_id: ObjectId) -> dict:
    user = user_of(request)
    r = Recommendation.objects.select_related("area", "domain", "lead_unit", "sender_org").filter(pk=rec_id).first()
    if r is None:
        raise ApiProblem(404, "Not found", f"No recommendation {rec_id} / Không có kiến nghị {rec_id}.")
    recs.check_view_recommendation(user, r)
    return rec_out(r, user)


class DirectiveOut(Schema):
    id: int
    reference: str
    title: str
    detail: str
    leaderName: str
    leaderTitle: str
    meeting: str
    document: str
    domain: str | None
    assignees: list[str]
    recommendation: int | None
    givenOn: dt.date
    dueOn: dt.date
    state: str
    stateLabel: str
    percent: int
    doneOn: dt.date | None
    overdue: bool


DirectivePage = page_schema(DirectiveOut, "DirectivePage")


class DirectiveFilters(Schema):
    state: Literal["assigned", "in_progress", "done", "cancelled"] | None = None
    assignee: str | None = Field(None, description="organisation uid")
    dueBefore: dt.date | None = None
    cursor: str | None = None
    limit: int = DEFAULT_LIMIT


@router.get("/directives", response={200: DirectivePage, **errors(401, 422)}, summary="Directives (nhiệm vụ) in your scope")
def directives(request: HttpRequest, filters: Query[DirectiveFilters]) -> dict:
    """The Ministry's users see every directive; a department the ones assigned to it; others none."""
    _check_limit(filters.limit)
    qs = recs.visible_directives(user_of(request)).select_related("domain").prefetch_related("assignees")
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.assignee:
        qs = qs.filter(assignees__uid=filters.assignee)
    if filters.dueBefore:
        qs = qs.filter(due_on__lt=filters.dueBefore)
    rows, nxt = paginate(qs.distinct(), cursor=filters.cursor, limit=filters.limit, filters=filters.dict(exclude={"cursor", "limit"}))
    items = [
        {
            "id": d.pk, "reference": d.reference, "title": d.title, "detail": d.detail, "leaderName": d.leader_name,
            "leaderTitle": d.leader_title, "meeting": d.meeting, "document": d.document,
            "domain": d.domain.code if d.domain_id else None, "assignees": [o.uid for o in d.assignees.all()],
            "recommendation": d.recommendation_id, "givenOn": d.given_on, "dueOn": d.due_on, "state": d.state,
            "stateLabel": d.get_state_display(), "percent": d.percent, "doneOn": d.done_on, "overdue": d.is_overdue(),
        }
        for d in rows
    ]
    return {"items": items, "nextCursor": nxt, "limit": filters.limit}


__all__ = ["Directive", "router"]
