"""Roll-ups across the 2025 reform and to the country follow the catalog's rules."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from baocao.analytics.services import area_value, national_value
from baocao.datavalues.services import bulk_write
from baocao.geo.models import AdminArea


def _load(rows):
    bulk_write(({"period": p, "indicator": i, "area": a, **v} for a, i, p, v in rows), source="demo")


def test_new_province_history_is_the_sum_of_its_predecessors(ref):
    # Tuyên Quang (P08) + Hà Giang (P02) before the reform; the new Tuyên Quang (P08-2025) after it.
    _load(
        [
            ("P08", "TEL_SUBS_TOTAL", "2024Q1", {"value": 800_000}),
            ("P02", "TEL_SUBS_TOTAL", "2024Q1", {"value": 700_000}),
            ("P08-2025", "TEL_SUBS_TOTAL", "2025Q3", {"value": 1_520_000}),
        ]
    )
    new_tq = AdminArea.objects.get(uid="P08-2025")
    before = area_value(new_tq, "TEL_SUBS_TOTAL", "2024Q1")
    assert before.value == Decimal(1_500_000)
    assert set(before.units) == {"P08", "P02"}
    after = area_value(new_tq, "TEL_SUBS_TOTAL", "Quý III/2025")
    assert after.value == Decimal(1_520_000) and after.units == ("P08-2025",)
    # An unchanged province answers for itself on both sides.
    _load([("P04", "TEL_SUBS_TOTAL", "2024Q1", {"value": 516_033})])
    assert area_value("P04", "TEL_SUBS_TOTAL", "2024Q1").value == Decimal(516_033)


def test_shares_roll_up_as_ratio_of_sums_not_mean_of_ratios(ref):
    _load(
        [
            ("P08", "INET_FBB_COMMUNES", "2024Q1", {"value": 158, "numerator": 158, "denominator": 199}),
            ("P02", "INET_FBB_COMMUNES", "2024Q1", {"value": 20, "numerator": 20, "denominator": 200}),
            ("P08", "EDOC_SIGNED_SHARE", "2024Q1", {"value": "90", "numerator": 900, "denominator": 1000}),
            ("P02", "EDOC_SIGNED_SHARE", "2024Q1", {"value": "10", "numerator": 10, "denominator": 100}),
        ]
    )
    fbb = area_value("P08-2025", "INET_FBB_COMMUNES", "2024Q1").aggregate
    assert (fbb.numerator, fbb.denominator) == (Decimal(178), Decimal(399))
    signed = area_value("P08-2025", "EDOC_SIGNED_SHARE", "2024Q1").value
    # (900 + 10) / (1000 + 100) = 82.7%, whereas the mean of 90% and 10% would be 50%.
    assert signed.quantize(Decimal("0.1")) == Decimal("82.7")


def test_national_value_counts_provinces_and_reports_missing(ref):
    _load([("P04", "LGSP_NDXP_CONNECTED", "2024Q4", {"value": 1}), ("P20", "LGSP_NDXP_CONNECTED", "2024Q4", {"value": 0})])
    nat = national_value("LGSP_NDXP_CONNECTED", "2024Q4")  # count_if: provinces connected
    assert nat.aggregate.value == 1 and nat.aggregate.units == 2
    assert len(nat.missing) == 61


@pytest.mark.django_db
def test_national_sum_uses_the_map_of_the_period(ref):
    day = dt.date(2025, 9, 30)
    rows = [(a.uid, "INSPECTIONS", "2025Q3", {"value": 2}) for a in AdminArea.objects.provinces().valid_on(day)]
    _load(rows)
    nat = national_value("INSPECTIONS", "2025Q3")
    assert nat.value == 2 * 34 and not nat.missing
