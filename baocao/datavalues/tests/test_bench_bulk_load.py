"""Runs ``bench/bulk_load.py --quick`` (20,000 rows) and checks its last line. Deselect with ``-k "not bench"``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")


def _postgres_reachable() -> bool:
    import psycopg

    try:
        psycopg.connect(PG_URL + "/postgres", connect_timeout=3).close()
    except psycopg.OperationalError:
        return False
    return True


def test_bench_bulk_load_quick():
    with_pg = _postgres_reachable()
    if os.environ.get("CI") and not with_pg:
        pytest.fail("PostgreSQL must be reachable in CI")
    cmd = [sys.executable, str(ROOT / "bench" / "bulk_load.py"), "--quick", "--pg-url", PG_URL]
    if not with_pg:
        cmd.append("--no-postgres")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "BAOCAO_DATA_DIR")}
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    lines = proc.stdout.strip().splitlines()
    assert "bulk_write" in proc.stdout
    figures = json.loads(lines[-1])
    assert figures["rows"] == 20_000
    keys = ["sqlite_values_per_s", "sqlite_baseline_per_s", "peak_rss_mb"]
    pg_keys = ["postgres_values_per_s", "postgres_baseline_per_s"]
    for key in keys + (pg_keys if with_pg else []):
        assert isinstance(figures[key], (int, float)) and figures[key] > 0, (key, figures)
    if not with_pg:
        assert all(figures[k] is None for k in pg_keys)
    assert figures["peak_rss_mb"] < 500
