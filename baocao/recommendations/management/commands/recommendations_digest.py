"""``baocao recommendations_digest [--now] [--date YYYY-MM-DD]``: the daily digest of items due in 3 days or overdue.

Without ``--now`` the task is enqueued (the database backend; ``baocao db_worker`` runs it);
with ``--now`` it runs in this process. Schedule it once a day (cron, systemd timer).
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from baocao.recommendations.tasks import send_digest, send_digest_task


class Command(BaseCommand):
    help = "Gửi thư tổng hợp kiến nghị, nhiệm vụ sắp đến hạn (3 ngày) hoặc quá hạn."

    def add_arguments(self, parser):
        parser.add_argument("--now", action="store_true", help="Chạy ngay thay vì đưa vào hàng đợi")
        parser.add_argument("--date", help="Ngày tính hạn (yyyy-mm-dd), mặc định hôm nay")

    def handle(self, *args, **opts):
        day = opts.get("date")
        if day:
            try:
                dt.date.fromisoformat(day)
            except ValueError as exc:
                raise CommandError(f"--date: “{day}” không phải ngày yyyy-mm-dd") from exc
        if opts["now"]:
            r = send_digest(dt.date.fromisoformat(day) if day else None)
            self.stdout.write(f"Đã gửi {r['messages']} thư cho {r['groups']} đơn vị ({r['items']} việc đến hạn hoặc quá hạn).")
            return
        result = send_digest_task.enqueue(day)
        self.stdout.write(f"Đã đưa vào hàng đợi: {result.id} ({result.status})")
