"""Measure a tool as a whole process: wall time, CPU seconds, peak RSS; and medians of runs.

``os.wait4`` returns the rusage of exactly the child it reaps, so its CPU seconds belong
to that one process. Its ``ru_maxrss`` does not: Linux keeps the high-water mark of every
memory image the process had, and before its exec the child was a copy of this (large,
after the floors section rendered the site) benchmark process. So peak RSS is the child's
own VmHWM, read from /proc while it runs (it only grows; the last reading before the
process ends is the peak), with ``ru_maxrss`` only where /proc is missing.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Run:
    """One finished process."""

    argv: tuple[str, ...]
    wall: float  # seconds
    cpu: float  # user + system seconds
    rss_mb: float  # peak resident set, MiB
    returncode: int
    stdout: str
    stderr: str

    def check(self) -> Run:
        if self.returncode not in (0,):
            tail = "\n".join(self.stderr.strip().splitlines()[-15:])
            raise RuntimeError(f"{' '.join(self.argv[:4])} ... exited {self.returncode}:\n{tail}")
        return self


def run_process(argv: Sequence[str], *, env: Mapping[str, str] | None = None, cwd: Path | None = None,
                timeout: float = 900.0) -> Run:
    """Run ``argv`` to completion; output goes through temp files so no pipe can fill up."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(list(argv), stdout=out, stderr=err, env=dict(env) if env else None, cwd=cwd)
        timer = threading.Timer(timeout, process.kill)
        timer.start()
        peak = _PeakWatch(process.pid)  # Popen returns after the exec: /proc shows the tool itself
        try:
            _pid, status, usage = os.wait4(process.pid, 0)
        finally:
            timer.cancel()
            peak.stop()
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        out.seek(0)
        err.seek(0)
        rss_kib = peak.kib or usage.ru_maxrss
        return Run(tuple(argv), wall, usage.ru_utime + usage.ru_stime, rss_kib / 1024,
                   process.returncode, out.read().decode(errors="replace"), err.read().decode(errors="replace"))


class _PeakWatch:
    """Reads a running process's VmHWM (peak RSS of its current image) every few milliseconds."""

    def __init__(self, pid: int, every: float = 0.005) -> None:
        self.kib = 0
        self._path = Path(f"/proc/{pid}/status")
        self._every = every
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._done.is_set():
            try:
                text = self._path.read_text()
            except OSError:  # reaped, or no /proc here
                return
            for line in text.splitlines():
                if line.startswith("VmHWM:"):
                    self.kib = max(self.kib, int(line.split()[1]))
                    break
            self._done.wait(self._every)

    def stop(self) -> None:
        self._done.set()
        self._thread.join()


def median_of(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else float("nan")


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (share in 0..1)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))
    return ordered[rank]


def timed(action: Callable[[], T]) -> tuple[float, T]:
    """(seconds, result) of one call."""
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def best_rate(action: Callable[[], object], *, size: float, min_seconds: float = 0.3, max_repeats: int = 50) -> float:
    """``size`` units per second of ``action``: median over repeats lasting at least ``min_seconds`` in all."""
    times: list[float] = []
    spent = 0.0
    while (spent < min_seconds or len(times) < 3) and len(times) < max_repeats:
        took, _ = timed(action)
        times.append(took)
        spent += took
    return size / median_of(times)
