"""Check data values against the validation rules and flag outliers.

Entry points (all pure with respect to the database except where they read it on purpose):

- ``check_values(values, period=…, area=None, on=None) -> list[Violation]``: the rules over a mapping
  ``{(indicator code, disagg): value-like}``; used on every save of a form, so the parsed rules
  and the catalog facts they need are cached per process (cleared by signals on save/delete, and
  re-checked against the database at most every ``CACHE_SECONDS``).
- ``check_stored(area, period) -> list[Violation]``: the stored values of one area and period,
  rules plus outlier warnings.
- ``run_bulk(period, areas=None) -> BulkReport``: every province (or the given areas) for one
  period, for the Ministry (``baocao validate PERIOD``).
- ``validate_rule(rule) -> list[str]``: a rule's expressions checked against the catalog (used by
  ``load_rules`` and the admin).
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from decimal import Decimal
from typing import Any

from baocao.core.numbers import format_number

from . import expressions as ex
from .models import MissingPolicy, Operator, RuleKind, Severity, ToleranceKind, ValidationRule

CACHE_SECONDS = 30.0
PERIOD_TYPES = ("month", "quarter", "half_year", "nine_months", "year")
PARTS_TYPES = frozenset({"fraction", "percent", "ratio"})
_OP_TEXT = {"==": "=", "!=": "≠", "<=": "≤", "<": "<", ">=": "≥", ">": ">"}
_OP_VI = {
    "==": "phải bằng",
    "!=": "phải khác",
    "<=": "phải nhỏ hơn hoặc bằng",
    "<": "phải nhỏ hơn",
    ">=": "phải lớn hơn hoặc bằng",
    ">": "phải lớn hơn",
}
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
PLACEHOLDERS = frozenset(
    {"left", "right", "diff", "left_expr", "right_expr", "indicator", "indicator_name", "disagg", "rule", "tolerance"}
)


# --- results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Violation:
    """One problem found in a set of values.

    ``fields`` lists the (indicator code, disagg) keys involved, so a page can show the message
    beside each field; ``indicators`` the codes alone. ``kind`` is ``rule`` (a rule is not met),
    ``problem`` (a rule could not be evaluated, e.g. a division by zero) or ``outlier``.
    """

    rule_code: str
    severity: str
    message: str
    indicators: tuple[str, ...]
    fields: tuple[tuple[str, str], ...] = ()
    left: Decimal | None = None
    right: Decimal | None = None
    rule_name: str = ""
    kind: str = "rule"
    area: str = ""
    period: str = ""

    @property
    def is_error(self) -> bool:
        return self.severity == Severity.ERROR

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["left"] = None if self.left is None else str(self.left)
        d["right"] = None if self.right is None else str(self.right)
        d["indicators"] = list(self.indicators)
        d["fields"] = [list(f) for f in self.fields]
        return d


def fmt(d: Decimal | float | None) -> str:
    """A computed number, the Vietnamese way, at most two decimals (``1.234,57``)."""
    if d is None:
        return "—"
    d = Decimal(str(d))
    if d == d.to_integral_value():
        return format_number(d.to_integral_value())
    return format_number(d.quantize(Decimal("0.01")))


# --- the catalog facts and compiled rules (cached per process) ----------------------------------


@dataclass(frozen=True)
class IndicatorFacts:
    code: str
    name: str
    value_type: str
    agg_space: str
    decimals: int
    disaggs: frozenset[str]

    @property
    def has_parts(self) -> bool:
        return self.value_type in PARTS_TYPES or self.agg_space == "ratio_of_sums"


@dataclass(frozen=True)
class CompiledRule:
    id: int | None
    code: str
    name: str
    kind: str
    value_types: frozenset[str]
    left_text: str
    right_text: str
    left: ex.Node
    right: ex.Node
    operator: str
    severity: str
    period_types: frozenset[str]
    tolerance: Decimal
    tolerance_kind: str
    missing_zero: bool
    message: str
    valid_from: dt.date | None
    valid_to: dt.date | None

    @classmethod
    def of(cls, rule: ValidationRule) -> CompiledRule:
        return cls(
            rule.pk, rule.code, rule.name, rule.kind, frozenset(rule.value_type_list),
            rule.left, rule.right, ex.parse(rule.left), ex.parse(rule.right), rule.operator, rule.severity,
            frozenset(rule.period_type_list), Decimal(rule.tolerance or 0), rule.tolerance_kind,
            rule.missing == MissingPolicy.ZERO, rule.message, rule.valid_from, rule.valid_to,
        )

    def applies(self, period_type: str, day: dt.date) -> bool:
        if self.period_types and period_type not in self.period_types:
            return False
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)


class _Cache:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.rules: list[CompiledRule] | None = None
        self.catalog: dict[str, IndicatorFacts] | None = None
        self.stamp: Any = None
        self.checked = 0.0

    def clear(self) -> None:
        with self.lock:
            self.rules = None
            self.catalog = None
            self.stamp = None


_cache = _Cache()


def clear_cache(*args: Any, **kwargs: Any) -> None:
    """Forget the parsed rules and catalog facts (signal receiver; also handy in tests)."""
    _cache.clear()


def _stamp() -> tuple:
    from django.db.models import Count, Max

    from baocao.catalog.models import Indicator

    r = ValidationRule.objects.aggregate(n=Count("id"), t=Max("updated_at"), m=Max("id"))
    i = Indicator.objects.aggregate(n=Count("id"), m=Max("id"))
    return (r["n"], r["t"], r["m"], i["n"], i["m"])


def load_catalog_facts() -> dict[str, IndicatorFacts]:
    from baocao.catalog.models import Indicator

    disaggs: dict[str, set[str]] = defaultdict(set)
    through = Indicator.disaggregations.through
    for code, d in through.objects.values_list("indicator__code", "disaggregation__code"):
        disaggs[code].add(d)
    return {
        code: IndicatorFacts(code, name, vt, agg, dec or 0, frozenset(disaggs.get(code, ())))
        for code, name, vt, agg, dec in Indicator.objects.values_list(
            "code", "name", "value_type", "agg_space", "decimals"
        )
    }


def _ensure() -> tuple[list[CompiledRule], dict[str, IndicatorFacts]]:
    now = time.monotonic()
    with _cache.lock:
        if _cache.rules is not None and now - _cache.checked < CACHE_SECONDS:
            return _cache.rules, _cache.catalog or {}
        stamp = _stamp()
        if _cache.rules is None or stamp != _cache.stamp:
            rules = []
            for r in ValidationRule.objects.filter(active=True).order_by("code", "valid_from"):
                try:
                    rules.append(CompiledRule.of(r))
                except ex.ExpressionError:
                    continue  # a broken row (written around the admin) never stops the checks
            _cache.rules, _cache.catalog, _cache.stamp = rules, load_catalog_facts(), stamp
        _cache.checked = now
        return _cache.rules, _cache.catalog or {}


def active_rules() -> list[CompiledRule]:
    return _ensure()[0]


# --- rule validation against the catalog ------------------------------------------------------


def validate_rule(rule: Any, catalog: Mapping[str, IndicatorFacts] | None = None) -> list[str]:
    """Problems with a rule (model instance or dict-like with the same fields); empty when it is usable."""
    get = (lambda k, d=None: rule.get(k, d)) if isinstance(rule, Mapping) else (lambda k, d=None: getattr(rule, k, d))
    catalog = load_catalog_facts() if catalog is None else catalog
    errors: list[str] = []
    code = get("code") or ""
    kind = get("kind") or RuleKind.EXPRESSION
    if kind not in RuleKind.values:
        errors.append(f"loại quy tắc «{kind}» không hợp lệ (chỉ nhận: {', '.join(RuleKind.values)})")
    if get("operator") not in Operator.values:
        errors.append(f"phép so sánh «{get('operator')}» không hợp lệ (chỉ nhận: {', '.join(Operator.values)})")
    if (get("severity") or Severity.ERROR) not in Severity.values:
        errors.append(f"mức độ «{get('severity')}» không hợp lệ (chỉ nhận: error, warning)")
    value_types = [v.strip() for v in (get("value_types") or "").split(",") if v.strip()]
    from baocao.catalog.models import ValueType

    for v in value_types:
        if v not in ValueType.values:
            errors.append(f"kiểu giá trị «{v}» không có (chỉ nhận: {', '.join(ValueType.values)})")
    if kind == RuleKind.EACH and not value_types:
        errors.append("quy tắc áp dụng cho từng chỉ tiêu phải ghi kiểu giá trị áp dụng")
    for p in (get("period_types") or "").split(","):
        if p.strip() and p.strip() not in PERIOD_TYPES:
            errors.append(f"loại kỳ «{p.strip()}» không có (chỉ nhận: {', '.join(PERIOD_TYPES)})")
    tol = get("tolerance")
    if tol is not None and Decimal(str(tol)) < 0:
        errors.append("sai số cho phép không được âm")
    vf, vt = get("valid_from"), get("valid_to")
    if vf and vt and str(vf) > str(vt):
        errors.append("ngày hiệu lực đến phải sau ngày hiệu lực từ")
    for name in _PLACEHOLDER.findall(get("message") or ""):
        if name not in PLACEHOLDERS:
            errors.append(f"thông báo dùng «{{{name}}}» không có (dùng được: {', '.join(sorted(PLACEHOLDERS))})")
    for side, label in (("left", "vế trái"), ("right", "vế phải")):
        text = get(side) or ""
        try:
            node = ex.parse(text)
        except ex.ExpressionError as exc:
            errors.append(f"{label} «{text}»: {exc}")
            continue
        for ref in ex.refs(node):
            if ref.code == ex.EACH:
                if kind != RuleKind.EACH:
                    errors.append(f"{label}: «@» chỉ dùng trong quy tắc áp dụng cho từng chỉ tiêu")
                elif ref.field != "value" and not set(value_types) <= PARTS_TYPES:
                    errors.append(
                        f"{label}: «{ref}» cần tử số/mẫu số, chỉ dùng với kiểu fraction, percent hoặc ratio"
                    )
                continue
            facts = catalog.get(ref.code)
            if facts is None:
                errors.append(f"{label}: mã chỉ tiêu «{ref.code}» không có trong danh mục")
                continue
            if ref.disagg and ref.disagg not in facts.disaggs:
                have = ", ".join(sorted(facts.disaggs)) or "không có phân tổ"
                errors.append(f"{label}: chỉ tiêu {ref.code} không có phân tổ «{ref.disagg}» ({have})")
            if ref.field != "value" and not facts.has_parts:
                errors.append(f"{label}: chỉ tiêu {ref.code} không có tử số/mẫu số")
    return [f"Quy tắc {code}: {e}" if code else e for e in errors]


# --- checking values --------------------------------------------------------------------------


def _num(x: Any) -> Decimal | None:
    if x is None or x == "":
        return None
    if isinstance(x, Decimal):
        return x
    try:
        return Decimal(str(x))
    except Exception:  # noqa: BLE001 - a non-number is simply not a value
        return None


def _triple(v: Any) -> tuple[Decimal | None, Decimal | None, Decimal | None]:
    """(value, numerator, denominator) of a value-like: an object, a mapping or a bare number."""
    if v is None:
        return None, None, None
    if isinstance(v, Mapping):
        return _num(v.get("value")), _num(v.get("numerator")), _num(v.get("denominator"))
    if isinstance(v, int | float | Decimal | str):
        return _num(v), None, None
    return _num(getattr(v, "value", None)), _num(getattr(v, "numerator", None)), _num(getattr(v, "denominator", None))


def _key(k: Any) -> tuple[str, str]:
    if isinstance(k, str):
        return k, ""
    code, disagg = k
    return str(code), str(disagg or "")


def _as_period(period: Any) -> Any:
    from baocao.periods.services import Period, parse_any

    if isinstance(period, Period):
        return period
    return parse_any(str(period))


def _compare(op: str, a: Decimal, b: Decimal, tol: Decimal) -> bool:
    if op == "==":
        return abs(a - b) <= tol
    if op == "!=":
        return abs(a - b) > tol
    if op == "<=":
        return a <= b + tol
    if op == "<":
        return a < b + tol
    if op == ">=":
        return a + tol >= b
    return a + tol > b


def _tolerance(rule: CompiledRule, a: Decimal, b: Decimal) -> Decimal:
    if rule.tolerance_kind == ToleranceKind.RELATIVE:
        return rule.tolerance * max(abs(a), abs(b))
    return rule.tolerance


def _describe(text: str, code: str, disagg: str) -> str:
    if code:
        text = text.replace("@", code + (f"[{disagg}]" if disagg and "[" not in text else ""))
    return text


def _message(rule: CompiledRule, a: Decimal, b: Decimal, code: str, disagg: str, catalog: Mapping[str, IndicatorFacts]) -> str:
    left_expr, right_expr = _describe(rule.left_text, code, disagg), _describe(rule.right_text, code, disagg)
    subs = {
        "left": fmt(a),
        "right": fmt(b),
        "diff": fmt(abs(a - b)),
        "left_expr": left_expr,
        "right_expr": right_expr,
        "indicator": code,
        "indicator_name": catalog[code].name if code in catalog else code,
        "disagg": disagg,
        "rule": rule.name,
        "tolerance": fmt(rule.tolerance),
    }
    if rule.message:
        return _PLACEHOLDER.sub(lambda m: subs.get(m.group(1), m.group(0)), rule.message)
    who = f" ({subs['indicator_name']}{', phân tổ ' + disagg if disagg else ''})" if code else ""
    return (
        f"{rule.name}{who}: {left_expr} = {fmt(a)} {_OP_VI[rule.operator]} {right_expr} = {fmt(b)}"
        f" (chênh lệch {fmt(abs(a - b))})"
    )


def _evaluate_rule(
    rule: CompiledRule,
    lookup: Any,
    code: str,
    disagg: str,
    catalog: Mapping[str, IndicatorFacts],
) -> Violation | None:
    bound: dict[ex.Ref, ex.Ref] = {}

    def look(ref: ex.Ref) -> Decimal | None:
        b = bound.get(ref)
        if b is None:
            b = bound[ref] = ref.bind(code, disagg)
        return lookup(b)

    refs = [r.bind(code, disagg) for r in ex.refs(rule.left) + ex.refs(rule.right)]
    fields = tuple(dict.fromkeys((r.code, r.disagg) for r in refs))
    indicators = tuple(dict.fromkeys(r.code for r in refs))
    try:
        a = ex.evaluate(rule.left, look, missing_as_zero=rule.missing_zero)
        b = ex.evaluate(rule.right, look, missing_as_zero=rule.missing_zero)
    except ex.MissingValue:
        return None
    except ex.ExpressionError as exc:
        return Violation(
            rule.code, Severity.WARNING,
            f"Không kiểm tra được quy tắc «{rule.name}»: {exc.message}",
            indicators, fields, rule_name=rule.name, kind="problem",
        )
    if _compare(rule.operator, a, b, _tolerance(rule, a, b)):
        return None
    return Violation(
        rule.code, rule.severity, _message(rule, a, b, code, disagg, catalog), indicators, fields, a, b, rule.name
    )


def check_values(
    values: Mapping[Any, Any],
    *,
    period: Any,
    area: Any = None,
    on: dt.date | None = None,
    rules: Iterable[CompiledRule] | None = None,
) -> list[Violation]:
    """The rule violations in ``values`` (``{(code, disagg): value-like}``; a bare code means no disagg).

    A value-like has ``value`` / ``numerator`` / ``denominator`` (attributes or keys) or is a
    number. Rules apply when active, for the period's type, and in force on ``on`` (default: the
    period's last day). Rules whose operands are missing are skipped (unless they count missing
    values as 0). Errors first, then warnings.
    """
    per = _as_period(period)
    day = on or per.end
    all_rules, catalog = _ensure()
    if rules is not None:
        all_rules = list(rules)
    table: dict[tuple[str, str], tuple[Decimal | None, Decimal | None, Decimal | None]] = {
        _key(k): _triple(v) for k, v in values.items()
    }
    idx = {"value": 0, "numerator": 1, "denominator": 2}

    def lookup(ref: ex.Ref) -> Decimal | None:
        t = table.get((ref.code, ref.disagg))
        return None if t is None else t[idx[ref.field]]

    area_uid = getattr(area, "uid", "") or (area if isinstance(area, str) else "")
    out: list[Violation] = []
    for rule in all_rules:
        if not rule.applies(per.type, day):
            continue
        if rule.kind == RuleKind.EACH:
            for code, disagg in table:
                facts = catalog.get(code)
                if facts is None or facts.value_type not in rule.value_types:
                    continue
                v = _evaluate_rule(rule, lookup, code, disagg, catalog)
                if v is not None:
                    out.append(v)
        else:
            v = _evaluate_rule(rule, lookup, "", "", catalog)
            if v is not None:
                out.append(v)
    out = [replace(v, area=area_uid, period=per.code) for v in out]
    out.sort(key=lambda v: (v.severity != Severity.ERROR, v.rule_code))
    return out


def blocking(violations: Iterable[Violation]) -> list[Violation]:
    """The violations that block a submission (severity error)."""
    return [v for v in violations if v.is_error]


def needing_comment(violations: Iterable[Violation]) -> list[Violation]:
    """The warnings (rules and outliers) a reporter must explain with a comment before submitting."""
    return [v for v in violations if not v.is_error]


def by_field(violations: Iterable[Violation]) -> dict[tuple[str, str], list[Violation]]:
    """Violations grouped by (indicator code, disagg), to show each beside its field."""
    out: dict[tuple[str, str], list[Violation]] = defaultdict(list)
    for v in violations:
        for f in v.fields:
            out[f].append(v)
    return dict(out)


def check_entry(values: Mapping[Any, Any], *, area: Any, period: Any, on: dt.date | None = None) -> list[Violation]:
    """What a data-entry page shows after a save: the rules over ``values`` (typed, maybe unsaved),
    then outlier warnings for each of them against the area's history and the other provinces
    (two queries for the whole form)."""
    from .outliers import OutlierContext

    area = _resolve_area(area)
    per = _as_period(period)
    out = check_values(values, period=per, area=area, on=on)
    ctx = OutlierContext(per, areas=[area], indicators={_key(k)[0] for k in values})
    for k, v in values.items():
        code, disagg = _key(k)
        out.extend(w.to_violation() for w in ctx.check(area, code, disagg, v))
    return out


# --- stored values ----------------------------------------------------------------------------


def _resolve_area(area: Any) -> Any:
    from baocao.geo.models import AdminArea

    if isinstance(area, AdminArea):
        return area
    if isinstance(area, int):
        return AdminArea.objects.get(pk=area)
    return AdminArea.objects.get(uid=str(area))


def stored_values(area: Any, period: Any) -> dict[tuple[str, str], tuple]:
    from baocao.datavalues.models import DataValue

    area = _resolve_area(area)
    per = _as_period(period)
    rows = DataValue.objects.filter(area=area, period=per.code).values_list(
        "indicator__code", "disagg", "value", "numerator", "denominator"
    )
    return {(c, d): _ValueRow(v, n, m) for c, d, v, n, m in rows}


@dataclass(frozen=True, slots=True)
class _ValueRow:
    value: Decimal | None
    numerator: Decimal | None = None
    denominator: Decimal | None = None


def check_stored(area: Any, period: Any, *, outliers: bool = True) -> list[Violation]:
    """The stored values of ``area`` for ``period``: rule violations, then outlier warnings."""
    from .outliers import OutlierContext

    area = _resolve_area(area)
    per = _as_period(period)
    values = stored_values(area, per)
    out = check_values(values, period=per, area=area)
    if outliers and values:
        ctx = OutlierContext(per, areas=[area])
        for w in ctx.scan_area(area):
            out.append(w.to_violation())
    return out


# --- bulk -------------------------------------------------------------------------------------


@dataclass
class BulkReport:
    period: str
    areas: list[tuple[str, str]] = field(default_factory=list)  # (uid, name) of every area checked
    violations: list[Violation] = field(default_factory=list)
    values_checked: int = 0

    @property
    def errors(self) -> int:
        return sum(1 for v in self.violations if v.severity == Severity.ERROR)

    @property
    def warnings(self) -> int:
        return len(self.violations) - self.errors

    def by_rule(self) -> dict[str, int]:
        return dict(Counter(v.rule_code for v in self.violations).most_common())

    def by_area(self) -> dict[str, list[Violation]]:
        out: dict[str, list[Violation]] = {uid: [] for uid, _ in self.areas}
        for v in self.violations:
            out.setdefault(v.area, []).append(v)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "areas": len(self.areas),
            "values_checked": self.values_checked,
            "errors": self.errors,
            "warnings": self.warnings,
            "by_rule": self.by_rule(),
            "violations": [v.to_dict() for v in self.violations],
        }


def run_bulk(period: Any, *, areas: Iterable[Any] | None = None, outliers: bool = True) -> BulkReport:
    """Check every province valid in ``period`` (or the given areas): rules and outliers."""
    from baocao.datavalues.models import DataValue
    from baocao.geo.models import AdminArea

    from .outliers import OutlierContext

    per = _as_period(period)
    if areas is None:
        area_list = list(AdminArea.objects.provinces().valid_on(per.end).order_by("code"))
    else:
        area_list = [_resolve_area(a) for a in areas]
    report = BulkReport(per.code, [(a.uid, a.name) for a in area_list])
    by_area: dict[int, dict[tuple[str, str], _ValueRow]] = defaultdict(dict)
    rows = DataValue.objects.filter(area__in=area_list, period=per.code).values_list(
        "area_id", "indicator__code", "disagg", "value", "numerator", "denominator"
    )
    for a, c, d, v, n, m in rows.iterator(chunk_size=5000):
        by_area[a][(c, d)] = _ValueRow(v, n, m)
        report.values_checked += 1
    ctx = OutlierContext(per, areas=area_list) if outliers else None
    for area in area_list:
        values = by_area.get(area.pk, {})
        if not values:
            continue
        report.violations.extend(check_values(values, period=per, area=area))
        if ctx is not None:
            report.violations.extend(w.to_violation() for w in ctx.scan_area(area))
    return report


def outliers(area: Any, indicator: Any, period: Any, value: Any, *, disagg: str = "") -> list[Any]:
    """Outlier warnings for one value: see :func:`baocao.validation.outliers.outliers`."""
    from .outliers import outliers as _outliers

    return _outliers(area, indicator, period, value, disagg=disagg)
