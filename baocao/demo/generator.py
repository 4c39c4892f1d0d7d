"""A deterministic demo data set: every province × quarters, half-years and years, 2016 → today.

Values are plausible rather than real: each (province, indicator) gets a latent quarterly series
scaled by the province's population, with a trend, noise and, for flows, a little seasonality. The
series of the old provinces continue after the 2025 reform and the new provinces report the roll-up
of their constituents, so time series stay continuous across the reform. A few real figures from the
sector's reports (``fixtures/anchors.json``) pin their series exactly. A small, deterministic set
of anomalies (a value ten times too large: an extra zero typed) is injected for validation to catch;
they carry ``provenance = {"generator": "demo", "anomaly": true}``.

Everything is driven by the catalog (value type, aggregation, unit) and by ``fixtures/profiles.json``
(per-indicator level and trend); nothing here names an indicator.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent / "fixtures"
REFORM_DAY = dt.date(2025, 7, 1)
ANOMALY_RATE = 0.002


@dataclass
class Profile:
    """How one indicator's latent series behaves (see fixtures/profiles.json)."""

    per_100k: float | None = None  # amounts (counts, money): level per 100,000 inhabitants at the start
    growth: float = 1.3  # amounts: factor reached at the end of the series
    start: float | None = None  # shares and levels: value at the start of the series
    end: float | None = None  # shares and levels: value at the end of the series
    spread: float = 0.25  # relative spread between provinces
    noise: float = 0.03  # relative quarter-to-quarter noise
    denominator_per_100k: float | None = None  # shares/ratios: the denominator's level
    integer: bool = True
    components: list[str] = field(default_factory=list)  # amounts: the sum of these indicators
    density_of: str | None = None  # levels: this indicator per 100 inhabitants
    part_of: str | None = None  # amounts: start..end % of another amount (resolved ≤ it)
    numerator_of: str | list[str] | None = None  # shares: the numerator is another amount (or a sum of amounts)
    denominator_of: str | None = None  # shares (with numerator_of): the denominator is another amount or share's
    same_denominator_as: str | None = None  # shares: share the other's denominator, never exceed its share


@dataclass
class Unit:
    uid: str
    population: int
    constituents: list[str] = field(default_factory=list)  # for a new province: its predecessors
    valid_before: bool = True  # exists under the map before 01/07/2025
    valid_after: bool = False  # exists under the map from 01/07/2025


def _rng(*parts: object) -> random.Random:
    return random.Random(zlib.crc32("|".join(map(str, parts)).encode()))


def _quarters(first: tuple[int, int], last: tuple[int, int]) -> list[tuple[int, int]]:
    out, (y, q) = [], first
    while (y, q) <= last:
        out.append((y, q))
        y, q = (y + 1, 1) if q == 4 else (y, q + 1)
    return out


def load_profiles() -> dict[str, Profile]:
    data = json.loads((FIXTURES / "profiles.json").read_text(encoding="utf-8"))
    return {code: Profile(**p) for code, p in data["profiles"].items()}


def load_anchors() -> list[dict[str, Any]]:
    return json.loads((FIXTURES / "anchors.json").read_text(encoding="utf-8"))["anchors"]


def default_profile(value_type: str, agg_time: str, unit: str, max_value: float | None) -> Profile:
    """A fallback for indicators without a profile, from their type alone."""
    if value_type in ("percent", "fraction"):
        return Profile(start=35.0, end=85.0, denominator_per_100k=40.0)
    if value_type == "density":
        return Profile(start=60.0, end=110.0, integer=False)
    if value_type == "index":
        top = float(max_value) if max_value else 1.0
        return Profile(start=0.35 * top, end=0.75 * top, integer=False)
    if value_type == "ratio":
        return Profile(start=8000.0, end=6000.0)
    if value_type == "boolean":
        return Profile(start=0.3, end=0.95)
    if value_type == "money":
        return Profile(per_100k=40_000_000.0 if agg_time == "flow" else 400_000_000.0)
    return Profile(per_100k=4.0 if agg_time == "flow" else 20.0)


def kind_of(ind: dict[str, Any], prof: Profile) -> str:
    """share (X of Y), ratio (inhabitants per point), amount (summable count or money) or level."""
    if ind["agg_space"] == "ratio_of_sums" or ind["value_type"] == "fraction":
        return "ratio" if ind["value_type"] == "ratio" else "share"
    if prof.per_100k is not None or prof.components or prof.part_of:
        return "amount"
    return "level"


class Series:
    """The latent quarterly series of one (old province, indicator).

    ``x`` is the amount or level (or, for shares, the share in %), ``den`` the denominator.
    """

    def __init__(self, ind: dict[str, Any], prof: Profile, unit: Unit, quarters: list[tuple[int, int]]):
        self.kind = kind_of(ind, prof)
        self.integer = ind["value_type"] in ("count", "money")
        rng = _rng(ind["code"], unit.uid)
        n = len(quarters)
        level = math.exp(rng.gauss(0, prof.spread))
        flow = ind["agg_time"] == "flow"
        self.x: list[float] = []
        self.den: list[float] = []
        start = prof.start if prof.start is not None else 0.0
        end = prof.end if prof.end is not None else start
        tilt = 0.85 + 0.3 * rng.random()  # a province ahead of or behind the others
        for t, (_, q) in enumerate(quarters):
            frac = t / max(n - 1, 1)
            noise = 1 + rng.gauss(0, prof.noise)
            season = (1.0 + 0.25 * (q == 4) - 0.15 * (q == 1)) if flow else 1.0
            if self.kind in ("share", "ratio"):
                den = (prof.denominator_per_100k or 40.0) * unit.population / 100_000 * level
                self.den.append(max(1.0, round(den * (season * (1 + 0.3 * frac) if flow else 1.0))))
                self.x.append(min(100.0, max(0.0, (start + (end - start) * frac) * tilt * noise)))
            elif self.kind == "amount" and prof.per_100k is None:
                # a part of another amount: the share (%) it takes, resolved in DemoGenerator.final
                self.x.append(min(100.0, max(0.0, (start + (end - start) * frac) * tilt * noise)))
                self.den.append(0.0)
            elif self.kind == "amount":
                base = prof.per_100k * unit.population / 100_000 * level
                v = max(0.0, base * prof.growth**frac * season * noise)
                self.x.append(float(round(v)) if self.integer else v)
                self.den.append(0.0)
            else:
                v = (start + (end - start) * frac) * tilt * noise
                if ind.get("max_value") is not None:
                    v = min(v, float(ind["max_value"]))
                self.x.append(max(0.0, v))
                self.den.append(0.0)

    def scaled(self, k: float) -> Series:
        out = object.__new__(Series)
        out.kind, out.den, out.integer = self.kind, list(self.den), self.integer
        out.x = [min(100.0, v * k) if self.kind == "share" else v * k for v in self.x]
        if out.kind == "amount" and out.integer and k != 1.0:
            out.x = [float(round(v)) for v in out.x]
        return out

    def numerator(self, t: int) -> float:
        """A share's numerator (not yet rounded: round after adding quarters)."""
        return self.den[t] * self.x[t] / 100 if self.kind == "share" else self.x[t]


def _decimal(v: float, integer: bool) -> Decimal:
    return Decimal(int(round(v))) if integer else Decimal(str(round(v, 2)))


class DemoGenerator:
    """Produces the rows of the demo data set, ready for ``datavalues.services.bulk_write``."""

    def __init__(
        self,
        indicators: list[dict[str, Any]],
        old_units: list[Unit],
        new_units: list[Unit],
        last_quarter: tuple[int, int],
        first_year: int = 2016,
        profiles: dict[str, Profile] | None = None,
        anchors: list[dict[str, Any]] | None = None,
    ):
        self.indicators = indicators
        self.by_code = {i["code"]: i for i in indicators}
        self.old_units, self.new_units = old_units, new_units
        self.units = {u.uid: u for u in old_units}
        self.quarters = _quarters((first_year, 1), last_quarter)
        self.qindex = {yq: i for i, yq in enumerate(self.quarters)}
        self.profiles = load_profiles() if profiles is None else profiles
        self.anchors = load_anchors() if anchors is None else anchors
        self.parents = {c: code for code, p in self.profiles.items() for c in p.components}
        self.anomalies: list[tuple[str, str, str]] = []
        self._base: dict[tuple[str, str], Series] = {}

    def profile(self, code: str) -> Profile:
        ind = self.by_code[code]
        return self.profiles.get(code) or default_profile(ind["value_type"], ind["agg_time"], ind["unit"], ind.get("max_value"))

    def base(self, code: str, uid: str) -> Series:
        """The unanchored series; an indicator with components is their sum."""
        key = (code, uid)
        if key not in self._base:
            prof = self.profile(code)
            s = Series(self.by_code[code], prof, self.units[uid], self.quarters)
            if prof.components:  # unanchored total, used to compute an anchor's factor
                parts = [self.base(c, uid) for c in prof.components if c in self.by_code]
                s.x = [sum(p.x[t] for p in parts) for t in range(len(self.quarters))]
            self._base[key] = s
        return self._base[key]

    def factor(self, code: str, uid: str) -> float:
        """How much a real figure (an anchor on this indicator or on its parent total) scales the series."""
        for a in self.anchors:
            if a["indicator"] == code and a["area"] == uid:
                s = self.base(code, uid)
                t = self.qindex[_last_quarter_of(a["period"])]
                if s.kind == "share":
                    den = float(a.get("denominator") or s.den[t])
                    want = 100 * float(a.get("numerator", a["value"])) / den
                    return want / s.x[t] if s.x[t] else 1.0
                return float(a["value"]) / s.x[t] if s.x[t] else 1.0
        parent = self.parents.get(code)
        return self.factor(parent, uid) if parent in self.by_code else 1.0

    def final(self, code: str, uid: str) -> Series:
        s = self.base(code, uid).scaled(self.factor(code, uid))
        for a in self.anchors:
            if a["indicator"] == code and a["area"] == uid and a.get("denominator") is not None:
                s.den = [float(a["denominator"])] * len(s.den)
                t = self.qindex[_last_quarter_of(a["period"])]
                s.x[t] = 100 * float(a.get("numerator", a["value"])) / float(a["denominator"])
        prof = self.profile(code)
        if prof.density_of in self.by_code:
            src = self.final(prof.density_of, uid)
            s.x = [100 * v / self.units[uid].population for v in src.x]
        if prof.components:
            parts = [self.final(c, uid) for c in prof.components if c in self.by_code]
            s.x = [sum(p.x[t] for p in parts) for t in range(len(s.x))]
        parent = self.parents.get(code)
        if parent in self.by_code and code == self.profile(parent).components[-1]:
            # The last component takes the rounding residue so that an anchored total stays exact.
            siblings = [c for c in self.profile(parent).components[:-1] if c in self.by_code]
            for a in self.anchors:
                if a["indicator"] == parent and a["area"] == uid:
                    t = self.qindex[_last_quarter_of(a["period"])]
                    s.x[t] = float(a["value"]) - sum(self.final(c, uid).x[t] for c in siblings)
        if prof.part_of in self.by_code:
            whole = self.final(prof.part_of, uid)
            s.x = [w * sh / 100 for w, sh in zip(whole.x, s.x, strict=True)]
            if s.integer:
                s.x = [float(int(v)) for v in s.x]  # rounded down: never above the whole
        if prof.numerator_of:
            codes = [prof.numerator_of] if isinstance(prof.numerator_of, str) else prof.numerator_of
            parts = [self.final(c, uid).x for c in codes if c in self.by_code]
            num = [sum(p[t] for p in parts) for t in range(len(s.x))]
            if prof.denominator_of in self.by_code:
                d = self.final(prof.denominator_of, uid)
                s.den = [max(a, b) for a, b in zip(d.den if d.kind == "share" else d.x, num, strict=True)]
            else:
                s.den = [n * 100 / sh if sh > 0 else max(n, 1.0) for n, sh in zip(num, s.x, strict=True)]
            s.x = [min(100.0, 100 * n / d) if d else 0.0 for n, d in zip(num, s.den, strict=True)]
        if prof.same_denominator_as in self.by_code:
            other = self.final(prof.same_denominator_as, uid)
            s.den = list(other.den)
            s.x = [min(sh, o) for sh, o in zip(s.x, other.x, strict=True)]
        return s

    def rows(self) -> Iterator[dict[str, Any]]:
        for ind in self.indicators:
            series = {uid: self.final(ind["code"], uid) for uid in self.units}
            anchor_keys = {(a["area"], a["period"]) for a in self.anchors if a["indicator"] == ind["code"]}
            yield from self._emit(ind, self.profile(ind["code"]), series, anchor_keys)
            self._base = {k: v for k, v in self._base.items() if k[0] != ind["code"] or k[0] in self.parents.values()}

    def _emit(self, ind, prof, series, anchor_keys) -> Iterator[dict[str, Any]]:
        reform_t = self.qindex.get((2025, 3), len(self.quarters))
        last_y, last_q = self.quarters[-1]
        for unit in self.old_units + self.new_units:
            parts = [series[c] for c in (unit.constituents or [unit.uid])]
            rng = _rng("anomaly", ind["code"], unit.uid)
            for period, ts in _periods(self.quarters, last_y, last_q):
                after = ts[-1] >= reform_t  # the period ends under the new map
                if (after and not unit.valid_after) or (not after and not unit.valid_before):
                    continue
                if not self._indicator_in_force(ind, ts):
                    continue
                row = self._row(ind, prof, parts, ts, unit)
                if row is None:
                    continue
                row.update(area=unit.uid, indicator=ind["code"], period=period)
                if (
                    (unit.uid, period) not in anchor_keys
                    and len(ts) == 1
                    and rng.random() < ANOMALY_RATE
                    and _make_anomaly(row, ind)
                ):
                    row["provenance"] = {"generator": "demo", "anomaly": True}
                    self.anomalies.append((unit.uid, ind["code"], period))
                yield row

    def _indicator_in_force(self, ind: dict[str, Any], ts: list[int]) -> bool:
        """The indicator is in force on at least one day of the period (the value rule's test)."""
        (y0, q0), (y1, q1) = self.quarters[ts[0]], self.quarters[ts[-1]]
        start = dt.date(y0, 3 * q0 - 2, 1)
        end = dt.date(y1 + (q1 == 4), (3 * q1) % 12 + 1, 1) - dt.timedelta(days=1)
        return (ind.get("valid_from") is None or ind["valid_from"] <= end) and (
            ind.get("valid_to") is None or start <= ind["valid_to"]
        )

    def _row(self, ind, prof, parts: list[Series], ts: list[int], unit: Unit) -> dict[str, Any] | None:
        vt, flow = ind["value_type"], ind["agg_time"] == "flow"
        pick = ts if flow else ts[-1:]
        kind = parts[0].kind
        if kind == "share":
            den = round(sum(p.den[t] for p in parts for t in pick))
            num = min(den, round(sum(p.numerator(t) for p in parts for t in pick)))
            if den <= 0:
                return None
            num_d, den_d = Decimal(int(num)), Decimal(int(den))
            return {"value": _share(num_d, den_d, ind), "numerator": num_d, "denominator": den_d}
        if kind == "ratio":
            den = sum(p.den[ts[-1]] for p in parts)
            value = Decimal(str(round(unit.population / den, ind.get("decimals") or 0)))
            return {"value": value, "numerator": Decimal(unit.population), "denominator": Decimal(int(den))}
        if kind == "amount":
            total = sum(p.x[t] for p in parts for t in pick)
            return {"value": _decimal(total, vt in ("count", "money") or prof.integer)}
        # Levels (density, index, percent without parts, boolean): population-weighted mean.
        weights = [self.units[c].population for c in (unit.constituents or [unit.uid])]
        v = sum(p.x[ts[-1]] * w for p, w in zip(parts, weights, strict=True)) / (sum(weights) or 1)
        if vt == "boolean":
            return {"value": Decimal(1 if v >= 0.5 else 0)}
        decimals = ind.get("decimals") or (0 if vt == "count" else 2)
        return {"value": Decimal(str(round(v, decimals))) if decimals else Decimal(int(round(v)))}


def _share(num: Decimal, den: Decimal, ind: dict[str, Any]) -> Decimal:
    if ind["value_type"] == "fraction":
        return num
    return Decimal(str(round(100 * num / den, ind.get("decimals") or 1)))


def _make_anomaly(row: dict[str, Any], ind: dict[str, Any]) -> bool:
    """Turn a row into a plausible data-entry slip that passes hard rules but is an outlier."""
    if row.get("denominator") is not None and ind["value_type"] in ("fraction", "percent"):
        row["numerator"] = (row["numerator"] / 10).to_integral_value()
        row["value"] = _share(row["numerator"], row["denominator"], ind)
        return True
    if ind["value_type"] in ("count", "money"):
        row["value"] = row["value"] * 10  # an extra zero typed
        return True
    return False


def _last_quarter_of(code: str) -> tuple[int, int]:
    year = int(code[:4])
    rest = code[4:]
    if rest.startswith("Q"):
        return year, int(rest[1])
    if rest.startswith("S"):
        return year, 2 * int(rest[1])
    if rest == "N9":
        return year, 3
    if rest == "":
        return year, 4
    return year, (int(rest) - 1) // 3 + 1


def _periods(quarters: list[tuple[int, int]], last_y: int, last_q: int) -> Iterator[tuple[str, list[int]]]:
    """(period code, indices of its quarters) for every complete quarter, half-year and year."""
    idx = {yq: i for i, yq in enumerate(quarters)}
    for (y, q), i in idx.items():
        yield f"{y}Q{q}", [i]
        if q in (2, 4):
            yield f"{y}S{q // 2}", [idx[(y, q - 1)], i] if (y, q - 1) in idx else [i]
        if q == 4:
            yield f"{y}", [idx[(y, k)] for k in range(1, 5) if (y, k) in idx]
