"""The Vietnamese admin pages for regimes (with their rules inline) and the holiday calendar."""

from __future__ import annotations

import pytest
from django.urls import reverse

from baocao.periods.loading import load_regimes
from baocao.periods.models import Regime


@pytest.fixture
def regimes(db):
    load_regimes()


def test_regime_admin_lists_and_shows_rules(admin_client, regimes):
    page = admin_client.get(reverse("admin:periods_regime_changelist"))
    assert page.status_code == 200
    assert "TT02_2023" in page.content.decode()
    reg = Regime.objects.get(code="TT02_2023")
    page = admin_client.get(reverse("admin:periods_regime_change", args=[reg.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "ngày hạn gửi" in html.lower()  # Vietnamese field labels
    assert "hạn " in html and "Quý " in html  # the computed example of the current quarter


def test_holiday_admin(admin_client, regimes):
    page = admin_client.get(reverse("admin:periods_holiday_changelist") + "?date__year=2024")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Tết Nguyên đán Giáp Thìn" in html
    assert "Thứ Bảy" in html  # the worked Saturday 04/05/2024 is listed with its weekday
