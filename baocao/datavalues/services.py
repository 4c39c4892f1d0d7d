"""Data values: validate, write, delete and trace them, one value or a million at a time.

Every rule about a value lives here once and is used by the single-value path (``set_value``,
used by forms, the admin and the API) and by the bulk path (``bulk_write``, used by the demo
generator and imports):

- ``check_indicator_in_period`` / ``check_area_in_period``: validity intervals must overlap the period;
- ``check_disagg``, ``check_qualifier``, ``check_source``: known codes only;
- ``clean_numbers``: the value (and numerator/denominator) fits the indicator's value type.

History: whenever a stored value is replaced or deleted, its previous state is copied into
``DataValueHistory`` in the same transaction (``_copy_to_history``, one SQL statement shared by
both paths). A value's story is its history rows followed by the current row (``value_history``).
"""

from __future__ import annotations

import datetime as dt
import json
import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from baocao.core.numbers import format_number

from .models import DataValue, DataValueHistory, HistoryAction, Qualifier, Source

_Q6 = Decimal("0.000001")
_LIMIT = Decimal(10) ** 18  # max_digits=24, decimal_places=6
_HUNDRED = Decimal(100)
_FIELD_VI = {"value": "Giá trị", "numerator": "Tử số", "denominator": "Mẫu số"}
QUALIFIERS = frozenset(Qualifier.values)
SOURCES = frozenset(Source.values)


# --- errors ---------------------------------------------------------------------------------------


class DataValueError(ValueError):
    """A value that cannot be stored: ``field`` names the offending input, ``message`` says why (Vietnamese)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class VersionConflict(DataValueError):
    """The value changed since the caller read it (optimistic locking, ``expected_version``)."""

    def __init__(self, expected: int | None, current: DataValue | None, attempted: Decimal | None) -> None:
        self.expected = expected
        self.current = current
        self.attempted = attempted
        self.current_version = current.version if current is not None else None
        self.current_value = current.value if current is not None else None
        if current is None:
            msg = (
                f"Số liệu không còn tồn tại (bạn sửa từ phiên bản {expected}); "
                f"giá trị bạn nhập: {format_number(attempted)}"
            )
        else:
            msg = (
                f"Số liệu đã được người khác sửa: phiên bản hiện tại là {current.version} "
                f"(giá trị {format_number(current.value)}), bạn sửa từ phiên bản {expected} "
                f"(giá trị bạn nhập {format_number(attempted)}). Hãy tải lại và kiểm tra trước khi lưu."
            )
        super().__init__("version", msg)


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"Dòng {self.row}, trường {self.field}: {self.message}"


class BulkError(ValueError):
    """Raised by an atomic ``bulk_write`` when any row is invalid; nothing was written."""

    def __init__(self, errors: list[RowError], truncated: bool = False) -> None:
        self.errors = errors
        self.truncated = truncated
        more = " (và có thể còn lỗi khác)" if truncated else ""
        lines = "\n".join(str(e) for e in errors[:20])
        super().__init__(f"{len(errors)} dòng lỗi{more}, không ghi số liệu nào:\n{lines}")


@dataclass
class BulkResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def written(self) -> int:
        return self.created + self.updated


# --- light views of the reference data (built once for bulk, per call for single values) --------


@dataclass(frozen=True, slots=True)
class IndicatorInfo:
    id: int
    code: str
    value_type: str
    decimals: int
    min_value: Decimal | None
    max_value: Decimal | None
    valid_from: dt.date | None
    valid_to: dt.date | None
    disaggs: frozenset[str]

    @classmethod
    def of(cls, ind: Any, disaggs: Iterable[str] | None = None) -> IndicatorInfo:
        if disaggs is None:
            disaggs = ind.disaggregations.values_list("code", flat=True) if ind.pk else ()
        return cls(
            ind.pk, ind.code, ind.value_type, ind.decimals or 0, ind.min_value, ind.max_value,
            ind.valid_from, ind.valid_to, frozenset(disaggs),
        )


@dataclass(frozen=True, slots=True)
class AreaInfo:
    id: int
    uid: str
    name: str
    valid_from: dt.date | None
    valid_to: dt.date | None

    @classmethod
    def of(cls, area: Any) -> AreaInfo:
        return cls(area.pk, area.uid, area.name, area.valid_from, area.valid_to)


def _d(day: dt.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def _interval(valid_from: dt.date | None, valid_to: dt.date | None) -> str:
    if valid_from and valid_to:
        return f"từ {_d(valid_from)} đến {_d(valid_to)}"
    if valid_from:
        return f"từ {_d(valid_from)}"
    return f"đến {_d(valid_to)}"


def _period_text(period: Any) -> str:
    label = getattr(period, "label_vi", None) or period.code
    return f"{label} ({_d(period.start)}–{_d(period.end)})"


def _overlaps(valid_from: dt.date | None, valid_to: dt.date | None, start: dt.date, end: dt.date) -> bool:
    return (valid_from is None or valid_from <= end) and (valid_to is None or valid_to >= start)


# --- the rules ------------------------------------------------------------------------------------


def parse_period_field(period: Any) -> Any:
    """A ``Period`` from a code (``2020Q3``), a Vietnamese label (``Quý III/2020``) or a Period."""
    from baocao.periods.services import PeriodError, parse_any

    if hasattr(period, "start") and hasattr(period, "code"):
        return period
    if not isinstance(period, str) or not period.strip():
        raise DataValueError("period", "Thiếu kỳ báo cáo")
    try:
        return parse_any(period.strip())
    except PeriodError as exc:
        raise DataValueError("period", str(exc)) from exc


def check_indicator_in_period(ind: IndicatorInfo, period: Any) -> None:
    """The indicator must be in force on at least one day of the period."""
    if not _overlaps(ind.valid_from, ind.valid_to, period.start, period.end):
        raise DataValueError(
            "indicator",
            f"Chỉ tiêu {ind.code} chỉ có hiệu lực {_interval(ind.valid_from, ind.valid_to)}, "
            f"không dùng được cho kỳ {_period_text(period)}",
        )


def check_area_in_period(area: AreaInfo, period: Any) -> None:
    """The area (e.g. a province before or after the 2025 reform) must exist on at least one day of the period."""
    if not _overlaps(area.valid_from, area.valid_to, period.start, period.end):
        raise DataValueError(
            "area",
            f"Đơn vị {area.name} ({area.uid}) chỉ có hiệu lực {_interval(area.valid_from, area.valid_to)}, "
            f"không có trong kỳ {_period_text(period)}",
        )


def check_disagg(ind: IndicatorInfo, disagg: str) -> None:
    if disagg and disagg not in ind.disaggs:
        known = ", ".join(sorted(ind.disaggs)) or "không có phân tổ nào"
        raise DataValueError("disagg", f"Phân tổ “{disagg}” không có trong chỉ tiêu {ind.code} ({known})")


def check_qualifier(qualifier: str) -> None:
    if qualifier not in QUALIFIERS:
        raise DataValueError(
            "qualifier", f"Mức chính xác “{qualifier}” không hợp lệ (chọn một trong: {', '.join(Qualifier.values)})"
        )


def check_source(source: str) -> None:
    if source not in SOURCES:
        raise DataValueError("source", f"Nguồn “{source}” không hợp lệ (chọn một trong: {', '.join(Source.values)})")


def check_provenance(provenance: Any) -> None:
    """Provenance is a JSON object (for extracted values: document and character span) or nothing."""
    if provenance is None:
        return
    message = "Xuất xứ phải là một đối tượng JSON (ví dụ tài liệu và vị trí ký tự)"
    if not isinstance(provenance, dict):
        raise DataValueError("provenance", message)
    try:
        json.dumps(provenance)
    except (TypeError, ValueError):
        raise DataValueError("provenance", message) from None


def to_decimal(raw: Any, field_name: str) -> Decimal | None:
    """Decimal from int, Decimal, float or a plain numeric string, rounded to 6 decimals; None stays None."""
    t = type(raw)
    try:
        if t is int:
            d = Decimal(raw)
        elif t is Decimal:
            d = raw
        elif raw is None:
            return None
        elif t is str:
            s = raw.strip()
            if not s:
                return None
            d = Decimal(s)
        elif t is float:
            d = Decimal(repr(raw))
        elif isinstance(raw, bool):
            raise InvalidOperation
        elif isinstance(raw, (int, Decimal)):
            d = Decimal(raw)
        else:
            raise InvalidOperation
        if not d.is_finite():
            raise InvalidOperation
        d = d.quantize(_Q6)
    except (InvalidOperation, ValueError, TypeError):
        raise DataValueError(field_name, f"{_FIELD_VI.get(field_name, field_name)} “{raw}” không phải là số") from None
    if -_LIMIT >= d or d >= _LIMIT:
        raise DataValueError(field_name, f"{_FIELD_VI.get(field_name, field_name)} {raw} quá lớn")
    return d


def _fmt(d: Decimal) -> str:
    return format_number(d)


def clean_numbers(
    ind: IndicatorInfo, value: Any, numerator: Any = None, denominator: Any = None, qualifier: str = "exact"
) -> tuple[Decimal, Decimal | None, Decimal | None]:
    """Check the value (and numerator/denominator) against the indicator's value type and bounds.

    - count: a whole number ≥ 0; money, density: ≥ 0 unless the catalog sets a lower bound;
      boolean: 0 or 1; every type: within the indicator's ``min_value``/``max_value``.
    - fraction ("158/199 xã"): numerator and denominator are required, 0 ≤ numerator ≤ denominator,
      denominator > 0, and the value is the numerator.
    - percent with numerator/denominator: the value is 100 × numerator / denominator, within rounding
      (0,5 point; 1 point when the figure is approximate).
    """
    v = to_decimal(value, "value")
    if v is None:
        raise DataValueError("value", "Thiếu giá trị")
    num = None if numerator is None else to_decimal(numerator, "numerator")
    den = None if denominator is None else to_decimal(denominator, "denominator")
    vt = ind.value_type
    if vt == "count":
        if v != v.to_integral_value():
            raise DataValueError("value", f"Chỉ tiêu {ind.code} là số lượng, phải là số nguyên (nhận {_fmt(v)})")
        if v < 0:
            raise DataValueError("value", f"Chỉ tiêu {ind.code} là số lượng, không được âm (nhận {_fmt(v)})")
    elif vt == "boolean":
        if v not in (0, 1):
            raise DataValueError("value", f"Chỉ tiêu {ind.code} là có/không, giá trị phải là 0 hoặc 1 (nhận {_fmt(v)})")
    elif vt in ("money", "density", "fraction") and ind.min_value is None and v < 0:
        raise DataValueError("value", f"Giá trị của chỉ tiêu {ind.code} không được âm (nhận {_fmt(v)})")
    if ind.min_value is not None and v < ind.min_value:
        raise DataValueError("value", f"Giá trị {_fmt(v)} nhỏ hơn mức tối thiểu {_fmt(ind.min_value)} của chỉ tiêu {ind.code}")
    if ind.max_value is not None and v > ind.max_value:
        raise DataValueError("value", f"Giá trị {_fmt(v)} lớn hơn mức tối đa {_fmt(ind.max_value)} của chỉ tiêu {ind.code}")

    if vt == "fraction":
        if num is None:
            num = v  # "158/199": the value is the numerator
        if den is None:
            raise DataValueError("denominator", f"Chỉ tiêu {ind.code} dạng tử số/mẫu số: thiếu mẫu số")
    if num is None and den is None:
        return v, None, None
    if den is None:
        raise DataValueError("denominator", "Có tử số nhưng thiếu mẫu số")
    if num is None:
        raise DataValueError("numerator", "Có mẫu số nhưng thiếu tử số")
    if den <= 0:
        raise DataValueError("denominator", f"Mẫu số phải lớn hơn 0 (nhận {_fmt(den)})")
    if num < 0:
        raise DataValueError("numerator", f"Tử số không được âm (nhận {_fmt(num)})")
    if vt in ("fraction", "percent") and num > den:
        raise DataValueError("denominator", f"Tử số ({_fmt(num)}) lớn hơn mẫu số ({_fmt(den)})")
    if vt == "fraction":
        if v != num:
            raise DataValueError(
                "value", f"Giá trị ({_fmt(v)}) phải bằng tử số ({_fmt(num)}) với chỉ tiêu dạng tử số/mẫu số"
            )
    elif vt == "percent":
        expected = num * _HUNDRED / den
        tolerance = Decimal("0.5") if qualifier == Qualifier.EXACT else Decimal(1)
        if abs(v - expected) > tolerance:
            raise DataValueError(
                "value",
                f"Tỷ lệ {_fmt(v)}% không khớp với tử số/mẫu số {_fmt(num)}/{_fmt(den)} "
                f"(= {format_number(expected, 1)}%)",
            )
    return v, num, den


# --- resolving inputs -----------------------------------------------------------------------------


def _resolve(model: Any, key: str, ref: Any, field: str, what: str) -> Any:
    """An instance, a primary key or a code (``key``) → the row; a clear DataValueError otherwise."""
    if isinstance(ref, model):
        return ref
    if isinstance(ref, int):
        found = model.objects.filter(pk=ref).first()
    elif isinstance(ref, str) and ref.strip():
        found = model.objects.filter(**{key: ref.strip()}).first()
    else:
        raise DataValueError(field, f"Thiếu mã {what}")
    if found is None:
        raise DataValueError(field, f"Không có {what} mã “{ref}”")
    return found


def _resolve_indicator(indicator: Any) -> Any:
    from baocao.catalog.models import Indicator

    return _resolve(Indicator, "code", indicator, "indicator", "chỉ tiêu")


def _resolve_area(area: Any) -> Any:
    from baocao.geo.models import AdminArea

    return _resolve(AdminArea, "uid", area, "area", "đơn vị")


def _resolve_reporter(reporter: Any) -> Any:
    from baocao.orgs.models import Organisation

    if reporter is None or reporter == "" or isinstance(reporter, Organisation):
        return reporter or None
    q = Organisation.objects.filter(pk=reporter) if isinstance(reporter, int) else Organisation.objects.filter(uid=reporter)
    found = q.first()
    if found is None:
        raise DataValueError("reporter", f"Không có cơ quan, đơn vị mã “{reporter}”")
    return found


@dataclass
class ValidatedValue:
    """A value that passed every rule, with its references resolved."""

    area: Any
    indicator: Any
    period: Any
    value: Decimal
    numerator: Decimal | None
    denominator: Decimal | None
    disagg: str
    qualifier: str
    comment: str
    source: str
    provenance: Any
    reporter: Any


def validate_value(
    *,
    area: Any,
    indicator: Any,
    period: Any,
    value: Any,
    numerator: Any = None,
    denominator: Any = None,
    disagg: str | None = "",
    qualifier: str | None = "exact",
    comment: str | None = "",
    source: str,
    provenance: Any = None,
    reporter: Any = None,
    info: IndicatorInfo | None = None,
) -> ValidatedValue:
    """Check one value against every rule; raise ``DataValueError`` naming the field, or return it cleaned.

    ``info``: the indicator's ``IndicatorInfo`` when the caller has it (its disaggregations already
    read), so checking many values of one report does not read them once per value."""
    ind = _resolve_indicator(indicator)
    ar = _resolve_area(area)
    per = parse_period_field(period)
    disagg = (disagg or "").strip()
    qualifier = qualifier or Qualifier.EXACT
    check_source(source)
    check_qualifier(qualifier)
    if info is None or info.id != ind.pk:
        info = IndicatorInfo.of(ind)
    check_indicator_in_period(info, per)
    check_area_in_period(AreaInfo.of(ar), per)
    check_disagg(info, disagg)
    v, num, den = clean_numbers(info, value, numerator, denominator, qualifier)
    check_provenance(provenance)
    return ValidatedValue(
        ar, ind, per, v, num, den, disagg, qualifier, comment or "", source, provenance, _resolve_reporter(reporter)
    )


# --- history --------------------------------------------------------------------------------------

_DV = DataValue._meta.db_table
_HIST = DataValueHistory._meta.db_table


def _copy_to_history(ids: list[int], action: str, now: dt.datetime, user_id: int | None, raw: Any = None) -> None:
    """Copy the current state of values ``ids`` into the history table (one statement, same transaction).

    ``raw``: a DB-API connection to use instead of Django's (the bulk writer's background thread)."""
    if not ids:
        return
    ops = connection.ops
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        marks = ",".join(["%s"] * len(chunk))
        with connection.cursor() if raw is None else raw.cursor() as cur:
            cur.execute(
                f"INSERT INTO {_HIST} (value_id_ref, action, area_id_ref, indicator_id_ref, period, disagg, value,"
                " numerator, denominator, qualifier, comment, source, provenance, version, valid_since,"
                " replaced_at, replaced_by_id, changed_by_ref, reporter_id_ref)"
                " SELECT id, %s, area_id, indicator_id, period, disagg, value, numerator, denominator, qualifier,"
                " comment, source, provenance, version, updated_at, %s, %s, updated_by_id, reporter_id"
                f" FROM {_DV} WHERE id IN ({marks})",
                [action, ops.adapt_datetimefield_value(now), user_id, *chunk],
            )


def _same(current: DataValue, new: ValidatedValue) -> bool:
    return (
        current.value == new.value
        and current.numerator == new.numerator
        and current.denominator == new.denominator
        and current.qualifier == new.qualifier
        and current.comment == new.comment
        and current.source == new.source
        and current.provenance == new.provenance
        and current.reporter_id == (new.reporter.pk if new.reporter else None)
    )


def _key_filter(area: Any, indicator: Any, period_code: str, disagg: str) -> dict[str, Any]:
    return {"area": area, "indicator": indicator, "period": period_code, "disagg": disagg}


def set_value(
    *,
    area: Any,
    indicator: Any,
    period: Any,
    value: Any,
    numerator: Any = None,
    denominator: Any = None,
    disagg: str | None = "",
    qualifier: str | None = "exact",
    comment: str | None = "",
    source: str,
    provenance: Any = None,
    reporter: Any = None,
    user: Any = None,
    expected_version: int | None = None,
) -> DataValue:
    """Create or update one value; an update keeps the previous state in the history and bumps ``version``.

    ``expected_version`` (optimistic locking): the version the caller read; a mismatch raises
    ``VersionConflict`` and writes nothing. ``0`` means "I expect no value yet". Writing the same
    fields again changes nothing (no history row, same version).
    """
    with transaction.atomic():
        vv = validate_value(
            area=area, indicator=indicator, period=period, value=value, numerator=numerator,
            denominator=denominator, disagg=disagg, qualifier=qualifier, comment=comment, source=source,
            provenance=provenance, reporter=reporter,
        )
        user_id = user.pk if user is not None else None
        now = timezone.now()
        key = _key_filter(vv.area, vv.indicator, vv.period.code, vv.disagg)
        current = DataValue.objects.select_for_update().filter(**key).first()
        if current is None:
            if expected_version:
                raise VersionConflict(expected_version, None, vv.value)
            try:
                with transaction.atomic():  # savepoint: another writer may create the same key first
                    return DataValue.objects.create(
                        **key, period_type=vv.period.type, period_start=vv.period.start,
                        period_end=vv.period.end, value=vv.value, numerator=vv.numerator,
                        denominator=vv.denominator, qualifier=vv.qualifier, comment=vv.comment, source=vv.source,
                        provenance=vv.provenance, reporter=vv.reporter, version=1,
                        created_at=now, created_by_id=user_id, updated_at=now, updated_by_id=user_id,
                    )
            except IntegrityError:
                current = DataValue.objects.select_for_update().filter(**key).first()
                if current is None:
                    raise
                if expected_version == 0:
                    raise VersionConflict(0, current, vv.value) from None
        if expected_version is not None and expected_version != current.version:
            raise VersionConflict(expected_version, current, vv.value)
        if _same(current, vv):
            return current
        _copy_to_history([current.pk], HistoryAction.UPDATE, now, user_id)
        current.value, current.numerator, current.denominator = vv.value, vv.numerator, vv.denominator
        current.qualifier, current.comment, current.source = vv.qualifier, vv.comment, vv.source
        current.provenance, current.reporter = vv.provenance, vv.reporter
        current.version += 1
        current.updated_at, current.updated_by_id = now, user_id
        current.save()
        return current


# --- many values of one (area, period) at once (the entry form's save) ------------------------------


def lock_values(area_id: int, period_code: str, indicator_ids: Iterable[int]) -> dict[tuple[int, str], DataValue]:
    """The stored values of ``area_id`` / ``period_code`` for ``indicator_ids``, locked for update
    (one query): (indicator_id, disagg) → ``DataValue``. Call inside a transaction."""
    qs = DataValue.objects.select_for_update().filter(
        area_id=area_id, period=period_code, indicator_id__in=list(indicator_ids)
    )
    return {(v.indicator_id, v.disagg): v for v in qs}


_UPDATE_FIELDS = ["value", "numerator", "denominator", "qualifier", "comment", "source", "reporter", "version",
                  "updated_at", "updated_by_id"]


def _update_rows(rows: list[DataValue]) -> None:
    """``UPDATE`` the ``_UPDATE_FIELDS`` of ``rows`` by primary key, one statement run for all rows (the
    entry form saves a few values at a time; ``bulk_update``'s CASE expressions cost more to build)."""
    if not rows:
        return
    fields = [DataValue._meta.get_field(name) for name in _UPDATE_FIELDS]
    q = connection.ops.quote_name
    sql = (
        f"UPDATE {q(DataValue._meta.db_table)} SET " + ", ".join(f"{q(f.column)} = %s" for f in fields) + " WHERE id = %s"
    )
    params = [[f.get_db_prep_save(getattr(r, f.attname), connection) for f in fields] + [r.pk] for r in rows]
    with connection.cursor() as cur:
        cur.executemany(sql, params)


def write_locked(
    updates: list[tuple[DataValue, ValidatedValue]],
    creates: list[ValidatedValue],
    deletes: list[DataValue],
    *,
    user: Any = None,
) -> list[DataValue]:
    """Write checked changes over rows read with ``lock_values`` in the same transaction, in a few
    statements: the history keeps the previous state of every updated or deleted value (as
    ``set_value`` / ``delete_value`` do), updated values get ``version + 1``, new ones version 1.

    The caller has done the version checks and left out unchanged values (``_same``). Creating a key
    that another writer created meanwhile raises ``IntegrityError`` inside a savepoint and writes no new
    value; updates and deletes are done by then. Returns the created values."""
    user_id = user.pk if user is not None else None
    now = timezone.now()
    if deletes:
        ids = [d.pk for d in deletes]
        _copy_to_history(ids, HistoryAction.DELETE, now, user_id)
        DataValue.objects.filter(pk__in=ids).delete()
    if updates:
        _copy_to_history([cur.pk for cur, _ in updates], HistoryAction.UPDATE, now, user_id)
        clear_provenance = []
        saved: set[int] = set()
        for cur, vv in updates:
            cur.value, cur.numerator, cur.denominator = vv.value, vv.numerator, vv.denominator
            cur.qualifier, cur.comment, cur.source = vv.qualifier, vv.comment, vv.source
            cur.reporter = vv.reporter
            cur.version += 1
            cur.updated_at, cur.updated_by_id = now, user_id
            if cur.provenance != vv.provenance:
                if vv.provenance is not None:  # not the entry form's case: one plain save keeps JSON exact
                    cur.provenance = vv.provenance
                    cur.save()
                    saved.add(cur.pk)
                    continue
                clear_provenance.append(cur.pk)
                cur.provenance = None
        _update_rows([cur for cur, _ in updates if cur.pk not in saved])
        if clear_provenance:
            DataValue.objects.filter(pk__in=clear_provenance).update(provenance=None)
    created: list[DataValue] = []
    if creates:
        created = [
            DataValue(
                area=vv.area, indicator=vv.indicator, period=vv.period.code, disagg=vv.disagg,
                period_type=vv.period.type, period_start=vv.period.start, period_end=vv.period.end,
                value=vv.value, numerator=vv.numerator, denominator=vv.denominator, qualifier=vv.qualifier,
                comment=vv.comment, source=vv.source, provenance=vv.provenance, reporter=vv.reporter, version=1,
                created_at=now, created_by_id=user_id, updated_at=now, updated_by_id=user_id,
            )
            for vv in creates
        ]
        with transaction.atomic():  # savepoint: another writer may create one of the keys first
            DataValue.objects.bulk_create(created)
    return created


def _find_value(area: Any, indicator: Any, period: Any, disagg: str = "") -> tuple[Any, Any, Any, str]:
    ind = _resolve_indicator(indicator)
    ar = _resolve_area(area)
    per = parse_period_field(period)
    return ar, ind, per, (disagg or "").strip()


def delete_value(
    value: DataValue | None = None,
    *,
    area: Any = None,
    indicator: Any = None,
    period: Any = None,
    disagg: str = "",
    user: Any = None,
    expected_version: int | None = None,
) -> bool:
    """Delete one value (given as a ``DataValue`` or by its key), keeping its last state in the history.

    Returns False when there was nothing to delete.
    """
    with transaction.atomic():
        if value is not None:
            current = DataValue.objects.select_for_update().filter(pk=value.pk).first()
        else:
            ar, ind, per, disagg = _find_value(area, indicator, period, disagg)
            current = DataValue.objects.select_for_update().filter(**_key_filter(ar, ind, per.code, disagg)).first()
        if current is None:
            return False
        if expected_version is not None and expected_version != current.version:
            raise VersionConflict(expected_version, current, None)
        _copy_to_history([current.pk], HistoryAction.DELETE, timezone.now(), user.pk if user is not None else None)
        current.delete()
        return True


@dataclass(frozen=True)
class ValueState:
    """One state in a value's story: ``action`` says how it ended (update, delete) or ``current``."""

    version: int
    value: Decimal
    numerator: Decimal | None
    denominator: Decimal | None
    qualifier: str
    comment: str
    source: str
    provenance: Any
    since: dt.datetime
    until: dt.datetime | None
    entered_by_id: int | None
    ended_by_id: int | None
    action: str
    value_id: int
    reporter_id: int | None = None


def _history_states(rows: Iterable[DataValueHistory]) -> Iterator[ValueState]:
    for h in rows:
        yield ValueState(
            h.version, h.value, h.numerator, h.denominator, h.qualifier, h.comment, h.source, h.provenance,
            h.valid_since, h.replaced_at, h.changed_by_ref, h.replaced_by_id, h.action, h.value_id_ref,
            h.reporter_id_ref,
        )


def _current_state(dv: DataValue) -> ValueState:
    return ValueState(
        dv.version, dv.value, dv.numerator, dv.denominator, dv.qualifier, dv.comment, dv.source, dv.provenance,
        dv.updated_at, None, dv.updated_by_id, None, "current", dv.pk, dv.reporter_id,
    )


def value_history(area: Any, indicator: Any, period: Any, disagg: str = "") -> list[ValueState]:
    """The whole story of a value, oldest first: every replaced or deleted state, then the current one."""
    ar, ind, per, disagg = _find_value(area, indicator, period, disagg)
    hist = DataValueHistory.objects.filter(
        area_id_ref=ar.pk, indicator_id_ref=ind.pk, period=per.code, disagg=disagg
    ).order_by("id")
    story = list(_history_states(hist))
    current = DataValue.objects.filter(**_key_filter(ar, ind, per.code, disagg)).first()
    if current is not None:
        story.append(_current_state(current))
    return story


def history_of(dv: DataValue) -> list[ValueState]:
    """The story of a stored value (same as ``value_history`` for its key)."""
    hist = DataValueHistory.objects.filter(
        area_id_ref=dv.area_id, indicator_id_ref=dv.indicator_id, period=dv.period, disagg=dv.disagg
    ).order_by("id")
    return [*_history_states(hist), _current_state(dv)]


# --- the bulk path --------------------------------------------------------------------------------

_INSERT_COLS = (
    "area_id", "indicator_id", "period", "period_type", "period_start", "period_end", "disagg", "value",
    "numerator", "denominator", "qualifier", "comment", "source", "provenance", "reporter_id", "version",
    "created_at", "created_by_id", "updated_at", "updated_by_id",
)
_FETCH_COLS = (
    "id", "area_id", "indicator_id", "period", "disagg", "value", "numerator", "denominator", "qualifier",
    "comment", "source", "provenance", "reporter_id",
)


def _dec_db(x: Any) -> Decimal | None:
    """A number as read back by a raw cursor (SQLite gives int/float/str, PostgreSQL Decimal)."""
    if x is None:
        return None
    if type(x) is float:
        return Decimal(repr(x)).quantize(_Q6)
    return Decimal(x).quantize(_Q6)


def _json_db(x: Any) -> Any:
    return json.loads(x) if isinstance(x, (str, bytes)) else x


class PeriodEntry:
    """A parsed period with its columns ready for the database, and the ids already checked against it."""

    __slots__ = ("period", "code", "type", "start", "end", "start_date", "end_date", "ok_indicators", "ok_areas")

    def __init__(self, period: Any) -> None:
        self.period = period
        self.code = period.code
        self.type = period.type
        self.start_date = period.start
        self.end_date = period.end
        self.start = self.start_date.isoformat()
        self.end = self.end_date.isoformat()
        self.ok_indicators: set[int] = set()
        self.ok_areas: set[int] = set()


class BulkLookups:
    """Reference data in memory, built once per bulk load (indicators and areas are small tables).

    ``indicators`` maps codes to ``IndicatorInfo``, ``areas`` uids to ``AreaInfo``; ``period(code)``
    parses a period once and caches it (errors too) as a ``PeriodEntry``.
    """

    def __init__(self) -> None:
        from baocao.catalog.models import Indicator
        from baocao.geo.models import AdminArea

        disaggs: dict[int, set[str]] = {}
        through = Indicator.disaggregations.through
        for ind_id, code in through.objects.values_list("indicator_id", "disaggregation__code"):
            disaggs.setdefault(ind_id, set()).add(code)
        self.indicators: dict[str, IndicatorInfo] = {
            ind.code: IndicatorInfo.of(ind, disaggs.get(ind.pk, ()))
            for ind in Indicator.objects.only(
                "id", "code", "value_type", "decimals", "min_value", "max_value", "valid_from", "valid_to"
            )
        }
        self.areas: dict[str, AreaInfo] = {
            uid: AreaInfo(pk, uid, name, vf, vt)
            for pk, uid, name, vf, vt in AdminArea.objects.values_list("id", "uid", "name", "valid_from", "valid_to")
        }
        self.periods: dict[Any, PeriodEntry | DataValueError] = {}
        self.reporters: dict[str, int] | None = None

    def period(self, code: Any) -> PeriodEntry:
        """The ``PeriodEntry`` of a period code or label; ``DataValueError`` if it is not one."""
        entry = self.periods.get(code)
        if entry is None:
            try:
                entry = PeriodEntry(parse_period_field(code))
            except DataValueError as exc:
                entry = exc
            if len(self.periods) < 100_000:
                self.periods[code] = entry
        if type(entry) is not PeriodEntry:
            raise entry
        return entry

    def reporter(self, uid: Any) -> int | None:
        """The id of the organisation ``uid`` (None for none); ``DataValueError`` if unknown."""
        if uid is None or uid == "":
            return None
        if self.reporters is None:
            from baocao.orgs.models import Organisation

            self.reporters = dict(Organisation.objects.values_list("uid", "id"))
        rid = self.reporters.get(uid)
        if rid is None:
            raise DataValueError("reporter", f"Không có cơ quan, đơn vị mã “{uid}”")
        return rid


# Former private names, kept for callers inside the project.
_PeriodEntry = PeriodEntry
_Lookups = BulkLookups


class _Cleaner:
    """Turns one input into a row ready for the database, with the same rules as ``validate_value``.

    The row tuple: (area_id, indicator_id, period, period_type, period_start, period_end, disagg, value,
    numerator, denominator, qualifier, comment, source, provenance, reporter_id).
    """

    def __init__(self, lookups: BulkLookups, source: str) -> None:
        self.lk = lookups
        self.source = source

    def clean(self, row: Mapping[str, Any]) -> tuple:
        lk = self.lk
        code = row.get("indicator")
        ind = lk.indicators.get(code)
        if ind is None:
            raise DataValueError("indicator", f"Không có chỉ tiêu mã “{code}”" if code else "Thiếu mã chỉ tiêu")
        uid = row.get("area")
        area = lk.areas.get(uid)
        if area is None:
            raise DataValueError("area", f"Không có đơn vị mã “{uid}”" if uid else "Thiếu mã đơn vị")
        p = lk.period(row.get("period"))
        return self.clean_resolved(
            ind, area, p, row.get("disagg") or "", row.get("value"), row.get("numerator"), row.get("denominator"),
            row.get("qualifier") or "exact", row.get("comment") or "", row.get("reporter"),
            row.get("source") or self.source, row.get("provenance"),
        )

    def clean_resolved(
        self, ind: IndicatorInfo, area: AreaInfo, p: PeriodEntry, disagg: str, value: Any, numerator: Any,
        denominator: Any, qualifier: str, comment: str, reporter: str | None, source: str, provenance: Any,
    ) -> tuple:
        """The row tuple for resolved references; ``DataValueError`` names the first rule broken."""
        if ind.id not in p.ok_indicators:
            if not _overlaps(ind.valid_from, ind.valid_to, p.start_date, p.end_date):
                check_indicator_in_period(ind, p.period)  # raises the precise message
            p.ok_indicators.add(ind.id)
        if area.id not in p.ok_areas:
            if not _overlaps(area.valid_from, area.valid_to, p.start_date, p.end_date):
                check_area_in_period(area, p.period)
            p.ok_areas.add(area.id)
        if disagg:
            disagg = disagg.strip()
            check_disagg(ind, disagg)
        if qualifier != "exact":
            check_qualifier(qualifier)
        if source != self.source:
            check_source(source)
        v, num, den = clean_numbers(ind, value, numerator, denominator, qualifier)
        if provenance is not None:
            check_provenance(provenance)
        return (
            area.id, ind.id, p.code, p.type, p.start, p.end, disagg, v, num, den, qualifier, comment, source,
            provenance, self.lk.reporter(reporter) if reporter else None,
        )


#: Decides what to do with a cleaned row, given the stored row of its key (or None): return the row to
#: write (possibly changed) or None to leave it alone. Used by the importer for its strategies.
Policy = Callable[[int, tuple, "tuple | None"], "tuple | None"]


class _Writer:
    """Writes batches of cleaned rows; subclasses know the fastest way for their database."""

    def __init__(
        self, now: dt.datetime, user_id: int | None, result: BulkResult, policy: Policy | None = None,
        policy_new: bool = True,
    ) -> None:
        self.now = now
        self.user_id = user_id
        self.result = result
        self.policy = policy
        self.policy_new = policy is not None and policy_new
        self.raw = connection.connection  # the DB-API connection inside Django's transaction
        with connection.cursor() as cur:
            cur.execute(f"SELECT MAX(id) FROM {_DV}")
            self.start_max_id = cur.fetchone()[0] or 0
        self.touched: set[int] = set()

    def close(self) -> None:
        """Undo connection settings changed for the load (called on success and on failure)."""

    def flush(self, batch: list[tuple[int, tuple]], errors: list[RowError]) -> None:
        by_key: dict[tuple, tuple[int, tuple]] = {}
        for n, t in batch:
            key = (t[0], t[1], t[2], t[6])
            first = by_key.get(key)
            if first is not None:
                errors.append(RowError(n, "period", f"Trùng khóa (đơn vị, chỉ tiêu, kỳ, phân tổ) với dòng {first[0]}"))
                continue
            by_key[key] = (n, t)
        existing = self.fetch_existing(by_key) if by_key else {}
        new: list[tuple] = []
        changed: list[tuple[int, tuple]] = []
        result = self.result
        policy = self.policy
        policy_new = self.policy_new
        touched = self.touched
        start_max_id = self.start_max_id
        if not existing and not policy_new:  # all new (the usual case of a first load): no per-row decisions
            new = [t for _, t in by_key.values()]
            by_key = {}
        for key, (n, t) in by_key.items():
            ex = existing.get(key)
            if ex is None:
                if policy_new:
                    t = policy(n, t, None)
                    if t is None:
                        continue
                new.append(t)
                continue
            ex_id = ex[0]
            if ex_id > start_max_id or ex_id in touched:
                errors.append(RowError(n, "period", "Trùng khóa (đơn vị, chỉ tiêu, kỳ, phân tổ) với một dòng trước đó"))
                continue
            touched.add(ex_id)
            if policy is not None:
                t = policy(n, t, ex)
                if t is None:
                    continue
            if (
                _dec_db(ex[1]) == t[7]
                and _dec_db(ex[2]) == t[8]
                and _dec_db(ex[3]) == t[9]
                and ex[4] == t[10]
                and ex[5] == t[11]
                and ex[6] == t[12]
                and _json_db(ex[7]) == t[13]
                and ex[8] == t[14]
            ):
                result.unchanged += 1
            else:
                changed.append((ex_id, t))
        if new:
            self.insert(new)
            result.created += len(new)
        if changed:
            self.history([i for i, _ in changed], HistoryAction.UPDATE)
            self.update(changed)
            result.updated += len(changed)

    def history(self, ids: list[int], action: str) -> None:
        _copy_to_history(ids, action, self.now, self.user_id)

    def cursor(self) -> Any:
        return connection.cursor()

    def existing_sql(self, areas: list, inds: list, periods: list) -> tuple[str, list]:
        raise NotImplementedError

    def insert(self, rows: list[tuple]) -> None:
        raise NotImplementedError

    def update(self, rows: list[tuple[int, tuple]]) -> None:
        raise NotImplementedError

    def fetch_existing(self, by_key: dict[tuple, Any]) -> dict[tuple, tuple]:
        areas = sorted({k[0] for k in by_key})
        inds = sorted({k[1] for k in by_key})
        periods = sorted({k[2] for k in by_key})
        sql, params = self.existing_sql(areas, inds, periods)
        found: dict[tuple, tuple] = {}
        with self.cursor() as cur:
            cur.execute(sql, params)
            for r in cur.fetchall():
                key = (r[1], r[2], r[3], r[4])
                if key in by_key:
                    found[key] = (r[0], *r[5:])  # id, value, numerator, ..., reporter_id
        return found


#: SQLite page cache during a bulk load (KiB). The default (2 MB) is smaller than the index pages a large
#: load touches; a bigger cache keeps more of them in memory (at most this much more resident memory:
#: 256 MB measured +275 MB peak for 1,000,000 values, hence 64 MB). Restored afterwards.
SQLITE_BULK_CACHE_KIB = 64 * 1024


class _SqliteWriter(_Writer):
    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        ops = connection.ops
        self.now_db = ops.adapt_datetimefield_value(self.now)
        cols = ", ".join(_INSERT_COLS)
        # The last five columns are the same for every row of the load: written as literals (our own
        # timestamp text and user id), so that each row binds 15 parameters instead of 20.
        uid = "NULL" if self.user_id is None else str(int(self.user_id))
        assert "'" not in self.now_db
        self.insert_sql = (
            f"INSERT INTO {_DV} ({cols}) VALUES ({', '.join(['?'] * 15)}, 1, '{self.now_db}', {uid}, '{self.now_db}', {uid})"
        )
        self.update_sql = (
            f"UPDATE {_DV} SET value=?, numerator=?, denominator=?, qualifier=?, comment=?, source=?, provenance=?,"
            " reporter_id=?, version=version+1, updated_at=?, updated_by_id=? WHERE id=?"
        )
        self.old_cache = self.raw.execute("PRAGMA cache_size").fetchone()[0]
        if self.old_cache >= 0 or -self.old_cache < SQLITE_BULK_CACHE_KIB:  # positive = pages, negative = KiB
            self.raw.execute(f"PRAGMA cache_size = -{SQLITE_BULK_CACHE_KIB}")

    def close(self) -> None:
        self.raw.execute(f"PRAGMA cache_size = {int(self.old_cache)}")

    def existing_sql(self, areas: list, inds: list, periods: list) -> tuple[str, list]:
        def marks(xs: list) -> str:
            return ",".join(["%s"] * len(xs))

        return (
            f"SELECT {', '.join(_FETCH_COLS)} FROM {_DV} WHERE indicator_id IN ({marks(inds)})"
            f" AND period IN ({marks(periods)}) AND area_id IN ({marks(areas)})",
            [*inds, *periods, *areas],
        )

    def insert(self, rows: list[tuple]) -> None:
        dumps = json.dumps
        self.raw.executemany(
            self.insert_sql,
            [
                (
                    t[0], t[1], t[2], t[3], t[4], t[5], t[6], str(t[7]),
                    None if t[8] is None else str(t[8]), None if t[9] is None else str(t[9]),
                    t[10], t[11], t[12], None if t[13] is None else dumps(t[13]), t[14],
                )
                for t in rows
            ],
        )

    def update(self, rows: list[tuple[int, tuple]]) -> None:
        now, uid = self.now_db, self.user_id
        self.raw.executemany(
            self.update_sql,
            [
                (
                    str(t[7]), None if t[8] is None else str(t[8]), None if t[9] is None else str(t[9]),
                    t[10], t[11], t[12], None if t[13] is None else json.dumps(t[13]), t[14], now, uid, i,
                )
                for i, t in rows
            ],
        )


class _PostgresWriter(_Writer):
    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.misses = 0
        cols = ", ".join(_INSERT_COLS)
        self.copy_sql = f"COPY {_DV} ({cols}) FROM STDIN"
        self.update_sql = (
            f"UPDATE {_DV} SET value=%s, numerator=%s, denominator=%s, qualifier=%s, comment=%s, source=%s,"
            " provenance=%s::jsonb, reporter_id=%s, version=version+1, updated_at=%s, updated_by_id=%s WHERE id=%s"
        )

    #: After this many batches that met stored keys, the optimistic first try is given up for the load.
    OPTIMISTIC_MISSES = 3

    def flush(self, batch: list[tuple[int, tuple]], errors: list[RowError]) -> None:
        """New keys (a first load of a period): ``COPY`` the batch at once inside a savepoint, without
        first asking which of its keys are stored. If one is (the unique key refuses the batch), the
        savepoint is rolled back and the batch goes the checking way of ``_Writer.flush``, which finds
        stored keys, updates and duplicates of earlier rows of the same load (ids above
        ``start_max_id``). Only when the policy need not see new keys (it is asked about stored ones)."""
        if self.policy_new or self.misses >= self.OPTIMISTIC_MISSES:
            return super().flush(batch, errors)
        keys = {(t[0], t[1], t[2], t[6]) for _, t in batch}
        if len(keys) < len(batch):  # a key twice in the batch: reported per row by the checking way
            return super().flush(batch, errors)
        from psycopg import errors as pg_errors

        with self.raw.cursor() as cur:
            cur.execute("SAVEPOINT baocao_bulk_batch")
            try:
                self.insert([t for _, t in batch])
            except pg_errors.UniqueViolation:
                cur.execute("ROLLBACK TO SAVEPOINT baocao_bulk_batch")
                self.misses += 1
                return super().flush(batch, errors)
            cur.execute("RELEASE SAVEPOINT baocao_bulk_batch")
        self.result.created += len(batch)

    # Only the DB-API connection of the transaction is used (never Django's thread-local wrapper), so that
    # the flushes can run in the background thread of ``BulkWriter(background=True)``.
    def cursor(self) -> Any:
        return self.raw.cursor()

    def history(self, ids: list[int], action: str) -> None:
        _copy_to_history(ids, action, self.now, self.user_id, raw=self.raw)

    def existing_sql(self, areas: list, inds: list, periods: list) -> tuple[str, list]:
        return (
            f"SELECT {', '.join(_FETCH_COLS)} FROM {_DV} WHERE indicator_id = ANY(%s)"
            " AND period = ANY(%s) AND area_id = ANY(%s)",
            [inds, periods, areas],
        )

    def insert(self, rows: list[tuple]) -> None:
        now, uid = self.now, self.user_id
        dumps = json.dumps
        with self.raw.cursor() as cur, cur.copy(self.copy_sql) as cp:
            write = cp.write_row
            for t in rows:
                write((*t[:13], None if t[13] is None else dumps(t[13]), t[14], 1, now, uid, now, uid))

    def update(self, rows: list[tuple[int, tuple]]) -> None:
        now, uid = self.now, self.user_id
        with self.raw.cursor() as cur:
            cur.executemany(
                self.update_sql,
                [
                    (*t[7:13], None if t[13] is None else json.dumps(t[13]), t[14], now, uid, i)
                    for i, t in rows
                ],
            )


class BulkWriter:
    """The bulk write path as an object, for callers that resolve codes themselves (the importer).

    Use inside ``transaction.atomic()`` and as a context manager::

        with transaction.atomic(), BulkWriter(source="api", user=u) as w:
            t = w.clean_resolved(ind, area, period_entry, disagg, value, ...)   # DataValueError if invalid
            w.add(row_number, t)                                                 # written in batches
        w.result                                                                 # created / updated / unchanged

    Every row goes through the same rules as ``validate_value``; an existing key is updated only if
    something differs, its old state copied to the history first. ``policy`` (optional) sees each row
    with the stored row of its key (``id, value, numerator, denominator, qualifier, comment, source,
    provenance, reporter_id``, or None) and returns the row to write or None to skip it;
    ``policy_new=False``: it is asked about stored keys only (new keys are always written).
    """

    def __init__(
        self, *, source: str, user: Any = None, lookups: BulkLookups | None = None, batch_size: int = 5000,
        policy: Policy | None = None, policy_new: bool = True, background: bool = False,
    ) -> None:
        check_source(source)
        if not connection.in_atomic_block:
            raise RuntimeError("BulkWriter must be used inside transaction.atomic()")
        self.result = BulkResult()
        self.errors = self.result.errors
        self.lookups = lookups if lookups is not None else BulkLookups()
        cleaner = _Cleaner(self.lookups, source)
        self.clean = cleaner.clean
        self.clean_resolved = cleaner.clean_resolved
        self.source = source
        self.batch_size = batch_size
        self.batch: list[tuple[int, tuple]] = []
        self.done = 0
        writer_cls = _PostgresWriter if connection.vendor == "postgresql" else _SqliteWriter
        self.writer = writer_cls(timezone.now(), user.pk if user is not None else None, self.result, policy, policy_new)
        # PostgreSQL: batches are written by a thread while the caller checks the next ones, so the database
        # server works while Python parses (the thread waits for the server with the GIL released).
        self.bg = _Background(self.writer, self.errors) if background and connection.vendor == "postgresql" else None
        #: Hold while using the database from the caller's thread during the load (the thread shares the connection).
        self.guard = self.bg.guard if self.bg is not None else threading.Lock()

    def __enter__(self) -> BulkWriter:
        return self

    def __exit__(self, exc_type: Any, *exc: Any) -> None:
        try:
            if self.bg is not None:
                self.bg.stop(raise_error=exc_type is None)
        finally:
            self.writer.close()

    def add(self, n: int, t: tuple) -> bool:
        """Queue a cleaned row (``n`` = its number in errors); True when a batch was just written."""
        batch = self.batch
        batch.append((n, t))
        if len(batch) >= self.batch_size:
            self.flush()
            return True
        return False

    def flush(self) -> None:
        """Write the queued rows (in the background: hand them to the thread)."""
        if self.batch:
            if self.bg is not None:
                self.bg.submit(self.batch)
            else:
                self.writer.flush(self.batch, self.errors)
            self.done += len(self.batch)
            self.batch = []

    def wait(self) -> None:
        """Wait until every handed-over batch is written (re-raises the thread's error); counts are final."""
        if self.bg is not None:
            self.bg.wait()

    def discard(self) -> None:
        """Forget the queued rows (an atomic load that already failed writes nothing more)."""
        self.batch = []

    def existing(self, keys: Iterable[tuple]) -> dict[tuple, tuple]:
        """The stored rows of ``keys`` ``(area_id, indicator_id, period, disagg)``, one query:
        key → ``(id, value, numerator, denominator, qualifier, comment, source, provenance, reporter_id)``."""
        with self.guard:
            return self.writer.fetch_existing(dict.fromkeys(keys))


class _Background:
    """One thread writing batches in order; at most two batches wait (memory stays bounded)."""

    def __init__(self, writer: _Writer, errors: list[RowError]) -> None:
        self.writer = writer
        self.errors = errors
        self.queue: queue.Queue[list | None] = queue.Queue(maxsize=2)
        self.guard = threading.Lock()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="bulk-writer", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while True:
            batch = self.queue.get()
            try:
                if batch is None:
                    return
                if self.error is None:
                    with self.guard:
                        self.writer.flush(batch, self.errors)
            except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
                self.error = exc
            finally:
                self.queue.task_done()

    def _raise(self) -> None:
        if self.error is not None:
            error, self.error = self.error, None
            raise error

    def submit(self, batch: list) -> None:
        self._raise()
        self.queue.put(batch)

    def wait(self) -> None:
        self.queue.join()
        self._raise()

    def stop(self, raise_error: bool) -> None:
        self.queue.put(None)
        self.thread.join()
        if raise_error:
            self._raise()


def bulk_write(
    rows: Iterable[Mapping[str, Any]],
    *,
    source: str,
    user: Any = None,
    batch_size: int = 5000,
    progress: Callable[[int, BulkResult], None] | None = None,
    atomic: bool = True,
    max_errors: int = 50,
) -> BulkResult:
    """Write many values in one transaction, streaming ``rows`` (never holding them all).

    Each row is a mapping with ``indicator`` (code), ``area`` (uid), ``period`` (code), ``value`` and
    optionally ``numerator``, ``denominator``, ``disagg``, ``qualifier``, ``comment``, ``provenance``,
    ``reporter`` (organisation uid), ``source`` (defaults to ``source``) and ``_row`` (the row number
    to report in errors; defaults to the 1-based position in ``rows``).

    New keys are inserted in batches (``executemany`` on SQLite, ``COPY`` on PostgreSQL); a key that
    already exists is updated only if something differs, its old state copied to the history first.
    ``atomic=True``: any invalid row raises ``BulkError`` with the first ``max_errors`` problems and
    nothing is written. ``atomic=False``: valid rows are written and the problems returned per row.
    A key given twice in the same input is an error (on the later row).
    """
    check_source(source)
    truncated = False
    with transaction.atomic(), BulkWriter(source=source, user=user, batch_size=batch_size) as w:
        result = w.result
        errors = w.errors
        clean = w.clean
        add = w.add
        for n, row in enumerate(rows, 1):
            try:
                t = clean(row)
            except DataValueError as exc:
                errors.append(RowError(row.get("_row", n), exc.field, exc.message))
                if atomic and len(errors) >= max_errors:
                    truncated = True
                    break
                continue
            except (AttributeError, TypeError):
                errors.append(RowError(n, "row", "Dòng không phải là một bảng tên trường → giá trị"))
                continue
            if atomic and errors:
                continue  # keep validating to report the problems, but write nothing more
            if add(row.get("_row", n), t) and progress is not None:
                progress(w.done, result)
        if w.batch and not (atomic and errors):
            w.flush()
            if progress is not None:
                progress(w.done, result)
        errors.sort(key=lambda e: e.row)
        if atomic and errors:
            raise BulkError(errors[:max_errors], truncated or len(errors) > max_errors)
    return result


def bulk_delete(ids: list[int], *, user: Any = None) -> int:
    """Delete the values ``ids`` in bulk, their last state copied to the history first (one transaction).

    Returns how many were deleted (ids that no longer exist are skipped).
    """
    if not ids:
        return 0
    user_id = user.pk if user is not None else None
    deleted = 0
    with transaction.atomic():
        now = timezone.now()
        for start in range(0, len(ids), 900):
            chunk = ids[start : start + 900]
            _copy_to_history(chunk, HistoryAction.DELETE, now, user_id)
            marks = ",".join(["%s"] * len(chunk))
            with connection.cursor() as cur:
                cur.execute(f"DELETE FROM {_DV} WHERE id IN ({marks})", chunk)
                deleted += cur.rowcount
    return deleted
