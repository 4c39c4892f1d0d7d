"""``baocao load_catalog [--file PATH]``: validate and load the indicator catalog (idempotent)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from baocao.catalog.services import DEFAULT_FILE, CatalogError, load_catalog


class Command(BaseCommand):
    help = "Kiểm tra và nạp/cập nhật danh mục chỉ tiêu từ tệp JSON (không xóa chỉ tiêu nào)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--file",
            default=str(DEFAULT_FILE),
            help="đường dẫn tệp danh mục (mặc định: fixtures/catalog.json)",
        )

    def handle(self, *args, **opts):
        try:
            report = load_catalog(path=opts["file"])
        except CatalogError as exc:
            raise CommandError(str(exc)) from exc
        if opts["verbosity"] >= 1:
            self.stdout.write(self.style.SUCCESS("✓ " + report.summary()))
