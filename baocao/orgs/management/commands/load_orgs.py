"""``baocao load_orgs``: the Government, ministries and their units, provincial committees and
departments (generated from the map), telecom and postal enterprises."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from baocao.orgs.loader import OrgDataError, load_orgs


class Command(BaseCommand):
    help = "Nạp cơ quan, đơn vị: Chính phủ, các bộ và đơn vị thuộc bộ, UBND và các sở theo tỉnh, doanh nghiệp."

    def handle(self, *args, verbosity: int = 1, **options) -> None:
        try:
            stats = load_orgs()
        except OrgDataError as exc:
            raise CommandError(str(exc)) from exc
        if verbosity >= 1:
            self.stdout.write(f"load_orgs: {stats.summary()}")
