"""Schemathesis over the API's OpenAPI document, in process (WSGI), for tests of any app.

``schema_failures(tokens, include=…)`` calls every included operation with generated data (positive:
valid by the document; negative: invalid) under each bearer token and returns one message per
operation, mode and token that got a 5xx or, for positive data, a status code, content type or
body the document does not describe. Deterministic (derandomized) and bounded (``max_examples``).

Example (the interchange tests)::

    failures = schema_failures({"officer": token}, include=lambda op: "interchange" in op.tags)
    assert not failures, "\\n\\n".join(failures)
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

API_SCHEMA_PATH = "/api/v1/openapi.json"


def _checks() -> list[Any]:
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    return [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _runner(op: Any, mode: Any, headers: dict[str, str], checks: list[Any], calls: list[int], max_examples: int) -> Callable[[], None]:
    from hypothesis import HealthCheck, given, settings
    from schemathesis.generation import GenerationMode

    positive = mode is GenerationMode.POSITIVE

    @settings(max_examples=max_examples, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(case=op.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        if case.headers:
            case.headers.pop("Authorization", None)
        response = case.call(headers=headers)
        calls[0] += 1
        # negative (invalid) data may get any 4xx; "no 5xx" is what applies to it
        case.validate_response(response, checks=checks if positive else checks[:1], headers=headers)

    return run


@contextlib.contextmanager
def _keep_db_connection() -> Iterator[None]:
    """Like Django's test client: the WSGI handler must not close the test's database connection
    (``close_old_connections`` on request start/finish) while the test transaction is open."""
    from django.core import signals
    from django.db import close_old_connections

    started = signals.request_started.disconnect(close_old_connections)
    finished = signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:  # reconnect only what this call disconnected (nesting is safe)
        if started:
            signals.request_started.connect(close_old_connections)
        if finished:
            signals.request_finished.connect(close_old_connections)


def operations(include: Callable[[Any], bool] | None = None) -> list[Any]:
    import schemathesis
    from django.core.handlers.wsgi import WSGIHandler

    with _keep_db_connection():
        schema = schemathesis.openapi.from_wsgi(API_SCHEMA_PATH, WSGIHandler())
    ops = [r.ok() for r in schema.get_all_operations()]
    return [op for op in ops if include is None or include(op)]


def schema_failures(
    tokens: dict[str, str],
    *,
    include: Callable[[Any], bool] | None = None,
    max_examples: int = 10,
    other_examples: int = 5,
    negative_tokens: Iterable[str] | None = None,
    timings: dict[str, float] | None = None,
) -> tuple[list[str], int]:
    """(failure messages, number of requests made).

    The first token gets ``max_examples`` valid requests per operation, the others ``other_examples``;
    invalid data is sent with ``negative_tokens`` (default: the first token only), ``other_examples``
    per operation."""

    checks = _checks()
    failures: list[str] = []
    calls = [0]
    names = list(tokens)
    neg = set(negative_tokens if negative_tokens is not None else names[:1])
    with _keep_db_connection():
        _run_all(operations(include), tokens, names, neg, checks, calls, failures, (max_examples, other_examples), timings)
    return failures, calls[0]


def _run_all(ops: list[Any], tokens: dict[str, str], names: list[str], neg: set[str], checks: list[Any], calls: list[int],
             failures: list[str], examples: tuple[int, int], timings: dict[str, float] | None) -> None:
    from hypothesis.errors import Unsatisfiable
    from schemathesis.generation import GenerationMode

    for op in ops:
        started = time.perf_counter()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            for who in names:
                if mode is GenerationMode.NEGATIVE and who not in neg:
                    continue
                n = examples[0] if mode is GenerationMode.POSITIVE and who == names[0] else examples[1]
                run = _runner(op, mode, {"Authorization": f"Bearer {tokens[who]}"}, checks, calls, n)
                try:
                    run()
                except Unsatisfiable:
                    # no invalid input exists (e.g. a public operation without parameters)
                    if mode is not GenerationMode.NEGATIVE:
                        failures.append(f"{op.method.upper()} {op.path} [{mode.value}, {who}]: no valid input generated")
                except (Exception, BaseExceptionGroup) as exc:  # collect every failure, report them together
                    failures.append(f"{op.method.upper()} {op.path} [{mode.value}, {who}]: {str(exc)[:2000]}")
        if timings is not None:
            timings[f"{op.method.upper()} {op.path}"] = time.perf_counter() - started
