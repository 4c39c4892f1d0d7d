"""Report forms and submissions: read, and the workflow actions (submit, accept, return, reopen) and
the digest/signature check, all through ``baocao.reporting.services`` (which holds the permission
matrix: a token acts as its user)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from baocao.api.auth import api_auth, optional_auth, user_of
from baocao.api.common import DEFAULT_LIMIT, MAX_LIMIT, ObjectId, dec, page_schema, paginate
from baocao.api.errors import ApiProblem, errors
from baocao.periods.services import parse_any
from baocao.reporting import services as reporting
from baocao.reporting.models import FormVersion, ReportForm, State, Submission

router = Router(tags=["report forms and submissions"], auth=api_auth)


class FormItemOut(Schema):
    key: str
    indicator: str
    disagg: str
    label: str


class FormSectionOut(Schema):
    title: str
    items: list[FormItemOut]


class FormVersionOut(Schema):
    number: int
    validFrom: dt.date | None
    validTo: dt.date | None
    note: str


class FormOut(Schema):
    code: str
    symbol: str
    title: str
    regime: str
    periodType: str
    reporterDomain: str
    active: bool
    versions: list[FormVersionOut]


class FormDetail(FormOut):
    version: int | None = Field(None, description="the version shown in sections (in force on ``on`` or at the end of ``period``)")
    sections: list[FormSectionOut]


def _versions(form: ReportForm) -> list[dict]:
    return [{"number": v.number, "validFrom": v.valid_from, "validTo": v.valid_to, "note": v.note} for v in form.versions.all()]


def form_out(form: ReportForm) -> dict:
    return {
        "code": form.code, "symbol": form.symbol, "title": form.title, "regime": form.regime.code,
        "periodType": form.period_type, "reporterDomain": form.reporter_domain, "active": form.active,
        "versions": _versions(form),
    }


@router.get("/forms", response={200: list[FormOut], **errors(401)}, auth=optional_auth, summary="Report forms (biểu mẫu)")
def forms(request: HttpRequest, active: bool | None = None) -> list[dict]:
    qs = ReportForm.objects.select_related("regime").prefetch_related("versions")
    if active is not None:
        qs = qs.filter(active=active)
    return [form_out(f) for f in qs]


@router.get("/forms/{code}", response={200: FormDetail, **errors(401, 404, 422)}, auth=optional_auth, summary="A report form with its items")
def form(request: HttpRequest, code: str, on: dt.date | None = None, period: str | None = None) -> dict:
    """The sections and items of the version in force on ``on`` (default today), or at the end of ``period``."""
    from django.utils import timezone

    f = reporting.get_form(code)
    f = ReportForm.objects.select_related("regime").prefetch_related("versions").get(pk=f.pk)
    day = on or timezone.localdate()
    if period:
        day = reporting.parse_form_period(f, period).end
    version = FormVersion.objects.filter(form=f).valid_on(day).order_by("-number").first()
    sections = []
    if version is not None:
        for s in version.sections.prefetch_related("items__indicator"):
            sections.append({"title": s.title, "items": [
                {"key": i.key, "indicator": i.indicator.code, "disagg": i.disagg, "label": i.label or i.indicator.name}
                for i in s.items.all()
            ]})
    return {**form_out(f), "version": version.number if version else None, "sections": sections}


# --- submissions ----------------------------------------------------------------------------------


class EventOut(Schema):
    action: str
    fromState: str
    toState: str
    actor: str | None
    at: dt.datetime
    reason: str
    digest: str


class SubmissionValueOut(Schema):
    key: str
    indicator: str
    disagg: str
    label: str
    section: str
    id: int | None
    value: str | None
    numerator: str | None
    denominator: str | None
    comment: str
    version: int | None


class SubmissionOut(Schema):
    id: int
    form: str
    formVersion: int
    orgUnit: str
    organisation: str | None
    period: str
    periodType: str
    state: str
    stateLabel: str
    firstSubmittedAt: dt.datetime | None
    submittedAt: dt.datetime | None
    submittedBy: str | None
    decidedAt: dt.datetime | None
    decidedBy: str | None
    returnReason: str
    digest: str
    signed: bool
    lastUpdated: dt.datetime


class SubmissionDetail(SubmissionOut):
    values: list[SubmissionValueOut]
    events: list[EventOut]


SubmissionPage = page_schema(SubmissionOut, "SubmissionPage")


def _username(u: Any) -> str | None:
    return u.get_username() if u is not None else None


def submission_out(s: Submission) -> dict:
    return {
        "id": s.pk, "form": s.form.code, "formVersion": s.version.number, "orgUnit": s.area.uid,
        "organisation": s.organisation.uid if s.organisation_id else None, "period": s.period,
        "periodType": s.period_type, "state": s.state, "stateLabel": s.get_state_display(),
        "firstSubmittedAt": s.first_submitted_at, "submittedAt": s.submitted_at, "submittedBy": _username(s.submitted_by),
        "decidedAt": s.decided_at, "decidedBy": _username(s.decided_by), "returnReason": s.return_reason,
        "digest": s.digest, "signed": bool(s.signature), "lastUpdated": s.updated_at,
    }


def submission_detail(s: Submission) -> dict:
    period = reporting.period_of(s)
    values = []
    for r in reporting.entry_items(s, period):
        v = r.value
        values.append({
            "key": r.key, "indicator": r.indicator.code, "disagg": r.item.disagg, "label": r.label, "section": r.section,
            "id": v.pk if v else None, "value": dec(v.value) if v else None, "numerator": dec(v.numerator) if v else None,
            "denominator": dec(v.denominator) if v else None, "comment": v.comment if v else "",
            "version": v.version if v else None,
        })
    events = [
        {"action": e.action, "fromState": e.from_state, "toState": e.to_state, "actor": _username(e.actor), "at": e.at,
         "reason": e.reason, "digest": e.digest}
        for e in s.events.select_related("actor").order_by("at", "id")
    ]
    return {**submission_out(s), "values": values, "events": events}


_SUB_RELATED = ("form", "form__regime", "version", "area", "organisation", "submitted_by", "decided_by")


class SubmissionFilters(Schema):
    form: str | None = None
    period: str | None = Field(None, description="period code or Vietnamese label")
    orgUnit: str | None = None
    state: Literal["draft", "submitted", "accepted", "returned"] | None = None
    cursor: str | None = None
    limit: int = DEFAULT_LIMIT


@router.get("/submissions", response={200: SubmissionPage, **errors(401, 422)}, summary="Reports (submissions) in your scope")
def submissions(request: HttpRequest, filters: Query[SubmissionFilters]) -> dict:
    if not 1 <= filters.limit <= MAX_LIMIT:
        raise ApiProblem(422, "Invalid request", f"limit: must be between 1 and {MAX_LIMIT}.", type="validation",
                         errors=[{"field": "query.limit", "message": f"1 ≤ limit ≤ {MAX_LIMIT}"}])
    qs = Submission.objects.select_related(*_SUB_RELATED)
    areas = reporting.visible_areas(user_of(request))
    if areas is not None:
        qs = qs.filter(area_id__in=areas)
    if filters.form:
        if not ReportForm.objects.filter(code=filters.form).exists():
            raise ApiProblem(422, "Invalid request", f"form: no report form with code “{filters.form}”.", type="validation",
                             errors=[{"field": "query.form", "message": "unknown form code"}])
        qs = qs.filter(form__code=filters.form)
    if filters.period:
        qs = qs.filter(period=parse_any(filters.period).code)
    if filters.orgUnit:
        qs = qs.filter(area__uid=filters.orgUnit)
    if filters.state:
        qs = qs.filter(state=filters.state)
    rows, nxt = paginate(qs, cursor=filters.cursor, limit=filters.limit, filters=filters.dict(exclude={"cursor", "limit"}))
    return {"items": [submission_out(s) for s in rows], "nextCursor": nxt, "limit": filters.limit}


def _submission(request: HttpRequest, sub_id: int, action: str = "view") -> Submission:
    sub = Submission.objects.select_related(*_SUB_RELATED).filter(pk=sub_id).first()
    if sub is None:
        raise ApiProblem(404, "Not found", f"No submission {sub_id} / Không có báo cáo {sub_id}.")
    reporting.require(user_of(request), action, sub.area_id)
    return sub


@router.get("/submissions/{sub_id}", response={200: SubmissionDetail, **errors(401, 403, 404)}, summary="A report with its values and history")
def submission(request: HttpRequest, sub_id: ObjectId) -> dict:
    return submission_detail(_submission(request, sub_id))


class ReasonIn(Schema):
    reason: str = Field("", description="required to return or reopen a report")


class VerificationOut(Schema):
    ok: bool
    digestOk: bool
    signatureOk: bool | None
    message: str
    changed: list[str]
    digest: str


def _need_reason(reason: str, what: str) -> str:
    if not (reason or "").strip():
        raise ApiProblem(422, "Invalid request", f"reason: required to {what} a report / Phải ghi lý do.", type="validation",
                         errors=[{"field": "body.reason", "message": "required"}])
    return reason


def _act(request: HttpRequest, sub_id: int, fn: Any, *args: Any) -> dict:
    user = user_of(request)
    sub = _submission(request, sub_id)  # 404 / 403 (view) first; the service checks the action itself
    fn(sub, user, *args, request=request)
    return submission_detail(_submission(request, sub_id))


_ACTION_ERRORS = errors(401, 403, 404, 409, 422)


@router.post("/submissions/{sub_id}/submit", response={200: SubmissionDetail, **_ACTION_ERRORS}, summary="Send the report to the Ministry (approver)")
def submit(request: HttpRequest, sub_id: ObjectId) -> dict:
    return _act(request, sub_id, reporting.submit)


@router.post("/submissions/{sub_id}/accept", response={200: SubmissionDetail, **_ACTION_ERRORS}, summary="Accept a submitted report (Ministry officer)")
def accept(request: HttpRequest, sub_id: ObjectId) -> dict:
    return _act(request, sub_id, reporting.accept)


@router.post("/submissions/{sub_id}/return", response={200: SubmissionDetail, **_ACTION_ERRORS}, summary="Return a submitted report with a reason")
def return_(request: HttpRequest, sub_id: ObjectId, payload: ReasonIn) -> dict:
    sub = _submission(request, sub_id)
    reporting.require(user_of(request), "review", sub.area_id)
    return _act(request, sub_id, reporting.return_, _need_reason(payload.reason, "return"))


@router.post("/submissions/{sub_id}/reopen", response={200: SubmissionDetail, **_ACTION_ERRORS}, summary="Reopen a submitted or accepted report (administrator)")
def reopen(request: HttpRequest, sub_id: ObjectId, payload: ReasonIn) -> dict:
    sub = _submission(request, sub_id)
    reporting.require(user_of(request), "reopen", sub.area_id)
    return _act(request, sub_id, reporting.reopen, _need_reason(payload.reason, "reopen"))


@router.get("/submissions/{sub_id}/verify", response={200: VerificationOut, **errors(401, 403, 404)}, summary="Check the stored values against the digest and signature")
def verify(request: HttpRequest, sub_id: ObjectId) -> dict:
    sub = _submission(request, sub_id)
    v = reporting.verify(sub)
    return {"ok": v.ok, "digestOk": v.digest_ok, "signatureOk": v.signature_ok, "message": v.message,
            "changed": list(v.changed), "digest": sub.digest}


__all__ = ["State", "router"]
