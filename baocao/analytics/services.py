"""Read values the way the catalog says they combine, across organisation units and the 2025 reform.

This is the one place that answers "what is indicator X for unit U in period P": for a unit that did
not exist in P (the new Tuyên Quang in 2024Q1) the answer is the roll-up of the units that made it up
then (Tuyên Quang + Hà Giang), combined by the indicator's rule (sum, ratio of sums, weighted mean,
count of units meeting a condition); for the country it is the roll-up of the provinces valid at the
end of P. Values are read from the database every time (no cache can go stale).

Only accepted values count unless ``include_submitted=True`` (see ``docs/analytics.md``): a value
is left out while a report (``reporting.Submission``) of its province and period whose form asks for
its indicator is not accepted; values no report covers (API, import, reviewed extraction, demo) count.
With ``include_submitted`` the values of submitted reports count too; drafts and returned reports never.

Every public query function is a thin wrapper around three steps: pick the units (``_provinces``,
``_constituents``), fetch their values in one query (``_fetch``), combine them (``_combine_rows``).
"""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q

from baocao.catalog.aggregation import (
    SCALED_BY_100,
    Aggregate,
    AggregationError,
    aggregate_space,
    aggregate_time,
    parse_condition,
)
from baocao.catalog.models import Indicator
from baocao.datavalues.models import DataValue
from baocao.geo.models import AdminArea, AreaLevel, AreaSuccession
from baocao.geo.services import constituents
from baocao.periods.services import Period, PeriodError, parse_any, sub_periods

HUNDRED = Decimal(100)


class AnalyticsError(ValueError):
    """A query that cannot be answered (unknown code, bad combination); the message says why, in Vietnamese."""


# --- results ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RollUp:
    """An aggregate together with the units it was computed from."""

    aggregate: Aggregate
    units: tuple[str, ...]  # uids of the units whose values were combined
    missing: tuple[str, ...]  # uids of the units that had no value

    @property
    def value(self) -> Decimal | None:
        return self.aggregate.value


@dataclass(frozen=True)
class Point:
    period: str
    value: Decimal | None


@dataclass(frozen=True)
class Change:
    value: Decimal | None
    previous_period: str | None = None
    previous: Decimal | None = None
    delta_previous: Decimal | None = None
    pct_previous: Decimal | None = None
    last_year_period: str | None = None
    last_year: Decimal | None = None
    delta_last_year: Decimal | None = None
    pct_last_year: Decimal | None = None


@dataclass(frozen=True)
class RankRow:
    rank: int | None
    area: AdminArea
    value: Decimal | None
    target: Decimal | None = None
    gap: Decimal | None = None


@dataclass(frozen=True)
class OverviewRow:
    indicator: Indicator
    value: Decimal | None
    change: Change
    sparkline: list[Point]
    target: Decimal | None = None
    light: str | None = None  # "green" | "amber" | "red" | None (no target or no value)


@dataclass(frozen=True)
class ProfileRow:
    indicator: Indicator
    value: Decimal | None
    national: Decimal | None
    rank: int | None
    of: int
    target: Decimal | None = None
    gap: Decimal | None = None


@dataclass(frozen=True)
class AreaPoint:
    area: AdminArea
    value: Decimal | None


@dataclass(frozen=True)
class BothMaps:
    """A period's values on the map before the reform (63 provinces) and after it (34)."""

    period: str
    reform_date: dt.date
    before: list[AreaPoint]
    after: list[AreaPoint]


@dataclass
class Table:
    row_headers: list[str]
    col_headers: list[str]
    cells: list[list[Decimal | None]]
    title: str
    corner: str = ""
    #: decimals to show per row (when rows are indicators) or per column, or one for all
    row_decimals: list[int] = field(default_factory=list)
    col_decimals: list[int] = field(default_factory=list)


# --- small helpers ------------------------------------------------------------------------------


def _indicator(indicator: Indicator | str) -> Indicator:
    if isinstance(indicator, Indicator):
        return indicator
    try:
        return Indicator.objects.select_related("weight", "domain").get(code=indicator)
    except Indicator.DoesNotExist:
        raise AnalyticsError(f"Không có chỉ tiêu mã {indicator!r}") from None


def _period(period: Period | str) -> Period:
    if isinstance(period, Period):
        return period
    try:
        return parse_any(period)
    except PeriodError as exc:
        raise AnalyticsError(str(exc)) from None


def _area(area: AdminArea | str) -> AdminArea:
    if isinstance(area, AdminArea):
        return area
    try:
        return AdminArea.objects.get(uid=area)
    except AdminArea.DoesNotExist:
        raise AnalyticsError(f"Không có đơn vị hành chính mã {area!r}") from None


def _pct(delta: Decimal | None, base: Decimal | None) -> Decimal | None:
    if delta is None or base is None or base == 0:
        return None
    return delta / abs(base) * HUNDRED


def _delta(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    return None if a is None or b is None else a - b


def _source_indicator(ind: Indicator) -> Indicator:
    """Whose values a ``count_if`` indicator counts: the indicator named in its condition."""
    if ind.agg_space == "count_if" and ind.condition:
        code = parse_condition(ind.condition).code
        if code != ind.code:
            return _indicator(code)
    return ind


# --- which values count: the accepted-data rule -------------------------------------------------


def _held_states(include_submitted: bool) -> list[str]:
    from baocao.reporting.models import State

    return [State.DRAFT, State.RETURNED] if include_submitted else [State.DRAFT, State.RETURNED, State.SUBMITTED]


def _excluded(
    period_codes: Iterable[str],
    include_submitted: bool,
    indicator_ids: Sequence[int] | None = None,
    area_ids: Sequence[int] | None = None,
) -> set[tuple[int, str, int]]:
    """(area_id, period, indicator_id) of values covered by a report that is not (yet) accepted.

    Only the reports of ``area_ids`` and the form items of ``indicator_ids`` are read when given (the
    caller only looks those keys up): a few hundred keys instead of every report's every item."""
    from baocao.reporting.models import FormItem, Submission

    codes = list(set(period_codes))
    if not codes:
        return set()
    subs_q = Submission.objects.filter(period__in=codes, state__in=_held_states(include_submitted))
    if area_ids is not None:
        subs_q = subs_q.filter(area_id__in=list(area_ids))
    subs = list(subs_q.values_list("area_id", "period", "version_id"))
    if not subs:
        return set()
    items_q = FormItem.objects.filter(section__version_id__in={v for _, _, v in subs})
    if indicator_ids is not None:
        items_q = items_q.filter(indicator_id__in=list(indicator_ids))
    items: dict[int, list[int]] = defaultdict(list)
    for vid, ind_id in items_q.values_list("section__version_id", "indicator_id"):
        items[vid].append(ind_id)
    return {(a, p, i) for a, p, v in subs for i in items.get(v, ())}


def _fetch(
    indicator_ids: Sequence[int],
    period_codes: Sequence[str],
    area_ids: Sequence[int] | None,
    disagg: str,
    include_submitted: bool,
    held: set[tuple[int, int, str]] | None = None,
) -> dict[tuple[int, int, str], tuple[Decimal, Decimal | None, Decimal | None]]:
    """{(indicator_id, area_id, period): (value, numerator, denominator)} of the values that count.

    Keys of values that exist but do not count (their report is not accepted) are added to ``held``."""
    q = Q(indicator_id__in=list(indicator_ids)) if len(indicator_ids) != 1 else Q(indicator_id=indicator_ids[0])
    q &= Q(period__in=list(period_codes)) if len(period_codes) != 1 else Q(period=period_codes[0])
    if area_ids is not None:
        q &= Q(area_id__in=list(area_ids))
    q &= Q(disagg=disagg)
    rows = DataValue.objects.filter(q).values_list("indicator_id", "area_id", "period", "value", "numerator", "denominator")
    excluded = _excluded(period_codes, include_submitted, indicator_ids, area_ids)
    out = {}
    for i, a, p, v, n, d in rows:
        if (a, p, i) in excluded:
            if held is not None:
                held.add((i, a, p))
        else:
            out[(i, a, p)] = (v, n, d)
    return out


def _fill_from_sub_periods(
    ind: Indicator,
    periods: Sequence[Period],
    area_ids: Sequence[int],
    disagg: str,
    include_submitted: bool,
    values: dict[tuple[int, int, str], tuple[Decimal, Decimal | None, Decimal | None]],
    held: set[tuple[int, int, str]],
    units_of: dict[str, Sequence[int]] | None = None,
) -> None:
    """Where a unit has no value stored (a value held back with its unaccepted report stays unknown) for a half-year/nine-months/year (or a quarter), derive it from its
    quarters (months) by the indicator's time rule: ``stock`` takes the last sub-period (it must be
    there), ``flow`` adds them up (all must be there)."""
    wanted: dict[Period, list[Period]] = {}
    for per in periods:
        mine = units_of[per.code] if units_of is not None else area_ids
        if per.type == "month" or all((ind.id, a, per.code) in values or (ind.id, a, per.code) in held for a in mine):
            continue
        for sub_type in ("month",) if per.type == "quarter" else ("quarter", "month"):
            try:
                wanted[per] = sub_periods(per, sub_type)
                break
            except PeriodError:
                continue
    if not wanted:
        return
    sub_codes = {s.code for subs in wanted.values() for s in subs}
    got = _fetch([ind.id], sorted(sub_codes), area_ids, disagg, include_submitted)
    for per, subs in wanted.items():
        for a in units_of[per.code] if units_of is not None else area_ids:
            if (ind.id, a, per.code) in values or (ind.id, a, per.code) in held:
                continue
            rows = [got.get((ind.id, a, s.code)) for s in subs]
            if ind.agg_time == "stock":
                if rows[-1] is not None:
                    values[(ind.id, a, per.code)] = rows[-1]
            elif all(r is not None for r in rows):
                try:
                    agg = aggregate_time(
                        ind, [{"value": r[0], "numerator": r[1], "denominator": r[2]} for r in rows if r]
                    )
                except AggregationError:
                    continue
                if agg.value is not None:
                    values[(ind.id, a, per.code)] = (agg.value, agg.numerator, agg.denominator)


def _values(
    ind: Indicator,
    periods: Sequence[Period],
    area_ids: Sequence[int],
    disagg: str,
    include_submitted: bool,
    units_of: dict[str, Sequence[int]] | None = None,
) -> dict[tuple[int, int, str], tuple[Decimal, Decimal | None, Decimal | None]]:
    """The values of ``ind`` for the areas and periods (``units_of``: the areas each period needs),
    completed from sub-periods where a value was never stored."""
    held: set[tuple[int, int, str]] = set()
    values = _fetch([ind.id], [p.code for p in periods], area_ids, disagg, include_submitted, held)
    needed = sum(len(units_of[p.code]) for p in periods) if units_of is not None else len(periods) * len(area_ids)
    if len(values) + len(held) < needed:
        _fill_from_sub_periods(ind, periods, area_ids, disagg, include_submitted, values, held, units_of)
    return values


def _weights(
    ind: Indicator, periods: Sequence[Period], units: Sequence[AdminArea], include_submitted: bool
) -> dict[tuple[int, str], Any]:
    if ind.agg_space != "weighted_mean":
        return {}
    if ind.weight_id:
        got = _fetch([ind.weight_id], [p.code for p in periods], [u.id for u in units], "", include_submitted)
        return {(a, p): v[0] for (_, a, p), v in got.items()}
    return {(u.id, p.code): u.population for u in units for p in periods}


def _combine_rows(
    ind: Indicator,
    src: Indicator,
    period: Period,
    units: Sequence[AdminArea],
    values: dict[tuple[int, int, str], tuple[Decimal, Decimal | None, Decimal | None]],
    weights: dict[tuple[int, str], Any],
    *,
    fast: bool = True,
) -> RollUp:
    if fast and len(units) != 1 and ind.agg_space in ("sum", "ratio_of_sums"):
        got = _combine_fast(ind, src, period, units, values)
        if got is not None:
            return got
    rows, present, missing = [], [], []
    for u in units:
        v = values.get((src.id, u.id, period.code))
        w = weights.get((u.id, period.code))
        if v is None:
            missing.append(u.uid)
            if ind.agg_space != "ratio_of_sums":
                rows.append({"value": None, "weight": w})
        else:
            present.append(u.uid)
            rows.append({"value": v[0], "numerator": v[1], "denominator": v[2], "weight": w})
    if len(units) == 1 and (ind.agg_space == "none" or (src.id == ind.id and present)):
        # One unit needs no combining (even an index or a rank): its reported value is the value.
        v = values.get((src.id, units[0].id, period.code))
        agg = Aggregate(value=v[0] if v else None, rule="none", numerator=v[1] if v else None,
                        denominator=v[2] if v else None, units=1 if v else 0, missing=0 if v else 1)
        return RollUp(agg, tuple(present), tuple(missing))
    agg = aggregate_space(ind, rows)
    if not present and agg.value is not None:
        agg = Aggregate(value=None, rule=agg.rule, missing=len(missing))  # nothing known: no count of 0
    return RollUp(agg, tuple(present), tuple(missing))


def _combine_fast(
    ind: Indicator,
    src: Indicator,
    period: Period,
    units: Sequence[AdminArea],
    values: dict[tuple[int, int, str], tuple[Decimal, Decimal | None, Decimal | None]],
) -> RollUp | None:
    """``sum`` and ``ratio_of_sums`` of several units without building rows for ``aggregate_space``.

    Gives exactly what the generic path gives; returns ``None`` (use the generic path, which also
    words the error) for anything unusual: a missing part, a negative part, a zero denominator."""
    present: list[str] = []
    missing: list[str] = []
    key_id, code = src.id, period.code
    if ind.agg_space == "sum":
        total = Decimal(0)
        for u in units:
            v = values.get((key_id, u.id, code))
            if v is None:
                missing.append(u.uid)
            else:
                present.append(u.uid)
                total += v[0]
        agg = Aggregate(value=total if present else None, rule="sum", units=len(present), missing=len(missing))
        return RollUp(agg, tuple(present), tuple(missing))
    fraction = ind.value_type == "fraction"
    num_total = den_total = Decimal(0)
    for u in units:
        v = values.get((key_id, u.id, code))
        if v is None:
            missing.append(u.uid)
            continue
        num = v[0] if fraction and v[1] is None else v[1]
        den = v[2]
        if num is None or den is None or num < 0 or den < 0:
            return None
        present.append(u.uid)
        num_total += num
        den_total += den
    if not present:
        agg = Aggregate(value=None, rule="ratio_of_sums")  # as aggregate_space: no rows, no count
    elif den_total == 0:
        return None
    elif fraction:
        agg = Aggregate(value=num_total, rule="ratio_of_sums", numerator=num_total, denominator=den_total,
                        share=num_total / den_total * HUNDRED, units=len(present))
    else:
        ratio = num_total / den_total
        agg = Aggregate(value=ratio * HUNDRED if ind.value_type in SCALED_BY_100 else ratio, rule="ratio_of_sums",
                        numerator=num_total, denominator=den_total, units=len(present))
    return RollUp(agg, tuple(present), tuple(missing))


# --- which units ---------------------------------------------------------------------------------


class _Map:
    """The provinces of every date, read once per call (63 before 01/07/2025, 34 after)."""

    def __init__(self) -> None:
        self.provinces = list(AdminArea.objects.filter(level=AreaLevel.PROVINCE).order_by("code", "uid"))
        bounds: set[dt.date] = set()
        for p in self.provinces:
            if p.valid_from:
                bounds.add(p.valid_from)
            if p.valid_to:
                bounds.add(p.valid_to + dt.timedelta(days=1))
        self.bounds = sorted(bounds)
        self._cons: dict[tuple[int, int], list[AdminArea]] = {}

    def valid_on(self, day: dt.date, region: str | None = None) -> list[AdminArea]:
        return [
            p
            for p in self.provinces
            if (p.valid_from is None or p.valid_from <= day)
            and (p.valid_to is None or day <= p.valid_to)
            and (region is None or p.region == region)
        ]

    def constituents(self, area: AdminArea, day: dt.date) -> list[AdminArea]:
        # The answer only changes when a province begins or ends: memoise by that epoch.
        key = (area.pk, bisect.bisect_right(self.bounds, day))
        if key not in self._cons:
            self._cons[key] = constituents(area, day)
        return self._cons[key]


def _national_source(ind: Indicator) -> str:
    """Where the country's value comes from: the provinces' roll-up, or the Ministry's own figure
    (indicators reported only nationally, or that cannot be combined)."""
    if ind.agg_space == "count_if":
        return "provinces"
    if ind.scope == "national" or ind.agg_space == "none":
        return "country"
    return "provinces"


def _country() -> AdminArea | None:
    return AdminArea.objects.filter(level=AreaLevel.COUNTRY).order_by("valid_from").first()


def _national_batch(
    inds: Sequence[Indicator],
    periods: Sequence[Period],
    *,
    region: str | None = None,
    disagg: str = "",
    include_submitted: bool = False,
    amap: _Map | None = None,
) -> dict[int, dict[str, RollUp] | AggregationError]:
    """The country's (or a region's) roll-up of several indicators for several periods: one query for
    all their values (and weights), then each indicator combined by its rule. An indicator that cannot
    be combined maps to its ``AggregationError``."""
    amap = amap or _Map()
    srcs = {ind.id: _source_indicator(ind) for ind in inds}
    units_of = {p.code: amap.valid_on(p.end, region) for p in periods}
    all_units = {u.id: u for us in units_of.values() for u in us}
    ids_of = {code: [u.id for u in us] for code, us in units_of.items()}
    country = _country() if region is None and any(_national_source(i) == "country" for i in inds) else None
    fetch_ids = {src.id for src in srcs.values()} | {i.weight_id for i in inds if i.agg_space == "weighted_mean" and i.weight_id}
    area_ids = list(all_units) + ([country.id] if country else [])
    held: set[tuple[int, int, str]] = set()
    codes = [p.code for p in periods]
    values = _fetch(sorted(fetch_ids), codes, area_ids, disagg, include_submitted, held) if fetch_ids else {}
    if disagg and any(i.agg_space == "weighted_mean" and i.weight_id for i in inds):
        weight_ids = [i.weight_id for i in inds if i.agg_space == "weighted_mean" and i.weight_id]
        values.update(_fetch(weight_ids, codes, area_ids, "", include_submitted, held))
    result: dict[int, dict[str, RollUp] | AggregationError] = {}
    for ind in inds:
        src = srcs[ind.id]
        if _national_source(ind) == "country" and region is None:
            out = {}
            for p in periods:
                v = values.get((ind.id, country.id, p.code)) if country else None
                agg = Aggregate(value=v[0] if v else None, rule=ind.agg_space, numerator=v[1] if v else None,
                                denominator=v[2] if v else None, units=1 if v else 0, missing=0 if v else 1)
                uid = (country.uid,) if country else ()
                out[p.code] = RollUp(agg, uid if v else (), () if v else uid)
            result[ind.id] = out
            continue
        have = sum(1 for p in periods for a in ids_of[p.code] if (src.id, a, p.code) in values or (src.id, a, p.code) in held)
        if have < sum(len(ids) for ids in ids_of.values()):
            _fill_from_sub_periods(src, periods, list(all_units), disagg, include_submitted, values, held, ids_of)
        if ind.agg_space == "weighted_mean":
            if ind.weight_id:
                weights = {(a, p): v[0] for (i, a, p), v in values.items() if i == ind.weight_id}
            else:
                weights = {(u.id, p.code): u.population for u in all_units.values() for p in periods}
        else:
            weights = {}
        try:
            result[ind.id] = {p.code: _combine_rows(ind, src, p, units_of[p.code], values, weights) for p in periods}
        except AggregationError as exc:
            result[ind.id] = exc
    return result


def _national_many(
    ind: Indicator,
    periods: Sequence[Period],
    *,
    region: str | None = None,
    disagg: str = "",
    include_submitted: bool = False,
    amap: _Map | None = None,
) -> dict[str, RollUp]:
    """The country's (or a region's) roll-up for several periods in one query."""
    got = _national_batch([ind], periods, region=region, disagg=disagg, include_submitted=include_submitted, amap=amap)[ind.id]
    if isinstance(got, AggregationError):
        raise got
    return got


def _area_many(
    area: AdminArea,
    ind: Indicator,
    periods: Sequence[Period],
    *,
    disagg: str = "",
    include_submitted: bool = False,
    amap: _Map | None = None,
) -> dict[str, RollUp]:
    """An area's roll-up for several periods in one query (constituents per period)."""
    if area.level == AreaLevel.COUNTRY:
        return _national_many(ind, periods, disagg=disagg, include_submitted=include_submitted, amap=amap)
    amap = amap or _Map()
    src = _source_indicator(ind)
    units_of = {p.code: amap.constituents(area, p.end) for p in periods}
    all_units = {u.id: u for us in units_of.values() for u in us}
    ids_of = {code: [u.id for u in us] for code, us in units_of.items()}
    values = _values(src, periods, list(all_units), disagg, include_submitted, ids_of)
    weights = _weights(ind, periods, list(all_units.values()), include_submitted)
    return {p.code: _combine_rows(ind, src, p, units_of[p.code], values, weights) for p in periods}


# --- the contract ----------------------------------------------------------------------------------


def area_value(
    area: AdminArea | str,
    indicator: Indicator | str,
    period: Period | str,
    disagg: str = "",
    *,
    include_submitted: bool = False,
) -> RollUp:
    """The value of ``indicator`` for ``area`` in ``period``, rolled up across the reform if needed.

    The units are the area's constituents on the last day of the period: the area itself when it
    existed then, its predecessors when it was formed later.
    """
    ind, per, a = _indicator(indicator), _period(period), _area(area)
    return _area_many(a, ind, [per], disagg=disagg, include_submitted=include_submitted)[per.code]


def national_value(
    indicator: Indicator | str,
    period: Period | str,
    disagg: str = "",
    *,
    region: str | None = None,
    include_submitted: bool = False,
) -> RollUp:
    """The country's value: the provinces valid on the last day of the period, combined by the catalog's rule.

    With ``region`` (a ``geo.Region`` code): the roll-up of that region's provinces.
    """
    ind, per = _indicator(indicator), _period(period)
    return _national_many(ind, [per], region=region, disagg=disagg, include_submitted=include_submitted)[per.code]


def _latest_periods(ind: Indicator, period_type: str, count: int | None, include_submitted: bool) -> list[Period]:
    src = _source_indicator(ind)
    codes = (
        DataValue.objects.filter(indicator_id=src.id, period_type=period_type)
        .values_list("period_start", "period")
        .distinct()
        .order_by("-period_start")
    )
    if count is not None:
        codes = codes[: count * 2]  # a few spare in case the newest are not accepted yet
    periods = sorted({_period(code) for _, code in codes})
    if count is not None:
        periods = periods[-count:]
    return periods


def series(
    indicator: Indicator | str,
    area: AdminArea | str | None = None,
    periods: Sequence[Period | str] | None = None,
    *,
    period_type: str = "quarter",
    last: int | None = None,
    disagg: str = "",
    include_submitted: bool = False,
) -> list[Point]:
    """The indicator over time for an area (``None``: the country), oldest first.

    ``periods`` given: exactly those. Otherwise every ``period_type`` period with values, or the
    ``last`` N of them.
    """
    ind = _indicator(indicator)
    if periods is None:
        pers = _latest_periods(ind, period_type, last, include_submitted)
    else:
        pers = [_period(p) for p in periods]
        if last is not None:
            pers = pers[-last:]
    if not pers:
        return []
    if area is None:
        got = _national_many(ind, pers, disagg=disagg, include_submitted=include_submitted)
    else:
        got = _area_many(_area(area), ind, pers, disagg=disagg, include_submitted=include_submitted)
    return [Point(p.code, got[p.code].value) for p in pers]


def _change_from(value: Decimal | None, per: Period, got: dict[str, Decimal | None]) -> Change:
    prev, ly = per.previous(), per.same_period_last_year()
    pv = got.get(prev.code)
    lv = got.get(ly.code)
    return Change(
        value=value,
        previous_period=prev.code,
        previous=pv,
        delta_previous=_delta(value, pv),
        pct_previous=_pct(_delta(value, pv), pv),
        last_year_period=ly.code,
        last_year=lv,
        delta_last_year=_delta(value, lv),
        pct_last_year=_pct(_delta(value, lv), lv),
    )


def change(
    indicator: Indicator | str,
    period: Period | str,
    area: AdminArea | str | None = None,
    *,
    disagg: str = "",
    include_submitted: bool = False,
) -> Change:
    """The value and its change vs the previous period and the same period last year (absolute and %).

    For percentages the absolute change is in percentage points; ``pct_*`` is always relative.
    """
    ind, per = _indicator(indicator), _period(period)
    pers = sorted({per, per.previous(), per.same_period_last_year()})
    if area is None:
        got = _national_many(ind, pers, disagg=disagg, include_submitted=include_submitted)
    else:
        got = _area_many(_area(area), ind, pers, disagg=disagg, include_submitted=include_submitted)
    return _change_from(got[per.code].value, per, {k: r.value for k, r in got.items()})


def better(indicator: Indicator | str) -> str:
    """``"higher"`` or ``"lower"``: which way is better for the indicator (``Direction``; default higher)."""
    from baocao.analytics.models import Direction

    ind = _indicator(indicator)
    found = Direction.objects.filter(indicator_id=ind.id).values_list("better", flat=True).first()
    return found or "higher"


def _directions(inds: Sequence[Indicator]) -> dict[int, str]:
    from baocao.analytics.models import Direction

    return dict(Direction.objects.filter(indicator_id__in=[i.id for i in inds]).values_list("indicator_id", "better"))


def _national_targets(inds: Sequence[Indicator], year: int) -> dict[int, Any]:
    from baocao.analytics.models import Target

    return {t.indicator_id: t for t in Target.objects.filter(indicator_id__in=[i.id for i in inds], year=year, area__isnull=True)}


def _targets(ind: Indicator, year: int) -> tuple[Any, dict[int, Any]]:
    """(national target row or None, {area_id: target row}) for one indicator and year."""
    from baocao.analytics.models import Target

    national, by_area = None, {}
    for t in Target.objects.filter(indicator_id=ind.id, year=year):
        if t.area_id is None:
            national = t
        else:
            by_area[t.area_id] = t
    return national, by_area


def target_for(indicator: Indicator | str, year: int, area: AdminArea | str | None = None) -> Decimal | None:
    """The target for ``year``: the province's own when set, else (for ``area=None``) the national one."""
    from baocao.analytics.models import Target

    ind = _indicator(indicator)
    qs = Target.objects.filter(indicator_id=ind.id, year=year)
    qs = qs.filter(area__isnull=True) if area is None else qs.filter(area_id=_area(area).id)
    return qs.values_list("value", flat=True).first()


def gap_to(value: Decimal | None, target: Decimal | None, direction: str = "higher") -> Decimal | None:
    """How far the value still is from the target (positive: still to go; zero or negative: reached)."""
    if value is None or target is None:
        return None
    return target - value if direction == "higher" else value - target


def light(value: Decimal | None, target: Any, direction: str = "higher") -> str | None:
    """Traffic light against a ``Target`` row: green reached, amber within its band, red otherwise."""
    if value is None or target is None:
        return None
    goal = Decimal(target.value)
    band = abs(goal) * Decimal(target.amber_band) / HUNDRED
    if direction == "higher":
        return "green" if value >= goal else "amber" if value >= goal - band else "red"
    return "green" if value <= goal else "amber" if value <= goal + band else "red"


def _rank(pairs: list[tuple[AdminArea, Decimal | None]], direction: str) -> list[tuple[int | None, AdminArea, Decimal | None]]:
    """Competition ranking (1, 2, 2, 4), best first; units without a value last, unranked."""
    have = [(a, v) for a, v in pairs if v is not None]
    have.sort(key=lambda av: (-av[1] if direction == "higher" else av[1], av[0].code, av[0].uid))
    out: list[tuple[int | None, AdminArea, Decimal | None]] = []
    for i, (a, v) in enumerate(have):
        rank = out[-1][0] if out and out[-1][2] == v else i + 1
        out.append((rank, a, v))
    out.extend((None, a, None) for a, v in pairs if v is None)
    return out


def ranking(
    indicator: Indicator | str,
    period: Period | str,
    *,
    region: str | None = None,
    disagg: str = "",
    include_submitted: bool = False,
) -> list[RankRow]:
    """The provinces valid at the end of the period (34 after 01/07/2025, 63 before), best first by the
    indicator's direction; ties share a rank; provinces without a value come last with rank ``None``."""
    ind, per = _indicator(indicator), _period(period)
    provinces = _Map().valid_on(per.end, region)
    values = _values(ind, [per], [p.id for p in provinces], disagg, include_submitted)
    direction = better(ind)
    national_t, by_area = _targets(ind, per.year)
    rows = []
    for rank, area, value in _rank([(p, (values.get((ind.id, p.id, per.code)) or (None,))[0]) for p in provinces], direction):
        t = by_area.get(area.id)
        tv = t.value if t else None
        rows.append(RankRow(rank, area, value, tv, gap_to(value, tv, direction)))
    return rows


def count_meeting(
    indicator: Indicator | str,
    period: Period | str,
    condition: str,
    *,
    region: str | None = None,
    disagg: str = "",
    include_submitted: bool = False,
) -> tuple[int, int]:
    """(provinces meeting the condition, provinces valid at the end of the period), e.g. (39, 63).

    ``condition`` is ``">= 30"`` (about ``indicator``) or a full ``"DVCTT_L4_SHARE >= 30"``.
    """
    ind, per = _indicator(indicator), _period(period)
    text = condition if condition.strip()[:1].isalpha() else f"{ind.code} {condition}"
    try:
        cond = parse_condition(text)
    except AggregationError as exc:
        raise AnalyticsError(str(exc)) from None
    src = _indicator(cond.code)
    provinces = _Map().valid_on(per.end, region)
    values = _values(src, [per], [p.id for p in provinces], disagg, include_submitted)
    met = sum(1 for p in provinces if (v := values.get((src.id, p.id, per.code))) is not None and cond.test(v[0]))
    return met, len(provinces)


def key_indicators(domain: str | None = None, on: dt.date | None = None) -> list[Indicator]:
    """The indicators of the overview and the profile (``KeyIndicator``, in order), optionally of one domain."""
    qs = Indicator.objects.filter(key_indicator__isnull=False).select_related("weight", "domain")
    if domain:
        qs = qs.filter(domain__code=domain)
    if on is not None:
        qs = qs.valid_on(on)
    return list(qs.order_by("key_indicator__order", "code"))


def overview(
    period: Period | str,
    *,
    domain: str | None = None,
    region: str | None = None,
    include_submitted: bool = False,
    indicators: Sequence[Indicator | str] | None = None,
) -> list[OverviewRow]:
    """The national (or regional) overview: each key indicator's value, change, last-8-period sparkline,
    national target and traffic light."""
    per = _period(period)
    inds = [_indicator(i) for i in indicators] if indicators is not None else key_indicators(domain, per.end)
    spark = [per.shift(-i) for i in range(7, -1, -1)]
    pers = sorted(set(spark) | {per.previous(), per.same_period_last_year()})
    amap = _Map()
    values: dict[int, dict[str, Decimal | None]] = {}
    batch = _national_batch(inds, pers, region=region, include_submitted=include_submitted, amap=amap)
    for ind_id, got_batch in batch.items():
        if not isinstance(got_batch, AggregationError):
            values[ind_id] = {k: r.value for k, r in got_batch.items()}
    directions = _directions(inds)
    national_targets = _national_targets(inds, per.year)
    rows = []
    for ind in inds:
        if ind.id not in values:
            continue  # cannot be combined (AggregationError)
        got = values[ind.id]
        value = got[per.code]
        national_t = national_targets.get(ind.id) if region is None else None
        rows.append(
            OverviewRow(
                indicator=ind,
                value=value,
                change=_change_from(value, per, got),
                sparkline=[Point(p.code, got[p.code]) for p in spark],
                target=national_t.value if national_t else None,
                light=light(value, national_t, directions.get(ind.id, "higher")),
            )
        )
    return rows


def province_profile(
    area: AdminArea | str,
    period: Period | str,
    *,
    domain: str | None = None,
    include_submitted: bool = False,
    indicators: Sequence[Indicator | str] | None = None,
) -> list[ProfileRow]:
    """A province's key indicators beside the national value, its rank among the provinces and its target."""
    a, per = _area(area), _period(period)
    inds = [_indicator(i) for i in indicators] if indicators is not None else key_indicators(domain, per.end)
    amap = _Map()
    provinces = amap.valid_on(per.end)
    province_ids = [p.id for p in provinces]
    # One query each for: the national values of all indicators, the provinces' values of all ranked
    # indicators, directions and targets (as overview), instead of a few queries per indicator.
    national = _national_batch(inds, [per], include_submitted=include_submitted, amap=amap)
    directions = _directions(inds)
    ranked_inds = [ind for ind in inds if _source_indicator(ind).id == ind.id] if a.is_valid_on(per.end) else []
    held: set[tuple[int, int, str]] = set()
    ranked_values = (
        _fetch([i.id for i in ranked_inds], [per.code], province_ids, "", include_submitted, held) if ranked_inds else {}
    )
    from baocao.analytics.models import Target

    tq = Target.objects.filter(indicator_id__in=[i.id for i in inds], year=per.year)
    tq = tq.filter(area__isnull=True) if a.level == AreaLevel.COUNTRY else tq.filter(area_id=a.id)
    targets = dict(tq.values_list("indicator_id", "value"))  # as target_for: the unit's own target
    rows = []
    for ind in inds:
        direction = directions.get(ind.id) or "higher"
        mine = _area_many(a, ind, [per], include_submitted=include_submitted, amap=amap)[per.code].value
        got = national[ind.id]
        nat = None if isinstance(got, AggregationError) else got[per.code].value
        rank, of = None, len(provinces)
        if ind in ranked_inds:
            values = {k: v for k, v in ranked_values.items() if k[0] == ind.id}
            mine_held = {k for k in held if k[0] == ind.id}
            if len(values) + len(mine_held) < len(province_ids):
                _fill_from_sub_periods(ind, [per], province_ids, "", include_submitted, values, mine_held)
            ranked = _rank([(p, (values.get((ind.id, p.id, per.code)) or (None,))[0]) for p in provinces], direction)
            rank = next((r for r, p, _ in ranked if p.id == a.id), None)
        t = targets.get(ind.id)
        rows.append(ProfileRow(ind, mine, nat, rank, of, t, gap_to(mine, t, direction)))
    return rows


def reform_date() -> dt.date:
    """The date of the latest province reform (01/07/2025), read from the succession table."""
    day = (
        AreaSuccession.objects.filter(successor__level=AreaLevel.PROVINCE).order_by("-date").values_list("date", flat=True).first()
    )
    if day is None:
        raise AnalyticsError("Chưa có dữ liệu sắp xếp đơn vị hành chính (chạy baocao load_map)")
    return day


def both_maps(
    indicator: Indicator | str,
    period: Period | str,
    *,
    disagg: str = "",
    include_submitted: bool = False,
) -> BothMaps:
    """The period's values on the map before the reform and on the map after it, side by side.

    After-map provinces in an earlier period are the roll-up of their predecessors; before-map
    provinces that were merged have no value in later periods (a merged province cannot be split).
    """
    ind, per = _indicator(indicator), _period(period)
    day = reform_date()
    amap = _Map()
    src = _source_indicator(ind)
    before_units, after_units = amap.valid_on(day - dt.timedelta(days=1)), amap.valid_on(day)
    sides = []
    for units in (before_units, after_units):
        values: dict[Any, Any] = {}
        points = []
        wanted = {u.id: u for u in units}
        cons = {}
        for u in units:
            try:
                cons[u.id] = amap.constituents(u, per.end)
            except Exception:  # noqa: BLE001 - an area that had ended: no value on this map
                cons[u.id] = []
        all_units = {c.id: c for cs in cons.values() for c in cs}
        values = _values(src, [per], list(all_units), disagg, include_submitted)
        weights = _weights(ind, [per], list(all_units.values()), include_submitted)
        for u in wanted.values():
            if not cons[u.id]:
                points.append(AreaPoint(u, None))
                continue
            try:
                points.append(AreaPoint(u, _combine_rows(ind, src, per, cons[u.id], values, weights).value))
            except AggregationError:
                points.append(AreaPoint(u, None))
        sides.append(points)
    return BothMaps(per.code, day, sides[0], sides[1])


# --- the ad-hoc table ------------------------------------------------------------------------------

DIMENSIONS = ("indicator", "area", "period")
_DIM_VI = {"indicator": "chỉ tiêu", "area": "đơn vị", "period": "kỳ"}


def _indicator_header(ind: Indicator) -> str:
    return f"{ind.name} ({ind.unit})" if ind.unit else ind.name


def table(
    rows: str,
    cols: str,
    *,
    indicators: Sequence[Indicator | str],
    areas: Sequence[AdminArea | str],
    periods: Sequence[Period | str],
    disagg: str = "",
    include_submitted: bool = False,
) -> Table:
    """An ad-hoc table: rows and columns each one of ``indicator``, ``area``, ``period``; the third
    dimension must have exactly one member. ``areas`` may contain the country (``VN``): its value is
    the national roll-up."""
    for name, dim in (("rows", rows), ("cols", cols)):
        if dim not in DIMENSIONS:
            raise AnalyticsError(f"{name}: phải là một trong {', '.join(DIMENSIONS)} (nhận {dim!r})")
    if rows == cols:
        raise AnalyticsError("Hàng và cột phải là hai chiều khác nhau")
    inds = [_indicator(i) for i in indicators]
    ars = [_area(a) for a in areas]
    pers = [_period(p) for p in periods]
    members: dict[str, list[Any]] = {"indicator": inds, "area": ars, "period": pers}
    for dim, items in members.items():
        if not items:
            raise AnalyticsError(f"Chưa chọn {_DIM_VI[dim]} nào")
    fixed = next(d for d in DIMENSIONS if d not in (rows, cols))
    if len(members[fixed]) != 1:
        raise AnalyticsError(
            f"Chiều {_DIM_VI[fixed]} không nằm ở hàng hay cột nên chỉ được chọn đúng một (đang chọn {len(members[fixed])})"
        )
    amap = _Map()
    cache: dict[tuple[int, int], dict[str, RollUp]] = {}
    for ind in inds:
        for a in ars:
            try:
                cache[(ind.id, a.id)] = _area_many(a, ind, pers, disagg=disagg, include_submitted=include_submitted, amap=amap)
            except AggregationError:
                cache[(ind.id, a.id)] = {}
            except Exception as exc:  # an area that no longer existed in a period
                from baocao.geo.services import AreaError

                if not isinstance(exc, AreaError):
                    raise
                cache[(ind.id, a.id)] = {}

    def cell(ind: Indicator, a: AdminArea, p: Period) -> Decimal | None:
        got = cache[(ind.id, a.id)].get(p.code)
        return got.value if got else None

    def label(dim: str, item: Any) -> str:
        if dim == "indicator":
            return _indicator_header(item)
        if dim == "area":
            return item.name
        return item.label_vi

    cells = []
    for r in members[rows]:
        line = []
        for c in members[cols]:
            pick = {rows: r, cols: c, fixed: members[fixed][0]}
            line.append(cell(pick["indicator"], pick["area"], pick["period"]))
        cells.append(line)
    title = f"{_DIM_VI[rows].capitalize()} × {_DIM_VI[cols]} – {label(fixed, members[fixed][0])}"
    return Table(
        row_headers=[label(rows, r) for r in members[rows]],
        col_headers=[label(cols, c) for c in members[cols]],
        cells=cells,
        title=title,
        corner=_DIM_VI[rows].capitalize(),
        row_decimals=[i.decimals for i in inds] if rows == "indicator" else [inds[0].decimals] * len(members[rows]) if fixed == "indicator" else [],
        col_decimals=[i.decimals for i in inds] if cols == "indicator" else [],
    )


def _decimals(t: Table, i: int, j: int) -> int:
    if t.row_decimals:
        return t.row_decimals[i]
    if t.col_decimals:
        return t.col_decimals[j]
    return 0


def table_to_xlsx(t: Table) -> bytes:
    """The table as an .xlsx workbook: title, Vietnamese headers, numbers as numbers with a format
    showing the indicator's decimals (Excel shows them with the reader's separators: 516.033; 16,2)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "Bảng số liệu"
    ws.cell(row=1, column=1, value=t.title).font = Font(bold=True)
    ws.cell(row=3, column=1, value=t.corner).font = Font(bold=True)
    for j, h in enumerate(t.col_headers):
        c = ws.cell(row=3, column=2 + j, value=h)
        c.font = Font(bold=True)
        c.alignment = Alignment(wrap_text=True, horizontal="center")
    for i, (h, line) in enumerate(zip(t.row_headers, t.cells, strict=True)):
        ws.cell(row=4 + i, column=1, value=h)
        for j, v in enumerate(line):
            d = _decimals(t, i, j)
            c = ws.cell(row=4 + i, column=2 + j, value=None if v is None else round(float(v), max(d, 0)) if d else int(v.to_integral_value()))
            c.number_format = "#,##0" + ("." + "0" * d if d else "")
    ws.column_dimensions["A"].width = 45
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def table_to_csv(t: Table) -> bytes:
    """The table as CSV for Vietnamese Excel: UTF-8 with BOM, ``;`` between fields, numbers written the
    Vietnamese way (516.033; 16,2), empty cell for no value."""
    from baocao.core.numbers import format_number

    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerow([t.title])
    w.writerow([t.corner, *t.col_headers])
    for i, (h, line) in enumerate(zip(t.row_headers, t.cells, strict=True)):
        w.writerow([h, *("" if v is None else format_number(v, _decimals(t, i, j)) for j, v in enumerate(line))])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


# --- reference data: targets, directions, key indicators --------------------------------------------

DEFAULT_FILE = __import__("pathlib").Path(__file__).resolve().parent / "fixtures" / "analytics.json"


@dataclass
class LoadReport:
    targets: int = 0
    directions: int = 0
    key_indicators: int = 0

    def summary(self) -> str:
        return (
            f"Mục tiêu: {self.targets}; chỉ tiêu càng thấp càng tốt: {self.directions}; "
            f"chỉ tiêu chủ yếu: {self.key_indicators}"
        )


def load_analytics(data: dict[str, Any] | None = None, *, path: str | None = None) -> LoadReport:
    """Check the whole file, then upsert targets (by indicator, area, year), directions and key indicators.

    Idempotent. On any problem raises ``AnalyticsError`` listing every problem and writes nothing.
    """
    import json
    from pathlib import Path

    from django.db import transaction

    from baocao.analytics.models import Better, Direction, KeyIndicator, Target

    if data is None:
        try:
            data = json.loads(Path(path or DEFAULT_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise AnalyticsError(f"Không đọc được tệp {path or DEFAULT_FILE}: {exc}") from None
    if not isinstance(data, dict):
        raise AnalyticsError("Tệp phải là một đối tượng JSON")
    codes = {c: i for c, i in Indicator.objects.values_list("code", "id")}
    uids = {u: i for u, i in AdminArea.objects.values_list("uid", "id")}
    problems: list[str] = []
    keys, lowers, targets = data.get("key_indicators", []), data.get("lower_is_better", []), data.get("targets", [])
    for name, items in (("key_indicators", keys), ("lower_is_better", lowers)):
        if not isinstance(items, list):
            problems.append(f"{name}: phải là danh sách mã chỉ tiêu")
            continue
        problems += [f"{name}: không có chỉ tiêu mã {c!r}" for c in items if c not in codes]
    seen: set[tuple[str, Any, Any]] = set()
    parsed: list[tuple[int, int | None, int, Decimal, str]] = []
    for n, t in enumerate(targets if isinstance(targets, list) else []):
        where = f"targets[{n}]"
        if not isinstance(t, dict):
            problems.append(f"{where}: phải là đối tượng")
            continue
        code, area, year = t.get("indicator"), t.get("area"), t.get("year")
        if code not in codes:
            problems.append(f"{where}.indicator: không có chỉ tiêu mã {code!r}")
        if area is not None and area not in uids:
            problems.append(f"{where}.area: không có đơn vị mã {area!r}")
        if not isinstance(year, int) or not 1990 <= year <= 2100:
            problems.append(f"{where}.year: năm không hợp lệ {year!r}")
        try:
            value = Decimal(str(t.get("value")))
            if not value.is_finite():
                raise ValueError
        except (ArithmeticError, ValueError):
            problems.append(f"{where}.value: không phải là số: {t.get('value')!r}")
            value = Decimal(0)
        if (code, area, year) in seen:
            problems.append(f"{where}: trùng mục tiêu {code} {area or 'toàn quốc'} {year}")
        seen.add((code, area, year))
        if code in codes and (area is None or area in uids) and isinstance(year, int):
            parsed.append((codes[code], uids.get(area) if area else None, year, value, str(t.get("note", ""))[:300]))
    if not isinstance(targets, list):
        problems.append("targets: phải là danh sách")
    if problems:
        raise AnalyticsError("Tệp dữ liệu phân tích có lỗi, chưa nạp gì:\n- " + "\n- ".join(problems))
    report = LoadReport()
    with transaction.atomic():
        for ind_id, area_id, year, value, note in parsed:
            Target.objects.update_or_create(
                indicator_id=ind_id, area_id=area_id, year=year, defaults={"value": value, "note": note}
            )
            report.targets += 1
        for code in lowers:
            Direction.objects.update_or_create(indicator_id=codes[code], defaults={"better": Better.LOWER})
            report.directions += 1
        for order, code in enumerate(keys, start=1):
            KeyIndicator.objects.update_or_create(indicator_id=codes[code], defaults={"order": order})
            report.key_indicators += 1
    return report
