"""Reminder e-mails N days before the deadline (task + command) and the demo reports."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from baocao.reporting import services as s
from baocao.reporting.models import State, Submission
from baocao.reporting.tasks import due_reminders, send_reminders

pytestmark = pytest.mark.django_db


def test_reminders_go_to_departments_that_have_not_submitted(world):
    w = world
    sub, period = s.open_submission(w.reporter, "ICT-Q", w.period.code, "P04", "enter")
    s.save_values(sub, period, w.reporter, {"POST_ENTERPRISES": {"value": "3"}})
    s.submit(sub, w.approver)
    deadline = s.deadline_info(w.form_q, w.period).deadline
    day = deadline - dt.timedelta(days=7)
    due = [r for r in due_reminders(day, [7]) if r.form.code == "ICT-Q"]
    assert len(due) == 33 and "P04" not in {r.area.uid for r in due}
    assert next(r for r in due if r.area.uid == "P20").emails == ("ls.chuyenvien@example.vn", "ls.lanhdao@example.vn")
    assert due_reminders(day - dt.timedelta(days=1), [7]) == [] or all(r.form.code != "ICT-Q" for r in due_reminders(day - dt.timedelta(days=1), [7]))
    mail.outbox.clear()
    result = send_reminders(day, [7])
    quarterly = [m for m in mail.outbox if w.form_q.symbol in m.subject]
    assert len(quarterly) == 1
    msg = quarterly[0]
    assert msg.to == ["ls.chuyenvien@example.vn", "ls.lanhdao@example.vn"]
    assert w.period.label_vi in msg.subject and f"{deadline:%d/%m/%Y}" in msg.body and "còn 7 ngày" in msg.body
    assert result["sent"] == len(mail.outbox) and result["no_address"] == result["due"] - result["sent"]


def test_reminder_command_enqueues_or_runs(world):
    out = io.StringIO()
    call_command("reporting_reminders", stdout=out)
    assert "Đã đưa vào hàng đợi" in out.getvalue()
    from django_tasks_db.models import DBTaskResult

    assert DBTaskResult.objects.filter(task_path__endswith="send_reminders_task").count() == 1
    out = io.StringIO()
    call_command("reporting_reminders", "--now", "--days", "0", stdout=out)
    assert "báo cáo chưa gửi" in out.getvalue()


def test_demo_reports_in_every_state(world):
    from baocao.datavalues.services import bulk_write
    from baocao.geo.services import provinces_on
    from baocao.reporting.demo import working_period

    # A little demo-like history: the previous quarter's values for every province.
    period = working_period(world.form_q, timezone.localdate())
    assert period is not None
    prev = period.previous()
    rows = [
        {"indicator": code, "area": a.uid, "period": prev.code, "value": v}
        for a in provinces_on(prev.end)
        for code, v in (("POST_ENTERPRISES", 5), ("POST_SERVICE_POINTS", 120))
    ]
    bulk_write(rows, source="demo")
    out = io.StringIO()
    call_command("demo_reporting", stdout=out)
    states = set(Submission.objects.values_list("state", flat=True))
    assert states == {State.DRAFT, State.SUBMITTED, State.ACCEPTED, State.RETURNED}
    cb = Submission.objects.get(form__code="ICT-Q", period=period.code, area__uid="P04")
    assert cb.state == State.RETURNED and cb.return_reason and cb.signature
    assert s.verify(cb).ok
    c = s.completeness(world.form_q, prev)
    assert 0 < c.submitted < c.expected and c.late > 0
    # Running it again gives the same picture.
    before = sorted(Submission.objects.values_list("form__code", "period", "area__uid", "state"))
    call_command("demo_reporting", stdout=io.StringIO())
    assert sorted(Submission.objects.values_list("form__code", "period", "area__uid", "state")) == before
    assert all(s.verify(x).ok for x in Submission.objects.exclude(digest=""))
