"""The deadline-surge benchmark (``bench/surge.py --quick``) runs end to end: its own database, the
gunicorn server, logged-in users saving the entry form and uploading Excel, readers on the dashboards,
and a last line of JSON with the figures. On PostgreSQL when ``DATABASE_URL`` points to one, else SQLite."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _database_args() -> list[str]:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        server = url.rsplit("/", 1)[0]
        return ["--database", "postgres", "--pg-url", server, "--db-name", f"baocao_surge_test_{os.getpid()}"]
    return ["--database", "sqlite"]


def test_surge_quick_runs_and_reports_figures() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("BAOCAO_DATA_DIR",)}
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "surge.py"), "--quick", *_database_args()],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    for key in ("requests", "errors", "rps", "p50_ms", "p95_ms", "p99_ms", "config"):
        assert key in result
    assert result["errors"] == 0, proc.stdout[-3000:]
    pages = result["pages"]
    # every kind of user did its work inside the measured window
    assert pages["entry POST (save)"]["requests"] >= 1
    assert pages["excel upload (dry run)"]["requests"] >= 1
    assert pages["completeness"]["requests"] >= 1
    assert pages["public recommendations"]["requests"] >= 1
    assert result["requests"] == sum(p["requests"] for p in pages.values())
    assert 0 < result["p50_ms"] <= result["p95_ms"] <= result["p99_ms"]
    assert result["config"]["entry_users"] == 2 * 3
