"""``baocao units --level province --on 2024-01-01 [--format json|table] [--parent UID]``."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from baocao.geo.models import AdminArea, AreaLevel
from baocao.geo.services import with_links


def area_record(area: AdminArea) -> dict[str, Any]:
    """One area as the JSON the ``units`` command prints (links must be prefetched)."""
    return {
        "uid": area.uid,
        "code": area.code,
        "name": area.name,
        "full_name": area.full_name,
        "level": area.level,
        "kind": area.kind,
        "parent": area.parent.uid if area.parent_id else None,
        "region": area.region or None,
        "population": area.population,
        "valid_from": area.valid_from.isoformat() if area.valid_from else None,
        "valid_to": area.valid_to.isoformat() if area.valid_to else None,
        "predecessors": sorted(s.predecessor.uid for s in area.predecessions.all()),
        "successors": sorted(s.successor.uid for s in area.successions.all()),
    }


class Command(BaseCommand):
    help = "Liệt kê các đơn vị hành chính có hiệu lực vào một ngày (mặc định: tỉnh/thành phố, hôm nay)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--level", default=AreaLevel.PROVINCE, help="country | province | district | commune")
        parser.add_argument("--on", dest="on", default=None, help="Ngày, dạng YYYY-MM-DD (mặc định: hôm nay).")
        parser.add_argument("--format", dest="fmt", default="table", help="json | table")
        parser.add_argument("--parent", default=None, help="Chỉ các đơn vị trực thuộc đơn vị có mã định danh này.")

    def handle(self, *args, level: str, on: str | None, fmt: str, parent: str | None, **options) -> None:
        if level not in AreaLevel.values:
            raise CommandError(f"--level: cấp không hợp lệ “{level}”; dùng một trong: {', '.join(AreaLevel.values)}.")
        if fmt not in ("json", "table"):
            raise CommandError(f"--format: định dạng không hợp lệ “{fmt}”; dùng json hoặc table.")
        try:
            day = dt.date.fromisoformat(on) if on else dt.date.today()
        except ValueError:
            raise CommandError(f"--on: ngày không hợp lệ “{on}”; dùng dạng YYYY-MM-DD, ví dụ 2024-01-01.") from None
        qs = AdminArea.objects.filter(level=level).valid_on(day)
        if parent:
            parent_area = AdminArea.objects.filter(uid__iexact=parent.strip()).first()
            if parent_area is None:
                raise CommandError(f"--parent: không có đơn vị hành chính mã “{parent}”.")
            qs = qs.filter(parent=parent_area)
        records = [area_record(a) for a in with_links(qs.order_by("code", "uid"))]
        if fmt == "json":
            self.stdout.write(json.dumps(records, ensure_ascii=False, indent=2))
            return
        for r in records:
            span = f"{r['valid_from'] or '…'} → {r['valid_to'] or '…'}"
            pop = f"{r['population']:,}".replace(",", ".") if r["population"] else ""
            self.stdout.write(f"{r['uid']:<12} {r['code']:<6} {r['name']:<28} {r['kind']:<22} {pop:>12}  {span}")
        self.stdout.write(f"{len(records)} đơn vị ({level}) có hiệu lực ngày {day:%d/%m/%Y}")
