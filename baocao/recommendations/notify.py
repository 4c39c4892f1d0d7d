"""E-mail notifications (Django mail; the console backend in development).

Called by ``services`` after the transaction commits; each function takes a primary key, reloads the
row and returns the number of messages sent, so a failure to send never undoes the action.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail

from .models import Directive, Recommendation

log = logging.getLogger(__name__)
FROM = getattr(settings, "DEFAULT_FROM_EMAIL", "baocao@localhost")


def member_emails(org_ids: Iterable[int]) -> list[str]:
    """E-mail addresses of the active users of these organisations."""
    ids = [i for i in org_ids if i]
    if not ids:
        return []
    users = get_user_model().objects.filter(is_active=True, profile__organisation_id__in=ids).exclude(email="")
    return sorted({u.email for u in users})


def _send(subject: str, body: str, to: list[str]) -> int:
    if not to:
        return 0
    try:
        return send_mail(subject, body, FROM, to, fail_silently=False)
    except Exception:  # noqa: BLE001 - a mail failure must not break the action; it is logged
        log.exception("Không gửi được thư: %s", subject)
        return 0


def sender_emails(rec: Recommendation) -> list[str]:
    if rec.sender_email:
        return [rec.sender_email]
    return member_emails([rec.sender_org_id]) if rec.sender_org_id else []


def assigned(rec_id: int) -> int:
    rec = Recommendation.objects.select_related("lead_unit").get(pk=rec_id)
    to = member_emails([rec.lead_unit_id, *rec.co_units.values_list("id", flat=True)])
    body = (
        f"Văn phòng Bộ giao {rec.lead_unit.name} chủ trì trả lời kiến nghị {rec.reference}.\n\n"
        f"Tiêu đề: {rec.title}\nNgười gửi: {rec.sender_display}\n"
        f"Hạn trả lời: {rec.due_on:%d/%m/%Y}\n\n{rec.text}\n"
    )
    return _send(f"[baocao] Giao xử lý kiến nghị {rec.reference}", body, to)


def answered(rec_id: int) -> int:
    rec = Recommendation.objects.get(pk=rec_id)
    body = (
        f"Kiến nghị {rec.reference} “{rec.title}” đã được {rec.lead_unit.name if rec.lead_unit else 'Bộ'} trả lời "
        f"ngày {rec.answered_on:%d/%m/%Y}.\n\n{rec.internal_answer}\n"
    )
    return _send(f"[baocao] Đã trả lời kiến nghị {rec.reference}", body, sender_emails(rec))


def published(rec_id: int) -> int:
    rec = Recommendation.objects.get(pk=rec_id)
    body = (
        f"Câu trả lời kiến nghị {rec.reference} “{rec.title}” đã được công khai "
        f"ngày {rec.published_on:%d/%m/%Y}.\n\n{rec.public_answer}\n"
    )
    return _send(f"[baocao] Đã công khai trả lời kiến nghị {rec.reference}", body, sender_emails(rec))


def directive_assigned(directive_id: int) -> int:
    d = Directive.objects.get(pk=directive_id)
    to = member_emails(d.assignees.values_list("id", flat=True))
    body = (
        f"{d.leader_title} {d.leader_name} giao nhiệm vụ {d.reference}:\n{d.title}\n\n"
        f"Hạn hoàn thành: {d.due_on:%d/%m/%Y}\n"
    ).strip()
    return _send(f"[baocao] Nhiệm vụ mới {d.reference}", body, to)
