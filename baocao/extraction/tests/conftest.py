"""Objects the review tests need, created directly (the reference loaders are not required)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parent / "samples"
PASSWORD = "mat-khau-thu-nghiem-123"


@pytest.fixture
def review_world(db):
    from django.contrib.auth import get_user_model

    from baocao.catalog.models import Domain, Indicator
    from baocao.geo.models import AdminArea, AreaLevel

    vn = AdminArea.objects.create(uid="VN", code="VN", name="Việt Nam", level=AreaLevel.COUNTRY)
    qn = AdminArea.objects.create(
        uid="P22", code="22", name="Quảng Ninh", level=AreaLevel.PROVINCE, parent=vn, valid_to=dt.date(2025, 6, 30)
    )
    d = Domain.objects.create(code="post", name="Bưu chính", name_en="Postal")
    common = {"domain": d, "agg_space": "sum", "agg_time": "stock", "name_en": "x"}
    Indicator.objects.create(code="T_POST_POINTS", name="Số điểm phục vụ bưu chính", unit="điểm",
                             value_type="count", phrases=["điểm phục vụ", "mạng lưới bưu chính"], **common)
    Indicator.objects.create(code="T_FBB_SUBS", name="Thuê bao băng rộng cố định", unit="thuê bao",
                             value_type="count", phrases=["thuê bao băng rộng cố định"], **common)
    Indicator.objects.create(
        code="T_FIBRE_COMMUNES", name="Xã có cáp quang", unit="xã", value_type="fraction", domain=d,
        agg_space="ratio_of_sums", agg_time="stock", name_en="x", phrases=["có cáp quang đến trung tâm xã"],
    )
    user = get_user_model().objects.create_user("duyet", password=PASSWORD, is_staff=True, first_name="Người duyệt")
    return {"vn": vn, "qn": qn, "user": user}
