"""End-to-end in Debian's chromium: a department's recommendation to a published answer; a session's conclusion to a done directive."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from baocao.core import browser_testing
from baocao.recommendations.models import Directive, DirState, Recommendation, RecState

from .factories import PASSWORD, World

pytestmark = pytest.mark.browser


def login(page, base: str, username: str) -> None:
    browser_testing.login(page, base, username, PASSWORD)


logout = browser_testing.logout


def test_recommendation_from_department_to_public_answer(live_server, page):
    w = World()
    base = live_server.url

    # 1. The department sends a recommendation.
    login(page, base, "socaobang")
    page.goto(base + "/kien-nghi/")
    page.click("#new-recommendation")
    page.fill("#id_title", "Hoàn thiện hệ thống quản lý chứng thư số")
    page.fill("#id_text", "Đề nghị Bộ phối hợp với Ban Cơ yếu Chính phủ hoàn thiện hệ thống quản lý chữ ký số chuyên dùng.")
    page.click("#rec-form button[type=submit]")
    page.wait_for_url(re.compile(r"/kien-nghi/\d+/$"))
    assert page.locator("#rec-state").inner_text() == "Đã tiếp nhận"
    rec = Recommendation.objects.get()
    assert rec.sender_org == w.dept_cb and rec.area == w.cao_bang
    detail = page.url
    # A department cannot assign or answer: no action panels.
    assert page.locator("#assign-panel").count() == 0 and page.locator("#answer-panel").count() == 0
    logout(page)

    # Another province's department cannot open it.
    login(page, base, "solaocai")
    resp = page.goto(detail)
    assert resp.status == 403
    assert "không có quyền xem" in page.locator("[role=alert]").inner_text()
    logout(page)

    # 2. The Ministry's office assigns the Cục Viễn thông; an unknown due date before receipt is refused first.
    login(page, base, "vanphong")
    page.goto(detail)
    page.select_option("#assign_lead_unit", label="Cục Viễn thông")
    page.fill("#assign_due_on", "2000-01-01")
    page.click("#assign-panel button[type=submit]")
    assert "không được trước ngày tiếp nhận" in page.locator("#action-error").inner_text()
    assert Recommendation.objects.get().state == RecState.RECEIVED
    page.goto(detail)
    page.select_option("#assign_lead_unit", label="Cục Viễn thông")
    page.click("#assign-panel button[type=submit]")
    page.wait_for_url(detail)
    assert page.locator("#rec-state").inner_text() == "Đã giao xử lý"
    assert page.locator("#rec-lead").inner_text() == "Cục Viễn thông"
    logout(page)

    # 3. The unit answers.
    login(page, base, "cucvienthong")
    page.goto(detail)
    page.fill("#answer_internal_answer", "Cục đã làm việc với Ban Cơ yếu Chính phủ; hệ thống sẽ hoàn thiện trong quý tới.")
    page.click("#answer-panel button[type=submit]")
    page.wait_for_url(detail)
    assert page.locator("#rec-state").inner_text() == "Đã trả lời"
    assert page.locator("#publish-panel").count() == 0  # the unit does not publish
    logout(page)

    # 4. The office publishes an edited public text.
    login(page, base, "vanphong")
    page.goto(detail)
    page.fill("#publish_public_answer", "Bộ đã chỉ đạo hoàn thiện hệ thống quản lý chữ ký số chuyên dùng trong quý tới.")
    page.click("#publish-panel button[type=submit]")
    page.wait_for_url(detail)
    assert page.locator("#rec-state").inner_text() == "Đã công khai"
    logout(page)

    # 5. Anyone finds it on the public page, without accents.
    page.goto(base + "/kien-nghi/cong-khai/")
    page.fill("#public-search input[name=q]", "chu ky so")
    page.click("#public-search button[type=submit]")
    page.wait_for_load_state()
    assert page.locator(".public-item").count() == 1
    page.click(".public-item h2 a")
    page.wait_for_load_state()
    assert "chữ ký số chuyên dùng trong quý tới" in page.locator("#rec-public-answer").inner_text()
    assert "Ban Cơ yếu" not in page.locator("#rec-public-answer").inner_text()  # the internal answer stays internal
    page.goto(base + "/kien-nghi/cong-khai/?q=cap+quang")
    assert page.locator(".public-item").count() == 0
    rec.refresh_from_db()
    assert rec.state == RecState.PUBLISHED and [a.lead_unit for a in rec.assignments.all()] == [w.telecom]


def test_directive_from_session_conclusion_to_done(live_server, page):
    w = World()
    base = live_server.url
    held = timezone.localdate() - dt.timedelta(days=40)

    # 1. The office creates a briefing session and turns its conclusions into directives.
    login(page, base, "vanphong")
    page.goto(base + "/kien-nghi/giao-ban/")
    page.click("#new-session")
    page.fill("#id_title", "Giao ban quản lý nhà nước quý III/2026")
    page.fill("#id_date", held.isoformat())
    page.fill("#id_chair", "Nguyễn Minh Khang")
    page.fill("#id_chair_title", "Thứ trưởng")
    page.fill("#id_connection_points", "35")
    page.click("#session-form button[type=submit]")
    page.wait_for_url(re.compile(r"/kien-nghi/giao-ban/\d+/$"))
    minutes = page.url
    page.fill("#id_conclusions", "Xác minh hộ được hỗ trợ đầu thu truyền hình số\nBáo cáo tiến độ phủ sóng 5G")
    page.select_option("#id_assignees", [str(w.dept_cb.pk)])
    page.click("#conclude-panel button[type=submit]")
    page.wait_for_url(minutes)
    assert page.locator("#session-directives tbody tr").count() == 2
    assert Directive.objects.count() == 2
    logout(page)

    # 2. The department reports progress, then completes it with evidence.
    login(page, base, "socaobang")
    page.goto(minutes)
    page.click("#session-directives a:has-text('NV-')  >> nth=0")
    page.wait_for_url(re.compile(r"/kien-nghi/nhiem-vu/\d+/$"))
    directive_url = page.url
    assert page.locator("#directive-state").inner_text() == "Đã giao"
    page.fill("#progress_percent", "150")
    page.fill("#progress_note", "Sai số liệu")
    page.click("#progress-panel button[type=submit]")
    assert "từ 0 đến 100" in page.locator("#action-error").inner_text()
    page.goto(directive_url)
    page.fill("#progress_percent", "50")
    page.fill("#progress_note", "Đã xác minh 5/10 xã")
    page.click("#progress-panel button[type=submit]")
    page.wait_for_url(directive_url)
    assert page.locator("#directive-state").inner_text() == "Đang thực hiện"
    page.fill("#progress_percent", "100")
    page.fill("#progress_note", "Hoàn thành xác minh")
    page.set_input_files("#progress_files", files=[{"name": "bien-ban.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4"}])
    page.click("#progress-panel button[type=submit]")
    page.wait_for_url(directive_url)
    assert page.locator("#directive-state").inner_text() == "Hoàn thành"
    assert page.locator("#updates a:has-text('bien-ban.pdf')").count() == 1
    assert page.locator("#progress-panel").count() == 0
    logout(page)

    # 3. The minutes list the conclusion as done.
    login(page, base, "vanphong")
    page.goto(minutes)
    assert "Hoàn thành" in page.locator("#session-directives").inner_text()
    assert "Xác minh hộ được hỗ trợ" in page.locator("#conclusions").inner_text()
    done = Directive.objects.get(state=DirState.DONE)
    assert done.title.startswith("Xác minh hộ") and done.updates.count() == 2
    page.goto(base + f"/kien-nghi/thong-ke/?from={held.isoformat()}&to={timezone.localdate().isoformat()}")
    assert page.locator('[data-stat="directives_done"] strong').inner_text() == "1"


def test_office_pages_directive_form_cancel_decline_and_lists(live_server, page):
    w = World()
    base = live_server.url
    from baocao.recommendations import services as s

    first = s.create_recommendation(w.reporter_cb, s.NewRecommendation(title="Chữ ký số cho xã", text="Cấp chữ ký số cho cán bộ xã."))
    again = s.create_recommendation(w.reporter_cb, s.NewRecommendation(title="Chữ ký số (gửi lại)", text="Nhắc lại đề nghị cấp chữ ký số."))
    login(page, base, "vanphong")

    # The list searches without accents and filters by state.
    page.goto(base + "/kien-nghi/?q=chu+ky+so")
    assert page.locator("#recommendations tbody tr[data-id]").count() == 2
    page.goto(base + "/kien-nghi/?trang_thai=published")
    assert page.locator("#recommendations tbody tr[data-id]").count() == 0

    # Decline the second as a duplicate of the first, through the form.
    page.goto(base + f"/kien-nghi/{again.pk}/")
    page.select_option("#decline_reason", "duplicate")
    page.click("#decline-panel button[type=submit]")
    assert "số kiến nghị bị trùng" in page.locator("#action-error").inner_text()
    page.goto(base + f"/kien-nghi/{again.pk}/")
    page.select_option("#decline_reason", "duplicate")
    page.fill("#decline_duplicate_of", first.reference)
    page.click("#decline-panel button[type=submit]")
    page.wait_for_url(base + f"/kien-nghi/{again.pk}/")
    assert page.locator("#rec-state").inner_text() == "Không xử lý"
    assert page.locator(f"a:has-text('{first.reference}')").count() >= 1

    # Give a directive from the form: missing assignees is refused, then accepted.
    page.goto(base + "/kien-nghi/nhiem-vu/")
    page.click("#new-directive")
    page.fill("#id_title", "Báo cáo tình hình cột ăng-ten")
    page.fill("#id_leader_name", "Phạm Văn E")
    page.click("#directive-form button[type=submit]")
    assert "ít nhất một đơn vị" in page.locator("[role=alert]").first.inner_text()
    page.fill("#id_title", "Báo cáo tình hình cột ăng-ten")
    page.fill("#id_leader_name", "Phạm Văn E")
    page.select_option("#id_assignees", [str(w.enterprise.pk)])
    page.click("#directive-form button[type=submit]")
    page.wait_for_url(re.compile(r"/kien-nghi/nhiem-vu/\d+/$"))
    assert page.locator("#directive-state").inner_text() == "Đã giao"

    # Cancel it with a reason.
    page.fill("#cancel_reason", "Đã lồng ghép vào nhiệm vụ khác")
    page.click("#cancel-panel button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#directive-state").inner_text() == "Đã hủy"
    page.goto(base + "/kien-nghi/nhiem-vu/?trang_thai=cancelled")
    assert page.locator("#directives tbody tr[data-id]").count() == 1

    # Statistics page and its JSON.
    page.goto(base + "/kien-nghi/thong-ke/")
    assert page.locator('[data-stat="received"] strong').inner_text() == "2"
    page.click("text=Dữ liệu JSON")
    assert '"received": 2' in page.locator("body").inner_text()
