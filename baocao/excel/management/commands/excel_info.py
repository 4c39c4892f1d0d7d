"""``baocao excel_info FILE [--format json|text]``: what an uploaded form says it is, and whether the
upload guards accept it (size, type, zip bomb, XML entities). Reads nothing into the database."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from baocao.excel.services import inspect_workbook

LABELS = {
    "form_code": "Mã biểu",
    "form_version": "Phiên bản",
    "period_code": "Kỳ",
    "period_label": "Tên kỳ",
    "unit_code": "Mã đơn vị",
    "unit_name": "Đơn vị báo cáo",
    "layout_checksum": "Mã kiểm tra cấu trúc",
    "generated_at": "Tạo lúc (UTC)",
    "format": "Định dạng tệp",
}


class Command(BaseCommand):
    help = "Cho biết tệp Excel tải lên là biểu nào, kỳ nào, của đơn vị nào và có qua được các bước kiểm tra tệp không."

    def add_arguments(self, parser):
        parser.add_argument("file", help="đường dẫn tệp .xlsx")
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, **opts):
        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(f"Không tìm thấy tệp {path}")
        with path.open("rb") as fh:
            result = inspect_workbook(fh)
        if opts["format"] == "json":
            payload = {
                "file": str(path),
                "ok": result.ok,
                "metadata": result.metadata,
                "problems": [
                    {"sheet": p.sheet, "cell": p.cell, "message": p.message, "text": p.text}
                    for p in result.problems
                ],
            }
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=1))
        else:
            for key, value in result.metadata.items():
                self.stdout.write(f"{LABELS.get(key, key)}: {value}")
            for p in result.problems:
                self.stdout.write(f"Lỗi: {p.text}")
            if result.ok:
                self.stdout.write("Tệp qua được các bước kiểm tra tệp.")
        if not result.ok:
            raise SystemExit(1)
