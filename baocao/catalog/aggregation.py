"""The catalog's aggregation rules as pure functions (no database).

Across organisation units (``aggregate_space``): province → country, old provinces → a new one.

- ``sum``: add the values (subscribers, licences, money).
- ``ratio_of_sums``: add numerators and denominators, then divide (×100 for percent and density). Never
  the mean of the units' ratios: 158/199 and 20/200 communes give 178/399 = 44.6%, not 44.7%.
  For ``fraction`` indicators (“158/199 xã”) the value is the summed numerator and the share is
  reported beside it.
- ``weighted_mean``: Σ value × weight / Σ weight (weight = population or another indicator).
- ``count_if``: the number of units whose value meets the indicator's condition, together with the
  number of units considered (“39/63 tỉnh”).
- ``none``: refused (an index or a rank cannot be combined).

Across time (``aggregate_time``): ``stock`` keeps the last value of the period (subscribers at the end
of the year); ``flow`` adds the sub-periods (licences issued in the year). Flow indicators that are
ratios of sums (share of dossiers received online) add numerators and denominators and divide again.

Every number is a ``Decimal``. ``indicator_like`` and rows may be objects or mappings.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

HUNDRED = Decimal(100)

#: value types whose ratio of sums is multiplied by 100
SCALED_BY_100 = {"percent", "density"}

CONDITION_RE = re.compile(r"^\s*([A-Z][A-Z0-9_]*)\s*(>=|<=|==|!=|>|<)\s*(-?\d+(?:\.\d+)?)\s*$")

OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
    "==": operator.eq,
    "!=": operator.ne,
}


class AggregationError(ValueError):
    """The rows cannot be aggregated under the indicator's rule; the message says why."""


@dataclass(frozen=True)
class Condition:
    code: str
    op: str
    threshold: Decimal

    def test(self, value: Decimal) -> bool:
        return OPERATORS[self.op](value, self.threshold)

    def __str__(self) -> str:
        return f"{self.code} {self.op} {self.threshold}"


def parse_condition(text: str) -> Condition:
    """Parse ``"DVCTT_L34_SHARE >= 30"`` (one comparison: code, operator, number)."""
    match = CONDITION_RE.match(text or "")
    if not match:
        raise AggregationError(
            f"điều kiện không hợp lệ: {text!r} (cần dạng 'MÃ_CHỈ_TIÊU >= số', toán tử >=, <=, >, <, ==, !=)"
        )
    code, op, number = match.groups()
    return Condition(code=code, op=op, threshold=Decimal(number))


@dataclass(frozen=True)
class Aggregate:
    """The result of an aggregation.

    ``value`` is the figure to show. For ratios it is the ratio (already ×100 where the type asks);
    for fractions it is the summed numerator and ``share`` holds the percentage; for ``count_if`` it is
    the number of units meeting the condition and ``units`` how many units were looked at.
    """

    value: Decimal | None
    rule: str
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    share: Decimal | None = None
    units: int = 0
    missing: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "rule": self.rule,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "share": self.share,
            "units": self.units,
            "missing": self.missing,
        }


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _dec(value: Any, what: str, index: int | None = None) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        value = repr(value)
    try:
        return Decimal(str(value) if not isinstance(value, int) else value)
    except (InvalidOperation, ValueError) as exc:
        where = f" (dòng {index + 1})" if index is not None else ""
        raise AggregationError(f"{what}{where}: không phải là số: {value!r}") from exc


def _code(ind: Any) -> str:
    return str(_get(ind, "code", "?"))


def _condition_of(ind: Any) -> Condition:
    raw = _get(ind, "condition", "")
    if isinstance(raw, Condition):
        return raw
    if not raw:
        raise AggregationError(
            f"{_code(ind)}: chỉ tiêu đếm đơn vị đạt điều kiện nhưng chưa khai báo điều kiện"
        )
    return parse_condition(raw)


def _ratio(num: Decimal, den: Decimal, value_type: str, code: str) -> Decimal:
    if den == 0:
        raise AggregationError(f"{code}: tổng mẫu số bằng 0, không tính được tỷ lệ")
    ratio = num / den
    return ratio * HUNDRED if value_type in SCALED_BY_100 else ratio


def _parts(row: Any, index: int, value_type: str, code: str) -> tuple[Decimal, Decimal]:
    num = _dec(_get(row, "numerator"), "numerator", index)
    den = _dec(_get(row, "denominator"), "denominator", index)
    if num is None and value_type == "fraction":
        num = _dec(_get(row, "value"), "value", index)
    if num is None or den is None:
        raise AggregationError(
            f"{code}: dòng {index + 1} thiếu tử số hoặc mẫu số; chỉ tiêu cộng gộp theo tỷ lệ của tổng "
            "cần cả hai (không lấy trung bình các tỷ lệ)"
        )
    if den < 0 or num < 0:
        raise AggregationError(f"{code}: dòng {index + 1} có tử số hoặc mẫu số âm")
    return num, den


def _ratio_of_sums(ind: Any, rows: list[Any], rule: str) -> Aggregate:
    code, value_type = _code(ind), str(_get(ind, "value_type", ""))
    num_total = den_total = Decimal(0)
    for i, row in enumerate(rows):
        num, den = _parts(row, i, value_type, code)
        num_total += num
        den_total += den
    if not rows:
        return Aggregate(value=None, rule=rule)
    if value_type == "fraction":
        share = _ratio(num_total, den_total, "percent", code)
        return Aggregate(
            value=num_total,
            rule=rule,
            numerator=num_total,
            denominator=den_total,
            share=share,
            units=len(rows),
        )
    value = _ratio(num_total, den_total, value_type, code)
    return Aggregate(value=value, rule=rule, numerator=num_total, denominator=den_total, units=len(rows))


def aggregate_space(indicator_like: Any, rows: Iterable[Any]) -> Aggregate:
    """Combine the values of several organisation units for one period under the indicator's rule.

    Rows carry ``value`` and, where the rule needs them, ``numerator``/``denominator`` (ratio of sums)
    or ``weight`` (weighted mean). Rows whose value is missing are counted in ``missing`` for sum,
    weighted mean and count_if.
    """
    rule = str(_get(indicator_like, "agg_space", ""))
    code = _code(indicator_like)
    rows = list(rows)
    if rule == "none":
        raise AggregationError(
            f"{code}: chỉ tiêu không cộng gộp được giữa các đơn vị (ví dụ chỉ số, thứ hạng); hãy so sánh từng đơn vị"
        )
    if rule == "ratio_of_sums":
        return _ratio_of_sums(indicator_like, rows, rule)
    present: list[tuple[int, Any, Decimal]] = []
    for i, row in enumerate(rows):
        value = _dec(_get(row, "value"), "value", i)
        if value is not None:
            present.append((i, row, value))
    missing = len(rows) - len(present)
    if rule == "sum":
        total = sum((v for _, _, v in present), Decimal(0)) if present else None
        return Aggregate(value=total, rule=rule, units=len(present), missing=missing)
    if rule == "weighted_mean":
        weighted = weights = Decimal(0)
        for i, row, value in present:
            weight = _dec(_get(row, "weight"), "weight", i)
            if weight is None:
                raise AggregationError(
                    f"{code}: dòng {i + 1} thiếu trọng số (weight) cho bình quân gia quyền"
                )
            if weight < 0:
                raise AggregationError(f"{code}: dòng {i + 1} có trọng số âm")
            weighted += value * weight
            weights += weight
        if not present:
            return Aggregate(value=None, rule=rule, missing=missing)
        if weights == 0:
            raise AggregationError(f"{code}: tổng trọng số bằng 0")
        return Aggregate(
            value=weighted / weights, rule=rule, denominator=weights, units=len(present), missing=missing
        )
    if rule == "count_if":
        condition = _condition_of(indicator_like)
        met = sum(1 for _, _, v in present if condition.test(v))
        units = len(present)
        share = Decimal(met) / Decimal(units) * HUNDRED if units else None
        return Aggregate(
            value=Decimal(met),
            rule=rule,
            numerator=Decimal(met),
            denominator=Decimal(units),
            share=share,
            units=units,
            missing=missing,
        )
    raise AggregationError(f"{code}: quy tắc cộng gộp theo đơn vị không xác định: {rule!r}")


def aggregate_time(indicator_like: Any, rows_ordered_by_period: Iterable[Any]) -> Aggregate:
    """Combine one unit's values over consecutive sub-periods (oldest first).

    ``stock``: the last row with a value (its numerator/denominator kept). ``flow``: the sum; for
    ratio-of-sums indicators, numerators and denominators are added and the ratio recomputed.
    """
    rule = str(_get(indicator_like, "agg_time", ""))
    code = _code(indicator_like)
    value_type = str(_get(indicator_like, "value_type", ""))
    rows = list(rows_ordered_by_period)
    if rule == "stock":
        for i in range(len(rows) - 1, -1, -1):
            value = _dec(_get(rows[i], "value"), "value", i)
            if value is not None:
                num = _dec(_get(rows[i], "numerator"), "numerator", i)
                den = _dec(_get(rows[i], "denominator"), "denominator", i)
                return Aggregate(
                    value=value, rule=rule, numerator=num, denominator=den, units=1, missing=len(rows) - 1 - i
                )
        return Aggregate(value=None, rule=rule, missing=len(rows))
    if rule == "flow":
        if _get(indicator_like, "agg_space") == "ratio_of_sums" or value_type == "fraction":
            result = _ratio_of_sums(indicator_like, rows, rule)
            return result
        if value_type in SCALED_BY_100 | {"ratio", "index", "boolean"}:
            raise AggregationError(f"{code}: không cộng dồn được giá trị kiểu {value_type!r} theo thời gian")
        values = [_dec(_get(r, "value"), "value", i) for i, r in enumerate(rows)]
        present = [v for v in values if v is not None]
        total = sum(present, Decimal(0)) if present else None
        return Aggregate(value=total, rule=rule, units=len(present), missing=len(values) - len(present))
    raise AggregationError(f"{code}: quy tắc cộng gộp theo thời gian không xác định: {rule!r}")
