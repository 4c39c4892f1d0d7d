"""IDOR on every object URL: every URL pattern with an object argument (pk, id, uid, code, a report's
form/period/province) is found by walking the resolver; each must have probes below (a new pattern
without probes fails the coverage test). A probe is a user of province A (Cao Bằng) asking for an
object of province B (Lạng Sơn) or a Ministry-only object: the answer must be 403/404 (or the login
redirect of the admin), the body must not contain the object's secret marker or file bytes, and a
POST must write nothing.

The API is probed the same way with bearer tokens: absent, malformed, unknown, revoked, expired, and
province A's token on province B's objects.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from baocao.api import services as api_services

from .attacks import (
    SECRET_B,
    SECRET_MIN,
    AttackWorld,
    changed_tables,
    db_fingerprint,
    fill_route,
    media_files,
    route_args,
    table_fingerprints,
    walk_urls,
)

pytestmark = pytest.mark.django_db

MD5 = ["django.contrib.auth.hashers.MD5PasswordHasher"]
OBJECT_ARGS = {"pk", "id", "uid", "code", "object_id", "area", "form", "period"}
FILE_BYTES = b"% attack test"


@pytest.fixture
def world(ref, settings, tmp_path):
    settings.PASSWORD_HASHERS = MD5
    settings.MEDIA_ROOT = tmp_path / "media"
    return AttackWorld()


def _probes(w: AttackWorld) -> dict[str, list[tuple[str, str, dict[str, Any]]]]:
    """URL name → [(user attribute, method, route values)]. ``reporter`` is province A's reporter."""
    rec_b = {"pk": w.rec_b.pk}
    rep_b = {"form": w.form_q.code, "period": w.period.code, "area": "P20"}
    out: dict[str, list[tuple[str, str, dict[str, Any]]]] = {
        "recommendations:detail": [("reporter", "get", rec_b), ("nobody", "get", rec_b)],
        "recommendations:public_detail": [("reporter", "get", rec_b), ("anonymous", "get", rec_b)],
        "recommendations:attachment": [("reporter", "get", {"pk": w.attachment_b.pk}), ("nobody", "get", {"pk": w.attachment_b.pk})],
        "recommendations:directive": [("reporter", "get", {"pk": w.directive_b.pk}), ("reporter", "get", {"pk": w.directive_min.pk})],
        "recommendations:evidence": [("reporter", "get", {"pk": w.evidence_b.pk}), ("reporter", "get", {"pk": w.evidence_min.pk})],
        "recommendations:directive_progress": [("reporter", "post", {"pk": w.directive_b.pk}), ("approver", "post", {"pk": w.directive_min.pk})],
        "recommendations:directive_cancel": [("reporter", "post", {"pk": w.directive_b.pk}), ("approver", "post", {"pk": w.directive_min.pk})],
        "recommendations:session_conclude": [("reporter", "post", {"pk": w.session.pk})],
        "recommendations:session_add": [("reporter", "post", {"pk": w.session.pk})],
        "extraction:detail": [("reporter", "get", {"pk": w.document.pk}), ("officer", "get", {"pk": w.document.pk})],
        "extraction:review": [("reporter", "post", {"pk": w.document.pk})],
        "dashboards:province": [("reporter", "get", {"uid": "P20"}), ("approver", "get", {"uid": "P20"})],
    }
    job = _briefing_job(w)
    if job is not None:
        out["briefing:status"] = [("reporter", "get", {"pk": job.pk})]
        out["briefing:download"] = [("reporter", "get", {"pk": job.pk, "kind": "docx"}), ("approver", "get", {"pk": job.pk, "kind": "pdf"})]
    for action in ("assign", "answer", "publish", "decline", "attach"):
        out[f"recommendations:{action}"] = [("reporter", "post", rec_b), ("approver", "post", rec_b)]
    for name in ("entry", "excel"):
        out[f"reporting:{name}"] = [("reporter", "get", rep_b), ("approver", "get", rep_b)]
    for name in ("entry", "submit", "accept", "return", "reopen", "verify", "upload"):
        out.setdefault(f"reporting:{name}", []).extend([("reporter", "post", rep_b), ("approver", "post", rep_b)])
    return out


# Patterns whose object is public by design (no scope to break): the session page shows only what the
# viewer may see (checked in test_session_page_shows_only_visible_items).
def _briefing_job(w: AttackWorld) -> Any:
    """A finished Ministry briefing pack whose files hold the Ministry's secret (None without the app)."""
    try:
        from baocao.briefing.models import BriefingJob
    except ImportError:
        return None
    from django.conf import settings

    folder = Path(settings.MEDIA_ROOT) / "briefing-attack"
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for kind in ("docx", "pdf"):
        paths[kind] = folder / f"pack.{kind}"
        paths[kind].write_bytes(FILE_BYTES + SECRET_MIN.encode())
    return BriefingJob.objects.create(period="2026Q1", requested_by=w.officer, status="done",
                                      docx_path=str(paths["docx"]), pdf_path=str(paths["pdf"]))


# The indicator dashboard is keyed by a public catalog code; its ranking is cut to the viewer's
# province (checked in test_lists_searches_and_statistics_do_not_leak).
PUBLIC = {"recommendations:session", "dashboards:indicator"}


def _object_patterns() -> list[tuple[str, str]]:
    return [
        (route, name)
        for route, name, _cb in walk_urls()
        if not route.startswith(("api/", "admin/")) and OBJECT_ARGS & set(route_args(route))
    ]


def test_every_object_url_has_probes(world):
    probes = _probes(world)
    missing = [name or route for route, name in _object_patterns() if name not in probes and name not in PUBLIC]
    assert missing == [], f"object URLs without IDOR probes: {missing}"
    assert len(_object_patterns()) >= 20


def _client(w: AttackWorld, who: str) -> Client:
    c = Client()
    if who != "anonymous":
        c.force_login(getattr(w, who))
    return c


POST_BODY = {
    "title": "IDOR", "text": "IDOR", "reason": "IDOR", "note": "IDOR", "internal_answer": "IDOR", "public_answer": "IDOR",
    "percent": "100", "conclusions": "IDOR", "chair": "IDOR", "reference": "", "action-1": "accept",
}


def test_province_a_cannot_reach_province_b_or_ministry_objects(world, settings):
    routes = {name: route for route, name in _object_patterns()}
    probes = _probes(world)
    # Logging in writes (last_login, the audit log): every client signs in before the snapshot.
    clients = {who: _client(world, who) for cases in probes.values() for who, _m, _v in cases}
    before, files = db_fingerprint(), media_files(settings.MEDIA_ROOT)
    leaks = []
    count = 0
    for name, cases in probes.items():
        for who, method, values in cases:
            url = fill_route(routes[name], {k: str(v) for k, v in values.items()})
            c = clients[who]
            resp = getattr(c, method)(url, POST_BODY) if method == "post" else c.get(url)
            count += 1
            body = b"".join(resp.streaming_content) if resp.streaming else resp.content
            if resp.status_code not in (403, 404):
                leaks.append(f"{who} {method.upper()} {url} ({name}) → {resp.status_code}")
            if SECRET_B.encode() in body or SECRET_MIN.encode() in body or FILE_BYTES in body:
                leaks.append(f"{who} {method.upper()} {url} ({name}) → the body holds the secret")
    assert leaks == []
    assert db_fingerprint() == before
    assert media_files(settings.MEDIA_ROOT) == files
    assert count >= 40


def test_control_the_owner_does_see_the_secret(world):
    """The probes would see a leak: province B's own users and the Ministry get the objects and markers."""
    c = _client(world, "reporter_ls")
    assert SECRET_B.encode() in c.get(f"/kien-nghi/{world.rec_b.pk}/").content
    resp = c.get(f"/kien-nghi/tep/{world.attachment_b.pk}/")
    assert resp.status_code == 200 and FILE_BYTES in b"".join(resp.streaming_content)
    resp = c.get(f"/bao-cao/{world.form_q.code}/{world.period.code}/P20/")
    assert resp.status_code == 200 and SECRET_B.encode() in resp.content
    c = _client(world, "admin")
    assert SECRET_MIN.encode() in c.get(f"/trich-xuat/{world.document.pk}/").content
    assert SECRET_MIN.encode() in c.get(f"/kien-nghi/nhiem-vu/{world.directive_min.pk}/").content
    job = _briefing_job(world)
    if job is not None:
        resp = c.get(f"/phan-tich/ban-tin/{job.pk}/tai/docx/")
        assert resp.status_code == 200 and FILE_BYTES in b"".join(resp.streaming_content)


def test_lists_searches_and_statistics_do_not_leak(world):
    c = _client(world, "reporter")
    pages = [
        # (searched by a word of the secret titles: the search box echoes the query itself)
        "/kien-nghi/", "/kien-nghi/?q=riêng", "/kien-nghi/nhiem-vu/", "/kien-nghi/nhiem-vu/?q=nhiệm+vụ",
        "/kien-nghi/cong-khai/", "/kien-nghi/cong-khai/?q=riêng", "/kien-nghi/giao-ban/", "/kien-nghi/thong-ke/",
        "/kien-nghi/thong-ke.json", "/bao-cao/", "/phan-tich/",
        f"/phan-tich/chi-tieu/{world.value_b.indicator.code}/?ky={world.period.code}&gom_da_nop=1",
    ]
    found = []
    for url in pages:
        resp = c.get(url)
        assert resp.status_code in (200, 403), (url, resp.status_code)
        if SECRET_B.encode() in resp.content or SECRET_MIN.encode() in resp.content:
            found.append(url)
    assert found == []
    # Control: the Ministry sees both directives in the statistics (they are overdue).
    data = _client(world, "officer").get("/kien-nghi/thong-ke.json").content
    assert SECRET_B.encode() in data and SECRET_MIN.encode() in data


def test_session_page_shows_only_visible_items(world):
    body = _client(world, "reporter").get(f"/kien-nghi/giao-ban/{world.session.pk}/").content
    assert SECRET_B.encode() not in body
    assert SECRET_B.encode() in _client(world, "officer").get(f"/kien-nghi/giao-ban/{world.session.pk}/").content


def test_admin_object_urls_refuse_non_staff(world):
    routes = [(route, name) for route, name, _cb in walk_urls() if route.startswith("admin/") and "object_id" in route_args(route)]
    assert len(routes) > 30
    bad = []
    for who in ("reporter", "officer"):
        c = _client(world, who)
        for route, name in routes:
            url = fill_route(route, {"object_id": "1"})
            resp = c.get(url)
            if resp.status_code not in (302, 404) or (resp.status_code == 302 and "/admin/login/" not in resp["Location"]):
                bad.append(f"{who} {url} ({name}) → {resp.status_code}")
    assert bad == []


# --- API ------------------------------------------------------------------------------------------


def _bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer bc_nonexistent_token_value", "Bearer ' OR 1=1 --",
     "Token abc", "Bearer " + "A" * 5000],
)
def test_api_bad_or_absent_tokens_are_401(world, header):
    extra = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    # (without any header, the published recommendations are public: only a bad header must be 401 there)
    paths = ["/api/v1/me", "/api/v1/submissions", "/api/v1/dataValues"]
    if header is not None:
        paths += ["/api/v1/recommendations", f"/api/v1/recommendations/{world.rec_b.pk}"]
    for path in paths:
        resp = Client().get(path, **extra)
        assert resp.status_code == 401, (header, path, resp.status_code)
        assert resp["Content-Type"].startswith("application/problem+json")
        assert SECRET_B.encode() not in resp.content


def test_api_revoked_and_expired_tokens_are_401(world):
    revoked = api_services.create_token(world.reporter_ls, "sẽ thu hồi")
    api_services.revoke_token(revoked.token.prefix)
    expired = api_services.create_token(world.reporter_ls, "hết hạn", expires_at=timezone.now() - dt.timedelta(minutes=1))
    for token in (revoked.secret, expired.secret):
        resp = Client().get(f"/api/v1/recommendations/{world.rec_b.pk}", **_bearer(token))
        assert resp.status_code == 401, resp.content
        assert SECRET_B.encode() not in resp.content


def test_api_province_a_token_on_province_b_objects(world):
    token_a = api_services.create_token(world.approver, "tỉnh A").secret
    token_b = api_services.create_token(world.approver_ls, "tỉnh B").secret
    a, b = _bearer(token_a), _bearer(token_b)
    c = Client()
    # Control: B's own token reads B's objects.
    assert c.get(f"/api/v1/recommendations/{world.rec_b.pk}", **b).status_code == 200
    assert c.get(f"/api/v1/submissions/{world.sub_b.pk}", **b).status_code == 200
    assert c.get(f"/api/v1/dataValues/{world.value_b.pk}", **b).status_code == 200
    before = table_fingerprints()
    reads = [
        f"/api/v1/recommendations/{world.rec_b.pk}", f"/api/v1/submissions/{world.sub_b.pk}",
        f"/api/v1/submissions/{world.sub_b.pk}/verify", f"/api/v1/submissions/{world.sub_b.pk}/export/gov",
        f"/api/v1/dataValues/{world.value_b.pk}",
    ]
    for path in reads:
        resp = c.get(path, **a)
        assert resp.status_code in (403, 404), (path, resp.status_code, resp.content[:300])
        assert SECRET_B.encode() not in resp.content
    for path in ("/api/v1/recommendations", "/api/v1/directives", "/api/v1/submissions", "/api/v1/dataValues?ou=P20",
                 "/api/v1/recommendations?q=riêng", "/api/v1/recommendations/statistics?from=2000-01-01&to=2100-01-01"):
        resp = c.get(path, **a)
        assert SECRET_B.encode() not in resp.content and SECRET_MIN.encode() not in resp.content, path
    for action in ("submit", "accept", "return", "reopen"):
        resp = c.post(f"/api/v1/submissions/{world.sub_b.pk}/{action}", data={"reason": "IDOR"}, content_type="application/json", **a)
        assert resp.status_code in (403, 404), (action, resp.status_code)
    resp = c.put(f"/api/v1/dataValues/{world.value_b.pk}", data={"value": "999"}, content_type="application/json", **a)
    assert resp.status_code in (403, 404, 422), resp.content
    resp = c.delete(f"/api/v1/dataValues/{world.value_b.pk}", **a)
    assert resp.status_code in (403, 404), resp.content
    dvs = {"dataValues": [{"dataElement": world.value_b.indicator.code, "period": world.value_b.period, "orgUnit": "P20", "value": "999"}]}
    resp = c.post("/api/v1/dataValueSets", data=dvs, content_type="application/json", **a)
    assert resp.status_code in (200, 403, 409, 422), resp.content
    # A token's "last used" time is the only write a refused request may make.
    assert [t for t in changed_tables(before, table_fingerprints()) if t != "api_apitoken"] == []
