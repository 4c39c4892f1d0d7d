"""Thin adapters to the libraries the reporting app calls (validation rules, Excel, the audit log).

Each adapter keeps the reporting code independent of a library's exact shapes: it converts our
values to what the library takes and its answers to our ``Problem`` objects. When a library is not
installed the adapter degrades (no rules, no audit row) instead of failing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from baocao.datavalues.services import DataValueError

__all__ = ["DataValueError", "audit", "check_values"]

log = logging.getLogger(__name__)


def audit(action: str, **kwargs: Any) -> None:
    """Record an audit event (``baocao.audit.services.record``)."""
    try:
        from baocao.audit.services import record
    except ImportError:  # pragma: no cover - the audit app is part of the project
        log.info("audit %s %s", action, kwargs.get("label", ""))
        return
    record(action, **kwargs)


def _key(code: str, disagg: str) -> str:
    return f"{code}.{disagg}" if disagg else code


def check_values(values: Mapping[tuple[str, str], Any], *, period: Any, area: Any = None, outliers: bool = True) -> list[Any]:
    """Run the validation rules over ``values`` ((code, disagg) → DataValue); a list of ``Problem``.
    ``outliers``: add the outlier warnings (when ``area`` is given)."""
    from .services import Problem

    try:
        from baocao.validation import services as validation
    except ImportError:
        return []
    check = getattr(validation, "check_values", None)
    if check is None:
        return []
    violations = list(check(values, period=period, area=area))
    if outliers and area is not None and values:
        violations += _outliers(values, period, area)
    out = []
    for v in violations:
        keys = []
        for ref in getattr(v, "fields", None) or getattr(v, "indicators", None) or []:
            if isinstance(ref, tuple):
                keys.append(_key(*ref))
            else:
                keys.append(str(ref).replace("[", ".").replace("]", ""))
        out.append(Problem(str(getattr(v, "severity", "error")), str(getattr(v, "message", v)), keys))
    return out


def _outliers(values: Mapping[tuple[str, str], Any], period: Any, area: Any) -> list[Any]:
    """Outlier warnings (median/MAD against the province's history and its peers) for ``values``."""
    try:
        from baocao.validation.outliers import OutlierContext
    except ImportError:
        return []
    ctx = OutlierContext(period, areas=[area], indicators=sorted({code for code, _ in values}))
    out = []
    for (code, disagg), v in values.items():
        out += [w.to_violation() for w in ctx.check(area, code, disagg, v)]
    return out
