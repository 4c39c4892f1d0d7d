"""DHIS2-compatible dataValueSets: import (JSON/CSV, streaming) and export, one code path for the
HTTP API (``POST/GET /api/v1/dataValueSets``) and the command line (``baocao import``).

Import pipeline, one value at a time (memory does not grow with the input):

1. ``parsers.read_json`` / ``parsers.read_csv`` yield DHIS2 values (``dataElement``, ``period``,
   ``orgUnit``, ``categoryOptionCombo``, ``attributeOptionCombo``, ``value``, ``comment`` and our
   extensions ``numerator``, ``denominator``, ``qualifier``).
2. ``_Importer`` checks what the values layer does not know about: the id scheme and option combos,
   the user's scope (``reporting.services.allowed``: a department writes only its own province and
   the areas under it), locks (a submitted or accepted report of the province and period that holds
   the indicator; for department users also the period's lock date under the form's regime), keys
   given twice, and the import strategy (existing keys are looked up per batch of 5,000).
3. What remains goes to ``datavalues.services.bulk_write`` (every value rule, history, one
   transaction). ``DELETE`` goes through ``delete_value`` (history kept).

``atomicMode=ALL``: any conflict rolls everything back (a value outside the user's scope is a 403
for the whole request). ``NONE``: good values are written, each bad one is a conflict. ``dryRun``
runs everything and rolls back, so the counts are exactly what a real import would do.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, BinaryIO

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from baocao.datavalues.services import (
    BulkLookups,
    BulkResult,
    BulkWriter,
    DataValueError,
    bulk_delete,
)

from . import parsers
from .parsers import FormatError, LimitedReader, TooLarge

STRATEGIES = ("CREATE", "UPDATE", "CREATE_AND_UPDATE", "DELETE")
ATOMIC_MODES = ("ALL", "NONE")
ID_SCHEMES = ("CODE", "UID")
BATCH = 5000
MAX_CONFLICTS = 1000  # conflicts listed in a summary (all are counted)
DEFAULT_MAX_UPLOAD = 512 * 1024 * 1024

__all__ = [
    "FormatError", "ImportError_", "ImportOptions", "ImportSummary", "ScopeError", "TooLarge",
    "export_rows", "import_stream", "import_values", "max_upload_bytes",
]  # fmt: skip


def max_upload_bytes() -> int:
    """The largest body accepted by an import (setting ``BAOCAO_IMPORT_MAX_BYTES``, default 512 MB)."""
    return int(getattr(settings, "BAOCAO_IMPORT_MAX_BYTES", DEFAULT_MAX_UPLOAD))


# --- options, summary, errors ---------------------------------------------------------------------


class ImportError_(ValueError):  # noqa: N801 - "ImportError" is a builtin
    """A request that cannot be carried out at all (bad option); maps to HTTP 400."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ScopeError(PermissionError):
    """The user may not import (at all, or — in atomic mode ALL — a value outside their scope): HTTP 403."""

    def __init__(self, message: str, index: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.index = index


@dataclass
class ImportOptions:
    strategy: str = "CREATE_AND_UPDATE"
    atomic: str = "ALL"
    dry_run: bool = False
    id_scheme: str = "CODE"
    user: Any = None
    source: str = "api"
    system: bool = False  # the command line without --user: every area, no deadline lock

    @classmethod
    def parse(
        cls, *, strategy: str | None = None, atomic: str | None = None, dry_run: Any = None, id_scheme: str | None = None,
        user: Any = None, source: str = "api", system: bool = False,
    ) -> ImportOptions:
        """Options from request parameters (case-insensitive); ``ImportError_`` names the bad one."""
        s = (strategy or "CREATE_AND_UPDATE").strip().upper()
        if s == "NEW_AND_UPDATES":
            s = "CREATE_AND_UPDATE"
        elif s in ("NEW", "CREATES"):
            s = "CREATE"
        elif s in ("UPDATES",):
            s = "UPDATE"
        elif s in ("DELETES",):
            s = "DELETE"
        if s not in STRATEGIES:
            raise ImportError_(f"importStrategy “{strategy}” không hợp lệ (chọn một trong: {', '.join(STRATEGIES)})", "importStrategy")
        a = (atomic or "ALL").strip().upper()
        if a not in ATOMIC_MODES:
            raise ImportError_(f"atomicMode “{atomic}” không hợp lệ (ALL hoặc NONE)", "atomicMode")
        i = (id_scheme or "CODE").strip().upper()
        if i not in ID_SCHEMES:
            raise ImportError_(
                f"idScheme “{id_scheme}” không được hỗ trợ: chỉ CODE (mặc định) hoặc UID, cả hai đều là mã chỉ tiêu và mã đơn vị",
                "idScheme",
            )
        return cls(s, a, _truthy(dry_run), i, user, source, system)


def _truthy(x: Any) -> bool:
    if isinstance(x, bool):
        return x
    return str(x or "").strip().lower() in ("1", "true", "yes", "on")


@dataclass
class ImportSummary:
    """DHIS2's importSummary: status, importCount and one conflict per bad value."""

    imported: int = 0
    updated: int = 0
    ignored: int = 0
    deleted: int = 0
    total: int = 0
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    conflict_count: int = 0
    dry_run: bool = False
    strategy: str = "CREATE_AND_UPDATE"
    atomic: str = "ALL"
    aborted: bool = False  # atomic mode ALL and a conflict: nothing written

    def conflict(self, index: int, prop: str, message: str, obj: Any = "", code: str = "E7600") -> None:
        self.conflict_count += 1
        if len(self.conflicts) < MAX_CONFLICTS:
            self.conflicts.append(
                {"object": "" if obj is None else str(obj), "value": message, "errorCode": code, "property": prop, "indexes": [index]}
            )

    @property
    def status(self) -> str:
        if self.aborted:
            return "ERROR"
        return "WARNING" if self.conflict_count else "SUCCESS"

    def as_dict(self) -> dict[str, Any]:
        conflicts = sorted(self.conflicts, key=lambda c: c["indexes"][0])
        out: dict[str, Any] = {
            "responseType": "ImportSummary",
            "status": self.status,
            "description": _describe(self),
            "importOptions": {"importStrategy": self.strategy, "atomicMode": self.atomic, "dryRun": self.dry_run, "idScheme": "CODE"},
            "importCount": {"imported": self.imported, "updated": self.updated, "ignored": self.ignored, "deleted": self.deleted},
            "conflicts": conflicts,
        }
        if self.conflict_count > len(self.conflicts):
            out["conflictsTruncated"] = self.conflict_count
        return out


def _describe(s: ImportSummary) -> str:
    head = "Chạy thử (dryRun): không ghi gì. " if s.dry_run else ""
    if s.aborted:
        return head + f"{s.conflict_count} giá trị lỗi; atomicMode=ALL nên không ghi giá trị nào."
    if s.conflict_count:
        return head + f"Đã xử lý {s.total} giá trị, {s.conflict_count} giá trị lỗi bị bỏ qua."
    return head + f"Đã xử lý {s.total} giá trị."


# Error codes modelled on DHIS2's E76xx conflicts (ours are documented in docs/interchange.md).
_CODES = {
    "indicator": "E7610", "dataElement": "E7610", "period": "E7611", "area": "E7612", "orgUnit": "E7612",
    "disagg": "E7613", "categoryOptionCombo": "E7613", "attributeOptionCombo": "E7614", "scope": "E7617",
    "value": "E7619", "numerator": "E7619", "denominator": "E7619", "qualifier": "E7619", "comment": "E7619",
    "lock": "E7643", "duplicate": "E7650", "row": "E7600", "reporter": "E7600", "provenance": "E7600",
    "source": "E7600", "version": "E7600",
}  # fmt: skip
_PROP = {"indicator": "dataElement", "area": "orgUnit", "disagg": "categoryOptionCombo"}


class _Rollback(Exception):
    pass


# --- the importer ---------------------------------------------------------------------------------


class _Scope:
    """Which areas the user may write and which (indicator, province, period) are locked."""

    def __init__(self, opts: ImportOptions) -> None:
        from baocao.accounts.models import Role
        from baocao.accounts.services import profile_of
        from baocao.geo.models import AdminArea
        from baocao.reporting.services import allowed, role_of

        self.system = opts.system
        user = opts.user
        self.user = user
        self.role = None if opts.system else role_of(user)
        self.parent: dict[int, int | None] = dict(AdminArea.objects.values_list("id", "parent_id"))
        self.level: dict[int, str] = dict(AdminArea.objects.values_list("id", "level"))
        self._province: dict[int, int | None] = {}
        self.province_only: int | None = None
        self.deadline_lock = False
        self.reporter: str | None = None
        if opts.system:
            return
        if self.role == Role.MINISTRY_ADMIN:
            return
        p = profile_of(user)
        if p is not None and p.area_id and allowed(user, "upload", p.area_id):
            self.province_only = p.area_id
            self.deadline_lock = True
            self.reporter = p.organisation.uid if p.organisation_id else None
            return
        raise ScopeError(
            "Chỉ chuyên viên, lãnh đạo Sở (cho tỉnh, thành phố của mình) hoặc quản trị hệ thống được nhập số liệu."
        )

    def province_of(self, area_id: int) -> int | None:
        found = self._province.get(area_id, -1)
        if found != -1:
            return found
        self._province[area_id] = found = self._climb(area_id)
        return found

    def _climb(self, area_id: int) -> int | None:
        seen = 0
        a: int | None = area_id
        while a is not None and seen < 10:
            if self.level.get(a) == "province":
                return a
            a = self.parent.get(a)
            seen += 1
        return None

    def may_write(self, area_id: int) -> bool:
        return self.province_only is None or self.province_of(area_id) == self.province_only


class _Locks:
    """Locked (province, period, indicator) triples: reports sent to or accepted by the Ministry (read once
    per import) and, for department users, periods past their lock date (once per period)."""

    def __init__(self, scope: _Scope) -> None:
        from baocao.reporting.models import EDITABLE_STATES, FormItem, Submission

        self.scope = scope
        self.guard: Any = contextlib.nullcontext()  # the bulk writer's connection lock during an import
        self.deadline_cache: dict[str, dict[int, str]] = {}
        self.today = timezone.localdate()
        self.submitted: dict[tuple[str, int, int], str] = {}
        items: dict[int, list[int]] = {}
        for sub in Submission.objects.exclude(state__in=list(EDITABLE_STATES)).select_related("form"):
            if sub.version_id not in items:
                items[sub.version_id] = list(
                    FormItem.objects.filter(section__version_id=sub.version_id).values_list("indicator_id", flat=True)
                )
            msg = (
                f"Báo cáo {sub.form.symbol} kỳ {sub.period} đang ở trạng thái “{sub.get_state_display()}”, "
                "không sửa được số liệu (cần được trả lại hoặc mở lại trước)"
            )
            for ind_id in items[sub.version_id]:
                self.submitted.setdefault((sub.period, sub.area_id, ind_id), msg)
        self.active = bool(self.submitted) or scope.deadline_lock

    def message(self, province: int | None, period: Any, indicator_id: int) -> str | None:
        """Why ``indicator_id`` cannot be written for ``province`` in ``period`` (a ``PeriodEntry``), or None."""
        if province is not None and self.submitted:
            msg = self.submitted.get((period.code, province, indicator_id))
            if msg:
                return msg
        if self.scope.deadline_lock:
            dl = self.deadline_cache.get(period.code)
            if dl is None:
                with self.guard:
                    dl = self.deadline_cache[period.code] = self._deadline(period.period)
            return dl.get(indicator_id)
        return None

    def _deadline(self, period: Any) -> dict[int, str]:
        from baocao.periods import services as periods
        from baocao.reporting.models import FormItem, FormVersion, ReportForm

        out: dict[int, str] = {}
        for form in ReportForm.objects.filter(period_type=period.type, active=True).select_related("regime"):
            try:
                if periods.deadline_state(period, self.today, form.regime) != "locked":
                    continue
                lock = periods.lock_date(period, form.regime)
            except Exception:  # noqa: BLE001 - a regime without a rule for this type has no lock date
                continue
            version = FormVersion.objects.filter(form=form).valid_on(period.end).order_by("-number").first()
            if version is None:
                continue
            msg = f"Kỳ {period.label_vi} của biểu {form.symbol} đã khóa số liệu từ ngày {lock:%d/%m/%Y}"
            for ind_id in FormItem.objects.filter(section__version=version).values_list("indicator_id", flat=True):
                out.setdefault(ind_id, msg)
        return out


_DEFAULT_COMBOS = ("", "default", "DEFAULT", "HllvX50cXC0", "bRowv6yZOF2")  # DHIS2's default combo uid/code
_DEFAULTS = frozenset((*_DEFAULT_COMBOS, None))


class _PeriodCache(dict):
    """Raw period text → ``PeriodEntry`` (None when it does not parse; the conflict is made from the miss)."""

    def __init__(self, lk: BulkLookups) -> None:
        super().__init__()
        self.lk = lk

    def __missing__(self, key: str) -> Any:
        try:
            p = self.lk.period(key)
        except DataValueError:
            return None
        if len(self) < 50_000:
            self[key] = p
        return p


def _text(x: Any) -> str:
    if x is None:
        return ""
    if isinstance(x, bool):
        return "1" if x else "0"
    return x.strip() if isinstance(x, str) else str(x)


def _number(x: Any) -> Any:
    """DHIS2 sends numbers as strings; booleans as true/false."""
    if isinstance(x, str):
        s = x.strip()
        low = s.lower()
        if low == "true":
            return "1"
        if low == "false":
            return "0"
        return s
    if isinstance(x, bool):
        return int(x)
    return x


class _Importer:
    """One import: checks each DHIS2 value, hands the good ones to a ``BulkWriter`` (or, for DELETE,
    deletes in bulk). Per value: dictionary look-ups of pre-loaded codes, one tuple, no model instance;
    per batch of ``BATCH``: one query for the stored rows of the batch's keys, one bulk insert/update."""

    def __init__(self, opts: ImportOptions, summary: ImportSummary) -> None:
        self.opts = opts
        self.summary = summary
        self.scope = _Scope(opts)
        self.locks = _Locks(self.scope)
        self.lk = BulkLookups()
        self.indicators = self.lk.indicators
        self.areas = self.lk.areas
        self.periods = _PeriodCache(self.lk)
        self.restricted = self.scope.province_only is not None
        self.deleting = opts.strategy == "DELETE"
        self.seen: set[int] = set()

    def policy(self, n: int, t: tuple, ex: tuple | None) -> tuple | None:
        """The import strategy for one cleaned row given the stored row of its key (BulkWriter policy)."""
        strategy = self.opts.strategy
        if ex is None:
            if strategy == "UPDATE":
                self.summary.ignored += 1
                return None
            return t
        if strategy == "CREATE":
            self.summary.ignored += 1
            return None
        # Identical number(s), qualifier and comment: nothing to do (re-importing an export touches nothing),
        # whoever entered the stored value and from where.
        if _dec(ex[1]) == t[7] and _dec(ex[2]) == t[8] and _dec(ex[3]) == t[9] and ex[4] == t[10] and ex[5] == t[11]:
            self.summary.ignored += 1
            return None
        if self.scope.reporter is None and t[14] != ex[8]:
            t = (*t[:14], ex[8])  # the reporting organisation of the stored value is kept
        return t

    def run(self, values: Iterable[tuple[int, Mapping[str, Any]]], progress: Callable[[int], None] | None) -> BulkResult:
        """Check and write every value; conflicts go to the summary. Returns the writer's counts."""
        opts = self.opts
        s = self.summary
        conflict = s.conflict
        atomic = opts.atomic == "ALL"
        deleting = self.deleting
        indicators, areas, periods = self.indicators, self.areas, self.periods
        lk_period = self.lk.period
        restricted, may_write = self.restricted, self.scope.may_write
        locks, province_of = self.locks, self.scope.province_of
        seen = self.seen
        reporter = self.scope.reporter
        source = opts.source
        n = 0
        with BulkWriter(
            source=source, user=opts.user, lookups=self.lk, batch_size=BATCH, policy=self.policy,
            policy_new=opts.strategy == "UPDATE", background=True,
        ) as w:
            self.locks.guard = w.guard  # the lock-date look-ups share the connection with the writer thread
            if reporter:
                self.lk.reporter(reporter)  # resolved now, before the writer thread uses the connection
            clean = w.clean_resolved
            add = w.add
            errors = w.errors
            to_delete: list[tuple[tuple, int]] = []
            for index, dv in values:
                n += 1
                if n % BATCH == 0:
                    s.total = n
                    if progress is not None:
                        progress(n)
                get = dv.get
                # Hot path: plain strings are looked up as they come; only a miss is stripped and tried again.
                code = get("dataElement")
                ind = indicators.get(code) if type(code) is str else None
                if ind is None:
                    if "_bad" in dv:
                        conflict(index, "row", dv["_bad"], "", "E7600")
                        continue
                    code = _text(code)
                    ind = indicators.get(code)
                    if ind is None:
                        conflict(index, "dataElement", f"Không có chỉ tiêu mã “{code}”" if code else "Thiếu dataElement", code, "E7610")
                        continue
                per_text = get("period")
                period = periods[per_text] if type(per_text) is str else None
                if period is None:
                    per_text = _text(per_text)
                    try:
                        period = lk_period(per_text)
                    except DataValueError as exc:
                        conflict(index, "period", exc.message, per_text, "E7611")
                        continue
                uid = get("orgUnit")
                area = areas.get(uid) if type(uid) is str else None
                if area is None:
                    uid = _text(uid)
                    area = areas.get(uid)
                    if area is None:
                        conflict(index, "orgUnit", f"Không có đơn vị mã “{uid}”" if uid else "Thiếu orgUnit", uid, "E7612")
                        continue
                coc = get("categoryOptionCombo")
                if coc in _DEFAULTS:
                    disagg = ""
                else:
                    disagg = _text(coc)
                    if disagg in _DEFAULTS:
                        disagg = ""
                aoc = get("attributeOptionCombo")
                if aoc not in _DEFAULTS and _text(aoc) not in _DEFAULTS:
                    conflict(index, "attributeOptionCombo", f"attributeOptionCombo “{aoc}” không được hỗ trợ (chỉ dùng mặc định)", _text(aoc), "E7614")
                    continue
                if restricted and not may_write(area.id):
                    msg = f"Đơn vị “{uid}” nằm ngoài tỉnh, thành phố của người dùng"
                    if atomic:
                        raise ScopeError(msg + "; atomicMode=ALL nên không ghi giá trị nào.", index)
                    conflict(index, "orgUnit", msg, uid, "E7617")
                    continue
                if locks.active:
                    lock = locks.message(province_of(area.id), period, ind.id)
                    if lock:
                        conflict(index, "period", lock, period.code, "E7643")
                        continue
                value = get("value")
                if type(value) is str:
                    value = value.strip()
                    if value and value[0] in "tTfF" and ind.value_type == "boolean":
                        low = value.lower()
                        value = "1" if low == "true" else "0" if low == "false" else value
                elif isinstance(value, bool) and ind.value_type == "boolean":
                    value = int(value)  # true/false only for yes/no indicators; elsewhere a type conflict
                if not deleting and (value is None or value == ""):
                    conflict(index, "value", "Thiếu giá trị (value)", "", "E7619")
                    continue
                key = (area.id, ind.id, period.code, disagg)
                h = hash(key)
                if h in seen:
                    conflict(index, "period", "Trùng khóa (dataElement, period, orgUnit, categoryOptionCombo) với một giá trị trước đó", period.code, "E7650")
                    continue
                seen.add(h)
                if deleting:
                    to_delete.append((key, index))
                    if len(to_delete) >= BATCH:
                        self.delete(w, to_delete)
                        to_delete = []
                    continue
                num = get("numerator")
                den = get("denominator")
                comment = get("comment")
                qualifier = get("qualifier")
                try:
                    t = clean(
                        ind, area, period, disagg, value,
                        None if num is None or num == "" else _number(num),
                        None if den is None or den == "" else _number(den),
                        "exact" if qualifier is None else (qualifier.strip() if type(qualifier) is str else _text(qualifier)) or "exact",
                        "" if comment is None else comment.strip() if type(comment) is str else _text(comment),
                        reporter, source, None,
                    )
                except DataValueError as exc:
                    f = exc.field
                    conflict(index, _PROP.get(f, f), exc.message, "", _CODES.get(f, "E7600"))
                    continue
                if atomic and (s.conflict_count or errors):
                    continue  # everything will be rolled back: keep checking, stop writing
                add(index, t)
            s.total = n
            if to_delete:
                self.delete(w, to_delete)
            if atomic and (s.conflict_count or errors):
                w.discard()
            else:
                w.flush()
            w.wait()
            for e in errors:
                conflict(e.row, _PROP.get(e.field, e.field), e.message, "", _CODES.get(e.field, "E7600"))
        if progress is not None:
            progress(n)
        return w.result

    def delete(self, w: BulkWriter, batch: list[tuple[tuple, int]]) -> None:
        """DELETE strategy, one batch: absent keys are ignored, the others deleted in bulk (history kept)."""
        existing = w.existing([k for k, _ in batch])
        ids = []
        for key, _index in batch:
            ex = existing.get(key)
            if ex is None:
                self.summary.ignored += 1
            else:
                ids.append(ex[0])
        with w.guard:
            self.summary.deleted += bulk_delete(ids, user=self.opts.user)


def _dec(x: Any) -> Decimal | None:
    """A stored number (as the raw driver returns it) quantized like cleaned input."""
    if x is None:
        return None
    if type(x) is float:
        x = repr(x)
    return Decimal(x).quantize(Decimal("0.000001"))


def import_values(
    values: Iterable[tuple[int, Mapping[str, Any]]],
    opts: ImportOptions,
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Import DHIS2 data values (``(index, mapping)`` pairs) with ``opts``; returns the importSummary.

    Raises ``ScopeError`` (403), ``FormatError`` (400: unreadable body, nothing written),
    ``TooLarge`` (413, nothing written) and ``ImportError_`` (400).
    """
    summary = ImportSummary(dry_run=opts.dry_run, strategy=opts.strategy, atomic=opts.atomic)
    atomic = opts.atomic == "ALL"
    try:
        with transaction.atomic():
            importer = _Importer(opts, summary)
            result = importer.run(values, progress)
            if atomic and summary.conflict_count:
                raise _Rollback
            summary.imported += result.created
            summary.updated += result.updated
            summary.ignored += result.unchanged
            summary.ignored += summary.conflict_count
            if opts.dry_run:
                raise _Rollback
    except _Rollback:
        if atomic and summary.conflict_count:
            summary.aborted = True
            summary.imported = summary.updated = summary.deleted = 0
            summary.ignored = summary.total
    return summary


def import_stream(
    stream: Any, fmt: str, opts: ImportOptions, *, limit: int | None = None, progress: Callable[[int], None] | None = None
) -> ImportSummary:
    """Import a JSON or CSV dataValueSet read from ``stream`` (anything with ``read(n)``), streaming."""
    raw = LimitedReader(stream, limit)
    if fmt == "json":
        values = parsers.read_json(raw)
    elif fmt == "csv":
        values = parsers.read_csv(raw)
    else:
        raise ImportError_(f"Định dạng “{fmt}” không được hỗ trợ (json hoặc csv)", "format")
    return import_values(values, opts, progress)


# --- export ---------------------------------------------------------------------------------------


@dataclass
class ExportFilter:
    data_sets: list[str] = field(default_factory=list)
    data_elements: list[str] = field(default_factory=list)
    periods: list[str] = field(default_factory=list)
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    org_units: list[str] = field(default_factory=list)
    children: bool = False
    last_updated: dt.datetime | None = None


def _descendants(area_ids: set[int]) -> set[int]:
    from baocao.geo.models import AdminArea

    children: dict[int, list[int]] = {}
    for pk, parent in AdminArea.objects.exclude(parent__isnull=True).values_list("id", "parent_id"):
        children.setdefault(parent, []).append(pk)
    out = set(area_ids)
    todo = list(area_ids)
    while todo:
        a = todo.pop()
        for c in children.get(a, ()):
            if c not in out:
                out.add(c)
                todo.append(c)
    return out


def export_queryset(flt: ExportFilter, user: Any = None, system: bool = False) -> Any:
    """The values matching ``flt`` that ``user`` may read (``reporting.services.visible_areas``).

    Raises ``ImportError_`` for an unknown data set, data element, period or organisation unit.
    """
    from baocao.catalog.models import Indicator
    from baocao.datavalues.models import DataValue
    from baocao.geo.models import AdminArea
    from baocao.periods.services import PeriodError, parse_period
    from baocao.reporting.models import FormItem, ReportForm
    from baocao.reporting.services import visible_areas

    qs = DataValue.objects.all()
    if flt.data_sets:
        known = set(ReportForm.objects.filter(code__in=flt.data_sets).values_list("code", flat=True))
        missing = [c for c in flt.data_sets if c not in known]
        if missing:
            raise ImportError_(f"Không có biểu mẫu (dataSet) mã “{missing[0]}”", "dataSet")
        ids = FormItem.objects.filter(section__version__form__code__in=flt.data_sets).values_list("indicator_id", flat=True)
        types = set(ReportForm.objects.filter(code__in=flt.data_sets).values_list("period_type", flat=True))
        qs = qs.filter(indicator_id__in=set(ids), period_type__in=types)
    if flt.data_elements:
        found = dict(Indicator.objects.filter(code__in=flt.data_elements).values_list("code", "id"))
        missing = [c for c in flt.data_elements if c not in found]
        if missing:
            raise ImportError_(f"Không có chỉ tiêu (dataElement) mã “{missing[0]}”", "dataElement")
        qs = qs.filter(indicator_id__in=found.values())
    if flt.periods:
        codes = []
        for p in flt.periods:
            try:
                codes.append(parse_period(p).code)
            except PeriodError as exc:
                raise ImportError_(str(exc), "period") from None
        qs = qs.filter(period__in=codes)
    if flt.start_date:
        qs = qs.filter(period_start__gte=flt.start_date)
    if flt.end_date:
        qs = qs.filter(period_end__lte=flt.end_date)
    if flt.last_updated:
        qs = qs.filter(updated_at__gte=flt.last_updated)
    if flt.org_units:
        found = dict(AdminArea.objects.filter(uid__in=flt.org_units).values_list("uid", "id"))
        missing = [c for c in flt.org_units if c not in found]
        if missing:
            raise ImportError_(f"Không có đơn vị (orgUnit) mã “{missing[0]}”", "orgUnit")
        ids = set(found.values())
        qs = qs.filter(area_id__in=_descendants(ids) if flt.children else ids)
    if not system:
        visible = visible_areas(user)
        if visible is not None:
            qs = qs.filter(area_id__in=_descendants(set(visible)))
    return qs.order_by("indicator__code", "period_start", "period_type", "area__uid", "disagg")


_EXPORT_FIELDS = (
    "indicator__code", "period", "area__uid", "disagg", "value", "updated_by__username", "updated_at", "created_at",
    "comment", "numerator", "denominator", "qualifier",
)


def _num(d: Decimal | None) -> str:
    if d is None:
        return ""
    d = Decimal(d)
    if d == d.to_integral_value():
        return str(d.quantize(Decimal(1)))
    return format(d.normalize(), "f")


def _when(t: dt.datetime | None) -> str:
    return t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z" if t else ""


def export_rows(qs: Any) -> Iterator[dict[str, Any]]:
    """Stream the values of ``qs`` as DHIS2 data values (strings, extensions only when set)."""
    for r in qs.values_list(*_EXPORT_FIELDS).iterator(chunk_size=5000):
        code, period, uid, disagg, value, by, updated, created, comment, num, den, qual = r
        d: dict[str, Any] = {
            "dataElement": code, "period": period, "orgUnit": uid, "categoryOptionCombo": disagg or "default",
            "attributeOptionCombo": "default", "value": _num(value), "storedBy": by or "",
            "created": _when(created), "lastUpdated": _when(updated), "comment": comment or "", "followup": False,
        }
        if num is not None:
            d["numerator"] = _num(num)
        if den is not None:
            d["denominator"] = _num(den)
        if qual and qual != "exact":
            d["qualifier"] = qual
        yield d


def export_json(qs: Any) -> Iterator[bytes]:
    """A streaming JSON dataValueSet (chunks of about 64 KB)."""
    import json

    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    yield b'{"dataValues":['
    parts: list[str] = []
    size = 0
    first = True
    for d in export_rows(qs):
        s = dumps(d)
        parts.append(s if first else "," + s)
        first = False
        size += len(s)
        if size > 65536:
            yield "".join(parts).encode()
            parts, size = [], 0
    if parts:
        yield "".join(parts).encode()
    yield b"]}"


CSV_EXPORT = (
    "dataelement", "period", "orgunit", "categoryoptioncombo", "attributeoptioncombo", "value", "storedby",
    "lastupdated", "comment", "followup", "numerator", "denominator", "qualifier",
)  # fmt: skip


def export_csv(qs: Any) -> Iterator[bytes]:
    """A streaming CSV dataValueSet: DHIS2's column order, then our extensions."""
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_EXPORT)
    for d in export_rows(qs):
        w.writerow(
            (
                d["dataElement"], d["period"], d["orgUnit"], d["categoryOptionCombo"], d["attributeOptionCombo"],
                d["value"], d["storedBy"], d["lastUpdated"], d["comment"], "false", d.get("numerator", ""),
                d.get("denominator", ""), d.get("qualifier", ""),
            )
        )
        if buf.tell() > 65536:
            yield buf.getvalue().encode()
            buf.seek(0)
            buf.truncate()
    if buf.tell():
        yield buf.getvalue().encode()


def read_file(path: str, fmt: str | None = None) -> tuple[BinaryIO, str]:
    """Open an import file; the format comes from ``fmt`` or the suffix (``.json``, ``.csv``)."""
    if fmt is None:
        low = path.lower()
        if low.endswith(".csv"):
            fmt = "csv"
        elif low.endswith(".json"):
            fmt = "json"
        else:
            raise ImportError_("Không đoán được định dạng từ tên tệp: dùng --format json hoặc --format csv", "format")
    return open(path, "rb"), fmt  # noqa: SIM115 - closed by the caller
