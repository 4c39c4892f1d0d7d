"""Periodic reporting: who may do what, the entry rows, saving, the workflow, snapshots and signatures,
deadlines and completeness. Views and commands call these functions and never test roles themselves.

Scope (``allowed``) is the one place that says who may read or act on a report:

============================  ==========================================================
action                        who
============================  ==========================================================
``view``                      the Ministry's users; a department's users for their province
``enter`` (save values)       reporter or approver of the province, while draft/returned
``submit``                    approver (lãnh đạo Sở) of the province
``review`` (accept/return)    ministry officer or administrator
``reopen`` (accepted → draft) administrator
``completeness``              the Ministry's users
============================  ==========================================================
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils import timezone

from baocao.accounts.models import Role
from baocao.accounts.services import profile_of
from baocao.analytics.cache import ReferenceMemo, reference_token
from baocao.catalog.models import Indicator
from baocao.core.numbers import NumberFormatError, format_number, parse_number
from baocao.datavalues.models import DataValue, DataValueHistory
from baocao.datavalues.services import (
    IndicatorInfo,
    ValidatedValue,
    VersionConflict,
    _same,
    lock_values,
    set_value,
    validate_value,
    write_locked,
)
from baocao.geo.models import AdminArea
from baocao.periods import services as periods
from baocao.periods.services import Period, PeriodError

from . import adapters
from .models import (
    SUBMITTED_STATES,
    Action,
    DepartmentKey,
    FormItem,
    FormSection,
    FormVersion,
    ReportForm,
    State,
    Submission,
    SubmissionEvent,
)

# --- errors -----------------------------------------------------------------------------------------


class ReportingError(ValueError):
    """A request that cannot be carried out (wrong state, blocking errors); ``message`` is Vietnamese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Forbidden(PermissionError):  # noqa: N818 - mapped to 403 by the views
    """The user may not do this to this report (maps to HTTP 403)."""

    def __init__(self, message: str = "Bạn không có quyền thực hiện thao tác này.") -> None:
        super().__init__(message)
        self.message = message


class NotFound(LookupError):  # noqa: N818 - mapped to 404 by the views
    """No such form, period or province (maps to HTTP 404)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- scope ------------------------------------------------------------------------------------------

MINISTRY_READERS = {Role.MINISTRY_OFFICER, Role.MINISTRY_UNIT, Role.MINISTRY_ADMIN}
REVIEWERS = {Role.MINISTRY_OFFICER, Role.MINISTRY_ADMIN}
ENTERERS = {Role.PROVINCE_REPORTER, Role.PROVINCE_APPROVER}


def role_of(user: Any) -> str | None:
    """The user's role; a superuser without a profile counts as the administrator."""
    p = profile_of(user)
    if p is not None:
        return p.role
    if user is not None and getattr(user, "is_authenticated", False) and getattr(user, "is_superuser", False):
        return Role.MINISTRY_ADMIN
    return None


def _own_province(user: Any, area_id: int) -> bool:
    p = profile_of(user)
    return p is not None and p.role in ENTERERS and p.area_id is not None and p.area_id == area_id


def allowed(user: Any, action: str, area_id: int | None = None) -> bool:
    """May ``user`` do ``action`` (see the module docstring) on the report of province ``area_id``?"""
    role = role_of(user)
    if role is None:
        return False
    if action in ("view", "download"):
        return role in MINISTRY_READERS or (area_id is not None and _own_province(user, area_id))
    if action in ("enter", "upload"):
        return area_id is not None and _own_province(user, area_id)
    if action == "submit":
        return role == Role.PROVINCE_APPROVER and area_id is not None and _own_province(user, area_id)
    if action == "review":
        return role in REVIEWERS
    if action in ("reopen", "configure"):
        return role == Role.MINISTRY_ADMIN
    if action in ("completeness", "verify_all"):
        return role in MINISTRY_READERS
    return False


def require(user: Any, action: str, area_id: int | None = None) -> None:
    if not allowed(user, action, area_id):
        raise Forbidden(_FORBIDDEN.get(action, "Bạn không có quyền thực hiện thao tác này."))


_FORBIDDEN = {
    "view": "Bạn không có quyền xem báo cáo của tỉnh, thành phố này.",
    "download": "Bạn không có quyền tải báo cáo của tỉnh, thành phố này.",
    "enter": "Chỉ chuyên viên, lãnh đạo Sở của tỉnh, thành phố này được nhập số liệu.",
    "upload": "Chỉ chuyên viên, lãnh đạo Sở của tỉnh, thành phố này được tải lên số liệu.",
    "submit": "Chỉ lãnh đạo Sở của tỉnh, thành phố này được gửi báo cáo lên Bộ.",
    "review": "Chỉ chuyên viên Bộ được chấp nhận hoặc trả lại báo cáo.",
    "reopen": "Chỉ quản trị hệ thống được mở lại báo cáo đã chấp nhận.",
    "completeness": "Chỉ cán bộ của Bộ được xem tình hình nộp báo cáo.",
}


def visible_areas(user: Any) -> list[int] | None:
    """Province ids whose reports the user may read (None = every province)."""
    role = role_of(user)
    if role in MINISTRY_READERS:
        return None
    p = profile_of(user)
    if p is not None and p.role in ENTERERS and p.area_id:
        return [p.area_id]
    return []


# --- forms, versions, items -------------------------------------------------------------------------


def get_form(code: str) -> ReportForm:
    form = ReportForm.objects.select_related("regime").filter(code=code).first()
    if form is None:
        raise NotFound(f"Không có biểu mẫu mã “{code}”.")
    return form


def parse_form_period(form: ReportForm, code: str) -> Period:
    try:
        period = periods.parse_any(code)
    except PeriodError as exc:
        raise NotFound(str(exc)) from None
    if period.type != form.period_type:
        raise NotFound(f"Biểu {form.symbol} báo cáo theo {form.get_period_type_display().lower()}, không theo kỳ {period.label_vi}.")
    return period


def version_for(form: ReportForm, period: Period) -> FormVersion:
    """The version in force at the end of ``period`` (a version change applies from a date)."""
    version = FormVersion.objects.filter(form=form).valid_on(period.end).order_by("-number").first()
    if version is None:
        raise NotFound(f"Biểu {form.symbol} chưa có phiên bản áp dụng cho {period.label_vi}.")
    return version


@dataclass
class EntryItem:
    """One field of the form for a period, with its current and previous values."""

    item: FormItem
    indicator: Indicator
    key: str
    label: str
    section: str
    value: DataValue | None = None
    previous: Decimal | None = None
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    submitted: dict[str, str] | None = None  # what the user typed, when a save failed
    disaggs: frozenset[str] | None = None  # the indicator's disaggregation codes (None: not read)

    @property
    def needs_fraction(self) -> bool:
        return self.indicator.needs_fraction

    @property
    def decimals(self) -> int:
        return self.indicator.decimals or 0

    @property
    def change(self) -> Decimal | None:
        if self.value is None or self.previous is None:
            return None
        return self.value.value - self.previous

    @property
    def change_percent(self) -> Decimal | None:
        if self.change is None or not self.previous:
            return None
        return self.change * 100 / abs(self.previous)

    @property
    def shown_value(self) -> str:
        return self.shown("value")

    @property
    def shown_numerator(self) -> str:
        return self.shown("numerator")

    @property
    def shown_denominator(self) -> str:
        return self.shown("denominator")

    @property
    def shown_comment(self) -> str:
        return self.shown("comment")

    @property
    def change_text(self) -> str:
        return format_change(self)

    def shown(self, name: str) -> str:
        """The text of input ``name`` (value/numerator/denominator/comment) as the page shows it."""
        if self.submitted is not None:
            return self.submitted.get(name, "")
        if self.value is None:
            return ""
        if name == "comment":
            return self.value.comment
        number = getattr(self.value, name)
        return format_number(number) if number is not None else ""


def _indicator_valid(ind: Indicator, period: Period) -> bool:
    return (ind.valid_from is None or ind.valid_from <= period.end) and (ind.valid_to is None or ind.valid_to >= period.start)


def form_items(version: FormVersion, period: Period) -> list[tuple[FormSection, FormItem]]:
    """The version's items whose indicator is in force during ``period``, in order."""
    return [(section, item) for section, item, _ in _form_items(version, period)]


#: Form structure by (version, period) and disaggregation names, kept in memory until reference data change.
_FORM_MEMO = ReferenceMemo()


def _form_items(
    version: FormVersion, period: Period, token: str | None = None
) -> list[tuple[FormSection, FormItem, frozenset[str]]]:
    """``form_items`` with each indicator's disaggregation codes. The entry page reads this on every view:
    kept in memory per process until the reference data change (``analytics.cache.ReferenceMemo``;
    ``token``: the reference token when the caller has read it already); callers only read the objects."""
    return _FORM_MEMO.get(("items", version.pk, period.code), lambda: _read_form_items(version, period), token)


def _read_form_items(version: FormVersion, period: Period) -> list[tuple[FormSection, FormItem, frozenset[str]]]:
    sections = list(version.sections.prefetch_related(Prefetch("items", queryset=FormItem.objects.select_related("indicator"))))
    ind_ids = {item.indicator_id for section in sections for item in section.items.all()}
    codes: dict[int, set[str]] = {}
    through = Indicator.disaggregations.through
    for ind_id, code in through.objects.filter(indicator_id__in=ind_ids).values_list("indicator_id", "disaggregation__code"):
        codes.setdefault(ind_id, set()).add(code)
    out = []
    for section in sections:
        for item in section.items.all():
            ind = item.indicator
            if not _indicator_valid(ind, period):
                continue
            disaggs = frozenset(codes.get(ind.pk, ()))
            if item.disagg and item.disagg not in disaggs:
                continue
            out.append((section, item, disaggs))
    return out


def _disagg_names(token: str | None = None) -> dict[str, str]:
    from baocao.catalog.models import Disaggregation

    return _FORM_MEMO.get(("disagg_names",), lambda: dict(Disaggregation.objects.values_list("code", "name")), token)


def entry_items(sub: Submission, period: Period) -> list[EntryItem]:
    """The rows of the entry page: each item with its stored value and last period's value."""
    token = reference_token()  # read once for both memos
    pairs = _form_items(sub.version, period, token)
    names = _disagg_names(token)
    ind_ids = {item.indicator_id for _, item, _ in pairs}
    current = {
        (v.indicator_id, v.disagg): v
        for v in DataValue.objects.filter(area_id=sub.area_id, period=period.code, indicator_id__in=ind_ids)
    }
    prev_code = period.previous().code
    previous = {
        (i, d): v
        for i, d, v in DataValue.objects.filter(area_id=sub.area_id, period=prev_code, indicator_id__in=ind_ids).values_list(
            "indicator_id", "disagg", "value"
        )
    }
    rows = []
    for section, item, disaggs in pairs:
        ind = item.indicator
        label = item.label or ind.name
        if item.disagg:
            label = f"– {names.get(item.disagg, item.disagg)}"
        rows.append(
            EntryItem(
                item=item, indicator=ind, key=item.key, label=label, section=section.title,
                value=current.get((ind.pk, item.disagg)), previous=previous.get((ind.pk, item.disagg)), disaggs=disaggs,
            )
        )
    return rows


# --- submissions ------------------------------------------------------------------------------------


def resolve_area(uid: str, period: Period) -> AdminArea:
    area = AdminArea.objects.filter(uid=uid, level="province").first()
    if area is None:
        raise NotFound(f"Không có tỉnh, thành phố mã “{uid}”.")
    if not area.is_valid_on(period.end):
        raise NotFound(f"{area.name} không còn là đơn vị hành chính cấp tỉnh vào cuối {period.label_vi}.")
    return area


def department_of(form: ReportForm, area: AdminArea, period: Period) -> Any:
    from baocao.orgs.services import department_for

    try:
        return department_for(area, period.end, form.reporter_domain or None)
    except ValueError:
        return None


def open_submission(user: Any, form_code: str, period_code: str, area_uid: str, action: str = "view") -> tuple[Submission, Period]:
    """The report of (form, period, province) for ``user`` doing ``action``; unsaved when none exists yet.

    Raises ``NotFound`` for an unknown form/period/province, ``Forbidden`` when out of the user's scope
    (checked before anything is read or created)."""
    form = get_form(form_code)
    period = parse_form_period(form, period_code)
    area = resolve_area(area_uid, period)
    require(user, action, area.pk)
    sub = (
        Submission.objects.select_related("form", "form__regime", "version", "area", "organisation")
        .filter(form=form, area=area, period=period.code)
        .first()
    )
    if sub is None:
        sub = Submission(
            form=form, version=version_for(form, period), area=area, organisation=department_of(form, area, period),
            period=period.code, period_type=period.type, period_start=period.start, period_end=period.end,
        )
    return sub, period


def _event(sub: Submission, action: str, from_state: str, user: Any, reason: str = "", request: Any = None) -> None:
    now = timezone.now()
    SubmissionEvent.objects.create(
        submission=sub, action=action, from_state=from_state, to_state=sub.state, actor=user if _authenticated(user) else None,
        at=now, reason=reason, digest=sub.digest if action == Action.SUBMIT else "",
    )
    adapters.audit(
        f"reporting.{action}", actor=user, obj=sub, label=str(sub), area=sub.area, request=request,
        details={"from": from_state, "to": sub.state, "reason": reason, "period": sub.period, "form": sub.form.code,
                 "digest": sub.digest},
    )


def _authenticated(user: Any) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and getattr(user, "pk", None) is not None


def period_of(sub: Submission) -> Period:
    return periods.parse_period(sub.period)


# --- saving values ----------------------------------------------------------------------------------


@dataclass
class Problem:
    """A validation result shown beside the fields: ``severity`` is "error" or "warning"."""

    severity: str
    message: str
    keys: list[str] = field(default_factory=list)


@dataclass
class Conflict:
    """A field another user saved after this user read it: both values, to decide which one stays."""

    current: DataValue | None  # the stored value now (None: deleted meanwhile)
    mine: str  # what this user typed
    based_on: int | None  # the version this user's form was based on

    @property
    def current_text(self) -> str:
        return format_number(self.current.value) if self.current is not None else ""


@dataclass
class SaveResult:
    errors: dict[str, str] = field(default_factory=dict)  # field key → message (nothing was written)
    # field key → what someone else saved meanwhile and what this user typed (no lost update: refused)
    conflicts: dict[str, Conflict] = field(default_factory=dict)
    written: int = 0
    deleted: int = 0
    problems: list[Problem] = field(default_factory=list)
    submitted: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


class _Rollback(Exception):
    pass


_PART_VI = {"value": "Giá trị", "numerator": "Tử số", "denominator": "Mẫu số"}


def _parse(text: str, part: str) -> Decimal | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return parse_number(text)
    except NumberFormatError as exc:
        raise adapters.DataValueError(part, f"{_PART_VI[part]}: {exc}") from None


def _lock_check(sub: Submission, period: Period, today: dt.date | None = None) -> None:
    if not sub.editable:
        raise ReportingError(f"Báo cáo đang ở trạng thái “{sub.get_state_display()}”, không sửa được số liệu.")
    state = periods.deadline_state(period, today or timezone.localdate(), sub.form.regime)
    if state == "locked":
        lock = periods.lock_date(period, sub.form.regime)
        raise ReportingError(f"Kỳ {period.label_vi} đã khóa số liệu từ ngày {lock:%d/%m/%Y}.")


def save_values(
    sub: Submission,
    period: Period,
    user: Any,
    data: Mapping[str, Mapping[str, str]],
    *,
    source: str = "form",
    request: Any = None,
    today: dt.date | None = None,
    items: list[EntryItem] | None = None,
    outliers: bool = True,
) -> SaveResult:
    """Write the typed values of the report in one transaction through ``datavalues.set_value``.

    ``data`` maps a field key (``CODE`` or ``CODE.disagg``) to the typed texts ``value``,
    ``numerator``, ``denominator``, ``comment`` and the ``version`` the user read. Numbers are written
    the Vietnamese way (516.033; 16,2). A blank value deletes a stored one. Any bad field → every
    error is returned by field key and nothing is written. After a good save the validation rules
    run and their problems are returned. ``items``: the report's ``entry_items`` when the caller has
    just read them (the entry view, the Excel upload), so they are not read twice in one request.
    ``outliers=False``: the checks after the save leave out the outlier warnings (the entry view only
    needs to know whether errors remain; the page it redirects to shows every problem).

    The values of the report are read and locked in one query and the changes written together
    (``datavalues.write_locked``: history rows and version numbers as ``set_value`` keeps them).
    """
    require(user, "enter" if source == "form" else "upload", sub.area_id)
    _lock_check(sub, period, today)
    result = SaveResult(submitted={k: dict(v) for k, v in data.items()})
    was_new = sub.pk is None
    given = sub  # ``sub`` becomes the locked row below; a rolled-back new report is unsaved again for the caller
    rows = {r.key: r for r in (items if items is not None else entry_items(sub, period))}
    unknown = [k for k in data if k not in rows]
    if unknown:
        raise ReportingError(f"Biểu không có chỉ tiêu: {', '.join(sorted(unknown)[:5])}.")
    try:
        with transaction.atomic():
            if sub.pk is None:
                fresh, created = Submission.objects.get_or_create(
                    form=sub.form, area=sub.area, period=sub.period,
                    defaults={"version": sub.version, "organisation": sub.organisation, "period_type": sub.period_type,
                              "period_start": sub.period_start, "period_end": sub.period_end},
                )
                sub.pk = fresh.pk
                if created:
                    _event(fresh, Action.CREATE, "", user, request=request)
            # Lock the report: a submission running at the same moment waits, and a report that was
            # submitted meanwhile is refused here.
            locked = _load_for_update(sub)
            if not locked.editable:
                raise ReportingError(f"Báo cáo đang ở trạng thái “{locked.get_state_display()}”, không sửa được số liệu.")
            sub = locked
            pending = _Pending()
            current = lock_values(sub.area_id, period.code, {r.indicator.pk for r in rows.values()})
            by_pk = {v.pk: v for v in current.values()}
            infos: dict[int, IndicatorInfo] = {}
            for key, typed in data.items():
                row = rows[key]
                try:
                    _plan_one(sub, period, row, typed, user, source, result, current, by_pk, infos, pending)
                except VersionConflict as exc:
                    _conflict(result, key, typed, exc)
                except adapters.DataValueError as exc:
                    result.errors[key] = exc.message
            if result.errors:
                raise _Rollback
            try:
                write_locked(pending.updates, [vv for _, vv, _ in pending.creates], pending.deletes, user=user)
            except IntegrityError:
                # Another writer created one of the new keys meanwhile: write those one by one, as
                # ``set_value`` does (a conflict when this user expected no value).
                for key, vv, expected in pending.creates:
                    try:
                        set_value(
                            area=vv.area, indicator=vv.indicator, period=period, value=vv.value,
                            numerator=vv.numerator, denominator=vv.denominator, disagg=vv.disagg, comment=vv.comment,
                            source=vv.source, reporter=vv.reporter, user=user, expected_version=expected,
                            qualifier=vv.qualifier,
                        )
                    except VersionConflict as exc:
                        _conflict(result, key, data[key], exc)
                if result.errors:
                    raise _Rollback from None
            if result.written or result.deleted:
                Submission.objects.filter(pk=sub.pk).update(updated_at=timezone.now())
                adapters.audit(
                    "reporting.save", actor=user, obj=sub, label=str(sub), area=sub.area, request=request,
                    details={"written": result.written, "deleted": result.deleted, "source": source},
                )
    except _Rollback:
        result.written = result.deleted = 0
        if was_new:
            given.pk = sub.pk = None  # its row was rolled back too
        return result
    result.problems = check(sub, period, _reread(sub, period, list(rows.values())), outliers=outliers)
    return result


def _conflict(result: SaveResult, key: str, typed: Mapping[str, str], exc: VersionConflict) -> None:
    result.errors[key] = exc.message
    current = DataValue.objects.filter(pk=exc.current.pk).first() if exc.current is not None else None
    result.conflicts[key] = Conflict(current=current, mine=(typed.get("value") or "").strip(), based_on=exc.expected)


def _reread(sub: Submission, period: Period, rows: list[EntryItem]) -> list[EntryItem]:
    """``rows`` with the values stored now (one query): what was just saved and anything saved meanwhile."""
    stored = {
        (v.indicator_id, v.disagg): v
        for v in DataValue.objects.filter(
            area_id=sub.area_id, period=period.code, indicator_id__in={r.indicator.pk for r in rows}
        )
    }
    return [replace(r, value=stored.get((r.indicator.pk, r.item.disagg))) for r in rows]


@dataclass
class _Pending:
    """The changes of one save, checked, written together at the end (``datavalues.write_locked``)."""

    updates: list[tuple[DataValue, ValidatedValue]] = field(default_factory=list)
    creates: list[tuple[str, ValidatedValue, int | None]] = field(default_factory=list)  # key, value, expected
    deletes: list[DataValue] = field(default_factory=list)


def _plan_one(
    sub: Submission, period: Period, row: EntryItem, typed: Mapping[str, str], user: Any, source: str,
    result: SaveResult, current: dict[tuple[int, str], DataValue], by_pk: dict[int, DataValue],
    infos: dict[int, IndicatorInfo], pending: _Pending,
) -> None:
    """Check one field and add its change to ``pending``: the same decisions as ``set_value`` /
    ``delete_value`` on the rows locked by ``lock_values`` (version check, unchanged values kept)."""
    value = _parse(typed.get("value", ""), "value")
    numerator = _parse(typed.get("numerator", ""), "numerator") if row.needs_fraction else None
    denominator = _parse(typed.get("denominator", ""), "denominator") if row.needs_fraction else None
    comment = (typed.get("comment") or "").strip()
    version_text = (typed.get("version") or "").strip()
    expected = int(version_text) if version_text.isdigit() else None
    if expected is not None and _untouched(sub, period, row, expected, value, numerator, denominator, comment):
        return  # the user left this field as they read it; someone else changed it since: theirs stays
    if value is None:
        if numerator is not None or denominator is not None:
            raise adapters.DataValueError("value", "Có tử số/mẫu số nhưng thiếu giá trị")
        if row.value is not None:
            locked = by_pk.get(row.value.pk)
            if locked is not None:  # (deleted meanwhile: nothing to delete)
                if expected is not None and expected != locked.version:
                    raise VersionConflict(expected, locked, None)
                pending.deletes.append(locked)
            result.deleted += 1
        return
    if row.value is not None and not row.needs_fraction:
        numerator, denominator = row.value.numerator, row.value.denominator
        if numerator is not None and row.value.value != value:
            numerator = denominator = None
    stored = row.value
    if stored is not None and (stored.value, stored.numerator, stored.denominator, stored.comment) == (
        value, numerator, denominator, comment
    ):
        return  # unchanged on the page: keep the stored row as it is (its source, provenance, reporter)
    ind = row.indicator
    if ind.pk not in infos:
        infos[ind.pk] = IndicatorInfo.of(ind, row.disaggs)  # (None: read them)
    vv = validate_value(
        area=sub.area, indicator=ind, period=period, value=value, numerator=numerator, denominator=denominator,
        disagg=row.item.disagg, comment=comment, source=source, reporter=sub.organisation,
        qualifier=stored.qualifier if stored is not None else "exact", info=infos[ind.pk],
    )
    expected_version = expected if expected is not None else (stored.version if stored is not None else None)
    now = current.get((ind.pk, vv.disagg))
    if now is None:
        if expected_version:
            raise VersionConflict(expected_version, None, vv.value)
        pending.creates.append((row.key, vv, expected_version))
        result.written += 1
        return
    if expected_version is not None and expected_version != now.version:
        raise VersionConflict(expected_version, now, vv.value)
    if _same(now, vv):
        if stored is None or now.version != stored.version:
            result.written += 1  # as before: the stored version is not the one read
        return
    pending.updates.append((now, vv))
    result.written += 1


def _untouched(
    sub: Submission, period: Period, row: EntryItem, expected: int,
    value: Decimal | None, numerator: Decimal | None, denominator: Decimal | None, comment: str,
) -> bool:
    """True when what the user sent equals the state they read (version ``expected``) while the stored
    value has moved on: a form posts every field, and a field the user did not touch must neither
    overwrite a newer value nor be reported as a conflict. (Version 0: the user read no value.)"""
    stored = row.value
    if stored is not None and stored.version == expected:
        return False
    if expected == 0:
        return value is None and numerator is None and denominator is None and not comment
    seen = (
        DataValueHistory.objects.filter(
            area_id_ref=sub.area_id, indicator_id_ref=row.indicator.pk, period=period.code, disagg=row.item.disagg,
            version=expected,
        ).order_by("-id").first()
    )
    if seen is None or value is None:
        return False
    if seen.value != value or (seen.comment or "") != comment:
        return False
    return not row.needs_fraction or (seen.numerator, seen.denominator) == (numerator, denominator)


# --- validation -------------------------------------------------------------------------------------


def current_values(sub: Submission, period: Period, rows: list[EntryItem] | None = None) -> dict[tuple[str, str], DataValue]:
    rows = rows if rows is not None else entry_items(sub, period)
    return {(r.indicator.code, r.item.disagg): r.value for r in rows if r.value is not None}


def check(sub: Submission, period: Period, rows: list[EntryItem] | None = None, *, outliers: bool = True) -> list[Problem]:
    """Run the validation rules (errors and warnings) over the report's stored values; ``outliers``:
    with the outlier warnings (median/MAD against the history and the other provinces)."""
    values = current_values(sub, period, rows)
    return adapters.check_values(values, period=period, area=sub.area, outliers=outliers)


def attach_problems(rows: list[EntryItem], problems: Iterable[Problem]) -> list[Problem]:
    """Put each problem beside the fields it names; returns the problems that name no field of the page."""
    by_key = {r.key: r for r in rows}
    by_code: dict[str, list[EntryItem]] = {}
    for r in rows:
        by_code.setdefault(r.indicator.code, []).append(r)
    loose = []
    for p in problems:
        targets = [by_key[k] for k in p.keys if k in by_key] or [
            r for k in p.keys for r in by_code.get(k, [])[:1]
        ]
        if not targets:
            loose.append(p)
        for r in targets:
            (r.errors if p.severity == "error" else r.warnings).append(p.message)
    return loose


# --- snapshot, digest, signature --------------------------------------------------------------------


def _dec(d: Decimal | None) -> str | None:
    return None if d is None else format(Decimal(d).normalize(), "f")


def build_snapshot(sub: Submission, period: Period | None = None) -> dict[str, Any]:
    """The report's content as a JSON-ready dict: identity and every stored value (Decimals as strings)."""
    period = period or period_of(sub)
    values = {}
    for r in entry_items(sub, period):
        if r.value is None:
            continue
        v = r.value
        values[r.key] = {
            "value": _dec(v.value), "numerator": _dec(v.numerator), "denominator": _dec(v.denominator),
            "qualifier": v.qualifier, "comment": v.comment,
        }
    return {
        "form": sub.form.code,
        "symbol": sub.form.symbol,
        "version": sub.version.number,
        "area": sub.area.uid,
        "organisation": sub.organisation.uid if sub.organisation_id else None,
        "period": sub.period,
        "values": values,
    }


def canonical(snapshot: Mapping[str, Any]) -> bytes:
    """Canonical JSON bytes: sorted keys, no spaces, UTF-8."""
    return json.dumps(snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def digest_of(snapshot: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical(snapshot)).hexdigest()


def create_key(organisation: Any) -> DepartmentKey:
    """A fresh Ed25519 key pair for a department; earlier keys stay (old signatures still verify)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    priv = Ed25519PrivateKey.generate()
    raw_priv = priv.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    raw_pub = priv.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    DepartmentKey.objects.filter(organisation=organisation, active=True).update(active=False)
    return DepartmentKey.objects.create(
        organisation=organisation, public_key=base64.b64encode(raw_pub).decode(), private_key=base64.b64encode(raw_priv).decode()
    )


def _sign(key: DepartmentKey, data: bytes) -> str:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    priv = Ed25519PrivateKey.from_private_bytes(base64.b64decode(key.private_key))
    return base64.b64encode(priv.sign(data)).decode()


def _check_signature(key: DepartmentKey, data: bytes, signature: str) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        Ed25519PublicKey.from_public_bytes(base64.b64decode(key.public_key)).verify(base64.b64decode(signature), data)
    except (InvalidSignature, ValueError):
        return False
    return True


@dataclass
class Verification:
    ok: bool
    digest_ok: bool
    signature_ok: bool | None  # None: not signed
    message: str
    changed: list[str] = field(default_factory=list)


def verify(sub: Submission) -> Verification:
    """Recompute the snapshot from the stored values; check it against the digest and the signature."""
    if not sub.digest or sub.snapshot is None:
        return Verification(False, False, None, "Báo cáo chưa được gửi nên chưa có bản chốt để kiểm tra.")
    now = build_snapshot(sub)
    digest_ok = digest_of(now) == sub.digest and digest_of(sub.snapshot) == sub.digest
    changed = sorted(
        k for k in set(now["values"]) | set(sub.snapshot.get("values", {}))
        if now["values"].get(k) != sub.snapshot.get("values", {}).get(k)
    )
    signature_ok: bool | None = None
    if sub.signature:
        key = sub.signing_key
        signature_ok = key is not None and _check_signature(key, canonical(now), sub.signature)
    ok = digest_ok and signature_ok is not False
    if ok:
        msg = "Số liệu hiện lưu khớp với bản đã gửi (mã băm SHA-256 đúng"
        msg += ", chữ ký Ed25519 hợp lệ)." if signature_ok else "; báo cáo không có chữ ký số)."
    else:
        msg = "Số liệu hiện lưu KHÔNG khớp với bản đã gửi"
        if changed:
            msg += f": thay đổi ở {', '.join(changed[:10])}"
        if signature_ok is False:
            msg += "; chữ ký không hợp lệ"
        msg += "."
    return Verification(ok, digest_ok, signature_ok, msg, changed)


# --- workflow ---------------------------------------------------------------------------------------


def _load_for_update(sub: Submission) -> Submission:
    if sub.pk is None:
        raise ReportingError("Báo cáo chưa có số liệu nào.")
    return Submission.objects.select_for_update(of=("self",)).select_related("form", "form__regime", "version", "area", "organisation").get(pk=sub.pk)


def submit(sub: Submission, user: Any, *, request: Any = None, today: dt.date | None = None) -> Submission:
    """Approver sends the report to the Ministry: errors block, every warning needs a comment on its
    field; the values are frozen as a snapshot with its digest and signed with the department's key."""
    require(user, "submit", sub.area_id)
    with transaction.atomic():
        sub = _load_for_update(sub)
        period = period_of(sub)
        _lock_check(sub, period, today)
        rows = entry_items(sub, period)
        if not any(r.value is not None for r in rows):
            raise ReportingError("Báo cáo chưa có số liệu nào, không gửi được.")
        problems = check(sub, period, rows)
        errors = [p for p in problems if p.severity == "error"]
        if errors:
            raise ReportingError("Còn lỗi phải sửa trước khi gửi: " + "; ".join(p.message for p in errors[:5]))
        by_key = {r.key: r for r in rows}
        uncommented = []
        for p in problems:
            if p.severity != "warning":
                continue
            fields = [by_key[k] for k in p.keys if k in by_key] or [r for r in rows if r.indicator.code in p.keys]
            if fields and not any(f.value is not None and f.value.comment.strip() for f in fields):
                uncommented.append(p.message)
        if uncommented:
            raise ReportingError("Cảnh báo cần có ghi chú giải trình trước khi gửi: " + "; ".join(uncommented[:5]))
        snap = build_snapshot(sub, period)
        sub.snapshot = snap
        sub.digest = digest_of(snap)
        key = DepartmentKey.objects.filter(organisation=sub.organisation, active=True).first() if sub.organisation_id else None
        sub.signature = _sign(key, canonical(snap)) if key else ""
        sub.signing_key = key
        before = sub.state
        sub.state = State.SUBMITTED
        sub.submitted_at = timezone.now()
        sub.first_submitted_at = sub.first_submitted_at or sub.submitted_at
        sub.submitted_by = user
        sub.return_reason = ""
        sub.save()
        _event(sub, Action.SUBMIT, before, user, request=request)
    return sub


def accept(sub: Submission, user: Any, *, request: Any = None) -> Submission:
    require(user, "review", sub.area_id)
    with transaction.atomic():
        sub = _load_for_update(sub)
        if sub.state != State.SUBMITTED:
            raise ReportingError(f"Chỉ chấp nhận được báo cáo đã gửi (báo cáo đang “{sub.get_state_display()}”).")
        before, sub.state = sub.state, State.ACCEPTED
        sub.decided_at, sub.decided_by = timezone.now(), user
        sub.save()
        _event(sub, Action.ACCEPT, before, user, request=request)
    return sub


def return_(sub: Submission, user: Any, reason: str, *, request: Any = None) -> Submission:
    require(user, "review", sub.area_id)
    reason = (reason or "").strip()
    if not reason:
        raise ReportingError("Phải ghi lý do trả lại báo cáo.")
    with transaction.atomic():
        sub = _load_for_update(sub)
        if sub.state != State.SUBMITTED:
            raise ReportingError(f"Chỉ trả lại được báo cáo đã gửi (báo cáo đang “{sub.get_state_display()}”).")
        before, sub.state = sub.state, State.RETURNED
        sub.decided_at, sub.decided_by, sub.return_reason = timezone.now(), user, reason
        sub.save()
        _event(sub, Action.RETURN, before, user, reason, request=request)
    return sub


def reopen(sub: Submission, user: Any, reason: str, *, request: Any = None) -> Submission:
    require(user, "reopen", sub.area_id)
    reason = (reason or "").strip()
    if not reason:
        raise ReportingError("Phải ghi lý do mở lại báo cáo.")
    with transaction.atomic():
        sub = _load_for_update(sub)
        if sub.state not in SUBMITTED_STATES:
            raise ReportingError(f"Chỉ mở lại được báo cáo đã gửi hoặc đã chấp nhận (báo cáo đang “{sub.get_state_display()}”).")
        before, sub.state = sub.state, State.DRAFT
        sub.save()
        _event(sub, Action.REOPEN, before, user, reason, request=request)
    return sub


# --- deadlines --------------------------------------------------------------------------------------

STATE_VI = {"open": "Đang mở", "due_soon": "Sắp đến hạn", "late": "Quá hạn", "locked": "Đã khóa"}


@dataclass(frozen=True)
class Deadline:
    window_start: dt.date
    window_end: dt.date
    deadline: dt.date
    lock_date: dt.date
    state: str

    @property
    def state_vi(self) -> str:
        return STATE_VI[self.state]


def deadline_info(form: ReportForm, period: Period, today: dt.date | None = None) -> Deadline:
    """The one deadline model: window, deadline and lock date from the form's regime; the state computed."""
    today = today or timezone.localdate()
    start, end = periods.window(period, form.regime)
    return Deadline(
        start, end, periods.deadline(period, form.regime), periods.lock_date(period, form.regime),
        periods.deadline_state(period, today, form.regime),
    )


def current_periods(form: ReportForm, today: dt.date | None = None, count: int = 4) -> list[Period]:
    """The periods a department works on now: the latest ``count`` periods that have started, newest first."""
    today = today or timezone.localdate()
    try:
        p = Period.containing(form.period_type, today)
    except PeriodError:
        p = Period(form.period_type, today.year - 1, 1)
    return [p.shift(-i) for i in range(count)]


# --- completeness and timeliness --------------------------------------------------------------------


@dataclass
class ProvinceStatus:
    area: AdminArea
    submission: Submission | None
    timeliness: str | None  # early / on_time / late, from the first submission

    @property
    def reported(self) -> bool:
        return self.submission is not None and self.submission.state in SUBMITTED_STATES

    @property
    def on_time(self) -> bool:
        return self.reported and self.timeliness in ("early", "on_time")


@dataclass
class Completeness:
    form: ReportForm
    period: Period
    deadline: Deadline
    rows: list[ProvinceStatus]

    @property
    def expected(self) -> int:
        return len(self.rows)

    @property
    def submitted(self) -> int:
        return sum(r.reported for r in self.rows)

    @property
    def on_time(self) -> int:
        return sum(r.on_time for r in self.rows)

    @property
    def late(self) -> int:
        return self.submitted - self.on_time

    @property
    def missing(self) -> list[ProvinceStatus]:
        return [r for r in self.rows if not r.reported]


def _timeliness(sub: Submission | None, period: Period, regime: Any) -> str | None:
    if sub is None or sub.first_submitted_at is None:
        return None
    return periods.timeliness(period, timezone.localtime(sub.first_submitted_at).date(), regime)


def completeness(form: ReportForm, period: Period, today: dt.date | None = None) -> Completeness:
    """Who has reported ``form`` for ``period``: the provinces valid at the period's end."""
    from baocao.geo.services import provinces_on

    provinces = list(provinces_on(period.end).order_by("code"))
    subs = {
        s.area_id: s
        for s in Submission.objects.filter(form=form, period=period.code).select_related("submitted_by").defer("snapshot")
    }
    rows = [ProvinceStatus(a, subs.get(a.pk), _timeliness(subs.get(a.pk), period, form.regime)) for a in provinces]
    return Completeness(form, period, deadline_info(form, period, today), rows)


def completeness_history(form: ReportForm, last: Period, count: int = 8, today: dt.date | None = None) -> list[Completeness]:
    """Completeness of the ``count`` periods ending with ``last``, newest first."""
    return [completeness(form, last.shift(-i), today) for i in range(count)]


MARK = {"on_time": ("✓", "Đúng hạn"), "late": ("!", "Muộn"), "missing": ("–", "Chưa gửi"), "none": ("", "Không có trong kỳ")}


def province_matrix(report: Completeness, history: list[Completeness]) -> list[dict[str, Any]]:
    """For each province of ``report``: its status in each period of ``history`` (oldest first).

    A status is on_time / late / missing, or none when the province did not exist in that period
    (before the 2025 reform a merged province's predecessors reported instead)."""
    by_period = [{r.area.pk: r for r in h.rows} for h in reversed(history)]
    out = []
    for row in report.rows:
        cells = []
        for h, rows in zip(reversed(history), by_period, strict=True):
            r = rows.get(row.area.pk)
            key = "none" if r is None else ("on_time" if r.on_time else "late" if r.reported else "missing")
            cells.append({"period": h.period, "status": key, "mark": MARK[key][0], "title": MARK[key][1]})
        out.append({"area": row.area, "cells": cells})
    return out


def format_change(row: EntryItem) -> str:
    if row.change is None:
        return ""
    sign = "+" if row.change > 0 else ""
    text = f"{sign}{format_number(row.change, row.decimals if row.decimals else None)}"
    if row.change_percent is not None:
        text += f" ({sign}{format_number(row.change_percent, 1)}%)"
    return text
