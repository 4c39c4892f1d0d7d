"""BulkWriter (resolved references, policy, background thread on PostgreSQL) and bulk_delete."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection, transaction

from baocao.datavalues.models import DataValue, DataValueHistory
from baocao.datavalues.services import (
    BulkLookups,
    BulkWriter,
    DataValueError,
    bulk_delete,
    bulk_write,
    value_history,
)

PERIODS = ["2019Q1", "2019Q2", "2019Q3", "2019Q4"]


def _write(rows, *, background=False, policy=None, policy_new=True, batch_size=3):
    """rows: (code, uid, period, value); returns (result, errors raised by clean_resolved)."""
    refused = []
    with transaction.atomic(), BulkWriter(
        source="api", batch_size=batch_size, background=background, policy=policy, policy_new=policy_new
    ) as w:
        lk = w.lookups
        for n, (code, uid, period, value) in enumerate(rows):
            try:
                t = w.clean_resolved(lk.indicators[code], lk.areas[uid], lk.period(period), "", value, None, None,
                                     "exact", "", None, "api", None)
            except DataValueError as exc:
                refused.append((n, exc.field))
                continue
            w.add(n, t)
        w.flush()
        w.wait()
    return w.result, refused


@pytest.mark.parametrize("background", [False, True])
def test_resolved_rows_are_checked_written_and_updated_with_history(mini, background):
    rows = [("TEL_SUBS", uid, p, 100 + i) for i, (uid, p) in enumerate((u, p) for u in ("P04", "P02") for p in PERIODS)]
    res, refused = _write(rows + [("TEL_SUBS", "P04", "2019", "-1"), ("OLD_ONLY", "P04", "2021", 1)], background=background)
    assert (res.created, res.updated, res.unchanged) == (8, 0, 0)
    assert refused == [(8, "value"), (9, "indicator")]  # the same rules as bulk_write: negative count, out of force
    assert DataValue.objects.count() == 8

    changed = [(c, u, p, v + 1 if p == "2019Q2" else v) for c, u, p, v in rows]
    res, _ = _write(changed, background=background)
    assert (res.created, res.updated, res.unchanged) == (0, 2, 6)
    story = value_history("P04", "TEL_SUBS", "2019Q2")
    assert [s.value for s in story] == [101, 102] and story[-1].version == 2
    assert DataValueHistory.objects.count() == 2


def test_policy_decides_per_row_and_can_skip_new_keys(mini):
    bulk_write([{"indicator": "TEL_SUBS", "area": "P04", "period": "2019Q1", "value": 5}], source="demo")
    seen = []

    def only_updates(n, t, ex):
        seen.append((n, ex is not None))
        return None if ex is None else t

    res, _ = _write([("TEL_SUBS", "P04", "2019Q1", 6), ("TEL_SUBS", "P04", "2019Q2", 7)], policy=only_updates,
                    policy_new=True)
    assert sorted(seen) == [(0, True), (1, False)]
    assert (res.created, res.updated) == (0, 1)
    assert DataValue.objects.get(period="2019Q1").value == 6 and not DataValue.objects.filter(period="2019Q2").exists()

    seen.clear()
    res, _ = _write([("TEL_SUBS", "P04", "2019Q1", 7), ("TEL_SUBS", "P04", "2019Q3", 8)], policy=only_updates,
                    policy_new=False)
    assert seen == [(0, True)]  # new keys are not asked about and are written
    assert (res.created, res.updated) == (1, 1)


def test_an_error_in_the_writer_reaches_the_caller_and_nothing_is_written(mini):
    # A key already stored but not visible to the duplicate check: the database refuses it, and the
    # error surfaces in the caller's thread (background or not) instead of being lost.
    bulk_write([{"indicator": "TEL_SUBS", "area": "P04", "period": "2019Q1", "value": 5}], source="demo")
    with pytest.raises(Exception) as info:  # noqa: PT011 - IntegrityError or the driver's own class
        with transaction.atomic(), BulkWriter(source="api", batch_size=1, background=True) as w:
            w.writer.fetch_existing = lambda by_key: {}
            lk = w.lookups
            t = w.clean_resolved(lk.indicators["TEL_SUBS"], lk.areas["P04"], lk.period("2019Q1"), "", 9, None, None,
                                 "exact", "", None, "api", None)
            w.add(0, t)
            w.flush()
            w.wait()
    assert "unique" in str(info.value).lower() or "duplicate" in str(info.value).lower()
    assert DataValue.objects.get().value == 5


def test_writer_restores_the_sqlite_cache_size(mini):
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            before = cur.execute("PRAGMA cache_size").fetchone()[0]
        _write([("TEL_SUBS", "P04", "2019Q1", 1)])
        with connection.cursor() as cur:
            assert cur.execute("PRAGMA cache_size").fetchone()[0] == before


def test_bulk_delete_keeps_the_last_state_in_the_history(mini):
    bulk_write(({"indicator": "TEL_SUBS", "area": "P04", "period": p, "value": 3} for p in PERIODS), source="demo",
               user=mini.alice)
    ids = list(DataValue.objects.filter(period__in=PERIODS[:3]).values_list("id", flat=True))
    assert bulk_delete([*ids, 10**9], user=mini.bob) == 3  # an id that does not exist is skipped
    assert list(DataValue.objects.values_list("period", flat=True)) == ["2019Q4"]
    hist = DataValueHistory.objects.filter(action="delete").order_by("period")
    assert [(h.period, h.value, h.replaced_by_id, h.changed_by_ref) for h in hist] == [
        (p, Decimal(3), mini.bob.pk, mini.alice.pk) for p in PERIODS[:3]
    ]
    assert bulk_delete([]) == 0


def test_lookups_cache_periods_and_errors(mini):
    lk = BulkLookups()
    assert lk.period("2019Q1") is lk.period("2019Q1")
    with pytest.raises(DataValueError):
        lk.period("2019Q5")
    with pytest.raises(DataValueError):
        lk.reporter("NO-SUCH-ORG")
    assert lk.reporter("SO-TTTT-04") == mini.dept.pk
