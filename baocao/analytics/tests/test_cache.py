"""The analytics cache is never stale: every kind of change the analytics read changes the data stamp."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction

from baocao.analytics import cache as acache
from baocao.analytics import services as s
from baocao.analytics.models import Stamp, Target
from baocao.datavalues.models import DataValue
from baocao.datavalues.services import bulk_delete, bulk_write, set_value

from .test_services import _submission

pytestmark = pytest.mark.django_db


def _value(area: str, period: str, value: int) -> None:
    bulk_write([{"area": area, "indicator": "TEL_SUBS_TOTAL", "period": period, "value": value}], source="import")


class Counter:
    def __init__(self) -> None:
        self.calls = 0

    def national(self) -> Decimal | None:
        self.calls += 1
        return s.national_value("TEL_SUBS_TOTAL", "2024Q3").value


def test_a_result_is_computed_once_per_stamp_and_anew_after_each_kind_of_change(ref):
    c = Counter()

    def read() -> Decimal | None:
        return acache.cached("national", ("TEL_SUBS_TOTAL", "2024Q3"), c.national)

    _value("P04", "2024Q3", 100)
    assert read() == 100 and read() == 100 and c.calls == 1  # the second read is served from the cache
    _value("P20", "2024Q3", 1000)  # a new value
    assert read() == 1100 and c.calls == 2
    set_value(area="P20", indicator="TEL_SUBS_TOTAL", period="2024Q3", value=2000, source="form")  # changed
    assert read() == 2100 and c.calls == 3
    assert read() == 2100 and c.calls == 3
    sub = _submission("P04", "2024Q3", "draft")  # a report in draft holds its value back
    assert read() == 2000 and c.calls == 4
    sub.state = "accepted"
    sub.save()
    assert read() == 2100 and c.calls == 5
    bulk_delete([DataValue.objects.get(area__uid="P20", period="2024Q3").pk])  # deleted
    assert read() == 100 and c.calls == 6
    assert read() == 100 and c.calls == 6


def test_reference_data_changes_draw_a_new_token_and_a_rollback_keeps_the_old(ref):
    before = acache.data_stamp()
    t = Target.objects.create(indicator_id=s._indicator("TEL_SUBS_TOTAL").id, year=2024, value=Decimal(1))
    after_create = acache.data_stamp()
    assert after_create != before
    t.value = Decimal(2)
    t.save()
    assert acache.data_stamp() != after_create
    from baocao.reporting.loader import load_forms

    token = Stamp.objects.get().token
    load_forms()  # bulk writes without signals call new_token themselves
    assert Stamp.objects.get().token != token
    token = Stamp.objects.get().token
    with pytest.raises(RuntimeError), transaction.atomic():
        t.delete()
        assert Stamp.objects.get().token != token
        raise RuntimeError("roll back")
    assert Stamp.objects.get().token == token


def test_a_broken_cache_costs_speed_not_the_answer(ref, monkeypatch):
    def boom(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(acache.cache, "get", boom)
    monkeypatch.setattr(acache.cache, "set", boom)
    _value("P04", "2024Q3", 100)
    assert acache.cached("national", ("x",), lambda: s.national_value("TEL_SUBS_TOTAL", "2024Q3").value) == 100


def test_clear_command_draws_a_new_token(ref):
    from django.core.management import call_command

    before = acache.data_stamp()
    call_command("clear_analytics_cache", verbosity=0)
    assert acache.data_stamp() != before
