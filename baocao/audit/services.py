"""Record audit events: ``record(action, actor=…, obj=…, area=…, details=…, request=…)``.

``record`` never fails because a request, an IP address or a user is missing or odd; details are
made JSON-safe (Decimals, dates, sets become strings or lists). Database errors are not swallowed:
an audit row written in the same transaction as the change succeeds or fails with it.
"""

from __future__ import annotations

import ipaddress
import json
import logging
from collections.abc import Mapping
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from .models import AuditEvent

log = logging.getLogger(__name__)


def client_ip(request: Any) -> str | None:
    """The client's address from ``REMOTE_ADDR`` (proxies must set it), or None when absent or invalid."""
    meta = getattr(request, "META", None) or {}
    raw = str(meta.get("REMOTE_ADDR") or "").strip()
    if not raw:
        return None
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return None


def _json_safe(details: Any) -> dict[str, Any]:
    if details is None:
        return {}
    if not isinstance(details, Mapping):
        details = {"value": details}
    try:
        return json.loads(json.dumps(dict(details), cls=DjangoJSONEncoder, ensure_ascii=False, default=str))
    except (TypeError, ValueError):
        return {str(k): str(v) for k, v in details.items()}


def _user(actor: Any, request: Any) -> Any:
    if actor is None and request is not None:
        actor = getattr(request, "user", None)
    if actor is None or not getattr(actor, "is_authenticated", False) or getattr(actor, "pk", None) is None:
        return None
    return actor


def _area_of(obj: Any) -> Any:
    """A province from the object when it has one (``area`` or ``organisation.area``)."""
    for path in ("area", "organisation.area", "org.area", "department.area"):
        cur = obj
        try:
            for part in path.split("."):
                cur = getattr(cur, part, None)
                if cur is None:
                    break
        except Exception:  # noqa: BLE001 - a missing related row must not break auditing
            cur = None
        if cur is not None and getattr(cur, "_meta", None) is not None and cur._meta.label == "geo.AdminArea":
            return cur
    return None


def record(
    action: str,
    *,
    actor: Any = None,
    obj: Any = None,
    label: str = "",
    area: Any = None,
    details: Mapping[str, Any] | None = None,
    request: Any = None,
    actor_label: str = "",
) -> AuditEvent:
    """Append one event to the audit log and return it.

    - ``actor``: a user (defaults to ``request.user`` when authenticated); its username is kept in
      ``actor_label`` so the event stays readable after the user is deleted. ``actor_label`` alone
      can name someone who has no user (a failed login's username).
    - ``obj``: any model instance (type ``app_label.model``, id and ``str(obj)`` are stored) or
      None; ``label`` overrides the human label.
    - ``area``: an ``AdminArea`` (or its pk) for filtering by province; taken from ``obj.area`` when
      not given.
    - ``details``: a JSON-able mapping (before/after values, reasons, …).
    - ``request``: the HTTP request, for the actor and the client IP (optional).
    """
    user = _user(actor, request)
    if not actor_label:
        source = user if user is not None else actor
        try:
            actor_label = str(source.get_username()) if source is not None else ""
        except Exception:  # noqa: BLE001 - an odd actor object: keep its text
            actor_label = str(source or "")
    object_type = object_id = ""
    if obj is not None:
        meta = getattr(obj, "_meta", None)
        object_type = meta.label_lower if meta is not None else type(obj).__name__
        pk = getattr(obj, "pk", None)
        object_id = "" if pk is None else str(pk)
        if not label:
            try:
                label = str(obj)
            except Exception:  # noqa: BLE001
                label = f"{object_type} #{object_id}"
    if area is None and obj is not None:
        area = _area_of(obj)
    area_id = getattr(area, "pk", area) if area is not None else None
    return AuditEvent.objects.create(
        actor=user,
        actor_label=(actor_label or "")[:150],
        action=str(action)[:40],
        object_type=object_type[:80],
        object_id=object_id[:64],
        object_label=(label or "")[:300],
        area_id=area_id,
        details=_json_safe(details),
        ip=client_ip(request) if request is not None else None,
    )


def _parts(v: Any) -> dict[str, Any] | None:
    if v is None:
        return None
    if isinstance(v, Mapping):
        return {k: v.get(k) for k in ("value", "numerator", "denominator") if v.get(k) is not None}
    return {k: getattr(v, k) for k in ("value", "numerator", "denominator") if getattr(v, k, None) is not None}


def record_value_change(
    dv: Any,
    *,
    old: Any = None,
    deleted: bool = False,
    actor: Any = None,
    request: Any = None,
    details: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """A data value created, updated (``old`` = its previous value-like) or ``deleted``, in one shape:
    action ``value.create|update|delete``, the value's province, label ``CODE[disagg] · area · period``
    and details ``{indicator, period, disagg, old, new}``."""
    action = "value.delete" if deleted else ("value.update" if old is not None else "value.create")
    code = getattr(getattr(dv, "indicator", None), "code", "") or str(getattr(dv, "indicator_id", ""))
    disagg = getattr(dv, "disagg", "") or ""
    area = getattr(dv, "area", None)
    label = f"{code}{f'[{disagg}]' if disagg else ''} · {getattr(area, 'name', '')} · {getattr(dv, 'period', '')}"
    info = {
        "indicator": code, "period": getattr(dv, "period", ""), "disagg": disagg,
        "old": _parts(old) if not deleted else _parts(dv), "new": None if deleted else _parts(dv),
        **(details or {}),
    }
    return record(action, actor=actor, obj=dv, label=label, area=area, details=info, request=request)


def events_for(obj: Any) -> Any:
    """Every event about one object, newest first."""
    return AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))


# --- login signals (connected in apps.py) ---------------------------------------------------------


def on_login(sender: Any, request: Any = None, user: Any = None, **kwargs: Any) -> None:
    record("login", actor=user, request=request)


def on_logout(sender: Any, request: Any = None, user: Any = None, **kwargs: Any) -> None:
    record("logout", actor=user, request=request)


def on_login_failed(sender: Any, credentials: Mapping[str, Any] | None = None, request: Any = None, **kwargs: Any) -> None:
    credentials = credentials or {}
    username = str(credentials.get("username") or credentials.get("email") or "")
    # Never store the password (Django already masks it; drop every other credential too).
    record("login_failed", actor_label=username, request=request, details={"username": username})
