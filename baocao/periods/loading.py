"""Load regimes, their rules and the holiday calendar from the versioned fixtures.

``load_regimes()`` validates both files completely first and raises :class:`LoadError` listing every
problem (nothing written); then upserts in one transaction (regimes by ``code``, rules by
``(regime, period_type)``, holidays by ``date``). Running it twice changes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.db import transaction

from baocao.periods.services import PERIOD_TYPES, Period, rule_deadline, rule_window

FIXTURES = Path(__file__).resolve().parent / "fixtures"
REGIMES_FILE = FIXTURES / "regimes.json"
HOLIDAYS_FILE = FIXTURES / "holidays.json"

REGIME_FIELDS = (
    "name",
    "name_en",
    "legal_basis",
    "kind",
    "is_default",
    "description",
    "valid_from",
    "valid_to",
)
RULE_INT_FIELDS = {
    "window_start_month_offset": (-12, 12),
    "window_start_day": (0, 31),
    "window_end_month_offset": (-12, 12),
    "window_end_day": (0, 31),
    "deadline_month_offset": (-12, 24),
    "deadline_day": (0, 31),
    "lock_after_days": (0, 3650),
    "due_soon_days": (0, 365),
}
KINDS = ("periodic", "statistical")
HOLIDAY_KINDS = ("holiday", "day_off", "working_day")


class LoadError(ValueError):
    """The fixture is invalid; ``errors`` lists every problem, each naming the field."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("Dữ liệu chế độ báo cáo không hợp lệ:\n- " + "\n- ".join(errors))


@dataclass
class LoadResult:
    created: dict[str, int] = field(default_factory=lambda: {"regime": 0, "rule": 0, "holiday": 0})
    updated: dict[str, int] = field(default_factory=lambda: {"regime": 0, "rule": 0, "holiday": 0})
    unchanged: dict[str, int] = field(default_factory=lambda: {"regime": 0, "rule": 0, "holiday": 0})

    def summary(self) -> str:
        parts = []
        for key, label in (("regime", "chế độ"), ("rule", "quy định kỳ"), ("holiday", "ngày nghỉ/làm bù")):
            parts.append(
                f"{label}: {self.created[key]} mới, {self.updated[key]} cập nhật, {self.unchanged[key]} không đổi"
            )
        return "; ".join(parts)


def _read(path: Path, errors: list[str]) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        errors.append(f"{path}: không có tệp")
    except json.JSONDecodeError as exc:
        errors.append(f"{path}: JSON lỗi ở dòng {exc.lineno}: {exc.msg}")
    return None


def _date_or_none(value: Any, where: str, errors: list[str]) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        errors.append(f"{where}: ngày không hợp lệ «{value}» (dạng YYYY-MM-DD)")
        return None


def validate_regimes(data: Any) -> tuple[list[dict[str, Any]], list[str]]:
    errors: list[str] = []
    if not isinstance(data, dict) or not isinstance(data.get("regimes"), list):
        return [], ['regimes.json: phải là {"regimes": [...]}']
    clean: list[dict[str, Any]] = []
    codes: set[str] = set()
    defaults = 0
    for i, raw in enumerate(data["regimes"]):
        where = f"regimes[{i}]"
        if not isinstance(raw, dict):
            errors.append(f"{where}: phải là một đối tượng")
            continue
        code = raw.get("code")
        if not isinstance(code, str) or not code.strip() or len(code) > 40:
            errors.append(f"{where}.code: thiếu hoặc dài quá 40 ký tự")
            continue
        where = f"regimes[{code}]"
        if code in codes:
            errors.append(f"{where}.code: trùng mã")
        codes.add(code)
        if not isinstance(raw.get("name"), str) or not raw["name"].strip():
            errors.append(f"{where}.name: thiếu tên chế độ")
        for text_field, limit in (("name", 250), ("name_en", 250), ("legal_basis", 250)):
            if len(str(raw.get(text_field) or "")) > limit:
                errors.append(f"{where}.{text_field}: dài quá {limit} ký tự")
        kind = raw.get("kind", "periodic")
        if kind not in KINDS:
            errors.append(f"{where}.kind: «{kind}» không hợp lệ (chỉ nhận {', '.join(KINDS)})")
        is_default = raw.get("is_default", False)
        if not isinstance(is_default, bool):
            errors.append(f"{where}.is_default: phải là true/false")
        defaults += bool(is_default)
        valid_from = _date_or_none(raw.get("valid_from"), f"{where}.valid_from", errors)
        valid_to = _date_or_none(raw.get("valid_to"), f"{where}.valid_to", errors)
        if valid_from and valid_to and valid_to < valid_from:
            errors.append(f"{where}.valid_to: trước valid_from")
        rules_raw = raw.get("rules")
        if not isinstance(rules_raw, list) or not rules_raw:
            errors.append(f"{where}.rules: phải có ít nhất một quy định kỳ")
            rules_raw = []
        rules: list[dict[str, Any]] = []
        seen: set[str] = set()
        for j, r in enumerate(rules_raw):
            rwhere = f"{where}.rules[{j}]"
            if not isinstance(r, dict):
                errors.append(f"{rwhere}: phải là một đối tượng")
                continue
            ptype = r.get("period_type")
            if ptype not in PERIOD_TYPES:
                errors.append(
                    f"{rwhere}.period_type: «{ptype}» không hợp lệ (chỉ nhận {', '.join(PERIOD_TYPES)})"
                )
                continue
            rwhere = f"{where}.rules[{ptype}]"
            if ptype in seen:
                errors.append(f"{rwhere}: trùng loại kỳ")
            seen.add(ptype)
            rule: dict[str, Any] = {"period_type": ptype, "note": str(r.get("note") or "")}
            if len(rule["note"]) > 250:
                errors.append(f"{rwhere}.note: dài quá 250 ký tự")
            ok = True
            for name, (low, high) in RULE_INT_FIELDS.items():
                value = r.get(name)
                if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                    errors.append(f"{rwhere}.{name}: phải là số nguyên từ {low} đến {high}, nhận «{value}»")
                    ok = False
                rule[name] = value
            if ok:
                # Check the window on real periods (a leap year and a plain one, first and last index).
                for year in (2023, 2024):
                    for index in (
                        1,
                        12 if ptype == "month" else {"quarter": 4, "half_year": 2}.get(ptype, 1),
                    ):
                        p = Period(ptype, year, index)
                        spec = _Spec(rule)
                        start, end = rule_window(p, spec)
                        if end < start:
                            errors.append(
                                f"{rwhere}: cửa sổ chốt số liệu kết thúc trước khi bắt đầu ({p.code})"
                            )
                        elif (end - start).days > 400:
                            errors.append(f"{rwhere}: cửa sổ chốt số liệu dài bất thường ({p.code})")
                        if rule_deadline(p, spec) < start:
                            errors.append(
                                f"{rwhere}: hạn gửi trước khi cửa sổ chốt số liệu bắt đầu ({p.code})"
                            )
            rules.append(rule)
        clean.append(
            {
                "code": code,
                "name": str(raw.get("name") or ""),
                "name_en": str(raw.get("name_en") or ""),
                "legal_basis": str(raw.get("legal_basis") or ""),
                "kind": kind,
                "is_default": bool(is_default),
                "description": str(raw.get("description") or ""),
                "valid_from": valid_from,
                "valid_to": valid_to,
                "rules": rules,
            }
        )
    if defaults > 1:
        errors.append("regimes: chỉ được một chế độ mặc định (is_default)")
    # de-duplicate repeated messages from the sample periods
    return clean, list(dict.fromkeys(errors))


class _Spec:
    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)


def validate_holidays(data: Any) -> tuple[list[dict[str, Any]], list[str]]:
    errors: list[str] = []
    if not isinstance(data, dict) or not isinstance(data.get("holidays"), list):
        return [], ['holidays.json: phải là {"holidays": [...]}']
    clean: list[dict[str, Any]] = []
    seen: set[date] = set()
    for i, raw in enumerate(data["holidays"]):
        where = f"holidays[{i}]"
        if not isinstance(raw, dict):
            errors.append(f"{where}: phải là một đối tượng")
            continue
        day = _date_or_none(raw.get("date"), f"{where}.date", errors)
        if day is None:
            if raw.get("date") in (None, ""):
                errors.append(f"{where}.date: thiếu ngày")
            continue
        where = f"holidays[{day.isoformat()}]"
        if day in seen:
            errors.append(f"{where}.date: trùng ngày")
        seen.add(day)
        name = raw.get("name")
        if not isinstance(name, str) or not name.strip() or len(name) > 200:
            errors.append(f"{where}.name: thiếu tên hoặc dài quá 200 ký tự")
        kind = raw.get("kind")
        if kind not in HOLIDAY_KINDS:
            errors.append(f"{where}.kind: «{kind}» không hợp lệ (chỉ nhận {', '.join(HOLIDAY_KINDS)})")
        elif kind == "working_day" and day.weekday() < 5:
            errors.append(f"{where}.kind: ngày làm bù phải là thứ Bảy hoặc Chủ nhật")
        elif kind == "day_off" and day.weekday() >= 5:
            errors.append(f"{where}.kind: ngày nghỉ bù/hoán đổi phải là ngày trong tuần")
        note = str(raw.get("note") or "")
        if len(note) > 250:
            errors.append(f"{where}.note: dài quá 250 ký tự")
        clean.append({"date": day, "name": str(name or ""), "kind": kind, "note": note})
    return clean, errors


def load_regimes(regimes_path: Path | None = None, holidays_path: Path | None = None) -> LoadResult:
    """Validate then upsert regimes, rules and holidays. Raises :class:`LoadError`, writing nothing."""
    from baocao.periods.models import Holiday, Regime, RegimeRule

    errors: list[str] = []
    regimes_data = _read(Path(regimes_path or REGIMES_FILE), errors)
    holidays_data = _read(Path(holidays_path or HOLIDAYS_FILE), errors)
    if errors:
        raise LoadError(errors)
    regimes, reg_errors = validate_regimes(regimes_data)
    holidays, hol_errors = validate_holidays(holidays_data)
    if reg_errors or hol_errors:
        raise LoadError(reg_errors + hol_errors)

    result = LoadResult()

    def upsert(model: Any, key: dict[str, Any], values: dict[str, Any], bucket: str) -> Any:
        obj = model.objects.filter(**key).first()
        if obj is None:
            obj = model.objects.create(**key, **values)
            result.created[bucket] += 1
            return obj
        changed = [name for name, value in values.items() if getattr(obj, name) != value]
        if changed:
            for name in changed:
                setattr(obj, name, values[name])
            obj.save(update_fields=changed)
            result.updated[bucket] += 1
        else:
            result.unchanged[bucket] += 1
        return obj

    with transaction.atomic():
        if any(r["is_default"] for r in regimes):
            default_code = next(r["code"] for r in regimes if r["is_default"])
            Regime.objects.filter(is_default=True).exclude(code=default_code).update(is_default=False)
        for reg in regimes:
            values = {name: reg[name] for name in REGIME_FIELDS}
            regime = upsert(Regime, {"code": reg["code"]}, values, "regime")
            for rule in reg["rules"]:
                rule_values = {k: v for k, v in rule.items() if k != "period_type"}
                upsert(
                    RegimeRule, {"regime": regime, "period_type": rule["period_type"]}, rule_values, "rule"
                )
        for hol in holidays:
            upsert(Holiday, {"date": hol["date"]}, {k: v for k, v in hol.items() if k != "date"}, "holiday")
    return result
