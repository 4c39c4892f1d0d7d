"""Shared pieces of the API routers: cursor pagination, number and date rendering, ETags."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Annotated, Any

from django.db.models import Q, QuerySet
from ninja import Path, Schema
from pydantic import create_model

from .errors import ApiProblem

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MAX_ID = 2**63 - 1  # ids are 64-bit; larger path ids are refused (422), not sent to the database
#: A row id in a path: 1 … 2⁶³−1 (anything else is a 422 problem, never a routing 404 or a database error).
ObjectId = Annotated[int, Path(ge=1, le=MAX_ID)]


def dec(d: Decimal | None) -> str | None:
    """A stored number as a plain decimal string without trailing zeros (``"16.2"``, ``"516033"``)."""
    if d is None:
        return None
    d = Decimal(d)
    text = format(d.normalize(), "f")
    return "0" if text in ("-0", "") else text


def page_schema(item: type[Schema], name: str) -> type[Schema]:
    """``{items: [item], nextCursor, limit}`` under its own component name (OpenAPI-safe)."""
    return create_model(name, __base__=Schema, items=(list[item], ...), nextCursor=(str | None, None), limit=(int, ...))


def _filter_hash(filters: dict[str, Any]) -> str:
    raw = json.dumps(filters, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(raw.encode()).hexdigest()[:12]


def encode_cursor(order: str, keys: Sequence[Any], filters: dict[str, Any]) -> str:
    payload = {"o": order, "k": [k.isoformat() if isinstance(k, dt.datetime) else k for k in keys], "f": _filter_hash(filters)}
    return base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, order: str, filters: dict[str, Any]) -> list[Any]:
    bad = ApiProblem(422, "Invalid cursor", f"cursor “{cursor[:40]}” is not a cursor returned by this endpoint for these filters.",
                     type="validation", errors=[{"field": "query.cursor", "message": "invalid or stale cursor"}])
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload = json.loads(raw)
        keys = payload["k"]
        ok = payload["o"] == order and payload["f"] == _filter_hash(filters) and isinstance(keys, list)
    except (ValueError, TypeError, KeyError, UnicodeDecodeError):
        raise bad from None
    if not ok:
        raise bad
    try:
        if order == "updated":
            ts = dt.datetime.fromisoformat(keys[0])
            if ts.tzinfo is None:
                raise ValueError
            return [ts, int(keys[1])]
        return [int(keys[0])]
    except (ValueError, TypeError, IndexError):
        raise bad from None


def paginate(qs: QuerySet, *, cursor: str | None, limit: int, filters: dict[str, Any], order: str = "id") -> tuple[list[Any], str | None]:
    """Keyset pagination: ``order`` "id" (stable under inserts: new rows come last) or "updated"
    (``updated_at``, ``id``: a row changed while paging reappears later, none is skipped)."""
    if order == "updated":
        qs = qs.order_by("updated_at", "id")
        if cursor:
            ts, last_id = decode_cursor(cursor, order, filters)
            qs = qs.filter(Q(updated_at__gt=ts) | Q(updated_at=ts, id__gt=last_id))
    else:
        qs = qs.order_by("id")
        if cursor:
            (last_id,) = decode_cursor(cursor, order, filters)
            qs = qs.filter(id__gt=last_id)
    rows = list(qs[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    nxt = None
    if more and rows:
        last = rows[-1]
        nxt = encode_cursor(order, [last.updated_at, last.pk] if order == "updated" else [last.pk], filters)
    return rows, nxt


def etag(version: int) -> str:
    return f'"{version}"'


def parse_if_match(header: str | None, current: int) -> int | None:
    """The version the client read, from ``If-Match`` (``"3"``, ``W/"3"``, ``*``, or a list).

    Returns None when the header is absent; the current version when one of the tags matches or
    ``*``; otherwise the first tag's number (or -1 when unreadable) so that the caller reports 412."""
    if header is None or not header.strip():
        return None
    tags = [t.strip() for t in header.split(",") if t.strip()]
    first = -1
    for i, tag in enumerate(tags):
        if tag == "*":
            return current
        if tag.startswith("W/"):
            tag = tag[2:]
        tag = tag.strip('"')
        if tag.isdigit():
            n = int(tag)
            if n == current:
                return n
            if i == 0:
                first = n
    return first


def parse_day(text: str | None, field: str) -> dt.date | None:
    if text is None or text == "":
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ApiProblem(422, "Invalid request", f"{field}: “{text}” is not a date (YYYY-MM-DD).", type="validation",
                         errors=[{"field": f"query.{field}", "message": "expected a date YYYY-MM-DD"}]) from None
