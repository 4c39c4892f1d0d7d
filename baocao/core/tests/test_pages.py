"""The home page, the login page, health and the Vietnamese admin, in a real browser and in the test client."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model


@pytest.mark.django_db
def test_health(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json()["status"] == "ok"


def test_home_shows_reference_counts(client, ref):
    r = client.get("/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "Hệ thống thông tin báo cáo ngành thông tin và truyền thông" in html
    m = re.search(r'data-stat="provinces_before"><strong>(\d+)</strong>', html)
    assert m and m.group(1) == "63"
    m = re.search(r'data-stat="provinces_after"><strong>(\d+)</strong>', html)
    assert m and m.group(1) == "34"


@pytest.mark.browser
def test_home_login_and_admin_in_browser(live_server, page, ref):
    User = get_user_model()
    User.objects.create_superuser("quantri", "quantri@example.org", "mat-khau-Demo-2026")

    page.goto(live_server.url + "/")
    assert "baocao" in page.title()
    assert page.locator("h1").inner_text() == "Hệ thống thông tin báo cáo ngành thông tin và truyền thông"
    assert page.locator('[data-stat="provinces_after"] strong').inner_text() == "34"

    # A wrong password shows a Vietnamese error and keeps the user out.
    page.click("text=Đăng nhập")
    page.fill("#id_username", "quantri")
    page.fill("#id_password", "sai-mat-khau")
    page.click("form.login button[type=submit]")
    assert "không đúng" in page.locator("[role=alert]").inner_text()

    page.fill("#id_username", "quantri")
    page.fill("#id_password", "mat-khau-Demo-2026")
    page.click("form.login button[type=submit]")
    page.wait_for_url(live_server.url + "/")
    page.click("text=Quản trị")
    page.wait_for_url(live_server.url + "/admin/")
    page.wait_for_load_state()
    body = page.locator("body").text_content()
    for section in ("Danh mục chỉ tiêu", "Bản đồ hành chính", "Chế độ và kỳ báo cáo", "Số liệu"):
        assert section in body

    # The indicator list in the admin lists the whole catalog (paginated).
    from baocao.catalog.models import Indicator

    n = Indicator.objects.count()
    assert n >= 80
    page.goto(live_server.url + "/admin/catalog/indicator/")
    assert page.locator("#result_list tbody tr").count() == min(n, 50)
    assert str(n) in page.locator(".paginator").inner_text()

    # English is the second language.
    page.goto(live_server.url + "/")
    page.click("button[value=en]")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Reporting information system for the information and communications sector"
