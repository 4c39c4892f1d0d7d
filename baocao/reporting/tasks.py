"""Reminder e-mails to departments that have not submitted a report N days before its deadline.

``send_reminders_task`` is a django-tasks task (database backend; ``baocao db_worker`` runs it);
``baocao reporting_reminders`` enqueues it (or runs it at once with ``--now``). Schedule the command
once a day: a department is reminded when the deadline is exactly ``days`` days away (default 7
and 1 days, and on the deadline day itself with 0).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.utils import timezone
from django_tasks import task

from baocao.accounts.models import Role
from baocao.geo.services import provinces_on
from baocao.periods.services import Period

from . import services as s
from .models import SUBMITTED_STATES, ReportForm, Submission

log = logging.getLogger(__name__)
DEFAULT_DAYS = (7, 1)


@dataclass(frozen=True)
class Reminder:
    form: ReportForm
    period: Period
    area: Any
    deadline: dt.date
    emails: tuple[str, ...]


def _emails(area_id: int) -> tuple[str, ...]:
    users = get_user_model().objects.filter(
        is_active=True, profile__area_id=area_id, profile__role__in=[Role.PROVINCE_REPORTER, Role.PROVINCE_APPROVER]
    ).exclude(email="")
    return tuple(sorted({u.email for u in users}))


def due_reminders(today: dt.date, days: Iterable[int] = DEFAULT_DAYS) -> list[Reminder]:
    """For every active form: the periods whose deadline is exactly one of ``days`` away, and the
    provinces (valid at the period's end) that have not submitted them."""
    wanted = set(days)
    out = []
    for form in ReportForm.objects.filter(active=True).select_related("regime"):
        start = s.current_periods(form, today, count=3)[-1]
        for period in [start.shift(i) for i in range(5)]:
            info = s.deadline_info(form, period, today)
            if (info.deadline - today).days not in wanted:
                continue
            done = set(
                Submission.objects.filter(form=form, period=period.code, state__in=SUBMITTED_STATES).values_list("area_id", flat=True)
            )
            for area in provinces_on(period.end).order_by("code"):
                if area.pk not in done:
                    out.append(Reminder(form, period, area, info.deadline, _emails(area.pk)))
    return out


def _body(r: Reminder, today: dt.date) -> str:
    left = (r.deadline - today).days
    when = "hôm nay" if left == 0 else f"còn {left} ngày"
    return (
        f"Kính gửi Sở phụ trách báo cáo ngành thông tin và truyền thông {r.area.name},\n\n"
        f"Báo cáo {r.form.symbol} – {r.form.title}, kỳ {r.period.label_vi}, có hạn gửi ngày "
        f"{r.deadline:%d/%m/%Y} ({when}) và chưa được gửi lên Bộ.\n"
        f"Đề nghị Sở hoàn thành nhập số liệu và gửi báo cáo đúng hạn.\n\n"
        f"Thư gửi tự động từ hệ thống baocao."
    )


def send_reminders(today: dt.date | None = None, days: Iterable[int] = DEFAULT_DAYS) -> dict[str, int]:
    """Send one message per (form, period, province) not yet submitted; returns counts."""
    today = today or timezone.localdate()
    sent = skipped = 0
    reminders = due_reminders(today, days)
    sender = getattr(settings, "DEFAULT_FROM_EMAIL", "baocao@localhost")
    for r in reminders:
        if not r.emails:
            skipped += 1
            continue
        subject = f"[baocao] Nhắc hạn gửi báo cáo {r.form.symbol} {r.period.label_vi}"
        try:
            sent += send_mail(subject, _body(r, today), sender, list(r.emails), fail_silently=False)
        except Exception:  # noqa: BLE001 - one failed message must not stop the others; it is logged
            log.exception("Không gửi được thư nhắc: %s %s", subject, r.area.uid)
    return {"due": len(reminders), "sent": sent, "no_address": skipped}


@task()
def send_reminders_task(day: str | None = None, days: list[int] | None = None) -> dict[str, int]:
    """django-tasks entry point; ``day`` is an ISO date (default today)."""
    return send_reminders(dt.date.fromisoformat(day) if day else None, days or DEFAULT_DAYS)
