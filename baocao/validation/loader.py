"""Load validation rules from JSON (``fixtures/rules.json``): check everything first, then write."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import transaction

from .models import MissingPolicy, RuleKind, Severity, ToleranceKind, ValidationRule
from .services import clear_cache, load_catalog_facts, validate_rule

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "rules.json"
FIELDS = (
    "name", "kind", "value_types", "left", "operator", "right", "severity", "period_types", "tolerance",
    "tolerance_kind", "missing", "message", "description", "valid_from", "valid_to", "active",
)  # fmt: skip


class RuleLoadError(ValueError):
    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("\n".join(errors))


@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def _date(raw: Any, where: str, errors: list[str]) -> dt.date | None:
    if raw in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(raw))
    except ValueError:
        errors.append(f"{where}: ngày «{raw}» không hợp lệ (viết YYYY-MM-DD)")
        return None


def _clean(row: Any, i: int, errors: list[str]) -> dict[str, Any] | None:
    where = f"Quy tắc thứ {i + 1}"
    if not isinstance(row, dict):
        errors.append(f"{where}: phải là một đối tượng JSON")
        return None
    code = str(row.get("code") or "").strip()
    if not code:
        errors.append(f"{where}: thiếu mã quy tắc (code)")
        return None
    where = f"Quy tắc {code}"
    for required in ("name", "left", "operator", "right"):
        if not str(row.get(required) or "").strip():
            errors.append(f"{where}: thiếu trường «{required}»")
    unknown = set(row) - set(FIELDS) - {"code"}
    if unknown:
        errors.append(f"{where}: trường không biết: {', '.join(sorted(unknown))}")
    out: dict[str, Any] = {
        "code": code,
        "name": str(row.get("name") or ""),
        "kind": row.get("kind") or RuleKind.EXPRESSION,
        "value_types": row.get("value_types") or "",
        "left": str(row.get("left") or ""),
        "operator": str(row.get("operator") or ""),
        "right": str(row.get("right") or ""),
        "severity": row.get("severity") or Severity.ERROR,
        "period_types": row.get("period_types") or "",
        "tolerance_kind": row.get("tolerance_kind") or ToleranceKind.ABSOLUTE,
        "missing": row.get("missing") or MissingPolicy.SKIP,
        "message": row.get("message") or "",
        "description": row.get("description") or "",
        "active": bool(row.get("active", True)),
        "valid_from": _date(row.get("valid_from"), where, errors),
        "valid_to": _date(row.get("valid_to"), where, errors),
    }
    try:
        out["tolerance"] = Decimal(str(row.get("tolerance") or 0))
    except InvalidOperation:
        errors.append(f"{where}: sai số «{row.get('tolerance')}» không phải là số")
        out["tolerance"] = Decimal(0)
    if out["tolerance_kind"] not in ToleranceKind.values:
        errors.append(f"{where}: loại sai số «{out['tolerance_kind']}» không hợp lệ (absolute, relative)")
    if out["missing"] not in MissingPolicy.values:
        errors.append(f"{where}: «missing» phải là skip hoặc zero")
    return out


def load_rules(path: Path | str | None = None, data: Any = None) -> LoadResult:
    """Validate every rule against the catalog, then create or update them (keyed by code + valid_from).

    Any problem raises :class:`RuleLoadError` listing all of them; nothing is written then.
    Idempotent: loading the same file twice changes nothing.
    """
    if data is None:
        p = Path(path) if path else FIXTURE
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise RuleLoadError([f"Không đọc được tệp {p}: {exc}"]) from exc
    rows = data.get("rules") if isinstance(data, dict) else data
    if not isinstance(rows, list):
        raise RuleLoadError(["Tệp quy tắc phải có danh sách «rules»"])
    errors: list[str] = []
    catalog = load_catalog_facts()
    cleaned: list[dict[str, Any]] = []
    seen: set[tuple[str, Any]] = set()
    for i, row in enumerate(rows):
        c = _clean(row, i, errors)
        if c is None:
            continue
        key = (c["code"], c["valid_from"])
        if key in seen:
            errors.append(f"Quy tắc {c['code']}: trùng mã và ngày hiệu lực")
        seen.add(key)
        errors.extend(validate_rule(c, catalog))
        cleaned.append(c)
    if errors:
        raise RuleLoadError(errors)
    result = LoadResult()
    with transaction.atomic():
        for c in cleaned:
            obj = ValidationRule.objects.filter(code=c["code"], valid_from=c["valid_from"]).first()
            if obj is None:
                ValidationRule.objects.create(**c)
                result.created += 1
                continue
            changed = [f for f in FIELDS if getattr(obj, f) != c[f]]
            if changed:
                for f in changed:
                    setattr(obj, f, c[f])
                obj.save()
                result.updated += 1
            else:
                result.unchanged += 1
    clear_cache()
    return result
