"""``baocao demo_recommendations [--reset] [--today YYYY-MM-DD]``: briefing sessions, recommendations and directives."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from baocao.recommendations.demo import build_demo


class Command(BaseCommand):
    help = "Tạo dữ liệu mẫu kiến nghị, nhiệm vụ và phiên giao ban (xác định, dùng cơ quan, đơn vị trong cơ sở dữ liệu)."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="Xóa dữ liệu mẫu cũ rồi tạo lại")
        parser.add_argument("--today", help="Ngày làm mốc (yyyy-mm-dd), mặc định hôm nay")

    def handle(self, *args, **opts):
        today = None
        if opts.get("today"):
            try:
                today = dt.date.fromisoformat(opts["today"])
            except ValueError as exc:
                raise CommandError(f"--today: “{opts['today']}” không phải ngày yyyy-mm-dd") from exc
        result = build_demo(today, reset=opts["reset"])
        if "skipped" in result:
            self.stdout.write(self.style.WARNING(result["skipped"]))
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Đã tạo {result['sessions']} phiên giao ban, {result['recommendations']} kiến nghị, {result['directives']} nhiệm vụ."
            )
        )
