"""The rules against the real reference data (catalog, map across the 2025 reform)."""

from __future__ import annotations

import datetime as dt

import pytest

from baocao.catalog.models import Indicator
from baocao.datavalues.models import DataValue
from baocao.datavalues.services import DataValueError, bulk_write, set_value, value_history
from baocao.geo.models import AdminArea

REFORM = dt.date(2025, 7, 1)


def _province(name: str, new: bool) -> AdminArea:
    qs = AdminArea.objects.filter(level="province", name=name)
    return qs.get(valid_from=REFORM) if new else qs.get(valid_to=REFORM - dt.timedelta(days=1))


def _indicator(value_type: str) -> Indicator:
    ind = Indicator.objects.filter(value_type=value_type, valid_to__isnull=True, valid_from__isnull=True).first()
    assert ind is not None, f"the catalog has no {value_type} indicator"
    return ind


@pytest.mark.django_db
def test_provinces_across_the_reform(ref):
    count = _indicator("count")
    ha_giang_old = _province("Hà Giang", new=False)
    tuyen_quang_new = _province("Tuyên Quang", new=True)
    cao_bang = AdminArea.objects.get(level="province", name="Cao Bằng", valid_from__isnull=True, valid_to__isnull=True)

    set_value(area=ha_giang_old, indicator=count, period="2024Q1", value=10, source="form")
    set_value(area=tuyen_quang_new, indicator=count, period="2025Q4", value=20, source="form")
    set_value(area=cao_bang, indicator=count, period="2025Q4", value=30, source="form")
    for area, period in ((tuyen_quang_new, "2024Q1"), (ha_giang_old, "2025Q4")):
        with pytest.raises(DataValueError) as exc:
            set_value(area=area, indicator=count, period=period, value=1, source="form")
        assert exc.value.field == "area"
    assert DataValue.objects.count() == 3

    res = bulk_write(
        [
            {"indicator": count.code, "area": ha_giang_old.uid, "period": "2025Q4", "value": 1},
            {"indicator": count.code, "area": tuyen_quang_new.uid, "period": "2024Q1", "value": 1},
            {"indicator": count.code, "area": cao_bang.uid, "period": "2025Q4", "value": 31},
        ],
        source="import",
        atomic=False,
    )
    assert [(e.row, e.field) for e in res.errors] == [(1, "area"), (2, "area")]
    assert (res.created, res.updated) == (0, 1)
    assert [s.value for s in value_history(cao_bang, count, "2025Q4")] == [30, 31]


@pytest.mark.django_db
def test_fraction_from_a_report(ref):
    frac = _indicator("fraction")
    cao_bang = AdminArea.objects.filter(level="province", name="Cao Bằng").first()
    dv = set_value(area=cao_bang, indicator=frac, period="6 tháng đầu năm 2019", value=158, denominator=199,
                   source="extraction")
    assert (dv.period, dv.numerator, dv.denominator) == ("2019S1", 158, 199)
    with pytest.raises(DataValueError) as exc:
        set_value(area=cao_bang, indicator=frac, period="2019S1", value=210, denominator=199, source="form")
    assert exc.value.message == "Tử số (210) lớn hơn mẫu số (199)"
    assert DataValue.objects.get().value == 158
