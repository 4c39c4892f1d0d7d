"""``baocao department_key P04 [--date YYYY-MM-DD]``: a new Ed25519 signing key for a province's reporting department."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from baocao.orgs.models import Organisation
from baocao.orgs.services import department_for
from baocao.reporting.services import create_key


class Command(BaseCommand):
    help = "Tạo khóa ký Ed25519 mới cho sở báo cáo của một tỉnh (hoặc một cơ quan theo mã định danh)."

    def add_arguments(self, parser):
        parser.add_argument("unit", help="mã tỉnh (P04) hoặc mã định danh cơ quan (SO-KHCN-P04)")
        parser.add_argument("--date", help="ngày xác định sở phụ trách (mặc định: hôm nay)")

    def handle(self, *args, **opts):
        try:
            day = dt.date.fromisoformat(opts["date"]) if opts.get("date") else dt.date.today()
        except ValueError as exc:
            raise CommandError(f"--date: “{opts['date']}” không phải ngày yyyy-mm-dd") from exc
        org = Organisation.objects.filter(uid=opts["unit"]).first()
        if org is None:
            try:
                org = department_for(opts["unit"], day)
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
        key = create_key(org)
        self.stdout.write(f"{org}: khóa công khai {key.public_key}")
