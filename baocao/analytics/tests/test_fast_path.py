"""The fast paths of the analytics service give exactly the generic path's answers.

The generic path is ``_combine_rows`` building rows for ``catalog.aggregation.aggregate_space``; the
fast path (``_combine_fast``) adds up ``sum`` and ``ratio_of_sums`` directly. Both are compared on the
demo-like data of ``test_services`` for every aggregation kind, on both sides of the 2025 reform,
with reports held back (draft, submitted, returned) and with ``include_submitted``.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from baocao.analytics import services as s
from baocao.analytics.tests.test_services import CODES, _submission, demo  # noqa: F401 - fixture
from baocao.catalog.models import Indicator
from baocao.datavalues.services import bulk_write
from baocao.geo.models import AdminArea
from baocao.periods.services import Period

PERIODS = [Period.parse(f"{y}Q{q}") for y in (2024, 2025) for q in (1, 2, 3, 4)]
EXTRA = ["NDXP_CONNECTED_PROVINCES"]  # count_if over LGSP_NDXP_CONNECTED


@pytest.fixture
def held(demo):  # noqa: F811 - the fixture imported above
    """Reports that hold values back, before and after the reform, in every state that matters."""
    _submission("P04", "2024Q2", "draft")
    _submission("P20", "2024Q4", "submitted")
    _submission("P22", "2025Q1", "returned")
    _submission("P01", "2025Q3", "submitted")
    _submission("P08-2025", "2025Q4", "draft")
    _submission("P04", "2025Q4", "accepted")
    return demo


def _everything(include_submitted: bool) -> dict:
    """Every answer the pages use, for every indicator: national, regional, per province (old and
    new map), series, overview and profile."""
    inds = list(Indicator.objects.filter(code__in=CODES + EXTRA).select_related("weight", "domain").order_by("code"))
    kinds = {i.agg_space for i in inds}
    assert {"sum", "ratio_of_sums", "weighted_mean", "count_if"} <= kinds
    out: dict = {}
    amap = s._Map()
    areas = [AdminArea.objects.get(uid=u) for u in ("P04", "P08-2025", "P20", "P22", "P01", "P02")]
    for ind in inds:
        for region in (None, "DBSH"):
            try:
                got = s._national_many(ind, PERIODS, region=region, include_submitted=include_submitted, amap=amap)
                out[(ind.code, "national", region)] = {k: (r.aggregate, r.units, r.missing) for k, r in got.items()}
            except s.AggregationError as exc:
                out[(ind.code, "national", region)] = str(exc)
        for a in areas:
            try:
                got = s._area_many(a, ind, PERIODS, include_submitted=include_submitted, amap=amap)
                out[(ind.code, a.uid)] = {k: (r.aggregate, r.units, r.missing) for k, r in got.items()}
            except Exception as exc:  # noqa: BLE001 - an area that had ended: the same error both ways
                out[(ind.code, a.uid)] = f"{type(exc).__name__}: {exc}"
        both = s.both_maps(ind, "2024Q3", include_submitted=include_submitted)
        out[(ind.code, "both")] = [(p.area.uid, p.value) for p in both.before + both.after]
    out["overview"] = s.overview("2025Q4", indicators=inds, include_submitted=include_submitted)
    out["overview-2024"] = s.overview("2024Q4", indicators=inds, include_submitted=include_submitted)
    out["overview-DBSH"] = s.overview("2025Q3", region="DBSH", indicators=inds, include_submitted=include_submitted)
    out["profile"] = s.province_profile("P08-2025", "2025Q4", indicators=inds, include_submitted=include_submitted)
    return out


@pytest.mark.parametrize("include_submitted", [False, True])
def test_fast_path_equals_generic_path(held, monkeypatch, include_submitted):
    fast = _everything(include_submitted)
    calls = []
    original = s._combine_fast

    def counted(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(s, "_combine_fast", counted)
    _everything(include_submitted)
    assert calls, "the fast path was never taken"
    monkeypatch.setattr(s, "_combine_fast", lambda *a, **k: None)  # every roll-up through aggregate_space
    generic = _everything(include_submitted)
    assert fast.keys() == generic.keys()
    for key in fast:
        assert fast[key] == generic[key], key
    # the held-back values really were left out (otherwise the comparison proves little)
    tel = fast[("TEL_SUBS_TOTAL", "P04")]
    assert tel["2024Q2"][0].value is None and tel["2024Q1"][0].value is not None
    assert (tel["2025Q4"][0].value is not None)  # accepted counts
    assert (fast[("TEL_SUBS_TOTAL", "P20")]["2024Q4"][0].value is None) is (not include_submitted)


def test_fast_path_refers_odd_values_to_the_generic_path(ref):
    """A ratio value stored without its numerator and denominator: the generic path's error, word for word."""
    bulk_write(
        [
            {"area": "P04", "indicator": "DVCTT_FULL_SHARE", "period": "2024Q3", "value": 50, "numerator": 5, "denominator": 10},
            {"area": "P20", "indicator": "DVCTT_FULL_SHARE", "period": "2024Q3", "value": 40},
        ],
        source="import",
    )
    with pytest.raises(s.AggregationError, match="thiếu tử số hoặc mẫu số"):
        s.national_value("DVCTT_FULL_SHARE", "2024Q3")
    bulk_write([{"area": "P22", "indicator": "TEL_SUBS_TOTAL", "period": "2024Q3", "value": 15}], source="import")
    got = s.national_value("TEL_SUBS_TOTAL", "2024Q3")
    assert got.value == Decimal(15) and got.units == ("P22",) and len(got.missing) == 62


def test_excluded_keys_are_the_full_set_restricted(held):
    """Reading only the asked indicators' and areas' reports gives the same keys for them."""
    codes = [p.code for p in PERIODS]
    ind_ids = list(Indicator.objects.filter(code__in=["TEL_SUBS_TOTAL", "DVCTT_FULL"]).values_list("id", flat=True))
    area_ids = list(AdminArea.objects.filter(uid__in=["P04", "P20", "P08-2025"]).values_list("id", flat=True))
    for include_submitted in (False, True):
        full = s._excluded(codes, include_submitted)
        part = s._excluded(codes, include_submitted, ind_ids, area_ids)
        assert part == {k for k in full if k[0] in area_ids and k[2] in ind_ids}
        assert part  # some values are held back


@pytest.mark.parametrize(
    ("uid", "period", "ranked"),
    # held back by their report: no value, no rank; not held: ranked; the country is never ranked
    [("P08-2025", "2025Q4", False), ("P04", "2024Q2", False), ("P20", "2024Q4", False),
     ("P08-2025", "2025Q3", True), ("P02", "2024Q1", True), ("VN", "2025Q4", False)],
)
def test_batched_profile_equals_one_indicator_at_a_time(held, uid, period, ranked):
    """province_profile reads all indicators at once; each row is what the one-indicator functions say."""
    from baocao.analytics.models import Target

    inds = list(Indicator.objects.filter(code__in=CODES + EXTRA).select_related("weight", "domain").order_by("code"))
    Target.objects.get_or_create(indicator=inds[0], area=AdminArea.objects.get(uid="P04"), year=2024, defaults={"value": 5})
    area = AdminArea.objects.filter(uid=uid).first() or s._country()
    rows = s.province_profile(area, period, indicators=inds)
    assert [r.indicator.code for r in rows] == [i.code for i in inds]
    per = Period.parse(period)
    ranked_any = False
    for row, ind in zip(rows, inds, strict=True):
        assert row.value == s.area_value(area, ind, per).value, ind.code
        try:
            nat = s.national_value(ind, per).value
        except s.AggregationError:
            nat = None
        assert row.national == nat, ind.code
        country = area.level == "country"
        assert row.target == s.target_for(ind, per.year, None if country else area), ind.code
        assert row.gap == s.gap_to(row.value, row.target, s.better(ind))
        if s._source_indicator(ind).id == ind.id and area.is_valid_on(per.end):
            expected = next((r.rank for r in s.ranking(ind, per) if r.area.id == area.id), None)
            assert row.rank == expected, ind.code
            ranked_any = ranked_any or expected is not None
        else:
            assert row.rank is None
    assert ranked_any is ranked
