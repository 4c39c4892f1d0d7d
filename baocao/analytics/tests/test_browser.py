"""The targets admin in a real browser: a target out of the indicator's range is refused, then saved and used."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from baocao.analytics import services as s
from baocao.analytics.models import Target


@pytest.mark.browser
def test_target_admin_in_browser(live_server, page, ref):
    get_user_model().objects.create_superuser("quantri", "q@example.org", "mat-khau-Demo-2026")
    Target.objects.filter(indicator__code="DVC_DOSSIERS_ONLINE_SHARE").delete()
    page.goto(live_server.url + "/admin/login/?next=/admin/analytics/target/add/")
    page.fill("#id_username", "quantri")
    page.fill("#id_password", "mat-khau-Demo-2026")
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/analytics/target/add/")
    page.click(".field-indicator .select2-selection")
    page.fill(".select2-search__field", "DVC_DOSSIERS_ONLINE_SHARE")
    page.locator(".select2-results__option", has_text="DVC_DOSSIERS_ONLINE_SHARE").first.click()
    page.fill("#id_year", "2026")
    page.fill("#id_value", "120")  # a percentage cannot exceed 100
    page.click("input[name=_save]")
    page.wait_for_load_state()
    assert "Mục tiêu lớn hơn giá trị lớn nhất của chỉ tiêu (100)" in page.locator("body").inner_text()
    assert s.target_for("DVC_DOSSIERS_ONLINE_SHARE", 2026) is None
    page.fill("#id_value", "60")
    page.click("input[name=_save]")
    page.wait_for_url("**/admin/analytics/target/")
    assert "DVC_DOSSIERS_ONLINE_SHARE" in page.locator("#result_list").inner_text()
    assert s.target_for("DVC_DOSSIERS_ONLINE_SHARE", 2026) == Decimal(60)
