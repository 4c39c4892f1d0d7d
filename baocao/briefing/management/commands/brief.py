"""``baocao brief 2020Q3 --out pack.docx [--no-pdf]``: the quarterly briefing pack as .docx and PDF."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from baocao.briefing import services as s


class Command(BaseCommand):
    help = "Tạo báo cáo giao ban (thể thức Nghị định 30/2020) của một kỳ: tệp .docx và bản PDF bên cạnh."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("period", help="mã kỳ, ví dụ 2020Q3 (quý), 2020S1, 2020")
        parser.add_argument("--out", required=True, help="tệp .docx kết quả; bản PDF cùng tên, đuôi .pdf")
        parser.add_argument("--pdf", action="store_true", default=True, help="tạo cả PDF (mặc định)")
        parser.add_argument("--no-pdf", dest="pdf", action="store_false", help="chỉ tạo .docx")
        parser.add_argument("--date", help="ngày ban hành và ngày tính số liệu (YYYY-MM-DD; mặc định hôm nay)")
        parser.add_argument("--force", action="store_true", help="ghi đè tệp đã có")
        parser.add_argument("--load-defaults", action="store_true", help="nạp lại cấu hình mặc định từ fixtures/briefing.json")

    def handle(self, *args: Any, **opts: Any) -> None:
        out = Path(opts["out"]).expanduser()
        try:
            period = s.parse_pack_period(opts["period"])
            today = dt.date.fromisoformat(opts["date"]) if opts["date"] else None
        except ValueError as exc:
            raise CommandError(str(exc) if isinstance(exc, s.BriefingError) else f"--date không hợp lệ: {opts['date']} (YYYY-MM-DD)") from exc
        if out.exists() and not opts["force"]:
            raise CommandError(f"Tệp đã có: {out} (dùng --force để ghi đè)")
        if opts["load_defaults"]:
            s.load_defaults(force=True)
        try:
            result = s.generate(period, out, pdf=opts["pdf"], today=today)
        except s.BriefingError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Đã tạo {result.docx} ({period.label_vi})")
        if result.pdf:
            self.stdout.write(f"Đã tạo {result.pdf}")
        elif opts["pdf"]:
            self.stderr.write(result.pdf_error)
