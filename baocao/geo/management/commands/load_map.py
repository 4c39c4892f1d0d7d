"""``baocao load_map [--communes]``: provinces 63 + 34, the merge table, optionally districts and communes."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from baocao.geo.loader import MapDataError, build_plan, load_map


class Command(BaseCommand):
    help = "Nạp bản đồ hành chính (63 tỉnh trước, 34 tỉnh từ 01/07/2025, bảng sáp nhập; tùy chọn huyện và xã)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--communes", action="store_true", help="Nạp cả quận/huyện và xã/phường (trước và sau 01/07/2025)."
        )

    def handle(self, *args, communes: bool = False, verbosity: int = 1, **options) -> None:
        started = time.perf_counter()
        try:
            plan = build_plan()
            stats = load_map(communes=communes, progress=verbosity >= 1 and communes, plan=plan)
        except MapDataError as exc:
            raise CommandError(str(exc)) from exc
        if verbosity >= 1:
            self.stdout.write(f"load_map: {stats.summary()} ({time.perf_counter() - started:.1f}s)")
