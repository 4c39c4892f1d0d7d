"""The Excel round trip of a report, through ``baocao.excel`` (build, parse, diff).

``build(sub, period)`` gives the pre-filled workbook; ``upload(sub, period, user, data, apply=…)``
parses an uploaded workbook, lists every problem by sheet and cell, shows what would change (dry
run) and, when asked and clean, writes the changes in one transaction through ``save_values``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from baocao.core.numbers import format_number
from baocao.periods.services import Period

from . import services as s
from .models import Submission


@dataclass
class UploadProblem:
    sheet: str
    cell: str
    message: str


@dataclass
class Change:
    key: str
    label: str
    old: str
    new: str


@dataclass
class UploadResult:
    problems: list[UploadProblem] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    applied: bool = False
    written: int = 0


def _lib() -> Any:
    try:
        from baocao.excel import services as lib
    except ImportError:
        raise s.ReportingError("Chức năng Excel chưa sẵn sàng trên máy chủ này.") from None
    return lib


def layout(sub: Submission, period: Period, rows: list[s.EntryItem] | None = None) -> Any:
    from baocao.excel import layout as L

    rows = rows if rows is not None else s.entry_items(sub, period)
    sections: list[Any] = []
    current: list[Any] = []
    title = None
    for r in rows:
        if r.section != title:
            if title is not None:
                sections.append(L.FormSection(title, tuple(current)))
            title, current = r.section, []
        ind = r.indicator
        current.append(
            L.FormItem(
                code=ind.code, label=r.label, unit=ind.unit, value_type=ind.value_type, decimals=ind.decimals or 0,
                needs_parts=r.needs_fraction, min_value=ind.min_value, max_value=ind.max_value, disagg=r.item.disagg,
            )
        )
    if title is not None:
        sections.append(L.FormSection(title, tuple(current)))
    info = s.deadline_info(sub.form, period)
    from baocao.orgs.services import ministry_on

    try:
        receiver = str(ministry_on(period.end))
    except ValueError:
        receiver = "Bộ"
    return L.FormLayout(
        code=sub.form.code, symbol=sub.form.symbol, title=sub.form.title, version=sub.version.number,
        period_code=period.code, period_label=period.label_vi,
        reporting_unit=str(sub.organisation or sub.area), receiving_unit=receiver, deadline=info.deadline,
        sections=tuple(sections), unit_code=sub.area.uid, legal_basis=sub.form.regime.legal_basis,
    )


def _cells(rows: list[s.EntryItem]) -> dict[tuple[str, str], Any]:
    from baocao.excel.layout import CellValue

    return {
        (r.indicator.code, r.item.disagg): CellValue(r.value.value, r.value.numerator, r.value.denominator, r.value.comment, r.value.qualifier)
        for r in rows
        if r.value is not None
    }


def build(sub: Submission, period: Period) -> bytes:
    from baocao.excel.layout import CellValue

    lib = _lib()
    rows = s.entry_items(sub, period)
    previous = {(r.indicator.code, r.item.disagg): CellValue(r.previous) for r in rows if r.previous is not None}
    return lib.build_workbook(layout(sub, period, rows), _cells(rows), previous=previous)


def max_upload_bytes() -> int:
    try:
        from baocao.excel.services import default_limits
    except ImportError:
        return 10 * 1024 * 1024
    return default_limits().max_bytes


def _text(d: Decimal | None) -> str:
    return "" if d is None else format_number(d)


def _problem(p: Any) -> UploadProblem:
    return UploadProblem(str(getattr(p, "sheet", "") or ""), str(getattr(p, "cell", "") or ""), str(getattr(p, "text", p)))


def upload(sub: Submission, period: Period, user: Any, data: bytes, *, apply: bool = False, request: Any = None) -> UploadResult:
    """Parse ``data``; list problems by sheet/cell; the changes; when ``apply`` and clean, write them
    (in one transaction, through ``save_values``: any refused value → nothing written)."""
    s.require(user, "upload", sub.area_id)
    s._lock_check(sub, period)
    lib = _lib()
    rows = s.entry_items(sub, period)
    by_key = {(r.indicator.code, r.item.disagg): r for r in rows}
    form_layout = layout(sub, period, rows)
    parsed = lib.parse_workbook(data, form_layout)
    result = UploadResult(problems=[_problem(p) for p in parsed.problems])
    if result.problems:
        return result
    typed: dict[str, dict[str, str]] = {}
    for ch in lib.diff(parsed.values, _cells(rows), keys=lib.layout_keys(form_layout)):
        row = by_key[(ch.code, ch.disagg)]
        new = ch.new
        result.changes.append(
            Change(row.key, f"{row.indicator.name} – {row.label}" if row.item.disagg else row.label,
                   _text(ch.old.value if ch.old else None), _text(new.value if new else None))
        )
        typed[row.key] = {
            "value": _text(new.value if new else None),
            "numerator": _text(new.numerator if new else None),
            "denominator": _text(new.denominator if new else None),
            "comment": (new.comment if new else "") or "",
            "version": str(row.value.version) if row.value is not None else "",
        }
    if not apply or not typed:
        return result
    saved = s.save_values(sub, period, user, typed, source="excel", request=request, items=rows)
    if not saved.ok:
        result.problems = [
            UploadProblem("Bieu_mau", "", f"{k}: {m}") for k, m in saved.errors.items()
        ]
        return result
    result.applied, result.written = True, saved.written + saved.deleted
    return result


# --- keeping a dry-run file until it is applied ----------------------------------------------------

STASH_SECONDS = 3600


def _stash_dir() -> Any:
    import tempfile
    from pathlib import Path

    d = Path(tempfile.gettempdir()) / "baocao-uploads"
    d.mkdir(mode=0o700, exist_ok=True)
    return d


def _owner(user: Any, sub: Submission, period: Period) -> str:
    return f"{user.pk}|{sub.form.code}|{period.code}|{sub.area.uid}"


def stash(data: bytes, user: Any, sub: Submission, period: Period) -> str:
    """Keep an uploaded file (after its dry run) for an hour; the token applies it without uploading again."""
    import json
    import secrets
    import time

    d = _stash_dir()
    now = time.time()
    for old in d.glob("*.json"):  # forget stale files
        try:
            if now - old.stat().st_mtime > STASH_SECONDS:
                old.unlink(missing_ok=True)
                old.with_suffix(".xlsx").unlink(missing_ok=True)
        except OSError:
            pass
    token = secrets.token_urlsafe(18)
    (d / f"{token}.xlsx").write_bytes(data)
    (d / f"{token}.json").write_text(json.dumps({"owner": _owner(user, sub, period), "at": now}))
    return token


def unstash(token: str, user: Any, sub: Submission, period: Period) -> bytes | None:
    """The file kept under ``token`` if it belongs to this user and report and is fresh; else None."""
    import json
    import re
    import time

    if not re.fullmatch(r"[A-Za-z0-9_-]{10,64}", token or ""):
        return None
    d = _stash_dir()
    meta, data = d / f"{token}.json", d / f"{token}.xlsx"
    try:
        info = json.loads(meta.read_text())
        if info.get("owner") != _owner(user, sub, period) or time.time() - info.get("at", 0) > STASH_SECONDS:
            return None
        return data.read_bytes()
    except (OSError, ValueError):
        return None


def drop(token: str) -> None:
    d = _stash_dir()
    for suffix in (".json", ".xlsx"):
        (d / f"{token}{suffix}").unlink(missing_ok=True)
