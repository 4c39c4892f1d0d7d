"""The ``baocao`` console command: Django's management commands under one name.

``baocao catalog --format json``, ``baocao units --level province --on 2024-01-01``,
``baocao period 2020Q3``, ``baocao setup``, ``baocao runserver`` …
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "baocao.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["baocao", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
