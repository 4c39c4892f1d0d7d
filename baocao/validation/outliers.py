"""Outlier warnings with robust statistics (median and MAD, never min-max).

Two independent checks of one value (warnings, never errors):

- **history**: the unit's own last ``HISTORY`` periods of the same type. On a log scale, the
  modified z-score ``0.6745 (ln x − median) / MAD`` must exceed ``Z_LIMIT`` *and* the value must be
  at least ``RATIO_LIMIT`` times (or at most 1/``RATIO_LIMIT`` of) the median. The log scale makes a
  ×10 slip the same size whatever the unit's level; the ratio gate keeps normal growth and
  seasonality (a Q4 one and a half times a Q1) quiet even when the history is very smooth.
- **peers**: the other provinces in the same period, per 100.000 inhabitants for amounts (counts
  and money that add up), as they are for shares and levels. Same two gates.

Shares with parts are compared as ``100 × numerator / denominator`` (the demo's slip is a
numerator typed ten times too small). Small counts get a Poisson gate (the difference must exceed
three standard deviations of a count of that size) so 1 → 4 inspections is not an outlier.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from baocao.core.numbers import format_number

from .services import IndicatorFacts, Violation, _as_period, _ensure, _resolve_area, _triple, fmt

HISTORY = 12  # periods of the same type looked back on
MIN_HISTORY = 3
MIN_PEERS = 8
Z_LIMIT = 3.5
RATIO_LIMIT = 3.0
HISTORY_MAD_FLOOR = 0.05  # on the log scale: about 5 %
PEERS_MAD_FLOOR = 0.10
LOW_RATIO_AMOUNTS = 0.2  # amounts are lumpy (a quiet quarter): a low value must be under a fifth
PER_CAPITA = 100_000
SKIP_TYPES = frozenset({"boolean"})
AMOUNT_TYPES = frozenset({"count", "money"})


@dataclass(frozen=True)
class OutlierWarning:
    method: str  # "history" or "peers"
    indicator: str
    disagg: str
    area: str  # uid
    period: str
    value: Decimal  # on the compared scale (a share in %, or per 100.000 inhabitants for peers)
    median: Decimal
    ratio: float
    score: float
    count: int  # history points or peers
    message: str

    @property
    def rule_code(self) -> str:
        return "OUTLIER_HISTORY" if self.method == "history" else "OUTLIER_PEERS"

    def to_violation(self) -> Violation:
        name = "Giá trị bất thường so với các kỳ trước" if self.method == "history" else (
            "Giá trị bất thường so với các tỉnh khác"
        )
        return Violation(
            self.rule_code, "warning", self.message, (self.indicator,), ((self.indicator, self.disagg),),
            self.value, self.median, name, "outlier", self.area, self.period,
        )


# --- the statistics ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Score:
    z: float
    ratio: float
    median: float
    n: int


def _hint(ratio: float) -> str:
    return "có thể thừa chữ số 0" if ratio >= 1 else "có thể thiếu chữ số 0 hoặc nhập nhầm tử số"


def _ratio_text(ratio: float) -> str:
    if ratio >= 1:
        return f"gấp {format_number(round(ratio, 1))} lần"
    return f"chỉ bằng {format_number(round(100 * ratio, 1))}%"


def robust_score(x: float, sample: list[float], *, offset: float, mad_floor: float) -> Score:
    """Modified z-score of ``x`` against ``sample`` on the scale ``ln(v + offset)``."""
    logs = [math.log(max(v, 0.0) + offset) for v in sample]
    med = statistics.median(logs)
    mad = statistics.median(abs(v - med) for v in logs)
    z = 0.6745 * (math.log(max(x, 0.0) + offset) - med) / max(mad, mad_floor)
    m = statistics.median(sample)
    ratio = (max(x, 0.0) + offset) / (max(m, 0.0) + offset)
    return Score(z, ratio, m, len(sample))


def is_outlier(x: float, s: Score, *, count: bool, low: float = 1 / RATIO_LIMIT) -> bool:
    if abs(s.z) <= Z_LIMIT or low < s.ratio < RATIO_LIMIT:
        return False
    return not count or _count_gate(x, s.median)  # Poisson gate for small counts


def _log_mad(xs: list[float]) -> float:
    pos = [math.log(v) for v in xs if v > 0]
    if len(pos) < MIN_PEERS:
        return math.inf
    med = statistics.median(pos)
    return statistics.median(abs(v - med) for v in pos)


def _per_capita_is_tighter(raw: list[tuple[float, int | None]]) -> bool:
    """Compare amounts per inhabitant unless raw values make the provinces clearly more alike
    (subscribers scale with population, a department's number of divisions does not)."""
    with_pop = [(v, p) for v, p in raw if p]
    if len(with_pop) < MIN_PEERS:
        return False
    # Per capita unless the raw values are clearly more alike (small counts are noisy both ways).
    return _log_mad([v for v, _ in with_pop]) >= 0.6 * _log_mad([v * PER_CAPITA / p for v, p in with_pop])


def _count_gate(x: float, expected: float) -> bool:
    """A count far from what is expected beyond Poisson noise (three standard deviations, plus one)."""
    return abs(x - expected) > 3 * math.sqrt(max(expected, 1.0)) + 1


def _share_or_value(f: IndicatorFacts, v: Decimal | None, n: Decimal | None, d: Decimal | None) -> float | None:
    if f.value_type in ("fraction", "percent") and n is not None and d:
        return float(100 * n / d)
    return None if v is None else float(v)


def _is_amount(f: IndicatorFacts) -> bool:
    return f.value_type in AMOUNT_TYPES and f.agg_space == "sum"


def _counts_like(f: IndicatorFacts) -> bool:
    return f.value_type == "count"


# --- context ----------------------------------------------------------------------------------


class OutlierContext:
    """The values one period's checks need, read once: the period's values of every province (peers)
    and the previous ``HISTORY`` periods of the given areas (history)."""

    def __init__(self, period: Any, *, areas: Iterable[Any] | None = None, indicators: Iterable[str] | None = None) -> None:
        from baocao.datavalues.models import DataValue
        from baocao.geo.models import AdminArea

        self.period = _as_period(period)
        self.facts = _ensure()[1]
        self.areas = None if areas is None else [_resolve_area(a) for a in areas]
        codes = None if indicators is None else list(indicators)
        from baocao.catalog.models import Indicator

        provinces = list(AdminArea.objects.provinces().values_list("pk", "uid", "population"))
        self.population: dict[int, int] = {pk: pop for pk, _, pop in provinces if pop is not None}
        province_uid = {pk: uid for pk, uid, _ in provinces}
        self.uid: dict[int, str] = {}
        self._per_capita: dict[tuple[str, str], bool] = {}
        # current values of every province: (code, disagg) -> {area_id: (value, num, den)}
        # Read by indicator ids and period (the index that starts with them), provinces kept here: a join
        # on the area's level made the database walk every value of every province.
        inds = Indicator.objects.all() if codes is None else Indicator.objects.filter(code__in=codes)
        code_of = dict(inds.values_list("pk", "code"))
        self.current: dict[tuple[str, str], dict[int, tuple]] = defaultdict(dict)
        qs = DataValue.objects.filter(period=self.period.code, indicator_id__in=list(code_of))
        for a, i, d, v, n, m in qs.values_list(
            "area_id", "indicator_id", "disagg", "value", "numerator", "denominator"
        ).iterator(chunk_size=5000):
            uid = province_uid.get(a)
            if uid is not None:
                self.current[(code_of[i], d)][a] = (v, n, m)
                self.uid[a] = uid
        # history of the areas in scope: (area_id, code, disagg) -> [scaled value, …]
        self.history: dict[tuple[int, str, str], list[float]] = defaultdict(list)
        try:
            prev = [self.period.shift(-k).code for k in range(1, HISTORY + 1)]
        except ValueError:
            prev = []
        own: dict[tuple[int, str, str], dict[str, float]] = defaultdict(dict)
        hq = DataValue.objects.filter(period__in=prev, indicator_id__in=list(code_of))
        if self.areas is not None:
            hq = hq.filter(area_id__in=[a.pk for a in self.areas])
        for a, p, i, d, v, n, m in hq.values_list(
            "area_id", "period", "indicator_id", "disagg", "value", "numerator", "denominator"
        ).iterator(chunk_size=5000):
            c = code_of[i]
            f = self.facts.get(c)
            x = None if f is None else _share_or_value(f, v, n, m)
            if x is not None:
                own[(a, c, d)][p] = x
        self._predecessor_history(prev, code_of, own)
        for key, by_period in own.items():
            self.history[key] = list(by_period.values())

    def _predecessor_history(self, prev: list[str], code_of: dict[int, str], own: dict) -> None:
        """Before a merger (the 2025 reform) a new province's history is the combination of its
        predecessors': sums for amounts, ratio of sums for shares with parts (other kinds: none)."""
        from baocao.datavalues.models import DataValue
        from baocao.geo.models import AreaSuccession

        # Every succession in one query; the ones that matter are filtered here (merged before this
        # period, into an area in scope).
        in_scope = None if self.areas is None else {a.pk for a in self.areas}
        preds: dict[int, list[int]] = defaultdict(list)
        n_successors: dict[int, int] = defaultdict(int)
        dates = []
        for pred, succ, day in AreaSuccession.objects.values_list("predecessor_id", "successor_id", "date"):
            n_successors[pred] += 1
            if day <= self.period.start and (in_scope is None or succ in in_scope):
                preds[succ].append(pred)
                dates.append(day)
        # Only whole predecessors (not split between several successors) can be added up.
        preds = {s: ps for s, ps in preds.items() if all(n_successors[p] == 1 for p in ps)}
        if not preds or not prev:
            return
        owner = {p: s for s, ps in preds.items() for p in ps}
        first = min(dates)
        prev = [p for p in prev if _as_period(p).end < first]  # periods before the merger
        if not prev:
            return
        qs = DataValue.objects.filter(period__in=prev, area_id__in=list(owner), indicator_id__in=list(code_of))
        parts: dict[tuple[int, str, str, str], list[tuple]] = defaultdict(list)
        for a, p, i, d, v, n, m in qs.values_list(
            "area_id", "period", "indicator_id", "disagg", "value", "numerator", "denominator"
        ).iterator(chunk_size=5000):
            parts[(owner[a], code_of[i], d, p)].append((v, n, m))
        for (succ, c, d, p), rows in parts.items():
            f = self.facts.get(c)
            if f is None or len(rows) != len(preds[succ]) or p in own[(succ, c, d)]:
                continue
            if f.value_type in ("fraction", "percent") and all(r[1] is not None and r[2] for r in rows):
                x = float(100 * sum(r[1] for r in rows) / sum(r[2] for r in rows))
            elif _is_amount(f):
                x = float(sum(r[0] for r in rows))
            else:
                continue
            own[(succ, c, d)][p] = x

    # --- checks -------------------------------------------------------------------------------

    def check(self, area: Any, code: str, disagg: str, value: Any) -> list[OutlierWarning]:
        area = _resolve_area(area)
        f = self.facts.get(code)
        v, n, d = _triple(value)
        if f is None or f.value_type in SKIP_TYPES:
            return []
        x = _share_or_value(f, v, n, d)
        if x is None or math.isnan(x) or (x == 0 and f.value_type in AMOUNT_TYPES):
            return []  # a zero amount is a legitimate "nothing this period", not a typing slip
        out: list[OutlierWarning] = []
        label = f"{f.name}{', phân tổ ' + disagg if disagg else ''}"
        share = f.value_type in ("fraction", "percent") and n is not None and d
        what = "tỷ lệ" if share else "giá trị"
        unit = "%" if share else ""
        low = LOW_RATIO_AMOUNTS if f.value_type in AMOUNT_TYPES else 1 / RATIO_LIMIT
        hist = self.history.get((area.pk, code, disagg), [])
        if len(hist) >= MIN_HISTORY:
            s = robust_score(x, hist, offset=1.0, mad_floor=HISTORY_MAD_FLOOR)
            if is_outlier(x, s, count=_counts_like(f) and not share, low=low):
                msg = (
                    f"{label}: {what} {fmt(x)}{unit} {_ratio_text(s.ratio)} trung vị {s.n} kỳ trước "
                    f"({fmt(s.median)}{unit}); đề nghị kiểm tra lại ({_hint(s.ratio)})"
                )
                out.append(OutlierWarning(
                    "history", code, disagg, area.uid, self.period.code, Decimal(str(round(x, 6))),
                    Decimal(str(round(s.median, 6))), s.ratio, s.z, s.n, msg,
                ))
        peers_raw = {a: t for a, t in self.current.get((code, disagg), {}).items() if a != area.pk}
        raw: list[tuple[float, int | None]] = []  # (value, population)
        for a, (pv, pn, pd) in peers_raw.items():
            px = _share_or_value(f, pv, pn, pd)
            if px is not None:
                raw.append((px, self.population.get(a)))
        pop = self.population.get(area.pk) or area.population
        per_capita = _is_amount(f) and bool(pop) and self._scale(code, disagg, raw)
        if per_capita:
            peers = [v * PER_CAPITA / p for v, p in raw if p]
            own = x * PER_CAPITA / pop
        else:
            peers, own = [v for v, _ in raw], x
        if own is not None and len(peers) >= MIN_PEERS:
            med = statistics.median(peers)
            offset = 1.0 if share else max(abs(med) * 0.01, 1e-9)
            s = robust_score(own, peers, offset=offset, mad_floor=PEERS_MAD_FLOOR)
            expected = s.median * pop / PER_CAPITA if per_capita else s.median
            if is_outlier(own, s, count=False, low=low) and (not _counts_like(f) or _count_gate(x, expected)):
                scale = " (tính trên 100.000 dân)" if per_capita else ""
                msg = (
                    f"{label}: {what}{scale} {fmt(own)}{unit} {_ratio_text(s.ratio)} trung vị của "
                    f"{s.n} tỉnh, thành phố khác cùng kỳ ({fmt(s.median)}{unit}); đề nghị kiểm tra lại"
                )
                out.append(OutlierWarning(
                    "peers", code, disagg, area.uid, self.period.code, Decimal(str(round(own, 6))),
                    Decimal(str(round(s.median, 6))), s.ratio, s.z, s.n, msg,
                ))
        return out

    def _scale(self, code: str, disagg: str, raw: list[tuple[float, int | None]]) -> bool:
        """Per capita or not, decided once per (indicator, disagg) for the period (all peers alike)."""
        key = (code, disagg)
        if key not in self._per_capita:
            self._per_capita[key] = _per_capita_is_tighter(raw)
        return self._per_capita[key]

    def scan_area(self, area: Any) -> list[OutlierWarning]:
        """Every stored value of ``area`` in the period, checked."""
        area = _resolve_area(area)
        out: list[OutlierWarning] = []
        for (code, disagg), by_area in sorted(self.current.items()):
            t = by_area.get(area.pk)
            if t is not None:
                out.extend(self.check(area, code, disagg, {"value": t[0], "numerator": t[1], "denominator": t[2]}))
        return out


def outliers(area: Any, indicator: Any, period: Any, value: Any, *, disagg: str = "") -> list[OutlierWarning]:
    """Outlier warnings for one value (stored or just typed) of ``area`` / ``indicator`` / ``period``.

    ``indicator`` is a code or an ``Indicator``; ``value`` a number or a value-like with
    ``value`` / ``numerator`` / ``denominator``.
    """
    code = getattr(indicator, "code", indicator)
    area = _resolve_area(area)
    ctx = OutlierContext(period, areas=[area], indicators=[code])
    return ctx.check(area, code, disagg, value)
