"""Read values the way the catalog says they combine, across organisation units and the 2025 reform.

This is the one place that answers "what is indicator X for unit U in period P": for a unit that did
not exist in P (the new Tuyên Quang in 2024Q1) the answer is the roll-up of the units that made it up
then (Tuyên Quang + Hà Giang), combined by the indicator's rule (sum, ratio of sums, weighted mean,
count of units meeting a condition); for the country it is the roll-up of the provinces valid at the
end of P. Values are read from the database every time (no cache can go stale).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from baocao.catalog.aggregation import Aggregate, aggregate_space
from baocao.catalog.models import Indicator
from baocao.datavalues.models import DataValue
from baocao.geo.models import AdminArea, AreaLevel
from baocao.geo.services import constituents
from baocao.periods.services import Period, parse_any


@dataclass(frozen=True)
class RollUp:
    """An aggregate together with the units it was computed from."""

    aggregate: Aggregate
    units: tuple[str, ...]  # uids of the units whose values were combined
    missing: tuple[str, ...]  # uids of the units that had no value

    @property
    def value(self) -> Decimal | None:
        return self.aggregate.value


def _indicator(indicator: Indicator | str) -> Indicator:
    return indicator if isinstance(indicator, Indicator) else Indicator.objects.select_related("weight").get(code=indicator)


def _period(period: Period | str) -> Period:
    return period if isinstance(period, Period) else parse_any(period)


def _combine(ind: Indicator, period: Period, units: Iterable[AdminArea], disagg: str = "") -> RollUp:
    units = list(units)
    by_id = {u.id: u for u in units}
    values = {
        dv.area_id: dv
        for dv in DataValue.objects.filter(
            indicator=ind, period=period.code, disagg=disagg, area_id__in=list(by_id)
        ).only("area_id", "value", "numerator", "denominator")
    }
    weights: dict[int, Any] = {}
    if ind.agg_space == "weighted_mean":
        if ind.weight_id:
            weights = dict(
                DataValue.objects.filter(indicator_id=ind.weight_id, period=period.code, area_id__in=list(by_id))
                .values_list("area_id", "value")
            )
        else:
            weights = {u.id: u.population for u in units}
    rows, missing = [], []
    for u in units:
        dv = values.get(u.id)
        if dv is None:
            missing.append(u.uid)
            rows.append({"value": None, "weight": weights.get(u.id)})
        else:
            rows.append(
                {"value": dv.value, "numerator": dv.numerator, "denominator": dv.denominator, "weight": weights.get(u.id)}
            )
    if ind.agg_space == "ratio_of_sums":
        rows = [r for r in rows if r["value"] is not None]
    present = tuple(u.uid for u in units if u.id in values)
    return RollUp(aggregate_space(ind, rows), present, tuple(missing))


def area_value(area: AdminArea | str, indicator: Indicator | str, period: Period | str, disagg: str = "") -> RollUp:
    """The value of ``indicator`` for ``area`` in ``period``, rolled up across the reform if needed.

    The units are the area's constituents on the last day of the period: the area itself when it
    existed then, its predecessors when it was formed later.
    """
    ind, per = _indicator(indicator), _period(period)
    area = area if isinstance(area, AdminArea) else AdminArea.objects.get(uid=area)
    return _combine(ind, per, constituents(area, per.end), disagg)


def national_value(indicator: Indicator | str, period: Period | str, disagg: str = "") -> RollUp:
    """The country's value: the provinces valid on the last day of the period, combined by the catalog's rule."""
    ind, per = _indicator(indicator), _period(period)
    provinces = AdminArea.objects.filter(level=AreaLevel.PROVINCE).valid_on(per.end).order_by("code")
    return _combine(ind, per, provinces, disagg)
