"""bulk_write: counts, the update path writes history, atomic failure writes nothing, per-row errors."""

from __future__ import annotations

from decimal import Decimal

import pytest

from baocao.datavalues.models import DataValue, DataValueHistory
from baocao.datavalues.services import BulkError, bulk_write, value_history

AREAS = ["P04", "P02", "P08"]
PERIODS = ["2019Q1", "2019Q2", "2019Q3", "2019Q4", "2019S1", "2019"]


def _rows(offset: int = 0):
    for a in AREAS:
        for p in PERIODS:
            yield {"indicator": "TEL_SUBS", "area": a, "period": p, "value": 1000 + offset + len(p)}
            yield {"indicator": "TEL_SUBS", "area": a, "period": p, "disagg": "FIXED", "value": 10 + offset}
            yield {"indicator": "TEL_COMMUNE_FBB", "area": a, "period": p, "value": 158, "denominator": 199}
            yield {"indicator": "ITA_DOC_E_PCT", "area": a, "period": p, "value": "22.5", "qualifier": "approx"}


def _counts() -> tuple[int, int]:
    return DataValue.objects.count(), DataValueHistory.objects.count()


def test_bulk_creates_then_updates_with_history(mini):
    n = len(AREAS) * len(PERIODS) * 4
    res = bulk_write(_rows(), source="demo", user=mini.alice, batch_size=7)
    assert (res.created, res.updated, res.unchanged, res.errors) == (n, 0, 0, [])
    assert _counts() == (n, 0)
    dv = DataValue.objects.get(area__uid="P04", indicator__code="TEL_COMMUNE_FBB", period="2019S1")
    assert (dv.value, dv.numerator, dv.denominator) == (158, 158, 199)
    assert dv.period_type == "half_year" and dv.created_by == mini.alice and dv.version == 1
    assert DataValue.objects.get(area__uid="P08", indicator__code="ITA_DOC_E_PCT", period="2019").value == Decimal("22.5")

    # same rows again: nothing changes, no history
    res = bulk_write(_rows(), source="demo", user=mini.alice, batch_size=7)
    assert (res.created, res.updated, res.unchanged) == (0, 0, n)
    assert _counts() == (n, 0)

    # the TEL_SUBS rows change (2 of every 4): updated, old state in history, version 2
    res = bulk_write(_rows(offset=5), source="demo", user=mini.bob, batch_size=5)
    changed = len(AREAS) * len(PERIODS) * 2
    assert (res.created, res.updated, res.unchanged) == (0, changed, n - changed)
    assert _counts() == (n, changed)
    story = value_history("P04", "TEL_SUBS", "2019Q1", "FIXED")
    assert [(s.value, s.version, s.source) for s in story] == [(10, 1, "demo"), (15, 2, "demo")]
    assert story[0].ended_by_id == mini.bob.pk and story[0].entered_by_id == mini.alice.pk
    assert story[1].action == "current" and story[1].entered_by_id == mini.bob.pk

    # a different source is a change too (the value now comes from elsewhere)
    res = bulk_write(_rows(offset=5), source="excel", user=mini.bob)
    assert (res.created, res.updated, res.unchanged) == (0, n, 0)
    assert _counts() == (n, changed + n)


def test_bulk_mixes_new_and_existing_keys(mini):
    bulk_write(({"indicator": "TEL_SUBS", "area": "P04", "period": p, "value": 1} for p in PERIODS[:3]), source="demo")
    res = bulk_write(({"indicator": "TEL_SUBS", "area": "P04", "period": p, "value": 2} for p in PERIODS), source="api")
    assert (res.created, res.updated, res.unchanged) == (3, 3, 0)
    assert _counts() == (6, 3)
    assert set(DataValue.objects.values_list("value", flat=True)) == {2}


def _with_bad_rows():
    rows = list(_rows())
    rows[3] = {**rows[3], "period": "Quý V/2020"}
    rows[10] = {**rows[10], "value": -1}
    rows[20] = {**rows[20], "area": "P08-2025"}  # new province, 2019: outside its validity
    rows[30] = {"indicator": "TEL_COMMUNE_FBB", "area": "P04", "period": "2020", "value": 210, "denominator": 199}
    return rows


def test_atomic_failure_writes_nothing(mini):
    bulk_write(_rows(), source="demo")  # existing data that a failed import must not touch
    before = _counts()
    rows = _with_bad_rows()
    rows = [{**r, "value": 99} if r.get("indicator") == "TEL_SUBS" and r["value"] != -1 else r for r in rows]
    with pytest.raises(BulkError) as exc:
        bulk_write(iter(rows), source="excel", batch_size=4)
    errs = exc.value.errors
    assert [(e.row, e.field) for e in errs] == [(4, "period"), (11, "value"), (21, "area"), (31, "denominator")]
    assert "Tử số (210) lớn hơn mẫu số (199)" in str(exc.value)
    assert _counts() == before
    assert not DataValue.objects.filter(value=99).exists()


def test_atomic_error_list_is_capped(mini):
    rows = ({"indicator": "NOPE", "area": "P04", "period": "2019", "value": 1} for _ in range(1000))
    with pytest.raises(BulkError) as exc:
        bulk_write(rows, source="demo", max_errors=5)
    assert len(exc.value.errors) == 5 and exc.value.truncated
    assert _counts() == (0, 0)


def test_non_atomic_writes_valid_rows_and_returns_errors(mini):
    rows = _with_bad_rows()
    res = bulk_write(rows, source="excel", atomic=False, batch_size=4)
    assert [(e.row, e.field) for e in res.errors] == [(4, "period"), (11, "value"), (21, "area"), (31, "denominator")]
    assert res.created == len(rows) - 4 and res.updated == 0
    assert _counts() == (len(rows) - 4, 0)


def test_duplicate_keys_in_one_input_are_errors(mini):
    row = {"indicator": "TEL_SUBS", "area": "P04", "period": "2019", "value": 1}
    # same batch, then across batches
    res = bulk_write([row, {**row, "value": 2}], source="demo", atomic=False)
    assert (res.created, [(e.row, e.field) for e in res.errors]) == (1, [(2, "period")])
    other = {**row, "period": "2018"}
    res = bulk_write([other, {**row, "period": "2017"}, {**other, "value": 3}], source="demo", atomic=False,
                     batch_size=1)
    assert res.created == 2 and [e.row for e in res.errors] == [3]
    with pytest.raises(BulkError):
        bulk_write([{**row, "period": "2016"}, {**row, "period": "2016"}], source="demo")
    assert not DataValue.objects.filter(period="2016").exists()


def test_bad_provenance_and_non_mapping_rows(mini):
    good = {"indicator": "TEL_SUBS", "area": "P04", "period": "2019", "value": 1}
    res = bulk_write([{**good, "provenance": {"doc": {1, 2}}}, ["not", "a", "mapping"], {**good, "period": "2018"}],
                     source="import", atomic=False)
    assert [(e.row, e.field) for e in res.errors] == [(1, "provenance"), (2, "row")]
    assert res.created == 1


def test_row_numbers_can_come_from_the_caller(mini):
    res = bulk_write([{"_row": 12, "indicator": "TEL_SUBS", "area": "P04", "period": "2019", "value": "x"}],
                     source="excel", atomic=False)
    assert [(e.row, e.field) for e in res.errors] == [(12, "value")]


def test_bad_source_and_progress(mini):
    with pytest.raises(ValueError, match="fax"):
        bulk_write([], source="fax")
    seen = []
    bulk_write(_rows(), source="demo", batch_size=20, progress=lambda done, res: seen.append((done, res.created)))
    assert seen[-1] == (72, 72) and [d for d, _ in seen] == [20, 40, 60, 72]
