"""``baocao clear_analytics_cache``: forget every cached analytics answer (after raw SQL edits of reference data)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from baocao.analytics.cache import clear


class Command(BaseCommand):
    help = "Bỏ mọi kết quả phân tích đã lưu đệm (sau khi sửa dữ liệu tham chiếu trực tiếp bằng SQL)."

    def handle(self, *args, **opts) -> None:
        clear()
        self.stdout.write("✓ Đã bỏ các kết quả phân tích lưu đệm")
