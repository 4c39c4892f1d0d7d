"""``baocao api_token create USER --name N [--days D]`` / ``list [USER]`` / ``revoke PREFIX``."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from baocao.api.models import ApiToken
from baocao.api.services import create_token, find_user, revoke_token


class Command(BaseCommand):
    help = "Tạo, liệt kê, thu hồi khóa API (Bearer token) của người dùng."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        c = sub.add_parser("create", help="tạo khóa API (in ra một lần duy nhất)")
        c.add_argument("user", help="tên đăng nhập")
        c.add_argument("--name", required=True, help="tên khóa, ví dụ “cổng báo cáo của tỉnh”")
        c.add_argument("--days", type=int, default=None, help="số ngày hiệu lực (mặc định: không hết hạn)")
        c.add_argument("--json", action="store_true", help="in ra JSON")
        ls = sub.add_parser("list", help="liệt kê khóa API")
        ls.add_argument("user", nargs="?", help="chỉ khóa của người dùng này")
        ls.add_argument("--json", action="store_true", help="in ra JSON")
        r = sub.add_parser("revoke", help="thu hồi khóa API")
        r.add_argument("prefix", help="tiền tố của khóa (8 ký tự sau bc_)")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            getattr(self, f"do_{opts['action']}")(opts)
        except ValueError as exc:
            raise CommandError(str(exc)) from None

    def do_create(self, opts: dict[str, Any]) -> None:
        new = create_token(find_user(opts["user"]), opts["name"], days=opts["days"])
        t = new.token
        if opts["json"]:
            self.stdout.write(json.dumps({
                "token": new.secret, "prefix": t.prefix, "name": t.name, "user": t.user.username,
                "expires_at": t.expires_at.isoformat() if t.expires_at else None,
            }, ensure_ascii=False))
            return
        self.stdout.write(new.secret)
        exp = f", hết hạn {t.expires_at:%d/%m/%Y %H:%M}" if t.expires_at else ""
        self.stderr.write(f"Khóa “{t.name}” của {t.user.username} (tiền tố {t.prefix}{exp}). Khóa chỉ hiển thị một lần.")

    def do_list(self, opts: dict[str, Any]) -> None:
        qs = ApiToken.objects.select_related("user").order_by("user__username", "-created_at")
        if opts["user"]:
            qs = qs.filter(user=find_user(opts["user"]))
        rows = [
            {
                "prefix": t.prefix, "user": t.user.username, "name": t.name, "created_at": t.created_at.isoformat(),
                "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None,
                "expires_at": t.expires_at.isoformat() if t.expires_at else None,
                "state": "revoked" if t.revoked else "expired" if t.expired else "active",
            }
            for t in qs
        ]
        if opts["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False))
            return
        state_vi = {"revoked": "đã thu hồi", "expired": "hết hạn", "active": "đang dùng"}
        for r in rows:
            self.stdout.write(
                f"{r['prefix']}  {r['user']:<20} {r['name']:<30} {state_vi[r['state']]:<12} "
                f"dùng lần cuối: {r['last_used_at'] or '–'}"
            )
        if not rows:
            self.stdout.write("Không có khóa API nào.")

    def do_revoke(self, opts: dict[str, Any]) -> None:
        t = revoke_token(opts["prefix"])
        self.stdout.write(f"Đã thu hồi khóa “{t.name}” ({t.prefix}) của {t.user.username}.")
