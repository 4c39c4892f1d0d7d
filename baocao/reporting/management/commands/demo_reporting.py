"""``baocao demo_reporting [--today YYYY-MM-DD]``: demo reports in every state (run after ``demo_data``)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from baocao.reporting.demo import build_demo
from baocao.reporting.models import State


class Command(BaseCommand):
    help = "Tạo báo cáo mẫu ở mọi trạng thái cho các kỳ gần đây của dữ liệu mẫu."

    def add_arguments(self, parser):
        parser.add_argument("--today", help="ngày tham chiếu YYYY-MM-DD (mặc định: hôm nay)")

    def handle(self, *args, **opts):
        try:
            today = dt.date.fromisoformat(opts["today"]) if opts["today"] else dt.date.today()
        except ValueError as exc:
            raise CommandError(f"Ngày không hợp lệ: {opts['today']} (cần YYYY-MM-DD)") from exc
        counts = build_demo(today)
        if opts["verbosity"]:
            parts = [f"{State(k).label}: {v}" for k, v in sorted(counts.items())]
            self.stdout.write("✓ Báo cáo mẫu – " + "; ".join(parts))
