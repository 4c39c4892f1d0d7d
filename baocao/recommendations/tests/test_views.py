"""Pages and endpoints: the permission matrix, bad input through the forms, the public page's search and escaping."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from baocao.recommendations import services as s
from baocao.recommendations.models import (
    Assignment,
    Directive,
    DirState,
    ProgressUpdate,
    Recommendation,
    RecommendationEvent,
    RecState,
    SenderType,
)

from .factories import PASSWORD, World, d

pytestmark = pytest.mark.django_db


class Scene:
    def __init__(self) -> None:
        w = self.w = World()
        self.nobody = get_user_model().objects.create_user("khongvaitro", "x@example.org", PASSWORD)
        self.session = s.create_session(w.officer, "Giao ban quản lý nhà nước quý I/2026", d("2026-03-20"), "Trần Văn C", "Thứ trưởng")
        self.rec_cb = s.create_recommendation(
            w.reporter_cb,
            s.NewRecommendation(
                title="Hệ thống quản lý chứng thư số", text="Đề nghị hoàn thiện hệ thống quản lý chứng thư số chuyên dùng.",
                session=self.session, received_on=d("2026-03-02"),
            ),
            files=[SimpleUploadedFile("to-trinh.pdf", b"%PDF-1.4", content_type="application/pdf")],
        )
        s.assign(w.officer, self.rec_cb, w.telecom.pk)
        self.rec_lc = s.create_recommendation(
            w.reporter_lc,
            s.NewRecommendation(title="Phủ sóng thôn bản", text="Đề nghị hỗ trợ phủ sóng di động vùng biên.", received_on=d("2026-03-03")),
        )
        s.assign(w.officer, self.rec_lc, w.telecom.pk)
        s.answer(w.unit_user, self.rec_lc, "Cục Viễn thông đã làm việc với doanh nghiệp.")
        s.publish(w.officer, self.rec_lc)
        self.directive = s.create_directive(
            w.officer, "Rà soát hộ nghèo được hỗ trợ đầu thu", "Trần Văn C", [w.dept_cb.pk], session=self.session, leader_title="Thứ trưởng"
        )
        upd = s.report_progress(
            w.reporter_cb, self.directive, 20, "Đã rà soát 2 xã",
            files=[SimpleUploadedFile("danh-sach.xlsx", b"PK..", content_type="application/vnd.ms-excel")],
        )
        self.evidence = upd.evidence.get()
        self.attachment = self.rec_cb.attachments.get()

    def users(self) -> dict[str, object | None]:
        w = self.w
        return {
            "anonymous": None,
            "no_role": self.nobody,
            "officer": w.officer,
            "admin": w.admin,
            "lead_unit": w.unit_user,
            "other_unit": w.infosec_user,
            "dept_own": w.reporter_cb,
            "approver_own": w.approver_cb,
            "dept_other": w.reporter_lc,
        }


@pytest.fixture
def scene():
    return Scene()


def client_for(user) -> Client:
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


R, F, N, U = 302, 403, 404, 401  # redirect to login, forbidden, not found, JSON unauthorised
MINISTRY = {"officer", "admin", "lead_unit", "other_unit"}

# page → expected status per user (200 unless listed).
MATRIX: dict[str, dict[str, int]] = {
    "list": {"anonymous": R, "no_role": F},
    "create": {"anonymous": R, "no_role": F, "lead_unit": F, "other_unit": F},
    "detail_own": {"anonymous": R, "no_role": F, "dept_other": F},
    "detail_published": {"anonymous": R, "no_role": F},
    "attachment": {"anonymous": R, "no_role": F, "dept_other": F},
    "public": {},
    "public_detail": {},
    "public_detail_unpublished": {k: N for k in ("anonymous", "no_role", "officer", "admin", "lead_unit", "other_unit", "dept_own", "approver_own", "dept_other")},
    "sessions": {"anonymous": R, "no_role": F},
    "session": {"anonymous": R, "no_role": F},
    "session_create": {"anonymous": R, "no_role": F, "lead_unit": F, "other_unit": F, "dept_own": F, "approver_own": F, "dept_other": F},
    "directives": {"anonymous": R, "no_role": F},
    "directive": {"anonymous": R, "no_role": F, "dept_other": F},
    "evidence": {"anonymous": R, "no_role": F, "dept_other": F},
    "directive_create": {"anonymous": R, "no_role": F, "lead_unit": F, "other_unit": F, "dept_own": F, "approver_own": F, "dept_other": F},
    "stats": {"anonymous": R, "no_role": F},
    "stats_json": {"anonymous": U, "no_role": F},
}


def urls(sc: Scene) -> dict[str, str]:
    return {
        "list": reverse("recommendations:list"),
        "create": reverse("recommendations:create"),
        "detail_own": reverse("recommendations:detail", args=[sc.rec_cb.pk]),
        "detail_published": reverse("recommendations:detail", args=[sc.rec_lc.pk]),
        "attachment": reverse("recommendations:attachment", args=[sc.attachment.pk]),
        "public": reverse("recommendations:public"),
        "public_detail": reverse("recommendations:public_detail", args=[sc.rec_lc.pk]),
        "public_detail_unpublished": reverse("recommendations:public_detail", args=[sc.rec_cb.pk]),
        "sessions": reverse("recommendations:sessions"),
        "session": reverse("recommendations:session", args=[sc.session.pk]),
        "session_create": reverse("recommendations:session_create"),
        "directives": reverse("recommendations:directives"),
        "directive": reverse("recommendations:directive", args=[sc.directive.pk]),
        "evidence": reverse("recommendations:evidence", args=[sc.evidence.pk]),
        "directive_create": reverse("recommendations:directive_create"),
        "stats": reverse("recommendations:stats"),
        "stats_json": reverse("recommendations:stats_json"),
    }


def test_permission_matrix_get(scene):
    u = urls(scene)
    failures = []
    for who, user in scene.users().items():
        c = client_for(user)
        for page, url in u.items():
            expected = MATRIX[page].get(who, 200)
            got = c.get(url).status_code
            if got != expected:
                failures.append(f"{who} GET {page}: {got} != {expected}")
    assert failures == []


def test_forbidden_pages_explain_in_vietnamese(scene):
    r = client_for(scene.w.reporter_lc).get(reverse("recommendations:detail", args=[scene.rec_cb.pk]))
    assert r.status_code == 403
    html = r.content.decode()
    assert "không có quyền xem kiến nghị này" in html
    assert scene.rec_cb.text not in html
    r = client_for(None).get(reverse("recommendations:list"))
    assert r.url.startswith(reverse("login"))


def test_lists_are_scoped(scene):
    html = client_for(scene.w.reporter_lc).get(reverse("recommendations:list")).content.decode()
    assert scene.rec_lc.title in html and scene.rec_cb.title not in html
    html = client_for(scene.w.reporter_cb).get(reverse("recommendations:list")).content.decode()
    assert scene.rec_lc.title in html and scene.rec_cb.title in html  # own + published
    html = client_for(scene.w.reporter_lc).get(reverse("recommendations:directives")).content.decode()
    assert scene.directive.title not in html
    html = client_for(scene.w.reporter_cb).get(reverse("recommendations:directives")).content.decode()
    assert scene.directive.title in html
    # The minutes show a department only what it may see.
    html = client_for(scene.w.reporter_lc).get(reverse("recommendations:session", args=[scene.session.pk])).content.decode()
    assert scene.rec_cb.title not in html and scene.directive.title not in html
    html = client_for(scene.w.officer).get(reverse("recommendations:session", args=[scene.session.pk])).content.decode()
    assert scene.rec_cb.title in html and scene.directive.title in html


def state_of(sc: Scene):
    return (
        list(Recommendation.objects.order_by("id").values_list("state", "lead_unit_id", "due_on", "internal_answer", "public_answer")),
        Assignment.objects.count(),
        RecommendationEvent.objects.count(),
        list(Directive.objects.order_by("id").values_list("state", "percent")),
        ProgressUpdate.objects.count(),
    )


# action → (url name, target, POST data, who may do it (→ 302)); everyone else gets 403 or (login) 302 to login.
def actions(sc: Scene) -> dict[str, tuple[str, int, dict, set[str]]]:
    w = sc.w
    return {
        "assign": ("recommendations:assign", sc.rec_cb.pk, {"lead_unit": str(w.infosec.pk)}, {"officer", "admin"}),
        "answer": ("recommendations:answer", sc.rec_cb.pk, {"internal_answer": "Trả lời"}, {"officer", "admin", "lead_unit"}),
        "decline": ("recommendations:decline", sc.rec_cb.pk, {"reason": "out_of_competence", "note": "Không thuộc thẩm quyền"}, {"officer", "admin"}),
        "publish_published": ("recommendations:publish", sc.rec_lc.pk, {"public_answer": "x"}, set()),
        "progress": ("recommendations:directive_progress", sc.directive.pk, {"percent": "50", "note": "Tiếp tục"}, {"officer", "admin", "dept_own", "approver_own"}),
        "cancel": ("recommendations:directive_cancel", sc.directive.pk, {"reason": "Không còn cần thiết"}, {"officer", "admin"}),
        "conclude": ("recommendations:session_conclude", sc.session.pk, {"conclusions": "Nhiệm vụ mới", "assignees": [str(w.dept_lc.pk)]}, {"officer", "admin"}),
    }


ROLES = ("anonymous", "no_role", "officer", "admin", "lead_unit", "other_unit", "dept_own", "approver_own", "dept_other")
ACTIONS = ("assign", "answer", "decline", "publish_published", "progress", "cancel", "conclude")


@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize("action", ACTIONS)
def test_permission_matrix_post(action, who):
    """Each role posts each action: only the allowed roles change anything; the others get 403 (or login)."""
    sc = Scene()
    name, pk, data, allowed = actions(sc)[action]
    before = state_of(sc)
    r = client_for(sc.users()[who]).post(reverse(name, args=[pk]), data)
    if who in allowed:
        assert r.status_code == 302 and "/dang-nhap/" not in r.url
        assert state_of(sc) != before
        return
    if who == "anonymous":
        assert r.status_code == 302 and "/dang-nhap/" in r.url
    elif action == "publish_published" and who in {"officer", "admin"}:
        assert r.status_code == 400  # allowed role, wrong state: a bad-input error
    else:
        assert r.status_code == 403
        assert "quyền" in r.content.decode() or "Chỉ" in r.content.decode()
    assert state_of(sc) == before


def test_bad_input_through_forms_changes_nothing(scene):
    w = scene.w
    c = client_for(w.officer)
    before = state_of(scene)
    r = c.post(reverse("recommendations:assign", args=[scene.rec_cb.pk]), {"lead_unit": "999999"})
    assert r.status_code == 400 and "không tồn tại" in r.content.decode()
    r = c.post(reverse("recommendations:assign", args=[scene.rec_cb.pk]), {"lead_unit": str(w.telecom.pk), "due_on": "2026-03-01"})
    assert r.status_code == 400 and "không được trước ngày tiếp nhận" in r.content.decode()
    r = c.post(reverse("recommendations:assign", args=[scene.rec_lc.pk]), {"lead_unit": str(w.infosec.pk)})
    assert r.status_code == 400 and "Không thể giao lại" in r.content.decode()
    r = client_for(w.unit_user).post(reverse("recommendations:answer", args=[scene.rec_cb.pk]), {"internal_answer": "   "})
    assert r.status_code == 400 and "không được để trống" in r.content.decode()
    r = c.post(reverse("recommendations:decline", args=[scene.rec_cb.pk]), {"reason": "duplicate"})
    assert r.status_code == 400 and "số kiến nghị bị trùng" in r.content.decode()
    r = client_for(w.reporter_cb).post(reverse("recommendations:directive_progress", args=[scene.directive.pk]), {"percent": "abc", "note": "x"})
    assert r.status_code == 400
    r = client_for(w.reporter_cb).post(reverse("recommendations:directive_progress", args=[scene.directive.pk]), {"percent": "10", "note": "Lùi"})
    assert r.status_code == 400 and "không được thấp hơn" in r.content.decode()
    r = c.post(reverse("recommendations:session_conclude", args=[scene.session.pk]), {"conclusions": "A", "assignees": ["777777"]})
    assert r.status_code == 400 and "không tồn tại" in r.content.decode()
    assert state_of(scene) == before
    n = Recommendation.objects.count()
    r = client_for(w.reporter_cb).post(reverse("recommendations:create"), {"title": "", "text": "x", "addressee": "ministry"})
    assert r.status_code == 400 and "Tiêu đề không được để trống" in r.content.decode()
    r = client_for(w.reporter_cb).post(
        reverse("recommendations:create"), {"title": "Tiêu đề", "text": "y" * (s.MAX_TEXT + 5), "addressee": "ministry"}
    )
    assert r.status_code == 400 and "quá dài" in r.content.decode()
    r = client_for(w.reporter_cb).post(
        reverse("recommendations:create"),
        {"title": "Tiêu đề", "text": "Nội dung", "addressee": "ministry", "files": SimpleUploadedFile("a.exe", b"MZ")},
    )
    assert r.status_code == 400 and "định dạng" in r.content.decode()
    assert Recommendation.objects.count() == n


def test_office_records_a_citizen_recommendation(scene):
    c = client_for(scene.w.officer)
    r = c.post(
        reverse("recommendations:create"),
        {"title": "Sóng yếu", "text": "Khu dân cư mới chưa có sóng 4G.", "addressee": "ministry", "sender_type": "citizen",
         "sender_name": "Lê Thị D", "sender_email": "d@example.org", "received_on": "2026-03-05"},
    )
    assert r.status_code == 302
    rec = Recommendation.objects.get(title="Sóng yếu")
    assert rec.sender_type == SenderType.CITIZEN and rec.sender_name == "Lê Thị D" and rec.received_on == d("2026-03-05")


def publish(sc: Scene, title: str, text: str, answer: str, user=None, domain=None, session=None, area_user=None) -> Recommendation:
    w = sc.w
    rec = s.create_recommendation(
        area_user or w.reporter_cb, s.NewRecommendation(title=title, text=text, domain=domain, session=session)
    )
    s.assign(w.officer, rec, w.telecom.pk)
    s.answer(w.unit_user, rec, answer)
    return s.publish(w.officer, rec)


def test_public_search_is_accent_insensitive_and_filters(scene):
    w = scene.w
    a = publish(scene, "Chữ ký số cho cán bộ cấp xã", "Đề nghị cấp chứng thư số cho cán bộ xã.", "Đã cấp bổ sung.",
                domain=w.infosec_domain, session=scene.session)
    b = publish(scene, "Cáp quang đến thôn", "Đề nghị kéo cáp quang về các thôn vùng cao.", "Doanh nghiệp đã cam kết.",
                domain=w.telecom_domain, area_user=w.reporter_lc)
    c = Client()
    url = reverse("recommendations:public")

    def ids(params):
        html = c.get(url, params).content.decode()
        return {x.pk for x in (a, b, scene.rec_lc) if f'data-id="{x.pk}"' in html}

    assert ids({"q": "chu ky so"}) == {a.pk}
    assert ids({"q": "CHỮ KÝ SỐ"}) == {a.pk}
    assert ids({"q": "Chu Ky  So"}) == {a.pk}
    assert ids({"q": "cap quang thon"}) == {b.pk}
    assert ids({"q": "chu ky so cap quang"}) == set()
    assert ids({"q": "doanh nghiep"}) == {b.pk, scene.rec_lc.pk}  # public answer and text are searched
    assert ids({}) == {a.pk, b.pk, scene.rec_lc.pk}
    assert ids({"linh_vuc": w.telecom_domain.pk}) == {b.pk}
    assert ids({"tinh": w.cao_bang.pk}) == {a.pk}
    assert ids({"tinh": w.lao_cai.pk}) == {b.pk, scene.rec_lc.pk}
    assert ids({"giao_ban": scene.session.pk}) == {a.pk}
    assert ids({"tinh": "abc", "q": "chu ky so"}) == {a.pk}  # a malformed filter is ignored, not an error
    # Unpublished text never appears, whatever the query.
    assert scene.rec_cb.title not in c.get(url, {"q": "chung thu so"}).content.decode()


def test_stored_xss_is_escaped_on_the_public_page(scene):
    evil = '<script>alert("kn")</script><img src=x onerror=alert(1)>'
    rec = publish(scene, f"Tiêu đề {evil}", f"Nội dung {evil}", f"Trả lời {evil}")
    for url in (reverse("recommendations:public"), reverse("recommendations:public_detail", args=[rec.pk])):
        html = Client().get(url).content.decode()
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(&quot;kn&quot;)&lt;/script&gt;" in html
    html = client_for(scene.w.officer).get(reverse("recommendations:detail", args=[rec.pk])).content.decode()
    assert "<script>alert" not in html and "&lt;script&gt;" in html


def test_stats_json_period_and_errors(scene):
    c = client_for(scene.w.officer)
    r = c.get(reverse("recommendations:stats_json"), {"from": "2026-03-01", "to": "2026-03-31"})
    assert r.status_code == 200
    data = r.json()
    assert data["from"] == "2026-03-01" and data["recommendations"]["received"] == 2
    r = c.get(reverse("recommendations:stats_json"), {"from": "01/03/2026", "to": "31/03/2026"})
    assert r.json()["recommendations"]["received"] == 2
    r = c.get(reverse("recommendations:stats_json"), {"from": "2026-04-01", "to": "2026-03-01"})
    assert r.status_code == 400 and "không được trước" in r.json()["error"]
    r = c.get(reverse("recommendations:stats_json"), {"from": "hôm qua"})
    assert r.status_code == 400 and "không phải là ngày hợp lệ" in r.json()["error"]
    r = c.get(reverse("recommendations:stats"), {"from": "xx"})
    assert r.status_code == 400 and "không phải là ngày hợp lệ" in r.content.decode()
    r = c.get(reverse("recommendations:stats"), {"from": "2026-03-01", "to": "2026-03-31"})
    assert r.status_code == 200 and 'data-stat="received"><strong>2</strong>' in r.content.decode()


def test_directive_created_from_form(scene):
    w = scene.w
    c = client_for(w.officer)
    r = c.post(
        reverse("recommendations:directive_create"),
        {"title": "Báo cáo tình hình cột ăng-ten", "leader_name": "Phạm Văn E", "leader_title": "Thứ trưởng",
         "assignees": [str(w.enterprise.pk), str(w.dept_lc.pk)], "given_on": "2026-03-10", "due_on": "2026-04-10"},
    )
    assert r.status_code == 302
    dv = Directive.objects.get(title="Báo cáo tình hình cột ăng-ten")
    assert set(dv.assignees.all()) == {w.enterprise, w.dept_lc} and dv.state == DirState.ASSIGNED
    assert dv.due_on == dt.date(2026, 4, 10)
    n = Directive.objects.count()
    r = c.post(reverse("recommendations:directive_create"), {"title": "X", "leader_name": "Y", "assignees": []})
    assert r.status_code == 400 and "ít nhất một đơn vị" in r.content.decode()
    assert Directive.objects.count() == n
    assert Recommendation.objects.filter(state=RecState.PUBLISHED).count() == 1


def test_admin_pages_load_and_search_without_accents(scene):
    admin = get_user_model().objects.create_superuser("sieuquantri", "a@example.org", PASSWORD)
    c = client_for(admin)
    for model in ("recommendation", "directive", "briefingsession", "duedaterule", "evidence"):
        assert c.get(f"/admin/recommendations/{model}/").status_code == 200, model
    assert c.get(f"/admin/recommendations/recommendation/{scene.rec_cb.pk}/change/").status_code == 200
    assert c.get(f"/admin/recommendations/directive/{scene.directive.pk}/change/").status_code == 200
    html = c.get("/admin/recommendations/recommendation/", {"q": "chung thu so"}).content.decode()
    assert scene.rec_cb.title in html and scene.rec_lc.title not in html


def test_office_adds_a_received_recommendation_to_a_session(scene):
    w = scene.w
    other = s.create_session(w.officer, "Giao ban chuyên đề", d("2026-03-25"), "Chủ trì")
    url = reverse("recommendations:session_add", args=[other.pk])
    assert client_for(w.reporter_cb).post(url, {"reference": scene.rec_lc.reference}).status_code == 403
    r = client_for(w.officer).post(url, {"reference": scene.rec_cb.reference})
    assert r.status_code == 400 and "đã thuộc phiên giao ban" in r.content.decode()
    r = client_for(w.officer).post(url, {"reference": "KN-2026-99999"})
    assert r.status_code == 400 and "Không tìm thấy" in r.content.decode()
    assert client_for(w.officer).post(url, {"reference": scene.rec_lc.reference}).status_code == 302
    scene.rec_lc.refresh_from_db()
    assert scene.rec_lc.session == other
    assert scene.rec_lc.title in client_for(w.officer).get(reverse("recommendations:session", args=[other.pk])).content.decode()
