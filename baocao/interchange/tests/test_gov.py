"""Government reporting export: accepted reports only, the user's scope, the QCVN 125 message types,
the digest and the signature."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest

from baocao.reporting import services as s

pytestmark = pytest.mark.django_db


def _accepted(w):
    s.create_key(w.dept_cb)
    sub, period = s.open_submission(w.reporter, "ICT-Q", w.period.code, "P04", "enter")
    res = s.save_values(sub, period, w.reporter, {"POST_ENTERPRISES": {"value": "12"}, "POST_SERVICE_POINTS": {"value": "516.033"}})
    assert res.ok, res.errors
    sub = s.submit(sub, w.approver)
    return sub


def test_gov_export(world, client_for):
    sub = _accepted(world)
    url = f"/api/v1/submissions/{sub.pk}/export/gov"
    r = client_for(world.officer).get(url)
    assert r.status_code == 409 and r["Content-Type"] == "application/problem+json" and r.json()["state"] == "submitted"
    sub = s.accept(sub, world.officer)

    r = client_for(world.approver).get(url)
    assert r.status_code == 200, r.content
    doc = r.json()
    assert doc["standard"] == "QCVN 125:2021/BTTTT"
    types = {v["messageType"] for v in doc.values() if isinstance(v, dict) and "messageType" in v}
    assert {"chế độ báo cáo", "biểu mẫu báo cáo", "danh mục kỳ báo cáo", "danh mục chỉ tiêu báo cáo",
            "số liệu báo cáo", "trạng thái báo cáo", "danh mục phân tổ chỉ số", "quy định về ký số"} <= types
    assert doc["regime"]["code"] == world.form_q.regime.code
    assert doc["form"]["symbol"] == world.form_q.symbol and doc["form"]["version"] == sub.version.number
    assert doc["period"] == {**doc["period"], "code": world.period.code, "start": world.period.start.isoformat()}
    assert doc["reportingUnit"]["area"]["code"] == "P04" and doc["reportingUnit"]["organisation"]["code"] == world.dept_cb.uid
    values = {v["indicatorCode"]: v for v in doc["data"]["values"]}
    assert values["POST_SERVICE_POINTS"]["value"] == "516033" and values["POST_ENTERPRISES"]["value"] == "12"
    units = {i["code"]: i["unit"] for i in doc["indicators"]["items"]}
    assert set(units) == {"POST_ENTERPRISES", "POST_SERVICE_POINTS"} and all(units.values())
    assert values["POST_ENTERPRISES"]["unit"] == units["POST_ENTERPRISES"]
    assert doc["status"]["state"] == "accepted" and doc["status"]["submittedBy"] == world.approver.username
    # The digest is the SHA-256 of the canonical snapshot; the signature verifies with the public key.
    canonical = json.dumps(doc["snapshot"], sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert doc["digest"]["value"] == hashlib.sha256(canonical).hexdigest() == sub.digest
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    pub = Ed25519PublicKey.from_public_bytes(base64.b64decode(doc["signature"]["publicKey"]))
    pub.verify(base64.b64decode(doc["signature"]["value"]), canonical)  # raises if wrong
    assert doc["verification"]["ok"] is True

    # Scope: the other province's department may not; the Ministry may; unknown report → 404.
    assert client_for(world.reporter_ls).get(url).status_code == 403
    assert client_for(world.unit).get(url).status_code == 200
    assert client_for(world.officer).get("/api/v1/submissions/999999/export/gov").status_code == 404
    assert client_for(world.officer).get(f"/api/v1/submissions/{10**22}/export/gov").status_code == 404
