"""``baocao load_rules [PATH]``: check the rules against the catalog, then load them (idempotent)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from baocao.validation.loader import FIXTURE, RuleLoadError, load_rules


class Command(BaseCommand):
    help = "Nạp quy tắc kiểm tra số liệu (mặc định baocao/validation/fixtures/rules.json)."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=str(FIXTURE))

    def handle(self, *args, **opts):
        try:
            res = load_rules(opts["path"])
        except RuleLoadError as exc:
            raise CommandError(f"{len(exc.errors)} lỗi, không nạp quy tắc nào:\n" + "\n".join(exc.errors)) from exc
        if opts["verbosity"]:
            self.stdout.write(f"Quy tắc: {res.created} thêm mới, {res.updated} cập nhật, {res.unchanged} không đổi")
