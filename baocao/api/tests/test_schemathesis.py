"""Schemathesis over the REST API's operations (the interchange endpoints are tested by their app).

Every operation is called with generated data (positive and negative) as a ministry officer and as
a province reporter (bearer tokens): no 5xx, and for valid data no status code, content type or body
that the OpenAPI document does not describe. Bounded and deterministic (``baocao.api.testing``).
"""

from __future__ import annotations

import pytest

pytest.importorskip("schemathesis")

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = 10  # valid requests per operation as the officer
OTHER_EXAMPLES = 5  # valid ones as the reporter, and invalid ones as the officer


@pytest.fixture
def seeded(world):
    """Some rows for the generated ids and filters to hit: values, a submitted report."""
    from baocao.datavalues.services import set_value
    from baocao.reporting import services as rs

    for code, value in (("POST_ENTERPRISES", 12), ("POST_SERVICE_POINTS", 516033)):
        set_value(area=world.cao_bang, indicator=code, period=world.period, value=value, source="form")
    sub, period = rs.open_submission(world.reporter, "ICT-Q", world.period.code, "P04", "enter")
    rs.save_values(sub, period, world.reporter, {"TEL_SUBS_TOTAL": {"value": "1.234"}})
    rs.submit(sub, world.approver)
    return world


def test_openapi_document_holds_under_generated_requests(seeded):
    from baocao.api.services import create_token
    from baocao.api.testing import operations, schema_failures

    def ours(op) -> bool:
        return "interchange" not in (op.tags or [])

    assert len(operations(ours)) >= 25
    tokens = {
        "officer": create_token(seeded.officer, "schemathesis").secret,
        "reporter": create_token(seeded.reporter, "schemathesis").secret,
    }
    timings: dict[str, float] = {}
    failures, calls = schema_failures(tokens, include=ours, max_examples=MAX_EXAMPLES,
                                      other_examples=OTHER_EXAMPLES, timings=timings)
    slow = sorted(timings.items(), key=lambda kv: -kv[1])[:5]
    print("slowest operations:", ", ".join(f"{k} {v:.1f}s" for k, v in slow))
    assert calls >= len(timings) * 2
    assert not failures, "\n\n".join(failures)


def test_interchange_operations_hold_too(seeded):
    """The same run over the interchange endpoints (dataValueSets, SDMX, export), fewer examples: the
    whole of /api/v1/openapi.json is covered between the two tests."""
    from baocao.api.services import create_token
    from baocao.api.testing import operations, schema_failures

    def interchange(op) -> bool:
        return "interchange" in (op.tags or [])

    if not operations(interchange):
        pytest.skip("no interchange operation in the document yet")
    tokens = {
        "officer": create_token(seeded.officer, "schemathesis").secret,
        "reporter": create_token(seeded.reporter, "schemathesis").secret,
    }
    failures, calls = schema_failures(tokens, include=interchange, max_examples=6, other_examples=3)
    assert calls > 0
    assert not failures, "\n\n".join(failures)
