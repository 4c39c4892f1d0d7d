"""Catalog services: validate the catalog file, load it (upsert by code, one transaction), export it.

The catalog file (``fixtures/catalog.json``) is a JSON object::

    {"version": "...", "updated": "YYYY-MM-DD",
     "domains": [{"code", "name", "name_en", "order"}],
     "disaggregations": [{"code", "name", "name_en"}],
     "indicators": [{"code", "name", "name_en", "domain", "unit", "unit_aliases", "value_type",
                     "agg_space", "agg_time", "weight", "condition", "decimals", "min", "max", "scope",
                     "disaggregations", "phrases", "definition", "legal_basis", "valid_from", "valid_to"}]}

``validate_catalog`` returns every problem (code + field + message); ``load_catalog`` writes nothing
unless the whole file is valid, and never deletes an indicator that is missing from the file.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import transaction

from baocao.core.text import fold

from .aggregation import AggregationError, parse_condition
from .models import Disaggregation, Domain, Indicator, SpaceAggregation, TimeAggregation, ValueType

DEFAULT_FILE = Path(__file__).resolve().parent / "fixtures" / "catalog.json"

CODE_RE = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$")
DOMAIN_CODE_RE = re.compile(r"^[a-z][a-z0-9_]*$")
SCOPES = {"province", "national", "both"}
POPULATION = "population"
RATIO_TYPES = {ValueType.PERCENT, ValueType.FRACTION, ValueType.RATIO, ValueType.DENSITY}

INDICATOR_FIELDS = {
    "code", "name", "name_en", "domain", "unit", "unit_aliases", "value_type", "agg_space", "agg_time",
    "weight", "condition", "decimals", "min", "max", "scope", "disaggregations", "phrases", "definition",
    "legal_basis", "valid_from", "valid_to",
}  # fmt: skip
REQUIRED = ("code", "name", "name_en", "domain", "unit", "value_type", "agg_space", "agg_time")


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the catalog file: where (section, code, field) and what."""

    section: str
    code: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.section} {self.code or '?'}: {self.field}: {self.message}"


class CatalogError(ValueError):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(
            f"{len(problems)} lỗi trong danh mục chỉ tiêu:\n" + "\n".join(f"  - {p}" for p in problems)
        )


@dataclass
class LoadReport:
    version: str = ""
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)  # in the database, not in the file: kept, reported
    domains: int = 0
    disaggregations: int = 0

    def summary(self) -> str:
        text = (
            f"Danh mục phiên bản {self.version}: {len(self.created)} chỉ tiêu thêm mới, "
            f"{len(self.updated)} cập nhật, {len(self.unchanged)} không đổi; "
            f"{self.domains} lĩnh vực, {self.disaggregations} phân tổ."
        )
        if self.absent:
            text += (
                f"\nCó {len(self.absent)} chỉ tiêu trong CSDL không có trong tệp (giữ nguyên, không xóa): "
                + ", ".join(self.absent)
            )
        return text


def read_catalog_file(path: str | Path | None = None) -> dict[str, Any]:
    path = Path(path) if path else DEFAULT_FILE
    try:
        with path.open(encoding="utf-8") as fh:
            data = json.load(fh)
    except FileNotFoundError as exc:
        raise CatalogError([Problem("file", str(path), "path", "không tìm thấy tệp")]) from exc
    except json.JSONDecodeError as exc:
        raise CatalogError(
            [
                Problem(
                    "file",
                    str(path),
                    "json",
                    f"JSON không hợp lệ (dòng {exc.lineno}, cột {exc.colno}): {exc.msg}",
                )
            ]
        ) from exc
    return data


def _date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise InvalidOperation
    return Decimal(str(value))


def validate_catalog(data: Any) -> list[Problem]:
    """Check the whole catalog; return every problem found (empty list = valid)."""
    problems: list[Problem] = []

    def bad(section: str, code: str, fld: str, message: str) -> None:
        problems.append(Problem(section, code, fld, message))

    if not isinstance(data, dict):
        return [
            Problem(
                "file",
                "",
                "root",
                "phải là một đối tượng JSON có version, domains, disaggregations, indicators",
            )
        ]
    for key in ("version", "updated"):
        if not data.get(key):
            bad("file", "", key, "thiếu")
    if data.get("updated"):
        try:
            _date(data["updated"])
        except ValueError:
            bad("file", "", "updated", f"ngày không hợp lệ: {data['updated']!r} (cần YYYY-MM-DD)")
    lists = {}
    for key in ("domains", "disaggregations", "indicators"):
        value = data.get(key)
        if not isinstance(value, list):
            bad("file", "", key, "phải là một danh sách")
            value = []
        lists[key] = value

    domain_codes: set[str] = set()
    for i, dom in enumerate(lists["domains"]):
        code = str(dom.get("code", "")) if isinstance(dom, dict) else ""
        if not isinstance(dom, dict):
            bad("domain", f"#{i + 1}", "", "phải là một đối tượng")
            continue
        if not DOMAIN_CODE_RE.match(code) or len(code) > 20:
            bad(
                "domain",
                code or f"#{i + 1}",
                "code",
                "mã lĩnh vực phải là chữ thường, số, gạch dưới, tối đa 20 ký tự",
            )
        if code in domain_codes:
            bad("domain", code, "code", "mã bị trùng")
        domain_codes.add(code)
        for fld in ("name", "name_en"):
            if not dom.get(fld):
                bad("domain", code, fld, "thiếu")

    disagg_codes: set[str] = set()
    for i, dis in enumerate(lists["disaggregations"]):
        if not isinstance(dis, dict):
            bad("disaggregation", f"#{i + 1}", "", "phải là một đối tượng")
            continue
        code = str(dis.get("code", ""))
        if not DOMAIN_CODE_RE.match(code) or len(code) > 32:
            bad(
                "disaggregation",
                code or f"#{i + 1}",
                "code",
                "mã phân tổ phải là chữ thường, số, gạch dưới, tối đa 32 ký tự",
            )
        if code in disagg_codes:
            bad("disaggregation", code, "code", "mã bị trùng")
        disagg_codes.add(code)
        if not dis.get("name"):
            bad("disaggregation", code, "name", "thiếu")

    indicators = [i for i in lists["indicators"] if isinstance(i, dict)]
    for i, ind in enumerate(lists["indicators"]):
        if not isinstance(ind, dict):
            bad("indicator", f"#{i + 1}", "", "phải là một đối tượng")
    codes: dict[str, dict] = {}
    for ind in indicators:
        code = str(ind.get("code", ""))
        if code in codes:
            bad("indicator", code, "code", "mã chỉ tiêu bị trùng")
        codes[code] = ind

    for i, ind in enumerate(indicators):
        code = str(ind.get("code") or f"#{i + 1}")

        def err(fld: str, message: str, code: str = code) -> None:
            bad("indicator", code, fld, message)

        for fld in REQUIRED:
            if ind.get(fld) in (None, ""):
                err(fld, "thiếu")
        for fld in sorted(set(ind) - INDICATOR_FIELDS):
            err(fld, "trường không xác định")
        if ind.get("code") and (not CODE_RE.match(code) or len(code) > 40):
            err("code", "mã phải VIẾT_HOA_GẠCH_DƯỚI (A–Z, 0–9, _), tối đa 40 ký tự")
        if ind.get("domain") and ind["domain"] not in domain_codes:
            err("domain", f"lĩnh vực không tồn tại: {ind['domain']!r}")
        if len(str(ind.get("unit", ""))) > 60:
            err("unit", "tối đa 60 ký tự")
        if len(str(ind.get("name", ""))) > 300:
            err("name", "tối đa 300 ký tự")
        vt = ind.get("value_type")
        if vt and vt not in ValueType.values:
            err("value_type", f"kiểu giá trị không xác định: {vt!r} (chọn: {', '.join(ValueType.values)})")
        space = ind.get("agg_space")
        if space and space not in SpaceAggregation.values:
            err(
                "agg_space", f"quy tắc không xác định: {space!r} (chọn: {', '.join(SpaceAggregation.values)})"
            )
        time = ind.get("agg_time")
        if time and time not in TimeAggregation.values:
            err("agg_time", f"quy tắc không xác định: {time!r} (chọn: {', '.join(TimeAggregation.values)})")

        # rule consistency
        if space == SpaceAggregation.SUM and vt in RATIO_TYPES - {ValueType.FRACTION}:
            err(
                "agg_space", f"không cộng (sum) được giá trị kiểu {vt}: dùng ratio_of_sums hoặc weighted_mean"
            )
        if space == SpaceAggregation.RATIO_OF_SUMS and vt not in RATIO_TYPES:
            err(
                "agg_space", f"ratio_of_sums chỉ dùng cho tỷ lệ, tỷ số, mật độ, phân số (không dùng cho {vt})"
            )
        if vt == ValueType.FRACTION and space != SpaceAggregation.RATIO_OF_SUMS:
            err("agg_space", "chỉ tiêu phân số (tử số/mẫu số) phải cộng gộp bằng ratio_of_sums")
        if space == SpaceAggregation.COUNT_IF and vt not in (ValueType.COUNT, ValueType.BOOLEAN):
            err(
                "agg_space",
                f"count_if cho ra số đơn vị: kiểu giá trị phải là count hoặc boolean, không phải {vt}",
            )
        if (
            time == TimeAggregation.FLOW
            and vt not in (ValueType.COUNT, ValueType.MONEY)
            and space != SpaceAggregation.RATIO_OF_SUMS
        ):
            err(
                "agg_time",
                f"flow (cộng dồn theo thời gian) cần số cộng được hoặc tỷ lệ của tổng, không dùng cho {vt} với {space}",
            )
        if space == SpaceAggregation.WEIGHTED_MEAN and vt in (
            ValueType.COUNT,
            ValueType.MONEY,
            ValueType.BOOLEAN,
        ):
            err("agg_space", f"không lấy bình quân gia quyền cho giá trị kiểu {vt}: dùng sum hoặc count_if")
        weight = ind.get("weight")
        if space == SpaceAggregation.WEIGHTED_MEAN:
            if not weight:
                err("weight", f"bình quân gia quyền cần trọng số: mã chỉ tiêu hoặc {POPULATION!r}")
            elif weight != POPULATION and weight not in codes:
                err("weight", f"chỉ tiêu trọng số không tồn tại: {weight!r}")
            elif weight == code:
                err("weight", "chỉ tiêu không thể là trọng số của chính nó")
        elif weight:
            err("weight", "chỉ dùng trọng số khi agg_space là weighted_mean")
        condition = ind.get("condition")
        if space == SpaceAggregation.COUNT_IF:
            if not condition:
                err("condition", "đếm đơn vị đạt điều kiện cần điều kiện, ví dụ 'DVCTT_L34_SHARE >= 30'")
            else:
                try:
                    parsed = parse_condition(str(condition))
                except AggregationError as exc:
                    err("condition", str(exc))
                else:
                    if parsed.code not in codes:
                        err("condition", f"điều kiện tham chiếu mã chỉ tiêu không tồn tại: {parsed.code!r}")
                    if len(str(condition)) > 120:
                        err("condition", "tối đa 120 ký tự")
        elif condition:
            err("condition", "chỉ dùng điều kiện khi agg_space là count_if")

        decimals = ind.get("decimals", 0)
        if not isinstance(decimals, int) or isinstance(decimals, bool) or not 0 <= decimals <= 6:
            err("decimals", "phải là số nguyên từ 0 đến 6")
        bounds: dict[str, Decimal | None] = {}
        for fld in ("min", "max"):
            try:
                bounds[fld] = _decimal(ind.get(fld))
            except (InvalidOperation, ValueError):
                err(fld, f"không phải là số: {ind.get(fld)!r}")
                bounds[fld] = None
        if bounds.get("min") is not None and bounds.get("max") is not None and bounds["min"] > bounds["max"]:
            err("min", f"min ({bounds['min']}) lớn hơn max ({bounds['max']})")
        if vt == ValueType.PERCENT and bounds.get("min") is not None and bounds["min"] < 0:
            err("min", "tỷ lệ phần trăm không thể âm")
        scope = ind.get("scope", "province")
        if scope not in SCOPES:
            err("scope", f"phạm vi không xác định: {scope!r} (chọn: province, national, both)")
        for fld in ("disaggregations", "phrases", "unit_aliases"):
            value = ind.get(fld, [])
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                err(fld, "phải là danh sách chuỗi không rỗng")
        for dis in ind.get("disaggregations", []) if isinstance(ind.get("disaggregations"), list) else []:
            if dis not in disagg_codes:
                err("disaggregations", f"phân tổ không tồn tại: {dis!r}")
        phrases = ind.get("phrases")
        if isinstance(phrases, list):
            if not phrases:
                err("phrases", "cần ít nhất một cụm từ báo cáo dùng cho chỉ tiêu")
            if len(set(phrases)) != len(phrases):
                err("phrases", "có cụm từ bị lặp")
        dates: dict[str, dt.date | None] = {}
        for fld in ("valid_from", "valid_to"):
            try:
                dates[fld] = _date(ind.get(fld))
            except ValueError:
                err(fld, f"ngày không hợp lệ: {ind.get(fld)!r} (cần YYYY-MM-DD)")
                dates[fld] = None
        if dates.get("valid_from") and dates.get("valid_to") and dates["valid_from"] > dates["valid_to"]:
            err("valid_from", f"hiệu lực từ ({dates['valid_from']}) sau hiệu lực đến ({dates['valid_to']})")
    return problems


def _indicator_values(ind: dict, domains: dict[str, Domain]) -> dict[str, Any]:
    return {
        "name": ind["name"],
        "name_en": ind["name_en"],
        "domain": domains[ind["domain"]],
        "unit": ind["unit"],
        "unit_aliases": list(ind.get("unit_aliases", [])),
        "value_type": ind["value_type"],
        "agg_space": ind["agg_space"],
        "agg_time": ind["agg_time"],
        "condition": ind.get("condition") or "",
        "decimals": ind.get("decimals", 0),
        "min_value": _decimal(ind.get("min")),
        "max_value": _decimal(ind.get("max")),
        "scope": ind.get("scope", "province"),
        "phrases": list(ind.get("phrases", [])),
        "definition": ind.get("definition", ""),
        "legal_basis": ind.get("legal_basis", ""),
        "valid_from": _date(ind.get("valid_from")),
        "valid_to": _date(ind.get("valid_to")),
    }


def _same(obj: Indicator, values: dict[str, Any]) -> bool:
    for key, value in values.items():
        current = getattr(obj, key)
        if key == "domain":
            if obj.domain_id != value.pk:
                return False
        elif isinstance(value, Decimal) or isinstance(current, Decimal):
            if (current is None) != (value is None) or (value is not None and Decimal(current) != value):
                return False
        elif current != value:
            return False
    return True


def load_catalog(data: dict[str, Any] | None = None, path: str | Path | None = None) -> LoadReport:
    """Validate, then upsert domains, disaggregations and indicators by code in one transaction.

    Raises ``CatalogError`` (with every problem) and writes nothing if the file is invalid. Indicators
    in the database but not in the file are kept and listed in ``LoadReport.absent``.
    """
    if data is None:
        data = read_catalog_file(path)
    problems = validate_catalog(data)
    if problems:
        raise CatalogError(problems)
    report = LoadReport(version=str(data.get("version", "")))
    with transaction.atomic():
        domains: dict[str, Domain] = {}
        for order, dom in enumerate(data["domains"], start=1):
            obj, _ = Domain.objects.update_or_create(
                code=dom["code"],
                defaults={"name": dom["name"], "name_en": dom["name_en"], "order": dom.get("order", order)},
            )
            domains[obj.code] = obj
        report.domains = len(domains)
        disaggs: dict[str, Disaggregation] = {}
        for dis in data["disaggregations"]:
            obj, _ = Disaggregation.objects.update_or_create(
                code=dis["code"], defaults={"name": dis["name"], "name_en": dis.get("name_en", "")}
            )
            disaggs[obj.code] = obj
        report.disaggregations = len(disaggs)

        existing = {i.code: i for i in Indicator.objects.prefetch_related("disaggregations")}
        saved: dict[str, Indicator] = {}
        changed: set[str] = set()
        for ind in data["indicators"]:
            values = _indicator_values(ind, domains)
            obj = existing.get(ind["code"])
            if obj is None:
                obj = Indicator.objects.create(code=ind["code"], **values)
                report.created.append(obj.code)
            elif not _same(obj, values):
                for key, value in values.items():
                    setattr(obj, key, value)
                obj.save()
                changed.add(obj.code)
            saved[obj.code] = obj
        for ind in data["indicators"]:
            obj = saved[ind["code"]]
            weight_code = ind.get("weight")
            weight = saved[weight_code] if weight_code and weight_code != POPULATION else None
            if obj.weight_id != (weight.pk if weight else None):
                obj.weight = weight
                obj.save(update_fields=["weight"])
                changed.add(obj.code)
            wanted = {disaggs[c].pk for c in ind.get("disaggregations", [])}
            current = {d.pk for d in obj.disaggregations.all()} if obj.code in existing else set()
            if wanted != current:
                obj.disaggregations.set(wanted)
                changed.add(obj.code)
        for code in saved:
            if code in existing:
                (report.updated if code in changed else report.unchanged).append(code)
        report.absent = sorted(set(existing) - set(saved))
    return report


def indicator_as_dict(ind: Indicator) -> dict[str, Any]:
    """The public description of an indicator (used by ``baocao catalog --format json``)."""
    return {
        "code": ind.code,
        "name": ind.name,
        "name_en": ind.name_en,
        "domain": ind.domain.code,
        "domain_name": ind.domain.name,
        "unit": ind.unit,
        "unit_aliases": list(ind.unit_aliases or []),
        "value_type": ind.value_type,
        "agg_space": ind.agg_space,
        "agg_time": ind.agg_time,
        "weight": (
            ind.weight.code if ind.weight_id else (POPULATION if ind.agg_space == "weighted_mean" else None)
        ),
        "condition": ind.condition or None,
        "decimals": ind.decimals,
        "min": None if ind.min_value is None else float(ind.min_value),
        "max": None if ind.max_value is None else float(ind.max_value),
        "scope": ind.scope,
        "disaggregations": [d.code for d in ind.disaggregations.all()],
        "phrases": list(ind.phrases or []),
        "definition": ind.definition,
        "legal_basis": ind.legal_basis,
        "valid_from": ind.valid_from.isoformat() if ind.valid_from else None,
        "valid_to": ind.valid_to.isoformat() if ind.valid_to else None,
    }


def list_indicators(domain: str | None = None, on: dt.date | None = None) -> list[Indicator]:
    qs = Indicator.objects.select_related("domain", "weight").prefetch_related("disaggregations")
    if domain:
        qs = qs.filter(domain__code=domain)
    if on:
        qs = qs.valid_on(on)
    return list(qs.order_by("domain__order", "code"))


def export_catalog(version: str | None = None) -> dict[str, Any]:
    """The database's catalog in the file format (so admin edits can be written back to the fixture)."""
    indicators = []
    for ind in list_indicators():
        row = indicator_as_dict(ind)
        row.pop("domain_name")
        if ind.agg_space != SpaceAggregation.WEIGHTED_MEAN:
            row.pop("weight")
        if ind.agg_space != SpaceAggregation.COUNT_IF:
            row.pop("condition")
        for key in ("min", "max"):
            value = getattr(ind, f"{key}_value")
            row[key] = (
                None
                if value is None
                else (int(value) if value == value.to_integral_value() else float(value))
            )
            if row[key] is None:
                row.pop(key)
        indicators.append(row)
    return {
        "version": version or dt.date.today().strftime("%Y.%m.%d"),
        "updated": dt.date.today().isoformat(),
        "domains": [
            {"code": d.code, "name": d.name, "name_en": d.name_en, "order": d.order}
            for d in Domain.objects.all()
        ],
        "disaggregations": [
            {"code": d.code, "name": d.name, "name_en": d.name_en} for d in Disaggregation.objects.all()
        ],
        "indicators": indicators,
    }


def _norm_unit(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text or "").split()).casefold()


def unit_fits(indicator_like: Any, unit: str) -> bool:
    """Whether a unit written in a report (``"TB"``, ``"%"``, ``"xã"``) fits the indicator.

    The unit must be the indicator's unit or one of its aliases (ignoring case and spacing). ``"%"``
    also fits a fraction (158/199 xã is 79,4%) and a count of units meeting a condition (39/63 tỉnh).
    """

    def get(name: str) -> Any:
        return indicator_like.get(name) if isinstance(indicator_like, dict) else getattr(indicator_like, name)

    wanted = _norm_unit(unit)
    units = {_norm_unit(get("unit")), *(_norm_unit(u) for u in (get("unit_aliases") or []))}
    if wanted == "%":
        return get("value_type") in (ValueType.PERCENT, ValueType.FRACTION) or (
            get("agg_space") == SpaceAggregation.COUNT_IF and get("value_type") == ValueType.COUNT
        )
    return wanted in units


def phrase_index(on: dt.date | None = None) -> dict[str, str]:
    """Folded phrase → indicator code, for the indicators valid on ``on`` (all if None).

    Extraction matches report sentences against these keys (``baocao.core.text.fold`` on both sides).
    """
    qs = Indicator.objects.all()
    if on:
        qs = qs.valid_on(on)
    index: dict[str, str] = {}
    for code, phrases in qs.order_by("code").values_list("code", "phrases"):
        for phrase in phrases or []:
            index.setdefault(fold(phrase), code)
    return index
