"""``baocao setup``: migrate, load the reference data and (optionally) the demo data set."""

from __future__ import annotations

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection

from baocao.core.reference import load_reference


class Command(BaseCommand):
    help = "Tạo/cập nhật cơ sở dữ liệu, nạp dữ liệu tham chiếu và (tùy chọn) dữ liệu mẫu."

    def add_arguments(self, parser):
        parser.add_argument("--demo", action="store_true", help="nạp cả bộ dữ liệu mẫu")
        parser.add_argument("--communes", action="store_true", help="nạp cả danh mục xã, phường (trước và sau sắp xếp)")

    def handle(self, *args, **opts):
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("✓ Cơ sở dữ liệu đã cập nhật")
        load_reference(communes=opts["communes"], verbosity=opts["verbosity"])
        if opts["demo"]:
            call_command("demo_data")
        if connection.vendor == "postgresql":
            # Fresh planner statistics after the bulk loads: without them PostgreSQL guesses the value
            # table's selectivity and picks slow plans until autovacuum gets round to it.
            with connection.cursor() as cur:
                cur.execute("ANALYZE")
