"""``baocao catalog [--format json|table] [--domain CODE] [--on DATE]``: the indicator catalog."""

from __future__ import annotations

import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError

from baocao.catalog.models import Domain
from baocao.catalog.services import export_catalog, indicator_as_dict, list_indicators


class Command(BaseCommand):
    help = "Liệt kê danh mục chỉ tiêu (mã, tên, lĩnh vực, đơn vị, kiểu giá trị, cách cộng gộp, cụm từ)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--format",
            choices=["json", "table", "fixture"],
            default="table",
            help="fixture: toàn bộ danh mục theo định dạng tệp catalog.json (để ghi lại các sửa đổi từ trang quản trị)",
        )
        parser.add_argument("--domain", help="mã lĩnh vực, ví dụ telecom")
        parser.add_argument("--on", help="chỉ các chỉ tiêu có hiệu lực vào ngày này (YYYY-MM-DD)")

    def handle(self, *args, **opts):
        on = None
        if opts["on"]:
            try:
                on = dt.date.fromisoformat(opts["on"])
            except ValueError as exc:
                raise CommandError(f"--on: ngày không hợp lệ {opts['on']!r} (cần YYYY-MM-DD)") from exc
        if opts["domain"] and not Domain.objects.filter(code=opts["domain"]).exists():
            known = ", ".join(Domain.objects.values_list("code", flat=True)) or "(chưa nạp danh mục)"
            raise CommandError(f"--domain: lĩnh vực không tồn tại {opts['domain']!r} (có: {known})")
        if opts["format"] == "fixture":
            if opts["domain"] or on:
                raise CommandError(
                    "--format fixture xuất toàn bộ danh mục: không dùng cùng --domain hoặc --on"
                )
            self.stdout.write(json.dumps(export_catalog(), ensure_ascii=False, indent=1))
            return
        indicators = list_indicators(domain=opts["domain"], on=on)
        if opts["format"] == "json":
            self.stdout.write(
                json.dumps([indicator_as_dict(i) for i in indicators], ensure_ascii=False, indent=1)
            )
            return
        header = ("mã", "tên", "lĩnh vực", "đơn vị", "kiểu", "đơn vị→", "thời gian→", "cụm từ")
        rows = [
            (
                i.code,
                i.name,
                i.domain.code,
                i.unit,
                i.value_type,
                i.agg_space + (f" ({i.condition})" if i.condition else ""),
                i.agg_time,
                "; ".join(i.phrases[:3]),
            )
            for i in indicators
        ]
        widths = [max([len(h)] + [len(r[k]) for r in rows]) for k, h in enumerate(header[:-1])]
        fmt = "  ".join(f"{{:<{w}}}" for w in widths) + "  {}"
        self.stdout.write(fmt.format(*header))
        for r in rows:
            self.stdout.write(fmt.format(*r))
        self.stdout.write(f"{len(rows)} chỉ tiêu")
