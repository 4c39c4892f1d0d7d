"""``baocao demo_data``: the deterministic demo data set (values, accounts, recommendations)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from tqdm import tqdm

from baocao.core.numbers import format_number
from baocao.demo.services import DEMO_PASSWORD, create_demo_accounts, write_demo_values
from baocao.geo.models import AdminArea


class Command(BaseCommand):
    help = "Nạp bộ dữ liệu mẫu: số liệu của mọi tỉnh 2016 → nay, tài khoản mẫu, kiến nghị và nhiệm vụ mẫu."

    def add_arguments(self, parser):
        parser.add_argument("--today", help="ngày tham chiếu YYYY-MM-DD (mặc định: hôm nay)")
        parser.add_argument("--no-progress", action="store_true")

    def _ingest_sample_reports(self, verbosity: int) -> None:
        """Our own sample reports (in the genre of provincial reports), stored ready for review."""
        from baocao.extraction.services import ingest_path

        samples = sorted((Path(__file__).resolve().parents[3] / "extraction" / "tests" / "samples").glob("*.txt"))
        new = sum(1 for p in samples if ingest_path(p).created)
        if verbosity:
            self.stdout.write(f"✓ Văn bản mẫu chờ rà soát trích xuất: {len(samples)} ({new} mới)")

    def handle(self, *args, **opts):
        if not AdminArea.objects.provinces().exists():
            raise CommandError("Chưa có bản đồ hành chính: chạy “baocao setup” (hoặc load_map) trước.")
        try:
            today = dt.date.fromisoformat(opts["today"]) if opts["today"] else dt.date.today()
        except ValueError as exc:
            raise CommandError(f"Ngày không hợp lệ: {opts['today']} (cần YYYY-MM-DD)") from exc
        quiet = opts["no_progress"] or opts["verbosity"] == 0
        bar = tqdm(desc="Số liệu mẫu", unit=" dòng", disable=quiet)
        with transaction.atomic():
            result, gen = write_demo_values(today, progress=bar.update)
            bar.close()
            accounts = create_demo_accounts(today)
        if opts["verbosity"]:
            self.stdout.write(
                f"✓ Số liệu mẫu: {format_number(result.created)} mới, {format_number(result.updated)} cập nhật, "
                f"{format_number(result.unchanged)} không đổi; {len(gen.anomalies)} giá trị bất thường được cài sẵn"
            )
        self._ingest_sample_reports(opts["verbosity"])
        for extra in ("demo_reporting", "demo_recommendations"):
            if extra in get_commands():
                call_command(extra, today=today.isoformat(), verbosity=opts["verbosity"])
        if opts["verbosity"]:
            self.stdout.write(f"\nTài khoản mẫu (mật khẩu chung: {DEMO_PASSWORD}):")
            for acc, org in accounts:
                self.stdout.write(f"  {acc.username:<22} {acc.title} – {org or 'chưa gắn đơn vị'}")
