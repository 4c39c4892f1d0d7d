"""Demo reports in every state for the demo data's recent periods (``baocao demo_reporting``).

Deterministic (a hash of the province and period picks each state). For the quarterly form: the
current quarter has drafts, returned, submitted and accepted reports (its values copied from the
previous quarter, a little higher); the previous quarters are mostly accepted, some late, some
never reviewed, a few missing. The half-year and year forms get their latest complete periods.
Cao Bằng (P04) and Lạng Sơn (P20), the demo accounts' provinces, have signing keys; Cao Bằng's
current report is returned with a reason so the demo reporter has something to fix.
"""

from __future__ import annotations

import datetime as dt
import zlib
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from baocao.datavalues.models import DataValue
from baocao.datavalues.services import bulk_write
from baocao.geo.services import provinces_on
from baocao.periods.services import Period

from . import services as s
from .loader import load_forms
from .models import Action, DepartmentKey, ReportForm, State, Submission, SubmissionEvent

KEYED = ("P04", "P20")
RETURN_REASON = "Số điểm phục vụ bưu chính giảm so với quý trước nhưng chưa có giải trình; đề nghị Sở kiểm tra lại."


def _pick(*parts: str) -> int:
    return zlib.crc32("|".join(parts).encode()) % 100


def _at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)


def _users() -> dict[str, Any]:
    U = get_user_model()
    return {u.username: u for u in U.objects.filter(username__in=["caobang.lanhdao", "langson.lanhdao", "bo.chuyenvien"])}


def _copy_forward(form: ReportForm, period: Period, areas: list[Any]) -> None:
    """Values for ``period`` from the previous period (×1,03 for counts and money), for reports with no values yet."""
    version = s.version_for(form, period)
    items = [(sec, it) for sec, it in s.form_items(version, period)]
    ind_ids = {it.indicator_id for _, it in items}
    prev = period.previous().code
    have = set(DataValue.objects.filter(period=period.code, area__in=areas).values_list("area_id", flat=True).distinct())
    rows = []
    for dv in DataValue.objects.filter(period=prev, area__in=[a for a in areas if a.pk not in have], indicator_id__in=ind_ids).select_related(
        "indicator", "area"
    ):
        value, num, den = dv.value, dv.numerator, dv.denominator
        if dv.indicator.value_type in ("count", "money") and num is None:
            value = (value * Decimal("1.03")).quantize(Decimal(1))
        rows.append({
            "indicator": dv.indicator.code, "area": dv.area.uid, "period": period.code, "value": value,
            "numerator": num, "denominator": den, "disagg": dv.disagg, "qualifier": dv.qualifier,
        })
    if rows:
        bulk_write(rows, source="demo")


def _freeze(sub: Submission, key: DepartmentKey | None) -> None:
    snap = s.build_snapshot(sub)
    sub.snapshot, sub.digest = snap, s.digest_of(snap)
    sub.signing_key = key
    sub.signature = s._sign(key, s.canonical(snap)) if key else ""


def _make(form: ReportForm, period: Period, area: Any, state: str, submitted_on: dt.date | None, keys: dict, users: dict,
          reason: str = "") -> Submission:
    sub = Submission.objects.filter(form=form, area=area, period=period.code).first()
    if sub is None:
        sub = Submission(
            form=form, version=s.version_for(form, period), area=area, organisation=s.department_of(form, area, period),
            period=period.code, period_type=period.type, period_start=period.start, period_end=period.end,
        )
    sub.state = state
    sub.snapshot, sub.digest, sub.signature, sub.signing_key = None, "", "", None
    sub.first_submitted_at = sub.submitted_at = sub.submitted_by = sub.decided_at = sub.decided_by = None
    sub.return_reason = ""
    approver = users.get({"P04": "caobang.lanhdao", "P20": "langson.lanhdao"}.get(area.uid, ""))
    officer = users.get("bo.chuyenvien")
    sub.save()
    sub.events.all().delete()
    SubmissionEvent.objects.create(submission=sub, action=Action.CREATE, to_state=State.DRAFT, at=_at(submitted_on or period.end, 8))
    if submitted_on is not None:
        _freeze(sub, keys.get(area.uid))
        sub.first_submitted_at = sub.submitted_at = _at(submitted_on)
        sub.submitted_by = approver
        SubmissionEvent.objects.create(
            submission=sub, action=Action.SUBMIT, from_state=State.DRAFT, to_state=State.SUBMITTED, actor=approver,
            at=sub.submitted_at, digest=sub.digest,
        )
        if state in (State.ACCEPTED, State.RETURNED):
            sub.decided_at, sub.decided_by = _at(submitted_on + dt.timedelta(days=2), 15), officer
            action = Action.ACCEPT if state == State.ACCEPTED else Action.RETURN
            sub.return_reason = reason if state == State.RETURNED else ""
            SubmissionEvent.objects.create(
                submission=sub, action=action, from_state=State.SUBMITTED, to_state=state, actor=officer, at=sub.decided_at,
                reason=sub.return_reason,
            )
    sub.save()
    return sub


def working_period(form: ReportForm, today: dt.date) -> Period | None:
    """The period departments are working on for ``form`` on ``today``: the newest started period that is
    not locked yet (open, due soon, or late but still editable). The demo puts its in-progress reports
    (draft, submitted, returned) there, so every state exists whatever day the demo is built."""
    for period in s.current_periods(form, today, count=2):
        if s.deadline_info(form, period, today).state != "locked":
            return period
    return None


@transaction.atomic
def build_demo(today: dt.date) -> dict[str, int]:
    """Create (or recreate) the demo reports; returns the number per state."""
    if not ReportForm.objects.exists():
        load_forms()
    keys = {}
    for uid in KEYED:
        from baocao.geo.models import AdminArea

        area = AdminArea.objects.filter(uid=uid).first()
        org = s.department_of(ReportForm.objects.get(code="ICT-Q"), area, Period.containing("quarter", today)) if area else None
        if org is not None:
            keys[uid] = DepartmentKey.objects.filter(organisation=org, active=True).first() or s.create_key(org)
    users = _users()
    counts: dict[str, int] = {}

    def add(sub: Submission | None) -> None:
        if sub is not None:
            counts[sub.state] = counts.get(sub.state, 0) + 1

    for form in ReportForm.objects.filter(active=True).select_related("regime"):
        periods = s.current_periods(form, today, count=5)
        working = working_period(form, today)
        for k, period in enumerate(periods):
            info = s.deadline_info(form, period, today)
            in_progress = period == working
            if k == 0 and not in_progress:
                continue  # nothing open for this form now; older periods follow
            if form.code != "ICT-Q" and k > 2:
                break
            areas = list(provinces_on(period.end).order_by("code"))
            if in_progress:
                _copy_forward(form, period, areas)
            for area in areas:
                r = _pick(form.code, period.code, area.uid)
                early = max(info.window_start, info.deadline - dt.timedelta(days=3 + r % 10))
                if in_progress:
                    early = min(early, today)
                    if area.uid == "P04":
                        add(_make(form, period, area, State.RETURNED, early, keys, users, RETURN_REASON))
                    elif area.uid == "P20":
                        add(_make(form, period, area, State.SUBMITTED, early, keys, users))
                    elif r < 15:
                        add(_make(form, period, area, State.ACCEPTED, early, keys, users))
                    elif r < 35:
                        add(_make(form, period, area, State.SUBMITTED, early, keys, users))
                    elif r < 60:
                        add(_make(form, period, area, State.DRAFT, None, keys, users))
                    continue
                if not DataValue.objects.filter(area=area, period=period.code).exists():
                    continue  # no demo values for this period
                late = info.deadline + dt.timedelta(days=1 + r % 12)
                if r < 6:
                    continue  # missing
                if r < 16:
                    add(_make(form, period, area, State.ACCEPTED, late, keys, users))
                elif r < 22:
                    add(_make(form, period, area, State.SUBMITTED, early, keys, users))
                elif r < 26:
                    add(_make(form, period, area, State.DRAFT, None, keys, users))
                else:
                    add(_make(form, period, area, State.ACCEPTED, early, keys, users))
    return counts
