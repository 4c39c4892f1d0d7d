"""Regimes (chế độ báo cáo) and periods with their window, deadline and lock date."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema

from baocao.api.auth import optional_auth
from baocao.api.errors import errors
from baocao.periods import services as periods
from baocao.periods.models import Regime

router = Router(tags=["regimes and periods"], auth=optional_auth)


class RuleOut(Schema):
    periodType: str
    windowStartMonthOffset: int
    windowStartDay: int
    windowEndMonthOffset: int
    windowEndDay: int
    deadlineMonthOffset: int
    deadlineDay: int
    lockAfterDays: int
    dueSoonDays: int
    note: str


class RegimeOut(Schema):
    code: str
    name: str
    nameEn: str
    legalBasis: str
    kind: str
    isDefault: bool
    validFrom: dt.date | None
    validTo: dt.date | None
    rules: list[RuleOut]


class PeriodOut(Schema):
    code: str
    type: str
    year: int
    index: int
    labelVi: str
    labelEn: str
    start: dt.date
    end: dt.date
    regime: str
    windowStart: dt.date
    windowEnd: dt.date
    deadline: dt.date
    lockDate: dt.date
    state: str
    previous: str
    next: str


@router.get("/regimes", response={200: list[RegimeOut], **errors(401)}, summary="Reporting regimes and their deadline rules")
def regimes(request: HttpRequest) -> list[dict]:
    return [
        {
            "code": r.code, "name": r.name, "nameEn": r.name_en, "legalBasis": r.legal_basis, "kind": r.kind,
            "isDefault": r.is_default, "validFrom": r.valid_from, "validTo": r.valid_to,
            "rules": [
                {"periodType": x.period_type, "windowStartMonthOffset": x.window_start_month_offset,
                 "windowStartDay": x.window_start_day, "windowEndMonthOffset": x.window_end_month_offset,
                 "windowEndDay": x.window_end_day, "deadlineMonthOffset": x.deadline_month_offset, "deadlineDay": x.deadline_day,
                 "lockAfterDays": x.lock_after_days, "dueSoonDays": x.due_soon_days, "note": x.note}
                for x in r.rules.all()
            ],
        }
        for r in Regime.objects.prefetch_related("rules").order_by("code")
    ]


@router.get("/periods/{path:code}", response={200: PeriodOut, **errors(401, 404, 422)}, summary="A period: label, window, deadline, lock date")
def period(request: HttpRequest, code: str, regime: str | None = None) -> dict:
    """``code`` is a period code (``2025Q3``, ``2025-07``, ``2025S1``, ``2025N1``, ``2025``) or a Vietnamese
    label, URL-encoded (``Qu%C3%BD%20III%2F2025``). ``regime`` defaults to the default regime.
    ``state`` is open / due_soon / late / locked today."""
    p = periods.parse_any(code)
    reg = periods.get_regime(regime)
    info = periods.describe(p, reg)
    return {
        "code": p.code, "type": p.type, "year": p.year, "index": p.index, "labelVi": p.label_vi, "labelEn": p.label_en,
        "start": p.start, "end": p.end, "regime": reg.code,
        "windowStart": info["window_start"], "windowEnd": info["window_end"], "deadline": info["deadline"],
        "lockDate": info["lock_date"], "state": periods.deadline_state(p, timezone.localdate(), reg),
        "previous": p.previous().code, "next": p.next().code,
    }
