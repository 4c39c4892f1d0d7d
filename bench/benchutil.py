"""Helpers shared by the benchmarks (run as ``python bench/NAME.py``; this folder is on sys.path)."""

from __future__ import annotations

import json
import resource
import subprocess
from pathlib import Path
from typing import Any


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB.

    Read from ``/proc/self/status`` (VmHWM), which belongs to this program alone. ``getrusage``'s
    ``ru_maxrss`` is not used on Linux: it survives ``exec``, so a benchmark started from a large
    process (a test runner) would report its parent's peak instead of its own.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def run_worker(cmd: list[str], kind: str, cwd: Path) -> dict[str, Any]:
    """Run one half of a benchmark as its own process (``cmd``), echo its output as it comes, and return
    its last line, the half's JSON figures. A failed half stops the benchmark."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, cwd=cwd)
    last = ""
    assert proc.stdout is not None
    for line in proc.stdout:
        line = line.rstrip("\n")
        if line:
            print(line, flush=True)
            last = line
    if proc.wait() != 0:
        raise SystemExit(f"{kind} half failed (exit {proc.returncode})")
    return json.loads(last)
