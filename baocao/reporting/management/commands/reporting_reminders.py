"""``baocao reporting_reminders [--now] [--date YYYY-MM-DD] [--days 7 --days 1]``.

Without ``--now`` the task is enqueued (database backend; ``baocao db_worker`` runs it); with
``--now`` it runs in this process. Schedule it once a day.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from baocao.reporting.tasks import DEFAULT_DAYS, send_reminders, send_reminders_task


class Command(BaseCommand):
    help = "Gửi thư nhắc các sở chưa gửi báo cáo khi còn N ngày đến hạn."

    def add_arguments(self, parser):
        parser.add_argument("--now", action="store_true", help="Chạy ngay thay vì đưa vào hàng đợi")
        parser.add_argument("--date", help="Ngày tính hạn (yyyy-mm-dd), mặc định hôm nay")
        parser.add_argument("--days", type=int, action="append", help="Nhắc khi còn đúng N ngày (lặp lại được); mặc định 7 và 1")

    def handle(self, *args, **opts):
        day = opts.get("date")
        if day:
            try:
                dt.date.fromisoformat(day)
            except ValueError as exc:
                raise CommandError(f"--date: “{day}” không phải ngày yyyy-mm-dd") from exc
        days = opts.get("days") or list(DEFAULT_DAYS)
        if any(d < 0 for d in days):
            raise CommandError("--days phải là số ngày không âm")
        if opts["now"]:
            r = send_reminders(dt.date.fromisoformat(day) if day else None, days)
            self.stdout.write(f"{r['due']} báo cáo chưa gửi sắp đến hạn; đã gửi {r['sent']} thư ({r['no_address']} sở chưa có địa chỉ thư).")
            return
        result = send_reminders_task.enqueue(day, days)
        self.stdout.write(f"Đã đưa vào hàng đợi: {result.id} ({result.status})")
