"""CSRF on every form: every URL pattern of the project, found by walking the resolver (not a hand
list), is POSTed to without a CSRF token by a signed-in administrator (who may do almost anything),
with a body that would write if the request got through. Each must be refused by Django's CSRF check
(403, logged by ``django.security.csrf``) and change nothing: no row in any table, no file.

The API (/api/v1/, django-ninja, exempt from Django's middleware) checks CSRF itself for session
callers: every unsafe operation of its OpenAPI document is called with the session cookie and no
``X-CSRFToken`` header → 403, nothing written.

A control test shows that the probe can see a write: the same kind of POST with the token does write.
"""

from __future__ import annotations

import json
import logging
import re

import pytest
from django.test import Client
from django.urls import reverse

from baocao.recommendations.models import Recommendation

from .attacks import AttackWorld, db_fingerprint, fill_route, media_files, walk_urls

pytestmark = pytest.mark.django_db

MD5 = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(ref, settings, tmp_path):
    settings.PASSWORD_HASHERS = MD5
    settings.MEDIA_ROOT = tmp_path / "media"
    return AttackWorld()


def _pk_for(name: str, w: AttackWorld) -> dict[str, str]:
    """Argument values that name real objects the POST could change (province B's and the Ministry's)."""
    recs = {
        "recommendations:attachment": w.attachment_b.pk,
        "recommendations:public_detail": w.rec_pub.pk,
        "recommendations:evidence": w.evidence_b.pk,
    }
    if name in recs:
        return {"pk": str(recs[name])}
    if name.startswith("recommendations:session"):
        return {"pk": str(w.session.pk)}
    if name.startswith("recommendations:directive"):
        return {"pk": str(w.directive_b.pk)}
    if name.startswith("recommendations:"):
        return {"pk": str(w.rec_b.pk)}
    if name.startswith("extraction:"):
        return {"pk": str(w.document.pk)}
    m = re.fullmatch(r"admin:(\w+?)_(\w+)_(change|delete|history)", name)
    if m:
        from django.apps import apps

        try:
            model = apps.get_model(m.group(1), m.group(2))
        except LookupError:
            return {}
        obj = model._default_manager.order_by("pk").first()
        return {"object_id": str(obj.pk)} if obj is not None else {}
    return {}


def _values(name: str, w: AttackWorld) -> dict[str, str]:
    return {"form": "ICT-Q", "period": w.period.code, "area": "P20", **_pk_for(name, w)}


def _body(w: AttackWorld) -> dict[str, str]:
    """Field names of the project's forms with acceptable values: without CSRF they would write."""
    return {
        "title": "Tiêu đề CSRF", "text": "Nội dung CSRF", "reason": "Lý do CSRF", "note": "Ghi chú CSRF",
        "internal_answer": "Trả lời CSRF", "public_answer": "Công khai CSRF", "lead_unit": str(w.unit_org.pk),
        "percent": "90", "conclusions": "Kết luận CSRF", "reference": w.rec_a.reference, "chair": "CSRF",
        "date": "01/01/2026", "leader_name": "CSRF", "assignees": str(w.dept_cb.pk), "username": "quantri",
        "password": "x", "language": "en", "apply": "1", "action": "delete_selected", "_selected_action": "1",
        "post": "yes", "addressee": "ministry", "sender_name": "CSRF",
    }


def _django_urls(w: AttackWorld) -> list[tuple[str, str]]:
    out = []
    for route, name, _callback in walk_urls():
        if route.startswith("api/"):
            continue
        out.append((fill_route(route, _values(name, w)), name or route))
    return out


def test_resolver_walk_finds_the_forms(world):
    names = {name for _, name in _django_urls(world)}
    # A sample of known POST handlers must be among the enumerated patterns: the walk is not empty or partial.
    for expected in ("login", "logout", "set_language", "recommendations:create", "recommendations:attach", "reporting:entry",
                     "reporting:upload", "extraction:review", "extraction:list", "admin:login"):
        assert expected in names, expected
    assert len(names) > 100


def test_no_django_view_is_csrf_exempt():
    exempt = [name or route for route, name, cb in walk_urls() if getattr(cb, "csrf_exempt", False) and not route.startswith("api/")]
    assert exempt == []


def test_post_without_token_is_refused_everywhere(world, caplog, settings):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.admin)
    anonymous = Client(enforce_csrf_checks=True)
    body = _body(world)
    before, files = db_fingerprint(), media_files(settings.MEDIA_ROOT)
    failures = []
    urls = _django_urls(world)
    for url, name in urls:
        for who, c in (("admin", client), ("anonymous", anonymous)):
            caplog.clear()
            with caplog.at_level(logging.WARNING, logger="django.security.csrf"):
                resp = c.post(url, body)
            refused = resp.status_code == 403 and any(r.name == "django.security.csrf" for r in caplog.records)
            if not refused:
                failures.append(f"{who} POST {url} ({name}) → {resp.status_code}")
    assert failures == []
    assert db_fingerprint() == before, "a POST without a CSRF token changed the database"
    assert media_files(settings.MEDIA_ROOT) == files
    assert len(urls) > 100


def _api_unsafe_operations(w: AttackWorld) -> list[tuple[str, str]]:
    resp = Client().get("/api/v1/openapi.json")
    assert resp.status_code == 200
    values = {"sub_id": "1", "submission_id": "1", "value_id": "1", "rec_id": str(w.rec_b.pk)}
    ops = []
    for path, item in resp.json()["paths"].items():
        for method in item:
            if method in ("post", "put", "patch", "delete"):
                ops.append((method, re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "x"), path)))
    return ops


def test_api_unsafe_methods_need_the_csrf_header_with_a_session(world):
    from baocao.reporting import services as rep

    sub, _ = rep.open_submission(world.approver_ls, "ICT-Q", world.period.code, "P20", "enter")
    if sub.pk is None:
        sub.save()
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.admin)
    client.get("/api/v1/me")  # a session exists; no csrftoken is sent back below
    ops = _api_unsafe_operations(world)
    assert {"post", "put", "delete"} <= {m for m, _ in ops}, ops
    before = db_fingerprint()
    failures = []
    for method, path in ops:
        path = path.replace("/submissions/1/", f"/submissions/{sub.pk}/")
        resp = getattr(client, method)(path, data=json.dumps({"reason": "CSRF", "dataValues": []}), content_type="application/json")
        if resp.status_code != 403 or "CSRF" not in resp.content.decode():
            failures.append(f"{method.upper()} {path} → {resp.status_code} {resp.content[:200]!r}")
    assert failures == []
    assert db_fingerprint() == before


def test_control_the_probe_sees_a_write_when_the_token_is_sent(world):
    """Without this, the tests above could pass for a wrong reason (a body that never writes)."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.reporter)
    url = reverse("recommendations:create")
    client.get(url)
    token = client.cookies["csrftoken"].value
    before = db_fingerprint()
    resp = client.post(url, {**_body(world), "csrfmiddlewaretoken": token})
    assert resp.status_code == 302, resp.content[:500]
    assert Recommendation.objects.filter(title="Tiêu đề CSRF").exists()
    assert db_fingerprint() != before
    # And the same POST without the token is the 403 the sweep above expects.
    resp = client.post(url, _body(world))
    assert resp.status_code == 403
    assert Recommendation.objects.filter(title="Tiêu đề CSRF").count() == 1
