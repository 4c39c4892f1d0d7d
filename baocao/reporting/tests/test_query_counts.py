"""The hot path of the deadline surge: a 7-field save and the entry page GET, with their number of
queries pinned so they cannot regress, and the batched save keeping history, audit and versions."""

from __future__ import annotations

import pytest
from django.urls import reverse

from baocao.audit.models import AuditEvent
from baocao.datavalues.models import DataValue, DataValueHistory
from baocao.datavalues.services import set_value
from baocao.reporting import services as s

pytestmark = pytest.mark.django_db

# Measured after batching (before: 91 queries for 7 new values, 71 for 7 updates; GET 21).
SAVE_7_NEW_MAX = 36
SAVE_7_UPDATE_MAX = 22
ENTRY_GET_MAX = 20


def _url(w):
    return reverse("reporting:entry", args=["ICT-Q", w.period.code, w.cao_bang.uid])


def _seven(w):
    sub, period = s.open_submission(w.reporter, "ICT-Q", w.period.code, w.cao_bang.uid, "enter")
    rows = [r for r in s.entry_items(sub, period) if not r.needs_fraction and r.indicator.value_type == "count"][:7]
    assert len(rows) == 7
    return rows


def _history(w, rows):
    """Four earlier quarters of every field, so the outlier checks have something to compare with."""
    for i in range(1, 5):
        p = w.period.shift(-i)
        for n, r in enumerate(rows):
            set_value(area=w.cao_bang, indicator=r.indicator, disagg=r.item.disagg, period=p.code, value=100 + n + i,
                      source="api")


def _post(rows, base, versions=True):
    data = {f"value__{r.key}": str(base + n) for n, r in enumerate(rows)}
    if versions:
        data.update({f"version__{r.key}": str(r.value.version) if r.value else "" for r in rows})
    return data


def _stored(w, rows):
    return {
        r.key: DataValue.objects.get(area=w.cao_bang, period=w.period.code, indicator=r.indicator, disagg=r.item.disagg)
        for r in rows
    }


def test_seven_field_save_and_entry_get_query_counts(world, client, django_assert_max_num_queries):
    rows = _seven(world)
    _history(world, rows)
    client.force_login(world.reporter)
    assert client.get(_url(world)).status_code == 200
    with django_assert_max_num_queries(SAVE_7_NEW_MAX):
        r = client.post(_url(world), _post(rows, 110))
    assert r.status_code == 302
    first = _stored(world, rows)
    assert [v.value for v in first.values()] == list(range(110, 117))
    assert {v.version for v in first.values()} == {1}

    rows = _seven(world)
    hist_before = DataValueHistory.objects.count()
    audits_before = AuditEvent.objects.filter(action="reporting.save").count()
    with django_assert_max_num_queries(SAVE_7_UPDATE_MAX):
        r = client.post(_url(world), _post(rows, 120))
    assert r.status_code == 302
    now = _stored(world, rows)
    assert [v.value for v in now.values()] == list(range(120, 127))
    assert {v.version for v in now.values()} == {2}
    assert all(v.updated_by_id == world.reporter.pk for v in now.values())
    # the previous state of every value is in the history, once
    new_hist = DataValueHistory.objects.order_by("id")[hist_before:]
    assert sorted((h.value_id_ref, h.version, int(h.value), h.action) for h in new_hist) == sorted(
        (v.pk, 1, int(first[k].value), "update") for k, v in now.items()
    )
    assert AuditEvent.objects.filter(action="reporting.save").count() == audits_before + 1

    with django_assert_max_num_queries(ENTRY_GET_MAX):
        r = client.get(_url(world))
    assert r.status_code == 200


def test_batched_save_refuses_a_stale_field_and_writes_nothing(world):
    rows = _seven(world)
    sub, period = s.open_submission(world.reporter, "ICT-Q", world.period.code, world.cao_bang.uid, "enter")
    res = s.save_values(sub, period, world.reporter, {r.key: {"value": str(10 + n)} for n, r in enumerate(rows)})
    assert res.ok and res.written == 7
    read = s.entry_items(sub, period)
    # someone else changes the third field after this user read the page
    third = rows[2]
    set_value(area=world.cao_bang, indicator=third.indicator, disagg=third.item.disagg, period=period.code, value=999,
              source="api")
    by_key = {r.key: r for r in read}
    typed = {r.key: {"value": str(50 + n), "version": str(by_key[r.key].value.version)} for n, r in enumerate(rows)}
    hist = DataValueHistory.objects.count()
    res = s.save_values(sub, period, world.reporter, typed, items=read)
    assert not res.ok and set(res.errors) == {third.key} and third.key in res.conflicts
    assert res.conflicts[third.key].current.value == 999
    stored = _stored(world, rows)
    assert [int(v.value) for k, v in stored.items() if k != third.key] == [10, 11, 13, 14, 15, 16]
    assert DataValueHistory.objects.count() == hist  # nothing written, not even history


def test_batched_save_deletes_keep_history_and_unchanged_fields_stay(world):
    rows = _seven(world)
    sub, period = s.open_submission(world.reporter, "ICT-Q", world.period.code, world.cao_bang.uid, "enter")
    s.save_values(sub, period, world.reporter, {r.key: {"value": str(10 + n)} for n, r in enumerate(rows)})
    read = {r.key: r for r in s.entry_items(sub, period)}
    typed = {r.key: {"value": str(10 + n), "version": str(read[r.key].value.version)} for n, r in enumerate(rows)}
    typed[rows[0].key]["value"] = ""  # delete
    typed[rows[1].key]["value"] = "1.234"  # update
    res = s.save_values(sub, period, world.reporter, typed)
    assert res.ok and (res.written, res.deleted) == (1, 1)
    assert not DataValue.objects.filter(area=world.cao_bang, period=period.code, indicator=rows[0].indicator).exists()
    gone = DataValueHistory.objects.get(indicator_id_ref=rows[0].indicator.pk, period=period.code)
    assert (gone.action, int(gone.value), gone.version) == ("delete", 10, 1)
    stored = _stored(world, rows[1:])
    assert int(stored[rows[1].key].value) == 1234 and stored[rows[1].key].version == 2
    assert all(v.version == 1 for k, v in stored.items() if k != rows[1].key)


def test_new_value_created_by_someone_else_meanwhile(world, monkeypatch):
    """The race the batch cannot see when it locks (a key created after the lock query): the bulk
    insert fails in its savepoint and those values go through ``set_value`` one by one."""
    rows = _seven(world)
    sub, period = s.open_submission(world.reporter, "ICT-Q", world.period.code, world.cao_bang.uid, "enter")
    read = s.entry_items(sub, period)  # no values yet
    first, second = rows[0], rows[1]
    set_value(area=world.cao_bang, indicator=first.indicator, period=period.code, value=5, source="api")
    monkeypatch.setattr(s, "lock_values", lambda *a, **k: {})  # as if created just after the lock query
    # "0": this user read no value → a conflict, nothing written
    res = s.save_values(sub, period, world.reporter, {first.key: {"value": "7", "version": "0"},
                                                      second.key: {"value": "8"}}, items=read)
    assert not res.ok and set(res.conflicts) == {first.key}
    assert not DataValue.objects.filter(area=world.cao_bang, period=period.code, indicator=second.indicator).exists()
    # no version sent: written over the other value, which goes to the history
    res = s.save_values(sub, period, world.reporter, {first.key: {"value": "7"}, second.key: {"value": "8"}}, items=read)
    assert res.ok and res.written == 2
    dv = DataValue.objects.get(area=world.cao_bang, period=period.code, indicator=first.indicator)
    assert (int(dv.value), dv.version) == (7, 2)
    assert DataValueHistory.objects.filter(value_id_ref=dv.pk, version=1, action="update").exists()
