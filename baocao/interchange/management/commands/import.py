"""``baocao import FILE``: import a DHIS2 dataValueSet (JSON or CSV) with a progress bar.

Same code path as ``POST /api/v1/dataValueSets`` (``interchange.services.import_stream``): same
validation, scope, locks, strategies and importSummary. Without ``--user`` the import runs as the
system (every area; reports that are submitted or accepted stay locked). Exit code 0 when every
value was accepted, 1 when some values were refused (conflicts) or the import was aborted, 2 for an
unreadable file or a bad option.
"""

from __future__ import annotations

import json
import os
import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from baocao.interchange.services import (
    STRATEGIES,
    FormatError,
    ImportError_,
    ImportOptions,
    ScopeError,
    TooLarge,
    import_stream,
    read_file,
)


class Command(BaseCommand):
    help = "Nhập số liệu từ tệp dataValueSet (DHIS2, JSON hoặc CSV)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="the dataValueSet file (.json or .csv)")
        parser.add_argument("--format", choices=["json", "csv"], help="default: from the file name")
        parser.add_argument("--strategy", default="CREATE_AND_UPDATE", choices=STRATEGIES, type=str.upper)
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
        parser.add_argument("--atomic", default="ALL", choices=["ALL", "NONE"], type=str.upper)
        parser.add_argument("--user", help="import as this user (their role and province scope apply)")
        parser.add_argument("--json", action="store_true", help="print the importSummary as JSON")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, **opts) -> None:
        user = None
        if opts["user"]:
            user = get_user_model().objects.filter(username=opts["user"]).first()
            if user is None:
                raise CommandError(f"Không có người dùng “{opts['user']}”", returncode=2)
        path = opts["file"]
        if not os.path.isfile(path):
            raise CommandError(f"Không có tệp {path}", returncode=2)
        try:
            options = ImportOptions.parse(
                strategy=opts["strategy"], atomic=opts["atomic"], dry_run=opts["dry_run"], user=user, source="import",
                system=user is None,
            )
            stream, fmt = read_file(path, opts["format"])
        except ImportError_ as exc:
            raise CommandError(exc.message, returncode=2) from None
        size = os.path.getsize(path)
        bar = tqdm(total=size, unit="B", unit_scale=True, disable=opts["no_progress"], file=sys.stderr, desc="nhập")

        def progress(n: int) -> None:
            bar.n = min(stream.tell(), size)
            bar.set_postfix_str(f"{n:,} giá trị".replace(",", "."), refresh=False)
            bar.refresh()

        try:
            with stream:
                summary = import_stream(stream, fmt, options, progress=progress)
        except (FormatError, TooLarge) as exc:
            raise CommandError(f"{exc}; không ghi giá trị nào.", returncode=2) from None
        except ScopeError as exc:
            raise CommandError(exc.message, returncode=2) from None
        finally:
            bar.close()
        body = summary.as_dict()
        if opts["json"]:
            self.stdout.write(json.dumps(body, ensure_ascii=False, indent=2))
        else:
            c = body["importCount"]
            self.stdout.write(
                f"{body['status']}: {c['imported']} mới, {c['updated']} cập nhật, {c['deleted']} xóa, "
                f"{c['ignored']} bỏ qua. {body['description']}"
            )
            for conf in body["conflicts"][:50]:
                self.stdout.write(f"  giá trị #{conf['indexes'][0]} [{conf['errorCode']}] {conf['property']}: {conf['value']}")
            if summary.conflict_count > 50:
                self.stdout.write(f"  … và {summary.conflict_count - 50} lỗi khác")
        if summary.conflict_count:
            raise CommandError(f"{summary.conflict_count} giá trị lỗi", returncode=1)
