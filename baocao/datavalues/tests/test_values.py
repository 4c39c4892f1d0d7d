"""set_value / delete_value / value_history: history on every change, optimistic locking, bad input."""

from __future__ import annotations

from decimal import Decimal

import pytest

from baocao.datavalues.models import DataValue, DataValueHistory
from baocao.datavalues.services import (
    DataValueError,
    VersionConflict,
    delete_value,
    set_value,
    validate_value,
    value_history,
)


def _counts() -> tuple[int, int]:
    return DataValue.objects.count(), DataValueHistory.objects.count()


def test_create_stores_period_and_who(mini):
    dv = set_value(area="P04", indicator="TEL_SUBS", period="2019S1", value=516033, source="form",
                   user=mini.alice, reporter="SO-TTTT-04", qualifier="exact")
    dv.refresh_from_db()
    assert dv.value == Decimal("516033")
    assert (dv.period, dv.period_type) == ("2019S1", "half_year")
    assert (dv.period_start.isoformat(), dv.period_end.isoformat()) == ("2019-01-01", "2019-06-30")
    assert dv.version == 1
    assert dv.created_by == mini.alice and dv.updated_by == mini.alice
    assert dv.reporter == mini.dept
    assert dv.created_at is not None and dv.created_at == dv.updated_at
    assert DataValueHistory.objects.count() == 0


def test_vietnamese_period_label_accepted(mini):
    dv = set_value(area=mini.cao_bang, indicator=mini.subs, period="6 tháng đầu năm 2019", value=1, source="form")
    assert dv.period == "2019S1"


def test_update_keeps_history_and_bumps_version(mini):
    v1 = set_value(area="P04", indicator="TEL_SUBS", period="2019S1", value=500000, source="form", user=mini.alice)
    t1 = v1.updated_at
    v2 = set_value(area="P04", indicator="TEL_SUBS", period="2019S1", value=516033, source="excel",
                   comment="đã sửa theo báo cáo", user=mini.bob)
    assert v2.pk == v1.pk and v2.version == 2
    assert v2.updated_by == mini.bob and v2.created_by == mini.alice
    h = DataValueHistory.objects.get()
    assert h.action == "update"
    assert h.value == Decimal(500000) and h.source == "form" and h.version == 1
    assert h.value_id_ref == v1.pk
    assert h.changed_by_ref == mini.alice.pk  # who entered the old state
    assert h.replaced_by == mini.bob  # who replaced it
    assert h.valid_since == t1 and h.replaced_at == v2.updated_at
    assert h.replaced_at >= h.valid_since


def test_noop_write_creates_no_history(mini):
    v1 = set_value(area="P04", indicator="TEL_SUBS", period="2019S1", value=516033, source="form", user=mini.alice)
    v2 = set_value(area="P04", indicator="TEL_SUBS", period="2019S1", value="516033.0", source="form", user=mini.bob)
    assert v2.version == 1 and v2.updated_by == mini.alice
    assert v2.updated_at == v1.updated_at
    assert _counts() == (1, 0)


def test_change_of_reporter_is_traced(mini):
    set_value(area="P04", indicator="TEL_SUBS", period="2019", value=1, source="form", reporter=mini.dept)
    set_value(area="P04", indicator="TEL_SUBS", period="2019", value=1, source="form", reporter=None)
    story = value_history("P04", "TEL_SUBS", "2019")
    assert [(s.version, s.reporter_id) for s in story] == [(1, mini.dept.pk), (2, None)]


def test_change_of_comment_only_is_a_change(mini):
    set_value(area="P04", indicator="TEL_SUBS", period="2019S1", value=1, source="form")
    v = set_value(area="P04", indicator="TEL_SUBS", period="2019S1", value=1, source="form", comment="ghi chú")
    assert v.version == 2 and DataValueHistory.objects.count() == 1


def test_delete_keeps_last_state_and_story_survives(mini):
    set_value(area="P04", indicator="TEL_SUBS", period="2019S1", value=1, source="form", user=mini.alice)
    set_value(area="P04", indicator="TEL_SUBS", period="2019S1", value=2, source="form", user=mini.alice)
    assert delete_value(area="P04", indicator="TEL_SUBS", period="2019S1", user=mini.bob) is True
    assert _counts() == (0, 2)
    last = DataValueHistory.objects.order_by("id").last()
    assert last.action == "delete" and last.value == 2 and last.version == 2 and last.replaced_by == mini.bob
    story = value_history("P04", "TEL_SUBS", "2019S1")
    assert [(s.value, s.action, s.version) for s in story] == [(1, "update", 1), (2, "delete", 2)]
    assert delete_value(area="P04", indicator="TEL_SUBS", period="2019S1") is False


def test_value_history_order_oldest_to_newest_with_recreation(mini):
    for v in (10, 20, 30):
        set_value(area="P04", indicator="TEL_SUBS", period="2020Q3", value=v, source="form")
    delete_value(area="P04", indicator="TEL_SUBS", period="2020Q3")
    set_value(area="P04", indicator="TEL_SUBS", period="2020Q3", value=40, source="api")
    # a different key must not leak into the story
    set_value(area="P04", indicator="TEL_SUBS", period="2020Q3", disagg="FIXED", value=5, source="form")
    story = value_history(mini.cao_bang, mini.subs, "2020Q3")
    assert [s.value for s in story] == [10, 20, 30, 40]
    assert [s.action for s in story] == ["update", "update", "delete", "current"]
    assert all(a.since <= b.since for a, b in zip(story, story[1:], strict=False))
    assert [s.value for s in value_history("P04", "TEL_SUBS", "2020Q3", "FIXED")] == [5]


def test_version_conflict_shows_both_values(mini):
    v = set_value(area="P04", indicator="TEL_SUBS", period="2019", value=100, source="form")
    set_value(area="P04", indicator="TEL_SUBS", period="2019", value=200, source="form", expected_version=v.version)
    with pytest.raises(VersionConflict) as exc:
        set_value(area="P04", indicator="TEL_SUBS", period="2019", value=300, source="form", expected_version=1)
    e = exc.value
    assert e.field == "version" and e.current_version == 2 and e.current_value == 200 and e.attempted == 300
    assert "200" in e.message and "300" in e.message
    assert DataValue.objects.get().value == 200 and DataValueHistory.objects.count() == 1
    with pytest.raises(VersionConflict):
        delete_value(area="P04", indicator="TEL_SUBS", period="2019", expected_version=1)
    with pytest.raises(VersionConflict):  # expects an existing value that is not there
        set_value(area="P04", indicator="TEL_SUBS", period="2018", value=1, source="form", expected_version=3)
    assert _counts() == (1, 1)


def test_fraction_and_percent(mini):
    dv = set_value(area="P04", indicator="TEL_COMMUNE_FBB", period="2019S1", value=158, denominator=199, source="form")
    assert (dv.numerator, dv.denominator) == (158, 199)
    dv = set_value(area="P04", indicator="ITA_DOC_E_PCT", period="2019S1", value=73, numerator=340,
                   denominator=465, qualifier="approx", source="extraction",
                   provenance={"document": "000.txt", "start": 10, "end": 40})
    assert dv.provenance["start"] == 10


BAD = [
    ({"indicator": "NO_SUCH"}, "indicator"),
    ({"area": "P99"}, "area"),
    ({"period": "Quý V/2020"}, "period"),
    ({"period": "2020Q5"}, "period"),
    ({"period": ""}, "period"),
    ({"indicator": "OLD_ONLY", "period": "2024Q1"}, "indicator"),
    ({"area": "P08-2025", "period": "2024Q1"}, "area"),
    ({"area": "P02", "period": "2025Q4"}, "area"),
    ({"value": "nhiều"}, "value"),
    ({"value": None}, "value"),
    ({"value": -5}, "value"),
    ({"value": "12.5"}, "value"),
    ({"value": float("nan")}, "value"),
    ({"indicator": "ITA_DOC_E_PCT", "value": 120}, "value"),
    ({"indicator": "ITA_DOC_E_PCT", "value": -1}, "value"),
    ({"indicator": "ITA_DOC_E_PCT", "value": 50, "numerator": 10, "denominator": 100}, "value"),
    ({"indicator": "TEL_COMMUNE_FBB", "value": 158}, "denominator"),
    ({"indicator": "TEL_COMMUNE_FBB", "value": 210, "denominator": 199}, "denominator"),
    ({"indicator": "TEL_COMMUNE_FBB", "value": 0, "denominator": 0}, "denominator"),
    ({"indicator": "TEL_COMMUNE_FBB", "value": 150, "numerator": 158, "denominator": 199}, "value"),
    ({"indicator": "TEL_REVENUE", "value": -1}, "value"),
    ({"value": 1, "numerator": 1}, "denominator"),
    ({"disagg": "SATELLITE"}, "disagg"),
    ({"indicator": "TEL_REVENUE", "disagg": "FIXED"}, "disagg"),
    ({"qualifier": "maybe"}, "qualifier"),
    ({"source": "fax"}, "source"),
    ({"reporter": "NO-ORG"}, "reporter"),
    ({"provenance": "not a dict"}, "provenance"),
    ({"provenance": {"document": object()}}, "provenance"),
]


@pytest.mark.parametrize(("change", "field"), BAD)
def test_bad_input_names_the_field_and_writes_nothing(mini, change, field):
    set_value(area="P04", indicator="TEL_SUBS", period="2019", value=7, source="form")  # something to overwrite
    before = _counts()
    kwargs = {"area": "P04", "indicator": "TEL_SUBS", "period": "2019", "value": 8, "source": "form", **change}
    with pytest.raises(DataValueError) as exc:
        set_value(**kwargs)
    assert exc.value.field == field
    assert exc.value.message and exc.value.message[0].isupper()
    assert _counts() == before
    assert DataValue.objects.get().value == 7


def test_fraction_error_message_is_vietnamese(mini):
    with pytest.raises(DataValueError) as exc:
        validate_value(area="P04", indicator="TEL_COMMUNE_FBB", period="2019S1", value=210, denominator=199,
                       source="form")
    assert exc.value.field == "denominator"
    assert exc.value.message == "Tử số (210) lớn hơn mẫu số (199)"


def test_area_validity_overlap_rules(mini):
    # the new province exists from 2025-07-01; the old ones until 2025-06-30; the unchanged one always
    set_value(area="P08-2025", indicator="TEL_SUBS", period="2025Q3", value=1, source="form")
    set_value(area="P08", indicator="TEL_SUBS", period="2025S1", value=1, source="form")
    set_value(area="P04", indicator="TEL_SUBS", period="2025Q4", value=1, source="form")
    with pytest.raises(DataValueError) as exc:
        set_value(area="P08", indicator="TEL_SUBS", period="2025Q3", value=1, source="form")
    assert "30/06/2025" in exc.value.message
    assert DataValue.objects.count() == 3


def test_concurrent_create_becomes_an_update(mini, monkeypatch):
    """Another writer created the key between our lookup and our insert: we update it, with history."""
    from django.db.models.query import QuerySet

    set_value(area=mini.cao_bang, indicator=mini.subs, period="2019", value=1, source="form")
    original = QuerySet.first
    calls = {"n": 0}

    def first_misses_once(self):
        calls["n"] += 1
        return None if calls["n"] == 1 else original(self)

    monkeypatch.setattr(QuerySet, "first", first_misses_once)
    dv = set_value(area=mini.cao_bang, indicator=mini.subs, period="2019", value=2, source="form")
    assert calls["n"] >= 2
    assert (dv.value, dv.version) == (2, 2)
    assert _counts() == (1, 1)
