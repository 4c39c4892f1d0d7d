"""Minimal reference objects for the data value tests (independent of the load_* commands)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest


@pytest.fixture
def mini(db):
    from django.contrib.auth import get_user_model

    from baocao.catalog.models import Disaggregation, Domain, Indicator
    from baocao.geo.models import AdminArea
    from baocao.orgs.models import Organisation

    dom = Domain.objects.create(code="TELECOM", name="Viễn thông và Internet", name_en="Telecom", order=1)
    dom2 = Domain.objects.create(code="ITA", name="Ứng dụng CNTT", name_en="IT application", order=2)
    fixed = Disaggregation.objects.create(code="FIXED", name="Cố định")
    mobile = Disaggregation.objects.create(code="MOBILE", name="Di động")

    def ind(code, vt, domain=dom, **kw):
        kw.setdefault("agg_space", "sum")
        kw.setdefault("agg_time", "stock")
        return Indicator.objects.create(
            code=code, name=f"Chỉ tiêu {code}", name_en=code, domain=domain, unit="x", value_type=vt, **kw
        )

    subs = ind("TEL_SUBS", "count")
    subs.disaggregations.set([fixed, mobile])
    pct = ind("ITA_DOC_E_PCT", "percent", domain=dom2, min_value=Decimal(0), max_value=Decimal(100), decimals=1,
              agg_space="weighted_mean")
    frac = ind("TEL_COMMUNE_FBB", "fraction", agg_space="ratio_of_sums")
    money = ind("TEL_REVENUE", "money", agg_time="flow")
    old = ind("OLD_ONLY", "count", valid_to=dt.date(2019, 12, 31))

    def area(uid, code, name, **kw):
        return AdminArea.objects.create(uid=uid, code=code, name=name, level="province", **kw)

    cao_bang = area("P04", "04", "Cao Bằng")
    ha_giang = area("P02", "02", "Hà Giang", valid_to=dt.date(2025, 6, 30))
    tq_old = area("P08", "08", "Tuyên Quang", valid_to=dt.date(2025, 6, 30))
    tq_new = area("P08-2025", "08", "Tuyên Quang", valid_from=dt.date(2025, 7, 1))
    dept = Organisation.objects.create(uid="SO-TTTT-04", name="Sở TT&TT Cao Bằng", kind="department", area=cao_bang)
    users = get_user_model().objects
    alice = users.create_user("alice")
    bob = users.create_user("bob")
    return SimpleNamespace(
        subs=subs, pct=pct, frac=frac, money=money, old=old, cao_bang=cao_bang, ha_giang=ha_giang,
        tq_old=tq_old, tq_new=tq_new, dept=dept, alice=alice, bob=bob,
    )
