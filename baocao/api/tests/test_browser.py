"""The documentation page in Debian's chromium: served from this server only (no CDN), it lists the
operations, and a signed-in user's session calls the API (CSRF enforced on writes)."""

from __future__ import annotations

import pytest

from baocao.reporting.tests.factories import PASSWORD, World

pytestmark = pytest.mark.browser


def test_docs_page_local_and_session_calls(ref, live_server, page):
    w = World()
    base = live_server.url
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(base + "/dang-nhap/")
    page.fill("#id_username", w.reporter.username)
    page.fill("#id_password", PASSWORD)
    page.click("form.login button[type=submit]")
    page.wait_for_load_state()
    page.goto(base + "/api/v1/docs")
    page.wait_for_selector(".opblock-summary", timeout=20000)
    text = page.inner_text("body")
    assert "/api/v1/dataValues/{value_id}" in text and "/api/v1/submissions/{sub_id}/submit" in text
    external = [u for u in requested if not u.startswith(base) and not u.startswith("data:")]
    assert external == [], external
    me = page.evaluate("fetch('/api/v1/me').then(r => r.json())")
    assert me["username"] == "cb.chuyenvien" and me["province"] == "P04"
    body = {"indicator": "POST_ENTERPRISES", "orgUnit": "P04", "period": w.period.code, "value": 7}
    no_csrf = page.evaluate(
        "b => fetch('/api/v1/dataValues', {method: 'POST', headers: {'Content-Type': 'application/json'},"
        " body: JSON.stringify(b)}).then(r => r.status)", body)
    assert no_csrf == 403
    with_csrf = page.evaluate(
        "b => fetch('/api/v1/dataValues', {method: 'POST', headers: {'Content-Type': 'application/json',"
        " 'X-CSRFToken': document.cookie.split('; ').find(c => c.startsWith('csrftoken=')).split('=')[1]},"
        " body: JSON.stringify(b)}).then(r => r.status)", body)
    assert with_csrf == 201
    from baocao.datavalues.models import DataValue

    assert DataValue.objects.get(area=w.cao_bang, indicator__code="POST_ENTERPRISES").value == 7
