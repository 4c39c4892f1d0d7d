"""Stored and reflected XSS on the public recommendations page, in Debian's chromium.

Published recommendations whose title, text, sender name and public answer carry script payloads
(each sets ``window.__pwned`` or opens a dialog) are shown on /kien-nghi/cong-khai/, on their public
detail pages and in search results; the search box gets the payloads too. No payload may run: no
dialog, ``window.__pwned`` undefined, and the payload text is visible as text. A control loads the
same payloads as raw HTML into a blank page to show that the detector does see a script run.
"""

from __future__ import annotations

import datetime as dt
import urllib.parse

import pytest

from baocao.recommendations import services as s

from .factories import World

pytestmark = pytest.mark.browser

PAYLOADS = [
    "<script>window.__pwned='script'</script>",
    "<img src=x onerror=\"window.__pwned='img'\">",
    "<svg onload=\"window.__pwned='svg'\"></svg>",
    "\"><script>window.__pwned='attr'</script>",
    "'><img src=x onerror=alert('dialog')>",
    "</textarea></title><script>window.__pwned='title'</script>",
    "<iframe srcdoc=\"<script>parent.__pwned='iframe'</script>\"></iframe>",
    "<a href=\"javascript:window.__pwned='link'\" id=xss-link>nhấn</a>",
]


def _watch(page) -> list[str]:
    dialogs: list[str] = []

    def on_dialog(d) -> None:
        dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", on_dialog)
    return dialogs


def _publish(w: World, i: int, payload: str):
    rec = s.create_recommendation(
        w.officer,
        s.NewRecommendation(
            title=f"Kiến nghị thử {i} {payload}", text=f"Nội dung thử {i} {payload}", sender_type="citizen",
            sender_name=f"Người gửi {payload}", received_on=dt.date.today(),
        ),
    )
    s.assign(w.officer, rec, w.telecom.pk)
    s.answer(w.unit_user, rec, "Trả lời nội bộ")
    s.publish(w.officer, rec, f"Trả lời công khai {i} {payload}")
    return rec


def _assert_clean(page, dialogs: list[str], where: str) -> None:
    page.wait_for_timeout(200)  # let onerror/onload handlers fire if they were going to
    assert page.evaluate("() => window.__pwned === undefined && (window.parent.__pwned === undefined)"), where
    assert dialogs == [], (where, dialogs)


def test_public_page_shows_payloads_as_text_and_runs_none(live_server, page):
    w = World()
    recs = [_publish(w, i, p) for i, p in enumerate(PAYLOADS)]
    dialogs = _watch(page)
    base = live_server.url

    page.goto(base + "/kien-nghi/cong-khai/")
    _assert_clean(page, dialogs, "public list")
    body = page.locator("body").inner_text()
    for p in PAYLOADS:
        assert p in body, f"payload not shown as text on the public list: {p}"

    for rec, p in zip(recs, PAYLOADS, strict=True):
        page.goto(f"{base}/kien-nghi/cong-khai/{rec.pk}/")
        _assert_clean(page, dialogs, f"public detail {rec.pk}")
        text = page.locator("body").inner_text()
        assert text.count(p) >= 2, f"title/text/answer not shown as text: {p}"
        if page.locator("#xss-link").count():
            page.locator("#xss-link").first.click()
            _assert_clean(page, dialogs, "click on a javascript: link")

    for p in PAYLOADS:
        page.goto(f"{base}/kien-nghi/cong-khai/?q={urllib.parse.quote(p)}")
        _assert_clean(page, dialogs, f"search for {p}")
        assert page.locator("input[name=q]").input_value() == p[:200]


def test_control_the_detector_sees_a_script_run(page):
    dialogs = _watch(page)
    page.set_content("<html><body>" + PAYLOADS[0] + PAYLOADS[4] + "</body></html>")
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.__pwned") == "script"
    assert dialogs == ["dialog"]
