"""SQL and HTML injection in every text field: a payload mixing SQL (quotes, comments, ``DROP TABLE``,
``UNION SELECT``) and HTML (``<script>``, an ``onerror`` attribute) is typed into each text field of
each form by the user allowed to fill it. Each must be stored verbatim (the exact string is found in
the app's tables: no SQL was interpreted, nothing was "sanitised" away), never answer 500, and be
shown escaped on every page that displays it (the raw tags never appear; the escaped text does).
Search boxes and filters get the same payloads in every query parameter: no 500, echoed escaped.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.test import Client

from baocao.recommendations.models import BriefingSession, Directive, Recommendation, RecState
from baocao.reporting.models import State, Submission

from .attacks import AttackWorld

pytestmark = pytest.mark.django_db

MD5 = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Short enough for the shortest text field (160 characters).
PAYLOAD = "x'); DROP TABLE auth_user; -- \" OR '1'='1 <script>window.__pwned=1</script><img src=x onerror=\"window.__pwned=1\">"
RAW = ("<script>window.__pwned", "<img src=x onerror")
ESCAPED = "&lt;script&gt;window.__pwned=1&lt;/script&gt;"
SQL_ONLY = ["' UNION SELECT username, password FROM auth_user --", "' OR '1'='1", "1; DROP TABLE auth_user; --", "1 UNION SELECT NULL--", "%' AND 1=1 --", "\\'; SELECT pg_sleep(3); --"]


@pytest.fixture
def world(ref, settings, tmp_path):
    settings.PASSWORD_HASHERS = MD5
    settings.MEDIA_ROOT = tmp_path / "media"
    return AttackWorld()


def stored(app_label: str, payload: str = PAYLOAD) -> list[str]:
    """``model.field`` of every text column of the app holding exactly ``payload``."""
    hits = []
    for model in apps.get_app_config(app_label).get_models():
        for f in model._meta.get_fields():
            if isinstance(f, (models.CharField, models.TextField)) and not f.choices:
                if model._default_manager.filter(**{f.name: payload}).exists():
                    hits.append(f"{model.__name__}.{f.name}")
    return hits


class Checker:
    def __init__(self, w: AttackWorld) -> None:
        self.w = w
        self.clients: dict[str, Client] = {}
        self.problems: list[str] = []

    def client(self, who: str) -> Client:
        if who not in self.clients:
            c = Client()
            if who != "anonymous":
                c.force_login(getattr(self.w, who))
            self.clients[who] = c
        return self.clients[who]

    def post(self, who: str, url: str, data: dict[str, Any], ok: tuple[int, ...] = (302,)) -> Any:
        resp = self.client(who).post(url, data)
        if resp.status_code not in ok:
            self.problems.append(f"{who} POST {url} → {resp.status_code}: {_alert(resp)}")
        return resp

    def shown_escaped(self, who: str, url: str, times: int = 1) -> None:
        resp = self.client(who).get(url)
        html = resp.content.decode()
        if resp.status_code != 200:
            self.problems.append(f"{who} GET {url} → {resp.status_code}")
        for raw in RAW:
            if raw in html:
                self.problems.append(f"{who} GET {url}: raw {raw!r} in the page")
        if html.count(ESCAPED) < times:
            self.problems.append(f"{who} GET {url}: escaped payload shown {html.count(ESCAPED)}×, expected ≥ {times}")

    def stored_in(self, app_label: str, *expected: str) -> None:
        hits = stored(app_label)
        for e in expected:
            if e not in hits:
                self.problems.append(f"payload not stored verbatim in {e} (found in {hits})")


def _alert(resp: Any) -> str:
    text = resp.content.decode(errors="replace")
    i = text.find('role="alert"')
    return text[i : i + 300] if i >= 0 else text[:200]


def test_recommendation_fields_to_the_public_page(world):
    w, ck = world, Checker(world)
    # A department's recommendation: title and text.
    ck.post("reporter", "/kien-nghi/tao/", {"title": PAYLOAD, "text": PAYLOAD, "addressee": "ministry"})
    rec = Recommendation.objects.order_by("-pk").first()
    assert rec is not None and rec.title == PAYLOAD, ck.problems
    # The office records a citizen's recommendation: sender name and source document too.
    ck.post("officer", "/kien-nghi/tao/", {"title": "Kiến nghị của người dân", "text": "Nội dung", "addressee": "ministry",
                                           "sender_type": "citizen", "sender_name": PAYLOAD, "source_document": PAYLOAD})
    citizen = Recommendation.objects.order_by("-pk").first()
    ck.stored_in("recommendations", "Recommendation.title", "Recommendation.text", "Recommendation.sender_name",
                 "Recommendation.source_document")
    ck.shown_escaped("officer", f"/kien-nghi/{citizen.pk}/")
    # Office and unit actions: assignment note, internal and public answers, an attachment's name.
    ck.post("officer", f"/kien-nghi/{rec.pk}/giao/", {"lead_unit": str(w.unit_org.pk), "note": PAYLOAD})
    ck.post("officer", f"/kien-nghi/{rec.pk}/tra-loi/", {"internal_answer": PAYLOAD})
    ck.post("officer", f"/kien-nghi/{rec.pk}/dinh-kem/",
            {"file": SimpleUploadedFile('x"><img src=x onerror="window.__pwned=1">.pdf', b"%PDF-1.4 x", content_type="application/pdf")})
    ck.shown_escaped("officer", f"/kien-nghi/{rec.pk}/", times=2)
    ck.shown_escaped("reporter", f"/kien-nghi/{rec.pk}/", times=2)
    ck.shown_escaped("officer", "/kien-nghi/")
    ck.post("officer", f"/kien-nghi/{rec.pk}/cong-bo/", {"public_answer": PAYLOAD})
    rec.refresh_from_db()
    assert rec.state == RecState.PUBLISHED, ck.problems
    ck.stored_in("recommendations", "Recommendation.internal_answer", "Recommendation.public_answer", "Assignment.note")
    # The public page (no login): title, text and answer.
    ck.shown_escaped("anonymous", "/kien-nghi/cong-khai/")
    ck.shown_escaped("anonymous", f"/kien-nghi/cong-khai/{rec.pk}/", times=3)
    # Declining with a note.
    ck.post("officer", f"/kien-nghi/{w.rec_b.pk}/khong-xu-ly/", {"reason": "other", "note": PAYLOAD})
    ck.shown_escaped("officer", f"/kien-nghi/{w.rec_b.pk}/")
    assert ck.problems == []
    assert get_user_model().objects.count() > 0  # DROP TABLE auth_user did not run


def test_session_and_directive_fields(world):
    w, ck = world, Checker(world)
    today = dt.date.today().isoformat()
    ck.post("officer", "/kien-nghi/giao-ban/tao/", {"title": PAYLOAD, "date": today, "chair": PAYLOAD, "chair_title": PAYLOAD,
                                                    "participants": PAYLOAD, "location": PAYLOAD, "connection_points": "3"})
    session = BriefingSession.objects.order_by("-pk").first()
    assert session is not None and session.title == PAYLOAD, ck.problems
    ck.shown_escaped("officer", f"/kien-nghi/giao-ban/{session.pk}/", times=3)
    ck.shown_escaped("officer", "/kien-nghi/giao-ban/")
    ck.post("officer", f"/kien-nghi/giao-ban/{session.pk}/ket-luan/", {"conclusions": PAYLOAD, "assignees": [str(w.dept_cb.pk)]})
    ck.shown_escaped("officer", f"/kien-nghi/giao-ban/{session.pk}/", times=4)
    ck.post("officer", f"/kien-nghi/giao-ban/{session.pk}/them-kien-nghi/", {"reference": PAYLOAD}, ok=(400,))
    ck.post("officer", "/kien-nghi/nhiem-vu/tao/", {"title": PAYLOAD, "detail": PAYLOAD, "leader_name": PAYLOAD, "leader_title": PAYLOAD,
                                                    "meeting": PAYLOAD, "document": PAYLOAD, "assignees": [str(w.dept_cb.pk)]})
    d = Directive.objects.order_by("-pk").first()
    assert d is not None and d.title == PAYLOAD, ck.problems
    ck.shown_escaped("officer", f"/kien-nghi/nhiem-vu/{d.pk}/", times=3)
    ck.shown_escaped("reporter", "/kien-nghi/nhiem-vu/")
    ck.post("reporter", f"/kien-nghi/nhiem-vu/{d.pk}/tien-do/", {"percent": "40", "note": PAYLOAD})
    ck.post("officer", f"/kien-nghi/nhiem-vu/{d.pk}/huy/", {"reason": PAYLOAD})
    ck.shown_escaped("reporter", f"/kien-nghi/nhiem-vu/{d.pk}/", times=4)
    ck.stored_in("recommendations", "BriefingSession.title", "BriefingSession.chair", "BriefingSession.chair_title",
                 "BriefingSession.participants", "BriefingSession.location", "BriefingSession.conclusions", "Directive.title",
                 "Directive.detail", "Directive.leader_name", "Directive.meeting", "Directive.document", "ProgressUpdate.note")
    assert ck.problems == []


def test_report_comment_and_workflow_reasons(world):
    w, ck = world, Checker(world)
    url = f"/bao-cao/{w.form_q.code}/{w.period.code}/P04/"
    data = {
        "value__POST_ENTERPRISES": "12", "comment__POST_ENTERPRISES": PAYLOAD, "version__POST_ENTERPRISES": "",
        "value__POST_SERVICE_POINTS": "516.033", "comment__POST_SERVICE_POINTS": "", "version__POST_SERVICE_POINTS": "",
    }
    ck.post("reporter", url, data)
    ck.stored_in("datavalues", "DataValue.comment")
    ck.shown_escaped("reporter", url)
    ck.post("approver", url + "gui/", {})
    sub = Submission.objects.get(area__uid="P04", form=w.form_q, period=w.period.code)
    assert sub.state == State.SUBMITTED, ck.problems
    ck.post("officer", url + "tra-lai/", {"reason": PAYLOAD})
    sub.refresh_from_db()
    assert sub.state == State.RETURNED, ck.problems
    ck.stored_in("reporting", "SubmissionEvent.reason", "Submission.return_reason")
    ck.shown_escaped("reporter", url, times=2)
    assert ck.problems == []


def test_extracted_document_text_is_shown_escaped(world):
    ck = Checker(world)
    text = f"Báo cáo tháng. {PAYLOAD} Năm 2024 có 120 doanh nghiệp bưu chính.\n".encode()
    ck.post("admin", "/trich-xuat/", {"file": SimpleUploadedFile("tan-cong.txt", text, content_type="text/plain")})
    from baocao.extraction.models import SourceDocument

    doc = SourceDocument.objects.order_by("-pk").first()
    assert doc is not None and PAYLOAD in doc.text, ck.problems
    ck.shown_escaped("admin", f"/trich-xuat/{doc.pk}/")
    # An HTML report: its own <script> is dropped, an escaped payload in a paragraph is text.
    html = ("<html><body><script>window.__pwned=1</script><p>Báo cáo. &lt;script&gt;window.__pwned=1&lt;/script&gt;"
            "<img src=x onerror=\"window.__pwned=1\"> Năm 2024 có 7 doanh nghiệp.</p></body></html>").encode()
    ck.post("admin", "/trich-xuat/", {"file": SimpleUploadedFile("tan-cong.html", html, content_type="text/html")})
    doc = SourceDocument.objects.order_by("-pk").first()
    ck.shown_escaped("admin", f"/trich-xuat/{doc.pk}/")
    assert ck.problems == []


def _get_ok(c: Client, url: str, params: dict[str, str], problems: list[str]) -> None:
    resp = c.get(url, params)
    if resp.status_code >= 500:
        problems.append(f"GET {url} {params} → {resp.status_code}")
        return
    if resp["Content-Type"].startswith(("application/json", "application/problem+json")):
        # JSON is data, not markup (and nosniff stops a browser from reading it as HTML).
        if resp.get("X-Content-Type-Options") != "nosniff":
            problems.append(f"GET {url}: JSON without X-Content-Type-Options: nosniff")
        return
    body = resp.content.decode(errors="replace")
    for raw in RAW:
        if raw in body:
            problems.append(f"GET {url} {params}: raw {raw!r} reflected")


SEARCH_PAGES = {
    "/kien-nghi/": ["q", "trang_thai", "don_vi", "qua_han", "cua_toi", "trang"],
    "/kien-nghi/cong-khai/": ["q", "linh_vuc", "tinh", "giao_ban", "trang"],
    "/kien-nghi/nhiem-vu/": ["q", "trang_thai", "qua_han", "trang"],
    "/kien-nghi/thong-ke/": ["from", "to", "tu", "den"],
    "/kien-nghi/thong-ke.json": ["from", "to"],
    "/bao-cao/tinh-hinh-nop/": ["bieu", "ky"],
    "/phan-tich/": ["ky", "linh_vuc", "vung", "gom_da_nop"],
    "/phan-tich/tinh/P04/": ["ky", "linh_vuc", "gom_da_nop"],
    "/phan-tich/bang/": ["ky", "linh_vuc", "vung", "chi_tieu", "format"],
    "/api/v1/recommendations": ["q", "state", "area", "cursor", "limit"],
    "/api/v1/directives": ["q", "state", "cursor"],
    "/api/v1/dataValues": ["ou", "pe", "de", "indicator", "area", "period", "cursor", "limit"],
    "/api/v1/orgunits": ["q", "level", "on", "cursor"],
    "/api/v1/indicators": ["q", "domain", "on"],
    "/api/v1/submissions": ["form", "period", "area", "state", "cursor"],
    "/api/v1/analytics/value": ["indicator", "ou", "pe", "period", "area"],
    "/api/v1/dataValueSets": ["dataSet", "period", "orgUnit", "startDate", "endDate"],
}


def test_search_boxes_and_filters(world):
    c = Client()
    c.force_login(world.officer)
    anon = Client()
    dept = Client()
    dept.force_login(world.reporter)
    problems: list[str] = []
    before = Recommendation.objects.count(), get_user_model().objects.count()
    for url, params in SEARCH_PAGES.items():
        for payload in [PAYLOAD, *SQL_ONLY]:
            for client in (c, dept, anon) if url.startswith("/kien-nghi/cong-khai/") else (c, dept):
                _get_ok(client, url, {p: payload for p in params}, problems)
    assert problems == []
    assert (Recommendation.objects.count(), get_user_model().objects.count()) == before
    # The public search echoes the query escaped, and an SQL payload finds nothing (it is text, not SQL).
    body = anon.get("/kien-nghi/cong-khai/", {"q": PAYLOAD}).content.decode()
    assert ESCAPED in body
    assert world.rec_pub.title not in anon.get("/kien-nghi/cong-khai/", {"q": "' OR '1'='1"}).content.decode()
    assert world.rec_pub.title in anon.get("/kien-nghi/cong-khai/", {"q": "công khai"}).content.decode()


def test_login_form_with_injection_payloads(world):
    for payload in [PAYLOAD, *SQL_ONLY, "quantri' --", "quantri'/*"]:
        c = Client()
        resp = c.post("/dang-nhap/", {"username": payload, "password": payload})
        assert resp.status_code in (200, 400, 403, 429), (payload, resp.status_code)
        assert "_auth_user_id" not in c.session
        for raw in RAW:
            assert raw not in resp.content.decode()
