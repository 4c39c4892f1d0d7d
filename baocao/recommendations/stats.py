"""Statistics of recommendations and directives for any period, in the shape of the Ministry's quarterly report.

The cohort is the recommendations *received* in ``[start, end]`` (directives *given* in it); their
state is judged *as of* ``as_of = min(end, today)`` from the dated columns, so the figures for a
past quarter do not change when an item is answered later:

- resolved: answered or declined on or before ``as_of`` (``resolved_on``); in progress = received − resolved;
- overdue: not resolved by ``as_of`` and ``due_on < as_of``;
- answered on time: ``answered_on <= due_on``, as a share of the answered items that have a due date;
- median days to answer: calendar days from receipt to answer, over the answered items.

A directive "must be sped up" (per assignee) when it is open and either overdue or behind schedule:
its reported percentage is more than ``SPEED_UP_MARGIN`` points below the share of its time elapsed.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from .models import OPEN_DIR_STATES, Directive, DirState, Recommendation, RecState, SenderType

SPEED_UP_MARGIN = 25


def _share(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def _median(values: list[int]) -> float | None:
    return float(statistics.median(values)) if values else None


def _summarise(recs: Iterable[Recommendation], as_of: dt.date) -> dict[str, Any]:
    recs = list(recs)
    resolved = [r for r in recs if r.resolved_on and r.resolved_on <= as_of]
    answered = [r for r in recs if r.answered_on and r.answered_on <= as_of]
    with_due = [r for r in answered if r.due_on]
    on_time = [r for r in with_due if r.answered_on <= r.due_on]
    open_ = [r for r in recs if not (r.resolved_on and r.resolved_on <= as_of)]
    return {
        "received": len(recs),
        "resolved": len(resolved),
        "answered": len(answered),
        "declined": sum(1 for r in resolved if r.state == RecState.DECLINED),
        "published": sum(1 for r in recs if r.published_on and r.published_on <= as_of),
        "in_progress": len(open_),
        "overdue": sum(1 for r in open_ if r.due_on and r.due_on < as_of),
        "answered_on_time": len(on_time),
        "on_time_share": _share(len(on_time), len(with_due)),
        "median_days_to_answer": _median([(r.answered_on - r.received_on).days for r in answered]),
    }


def recommendation_stats(start: dt.date, end: dt.date, today: dt.date | None = None) -> dict[str, Any]:
    today = today or timezone.localdate()
    as_of = min(end, today)
    recs = list(
        Recommendation.objects.filter(received_on__gte=start, received_on__lte=end).select_related("lead_unit", "area", "session")
    )
    out = _summarise(recs, as_of)
    by_type: dict[str, list[Recommendation]] = {t: [] for t in SenderType.values}
    for r in recs:
        by_type[r.sender_type].append(r)
    out["by_sender_type"] = [
        {"code": t, "label": SenderType(t).label, **_summarise(items, as_of)} for t, items in by_type.items()
    ]
    at_sessions = [r for r in recs if r.session_id]
    out["at_sessions"] = len(at_sessions)
    out["sessions"] = _summarise(at_sessions, as_of)
    out["sessions"]["answered_share"] = _share(out["sessions"]["answered"], len(at_sessions))
    out["sessions"]["published_share"] = _share(out["sessions"]["published"], len(at_sessions))

    per_unit: dict[Any, list[Recommendation]] = defaultdict(list)
    per_area: dict[Any, list[Recommendation]] = defaultdict(list)
    for r in recs:
        if r.lead_unit_id:
            per_unit[r.lead_unit].append(r)
        per_area[r.area].append(r)
    out["per_unit"] = [
        {"id": u.pk, "uid": u.uid, "name": u.name, **_summarise(items, as_of)}
        for u, items in sorted(per_unit.items(), key=lambda kv: kv[0].name)
    ]
    out["per_province"] = [
        {"id": a.pk if a else None, "uid": a.uid if a else None, "name": a.name if a else "Không gắn tỉnh", **_summarise(items, as_of)}
        for a, items in sorted(per_area.items(), key=lambda kv: (kv[0] is None, kv[0].name if kv[0] else ""))
    ]
    return out


def _expected_percent(d: Directive, as_of: dt.date) -> float:
    total = (d.due_on - d.given_on).days
    if total <= 0:
        return 100.0
    return max(0.0, min(100.0, 100.0 * (as_of - d.given_on).days / total))


def speed_up_list(as_of: dt.date, end: dt.date | None = None) -> list[dict[str, Any]]:
    """Open directives each assignee must speed up, grouped by assignee (most overdue first)."""
    qs = Directive.objects.filter(state__in=OPEN_DIR_STATES).prefetch_related("assignees")
    if end is not None:
        qs = qs.filter(given_on__lte=end)
    groups: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for d in qs:
        expected = _expected_percent(d, as_of)
        overdue_days = (as_of - d.due_on).days
        if overdue_days > 0 or d.percent + SPEED_UP_MARGIN < expected:
            item = {
                "id": d.pk,
                "reference": d.reference,
                "title": d.title,
                "given_on": d.given_on.isoformat(),
                "due_on": d.due_on.isoformat(),
                "percent": d.percent,
                "expected_percent": round(expected, 1),
                "days_overdue": max(0, overdue_days),
                "state": d.state,
            }
            for org in d.assignees.all():
                groups[org].append(item)
    return [
        {
            "id": org.pk,
            "uid": org.uid,
            "name": org.name,
            "kind": org.kind,
            "directives": sorted(items, key=lambda i: (-i["days_overdue"], i["due_on"], i["id"])),
        }
        for org, items in sorted(groups.items(), key=lambda kv: (-max(i["days_overdue"] for i in kv[1]), kv[0].name))
    ]


def directive_stats(start: dt.date, end: dt.date, today: dt.date | None = None) -> dict[str, Any]:
    today = today or timezone.localdate()
    as_of = min(end, today)
    ds = list(Directive.objects.filter(given_on__gte=start, given_on__lte=end))
    done = [d for d in ds if d.state == DirState.DONE and d.done_on and d.done_on <= as_of]
    cancelled = [d for d in ds if d.state == DirState.CANCELLED]
    open_ = [d for d in ds if d not in done and d not in cancelled]
    return {
        "given": len(ds),
        "done": len(done),
        "done_on_time": sum(1 for d in done if d.done_on <= d.due_on),
        "cancelled": len(cancelled),
        "open": len(open_),
        "overdue": sum(1 for d in open_ if d.due_on < as_of),
        "speed_up": speed_up_list(as_of, end),
    }


def period_stats(start: dt.date, end: dt.date, today: dt.date | None = None, viewer: Any = None) -> dict[str, Any]:
    """Everything the statistics page and its JSON show. With a ``viewer`` who is not a Ministry user,
    the "speed up" list keeps only the directives that viewer may open (titles are not counts)."""
    today = today or timezone.localdate()
    directives = directive_stats(start, end, today)
    if viewer is not None:
        directives["speed_up"] = _visible_speed_up(directives["speed_up"], viewer)
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "as_of": min(end, today).isoformat(),
        "recommendations": recommendation_stats(start, end, today),
        "directives": directives,
    }


def _visible_speed_up(groups: list[dict[str, Any]], viewer: Any) -> list[dict[str, Any]]:
    from .services import is_ministry, visible_directives

    if is_ministry(viewer):
        return groups
    visible = set(visible_directives(viewer).values_list("pk", flat=True))
    out = []
    for g in groups:
        items = [i for i in g["directives"] if i["id"] in visible]
        if items:
            out.append({**g, "directives": items})
    return out
