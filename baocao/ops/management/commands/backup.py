"""``baocao backup OUT``: the database (consistent snapshot) and the uploaded documents in one archive.

Exit code 0 when the archive is complete, 2 when nothing was written (the reason is printed)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from baocao.ops.services import BackupError, backup, summary


class Command(BaseCommand):
    help = "Sao lưu cơ sở dữ liệu và các tệp đã tải lên vào một tệp lưu trữ (.tar hoặc .tar.gz)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("out", help="the archive to create (.tar, or .tar.gz to compress); must not exist")

    def handle(self, *args, **opts) -> None:
        try:
            manifest = backup(Path(opts["out"]))
        except BackupError as exc:
            raise CommandError(f"backup failed, nothing written: {exc.message}", returncode=2) from None
        self.stdout.write(f"{opts['out']}: {summary(manifest)}")
