"""Helpers shared by the benchmarks (run as ``python bench/NAME.py``; this folder is on sys.path)."""

from __future__ import annotations

import resource
from pathlib import Path


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
