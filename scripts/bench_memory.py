"""The benchmarks' memory figures, in MB: this process's resident memory now, its peak, and a peak per run."""

from __future__ import annotations

import resource
from pathlib import Path


def peak_rss_mb() -> float:
    """The process's peak RSS since it started (``ru_maxrss``)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _status_kb(field: str, pid: int | str = "self") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/{pid}/status")


def process_peak_rss_mb(pid: int) -> float | None:
    """Another process's peak RSS so far (``VmHWM``), None once it has exited."""
    try:
        return _status_kb("VmHWM", pid) / 1024
    except (OSError, RuntimeError):  # gone, or a zombie without memory
        return None


def rss_mb() -> float:
    """The process's resident memory now (``VmRSS``)."""
    return _status_kb("VmRSS") / 1024


def reset_peak_rss() -> None:
    """Start the process's peak RSS (``VmHWM``) anew from its current RSS (Linux: ``clear_refs`` 5), so that
    :func:`run_peak_rss_mb` after a run is that run's own peak, with whatever the process holds already."""
    Path("/proc/self/clear_refs").write_text("5")


def run_peak_rss_mb() -> float:
    """The peak RSS since :func:`reset_peak_rss` (``VmHWM``)."""
    return _status_kb("VmHWM") / 1024
