"""End to end in Debian's chromium: a province reports a quarterly form, the Ministry returns then accepts it."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.utils import timezone

from baocao.core import browser_testing
from baocao.reporting import services as s
from baocao.reporting.demo import working_period
from baocao.reporting.models import State, Submission

from .factories import PASSWORD, World

pytestmark = pytest.mark.browser


def login(page, base: str, username: str) -> None:
    browser_testing.login(page, base, username, PASSWORD)


logout = browser_testing.logout


def field(page, key: str, part: str = "value"):
    return page.locator(f"input[name='{part}__{key}']")


def test_quarterly_report_from_entry_to_acceptance(ref, live_server, page):
    w = World()
    s.create_key(w.dept_cb)
    base = live_server.url
    # The quarter the list offers today: open or due soon most of the time, late (still editable) in
    # the days between a quarter's deadline and the next quarter's window.
    today = timezone.localdate()
    period = working_period(w.form_q, today)
    assert period is not None
    deadline_state = s.deadline_info(w.form_q, period, today).state
    entry = f"{base}/bao-cao/ICT-Q/{period.code}/P04/"

    # 1. The reporter opens the quarter from the list and types the figures.
    login(page, base, "cb.chuyenvien")
    page.goto(base + "/bao-cao/")
    page.locator(f"#own-ICT-Q tr[data-period='{period.code}'] a.open-entry").click()
    page.wait_for_url(entry)
    assert page.locator("#entry-period").inner_text() == period.label_vi
    assert page.locator("#deadline .badge").first.inner_text() == s.STATE_VI[deadline_state]
    # Immediate feedback on a malformed number, before anything is sent.
    field(page, "POST_SERVICE_POINTS").fill("12,3.4")
    assert "không phải là số" in page.locator("#fb-POST_SERVICE_POINTS").inner_text()
    field(page, "POST_SERVICE_POINTS").fill("516.033")
    assert page.locator("#fb-POST_SERVICE_POINTS").inner_text() == ""
    field(page, "TEL_SUBS_FIXED").fill("100")
    field(page, "TEL_SUBS_MOBILE").fill("900")
    field(page, "TEL_SUBS_TOTAL").fill("1.100")
    field(page, "TEL_SUBS_TOTAL").press("Enter")  # Enter saves
    page.wait_for_url(entry)
    assert "Đã lưu 4 số liệu" in page.locator(".messages").inner_text()
    # The rule fixed + mobile = total fails: the error is listed and shown beside the field.
    assert "Lỗi" in page.locator("#checks").inner_text()
    assert page.locator("tr[data-key='TEL_SUBS_TOTAL'] .field-error").count() >= 1
    assert field(page, "POST_SERVICE_POINTS").input_value() == "516.033"
    # Tab goes from a value to its comment.
    field(page, "TEL_SUBS_TOTAL").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "comment__TEL_SUBS_TOTAL"
    field(page, "TEL_SUBS_TOTAL").fill("1.000")
    page.click("#save")
    page.wait_for_url(entry)
    assert page.locator("#checks").count() == 0
    assert page.locator("#submit").count() == 0  # a reporter cannot submit
    logout(page)

    # 2. The approver signs and submits.
    login(page, base, "cb.lanhdao")
    page.goto(entry)
    page.click("#submit")
    page.wait_for_url(entry)
    assert page.locator("#sub-state").inner_text() == "Đã gửi Bộ"
    logout(page)

    # Another province sees nothing.
    login(page, base, "ls.chuyenvien")
    assert page.goto(entry).status == 403
    logout(page)

    # 3. The Ministry returns it with a reason.
    login(page, base, "bo.chuyenvien")
    page.goto(base + "/bao-cao/")
    page.locator("#review-queue a").first.click()
    page.wait_for_url(entry)
    page.fill("#return-reason-input", "Số điểm phục vụ bưu chính chưa khớp với báo cáo năm")
    page.click("#return")
    page.wait_for_url(entry)
    assert page.locator("#sub-state").inner_text() == "Bộ trả lại"
    logout(page)

    # 4. The reporter fixes it; the approver resubmits.
    login(page, base, "cb.chuyenvien")
    page.goto(entry)
    assert "chưa khớp với báo cáo năm" in page.locator("#return-reason").inner_text()
    field(page, "POST_SERVICE_POINTS").fill("516.040")
    field(page, "POST_SERVICE_POINTS", "comment").fill("Bổ sung 7 điểm mới")
    field(page, "POST_SERVICE_POINTS", "comment").press("Enter")
    page.wait_for_url(entry)
    assert "Đã lưu 1 số liệu" in page.locator(".messages").inner_text()
    logout(page)
    login(page, base, "cb.lanhdao")
    page.goto(entry)
    page.click("#submit")
    page.wait_for_url(entry)
    assert page.locator("#sub-state").inner_text() == "Đã gửi Bộ"
    logout(page)

    # 5. The Ministry accepts; verifying the signature from the page works.
    login(page, base, "bo.chuyenvien")
    page.goto(entry)
    page.click("#accept")
    page.wait_for_url(entry)
    assert page.locator("#sub-state").inner_text() == "Bộ đã chấp nhận"
    assert page.locator("#entry-form input[name='value__POST_SERVICE_POINTS']").get_attribute("readonly") is not None
    page.click("#verify")
    page.wait_for_url(entry)
    assert "chữ ký Ed25519 hợp lệ" in page.locator(".messages").inner_text()
    history = page.locator("#events").inner_text()
    assert "Trả lại" in history and "Chấp nhận" in history

    # 6. Completeness: Cao Bằng on time (late when the quarter's deadline has passed already).
    page.goto(f"{base}/bao-cao/tinh-hinh-nop/?bieu=ICT-Q&ky={period.code}")
    assert re.search(r"1/34\s+sở đã gửi", page.locator("#summary").inner_text())
    expected = "Muộn" if deadline_state == "late" else "Đúng hạn"
    assert page.locator("#provinces tr[data-area='P04'] .timeliness").inner_text() == expected
    assert page.locator("#missing li").count() == 33
    assert page.locator("#matrix tr[data-area='P04'] td").last.inner_text() == ("!" if deadline_state == "late" else "✓")
    logout(page)

    sub = Submission.objects.get()
    assert sub.state == State.ACCEPTED and sub.snapshot["values"]["POST_SERVICE_POINTS"]["value"] == "516040"
    out = io.StringIO()
    call_command("verify", str(sub.pk), stdout=out)
    assert out.getvalue().startswith("OK") and "signature valid" in out.getvalue()


def test_entry_page_fits_a_tablet(ref, live_server, _browser):
    w = World()
    context = _browser.new_context(locale="vi-VN", viewport={"width": 820, "height": 1180})
    page = context.new_page()
    try:
        login(page, live_server.url, "cb.chuyenvien")
        page.goto(f"{live_server.url}/bao-cao/ICT-Q/{w.period.code}/P04/")
        # The page itself never scrolls sideways; the value inputs are visible and wide enough to type in.
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        box = field(page, "POST_SERVICE_POINTS").bounding_box()
        assert box is not None and box["width"] >= 80 and box["x"] + box["width"] <= 820
        field(page, "POST_SERVICE_POINTS").fill("1.234,5")
        assert page.locator("#fb-POST_SERVICE_POINTS").inner_text() == ""
        assert page.locator("#save").is_visible()
    finally:
        context.close()


def test_excel_download_dry_run_and_apply(ref, live_server, page, tmp_path):
    import openpyxl

    from baocao.datavalues.models import DataValue

    w = World()
    base = live_server.url
    entry = f"{base}/bao-cao/ICT-Q/{w.period.code}/P04/"
    login(page, base, "cb.chuyenvien")
    page.goto(entry)
    with page.expect_download() as info:
        page.click("#excel-download")
    path = tmp_path / "bieu.xlsx"
    info.value.save_as(path)
    wb = openpyxl.load_workbook(path)
    ws = wb["Bieu_mau"]
    row = next(r for r in range(1, ws.max_row + 1) if ws[f"B{r}"].value == "POST_SERVICE_POINTS")
    ws[f"F{row}"] = "nhiều"
    wb.save(path)
    # A bad cell: the problem by sheet and cell, nothing written.
    page.set_input_files("#upload-file", str(path))
    page.click("#upload-dry")
    assert f"F{row}" in page.locator("#upload-problems").inner_text()
    assert not DataValue.objects.exists()
    # Fixed: the dry run lists the change, then it is applied.
    ws[f"F{row}"] = 516033
    wb.save(path)
    page.goto(entry)
    page.set_input_files("#upload-file", str(path))
    page.click("#upload-dry")
    assert "516.033" in page.locator("#upload-changes").inner_text()
    assert not DataValue.objects.exists()
    page.click("#upload-apply")
    page.wait_for_url(entry)
    assert "Đã cập nhật 1 số liệu" in page.locator(".messages").inner_text()
    assert field(page, "POST_SERVICE_POINTS").input_value() == "516.033"
