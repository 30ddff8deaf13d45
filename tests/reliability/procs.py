"""Running ``schedarc`` in real subprocesses: wall time, peak RSS, kill -9 at a chosen moment.

Peak RSS comes from ``os.wait4`` on the child itself (its ``ru_maxrss``), so other tests'
subprocesses never blur the figure.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]


def schedarc(*args: str) -> list[str]:
    """The argv that runs the CLI with this interpreter (no reliance on PATH)."""
    return [sys.executable, "-m", "scraper", *args]


def child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCHEDARC_")}
    env["PYTHONPATH"] = str(REPO)
    env["NO_COLOR"] = "1"
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"):
        env.pop(name, None)  # loopback servers must be reached directly
    return env


@dataclass
class Finished:
    """A child that ran to its end (or was killed)."""

    argv: list[str]
    returncode: int
    stdout: str
    stderr: str
    wall: float  # seconds
    peak_rss_mb: float  # the child's own maximum resident set size
    killed: bool = False

    def json(self) -> Any:
        return json.loads(self.stdout)


class Child:
    """A started subprocess whose output goes to files (no pipe can fill up and stall it)."""

    def __init__(self, argv: list[str], workdir: Path, *, name: str = "child",
                 env: dict[str, str] | None = None) -> None:
        self.argv = argv
        self._out = workdir / f"{name}.{time.monotonic_ns()}.out"
        self._err = self._out.with_suffix(".err")
        with self._out.open("wb") as out, self._err.open("wb") as err:
            self.proc = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                         env={**child_env(), **(env or {})}, cwd=workdir)
        self.started = time.monotonic()
        self._result: Finished | None = None

    @property
    def pid(self) -> int:
        return self.proc.pid

    def poll(self) -> Finished | None:
        """The result if the child has ended, else None (never blocks)."""
        if self._result is None:
            pid, status, usage = os.wait4(self.proc.pid, os.WNOHANG)
            if pid:
                self._finish(status, usage)
        return self._result

    def wait(self, timeout: float = 120.0) -> Finished:
        """Wait for the end; kill -9 and fail if it outlives ``timeout`` (a hang, not a speed test)."""
        deadline = time.monotonic() + timeout
        while (result := self.poll()) is None:
            if time.monotonic() > deadline:
                self.kill()
                raise AssertionError(f"{' '.join(self.argv[2:])} still running after {timeout:g} s: "
                                     f"{self._err.read_text(errors='replace')[-2000:]}")
            time.sleep(0.01)
        return result

    def kill(self) -> Finished:
        """SIGKILL now (no cleanup handlers, no atexit, no finally blocks) and reap."""
        if self._result is None:
            try:
                os.kill(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            _, status, usage = os.wait4(self.proc.pid, 0)
            self._finish(status, usage, killed=True)
        assert self._result is not None
        return self._result

    def _finish(self, status: int, usage: Any, *, killed: bool = False) -> None:
        self.proc.returncode = os.waitstatus_to_exitcode(status)
        self._result = Finished(
            argv=self.argv, returncode=self.proc.returncode,
            stdout=self._out.read_text(encoding="utf-8", errors="replace"),
            stderr=self._err.read_text(encoding="utf-8", errors="replace"),
            wall=time.monotonic() - self.started, peak_rss_mb=usage.ru_maxrss / 1024, killed=killed)


def run(argv: list[str], workdir: Path, *, timeout: float = 120.0) -> Finished:
    """Run ``argv`` to its end in ``workdir``."""
    return Child(argv, workdir).wait(timeout)


def wait_until(condition: Callable[[], bool], *, timeout: float = 60.0, every: float = 0.005,
               what: str = "condition") -> None:
    """Poll ``condition`` until true; fail (not hang) after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached within {timeout:g} s")
        time.sleep(every)
