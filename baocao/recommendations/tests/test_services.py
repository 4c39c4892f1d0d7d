"""State machines of recommendations and directives, their errors, history and notifications."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from baocao.recommendations import services as s
from baocao.recommendations.models import (
    Assignment,
    Directive,
    DirState,
    DueDateRule,
    DueRuleKind,
    ProgressUpdate,
    Recommendation,
    RecommendationEvent,
    RecState,
    SenderType,
)

from .factories import World, d

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return World()


def new(w, user=None, **kw):
    data = s.NewRecommendation(
        title=kw.pop("title", "Hoàn thiện hệ thống quản lý chứng thư số"),
        text=kw.pop("text", "Đề nghị Bộ phối hợp hoàn thiện hệ thống quản lý chứng thư số chuyên dùng."),
        **kw,
    )
    return s.create_recommendation(user or w.reporter_cb, data)


def snapshot():
    return (
        Recommendation.objects.count(),
        list(Recommendation.objects.order_by("id").values_list("state", "lead_unit_id", "due_on", "internal_answer", "public_answer")),
        Assignment.objects.count(),
        RecommendationEvent.objects.count(),
        Directive.objects.count(),
        ProgressUpdate.objects.count(),
    )


def test_department_sends_in_its_own_name(w):
    rec = new(w, sender_org=w.dept_lc, sender_type=SenderType.CITIZEN)
    assert rec.sender_org == w.dept_cb
    assert rec.area == w.cao_bang
    assert rec.sender_type == SenderType.DEPARTMENT
    assert rec.state == RecState.RECEIVED
    assert rec.search_folded.startswith("hoan thien he thong quan ly chung thu so")
    assert list(rec.events.values_list("action", flat=True)) == ["created"]


def test_full_loop_with_reassignment_history_and_mail(w, django_capture_on_commit_callbacks):
    w.unit_user.email = "cvt@example.org"
    w.unit_user.save()
    w.reporter_cb.email = "socb@example.org"
    w.reporter_cb.save()
    rec = new(w, received_on=timezone.localdate() - dt.timedelta(days=3))
    with django_capture_on_commit_callbacks(execute=True):
        s.assign(w.officer, rec, w.infosec.pk, co_units=[w.telecom.pk])
    first_due = Recommendation.objects.get(pk=rec.pk).due_on
    assert first_due == s.add_working_days(rec.received_on, 15)
    with django_capture_on_commit_callbacks(execute=True):
        s.assign(w.officer, rec, w.telecom.uid, co_units=[w.infosec.pk, w.telecom.pk], note="Đúng lĩnh vực viễn thông")
    rec.refresh_from_db()
    assert rec.state == RecState.ASSIGNED
    assert rec.lead_unit == w.telecom
    assert list(rec.co_units.all()) == [w.infosec]
    assert rec.due_on == first_due  # reassignment keeps the due date
    history = list(rec.assignments.order_by("id"))
    assert [a.lead_unit for a in history] == [w.infosec, w.telecom]
    assert history[0].ended_at is not None and history[1].ended_at is None
    # Each assignment tells the members of the lead and co-operating units.
    assert [m.to for m in mail.outbox] == [["cucattt@example.org", "cvt@example.org"]] * 2
    assert "Giao xử lý kiến nghị" in mail.outbox[-1].subject

    with django_capture_on_commit_callbacks(execute=True):
        s.answer(w.unit_user, rec, "Bộ đã chỉ đạo Cục Viễn thông phối hợp với Ban Cơ yếu Chính phủ.")
    rec.refresh_from_db()
    assert rec.state == RecState.ANSWERED and rec.answered_on == timezone.localdate() and rec.resolved_on == timezone.localdate()
    assert mail.outbox[-1].to == ["lanhdaocaobang@example.org", "socb@example.org"]

    with django_capture_on_commit_callbacks(execute=True):
        s.publish(w.officer, rec, "Bộ đã chỉ đạo hoàn thiện hệ thống; dự kiến vận hành trong quý tới.")
    rec.refresh_from_db()
    assert rec.state == RecState.PUBLISHED
    assert rec.internal_answer.startswith("Bộ đã chỉ đạo Cục")
    assert rec.public_answer.startswith("Bộ đã chỉ đạo hoàn thiện")
    assert "du kien van hanh" in rec.search_folded
    assert "công khai" in mail.outbox[-1].subject
    assert list(rec.events.values_list("action", flat=True)) == ["created", "assigned", "reassigned", "answered", "published"]


@pytest.mark.parametrize(
    "title,text,field",
    [
        ("", "Nội dung", "title"),
        ("Tiêu đề", "   ", "text"),
        ("Tiêu đề", "x" * (s.MAX_TEXT + 1), "text"),
        ("T" * 251, "Nội dung", "title"),
    ],
)
def test_empty_or_oversized_text_is_refused(w, title, text, field):
    before = snapshot()
    with pytest.raises(s.ServiceError) as exc:
        new(w, title=title, text=text)
    assert exc.value.field == field
    assert "trống" in exc.value.message or "quá dài" in exc.value.message
    assert snapshot() == before


def test_bad_assignments_change_nothing(w):
    rec = new(w)
    before = snapshot()
    with pytest.raises(s.ServiceError, match="không tồn tại") as exc:
        s.assign(w.officer, rec, 999999)
    assert exc.value.field == "lead_unit"
    with pytest.raises(s.ServiceError, match="không tồn tại"):
        s.assign(w.officer, rec, w.dept_lc.pk)  # a department cannot lead an answer
    with pytest.raises(s.ServiceError, match="không tồn tại"):
        s.assign(w.officer, rec, w.telecom.pk, co_units=["khong-co"])
    with pytest.raises(s.ServiceError, match="không được trước ngày tiếp nhận") as exc:
        s.assign(w.officer, rec, w.telecom.pk, due_on=rec.received_on - dt.timedelta(days=1))
    assert exc.value.field == "due_on"
    with pytest.raises(s.NotAllowed):
        s.assign(w.unit_user, rec, w.telecom.pk)
    with pytest.raises(s.NotAllowed):
        s.assign(w.reporter_cb, rec, w.telecom.pk)
    assert snapshot() == before


def test_published_item_cannot_be_reassigned_or_declined(w):
    rec = new(w)
    s.assign(w.officer, rec, w.telecom.pk)
    s.answer(w.unit_user, rec, "Trả lời")
    s.publish(w.officer, rec)
    rec.refresh_from_db()
    assert rec.public_answer == "Trả lời"  # defaults to the internal answer
    before = snapshot()
    with pytest.raises(s.ServiceError, match="Không thể giao lại"):
        s.assign(w.officer, rec, w.infosec.pk)
    with pytest.raises(s.ServiceError, match="Không thể từ chối"):
        s.decline(w.officer, rec, "out_of_competence", "Không thuộc thẩm quyền")
    with pytest.raises(s.ServiceError, match="Chỉ công khai"):
        s.publish(w.officer, rec)
    with pytest.raises(s.ServiceError, match="Không thể trả lời"):
        s.answer(w.officer, rec, "Sửa")
    assert snapshot() == before


def test_who_may_answer(w):
    rec = new(w)
    before = snapshot()
    with pytest.raises(s.ServiceError, match="cần giao"):
        s.answer(w.officer, rec, "Quá sớm")
    s.assign(w.officer, rec, w.telecom.pk, co_units=[w.infosec.pk])
    before = snapshot()
    with pytest.raises(s.NotAllowed, match="Chỉ đơn vị chủ trì"):
        s.answer(w.reporter_cb, rec, "Sở tự trả lời")
    with pytest.raises(s.NotAllowed, match="Chỉ đơn vị chủ trì"):
        s.answer(w.infosec_user, rec, "Đơn vị phối hợp trả lời")
    with pytest.raises(s.NotAllowed, match="không có quyền xem"):
        s.answer(w.reporter_lc, rec, "Sở tỉnh khác trả lời")
    with pytest.raises(s.ServiceError, match="không được để trống"):
        s.answer(w.unit_user, rec, "  ")
    assert snapshot() == before
    s.answer(w.unit_user, rec, "Lần 1")
    s.answer(w.unit_user, rec, "Lần 2 (sửa trước khi công khai)")
    rec.refresh_from_db()
    assert rec.internal_answer.startswith("Lần 2") and rec.state == RecState.ANSWERED


def test_decline_as_duplicate_links_the_original(w):
    original = new(w)
    copy = new(w, user=w.officer, sender_type=SenderType.CITIZEN, sender_name="Nguyễn Văn A", title="Chứng thư số (gửi lại)")
    before = snapshot()
    with pytest.raises(s.ServiceError, match="số kiến nghị bị trùng") as exc:
        s.decline(w.officer, copy, "duplicate")
    assert exc.value.field == "duplicate_of"
    with pytest.raises(s.ServiceError, match="chính nó"):
        s.decline(w.officer, copy, "duplicate", duplicate_of=copy.pk)
    with pytest.raises(s.ServiceError, match="Không tìm thấy"):
        s.decline(w.officer, copy, "duplicate", duplicate_of=987654)
    with pytest.raises(s.ServiceError, match="lý do"):
        s.decline(w.officer, copy, "")
    with pytest.raises(s.ServiceError, match="Giải thích"):
        s.decline(w.officer, copy, "out_of_competence", "")
    assert snapshot() == before
    s.decline(w.officer, copy, "duplicate", duplicate_of=original.reference)
    copy.refresh_from_db()
    assert copy.state == RecState.DECLINED and copy.duplicate_of == original and copy.resolved_on == timezone.localdate()
    assert list(original.duplicates.all()) == [copy]


def test_citizen_sender_needs_a_name(w):
    before = snapshot()
    with pytest.raises(s.ServiceError, match="tên người/tổ chức gửi"):
        new(w, user=w.officer, sender_type=SenderType.CITIZEN, sender_name="")
    with pytest.raises(s.NotAllowed):
        new(w, user=w.unit_user, sender_type=SenderType.CITIZEN, sender_name="A")
    assert snapshot() == before


def test_attachments_type_and_size_limits(w):
    ok = SimpleUploadedFile("cong-van.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    data = s.NewRecommendation(title="Có tệp", text="Nội dung có tệp đính kèm")
    rec = s.create_recommendation(w.reporter_cb, data, files=[ok])
    assert rec.attachments.get().name == "cong-van.pdf"
    before = (snapshot(), rec.attachments.count())
    with pytest.raises(s.ServiceError, match="định dạng"):
        s.add_attachment(w.reporter_cb, rec, SimpleUploadedFile("virus.exe", b"MZ", content_type="application/octet-stream"))
    big = SimpleUploadedFile("lon.pdf", b"0" * (s.MAX_FILE_BYTES + 1), content_type="application/pdf")
    with pytest.raises(s.ServiceError, match="10 MB"):
        s.add_attachment(w.reporter_cb, rec, big)
    with pytest.raises(s.NotAllowed):
        s.add_attachment(w.reporter_lc, rec, SimpleUploadedFile("a.pdf", b"x"))
    assert (snapshot(), rec.attachments.count()) == before


def test_due_date_rule_table_per_domain(w):
    assert s.working_days_for(DueRuleKind.RECOMMENDATION, None) == 15
    DueDateRule.objects.create(kind=DueRuleKind.RECOMMENDATION, domain=w.infosec_domain, working_days=5)
    assert s.working_days_for(DueRuleKind.RECOMMENDATION, w.infosec_domain) == 5
    assert s.working_days_for(DueRuleKind.RECOMMENDATION, w.telecom_domain) == 15
    rec = new(w, domain=w.infosec_domain, received_on=d("2026-06-01"))
    s.assign(w.officer, rec, w.infosec.pk)
    rec.refresh_from_db()
    assert rec.due_on == s.add_working_days(d("2026-06-01"), 5)


def test_recommendation_from_extraction_keeps_provenance(w):
    rec = s.recommendation_from_extraction(
        w.officer,
        {"text": "Đề nghị sửa quy định chiều cao cột ăng-ten.", "sender_org": "T-DN", "domain": "telecom",
         "document": "Báo cáo quý III", "sha256": "ab" * 32, "span": [120, 168]},
    )
    assert rec.sender_org == w.enterprise and rec.sender_type == SenderType.ENTERPRISE
    assert rec.source == {"sha256": "ab" * 32, "span": [120, 168], "document": "Báo cáo quý III"}
    assert rec.domain == w.telecom_domain
    with pytest.raises(s.ServiceError, match="Không tìm thấy cơ quan gửi"):
        s.recommendation_from_extraction(w.officer, {"text": "x", "sender_org": "khong-co"})


# --- directives --------------------------------------------------------------------------------------


def test_directive_state_machine(w):
    session = s.create_session(w.officer, "Giao ban quý II", d("2026-06-20"), "Nguyễn Văn B", "Thứ trưởng")
    directives = s.conclude_session(
        w.officer,
        session,
        "- Rà soát hộ được hỗ trợ đầu thu truyền hình số\n\n- Báo cáo tiến độ phủ sóng 5G",
        [w.dept_cb.pk, w.telecom.pk],
    )
    assert [x.title for x in directives] == ["Rà soát hộ được hỗ trợ đầu thu truyền hình số", "Báo cáo tiến độ phủ sóng 5G"]
    dv = directives[0]
    assert dv.leader_name == "Nguyễn Văn B" and dv.leader_title == "Thứ trưởng" and dv.session == session
    assert dv.due_on == s.add_working_days(d("2026-06-20"), 30)
    assert set(dv.assignees.all()) == {w.dept_cb, w.telecom}
    assert session.conclusions.startswith("- Rà soát")

    before = snapshot()
    with pytest.raises(s.NotAllowed):
        s.report_progress(w.reporter_lc, dv, 10, "Không phải việc của Lào Cai")
    with pytest.raises(s.ServiceError, match="từ 0 đến 100"):
        s.report_progress(w.reporter_cb, dv, 120, "Quá 100")
    with pytest.raises(s.ServiceError, match="không được để trống"):
        s.report_progress(w.reporter_cb, dv, 10, "")
    assert snapshot() == before

    s.report_progress(w.reporter_cb, dv, 40, "Đã rà soát 4/10 xã")
    dv.refresh_from_db()
    assert dv.state == DirState.IN_PROGRESS and dv.percent == 40
    with pytest.raises(s.ServiceError, match="không được thấp hơn"):
        s.report_progress(w.reporter_cb, dv, 30, "Lùi tiến độ")
    ev = SimpleUploadedFile("bien-ban.pdf", b"%PDF", content_type="application/pdf")
    upd = s.report_progress(w.unit_user, dv, 100, "Hoàn thành rà soát", files=[ev])
    dv.refresh_from_db()
    assert dv.state == DirState.DONE and dv.done_on == timezone.localdate()
    assert upd.evidence.get().name == "bien-ban.pdf"
    assert [(u.from_state, u.to_state) for u in dv.updates.all()] == [("assigned", "in_progress"), ("in_progress", "done")]
    with pytest.raises(s.ServiceError, match="Hoàn thành"):
        s.report_progress(w.reporter_cb, dv, 100, "Lại")
    with pytest.raises(s.ServiceError, match="Không thể hủy"):
        s.cancel_directive(w.officer, dv, "Muộn")

    other = directives[1]
    with pytest.raises(s.NotAllowed):
        s.cancel_directive(w.reporter_cb, other, "Sở không hủy được")
    with pytest.raises(s.ServiceError, match="Lý do hủy"):
        s.cancel_directive(w.officer, other, "")
    s.cancel_directive(w.officer, other, "Đã lồng ghép vào nhiệm vụ khác")
    other.refresh_from_db()
    assert other.state == DirState.CANCELLED and not other.is_overdue(d("2099-01-01"))


def test_directive_bad_input(w):
    before = snapshot()
    with pytest.raises(s.ServiceError, match="đơn vị thực hiện") as exc:
        s.create_directive(w.officer, "Nhiệm vụ", "Lãnh đạo", [])
    assert exc.value.field == "assignees"
    with pytest.raises(s.ServiceError, match="không tồn tại"):
        s.create_directive(w.officer, "Nhiệm vụ", "Lãnh đạo", [w.dept_cb.pk, 424242])
    with pytest.raises(s.ServiceError, match="không được trước ngày giao"):
        s.create_directive(w.officer, "Nhiệm vụ", "Lãnh đạo", [w.dept_cb.pk], given_on=d("2026-05-10"), due_on=d("2026-05-09"))
    with pytest.raises(s.ServiceError, match="không được để trống"):
        s.create_directive(w.officer, "", "Lãnh đạo", [w.dept_cb.pk])
    with pytest.raises(s.NotAllowed):
        s.create_directive(w.reporter_cb, "Nhiệm vụ", "Lãnh đạo", [w.dept_cb.pk])
    session = s.create_session(w.officer, "Giao ban", d("2026-06-20"), "Chủ trì")
    before = snapshot()
    with pytest.raises(s.ServiceError, match="không tồn tại"):
        s.conclude_session(w.officer, session, "Một\nHai", [w.dept_cb.pk, "xx"])
    with pytest.raises(s.ServiceError, match="trước ngày họp"):
        s.conclude_session(w.officer, session, "Một\nHai", [w.dept_cb.pk], due_on=d("2026-06-01"))
    assert snapshot() == before
    session.refresh_from_db()
    assert session.conclusions == ""


def test_overdue_is_computed(w):
    dv = s.create_directive(w.officer, "Nhiệm vụ", "Lãnh đạo", [w.dept_cb.pk], given_on=d("2026-01-05"), due_on=d("2026-02-05"))
    assert not dv.is_overdue(d("2026-02-05"))
    assert dv.is_overdue(d("2026-02-06"))
    rec = new(w, received_on=d("2026-01-05"))
    s.assign(w.officer, rec, w.telecom.pk, due_on=d("2026-01-20"))
    rec.refresh_from_db()
    assert rec.is_overdue(d("2026-01-21")) and not rec.is_overdue(d("2026-01-20"))


def test_sender_type_follows_the_organisation(w):
    rec = new(w, user=w.officer, sender_org=w.enterprise, sender_type=SenderType.DEPARTMENT)
    assert rec.sender_type == SenderType.ENTERPRISE
    before = snapshot()
    with pytest.raises(s.ServiceError, match="cần chọn Sở gửi") as exc:
        new(w, user=w.officer, sender_type=SenderType.DEPARTMENT, sender_name="Ai đó")
    assert exc.value.field == "sender_org"
    assert snapshot() == before


def test_directive_from_extraction(w):
    dv = s.directive_from_extraction(
        w.officer,
        {"title": "Xác minh hộ được hỗ trợ đầu thu truyền hình số", "leader_name": "Thứ trưởng X", "assignees": ["T-SCB"],
         "given_on": d("2026-03-02"), "document": "Báo cáo tháng 3", "sha256": "cd" * 32, "span": [10, 60]},
    )
    assert list(dv.assignees.all()) == [w.dept_cb] and dv.source["span"] == [10, 60]
    assert dv.due_on == s.add_working_days(d("2026-03-02"), 30)
    before = snapshot()
    with pytest.raises(s.ServiceError, match="Không tìm thấy đơn vị thực hiện: KHONG-CO"):
        s.directive_from_extraction(w.officer, {"title": "X", "leader_name": "Y", "assignees": ["T-SCB", "KHONG-CO"]})
    assert snapshot() == before
