"""``baocao restore IN [--force]``: put a ``baocao backup`` archive back, all or nothing.

The archive is verified completely (manifest, checksum of every member) before anything is touched.
A non-empty database or media directory is refused unless ``--force``. Exit code 0 on success, 2 when
nothing was changed (the reason is printed)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from baocao.ops.services import BackupError, restore, summary


class Command(BaseCommand):
    help = "Khôi phục cơ sở dữ liệu và các tệp đã tải lên từ tệp sao lưu (tất cả hoặc không gì cả)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("archive", help="an archive written by `baocao backup`")
        parser.add_argument("--force", action="store_true", help="replace a database/media directory that holds data")

    def handle(self, *args, **opts) -> None:
        try:
            result = restore(Path(opts["archive"]), force=opts["force"])
        except BackupError as exc:
            raise CommandError(f"restore failed: {exc.message}", returncode=2) from None
        self.stdout.write(f"restored {opts['archive']}: {summary(result.manifest)}")
