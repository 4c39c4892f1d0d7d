"""The rule admin and the audit log in a real browser: a bad code is refused, the fix is saved and audited."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from baocao.audit.models import AuditEvent
from baocao.validation.models import ValidationRule


@pytest.mark.browser
def test_rule_admin_and_audit_log_in_browser(live_server, page, catalog):
    get_user_model().objects.create_superuser("quantri", "q@example.org", "mat-khau-Demo-2026")
    page.goto(live_server.url + "/admin/login/?next=/admin/validation/validationrule/add/")
    page.fill("#id_username", "quantri")
    page.fill("#id_password", "mat-khau-Demo-2026")
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/validation/validationrule/add/")
    page.fill("#id_code", "TEL_SUM")
    page.fill("#id_name", "Tổng thuê bao bằng cố định cộng di động")
    page.fill("#id_left", "TEL_SUBS_FIXD + TEL_SUBS_MOBILE")
    page.select_option("#id_operator", "==")
    page.fill("#id_right", "TEL_SUBS_TOTAL")
    page.click("input[name=_save]")
    page.wait_for_load_state()
    body = page.locator("body").inner_text()
    assert "mã chỉ tiêu «TEL_SUBS_FIXD» không có trong danh mục" in body
    assert not ValidationRule.objects.exists()
    page.fill("#id_left", "TEL_SUBS_FIXED + TEL_SUBS_MOBILE")
    page.fill("#id_try_values", "TEL_SUBS_FIXED=100; TEL_SUBS_MOBILE=900; TEL_SUBS_TOTAL=1.250")
    page.click("input[name=_save]")
    page.wait_for_url("**/admin/validation/validationrule/")
    body = page.locator("body").inner_text()
    assert "Thử quy tắc:" in body and "1.250" in body
    assert ValidationRule.objects.filter(code="TEL_SUM").exists()

    page.goto(live_server.url + "/admin/audit/auditevent/")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 2  # the admin login, the rule change
    text = page.locator("#result_list").inner_text()
    assert "Đăng nhập" in text and "Sửa quy tắc kiểm tra" in text
    page.click("#changelist-filter >> text=Sửa quy tắc kiểm tra")
    page.wait_for_load_state()
    assert page.locator("#result_list tbody tr").count() == 1
    assert set(AuditEvent.objects.values_list("action", flat=True)) == {"login", "rule.change"}
