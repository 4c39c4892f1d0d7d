"""``baocao serve``: the production start (gunicorn with baocao/core/gunicorn_conf.py).

Runs Django's checks (``--deploy`` ones too when HTTPS is on, failing on any warning), optionally
applies migrations (``--migrate``; with several app servers run it on one of them only), collects the
static files WhiteNoise serves, then replaces itself with gunicorn. Stop it with SIGTERM (graceful).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

CONFIG = Path(__file__).resolve().parents[2] / "gunicorn_conf.py"


class Command(BaseCommand):
    help = "Start baocao for production: checks, optional migrations, collectstatic, then gunicorn."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--migrate", action="store_true", help="apply database migrations first")
        parser.add_argument("--no-collectstatic", action="store_true", help="static files were collected already")
        parser.add_argument("--bind", help="address:port (default BAOCAO_BIND or 127.0.0.1:8000)")
        parser.add_argument("--workers", type=int, help="worker processes (default BAOCAO_WORKERS or 2×CPU+1)")
        parser.add_argument("--check-only", action="store_true", help="run the checks and preparation, do not start")

    def handle(self, *args: Any, **opts: Any) -> None:
        gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or shutil.which("gunicorn")
        if gunicorn is None:
            raise CommandError("gunicorn is not installed in this environment (pip install -e .)")
        if not settings.PRODUCTION:
            self.stderr.write("warning: BAOCAO_PRODUCTION is not 1: starting with development settings")
        # --deploy checks only make sense with HTTPS on; with BAOCAO_HTTPS=0 (127.0.0.1 load tests) the
        # cookie/HSTS warnings are expected, so only the ordinary checks must pass.
        call_command("check", deploy=settings.HTTPS, fail_level="WARNING")
        if opts["migrate"]:
            call_command("migrate", interactive=False, verbosity=1)
        if not opts["no_collectstatic"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        if opts["bind"]:
            os.environ["BAOCAO_BIND"] = opts["bind"]
        if opts["workers"]:
            os.environ["BAOCAO_WORKERS"] = str(opts["workers"])
        argv = [gunicorn, "--config", str(CONFIG), "baocao.wsgi:application"]
        if opts["check_only"]:
            self.stdout.write(" ".join(argv))
            return
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(gunicorn, argv)
