"""``baocao validate PERIOD [--area UID] [--format table|json] [--no-outliers]``."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from baocao.validation.services import run_bulk


class Command(BaseCommand):
    help = "Kiểm tra số liệu một kỳ báo cáo theo quy tắc và phát hiện giá trị bất thường."

    def add_arguments(self, parser):
        parser.add_argument("period", help="Kỳ báo cáo: 2025Q3, 2025S1, 2025 hoặc «Quý III/2025»")
        parser.add_argument("--area", action="append", default=None, help="Mã định danh đơn vị (lặp lại được)")
        parser.add_argument("--format", choices=("table", "json"), default="table")
        parser.add_argument("--no-outliers", action="store_true", help="Không phát hiện giá trị bất thường")

    def handle(self, *args, **opts):
        from baocao.geo.models import AdminArea
        from baocao.periods.services import PeriodError

        areas = None
        if opts["area"]:
            known = dict(AdminArea.objects.filter(uid__in=opts["area"]).values_list("uid", "pk"))
            missing = [u for u in opts["area"] if u not in known]
            if missing:
                raise CommandError(f"--area: không có đơn vị {', '.join(missing)}")
            areas = opts["area"]
        try:
            report = run_bulk(opts["period"], areas=areas, outliers=not opts["no_outliers"])
        except PeriodError as exc:
            raise CommandError(f"PERIOD: {exc}") from exc
        if opts["format"] == "json":
            self.stdout.write(json.dumps(report.to_dict(), ensure_ascii=False, indent=1))
            return
        names = dict(report.areas)
        self.stdout.write(
            f"Kỳ {report.period}: {len(report.areas)} đơn vị, {report.values_checked} số liệu; "
            f"{report.errors} lỗi, {report.warnings} cảnh báo"
        )
        for v in report.violations:
            sev = "LỖI" if v.is_error else "cảnh báo"
            self.stdout.write(f"{v.area:<10} {names.get(v.area, ''):<22.22} {sev:<8} {v.rule_code:<28} {v.message}")
        if report.violations:
            self.stdout.write("Theo quy tắc: " + ", ".join(f"{k} {n}" for k, n in report.by_rule().items()))
