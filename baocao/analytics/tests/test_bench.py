"""``bench/analytics.py --quick`` runs end to end (generated values, real gunicorn, 20 clients, the run with
writes) and reports its figures; the full-size figures are in docs/analytics.md."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from baocao.interchange.tests.test_bench import _postgres_up

ROOT = Path(__file__).resolve().parents[3]


def test_analytics_benchmark_quick():
    cmd = [sys.executable, str(ROOT / "bench" / "analytics.py"), "--quick", "--rows", "50000", "--repeat", "3",
           "--requests", "40"]
    if not _postgres_up():
        cmd.append("--no-postgres")
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    figures = json.loads(proc.stdout.strip().splitlines()[-1])
    assert figures["rows"] == 50_000
    for key in ("sqlite_aggregate_p50_ms", "sqlite_ranking_p50_ms", "sqlite_overview_p95_ms",
                "sqlite_overview_writes_p95_ms", "overview_p95_ms"):
        assert isinstance(figures[key], (int, float)) and figures[key] > 0, key
    if "--no-postgres" not in cmd:
        assert figures["postgres_aggregate_p50_ms"] > 0 and figures["postgres_overview_writes_p95_ms"] > 0
    else:
        assert figures["postgres_aggregate_p50_ms"] is None


pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")
