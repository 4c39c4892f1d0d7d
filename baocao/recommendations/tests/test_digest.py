"""The daily digest: what is due within 3 days or overdue, one message per unit; the command enqueues or runs it."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from baocao.recommendations import services as s
from baocao.recommendations.models import Recommendation
from baocao.recommendations.tasks import digest_items, send_digest, send_digest_task

from .factories import World, d

pytestmark = pytest.mark.django_db
TODAY = d("2026-06-10")


@pytest.fixture
def w():
    w = World()
    mk = lambda title, received: s.create_recommendation(  # noqa: E731
        w.reporter_cb, s.NewRecommendation(title=title, text=title, received_on=d(received))
    )
    soon = mk("Sắp đến hạn", "2026-06-01")
    s.assign(w.officer, soon, w.telecom.pk, due_on=d("2026-06-12"))  # in 2 days
    late = mk("Quá hạn", "2026-05-01")
    s.assign(w.officer, late, w.infosec.pk, due_on=d("2026-06-01"))  # 9 days late
    later = mk("Còn xa", "2026-06-01")
    s.assign(w.officer, later, w.telecom.pk, due_on=d("2026-06-30"))
    unassigned = mk("Chưa giao", "2026-05-20")
    Recommendation.objects.filter(pk=unassigned.pk).update(due_on=d("2026-06-11"))
    done = mk("Đã trả lời", "2026-05-01")
    s.assign(w.officer, done, w.telecom.pk, due_on=d("2026-06-01"))
    s.answer(w.unit_user, done, "Xong", answered_on=d("2026-05-20"))
    s.create_directive(w.officer, "Nhiệm vụ quá hạn", "L", [w.dept_cb.pk, w.telecom.pk], given_on=d("2026-05-01"), due_on=d("2026-06-05"))
    s.create_directive(w.officer, "Nhiệm vụ còn xa", "L", [w.dept_lc.pk], given_on=d("2026-05-01"), due_on=d("2026-07-05"))
    mail.outbox.clear()
    return w


def test_digest_groups_by_unit(w):
    groups = digest_items(TODAY)
    titles = {k: sorted(x.title for x in v["recommendations"] + v["directives"]) for k, v in groups.items()}
    assert titles == {
        w.telecom.pk: ["Nhiệm vụ quá hạn", "Sắp đến hạn"],
        w.infosec.pk: ["Quá hạn"],
        w.dept_cb.pk: ["Nhiệm vụ quá hạn"],
        None: ["Chưa giao"],
    }


def test_send_digest_mails_each_unit(w):
    result = send_digest(TODAY)
    assert result == {"groups": 4, "items": 5, "messages": 4}
    by_to = {tuple(m.to): m for m in mail.outbox}
    assert set(by_to) == {("cucvienthong@example.org",), ("cucattt@example.org",), ("lanhdaocaobang@example.org", "socaobang@example.org"), ("vanphong@example.org",)}
    body = by_to[("cucattt@example.org",)].body
    assert "Quá hạn (hạn 01/06/2026, quá hạn 9 ngày)" in body
    assert "còn 2 ngày" in by_to[("cucvienthong@example.org",)].body


def test_command_runs_now_or_enqueues(w):
    out = StringIO()
    call_command("recommendations_digest", "--now", "--date", "2026-06-10", stdout=out)
    assert "Đã gửi 4 thư cho 4 đơn vị (5 việc" in out.getvalue()
    n = DBTaskResult.objects.count()
    out = StringIO()
    call_command("recommendations_digest", "--date", "2026-06-10", stdout=out)
    assert "Đã đưa vào hàng đợi" in out.getvalue()
    assert DBTaskResult.objects.count() == n + 1
    row = DBTaskResult.objects.latest("enqueued_at")
    assert row.task_path.endswith("send_digest_task") and row.args_kwargs["args"] == ["2026-06-10"]


def test_task_body(w):
    assert send_digest_task.call("2026-06-10")["items"] == 5
    assert send_digest_task.call("2026-01-01")["items"] == 0
