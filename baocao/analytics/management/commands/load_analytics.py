"""``baocao load_analytics [--file PATH]``: targets, directions and key indicators (idempotent)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from baocao.analytics.services import DEFAULT_FILE, AnalyticsError, load_analytics


class Command(BaseCommand):
    help = "Kiểm tra và nạp mục tiêu, chiều đánh giá và danh sách chỉ tiêu chủ yếu (không xóa gì)."

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(DEFAULT_FILE), help="tệp JSON (mặc định: fixtures/analytics.json)")

    def handle(self, *args, **opts):
        try:
            report = load_analytics(path=opts["file"])
        except AnalyticsError as exc:
            raise CommandError(str(exc)) from exc
        if opts["verbosity"] >= 1:
            self.stdout.write(self.style.SUCCESS("✓ " + report.summary()))
