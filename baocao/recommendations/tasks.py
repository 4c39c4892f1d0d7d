"""The daily digest: recommendations and directives due within 3 days or overdue, one e-mail per unit.

``send_digest_task`` is a django-tasks task (database backend in production, run by
``baocao db_worker``); ``baocao recommendations_digest`` enqueues it (or runs it at once with ``--now``).
Schedule the command once a day (cron or a systemd timer).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone
from django_tasks import task

from baocao.accounts.models import Role

from . import notify
from .models import OPEN_DIR_STATES, OPEN_REC_STATES, Directive, Recommendation, RecState

DIGEST_DAYS = 3


def digest_items(today: dt.date, days: int = DIGEST_DAYS) -> dict[int | None, dict[str, list[Any]]]:
    """Open items due on or before ``today + days``, grouped by the organisation that must act.

    The key ``None`` collects recommendations not yet assigned (the Ministry's office acts on them).
    """
    horizon = today + dt.timedelta(days=days)
    out: dict[int | None, dict[str, list[Any]]] = defaultdict(lambda: {"recommendations": [], "directives": []})
    recs = (
        Recommendation.objects.filter(state__in=OPEN_REC_STATES, due_on__isnull=False, due_on__lte=horizon)
        .select_related("lead_unit")
        .order_by("due_on", "id")
    )
    for r in recs:
        key = r.lead_unit_id if r.state == RecState.ASSIGNED else None
        out[key]["recommendations"].append(r)
    dirs = Directive.objects.filter(state__in=OPEN_DIR_STATES, due_on__lte=horizon).prefetch_related("assignees").order_by("due_on", "id")
    for d in dirs:
        for org in d.assignees.all():
            out[org.id]["directives"].append(d)
    return dict(out)


def _line(item: Recommendation | Directive, today: dt.date) -> str:
    late = (today - item.due_on).days
    when = f"quá hạn {late} ngày" if late > 0 else ("đến hạn hôm nay" if late == 0 else f"còn {-late} ngày")
    return f"- {item.reference} {item.title} (hạn {item.due_on:%d/%m/%Y}, {when})"


def send_digest(today: dt.date | None = None) -> dict[str, int]:
    """Send one message per organisation (and one to the office for unassigned items)."""
    today = today or timezone.localdate()
    groups = digest_items(today)
    office = sorted(
        {
            u.email
            for u in get_user_model().objects.filter(
                is_active=True, profile__role__in=[Role.MINISTRY_OFFICER]
            ).exclude(email="")
        }
    )
    sent = 0
    items = 0
    for org_id, g in groups.items():
        to = office if org_id is None else notify.member_emails([org_id])
        lines = [f"Danh sách việc đến hạn trong {DIGEST_DAYS} ngày hoặc quá hạn, ngày {today:%d/%m/%Y}:"]
        if g["recommendations"]:
            lines.append("\nKiến nghị:")
            lines += [_line(r, today) for r in g["recommendations"]]
        if g["directives"]:
            lines.append("\nNhiệm vụ:")
            lines += [_line(d, today) for d in g["directives"]]
        items += len(g["recommendations"]) + len(g["directives"])
        sent += notify._send(f"[baocao] Việc đến hạn ngày {today:%d/%m/%Y}", "\n".join(lines), to)
    return {"groups": len(groups), "items": items, "messages": sent}


@task()
def send_digest_task(day: str | None = None) -> dict[str, int]:
    """django-tasks entry point; ``day`` is an ISO date (default today)."""
    return send_digest(dt.date.fromisoformat(day) if day else None)
