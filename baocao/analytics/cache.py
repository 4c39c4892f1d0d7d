"""Analytics results cached without ever being stale.

A cached result is stored under a key that contains the *data stamp*: a short fingerprint of everything
the analytics read, taken in one query of indexed look-ups (about a millisecond):

- values: the largest id (a new value) and the latest ``updated_at`` (a changed value) of
  ``DataValue``, and the largest id of ``DataValueHistory`` (every delete and every update copies the
  old state there first);
- reports: the number of ``Submission`` rows, their latest ``updated_at`` (every state change saves the
  report) and the largest id of ``SubmissionEvent``, since a value counts only once its report is accepted;
- reference data (indicators and their aggregation rules, the administrative map and its successions,
  report forms, targets, directions, key indicators): the token of ``analytics.Stamp``, drawn anew by a
  signal whenever one of them is saved or deleted (``STAMPED_MODELS``).

When anything changes, the stamp changes, so the next request computes afresh and stores the result
under the new key; entries under old stamps are never read again and expire (``TTL_SECONDS``). Readers
therefore see exactly what an uncached computation would show, the moment a report is accepted; the
cache only spares recomputing the same answer for the many readers of an unchanged dashboard.

Writes that bypass both the ORM's signals and the value tables (raw SQL edits of reference data in a
database shell) are not seen: run ``baocao clear_analytics_cache`` after such an edit.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import connection

T = TypeVar("T")

#: How long an entry lives (seconds); it can only be reached while the data stamp is unchanged.
TTL_SECONDS = 600
KEY_PREFIX = "analytics:v1:"

#: Reference models read by the analytics: a save or delete of any of them draws a new stamp token.
STAMPED_MODELS = (
    "catalog.Domain", "catalog.Indicator", "catalog.Disaggregation",
    "geo.AdminArea", "geo.AreaSuccession",
    "reporting.ReportForm", "reporting.FormVersion", "reporting.FormSection", "reporting.FormItem",
    "analytics.Target", "analytics.Direction", "analytics.KeyIndicator",
)


def _stamp_sql() -> str:
    from baocao.analytics.models import Stamp
    from baocao.datavalues.models import DataValue, DataValueHistory
    from baocao.reporting.models import Submission, SubmissionEvent

    q = connection.ops.quote_name
    dv, dvh = q(DataValue._meta.db_table), q(DataValueHistory._meta.db_table)
    sub, ev, st = q(Submission._meta.db_table), q(SubmissionEvent._meta.db_table), q(Stamp._meta.db_table)
    return (
        f"SELECT (SELECT MAX(id) FROM {dv}), (SELECT MAX(updated_at) FROM {dv}), (SELECT MAX(id) FROM {dvh}),"
        f" (SELECT COUNT(*) FROM {sub}), (SELECT MAX(updated_at) FROM {sub}), (SELECT MAX(id) FROM {ev}),"
        f" (SELECT MAX(token) FROM {st})"
    )


def data_stamp() -> str:
    """The fingerprint of the data the analytics read (see the module's text); changes with any of it."""
    with connection.cursor() as cur:
        cur.execute(_stamp_sql())
        row = cur.fetchone()
    return "|".join("" if x is None else str(x) for x in row)


def reference_token() -> str:
    """The reference-data part of the stamp alone (one single-row read): changes whenever indicators,
    the map, report forms, targets or key indicators change. Lets other apps keep reference data they
    read on every request (a form's items) in memory and still never use it after a change."""
    from baocao.analytics.models import Stamp

    return Stamp.objects.filter(pk=1).values_list("token", flat=True).first() or ""


class ReferenceMemo:
    """A small per-process memo of values derived from reference data only, dropped when the reference
    token changes (``reference_token``); at most ``size`` entries."""

    instances: list[ReferenceMemo] = []

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self.data: dict[Any, Any] = {}
        ReferenceMemo.instances.append(self)

    @classmethod
    def clear_all(cls) -> None:
        """Forget everything (tests: each test's database is rolled back, and with it the token)."""
        for memo in cls.instances:
            memo.data.clear()

    def get(self, key: Any, compute: Callable[[], T], token: str | None = None) -> T:
        full = (token if token is not None else reference_token(), connection.alias, key)
        try:
            return self.data[full]
        except KeyError:
            pass
        value = compute()
        if len(self.data) >= self.size:
            self.data.clear()
        self.data[full] = value
        return value


def new_token() -> None:
    """Draw a new reference-data token (part of the stamp), inside the caller's transaction: if that
    transaction rolls back, the old token stays and the new one is never seen again."""
    from baocao.analytics.models import Stamp

    token = uuid.uuid4().hex
    if not Stamp.objects.filter(pk=1).update(token=token):
        Stamp.objects.update_or_create(pk=1, defaults={"token": token})


def cached(name: str, params: tuple, compute: Callable[[], T], stamp: str | None = None) -> T:
    """``compute()``, or its result stored for the same ``name``, ``params`` and data stamp (``stamp``:
    one taken by the caller in the same request, to read it once for several results)."""
    if stamp is None:
        stamp = data_stamp()
    raw = repr((name, params, stamp, connection.alias, connection.settings_dict.get("NAME")))
    key = KEY_PREFIX + hashlib.sha256(raw.encode()).hexdigest()
    try:
        hit = cache.get(key)
    except Exception:  # noqa: BLE001 - a cache that is down costs speed, never the answer
        hit = None
    if hit is not None:
        return hit
    result = compute()
    try:
        cache.set(key, result, TTL_SECONDS)
    except Exception:  # noqa: BLE001 - a cache that is down or full costs speed, never the answer
        pass
    return result


def clear() -> None:
    """Forget every cached analytics result (after raw edits the stamp cannot see)."""
    new_token()


def connect_signals() -> None:
    """Called from ``AnalyticsConfig.ready``: a new token on every save or delete of ``STAMPED_MODELS``."""
    from django.apps import apps
    from django.db.models.signals import m2m_changed, post_delete, post_save

    def bump(sender: Any, **kwargs: Any) -> None:
        new_token()

    for label in STAMPED_MODELS:
        model = apps.get_model(label)
        post_save.connect(bump, sender=model, dispatch_uid=f"analytics-stamp-save-{label}")
        post_delete.connect(bump, sender=model, dispatch_uid=f"analytics-stamp-delete-{label}")
        for m2m in model._meta.many_to_many:
            m2m_changed.connect(bump, sender=m2m.remote_field.through, dispatch_uid=f"analytics-stamp-m2m-{label}-{m2m.name}")
