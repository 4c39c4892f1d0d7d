"""Aggregation rules: across organisation units and across time (pure functions, no database)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal as D

import pytest

from baocao.catalog.aggregation import AggregationError, aggregate_space, aggregate_time, parse_condition

from .helpers import fixture_data

CATALOG = {i["code"]: i for i in fixture_data()["indicators"]}


@dataclass
class Row:
    value: D | None = None
    numerator: D | None = None
    denominator: D | None = None
    weight: D | None = None


def test_ratio_of_sums_differs_from_mean_of_ratios():
    # Two provinces: 158 of 199 communes connected, and 20 of 200.
    fbb = CATALOG["INET_FBB_COMMUNES"]
    rows = [Row(value=D(158), denominator=D(199)), Row(value=D(20), denominator=D(200))]
    result = aggregate_space(fbb, rows)
    assert (result.value, result.denominator) == (D(178), D(399))
    ratio_of_sums = result.share
    mean_of_ratios = (D(158) / D(199) + D(20) / D(200)) / 2 * 100
    assert round(ratio_of_sums, 2) == D("44.61")
    assert round(mean_of_ratios, 2) == D("44.70")
    assert ratio_of_sums != mean_of_ratios
    # With a larger gap in sizes the error of averaging ratios is large: 9/10 and 10/1000 communes.
    skewed = aggregate_space(fbb, [Row(value=D(9), denominator=D(10)), Row(value=D(10), denominator=D(1000))])
    assert round(skewed.share, 2) == D("1.88")  # (9+10)/(10+1000), not (90% + 1%)/2 = 45.5%


def test_catalog_assigns_ratio_of_sums_to_part_of_whole_indicators():
    for code in (
        "INET_FBB_COMMUNES",
        "SCHOOLS_BROADBAND",
        "COMMUNE_RADIO_COMMUNES",
        "POST_NEWSPAPER_SAMEDAY_COMMUNES",
        "DVCTT_L34_SHARE",
        "DVC_DOSSIERS_ONLINE_SHARE",
        "EDOC_SIGNED_SHARE",
        "INFOSEC_4LAYER_SHARE",
        "POST_INHABITANTS_PER_POINT",
    ):
        assert CATALOG[code]["agg_space"] == "ratio_of_sums", code
    # no percentage, fraction or density is ever summed
    for ind in CATALOG.values():
        if ind["value_type"] in ("percent", "fraction", "density", "ratio"):
            assert ind["agg_space"] in ("ratio_of_sums", "weighted_mean", "none"), ind["code"]


def test_percent_ratio_of_sums_the_4_layer_model():
    # 12 of 20 ministries and 39 of 63 provinces: the combined rate is 51/83 = 61.4% (the ministry's
    # report writes 61,5%), while the mean of the two rates would be 61.0%.
    share = CATALOG["INFOSEC_4LAYER_SHARE"]
    result = aggregate_space(
        share, [Row(numerator=D(12), denominator=D(20)), Row(numerator=D(39), denominator=D(63))]
    )
    assert round(result.value, 1) == D("61.4")
    assert round((D(60) + D(39) / D(63) * 100) / 2, 1) == D("61.0")


def test_ratio_of_sums_refuses_bare_percentages():
    with pytest.raises(AggregationError, match="thiếu tử số hoặc mẫu số"):
        aggregate_space(CATALOG["DVCTT_L34_SHARE"], [Row(value=D(40)), Row(value=D(50))])
    with pytest.raises(AggregationError, match="mẫu số bằng 0"):
        aggregate_space(CATALOG["EDOC_SIGNED_SHARE"], [Row(numerator=D(0), denominator=D(0))])


def test_ratio_without_scaling_inhabitants_per_point():
    ind = CATALOG["POST_INHABITANTS_PER_POINT"]
    # 846,090 inhabitants / 238 points and 540,000 / 150
    result = aggregate_space(
        ind, [Row(numerator=D(846090), denominator=D(238)), Row(numerator=D(540000), denominator=D(150))]
    )
    assert round(result.value) == D(3572)  # 1,386,090 / 388


def test_sum_with_missing_values():
    result = aggregate_space(
        CATALOG["TEL_SUBS_TOTAL"], [{"value": 516033}, {"value": "819000"}, {"value": None}]
    )
    assert result.value == D(1335033)
    assert (result.units, result.missing) == (2, 1)


def test_weighted_mean_by_population():
    density = CATALOG["TEL_DENSITY_PER100"]
    assert density["weight"] == "population"
    rows = [Row(value=D(96), weight=D(540000)), Row(value=D(105), weight=D(790000))]
    result = aggregate_space(density, rows)
    expected = (D(96) * 540000 + D(105) * 790000) / (540000 + 790000)
    assert result.value == expected
    assert round(result.value, 1) == D("101.3")
    assert result.value != (D(96) + D(105)) / 2
    with pytest.raises(AggregationError, match="thiếu trọng số"):
        aggregate_space(density, [Row(value=D(96))])


def test_count_if_39_of_63():
    ind = CATALOG["INFOSEC_4LAYER_PROVINCES"]
    cond = parse_condition(ind["condition"])
    assert cond.code == "INFOSEC_4LAYER_DEPLOYED" and cond.code in CATALOG
    rows = [Row(value=D(1))] * 39 + [Row(value=D(0))] * 24
    result = aggregate_space(ind, rows)
    assert (result.value, result.units) == (D(39), 63)
    assert round(result.share, 1) == D("61.9")


def test_count_if_threshold_on_a_percentage():
    ind = {"code": "PROVINCES_L34_30", "agg_space": "count_if", "condition": "DVCTT_L34_SHARE >= 30"}
    rows = [{"value": v} for v in ("29.99", "30", "48.55", "12")] + [{"value": None}]
    result = aggregate_space(ind, rows)
    assert (result.value, result.units, result.missing) == (D(2), 4, 1)
    l4 = CATALOG["PROVINCES_DVCTT_L4_30"]
    assert l4["condition"] == "DVCTT_L4_SHARE >= 30"
    assert aggregate_space(l4, [Row(value=D("32.4")), Row(value=D(10))]).value == D(1)


@pytest.mark.parametrize(
    "text", ["DVCTT_L34_SHARE => 30", "30 <= DVCTT_L34_SHARE", "dvctt >= 1", "X >= 1; drop", ""]
)
def test_bad_conditions_are_refused(text):
    with pytest.raises(AggregationError, match="điều kiện"):
        parse_condition(text)


def test_none_is_refused():
    with pytest.raises(AggregationError, match="DTI_SCORE: chỉ tiêu không cộng gộp được"):
        aggregate_space(CATALOG["DTI_SCORE"], [Row(value=D("0.5")), Row(value=D("0.6"))])


def test_stock_takes_the_last_value_flow_the_sum():
    subs = CATALOG["TEL_SUBS_TOTAL"]
    fines = CATALOG["FINES_AMOUNT"]
    assert (subs["agg_time"], fines["agg_time"]) == ("stock", "flow")
    quarters = [Row(value=D(500000)), Row(value=D(508000)), Row(value=D(512000)), Row(value=D(516033))]
    assert aggregate_time(subs, quarters).value == D(516033)
    # a missing last quarter: stock keeps the last known value
    assert aggregate_time(subs, [*quarters[:3], Row(value=None)]).value == D(512000)
    money = [Row(value=D(10000000)), Row(value=D(20500000)), Row(value=None)]
    result = aggregate_time(fines, money)
    assert result.value == D(30500000) and result.missing == 1


def test_flow_of_a_ratio_recomputes_from_parts():
    online = CATALOG["DVC_DOSSIERS_ONLINE_SHARE"]
    assert online["agg_time"] == "flow"
    h1 = [Row(numerator=D(52), denominator=D(1000)), Row(numerator=D(300), denominator=D(2000))]
    assert round(aggregate_time(online, h1).value, 2) == D("11.73")  # 352/3000, not (5.2% + 15%)/2
    with pytest.raises(AggregationError):
        aggregate_time(
            {"code": "X", "agg_time": "flow", "agg_space": "weighted_mean", "value_type": "density"}, h1
        )


def test_stock_fraction_keeps_numerator_and_denominator():
    radio = CATALOG["COMMUNE_RADIO_COMMUNES"]
    result = aggregate_time(
        radio, [Row(value=D(70), denominator=D(199)), Row(value=D(72), denominator=D(199))]
    )
    assert (result.value, result.denominator) == (D(72), D(199))


def test_unknown_rule_is_refused():
    with pytest.raises(AggregationError, match="không xác định"):
        aggregate_space({"code": "X", "agg_space": "median"}, [Row(value=D(1))])
    with pytest.raises(AggregationError, match="không xác định"):
        aggregate_time({"code": "X", "agg_time": "average"}, [Row(value=D(1))])
