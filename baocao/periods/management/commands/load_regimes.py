"""``baocao load_regimes [--regimes PATH] [--holidays PATH]``: load/refresh regimes, rules, holidays."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from baocao.periods.loading import LoadError, load_regimes


class Command(BaseCommand):
    help = "Nạp hoặc cập nhật các chế độ báo cáo, quy định kỳ (chốt số liệu, hạn gửi) và lịch nghỉ lễ, Tết."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--regimes", default=None, help="Tệp JSON chế độ báo cáo (mặc định: fixtures/regimes.json)."
        )
        parser.add_argument(
            "--holidays", default=None, help="Tệp JSON lịch nghỉ (mặc định: fixtures/holidays.json)."
        )

    def handle(self, *args, regimes: str | None, holidays: str | None, **options) -> None:
        try:
            result = load_regimes(
                Path(regimes) if regimes else None,
                Path(holidays) if holidays else None,
            )
        except LoadError as exc:
            raise CommandError(str(exc)) from None
        if options.get("verbosity", 1) >= 1:
            self.stdout.write(f"load_regimes: {result.summary()}")
