"""The pages through Django's test client: entry, save errors in Vietnamese, the workflow buttons."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from baocao.datavalues.models import DataValue
from baocao.reporting.models import State, Submission

pytestmark = pytest.mark.django_db


def url(w, name="entry", area="P04", period=None, form="ICT-Q"):
    return reverse(f"reporting:{name}", args=[form, (period or w.period).code, area])


def test_index_lists_own_reports_and_review_queue(world, client):
    from baocao.reporting.demo import working_period

    # The list offers the quarters that have started (not the next one, even when its deadline is
    # what the world's "open" period is on days between a deadline and the next window).
    listed = working_period(world.form_q, timezone.localdate())
    client.force_login(world.reporter)
    r = client.get(reverse("reporting:index"))
    assert r.status_code == 200
    body = r.content.decode()
    assert "Cao Bằng" in body and listed.label_vi in body and url(world, period=listed) in body
    client.force_login(world.officer)
    r = client.get(reverse("reporting:index"))
    assert "Báo cáo chờ Bộ xem xét" in r.content.decode()
    client.logout()
    assert client.get(reverse("reporting:index")).status_code == 302


def test_entry_page_save_and_error(world, client):
    client.force_login(world.reporter)
    r = client.get(url(world))
    assert r.status_code == 200
    body = r.content.decode()
    assert 'name="value__POST_ENTERPRISES"' in body and 'name="numerator__POST_COMMUNES_WITH_POINT"' in body
    assert "reporting/entry.js" in body and "<script>" not in body
    r = client.post(url(world), {"value__POST_ENTERPRISES": "1.234", "comment__POST_ENTERPRISES": "", "version__POST_ENTERPRISES": "",
                                 "value__POST_SERVICE_POINTS": "12,3.4"})
    assert r.status_code == 400
    body = r.content.decode()
    assert "không phải là số viết theo kiểu Việt Nam" in body and "Không có số liệu nào được ghi" in body
    assert 'value="12,3.4"' in body  # what the user typed stays in the field
    assert not DataValue.objects.exists()
    r = client.post(url(world), {"value__POST_ENTERPRISES": "1.234", "value__POST_SERVICE_POINTS": "516.033"})
    assert r.status_code == 302
    assert DataValue.objects.get(indicator__code="POST_SERVICE_POINTS").value == Decimal(516033)
    r = client.get(url(world))
    assert 'value="516.033"' in r.content.decode()


def test_workflow_through_pages(world, client):
    client.force_login(world.reporter)
    client.post(url(world), {"value__POST_ENTERPRISES": "7"})
    assert client.post(url(world, "submit")).status_code == 403
    client.force_login(world.approver)
    r = client.post(url(world, "submit"), follow=True)
    assert "Đã gửi báo cáo lên Bộ" in r.content.decode()
    client.force_login(world.officer)
    r = client.post(url(world, "return"), {"reason": ""}, follow=True)
    assert "Phải ghi lý do" in r.content.decode()
    r = client.post(url(world, "return"), {"reason": "Số doanh nghiệp chưa khớp"}, follow=True)
    assert Submission.objects.get().state == State.RETURNED
    client.force_login(world.reporter)
    r = client.get(url(world))
    assert "Số doanh nghiệp chưa khớp" in r.content.decode()
    client.post(url(world), {"value__POST_ENTERPRISES": "8", "version__POST_ENTERPRISES": "1"})
    client.force_login(world.approver)
    client.post(url(world, "submit"))
    client.force_login(world.officer)
    client.post(url(world, "accept"))
    assert Submission.objects.get().state == State.ACCEPTED
    r = client.post(url(world, "verify"), follow=True)
    assert "khớp với bản đã gửi" in r.content.decode()
    client.force_login(world.admin)
    client.post(url(world, "reopen"), {"reason": "Sở xin sửa"})
    assert Submission.objects.get().state == State.DRAFT


def test_completeness_page(world, client):
    client.force_login(world.officer)
    r = client.get(reverse("reporting:completeness") + f"?bieu=ICT-Q&ky={world.period.code}")
    assert r.status_code == 200
    assert "0/34" in r.content.decode()
    assert client.get(reverse("reporting:completeness") + "?bieu=ICT-Q&ky=xyz").status_code == 404
    client.force_login(world.reporter)
    assert client.get(reverse("reporting:completeness")).status_code == 403
