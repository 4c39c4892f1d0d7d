"""``baocao ingest FILE...``: extract and store reports for review, with a progress bar.

Idempotent: a file whose bytes are already stored is reported as such and not extracted again. Bad
files are reported on stderr with the reason and store nothing; the command then ends with exit code 2
after processing the others.
"""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from baocao.extraction.catalog import load_catalog
from baocao.extraction.readers import ReadError
from baocao.extraction.services import ingest_path


class Command(BaseCommand):
    help = "Trích xuất và lưu các báo cáo dạng văn bản để duyệt (.txt, .html, .docx, .pdf)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("files", nargs="+", help="report files")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, **opts) -> None:
        catalog = load_catalog()
        if catalog.source == "none":
            sys.stderr.write("note: no indicator catalog loaded; figures are stored unmapped\n")
        created = existing = failed = 0
        bar = tqdm(opts["files"], unit="tệp", disable=opts["no_progress"], file=sys.stderr)
        for path in bar:
            try:
                res = ingest_path(path, catalog=catalog)
            except ReadError as exc:
                failed += 1
                tqdm.write(f"error: {exc}", file=sys.stderr)
                continue
            c = res.counts
            if res.created:
                created += 1
                state = "mới"
            else:
                existing += 1
                state = "đã có"
            self.stdout.write(
                f"{path}: {state} (#{res.document.pk}) {res.document.province or '—'} {res.document.period or '—'}; "
                f"{c['fact']} số liệu, {c['recommendation']} kiến nghị, {c['directive']} chỉ đạo"
            )
        self.stdout.write(f"Tổng: {created} văn bản mới, {existing} đã có, {failed} lỗi.")
        if failed:
            raise CommandError(f"{failed} file(s) could not be read", returncode=2)
