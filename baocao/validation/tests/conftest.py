"""Minimal catalog rows for the validation tests (no dependency on the reference loaders)."""

from __future__ import annotations

import pytest

from baocao.catalog.models import Disaggregation, Domain, Indicator
from baocao.validation.services import clear_cache

# code, value_type, agg_space, disaggs
INDICATORS = [
    ("TEL_SUBS_TOTAL", "count", "sum", []),
    ("TEL_SUBS_FIXED", "count", "sum", []),
    ("TEL_SUBS_MOBILE", "count", "sum", []),
    ("INET_SUBS_TOTAL", "count", "sum", ["fixed", "mobile"]),
    ("INET_FBB_SUBS", "count", "sum", []),
    ("INET_MBB_SUBS", "count", "sum", []),
    ("INET_FBB_COMMUNES", "fraction", "ratio_of_sums", []),
    ("EDOC_SIGNED_SHARE", "percent", "ratio_of_sums", []),
    ("EDOC_FULLY_ELECTRONIC_SHARE", "percent", "ratio_of_sums", []),
    ("DTI_SCORE", "index", "none", []),
    ("RECS_RECEIVED", "count", "sum", ["rec_citizen", "rec_department"]),
    ("RECS_RESOLVED", "count", "sum", ["rec_citizen", "rec_department"]),
]


@pytest.fixture
def catalog(db):
    clear_cache()
    dom = Domain.objects.create(code="TEST", name="Thử", name_en="Test")
    disaggs = {}
    for code, vt, agg, ds in INDICATORS:
        ind = Indicator.objects.create(
            code=code, name=f"Chỉ tiêu {code}", name_en=code, domain=dom, unit="đơn vị",
            value_type=vt, agg_space=agg, agg_time="stock",
        )
        for d in ds:
            if d not in disaggs:
                disaggs[d] = Disaggregation.objects.create(code=d, name=d)
            ind.disaggregations.add(disaggs[d])
    yield
    clear_cache()
