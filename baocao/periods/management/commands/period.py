"""``baocao period CODE|LABEL [--regime CODE] [--format json|text]``: a period, its data window and deadline."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from baocao.periods.services import PeriodError, RegimeError, describe, parse_any

TEXT_LABELS = (
    ("code", "Mã kỳ"),
    ("label_vi", "Kỳ báo cáo"),
    ("label_en", "Tiếng Anh"),
    ("start", "Từ ngày"),
    ("end", "Đến ngày"),
    ("window_start", "Chốt số liệu từ"),
    ("window_end", "Chốt số liệu đến"),
    ("deadline", "Hạn gửi"),
    ("lock_date", "Khóa số liệu từ"),
    ("regime", "Chế độ báo cáo"),
)


def _vn_date(value: str) -> str:
    y, m, d = value.split("-")
    return f"{d}/{m}/{y}"


class Command(BaseCommand):
    help = "Cho biết một kỳ báo cáo (mã như 2020Q3 hoặc nhãn như “Quý III/2020”): thời gian, chốt số liệu, hạn gửi."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "period", help="Mã kỳ (202005, 2020Q3, 2020S1, 2021N9, 2020) hoặc nhãn tiếng Việt."
        )
        parser.add_argument("--regime", default=None, help="Mã chế độ báo cáo (mặc định: chế độ mặc định).")
        parser.add_argument("--format", dest="fmt", default="text", help="json | text")

    def handle(self, *args, period: str, regime: str | None, fmt: str, **options) -> None:
        if fmt not in ("json", "text"):
            raise CommandError(f"--format: định dạng không hợp lệ «{fmt}»; dùng json hoặc text.")
        try:
            p = parse_any(period)
        except PeriodError as exc:
            raise CommandError(f"kỳ báo cáo: {exc}") from None
        try:
            record = describe(p, regime)
        except RegimeError as exc:
            raise CommandError(f"--regime: {exc}") from None
        if fmt == "json":
            self.stdout.write(json.dumps(record, ensure_ascii=False, indent=2))
            return
        for key, label in TEXT_LABELS:
            value = record[key]
            if key in ("start", "end", "window_start", "window_end", "deadline", "lock_date"):
                value = _vn_date(value)
            self.stdout.write(f"{label}: {value}")
