"""The OpenAPI document, the docs page and the problem responses for errors of every kind."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def _problem(resp, status: int) -> dict:
    assert resp.status_code == status, resp.content
    assert resp["Content-Type"] == PROBLEM
    body = resp.json()
    assert body["status"] == status and body["title"] and body["detail"] and body["type"].startswith("urn:baocao:problem:")
    return body


def test_openapi_document_is_valid_and_complete():
    doc = Client().get("/api/v1/openapi.json").json()
    try:
        from openapi_spec_validator import validate
    except ImportError:  # structural checks only
        assert doc["openapi"].startswith("3.") and doc["info"]["version"] == "1"
    else:
        validate(doc)
    paths = doc["paths"]
    for p in ("/api/v1/indicators", "/api/v1/indicators/{code}", "/api/v1/domains", "/api/v1/orgunits",
              "/api/v1/orgunits/{uid}", "/api/v1/organisations", "/api/v1/regimes", "/api/v1/periods/{code}",
              "/api/v1/dataValues", "/api/v1/dataValues/{value_id}", "/api/v1/forms", "/api/v1/forms/{code}",
              "/api/v1/submissions", "/api/v1/submissions/{sub_id}", "/api/v1/submissions/{sub_id}/submit",
              "/api/v1/submissions/{sub_id}/accept", "/api/v1/submissions/{sub_id}/return",
              "/api/v1/submissions/{sub_id}/reopen", "/api/v1/submissions/{sub_id}/verify", "/api/v1/recommendations",
              "/api/v1/recommendations/{rec_id}", "/api/v1/recommendations/statistics", "/api/v1/directives",
              "/api/v1/analytics/value"):
        assert p in paths, p
    assert set(paths["/api/v1/dataValues/{value_id}"]) == {"get", "put", "delete"}
    put = paths["/api/v1/dataValues/{value_id}"]["put"]
    assert {"412", "428", "409"} <= set(put["responses"])
    assert put["responses"]["412"]["content"][PROBLEM]["schema"]["$ref"].endswith("/Problem")
    assert any(p["name"] == "If-Match" and p["in"] == "header" for p in put["parameters"])
    # every operation of ours documents a 200/201/204 body schema and its problems
    for path, item in paths.items():
        for method, op in item.items():
            if "interchange" in op.get("tags", []):
                continue
            ok = [s for s in op["responses"] if s.startswith("2")]
            assert ok, f"{method} {path}"
            if ok[0] != "204":
                assert "schema" in op["responses"][ok[0]]["content"]["application/json"], f"{method} {path}"
    schemes = doc["components"]["securitySchemes"]
    assert schemes["BearerToken"] == {"type": "http", "scheme": "bearer"} and schemes["SessionAuth"]["in"] == "cookie"


def test_docs_page_is_served_locally():
    html = Client().get("/api/v1/docs").content.decode()
    assert "openapi.json" in html
    for cdn in ("cdn.jsdelivr", "unpkg.com", "cdnjs"):
        assert cdn not in html


def test_unknown_paths_and_bad_ids_are_problems(world, client_for):
    c = client_for(world.officer)
    assert "No endpoint GET /api/v1/nope" in _problem(Client().get("/api/v1/nope"), 404)["detail"]
    for bad in ("-1", "0", "abc", str(2**70)):
        body = _problem(c.get(f"/api/v1/dataValues/{bad}"), 422)
        assert body["errors"][0]["field"] == "path.value_id"


def test_unexpected_error_is_a_500_problem_without_traceback(world, client_for, monkeypatch):
    from baocao.api.routers import catalog

    class Boom:
        @staticmethod
        def annotate(*a, **k):
            raise RuntimeError("secret internals /etc/passwd")

    monkeypatch.setattr(catalog.Domain, "objects", Boom)
    resp = Client(raise_request_exception=False).get("/api/v1/domains")
    assert _problem(resp, 500)["title"] == "Internal server error"
    assert "secret" not in resp.content.decode() and "Traceback" not in resp.content.decode()


def test_domain_errors_map_to_problems(world, client_for):
    from baocao.api.errors import ApiProblem, problem

    assert problem(418, "Teapot", "x").status_code == 418
    assert ApiProblem(409, "Conflict", "y", id=3).extra == {"id": 3}
    c = client_for(world.officer)
    body = _problem(c.get("/api/v1/periods/" + "Quý V/2025".replace("/", "%2F")), 422)
    assert "Không đọc được kỳ báo cáo" in body["detail"] or "Quý" in body["detail"]


def test_public_operations_say_anonymous_is_accepted():
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    assert {} in paths["/api/v1/indicators"]["get"]["security"]
    assert {} in paths["/api/v1/recommendations"]["get"]["security"]
    assert {} not in paths["/api/v1/dataValues"]["get"]["security"]
    assert {} not in paths["/api/v1/submissions/{sub_id}/submit"]["post"]["security"]
