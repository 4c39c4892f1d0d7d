"""Imports larger than one batch: counts, history, deletes, atomicity and dry runs hold across batches
(the importer checks values in batches and hands them to ``BulkWriter``; small batches here)."""

from __future__ import annotations

import json

import pytest

from baocao.datavalues.models import DataValue, DataValueHistory
from baocao.interchange import services

pytestmark = pytest.mark.django_db

URL = "/api/v1/dataValueSets"
CODES = ["TEL_SUBS_TOTAL", "TEL_SUBS_FIXED", "TEL_SUBS_MOBILE", "TEL_BTS_STATIONS"]


@pytest.fixture(autouse=True)
def _small_batches(monkeypatch):
    monkeypatch.setattr(services, "BATCH", 3)


def _values(world, bump: set[int] = frozenset(), start: int = 0, n: int = 8):
    periods = [world.period.code, world.period.previous().code]
    keys = [(c, p) for p in periods for c in CODES][start : start + n]
    return [
        {"dataElement": c, "period": p, "orgUnit": "P04", "value": str(100 + i + (1 if i in bump else 0))}
        for i, (c, p) in enumerate(keys, start)
    ]


def _post(client, values, status=200, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    r = client.post(URL + (f"?{query}" if query else ""), json.dumps({"dataValues": values}), content_type="application/json")
    assert r.status_code == status, r.content.decode()
    body = r.json()
    return body["response"] if status == 409 else body


def _counts(s):
    c = s["importCount"]
    return c["imported"], c["updated"], c["ignored"], c["deleted"]


def test_counts_and_history_across_batches(world, client_for):
    c = client_for(world.admin)
    s = _post(c, _values(world, n=6))
    assert s["status"] == "SUCCESS" and _counts(s) == (6, 0, 0, 0)
    # 2 changed (one in each of two batches), 4 identical, 2 new
    s = _post(c, _values(world, bump={1, 4}, n=8))
    assert _counts(s) == (2, 2, 4, 0)
    assert DataValue.objects.count() == 8
    changed = DataValue.objects.filter(version=2)
    assert sorted(v.value for v in changed) == [102, 105]
    assert DataValueHistory.objects.filter(action="update").count() == 2
    # the summary's total and a re-import touching nothing
    s = _post(c, _values(world, bump={1, 4}, n=8))
    assert _counts(s) == (0, 0, 8, 0) and DataValueHistory.objects.count() == 2


def test_delete_in_bulk_across_batches(world, client_for):
    c = client_for(world.admin)
    _post(c, _values(world, n=5))
    before = {v.pk: v.value for v in DataValue.objects.all()}
    s = _post(c, _values(world, n=8), importStrategy="DELETE")
    assert _counts(s) == (0, 0, 3, 5)
    assert DataValue.objects.count() == 0
    hist = DataValueHistory.objects.filter(action="delete")
    assert {h.value_id_ref: h.value for h in hist} == before


def test_a_conflict_in_a_late_batch_rolls_back_the_earlier_ones(world, client_for):
    c = client_for(world.admin)
    values = _values(world, n=8)
    values[7]["value"] = "abc"
    s = _post(c, values, status=409)
    assert _counts(s) == (0, 0, 8, 0) and [x["indexes"] for x in s["conflicts"]] == [[7]]
    assert DataValue.objects.count() == 0

    s = _post(c, values, atomicMode="NONE")
    assert s["status"] == "WARNING" and _counts(s) == (7, 0, 1, 0) and DataValue.objects.count() == 7


def test_dry_run_across_batches_writes_nothing(world, client_for):
    c = client_for(world.admin)
    _post(c, _values(world, n=4))
    s = _post(c, _values(world, bump={0}, n=8), dryRun="true")
    assert _counts(s) == (4, 1, 3, 0)
    assert DataValue.objects.count() == 4 and DataValueHistory.objects.count() == 0
    s = _post(c, _values(world, n=8), dryRun="true", importStrategy="DELETE")
    assert _counts(s) == (0, 0, 4, 4) and DataValue.objects.count() == 4 and DataValueHistory.objects.count() == 0


def test_a_csv_row_with_the_wrong_number_of_cells_is_a_row_conflict(world, client_for):
    c = client_for(world.admin)
    p = world.period.code
    body = f"dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value\nTEL_SUBS_TOTAL,{p},P04,,,1\nTEL_SUBS_FIXED,{p}\n"
    r = c.post(URL + "?atomicMode=NONE", body, content_type="text/csv")
    s = r.json()
    assert r.status_code == 200 and _counts(s) == (1, 0, 1, 0)
    [conflict] = s["conflicts"]
    assert (conflict["indexes"], conflict["property"], conflict["errorCode"]) == ([1], "row", "E7600")
    assert "2 ô" in conflict["value"]
