"""``bench/import_api.py --quick`` runs end to end (real server, streaming uploads) and reports its figures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def _postgres_up() -> bool:
    try:
        import psycopg

        psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", connect_timeout=3).close()
    except Exception:  # noqa: BLE001 - any failure means: run without PostgreSQL
        return False
    return True


def test_import_api_benchmark_quick():
    cmd = [sys.executable, str(ROOT / "bench" / "import_api.py"), "--quick"]
    if not _postgres_up():
        cmd.append("--no-postgres")
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    figures = json.loads(proc.stdout.strip().splitlines()[-1])
    assert figures["rows"] == 20_000
    for key in ("sqlite_json_values_per_s", "sqlite_csv_values_per_s", "sqlite_baseline_per_s"):
        assert isinstance(figures[key], int) and figures[key] > 0
    if "--no-postgres" not in cmd:
        assert figures["postgres_json_values_per_s"] > 0 and figures["postgres_csv_values_per_s"] > 0
    else:
        assert figures["postgres_json_values_per_s"] is None
    assert 0 < figures["peak_rss_mb"] < 1024
    assert "SQLite: JSON" in proc.stdout and "SQLite: CSV" in proc.stdout


pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")
